"""The whole nbgrader flow with real nbgrader on real notebooks, and `adam-hw grade` on the same submitted/ folder."""

import csv
import json
import re

import pytest

from autograder.config import GradeConfig
from autograder.discover import discover
from autograder.grading import grade_batch
from autograder.notebook import course, nbgrader
from autograder.notebook.build import split_solution
from autograder.rubric import FUNCTIONS
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

_, REFERENCE = split_solution((ROOT / "solutions" / "second_moment.py").read_text(encoding="utf-8"))
REFERENCE = {name: re.sub(r"\n\s*### (BEGIN|END) SOLUTION", "", source) for name, source in REFERENCE.items()}
# A correct update_v that makes numpy warn on every call: the warning must not cost it anything.
WARNS = REFERENCE["update_v"].replace(
    "    v = beta2", "    np.log(np.zeros(1))  # RuntimeWarning: divide by zero\n    v = beta2"
)

#: student -> (what goes in each solution cell, the score both graders must give)
STUDENTS = {
    "reference": (REFERENCE, 100),
    "untouched": ({}, 0),
    "abs_gradient": ({**REFERENCE, "update_v": REFERENCE["update_v"].replace("g**2", "np.abs(g)")}, 53),
    "warns": ({**REFERENCE, "update_v": WARNS}, 100),
}


def _submission(release, answers):
    notebook = json.loads(release)
    for cell in notebook["cells"]:
        name = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if name in answers:
            cell["source"] = answers[name]
    return json.dumps(notebook, indent=1)


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    """A course folder taken through generate_assignment, collect, autograde, export and generate_feedback."""
    folder = tmp_path_factory.mktemp("course")
    course.write(folder, ROOT)
    nbgrader.run(["generate_assignment", "second_moment"], cwd=folder)
    release = (folder / "release" / "second_moment" / "second_moment.ipynb").read_text(encoding="utf-8")
    for student, (answers, _) in STUDENTS.items():
        target = folder / "submitted" / student / "second_moment" / "second_moment.ipynb"
        target.parent.mkdir(parents=True)
        target.write_text(_submission(release, answers), encoding="utf-8")
    nbgrader.run(["autograde", "second_moment"], cwd=folder)
    nbgrader.run(["export"], cwd=folder)
    nbgrader.run(["generate_feedback", "second_moment"], cwd=folder)
    with open(folder / "grades.csv", newline="", encoding="utf-8") as f:
        exported = {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}
    return folder, release, exported


def test_the_course_release_is_the_committed_student_notebook(flow):
    _, release, _ = flow
    assert nbgrader.normalise(release) == (ROOT / "assignment" / "second_moment.ipynb").read_text(encoding="utf-8")


def test_the_student_notebook_has_no_solutions_and_no_hidden_tests(flow):
    _, release, _ = flow
    assert "BEGIN SOLUTION" not in release and "HIDDEN TESTS" not in release
    assert "np.asarray(v_prev, dtype=np.float64)" not in release
    assert release.count("raise NotImplementedError()") >= len(FUNCTIONS)


def test_nbgrader_exports_the_expected_score_for_each_submission(flow):
    _, _, exported = flow
    assert exported == {student: float(score) for student, (_, score) in STUDENTS.items()}


def test_nbgrader_writes_feedback_for_every_student(flow):
    folder, _, _ = flow
    for student in STUDENTS:
        page = folder / "feedback" / student / "second_moment" / "second_moment.html"
        assert page.is_file() and "update_v" in page.read_text(encoding="utf-8")


def test_adam_hw_grade_gives_nbgrader_s_totals_student_by_student(flow):
    folder, _, exported = flow
    results = grade_batch(discover([folder / "submitted"]), GradeConfig(timeout=5.0))
    assert {r.student: float(r.score) for r in results} == exported
