"""grades.csv: one row per student in the gradebook folder, sorted by student.

Columns: student, score, max_score, one column per rubric item id (in rubric order), then status (graded,
no file found, load error) and late (yes, no, or empty when no roster said). Readers find columns by name.
"""

import csv
import io
from collections.abc import Iterable

from autograder.results import GradebookRow
from autograder.rubric import ITEMS

COLUMNS = ("student", "score", "max_score") + tuple(item.id for item in ITEMS) + ("status", "late")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """A CSV cell that a spreadsheet cannot run as a formula (OWASP's advice: prefix a quote)."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def row(gradebook_row: GradebookRow) -> list[str]:
    r = gradebook_row
    # An item the student was not graded on (a row kept from another rubric) is left blank, not zero.
    items = [_number(r.items[item.id]) if item.id in r.items else "" for item in ITEMS]
    return [cell(r.student), _number(r.score), _number(r.max_score), *items, r.status, r.late]


def render(rows: Iterable[GradebookRow]) -> str:
    """grades.csv's text for `results.GradebookRow`s."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in sorted(rows, key=lambda r: r.student):
        writer.writerow(row(r))
    return out.getvalue()
