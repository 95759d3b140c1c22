"""Every rubric item as one pytest test, so `-k`, `-x` and `-v` work as usual on one submission; part 5's
items too (test_beyond_item) when the term this package was released for turns the part on.

Pass and fail agree with `adam-hw grade` item by item: both read the same SubmissionResult.
"""

import pytest

from autograder import terms
from autograder.beyond import rubric as part
from autograder.render import beyond
from autograder.render.feedback import item_text
from autograder.results import SubmissionResult
from autograder.rubric import ITEMS


@pytest.mark.parametrize("item_id", [item.id for item in ITEMS])
def test_rubric_item(graded: SubmissionResult, item_id: str) -> None:
    result = graded.item(item_id)
    if not result.passed:
        pytest.fail(f"{item_id}: {item_text(result)}", pytrace=False)


#: Part 5's items, when the term in autograder/term.json turns the part on; else no test at all (not a skip).
BEYOND_ITEMS = [item.id for item in part.ITEMS] if terms.current().beyond else []

if BEYOND_ITEMS:

    @pytest.mark.parametrize("item_id", BEYOND_ITEMS)
    def test_beyond_item(graded: SubmissionResult, item_id: str) -> None:
        assert graded.beyond is not None, "the term turns part 5 on, but the result has none"
        if not next(r for r in graded.beyond.items if r.item.id == item_id).passed:
            pytest.fail(f"{item_id}: {beyond.item_text(graded.beyond, item_id)}", pytrace=False)
