"""The first screen of a student's feedback (issue 21): one line per function saying what to fix, then the
score table, then the details, collapsed, with identical problems merged; on the corpus written from the page."""

import tomllib

import pytest

from autograder.config import GradeConfig
from autograder.discover import discover
from autograder.grading import grade_batch
from autograder.render import feedback, first_screen, gradescope
from autograder.rubric import FUNCTIONS
from tests.conftest import ROOT, SUBMISSIONS

WRITTEN = SUBMISSIONS / "written"
TABLE = "| task | item | points | result |"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    stub = tmp_path_factory.mktemp("stub") / "second_moment.py"
    stub.write_text((ROOT / "assignment" / "second_moment.py").read_text(encoding="utf-8"))
    results = grade_batch(discover([WRITTEN, stub]), GradeConfig(timeout=3.0))
    return {r.student: r for r in results}


def _screen(text):
    """The lines before the score table."""
    return text[: text.index(TABLE)].splitlines()


def test_an_untouched_stub_s_feedback_fits_in_40_lines_and_says_not_written_yet_once_per_function(graded):
    text = feedback.render(graded["second_moment"])
    assert len(text.splitlines()) <= 40
    assert text.count("not written yet") == len(FUNCTIONS)
    assert "NotImplementedError" not in text.replace("it still raises NotImplementedError", "")


def test_the_first_screen_has_one_line_per_function_right_unwritten_or_wrong_with_the_named_mistake(graded):
    table = tomllib.loads((WRITTEN / "named.toml").read_text(encoding="utf-8"))
    for student, entry in table.items():
        screen = _screen(feedback.render(graded[student]))
        for func in FUNCTIONS:
            (line,) = [x for x in screen if x.startswith("- **") and f" {func}**: " in x]
            if entry.get("correct") or not (
                func in entry or func in entry.get("slips", {}) or func in entry.get("order", {})
            ):
                expected = "not written yet" if func in entry.get("unwritten", ()) else "right."
                assert expected in line, (student, line)
            else:
                assert "wrong: " in line and "some of its checks fail" not in line, (student, line)
        assert len(screen) <= 12, student


@pytest.mark.parametrize(
    ("student", "func", "words"),
    [
        ("caret_in_correction", "bias_correct", "`^` is XOR in Python"),
        ("floor_division_correction", "bias_correct", "`//` is floor division"),
        ("update_v_g_first", "update_v", "`update_v(g, v_prev, beta2=0.999)`, but the stub is"),
        ("recursive_correction", "bias_correct", "compounds its correction over t"),
        ("vhat_in_numerator", "effective_step", "computes α·v̂ / (√v̂ + ε)"),
    ],
)
def test_the_first_screen_names_mistakes_beyond_two_edits_and_python_slips(graded, student, func, words):
    (line,) = [x for x in _screen(feedback.render(graded[student])) if f" {func}**: " in x]
    assert words in line


def test_details_are_collapsed_and_identical_problems_merged_with_a_count(graded):
    text = feedback.render(graded["caret_everywhere"])
    assert text.count("<details>") == text.count("</details>") > 0
    assert "checks (e.g. `update_v(" in text
    check_lines = [x for x in text.splitlines() if x.lstrip().startswith("- ") and "raised TypeError" in x]
    assert len(check_lines) == len(set(check_lines))
    assert not any("what failed" in x and "<summary>" not in x for x in text.splitlines())


def test_gradescope_s_top_output_starts_with_the_same_lines_and_its_checks_are_collapsed(graded):
    result = graded["caret_in_correction"]
    data = gradescope.render(result)
    assert data["output"].startswith("\n".join(first_screen.lines(result, visible_only=True)))
    failed = [t for t in data["tests"] if t["status"] == "failed"]
    assert failed and all("<details><summary>" in t["output"] for t in failed)


def test_gradescope_before_the_due_date_never_calls_wrong_a_function_whose_public_checks_pass(graded):
    for result in graded.values():
        for func in FUNCTIONS:
            line = first_screen.function_line(result, func, visible_only=True)
            if first_screen._visible_passed(result, func):
                assert "wrong" not in line, (result.student, line)
