"""grades.csv: one row per student in the gradebook folder, sorted by student.

Columns: student, score, max_score, one column per rubric item id (in rubric order), then status (graded,
no file found, load error, grader error) and late (yes, no, or empty when no roster said): the contract, never renamed or
moved. Then final_score and late_penalty, from the late policy (autograder/late.py). Readers find columns
by name.
Every cell goes through `csvsafe` (a student id that looks like a formula is guarded; readers undo it).
"""

from collections.abc import Iterable, Sequence
from dataclasses import replace

from autograder import csvsafe
from autograder.beyond import rubric as beyond
from autograder.late import NONE, LatePolicy
from autograder.results import GradebookRow
from autograder.rubric import ITEMS

#: The columns every reader relies on, in this order: never renamed, never moved.
CONTRACT = ("student", "score", "max_score") + tuple(item.id for item in ITEMS) + ("status", "late")
#: Then what the late policy made of the score: `final_score` (what export sends) and `late_penalty`
#: (the points taken off). With the default policy, none, final_score is the score and the penalty 0.
COLUMNS = CONTRACT + ("final_score", "late_penalty")
#: Part 5's columns, after all of those, only in a gradebook graded with the part on: its score and maximum,
#: one per item, how its points counted (task or bonus), and whether the written answer was answered.
BEYOND_COLUMNS = ("beyond_score", "beyond_max", *(item.id for item in beyond.ITEMS), "beyond_counts", beyond.WRITTEN)


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def row(gradebook_row: GradebookRow, policy: LatePolicy = NONE, with_beyond: bool = False) -> list[str]:
    r = gradebook_row
    # An item the student was not graded on (a row kept from another rubric) is left blank, not zero.
    items = [_number(r.items[item.id]) if item.id in r.items else "" for item in ITEMS]
    # Part 5 as a bonus counts towards the final score, capped at max_score (GradebookRow.counted).
    final, penalty, late = policy.apply(r if r.beyond is None else replace(r, score=r.counted))
    if r.status == "grader error":  # not a grade: its score cells stay blank, never a 0 to be exported
        cells = [r.student, "", _number(r.max_score), *items, r.status, late, "", ""]
    else:
        cells = [
            r.student,
            _number(r.score),
            _number(r.max_score),
            *items,
            r.status,
            late,
            _number(final),
            _number(penalty),
        ]
    return cells + beyond_cells(r) if with_beyond else cells


def beyond_cells(r: GradebookRow) -> list[str]:
    """Part 5's cells of a row (BEYOND_COLUMNS); blank for a row graded without it."""
    b = r.beyond
    if b is None:
        return [""] * len(BEYOND_COLUMNS)
    items = [_number(b.items[item.id]) if item.id in b.items else "" for item in beyond.ITEMS]
    return [_number(b.score), _number(b.max_score), *items, b.counts, b.written]


def columns(rows: Sequence[GradebookRow]) -> tuple[str, ...]:
    """grades.csv's header: COLUMNS, then part 5's when any row was graded with it."""
    return COLUMNS + BEYOND_COLUMNS if any(r.beyond is not None for r in rows) else COLUMNS


def render(rows: Iterable[GradebookRow], policy: LatePolicy = NONE) -> str:
    """grades.csv's text for `results.GradebookRow`s, their final scores under the late `policy`."""
    ordered = sorted(rows, key=lambda r: r.student)
    header = columns(ordered)
    with_beyond = len(header) > len(COLUMNS)
    return csvsafe.render([header, *(row(r, policy, with_beyond) for r in ordered)])
