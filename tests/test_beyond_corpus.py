"""Part 5 on its corpus (tests/submissions/beyond/beyond.toml): each wrong answer loses the part's points it
should, names its mistake where the catalogue has one, and a slip in tasks 1-3 never costs part 5 anything."""

import tomllib
from dataclasses import replace

import pytest

from autograder import terms
from autograder.config import GradeConfig
from autograder.discover import discover
from autograder.grading import grade_batch, grade_class
from autograder.render import feedback, gradebook, gradescope
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


def test_feedback_shows_part_5_apart_with_its_named_mistake(graded):
    text = feedback.render(graded["half_life_time_constant"])
    assert "**Score: 100 / 100**" in text
    assert "## Part 5 (optional): beyond the page: 17 / 18" in text
    assert "**Likely mistake: the time constant, not the half-life.**" in text


def test_feedback_says_when_a_core_slip_was_not_charged_to_part_5(graded):
    text = feedback.render(graded["core_slip_part_right"])
    assert "Follow-through (not charged here)" in text
    assert "with your own it" in text


def test_feedback_quotes_the_written_answer_as_text(graded):
    assert "Parameter 2's gradients grow" in feedback.render(graded["written_answer"])
    assert "`BEYOND_ANSWER` is empty" in feedback.render(graded["correct"])


def test_results_json_lists_part_5_tests_and_keeps_the_core_score_as_a_task(graded):
    result = graded["core_slip_part_right"]
    rendered = gradescope.render(result)
    part = [t for t in rendered["tests"] if "beyond" in t["tags"]]
    assert sum(t["max_score"] for t in part) == 18 and sum(t["score"] for t in part) == 18
    assert rendered["score"] == 80
    assert rendered["extra_data"]["beyond"]["counts"] == "task"


def test_as_a_bonus_results_json_adds_part_5_but_never_above_the_maximum(graded):
    bonus = {
        name: replace(graded[name], beyond=replace(graded[name].beyond, counts="bonus"))
        for name in ("correct", "core_slip_part_right")
    }
    assert gradescope.render(bonus["correct"])["score"] == 100
    assert gradescope.render(bonus["core_slip_part_right"])["score"] == 98


def test_a_class_graded_with_part_5_resumes_and_its_columns_come_last(tmp_path):
    out = tmp_path / "graded"
    subs = discover([FOLDER / "correct.py", FOLDER / "ratio_inverted.py"])
    first = grade_class(subs, out, GradeConfig(timeout=5.0), term=TERM)
    assert first.kept == 0
    header = (out / "grades.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[-len(gradebook.BEYOND_COLUMNS) :] == list(gradebook.BEYOND_COLUMNS)
    again = grade_class(subs, out, GradeConfig(timeout=5.0), term=TERM, resume=True)
    assert again.kept == 2
    rows = {r.student: r for r in again.gradebook}
    assert rows["ratio_inverted"].beyond.score == 15


def test_the_class_report_counts_part_5_items_and_mistakes_as_the_corpus_expects(graded, tmp_path):
    from collections import Counter

    from autograder import outdir, report
    from autograder.beyond import rubric as part

    out = tmp_path / "graded"
    for result in graded.values():
        outdir.write_submission(out, result)
    outdir.write_gradebook(out)
    report.write(out)
    text = (out / "report.md").read_text(encoding="utf-8")
    section = text.split("## Part 5 (optional): beyond the page", 1)[1].split("\n## Students per", 1)[0]
    students = len(EXPECTED)
    for item in part.ITEMS:
        passed = sum(1 for e in EXPECTED.values() if item.id not in e["failed"])
        assert f"| `{item.id}` {item.title} | {item.points:g} | {passed}/{students} |" in section
    named = Counter(e["misconception"] for e in EXPECTED.values() if "misconception" in e)
    for mistake, n in named.items():
        assert f"| `{mistake}` |" in section and f"| {n} |" in section.split(f"`{mistake}`", 1)[1].splitlines()[0]
    answered = sum(1 for r in graded.values() if r.beyond.written == "answered")
    assert f"{answered} of {students} wrote the short answer" in section
    assert "Part 5" not in (out / "report.html").read_text(encoding="utf-8").split("<h2>Rubric items", 1)[0]


def test_a_class_report_without_part_5_has_no_part_5_section(tmp_path):
    from autograder import outdir, report

    out = tmp_path / "graded"
    results = grade_batch(discover([FOLDER / "correct.py"]), GradeConfig(timeout=5.0))
    for result in results:
        outdir.write_submission(out, result)
    outdir.write_gradebook(out)
    report.write(out)
    assert "Part 5" not in (out / "report.md").read_text(encoding="utf-8")
