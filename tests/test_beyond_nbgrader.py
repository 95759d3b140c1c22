"""Part 5 under stock nbgrader: each of its groups is an autograded cell with the grader's points, follow-through
included, so nbgrader's totals are adam-hw's core score plus part 5's, student by student; the written answer
is nbgrader's manually graded cell, outside both."""

import csv
import json
import re
import shutil

import pytest

from autograder import terms
from autograder.beyond import rubric
from autograder.cli import main
from autograder.config import GradeConfig
from autograder.discover import discover
from autograder.grading import grade_submission
from autograder.notebook.build import split_solution
from tests.conftest import ROOT
from tests.test_nbgrader_flow import _nbgrader_flow

pytestmark = pytest.mark.slow

TERM = terms.Term("2031-spring", False, "task")


def _answers(path):
    _, functions = split_solution((ROOT / path).read_text(encoding="utf-8"))
    return {name: re.sub(r"\n\s*### (BEGIN|END) SOLUTION", "", source) for name, source in functions.items()}


CORE, PART = _answers("solutions/second_moment.py"), _answers("solutions/beyond.py")
EPS_INSIDE = CORE["effective_step"].replace("np.sqrt(v_hat) + eps", "np.sqrt(v_hat + eps)")
STUDENTS = {
    "reference": ({**CORE, **PART}, 100, rubric.MAX_SCORE),
    "core_only": (CORE, 100, 0),
    # a core slip with part 5 right: part 5 is judged on exact tasks 1-3 in both graders
    "core_slip": ({**CORE, **PART, "effective_step": EPS_INSIDE}, 80, rubric.MAX_SCORE),
    "half_life_slip": (
        {**CORE, **PART, "half_life": PART["half_life"].replace("np.log(0.5) / np.log(beta2)", "1 / (1 - beta2)")},
        100,
        rubric.MAX_SCORE - 1,
    ),
}


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    folder = tmp_path_factory.mktemp("course")
    root = tmp_path_factory.mktemp("repo")
    shutil.copytree(ROOT / "solutions", root / "solutions")
    (root / "autograder").mkdir()
    (root / "autograder" / "term.json").write_text(terms.manifest_text(TERM))
    assert main(["nbgrader-course", str(folder), "--root", str(root)]) == 0
    _nbgrader_flow(folder, "release")
    release = (folder / "release" / "second_moment" / "second_moment.ipynb").read_text(encoding="utf-8")
    for student, (answers, _, _) in STUDENTS.items():
        notebook = json.loads(release)
        for cell in notebook["cells"]:
            name = cell["metadata"].get("nbgrader", {}).get("grade_id")
            if name in answers:
                cell["source"] = answers[name]
        target = folder / "submitted" / student / "second_moment" / "second_moment.ipynb"
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    _nbgrader_flow(folder, "grade")
    with open(folder / "grades.csv", newline="", encoding="utf-8") as f:
        exported = {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}
    return folder, release, exported


def test_the_released_notebook_holds_part_5_without_its_solutions(flow):
    _, release, _ = flow
    cells = json.loads(release)["cells"]
    ids = {c["metadata"].get("nbgrader", {}).get("grade_id") for c in cells}
    assert {"setup-beyond", "half_life", "beyond-written"} <= ids
    assert "np.log(0.5) / np.log(beta2)" not in release
    assert "### BEGIN HIDDEN TESTS" not in release


def test_nbgrader_and_adam_hw_give_the_same_totals_with_part_5(flow):
    folder, _, exported = flow
    for student, (_, core, part) in STUDENTS.items():
        assert exported[student] == core + part, student
        path = folder / "submitted" / student / "second_moment" / "second_moment.ipynb"
        result = grade_submission(discover([path])[0], GradeConfig(timeout=5.0), term=TERM)
        assert (result.score, result.beyond.score) == (core, part), student
