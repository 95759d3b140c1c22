"""`adam-hw nbgrader-course DIR`: a course folder a TA can use with stock nbgrader.

It holds `nbgrader_config.py` and `source/second_moment/second_moment.ipynb` (the source notebook, as
`adam-hw release` builds it). The config makes nbgrader grade this notebook fairly:
- numpy's warnings on stderr do not zero a cell (nbgrader fails any cell that writes to stderr; the test
  cells already silence warnings from the student's calls, and IgnorePattern drops any that slip through);
- test cells a student deleted are restored from the gradebook before grading (add_missing_cells);
- a cell that hangs is stopped after CELL_TIMEOUT seconds and marked as an error, and the rest still run.
From there the TA runs nbgrader itself (see the README's TA section).
"""

from pathlib import Path

from autograder import terms
from autograder.notebook import beyond
from autograder.notebook.build import build, render, term_checks
from autograder.notebook.nbgrader import ASSIGNMENT, NOTEBOOK

CELL_TIMEOUT = 30  # seconds a notebook cell may run under nbgrader autograde
#: stderr lines nbgrader should not count as a failure: Python's and numpy's warnings.
WARNING_PATTERN = r"(?m)^.*(Warning|warnings\.warn).*$"

CONFIG = f'''\
# nbgrader configuration for the second-moment assignment (MATH 3850, page 10).
# Written by `adam-hw nbgrader-course`; run nbgrader from this folder.
c = get_config()

# generate_assignment adds the assignment to the gradebook; autograde adds each student it finds.
c.CourseDirectory.course_id = "math3850"

# A warning on stderr (say numpy's RuntimeWarning) must not zero a correct answer: nbgrader fails any
# test cell that writes to stderr unless the output matches this pattern.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"{WARNING_PATTERN}"

# Test cells a student deleted are put back (from the gradebook) before autograding.
c.OverwriteCells.add_missing_cells = True

# A cell that hangs is interrupted after this many seconds, recorded as an error, and the rest still run.
c.Execute.timeout = {CELL_TIMEOUT}
c.Execute.interrupt_on_timeout = True
'''


def course_term(root: str | Path) -> terms.Term:
    """The term the course's hidden tests are drawn for: the one root's manifest records (the term
    `adam-hw release` last wrote), else the one this grader grades with."""
    manifest = Path(root) / "autograder" / "term.json"
    return terms.recorded(manifest) if manifest.is_file() else terms.current()


def files(root: str | Path, term: terms.Term | None = None) -> dict[str, str]:
    """{path inside the course folder: text}; the hidden tests are `term`'s (default: course_term)."""
    text = (Path(root) / "solutions" / "notebook_text.md").read_text(encoding="utf-8")
    solution = (Path(root) / "solutions" / "second_moment.py").read_text(encoding="utf-8")
    term = term or course_term(root)
    if term.beyond:  # part 5's cells after the core's, as the release builds them
        return {"nbgrader_config.py": CONFIG, f"source/{ASSIGNMENT}/{NOTEBOOK}": beyond.source(Path(root), term)}
    return {
        "nbgrader_config.py": CONFIG,
        f"source/{ASSIGNMENT}/{NOTEBOOK}": render(build(text, solution, term_checks(term))),
    }


def write(course: str | Path, root: str | Path, term: terms.Term | None = None) -> list[Path]:
    """Write the course folder; returns the paths written. Existing student work in it is left alone."""
    written: list[Path] = []
    for rel, text in files(root, term).items():
        path = Path(course) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
