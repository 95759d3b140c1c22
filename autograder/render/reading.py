"""What a reading of the student's code says, in a student's words (autograder/judge/explain.py holds the
data): the formula their function computes beside the page's, a signature that differs from the stub's,
and Python slips (`^`, `//`, an operator that binds first), each with the one thing to try next.

Student text (their parameter names, their return line) is shown as code, escaped (render/text.py).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

from autograder import functions
from autograder.judge import explain
from autograder.judge.diagnosis import Diagnosis
from autograder.render.text import md_code

#: The hint a formula the catalogue does not know gets: where on the page to look.
PAGE_LINE = {
    "update_v": "the formula in Part B of the page: v_t = β₂·v_{t−1} + (1 − β₂)·g_t²",
    "bias_correct": "the definition of v̂_t on the page: v_t / (1 − β₂ᵗ), with t counted from 1",
    "effective_step": 'the "Effective step" line in Part B of the page: α / (√v̂_t + ε)',
}


def signature_text(func: str, reading: explain.Reading) -> str:
    """Why a signature that differs from the stub's breaks every check, and the fix."""
    spec = functions.BY_NAME[func]
    theirs = ", ".join(name if default is None else f"{name}={default:g}" for name, default in reading.params)
    stub = ", ".join(
        p.name if p.name not in spec.defaults else f"{p.name}={spec.default(p.name):g}" for p in spec.parameters
    )
    words = [f"Your {func} is defined as {md_code(f'{func}({theirs})')}, but the stub is {md_code(f'{func}({stub})')}."]
    if reading.names != spec.names and set(reading.names) == set(spec.names):
        positional = [p.name for p in spec.parameters if p.kind != "scalar"]
        moved = [
            f"your {md_code(name)} receives {positional[i]}"
            for i, (name, _) in enumerate(reading.params[: len(positional)])
            if name != positional[i]
        ]
        words.append(
            f"Every caller, the checks included, passes {', '.join(positional)} in the stub's order, so "
            + " and ".join(moved)
            + "."
        )
        if reading.tree is not None and reading.tree == explain.PAGE[func]:
            words.append("Your formula itself is the page's: put the parameters back in the stub's order.")
        else:
            words.append(
                "Put the parameters back in the stub's order first; then compare your formula with the page's."
            )
    for name in reading.missing_defaults:
        words.append(
            f"{md_code(name)} has no default, so every call that leaves it out (as the page's own steps do) "
            f"raises TypeError: give it the stub's default, {md_code(f'{name}={spec.default(name):g}')}."
        )
    return " ".join(words)


def _expression(source: str) -> str:
    text = source.strip()
    return text[len("return") :].strip() if text.startswith("return") else text


def _bracketed(tree: explain.Tree) -> str:
    """The tree as Python with the brackets Python itself puts around each operation of higher precedence."""
    ops = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "xor": "^"}
    kind = tree[0]
    if kind == "var":
        return str(tree[1])
    if kind == "const":
        return f"{tree[1]:g}"
    if kind in ops:
        parts = []
        for child in tree[1:3]:
            text = _bracketed(child)
            parts.append(f"({text})" if child[0] in ("add", "sub", "mul", "div") and kind != child[0] else text)
        return f" {ops[kind]} ".join(parts)
    if kind == "floordiv":
        return f"{_bracketed(tree[1])} // {_bracketed(tree[2])}"
    return f"{kind}({', '.join(_bracketed(c) for c in tree[1:] if isinstance(c, tuple))})"


def slip_texts(func: str, reading: explain.Reading) -> list[str]:
    """The Python slips the reading shows, each in words with what to write instead."""
    out = []
    line = _expression(reading.source)
    shown = f" (your {md_code(line)})" if line else ""
    for slip in reading.slips:
        if slip == explain.XOR:
            out.append(
                f"`^` is XOR in Python{shown}: bitwise exclusive or, defined for whole numbers only, not a power. "
                f"On floats it raises TypeError, so every call of your {func} fails. A power is written `**`: "
                "`g**2`, `beta2**t`."
            )
        elif slip == explain.FLOORDIV:
            out.append(
                f"`//` is floor division{shown}: it rounds the quotient down to a whole number, so "
                "`1 // (1 - 0.999)` is 999.0, not 1000, and any quotient below 1 becomes 0. Divide with `/`."
            )
        elif slip == explain.PRECEDENCE and reading.tree is not None:
            out.append(
                f"Python reads {md_code(line or explain.render(reading.tree))} as "
                f"{md_code(_bracketed(reading.tree))}: `*` and `/` bind before `+` and `-`, and `**` before "
                "both. Put brackets around what belongs together, as the page's formula does."
            )
    return out


def _growth(func: str, found: Diagnosis) -> str:
    reading = found.reading
    if reading is None or not reading.per_step:
        return ""
    return (
        " It changes with t in a way the page's does not: each step t your code works through its own "
        "factor again, so the error compounds as t grows."
    )


def formula_text(found: Diagnosis) -> str:
    """'Your bias_correct computes …; the page has …', with what differs, for a confirmed reading."""
    reading = found.reading
    if reading is None or not reading.confirmed:
        return ""
    func, page = found.func, explain.PAGE[found.func]
    if reading.tree is not None:
        mine = explain.in_stub_names(reading, reading.tree)
        if mine is None:
            return ""
        parts = [f"where the page has {a}, yours has {b}" for a, b in explain.differences(page, mine)]
        said = f"Your {func} computes **{explain.render(mine)}**; the page has **{explain.render(page)}**."
        return said + (" What differs: " + "; ".join(parts) + "." if parts else "")
    shown = [(t, explain.in_stub_names(reading, tree)) for t, tree in reading.per_step if t in (1, 2, 3)]
    at = ", ".join(f"at t = {t} **{explain.render(tree)}**" for t, tree in shown if tree is not None)
    return f"Your {func} computes {at}; the page has **{explain.render(page)}** at every t." + _growth(func, found)


def outputs_text(func: str, rows: Sequence[tuple[Mapping[str, float], float]] | None) -> str:
    """What the outputs show when no formula is confirmed: the ratio to the right value on the diagnosis
    probes, and what it follows."""
    if not rows:
        return ""
    ratios = [r for _, r in rows if math.isfinite(r)]
    if not ratios:
        return ""
    if all(math.isclose(r, ratios[0], rel_tol=1e-3) for r in ratios):
        return f"Your values are {ratios[0]:.4g} times the right ones on every input the grader tried."
    if func == "bias_correct":
        by_t: dict[int, list[float]] = {}
        for kwargs, r in rows:
            by_t.setdefault(int(kwargs["t"]), []).append(r)
        right = [t for t, rs in by_t.items() if all(math.isclose(r, 1, rel_tol=1e-6) for r in rs)]
        wrong = sorted(t for t in by_t if t not in right)
        if right and wrong and max(right) < min(wrong):
            off = [max(abs(math.log(abs(r))) for r in by_t[t] if r) for t in wrong]
            grows = all(a <= b for a, b in itertools.pairwise(off))
            return (
                f"Your values are right at t = {', '.join(map(str, sorted(right)))} and wrong from t = {wrong[0]}"
                + (", and the error grows with t." if grows else ".")
            )
    return ""


def reading_texts(found: Diagnosis, named: bool) -> list[str]:
    """Everything a reading adds: the signature, the formula (when nothing else named it: `named`), the
    Python slips."""
    reading = found.reading
    if reading is None:
        return []
    out = []
    if reading.signature_differs:
        out.append(signature_text(found.func, reading))
    elif not named:
        said = formula_text(found)
        if said:
            out.append(f"**Likely mistake:** {said}\n\nHint: look again at {PAGE_LINE[found.func]}.")
    if reading.consistent or reading.errors_agree:
        out += slip_texts(found.func, reading)
    return out
