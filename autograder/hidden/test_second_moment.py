"""Every rubric item as one pytest test, so `-k`, `-x` and `-v` work as usual on one submission.

Pass and fail agree with `adam-hw grade` item by item: both read the same SubmissionResult.
"""

import pytest

from autograder.render.feedback import item_text
from autograder.results import SubmissionResult
from autograder.rubric import ITEMS


@pytest.mark.parametrize("item_id", [item.id for item in ITEMS])
def test_rubric_item(graded: SubmissionResult, item_id: str) -> None:
    result = graded.item(item_id)
    if not result.passed:
        pytest.fail(f"{item_id}: {item_text(result)}", pytrace=False)
