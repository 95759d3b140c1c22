"""grades.csv: one row per student in the gradebook folder, sorted by student.

Columns: student, score, max_score, one column per rubric item id (in rubric order), then status (graded,
no file found, load error, grader error) and late (yes, no, or empty when no roster said): the contract, never renamed or
moved. Then final_score and late_penalty, from the late policy (autograder/late.py). Readers find columns
by name.
Every cell goes through `csvsafe` (a student id that looks like a formula is guarded; readers undo it).
"""

from collections.abc import Iterable

from autograder import csvsafe
from autograder.late import NONE, LatePolicy
from autograder.results import GradebookRow
from autograder.rubric import ITEMS

#: The columns every reader relies on, in this order: never renamed, never moved.
CONTRACT = ("student", "score", "max_score") + tuple(item.id for item in ITEMS) + ("status", "late")
#: Then what the late policy made of the score: `final_score` (what export sends) and `late_penalty`
#: (the points taken off). With the default policy, none, final_score is the score and the penalty 0.
COLUMNS = CONTRACT + ("final_score", "late_penalty")


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def row(gradebook_row: GradebookRow, policy: LatePolicy = NONE) -> list[str]:
    r = gradebook_row
    # An item the student was not graded on (a row kept from another rubric) is left blank, not zero.
    items = [_number(r.items[item.id]) if item.id in r.items else "" for item in ITEMS]
    final, penalty, late = policy.apply(r)
    if r.status == "grader error":  # not a grade: its score cells stay blank, never a 0 to be exported
        return [r.student, "", _number(r.max_score), *items, r.status, late, "", ""]
    return [r.student, _number(r.score), _number(r.max_score), *items, r.status, late, _number(final), _number(penalty)]


def render(rows: Iterable[GradebookRow], policy: LatePolicy = NONE) -> str:
    """grades.csv's text for `results.GradebookRow`s, their final scores under the late `policy`."""
    return csvsafe.render([COLUMNS, *(row(r, policy) for r in sorted(rows, key=lambda r: r.student))])
