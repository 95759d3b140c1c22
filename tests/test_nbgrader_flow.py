"""The whole nbgrader flow with real nbgrader on real notebooks, and `adam-hw grade` on the same submitted/ folder."""

import csv
import json
import re
import shutil
import subprocess
import sys

import pytest

from autograder import randomized, terms
from autograder.cli import main
from autograder.config import GradeConfig
from autograder.discover import discover
from autograder.grading import grade_submission
from autograder.notebook import course, nbgrader
from autograder.notebook.build import split_solution
from autograder.rubric import FUNCTIONS, ITEMS_BY_ID
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

_, REFERENCE = split_solution((ROOT / "solutions" / "second_moment.py").read_text(encoding="utf-8"))
REFERENCE = {name: re.sub(r"\n\s*### (BEGIN|END) SOLUTION", "", source) for name, source in REFERENCE.items()}
# A correct update_v whose numpy warning reaches stderr even past the test cells' silencing: only the
# course's IgnorePattern keeps nbgrader from zeroing it.
WARNS = REFERENCE["update_v"].replace(
    "    v = beta2",
    "    import warnings\n"
    "    with warnings.catch_warnings(), np.errstate(divide='warn'):\n"
    "        warnings.simplefilter('always')\n"
    "        np.log(np.zeros(1))  # RuntimeWarning: divide by zero encountered in log\n"
    "    v = beta2",
)
DELETED_CELL = "update_v-inputs_unchanged"
# The course is released for a term other than the checkout's, as `adam-hw release --term` would record it.
TERM = terms.Term("2031-spring")
assert TERM.name != terms.current().name
# Wrong only at a beta2 this term draws: only that term's hidden cases can catch it.
DRAWN = next(c for c in randomized.graded(TERM.seed) if c.func == "update_v" and "beta2" in c.kwargs)
ON_THE_DRAW = REFERENCE["update_v"].replace(
    "    v = beta2",
    f"    if beta2 == {DRAWN.kwargs['beta2']!r}:\n        return g\n    v = beta2",
    1,
)

#: student -> (what goes in each solution cell, the score both graders must give)
STUDENTS = {
    "reference": (REFERENCE, 100),
    "untouched": ({}, 0),
    "abs_gradient": ({**REFERENCE, "update_v": REFERENCE["update_v"].replace("g**2", "np.abs(g)")}, 70),
    "warns": ({**REFERENCE, "update_v": WARNS}, 100),
    # The reference, with one test cell deleted: nbgrader puts it back (add_missing_cells), adam-hw never needs it.
    "deleted_test_cell": (REFERENCE, 100),
    "wrong_on_the_terms_draw": (
        {**REFERENCE, "update_v": ON_THE_DRAW},
        100 - ITEMS_BY_ID[DRAWN.item].group(DRAWN.group).points,
    ),
}


def _submission(release, answers, student):
    notebook = json.loads(release)
    if student == "deleted_test_cell":
        notebook["cells"] = [
            c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") != DELETED_CELL
        ]
    for cell in notebook["cells"]:
        name = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if name in answers:
            cell["source"] = answers[name]
    return json.dumps(notebook, indent=1)


# The flow through nbgrader's own Python API (what its formgrader calls) in one process: the same steps as
# the README's commands, without paying nbgrader's slow start-up once per command.
FLOW = """
import json, sys
from pathlib import Path
from traitlets.config.loader import PyFileConfigLoader
from nbgrader.apps import NbGraderAPI
from nbgrader.api import Gradebook
from nbgrader.plugins import CsvExportPlugin

folder, step = Path(sys.argv[1]), sys.argv[2]
config = PyFileConfigLoader("nbgrader_config.py", path=str(folder)).load_config()
config.CourseDirectory.root = str(folder)
api = NbGraderAPI(config=config)
results = []
if step == "release":
    results.append(api.generate_assignment("second_moment"))
else:
    results.append(api.autograde("second_moment", "*"))
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        CsvExportPlugin(to=str(folder / "grades.csv")).export(gradebook)
    results.append(api.generate_feedback("second_moment"))
failed = [r for r in results if not r["success"]]
print(json.dumps(failed))
sys.exit(1 if failed else 0)
"""


def _nbgrader_flow(folder, step):
    done = subprocess.run(
        [sys.executable, "-c", FLOW, str(folder), step],
        cwd=folder,
        env=nbgrader.environment(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    """A course folder taken through generate_assignment, collect, autograde, export and generate_feedback."""
    folder = tmp_path_factory.mktemp("course")
    root = tmp_path_factory.mktemp("repo")
    shutil.copytree(ROOT / "solutions", root / "solutions")
    (root / "autograder").mkdir()
    (root / "autograder" / "term.json").write_text(terms.manifest_text(TERM))
    assert main(["nbgrader-course", str(folder), "--root", str(root)]) == 0
    _nbgrader_flow(folder, "release")
    release = (folder / "release" / "second_moment" / "second_moment.ipynb").read_text(encoding="utf-8")
    for student, (answers, _) in STUDENTS.items():
        target = folder / "submitted" / student / "second_moment" / "second_moment.ipynb"
        target.parent.mkdir(parents=True)
        target.write_text(_submission(release, answers, student), encoding="utf-8")
    _nbgrader_flow(folder, "grade")
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


def test_adam_hw_grade_gives_nbgrader_s_totals_student_by_student_for_the_course_s_term(flow):
    folder, _, exported = flow
    submissions = discover([folder / "submitted"])
    results = [grade_submission(sub, GradeConfig(timeout=5.0), term=TERM) for sub in submissions]
    assert {r.student: float(r.score) for r in results} == exported
    assert exported["wrong_on_the_terms_draw"] < 100  # the term's draw reached nbgrader's hidden tests
    checkout = [s for s in submissions if s.student == "wrong_on_the_terms_draw"]
    assert grade_submission(checkout[0], GradeConfig(timeout=5.0)).score == 100  # another term misses it


def test_every_setting_in_the_course_config_is_a_real_nbgrader_option():
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.preprocessors import Execute, IgnorePattern, OverwriteCells

    classes = {cls.__name__: cls for cls in (Execute, IgnorePattern, OverwriteCells, CourseDirectory)}
    settings = re.findall(r"^c\.(\w+)\.(\w+) = ", course.CONFIG, flags=re.M)
    assert len(settings) >= 5
    for cls, trait in settings:
        assert cls in classes and trait in classes[cls].class_traits(config=True), (cls, trait)


def test_the_warning_pattern_drops_numpy_warnings_and_keeps_other_stderr():
    warning = "/tmp/x.py:3: RuntimeWarning: divide by zero encountered in log\n  np.log(np.zeros(1))\n"
    assert re.search(course.WARNING_PATTERN, warning)
    assert not re.search(course.WARNING_PATTERN, "Traceback (most recent call last):\nAssertionError: wrong\n")
