"""What `run_autograder` runs on Gradescope: grade /autograder/submission, write /autograder/results/results.json.

The grading is `grading.grade_submission`, the same call (checks, sandbox, term manifest) as `adam-hw
grade`. Everything this process needs is imported before the student's code runs, so code that rewrites
the bundled grader's files on disk changes nothing here; and results.json is written last, after the
sandbox is gone, replacing whatever the submission may have put there. What the submission prints goes
to the worker's captured output, never to this process's stdout.
"""

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from autograder import grading, terms
from autograder.config import DEFAULT, ISOLATIONS, GradeConfig, Isolation
from autograder.discover import KINDS, MODULE, Submission, walk
from autograder.errors import UsageError
from autograder.outdir import write_results
from autograder.results import SubmissionResult

DEFAULT_ROOT = "/autograder"


def find_submission(folder: str | Path, student: str) -> Submission:
    """The file to grade: second_moment.py, else second_moment.ipynb, else the only notebook or .py uploaded."""
    folder = Path(folder)
    # No link followed, no recursion (a 1,500-deep upload), a regular file first: a link or a FIFO that is
    # picked is refused with its reason when read (discover.Submission.load).
    files = [p for regular, p in sorted((not regular, p) for p, regular in walk(folder)[0])]
    for name in (f"{MODULE}.py", f"{MODULE}.ipynb"):
        named = [p for p in files if p.name == name]
        if named:
            return Submission(student, named[0], KINDS[named[0].suffix])
    for suffix in (".ipynb", ".py"):
        only = [p for p in files if p.suffix == suffix]
        if len(only) == 1:
            return Submission(student, only[0], KINDS[suffix])
    return Submission(student, folder, "missing")


def student_id(metadata_path: str | Path) -> str:
    """Gradescope's user id(s) from submission_metadata.json (sorted, joined by '+' for a group), or 'submission'.

    This id is what a per-student term seed is derived from, so it must not depend on upload order.
    """
    path = Path(metadata_path)
    if not path.is_file():
        return "submission"
    data = json.loads(path.read_text(encoding="utf-8"))
    users = data.get("users") if isinstance(data, dict) else None
    ids = sorted(str(u["id"]) for u in users or () if isinstance(u, dict) and "id" in u)
    return "+".join(ids) or "submission"


def run(root: str | Path, isolation: Isolation = DEFAULT.isolation) -> SubmissionResult:
    root = Path(root).resolve()  # relative to where we were started, before anything changes folder
    term = terms.current()  # read and check the term manifest before any student code runs
    submission = find_submission(root / "submission", student_id(root / "submission_metadata.json"))
    result = grading.grade_submission(submission, GradeConfig(jobs=1, isolation=isolation), term=term)
    write_results(root / "results" / "results.json", result)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run_autograder", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root",
        default=os.environ.get("AUTOGRADER_ROOT", DEFAULT_ROOT),
        metavar="DIR",
        help="Gradescope's /autograder folder (default: $AUTOGRADER_ROOT, else /autograder)",
    )
    parser.add_argument(
        "--isolation",
        choices=ISOLATIONS,
        default=DEFAULT.isolation,
        help=f"how student code is isolated, as in `adam-hw grade` (default {DEFAULT.isolation})",
    )
    args = parser.parse_args(argv)
    try:
        result = run(args.root, args.isolation)
    except UsageError as err:  # e.g. a term manifest that does not reproduce: one line naming the fix
        print(f"run_autograder: {err}", file=sys.stderr)
        return 2
    # For the instructor's view of this run (stdout_visibility is hidden); students see only results.json's fields.
    print(
        f"graded {result.path}: {result.score}/{result.max_score} (term {result.extra.get('term')}, seed {result.extra.get('seed')})"
    )
    print(isolation_text(result))
    return 0


def isolation_text(result: SubmissionResult) -> str:
    """The isolation the student's code ran under, and each layer's state when the result records them."""
    lines = [f"isolation: {result.isolation}"]
    layers = result.extra.get("layers")
    if isinstance(layers, dict):
        lines += [f"  {name}: {state}" for name, state in layers.items()]
    elif isinstance(layers, (list, tuple)):
        lines += [f"  {layer}" for layer in layers]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
