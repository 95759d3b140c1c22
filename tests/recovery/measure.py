"""Measure formula recovery on a folder of wrong submissions whose `named.toml` says what a tutor would name.

    .venv/bin/python -m tests.recovery.measure [FOLDER ...]  (default tests/submissions/uncatalogued)

Figures per file and per wrong function: a function is named when every word the entry asks for about it
is there (its formula, a Python slip in words, its signature's parameter order).

Each submission is graded by the real grader (worker, probes and all). A table entry is *named* when the
diagnosis names, for each function in the entry, a formula that computes what the entry says (checked on
random inputs, not on the grader's probes) or, for a `contract` entry, says the slip in its feedback;
*false* when a name disagrees with the entry, or anything is named for a `correct = true` entry. The
figures and every unnamed file with the reason go to the terminal; `--json` writes them too.
"""

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path

import numpy as np

from autograder.config import GradeConfig
from autograder.discover import discover
from autograder.grading import grade_batch
from autograder.judge import explain, formulas, misconceptions
from autograder.render import feedback

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "tests" / "submissions" / "uncatalogued"
NAMESPACE = {
    "sqrt": np.sqrt,
    "abs": np.abs,
    "mean": np.mean,
    "sum": np.sum,
    "maximum": np.maximum,
    "max": np.maximum,
    "floor": np.floor,
    "round": np.round,
    "exp": np.exp,
    "product": lambda f, lo, hi: np.prod([f(i) for i in range(int(lo), int(hi) + 1)], axis=0),
    "__builtins__": {},
}
#: A phrase the feedback must hold for each kind of contract slip (the argument is filled in).
CONTRACT_PHRASES = {
    "math_sqrt": "calls a `math` function",
    "float": "calls `float()` on an array",
    "list": "returns a Python list",
    "mutates": "changes the `{argument}` array you pass in",
    "shape1": "shape (1,) for a single number",
    "float32": "float32",
}
#: A phrase the feedback must hold for each Python slip an entry's `slips` names.
SLIP_PHRASES = {
    "xor": "`^` is XOR",
    "floordiv": "`//` is floor division",
    "precedence": "Python reads",
}


def _inputs(func, rng, defaults):
    sig = formulas.SIGNATURES[func]
    arrays = {a: rng.uniform(0.001, 3, 5) * (rng.choice([1, -1], 5) if a == "g" else 1) for a in sig.arrays}
    scalars = {
        "t": int(rng.integers(1, 9)),
        "beta2": float(rng.uniform(0.5, 0.99)),
        "alpha": float(rng.uniform(0.001, 0.5)),
        "eps": float(rng.uniform(1e-4, 0.1)),
    }
    passed = {k: scalars[k] for k in sig.scalars}
    if defaults:  # the first draws leave the defaults out, so a changed default shows
        passed = {k: v for k, v in passed.items() if k == "t"}
    return arrays, passed


def _expected_function(func, text):
    """The entry's formula as a callable f(arrays, passed scalars)."""
    sig = formulas.SIGNATURES[func]
    m = re.fullmatch(r"default (\w+) = (\S+)", text)
    defaults = {**sig.defaults, **({m.group(1): float(m.group(2))} if m else {})}
    formula = formulas.render(formulas.REFERENCE[func]) if m else text

    def run(arrays, passed):
        env = {**arrays, **{k: passed.get(k, defaults.get(k)) for k in sig.scalars}}
        return eval(formula, {**NAMESPACE, **env})  # noqa: S307 - our own table's formulas, not student text

    return run


def _named_function(func, name):
    """What a diagnosis id computes, as f(arrays, passed scalars): a catalogue entry, a formula id, or
    (a callable) the formula read from the student's code."""
    sig = formulas.SIGNATURES[func]
    if callable(name):
        return name
    if name in misconceptions.BY_ID:
        entry = misconceptions.BY_ID[name]
        return lambda arrays, passed: entry.wrong(
            *[arrays[a] for a in sig.arrays],
            *([passed["t"]] if "t" in sig.scalars else []),
            **{k: v for k, v in passed.items() if k != "t"},
        )
    m = re.fullmatch(rf"formula:{func}=(.+?)(?: \[(.*)\])?", name)
    defaults = dict(sig.defaults)
    for part in (m.group(2) or "").split(", ") if m.group(2) else []:
        key, value = part.split("=")
        defaults[key] = float(value)

    def run(arrays, passed):
        env = {**arrays, **{k: passed.get(k, defaults.get(k)) for k in sig.scalars}}
        return eval(m.group(1), NAMESPACE, env)  # noqa: S307 - the grader's own canonical form

    return run


def same_formula(func, expected_text, name, draws=8, seed=11):
    """Whether the id computes what the entry says, on random inputs (half of them with defaults)."""
    rng = np.random.default_rng(seed)
    want, got = _expected_function(func, expected_text), _named_function(func, name)
    for draw in range(draws):
        arrays, passed = _inputs(func, rng, defaults=draw < draws // 2)
        with np.errstate(all="ignore"):
            a, b = np.asarray(want(arrays, passed), float), got(arrays, passed)
            if b is None:  # a formula read at some steps t only: this draw's t is not one of them
                continue
            b = np.asarray(b, float)
        if a.shape != b.shape or not np.allclose(a, b, rtol=1e-9, atol=0, equal_nan=True):
            return False
    return True


def _names(result):
    """{function: what its diagnosis names}: a catalogue or formula id, or a callable for a formula read
    from the code (its `results.CodeReading`, evaluated by `explain.of_text(...).computes`)."""
    names = {}
    for d in result.diagnoses:
        confirmed = d.reading is not None and d.reading.confirmed and not d.id
        computes = explain.of_text(d.reading).computes if confirmed else None
        if d.id:
            names[d.func] = d.id
        elif computes is not None:
            names[d.func] = computes
    return names


def _label(name):
    return name if isinstance(name, str) else "a formula read from the code"


def judge_functions(entry, result):
    """{function: ('named' | 'false' | 'unnamed' | 'correct', reason)} for every graded function: wrong
    ones by the entry, the others (correct or not written) by whether anything was named for them."""
    names = _names(result)
    text = feedback.render(result)
    verdicts = {}
    for func in formulas.SIGNATURES:
        slip = entry.get("slips", {}).get(func)
        order = entry.get("order", {}).get(func)
        formula = entry.get(func)
        if entry.get("correct") or func in entry.get("unwritten", ()) or not (slip or order or formula):
            verdicts[func] = ("false", f"named {_label(names[func])}") if func in names else ("correct", "")
            continue
        if func in names and formula and not same_formula(func, formula, names[func]):
            verdicts[func] = ("false", f"named {_label(names[func])}, the code computes {formula}")
            continue
        missing = []
        if formula and not order and func not in names:
            missing.append(f"no formula named ({formula})")
        if slip and SLIP_PHRASES[slip] not in text:
            missing.append(f"no '{SLIP_PHRASES[slip]}' in the feedback")
        if order and f"{func}({order}" not in text:
            missing.append(f"no '{func}({order}' in the feedback")
        verdicts[func] = ("unnamed", "; ".join(missing)) if missing else ("named", "")
    return verdicts


def judge(entry, result):
    """('named' | 'false' | 'unnamed' | 'correct', reason)."""
    if "contract" not in entry and ({"slips", "order", "unwritten"} & set(entry)):
        verdicts = judge_functions(entry, result)
        false = {f: why for f, (v, why) in verdicts.items() if v == "false"}
        if false:
            return "false", "; ".join(f"{f}: {why}" for f, why in false.items())
        unnamed = {f: why for f, (v, why) in verdicts.items() if v == "unnamed"}
        if unnamed:
            return "unnamed", "; ".join(f"{f}: {why}" for f, why in unnamed.items())
        return "correct" if entry.get("correct") else "named", ""
    names = _names(result)
    if entry.get("correct"):
        return ("false", f"named {sorted(names.values())} for a correct file") if names else ("correct", "")
    text = feedback.render(result)
    if "contract" in entry:
        phrase = CONTRACT_PHRASES[entry["contract"]].format(argument=entry.get("argument", ""))
        return ("named", "") if phrase in text else ("unnamed", f"no '{phrase}' in the feedback")
    wanted = {f: v for f, v in entry.items() if f in formulas.SIGNATURES}
    for func, name in names.items():
        if func in wanted and not same_formula(func, wanted[func], name):
            return "false", f"{func}: named {_label(name)}, the file computes {wanted[func]}"
    missing = [f for f in wanted if f not in names]
    if not missing:
        return "named", ""
    reasons = []
    for func in missing:
        found = result.diagnosis_for(func)
        formula = found.formula if found else None
        if formula and formula.one_of:
            reasons.append(f"{func}: one of {len(formula.one_of)} formulas ({', '.join(formula.one_of[:3])})")
        else:
            reasons.append(f"{func}: {wanted[func]} is outside the search space (no candidate matches)")
    return "unnamed", "; ".join(reasons)


def graded(folder, config=None):
    """(named.toml's table, {student: SubmissionResult}) for a folder, graded in one batch."""
    table = tomllib.loads((folder / "named.toml").read_text(encoding="utf-8"))
    results = {r.student: r for r in grade_batch(discover([folder]), config or GradeConfig(timeout=3.0))}
    return table, results


def measure(folder, config=None):
    table, results = graded(folder, config)
    return {name: judge(entry, results[name]) for name, entry in sorted(table.items())}


def measure_functions(folder, config=None):
    """{(file, function): verdict} for every graded function of every file in the folder. Entries of the
    older kind (one formula per wrong function, or a contract slip) are judged per function too."""
    table, results = graded(folder, config)
    out = {}
    for name, entry in sorted(table.items()):
        if "contract" in entry:
            verdict = judge(entry, results[name])
            func = entry.get("function")
            for f in formulas.SIGNATURES:
                if func is None or f == func:
                    out[(name, f)] = verdict if (func or f == "update_v") else ("skip", "")
            continue
        out.update({(name, f): v for f, v in judge_functions(entry, results[name]).items()})
    return {k: v for k, v in out.items() if v[0] != "skip"}


def function_summary(verdicts):
    """The share of wrong functions named, and the false names (in wrong functions and in right ones)."""
    wrong = {
        k: v
        for k, v in verdicts.items()
        if v[0] in ("named", "unnamed") or (v[0] == "false" and "code computes" in v[1])
    }
    named = sum(v[0] == "named" for v in wrong.values())
    return {
        "wrong_functions": len(wrong),
        "functions_named": named,
        "functions_named_pct": round(100 * named / max(len(wrong), 1), 1),
        "false_in_wrong": sum(v[0] == "false" for v in wrong.values()),
        "false_in_correct": sum(v[0] == "false" for k, v in verdicts.items() if k not in wrong),
        "unnamed_functions": {f"{k[0]}.{k[1]}": v[1] for k, v in verdicts.items() if v[0] == "unnamed"},
        "false_functions": {f"{k[0]}.{k[1]}": v[1] for k, v in verdicts.items() if v[0] == "false"},
    }


def summary(verdicts):
    wrong = {k: v for k, v in verdicts.items() if v[0] != "correct"}
    named = sum(v[0] == "named" for v in wrong.values())
    false = sum(v[0] == "false" for v in verdicts.values())
    return {
        "wrong_files": len(wrong),
        "named": named,
        "named_pct": round(100 * named / max(len(wrong), 1), 1),
        "false": false,
        "unnamed": {k: v[1] for k, v in wrong.items() if v[0] == "unnamed"},
        "false_files": {k: v[1] for k, v in verdicts.items() if v[0] == "false"},
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=[DEFAULT], help="folders with a named.toml")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    everything = {}
    for folder in args.folders:
        figures = function_summary(measure_functions(folder))
        everything[str(folder)] = figures
        print(
            f"{folder}: named {figures['functions_named']} of {figures['wrong_functions']} wrong functions "
            f"({figures['functions_named_pct']}%); false names: {figures['false_in_wrong']} in wrong functions, "
            f"{figures['false_in_correct']} in correct ones"
        )
        for name, why in {**figures["false_functions"], **figures["unnamed_functions"]}.items():
            print(f"  {name}: {why}")
    if args.json:
        args.json.write_text(json.dumps(everything, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
