"""The mutation tool's test command: grade one file with the hidden checks, exit 0 only on full marks.

`python -m tests.mutation.judge PATH [PATH ...]` grades each PATH through the plain grading API exactly as
`adam-hw grade` would (the fixed cases plus this term's drawn cases), prints each score, and exits 1
when any file loses a point. A mutant of the reference that keeps full marks "survives": the hidden
checks could not tell it from the reference.
"""

import sys
from pathlib import Path

from autograder.config import GradeConfig
from autograder.discover import discover
from autograder.grading import grade_submission
from autograder.rubric import MAX_SCORE

# A mutant can loop for ever (`while` cannot, but a huge exponent can crawl); a short per-call timeout
# keeps the run bounded, and a hung call costs points like any other failure.
CONFIG = GradeConfig(timeout=3.0)


def score(path):
    """The score the hidden checks give the file at `path`, and the ids of the rubric items it failed."""
    (submission,) = discover([Path(path)])
    result = grade_submission(submission, CONFIG)
    return result.score, [r.item.id for r in result.items if not r.passed]


def main(argv=None):
    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        print("usage: python -m tests.mutation.judge PATH [PATH ...]", file=sys.stderr)
        return 2
    full = True
    for path in paths:
        points, failed = score(path)
        print(f"{path}: {points} / {MAX_SCORE}" + (f" (failed: {', '.join(failed)})" if failed else ""))
        full = full and points == MAX_SCORE
    return 0 if full else 1


if __name__ == "__main__":
    sys.exit(main())
