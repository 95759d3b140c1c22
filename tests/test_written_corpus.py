"""Naming every wrong function, end to end, on tests/submissions/written/ (35 files written from the page for
issue 21, most with two mistakes, several far beyond two edits) and tests/submissions/uncatalogued/: the
named.toml beside each says what a tutor would name."""

import pytest

from tests.conftest import SUBMISSIONS
from tests.recovery.measure import function_summary, measure_functions


@pytest.fixture(scope="module", params=["written", "uncatalogued"])
def figures(request):
    return function_summary(measure_functions(SUBMISSIONS / request.param))


def test_nine_in_ten_wrong_functions_are_named(figures):
    assert figures["wrong_functions"] >= 55
    assert figures["functions_named"] >= 0.9 * figures["wrong_functions"], figures["unnamed_functions"]


def test_nothing_is_named_that_the_code_does_not_compute_nor_in_a_correct_function(figures):
    assert figures["false_functions"] == {}
    assert figures["false_in_correct"] == 0
