"""grades.csv: one row per student in the gradebook folder, sorted by student.

Columns: student, score, max_score, one column per rubric item id (in rubric order), then status (graded,
no file found, load error) and late (yes, no, or empty when no roster said). Readers find columns by name.
Every cell goes through `csvsafe` (a student id that looks like a formula is guarded; readers undo it).
"""

from collections.abc import Iterable

from autograder import csvsafe
from autograder.results import GradebookRow
from autograder.rubric import ITEMS

COLUMNS = ("student", "score", "max_score") + tuple(item.id for item in ITEMS) + ("status", "late")


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def row(gradebook_row: GradebookRow) -> list[str]:
    r = gradebook_row
    # An item the student was not graded on (a row kept from another rubric) is left blank, not zero.
    items = [_number(r.items[item.id]) if item.id in r.items else "" for item in ITEMS]
    return [r.student, _number(r.score), _number(r.max_score), *items, r.status, r.late]


def render(rows: Iterable[GradebookRow]) -> str:
    """grades.csv's text for `results.GradebookRow`s."""
    return csvsafe.render([COLUMNS, *(row(r) for r in sorted(rows, key=lambda r: r.student))])
