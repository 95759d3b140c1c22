"""Seconds per notebook: `nbgrader autograde` against `adam-hw grade` on the same submitted/ folder.

    .venv/bin/python bench/notebooks.py [--count 12] [--jobs 1]

Builds a throwaway course with `adam-hw nbgrader-course`, releases it with real nbgrader, fills
submitted/ with COUNT notebooks (the reference, the untouched release and the |g| misconception in
turn), then times both graders on it and checks they agree student by student. Not part of `make test`:
speed is measured here, never asserted in a test.
"""

import argparse
import csv
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.notebook import course, nbgrader
from autograder.notebook.build import split_solution

ROOT = Path(__file__).resolve().parent.parent


def _answers():
    _, functions = split_solution((ROOT / "solutions" / "second_moment.py").read_text(encoding="utf-8"))
    reference = {k: re.sub(r"\n\s*### (BEGIN|END) SOLUTION", "", v) for k, v in functions.items()}
    wrong = {**reference, "update_v": reference["update_v"].replace("g**2", "np.abs(g)")}
    return [("reference", reference), ("untouched", {}), ("abs_gradient", wrong)]


def _fill(release, answers):
    notebook = json.loads(release)
    for cell in notebook["cells"]:
        name = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if name in answers:
            cell["source"] = answers[name]
    return json.dumps(notebook, indent=1)


def _timed(args, cwd):
    start = time.monotonic()
    subprocess.run(args, cwd=cwd, env=nbgrader.environment(), check=True, capture_output=True)
    return time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=12, help="notebooks to grade (default 12)")
    parser.add_argument("--jobs", type=int, default=1, help="adam-hw grade --jobs (default 1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="adam-hw-bench-") as tmp:
        folder = Path(tmp) / "course"
        course.write(folder, ROOT)
        nbgrader.run(["generate_assignment", "second_moment"], cwd=folder)
        release = (folder / "release" / "second_moment" / "second_moment.ipynb").read_text(encoding="utf-8")
        kinds = _answers()
        for i in range(args.count):
            kind, answers = kinds[i % len(kinds)]
            target = folder / "submitted" / f"s{i:02d}_{kind}" / "second_moment" / "second_moment.ipynb"
            target.parent.mkdir(parents=True)
            target.write_text(_fill(release, answers), encoding="utf-8")
        ours = _timed(
            [
                str(Path(sys.executable).with_name("adam-hw")),
                "grade",
                "submitted",
                "--out",
                str(Path(tmp) / "graded"),
                "--jobs",
                str(args.jobs),
            ],
            folder,
        )
        theirs = _timed(nbgrader.command() + ["autograde", "second_moment"], folder)
        nbgrader.run(["export"], cwd=folder)
        with open(folder / "grades.csv", newline="", encoding="utf-8") as f:
            nb_scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}
        with open(Path(tmp) / "graded" / "grades.csv", newline="", encoding="utf-8") as f:
            our_scores = {row["student"]: float(row["score"]) for row in csv.DictReader(f)}
    print(f"{args.count} notebooks")
    print(f"adam-hw grade --jobs {args.jobs}: {ours:6.1f} s  ({ours / args.count:.2f} s per notebook)")
    print(f"nbgrader autograde:     {theirs:6.1f} s  ({theirs / args.count:.2f} s per notebook)")
    print("same totals student by student:", nb_scores == our_scores)
    return 0 if nb_scores == our_scores else 1


if __name__ == "__main__":
    sys.exit(main())
