"""The grader as a black box on the corpus in tests/submissions/: each group folder is graded in one batch.

Every folder with an `expected.toml` is a group; the file names, for each submission in the folder, its
score, the rubric items it fails (all others must pass) and phrases its feedback must contain, and, as
`misconception` (one id or a list), the known mistakes the diagnosis names (none when the key is absent).
An entry with `root = true` holds only where the grader runs as root (isolation level os); its test is
marked `root` and skips elsewhere.
"""

import tomllib

import pytest

from autograder.config import GradeConfig
from autograder.discover import discover
from autograder.grading import grade_batch
from autograder.render import feedback
from tests.conftest import SUBMISSIONS

GROUPS = sorted(p.parent.name for p in SUBMISSIONS.glob("*/expected.toml"))


def _expected(group):
    return tomllib.loads((SUBMISSIONS / group / "expected.toml").read_text(encoding="utf-8"))


def _cases():
    return [
        pytest.param(group, student, marks=[pytest.mark.root] if entry.get("root") else [])
        for group in GROUPS
        for student, entry in _expected(group).items()
    ]


@pytest.fixture(scope="module")
def graded():
    """Every group graded once; {group: {student: SubmissionResult}}."""
    config = GradeConfig(timeout=3.0)
    out = {}
    for group in GROUPS:
        results = grade_batch(discover([SUBMISSIONS / group]), config)
        out[group] = {r.student: r for r in results}
    return out


@pytest.mark.parametrize("group", GROUPS)
def test_every_submission_in_a_group_has_an_expectation(group, graded):
    assert sorted(graded[group]) == sorted(_expected(group))


@pytest.mark.parametrize(("group", "student"), _cases())
def test_submission_gets_its_expected_grade(group, student, graded):
    expected = _expected(group)[student]
    result = graded[group][student]
    failed = sorted(r.item.id for r in result.items if not r.passed)
    assert failed == sorted(expected["failed"])
    assert result.score == expected["score"]
    text = feedback.render(result)
    for phrase in expected.get("feedback", []):
        assert phrase in text
    # An entry names the known mistakes its diagnosis must find. Without the key none may be named, in a
    # group that uses the key and for any full-marks submission (no false diagnosis); other groups' entries
    # that lose points are not held to a diagnosis they never stated.
    named = expected.get("misconception", [])
    uses_key = any("misconception" in entry for entry in _expected(group).values())
    if "misconception" in expected or uses_key or expected["score"] == result.max_score:
        assert result.misconceptions == ([named] if isinstance(named, str) else named)
