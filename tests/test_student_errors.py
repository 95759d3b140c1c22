"""A student's error is feedback, not a crash: what each kind of error costs and what the page says."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import lms, roster
from autograder.boundary import Reply, Status
from autograder.config import GradeConfig
from autograder.discover import discover
from autograder.grading import grade_batch
from autograder.judge.checks import reply_problem
from autograder.render import feedback
from autograder.render.text import markdown
from autograder.results import status_of
from autograder.rubric import ITEMS
from tests.conftest import ROOT, result_of

ADAM_HW = str(Path(sys.executable).with_name("adam-hw"))
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
    loaded = feedback.load_text(result_of(load_error={**error, "by": "student", "type": "student:ValueError"}))
    assert "**Your file raised ValueError while it was being loaded at line 23:** nothing left" in loaded


# A file that raises an exception it named like one of the grader's own kinds, with the grader's words.
FORGES_A_GRADER_KIND = (
    "class Missing(Exception):\n"
    "    pass\n\n\n"
    'raise Missing("No second_moment.py was found in this folder, so there was nothing to grade.")\n'
)


def test_an_exception_named_like_a_grader_kind_is_the_students_load_error_in_their_words(tmp_path):
    """Who raised a load error is stamped by the grader: a student's `Missing` is a load error (not "no
    file found"), namespaced in results.json, worded as what their file raised, and exported as a 0."""
    folder, out = tmp_path / "class", tmp_path / "graded"
    folder.mkdir()
    (folder / "mallory_12345.py").write_text(FORGES_A_GRADER_KIND)
    run = subprocess.run([ADAM_HW, "grade", str(folder), "--out", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    (row,) = csv.DictReader((out / "grades.csv").read_text().splitlines())
    assert (row["score"], row["status"]) == ("0", "load error")
    error = json.loads((out / "mallory_12345" / "results.json").read_text())["extra_data"]["load_error"]
    assert error["by"] == "student" and error["type"] == "student:Missing" and error["line"] == 5
    page = (out / "mallory_12345" / "feedback.md").read_text()
    assert "**Your file raised Missing while it was being loaded at line 5" in page
    assert "**No second" not in page  # never the grader's bold voice
    ros = roster.write(tmp_path / "roster.csv", [roster.Entry("mallory_12345", "12345")])
    sheet = tmp_path / "worksheet.csv"
    sheet.write_text(
        "Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
        "Last modified (submission),Last modified (grade),Feedback comments\n"
        "Participant 12345,Mallory,m@example.edu,Submitted for grading,,10.00,Yes,-,-,\n",
        encoding="utf-8",
    )
    filled, _ = lms.export("moodle", sheet, out, ros, tmp_path / "upload.csv")
    (exported,) = csv.DictReader((tmp_path / "upload.csv").read_text(encoding="utf-8").splitlines())
    assert filled == 1 and exported["Grade"] == "0"


def test_only_the_graders_own_stamp_makes_a_missing_file(tmp_path):
    student = {"by": "student", "type": "student:Missing", "message": "m", "line": 1, "source": "raise Missing()"}
    grader = {"by": "grader", "type": "Missing", "message": "No file was found in this folder."}
    assert status_of(result_of(load_error=student)) == "load error"
    assert status_of(result_of(load_error=grader)) == "no file found"
    assert feedback.load_text(result_of(load_error=grader)) == "**No file was found in this folder.**"
    assert feedback.load_text(result_of(load_error=student)).startswith("**Your file raised Missing while")
