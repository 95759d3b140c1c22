"""Part 5 on its corpus (tests/submissions/beyond/beyond.toml): each wrong answer loses the part's points it
should, names its mistake where the catalogue has one, and a slip in tasks 1-3 never costs part 5 anything."""

import tomllib

import pytest

from autograder import terms
from autograder.config import GradeConfig
from autograder.discover import discover
from autograder.grading import grade_batch
from tests.conftest import SUBMISSIONS

FOLDER = SUBMISSIONS / "beyond"
EXPECTED = tomllib.loads((FOLDER / "beyond.toml").read_text(encoding="utf-8"))
TERM = terms.Term(terms.current().name, False, "task")


@pytest.fixture(scope="module")
def graded():
    results = grade_batch(discover([FOLDER]), GradeConfig(timeout=5.0), term=TERM)
    return {r.student: r for r in results}


def test_every_submission_in_the_corpus_has_an_expectation(graded):
    assert sorted(graded) == sorted(EXPECTED)


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_submission_gets_its_expected_part_5_grade(student, graded):
    expected, result = EXPECTED[student], graded[student]
    assert result.beyond is not None
    failed = sorted(r.item.id for r in result.beyond.items if not r.passed)
    assert (result.score, result.beyond.score, failed) == (expected["core"], expected["beyond"], expected["failed"])
    named = [mistake for _, mistake, _, _ in result.beyond.diagnoses]
    assert named == ([expected["misconception"]] if "misconception" in expected else [])
    if "written" in expected:
        assert result.beyond.written == expected["written"]
