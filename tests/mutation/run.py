"""`make mutation`: mutate the reference with cosmic-ray and let the hidden checks judge every mutant.

Steps, in order:
1. copy solutions/second_moment.py to build/mutation/ (cosmic-ray edits the file it mutates in place,
   and other people and tests read the real reference meanwhile);
2. write a cosmic-ray config whose test command is `python -m tests.mutation.judge <the copy>`, which
   exits 0 only when the mutant still gets 100 / 100 from the hidden checks;
3. `cosmic-ray init` and `cosmic-ray exec` (serial, about 1.5 s a mutant);
4. compare the survivors with tests/mutation/equivalent.toml, the checked-in list of mutants that do
   not change graded behaviour, each with its reason.

Prints killed / total and exits 1 when a survivor is not listed as equivalent, or a listed one no longer
survives or no longer exists (the list is stale). `--only N` runs the first N mutants, for a quick try.
"""

import argparse
import json
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "solutions" / "second_moment.py"
WORK = ROOT / "build" / "mutation"
EQUIVALENT = Path(__file__).with_name("equivalent.toml")
TIMEOUT = 120.0  # seconds for one mutant's whole grading; a hung mutant is "killed"


def cosmic_ray(*args):
    """Run the cosmic-ray installed beside this Python (the project's venv)."""
    exe = Path(sys.executable).with_name("cosmic-ray")
    subprocess.run([str(exe), *args], cwd=ROOT, check=True)


def mutant_key(mutation):
    """How a mutant is named in equivalent.toml: its operator and its occurrence in the module."""
    return f"{mutation['operator_name']}#{mutation['occurrence']}"


def mutated_line(operator_name, occurrence, operator_args=None):
    """The first source line a mutant changes, as it reads after the change; None if there is no such mutant.

    equivalent.toml stores it beside each key, so a reference edit that renumbers mutants shows as stale.
    """
    from cosmic_ray.mutating import mutate_code
    from cosmic_ray.plugins import get_operator

    source = REFERENCE.read_text(encoding="utf-8")
    operator = get_operator(operator_name)(**(operator_args or {}))
    code = mutate_code(source, operator, occurrence)
    if code is None:
        return None
    changed = [new for old, new in zip(source.splitlines(), code.splitlines()) if old != new]
    return changed[0].strip() if changed else None


def _line(mutation):
    return mutated_line(mutation["operator_name"], mutation["occurrence"], mutation.get("operator_args"))


def load_equivalent():
    entries = tomllib.loads(EQUIVALENT.read_text(encoding="utf-8"))["mutant"]
    for entry in entries:
        missing = {"key", "line", "reason"} - set(entry)
        if missing:
            raise ValueError(f"{EQUIVALENT}: entry {entry} lacks {sorted(missing)}")
    return {entry["key"]: entry for entry in entries}


def prepare(work, only=None):
    """Steps 1-3's set-up in the folder `work`: the copy, the config and the session."""
    if work.exists() and any(work.iterdir()) and not (work / "cosmic-ray.toml").exists():
        raise SystemExit(f"{work} holds other files; give --work an empty folder or a previous run's")
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    target = work / "second_moment.py"
    shutil.copyfile(REFERENCE, target)
    config = work / "cosmic-ray.toml"
    # cosmic-ray runs the command through shlex.split, so each word is quoted for it (a checkout or venv
    # under "my courses/" split into two words); json.dumps writes a TOML basic string for any path.
    command = shlex.join([sys.executable, "-m", "tests.mutation.judge", str(target)])
    config.write_text(
        "[cosmic-ray]\n"
        f"module-path = {json.dumps(str(target))}\n"
        f"timeout = {TIMEOUT}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(command)}\n"
        "[cosmic-ray.distributor]\n"
        'name = "local"\n',
        encoding="utf-8",
    )
    session = work / "session.sqlite"
    cosmic_ray("init", str(config), str(session))
    if only is not None:
        _keep_first(session, only)
    return config, session


def _keep_first(session, n):
    """Drop all but the first n mutants (in source order) from a fresh session."""
    from cosmic_ray.work_db import WorkDB, use_db

    with use_db(str(session), WorkDB.Mode.open) as db:
        items = sorted(db.work_items, key=lambda w: (w.mutations[0].start_pos, w.mutations[0].operator_name))
        keep = items[:n]
        db.clear()
        db.add_work_items(keep)


def results(session):
    """[(mutation dict, outcome)] for every mutant: outcome is killed, survived or incompetent."""
    dump = subprocess.run(
        [str(Path(sys.executable).with_name("cosmic-ray")), "dump", str(session)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    out = []
    for line in dump.splitlines():
        item, result = json.loads(line)
        (mutation,) = item["mutations"]
        if result is None:
            raise RuntimeError(f"mutant {mutant_key(mutation)} was never run")
        outcome = result["test_outcome"] if result["worker_outcome"] == "normal" else result["worker_outcome"]
        out.append((mutation, outcome))
    return out


def judge(runs, equivalent, partial=False):
    """(report lines, ok): which survivors are unexplained and which listed mutants are stale."""
    survived = {mutant_key(m): m for m, outcome in runs if outcome == "survived"}
    seen = {mutant_key(m) for m, _ in runs}
    killed = sum(outcome == "killed" for _, outcome in runs)
    lines, ok = [], True
    for key, mutation in sorted(survived.items()):
        entry = equivalent.get(key)
        if entry is None:
            ok = False
            lines.append(
                f"SURVIVED, not listed as equivalent: {key} line {mutation['start_pos'][0]}: {_line(mutation)}"
            )
        elif entry["line"] != _line(mutation):
            ok = False
            lines.append(f"STALE entry {key}: it now mutates to {_line(mutation)!r}, listed as {entry['line']!r}")
    for key, entry in sorted(equivalent.items()):
        if key in seen and key not in survived:
            ok = False
            lines.append(f"STALE entry {key}: listed as equivalent but now killed ({entry['line']})")
        elif key not in seen and not partial:
            ok = False
            lines.append(f"STALE entry {key}: no such mutant any more ({entry['line']})")
    total = len(runs)
    listed = sum(1 for key in survived if key in equivalent)
    behaviour_changing = total - listed
    lines.append(
        f"killed / total: {killed} / {total} mutants; equivalent (listed in {EQUIVALENT.relative_to(ROOT)}): {listed}; "
        f"killed / non-equivalent: {killed} / {behaviour_changing}"
        + (f" = {100 * killed / behaviour_changing:.0f}%" if behaviour_changing else "")
    )
    incompetent = [mutant_key(m) for m, outcome in runs if outcome not in ("killed", "survived")]
    if incompetent:
        ok = False
        lines.append(f"mutants the tool could not run: {incompetent}")
    return lines, ok


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", type=int, help="run only the first N mutants (a quick check of the set-up)")
    parser.add_argument("--report", action="store_true", help="judge the last run's session again without rerunning it")
    parser.add_argument(
        "--work",
        type=Path,
        default=WORK,
        help=f"folder for the mutated copy and the session (default {WORK.relative_to(ROOT)})",
    )
    args = parser.parse_args(argv)
    if args.only is not None and args.only < 1:
        parser.error(f"--only must be >= 1, got {args.only}")
    work = args.work.resolve()
    session = work / "session.sqlite"
    if not args.report:
        config, session = prepare(work, args.only)
        cosmic_ray("exec", str(config), str(session))
    elif not session.exists():
        parser.error(f"--report needs a previous run's {session}")
    lines, ok = judge(results(session), load_equivalent(), partial=args.only is not None)
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
