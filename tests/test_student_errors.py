"""A student's error is feedback, not a crash: what each kind of error costs and what the page says."""

import pytest

from autograder.boundary import Reply, Status
from autograder.config import GradeConfig
from autograder.discover import discover
from autograder.grading import grade_batch
from autograder.judge.checks import reply_problem
from autograder.render import feedback
from autograder.render.text import markdown
from autograder.rubric import ITEMS
from tests.conftest import ROOT, result_of

REFERENCE = (ROOT / "solutions" / "second_moment.py").read_text(encoding="utf-8")
ALL = {item.id for item in ITEMS}
# Every item that judges bias_correct: its value items, its own small contract item (#10) and the identity
# that runs it; update_v's and effective_step's items keep their points.
BIAS_CORRECT_ITEMS = {
    "bias_correct.page",
    "bias_correct.general",
    "bias_correct.contract",
    "identity.constant_gradient",
}

SUBMISSIONS = {
    # Line 4 holds the error: a student reads "line 4" and finds it.
    "syntax_error": "import numpy as np\n\n\ndef update_v(v_prev, g, beta2=0.999)\n    return v_prev\n",
    "no_bias_correct": REFERENCE.replace("def bias_correct(", "def bias_corect("),
    "raises_inside": REFERENCE.replace(
        "    v_hat = v / (1.0 - beta2**t)\n",
        "    v_hat = v / (1.0 - beta2**t)\n    raise ZeroDivisionError('my own message')\n",
    ),
    "fails_at_import": "import numpy as np\n\nSTEP = 1 / 0\n",
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("errors")
    for name, source in SUBMISSIONS.items():
        (folder / f"{name}.py").write_text(source, encoding="utf-8")
    # Symbolic links to the reference: as a file in the class folder and deep in a student's folder.
    (folder / "linked.py").symlink_to(ROOT / "solutions" / "second_moment.py")
    (folder / "eve" / "hw").mkdir(parents=True)
    (folder / "eve" / "hw" / "second_moment.py").symlink_to(ROOT / "solutions" / "second_moment.py")
    results = grade_batch(discover([folder]), GradeConfig(timeout=5.0, jobs=2))
    return {r.student: (r, {i.item.id for i in r.items if not i.passed}, feedback.render(r)) for r in results}


def test_the_sources_are_what_the_tests_think():
    assert SUBMISSIONS["no_bias_correct"] != REFERENCE and SUBMISSIONS["raises_inside"] != REFERENCE
    compile(SUBMISSIONS["raises_inside"], "raises_inside.py", "exec")


def test_a_syntax_error_scores_zero_and_names_its_line(graded):
    result, failed, text = graded["syntax_error"]
    assert failed == ALL and result.score == 0
    assert "SyntaxError on line 4" in text
    assert "def update_v(v_prev, g, beta2=0.999)" in text


def test_a_missing_function_costs_only_its_items_and_is_named(graded):
    _, failed, text = graded["no_bias_correct"]
    assert failed == BIAS_CORRECT_ITEMS
    assert "your file has no function named bias_correct" in text


def test_an_exception_names_its_type_message_and_the_students_own_line(graded):
    _, failed, text = graded["raises_inside"]
    assert failed == BIAS_CORRECT_ITEMS
    line = SUBMISSIONS["raises_inside"].splitlines().index("    raise ZeroDivisionError('my own message')") + 1
    assert (
        f"raised ZeroDivisionError: my own message at line {line} (`raise ZeroDivisionError('my own message')`)" in text
    )


def test_an_error_while_loading_scores_zero_and_says_where(graded):
    result, failed, text = graded["fails_at_import"]
    assert failed == ALL and result.score == 0
    assert "ZeroDivisionError" in text and "line 3" in text


@pytest.mark.parametrize("student", ["linked", "eve"])
def test_a_symbolic_link_to_the_reference_scores_zero_and_says_why(graded, student):
    result, failed, text = graded[student]
    assert failed == ALL and result.score == 0
    assert "is a symbolic link, not a file" in text


@pytest.mark.parametrize("source", ["", "   ", None])
def test_an_error_whose_line_has_no_text_names_the_line_without_an_empty_quote(source):
    """The guest could not read the line (out of memory, say): the line number alone, not "(` `)"."""
    error = {"type": "MemoryError", "message": "nothing left", "line": 23, "source": source}
    said = reply_problem(Reply(Status.ERROR, error=error), "effective_step")
    assert markdown(said) == "raised MemoryError: nothing left at line 23"
    loaded = feedback.load_text(result_of(load_error={**error, "type": "ValueError"}))
    assert "**Your file raised ValueError while it was being loaded at line 23:** nothing left" in loaded
