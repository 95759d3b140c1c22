"""The golden test of a change that must not change behaviour: grade the corpora with two commits, compare.

    .venv/bin/python dev/golden.py REV              # this work tree against commit REV
    .venv/bin/python dev/golden.py REV --keep DIR   # ... and keep both gradebooks in DIR

Both sides grade the same classes with the same command line (`python -m autograder grade`): the corpora in
tests/submissions/ (correct, wrong, fair, uncatalogued, notebooks), the bench's class of 120 `.py` files
and 40 notebooks (bench/run.py's rotation), and the hostile corpus. REV's side runs from a temporary
`git worktree` put first on PYTHONPATH, with this tree's virtual environment.

grades.csv, feedback.md and results.json must be byte-identical, once the grading date and the durations
are set aside (`graded_at`, the "graded ..." line, `execution_time`). The hostile corpus is compared by
score and status only: its CPU-hog and slow files depend on timing. `--ignore-isolation` also sets the
isolation line aside, for a change that adds a layer. Exit 0 when everything agrees, 1 otherwise, with the
first differing lines of each file that differs.
"""

import argparse
import csv
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "tests" / "submissions"
EXACT = ("correct", "wrong", "fair", "uncatalogued", "notebooks")
GRADED_LINE = re.compile(r" · graded \d{4}-\d\d-\d\d \d\d:\d\d UTC")


def classes(work: Path) -> dict[str, Path]:
    """{name: folder}: the classes both sides grade, built once under `work`."""
    sys.path.insert(0, str(ROOT / "bench"))
    import run as bench  # bench/run.py: the synthetic class's rotation

    found = {name: SUBMISSIONS / name for name in EXACT}
    bench.write_py(work / "bench-py", bench.make_class(120))
    release = (ROOT / "assignment" / "second_moment.ipynb").read_text(encoding="utf-8")
    folder = work / "bench-ipynb"
    for student, _, text in bench.make_class(40):
        target = folder / student / "second_moment.ipynb"
        target.parent.mkdir(parents=True)
        target.write_text(bench.notebook_for(release, bench.stub_text(text)), encoding="utf-8")
    found["bench-py"] = work / "bench-py"
    found["bench-ipynb"] = folder
    found["hostile"] = SUBMISSIONS / "hostile"
    return found


def grade(tree: Path, folders: dict[str, Path], out: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(tree))
    for name, folder in folders.items():
        done = subprocess.run(
            [sys.executable, "-m", "autograder", "grade", str(folder), "--out", str(out / name), "--timeout", "3"],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode not in (0, 1):
            raise SystemExit(f"{tree}: grading {name} exited {done.returncode}\n{done.stdout}\n{done.stderr}")


def normal(path: Path, ignore_isolation: bool) -> str:
    text = path.read_text(encoding="utf-8")
    if path.name == "feedback.md":
        text = GRADED_LINE.sub(" · graded (date)", text)
        if ignore_isolation:
            text = re.sub(r"(?m)^.*[Ii]solation.*$", "(isolation)", text)
    elif path.name == "results.json":
        data = json.loads(text)
        data.pop("execution_time", None)
        extra = data.get("extra_data", {})
        extra.pop("graded_at", None)
        if ignore_isolation:
            extra.pop("isolation", None)
        text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False)
        if ignore_isolation:
            text = re.sub(r"(?m)^.*[Ii]solation.*$", "(isolation)", text)
    return text


def scores(out: Path) -> dict[str, tuple[str, str]]:
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return {row["student"]: (row["score"], row["status"]) for row in csv.DictReader(f)}


def compare(a: Path, b: Path, ignore_isolation: bool) -> tuple[int, list[str]]:
    """(how many files and hostile rows were compared, the differences)."""
    problems, compared = [], 0
    for name in sorted(p.name for p in a.iterdir()):
        if name == "hostile":
            left, right = scores(a / name), scores(b / name)
            compared += len(left)
            problems += [
                f"hostile/{s}: {left.get(s)} != {right.get(s)}"
                for s in sorted(set(left) | set(right))
                if left.get(s) != right.get(s)
            ]
            continue
        files = {
            p.relative_to(a) for p in (a / name).rglob("*") if p.name in ("grades.csv", "feedback.md", "results.json")
        }
        files |= {
            p.relative_to(b) for p in (b / name).rglob("*") if p.name in ("grades.csv", "feedback.md", "results.json")
        }
        compared += len(files)
        for rel in sorted(files):
            if not (a / rel).exists() or not (b / rel).exists():
                problems.append(f"{rel}: only on one side")
                continue
            left, right = normal(a / rel, ignore_isolation), normal(b / rel, ignore_isolation)
            if left != right:
                diff = difflib.unified_diff(left.splitlines(), right.splitlines(), "before", "after", lineterm="", n=0)
                problems.append(f"{rel}:\n" + "\n".join(list(diff)[:12]))
    return compared, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rev", help="the commit to compare this work tree with")
    parser.add_argument("--keep", type=Path, help="keep both gradebooks here (default: a temporary folder)")
    parser.add_argument("--ignore-isolation", action="store_true", help="set the isolation line aside")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="golden-"))
    work.mkdir(parents=True, exist_ok=True)
    base = work / "base-tree"
    if base.exists():
        subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, check=False)
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(base), args.rev], cwd=ROOT, check=True, capture_output=True
    )
    try:
        folders = classes(work / "classes")
        grade(base, folders, work / "before")
        grade(ROOT, folders, work / "after")
        compared, problems = compare(work / "before", work / "after", args.ignore_isolation)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, check=False)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    for problem in problems:
        print(problem)
    print(f"golden: {len(problems)} difference(s) against {args.rev} in {compared} files and hostile rows")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
