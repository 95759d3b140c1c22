"""The nbgrader source notebook: built from solutions/ and the case data, one test cell per check group of
each rubric item, and its checks agree with the grader's on every submission in the corpus."""

import ast
import contextlib
import io
import json
import re
import tomllib

import matplotlib
import nbformat
import pytest

from autograder import randomized, terms
from autograder.cases import PUBLIC_CASES
from autograder.config import GradeConfig
from autograder.discover import Submission
from autograder.grading import grade_submission
from autograder.notebook.build import (
    BEGIN_HIDDEN,
    END_HIDDEN,
    build,
    item_of,
    parse_text,
    render,
    split_solution,
    term_checks,
)
from autograder.notebook.lines import case_line
from autograder.notebook.nbgrader import normalise
from autograder.rubric import FUNCTIONS, ITEMS, MAX_SCORE
from tests.conftest import ROOT, SUBMISSIONS

TEXT = (ROOT / "solutions" / "notebook_text.md").read_text(encoding="utf-8")
SOLUTION = (ROOT / "solutions" / "second_moment.py").read_text(encoding="utf-8")
SOURCE = json.loads((ROOT / "solutions" / "second_moment.ipynb").read_text(encoding="utf-8"))
RELEASE = json.loads((ROOT / "assignment" / "second_moment.ipynb").read_text(encoding="utf-8"))
TERM_CHECKS = terms.checks_for_seed(terms.current().seed)
PUBLIC_GROUPS = {f"{c.item}.{c.group}" for c in PUBLIC_CASES}


def _meta(cell):
    return cell["metadata"].get("nbgrader", {})


def _source(cell):
    return "".join(cell["source"])


def _test_cells(notebook):
    return {item_of(_meta(c)["grade_id"]): _source(c) for c in notebook["cells"] if _meta(c).get("grade")}


def _cell(notebook, cell_id):
    return next(_source(c) for c in notebook["cells"] if c["id"] == cell_id)


def test_the_committed_source_notebook_is_what_the_builder_makes():
    assert render(build(TEXT, SOLUTION, TERM_CHECKS)) == (ROOT / "solutions" / "second_moment.ipynb").read_text(
        encoding="utf-8"
    )


def test_every_check_group_has_one_locked_test_cell_with_its_points():
    cells = [c for c in SOURCE["cells"] if _meta(c).get("grade")]
    groups = {f"{item.id}.{g.name}": g.points for item in ITEMS for g in item.groups}
    assert sorted(item_of(_meta(c)["grade_id"]) for c in cells) == sorted(groups)
    points = {item_of(_meta(c)["grade_id"]): _meta(c)["points"] for c in cells}
    assert points == groups
    assert sum(points.values()) == MAX_SCORE
    assert all(_meta(c)["locked"] and _meta(c)["schema_version"] == 3 and not _meta(c)["solution"] for c in cells)


def test_each_function_sits_in_a_solution_cell_exactly_as_the_reference_writes_it():
    _, functions = split_solution(SOLUTION)
    for name in FUNCTIONS:
        cell = next(c for c in SOURCE["cells"] if _meta(c).get("grade_id") == name)
        assert _meta(cell)["solution"] and not _meta(cell)["grade"]
        assert _source(cell) == functions[name]
        assert "### BEGIN SOLUTION" in _source(cell) and "### END SOLUTION" in _source(cell)


@pytest.mark.parametrize("notebook", [SOURCE, RELEASE], ids=["source", "release"])
def test_no_test_cell_ends_in_a_bare_expression(notebook):
    for item, source in _test_cells(notebook).items():
        body = ast.parse(source).body  # a cell whose checks are all hidden is only comments in the release
        assert not body or not isinstance(body[-1], ast.Expr), (
            f"{item}: ends in an expression nbgrader would read as a score"
        )


def test_every_test_cell_has_its_public_checks_visible_and_hidden_ones_between_the_markers():
    for group, source in _test_cells(SOURCE).items():
        visible, _, rest = source.partition(BEGIN_HIDDEN)
        hidden, _, after = rest.partition(END_HIDDEN)
        item = group.rsplit(".", 1)[0]
        assert ("assert check_" in visible) == (group in PUBLIC_GROUPS or item.startswith("identity.")), group
        assert "assert " in hidden, group
        assert after.strip() == "", group


def test_the_student_notebook_keeps_the_visible_checks_and_drops_the_hidden_ones():
    source, release = _test_cells(SOURCE), _test_cells(RELEASE)
    for item in source:
        visible = source[item].partition(BEGIN_HIDDEN)[0]
        assert release[item].strip() == visible.strip(), item


@pytest.mark.parametrize("notebook", ["solutions", "assignment"])
def test_both_notebooks_are_valid_and_save_back_unchanged(notebook):
    text = (ROOT / notebook / "second_moment.ipynb").read_text(encoding="utf-8")
    parsed = nbformat.reads(text, as_version=4)
    nbformat.validate(parsed)
    assert nbformat.writes(parsed) + "\n" == text == normalise(text)


def test_the_prose_teaches_the_page():
    prose = "\n".join(_source(c) for c in SOURCE["cells"] if c["cell_type"] == "markdown")
    for phrase in (
        "mixing board",
        "\\beta_2",
        "\\epsilon",
        "Exercise A",
        "absolute value",
        "diagonal preconditioning",
        "7,850",
        "61{,}622{,}500",
        "See it in action",
    ):
        assert phrase in prose, phrase


def test_a_bad_cell_marker_is_named_with_its_line():
    with pytest.raises(ValueError, match="line 3: bad cell marker"):
        parse_text("intro\n<!-- cell: markdown -->\n<!-- cell: slides -->\n")


def test_a_missing_test_cell_is_an_error_naming_what_is_needed():
    text = TEXT.replace("<!-- cell: tests update_v.general -->\n", "")
    with pytest.raises(ValueError, match="tests cells for"):
        build(text, SOLUTION, TERM_CHECKS)


def _run_test_cells(path, notebook=SOURCE):
    """The rubric items whose notebook test cells fail for the submission at path (run in this process)."""
    namespace = {}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    exec(_cell(notebook, "setup"), namespace)
    failed = set()
    for group, source in _test_cells(notebook).items():
        try:
            exec(source, namespace)
        except Exception:  # noqa: BLE001  any error in a test cell fails its group, and so its item, as under nbgrader
            failed.add(group.rsplit(".", 1)[0])
    return sorted(failed)


def _corpus():
    for group in ("correct", "wrong", "fair"):
        expected = tomllib.loads((SUBMISSIONS / group / "expected.toml").read_text(encoding="utf-8"))
        for path in sorted((SUBMISSIONS / group).glob("*.py")):
            yield pytest.param(path, sorted(expected.get(path.stem, {}).get("failed", [])), id=f"{group}/{path.stem}")


@pytest.mark.parametrize(("path", "failed"), list(_corpus()))
def test_the_notebook_checks_fail_exactly_the_items_the_grader_fails(path, failed):
    assert _run_test_cells(path) == failed


def test_the_see_it_in_action_cell_shows_about_a_50x_gap_with_the_reference():
    matplotlib.use("Agg")
    namespace = {}
    exec(compile(re.sub(r"\s*### (BEGIN|END) SOLUTION", "", SOLUTION), "reference", "exec"), namespace)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(_cell(SOURCE, "see_it_in_action"), namespace)
    ratio = float(re.search(r"step is (\d+) times", printed.getvalue()).group(1))
    assert 40 <= ratio <= 60


def test_each_terms_draw_is_in_the_hidden_part_of_its_items_test_cell():
    spring, fall = terms.Term("2031-spring"), terms.Term("2031-fall")
    cells = _test_cells(build(TEXT, SOLUTION, term_checks(spring)))
    for case in randomized.graded(spring.seed):
        assert case_line(case) in cells[f"{case.item}.{case.group}"].partition(BEGIN_HIDDEN)[2], case.id
    everything = "\n".join(cells.values())
    assert not [c.id for c in randomized.graded(fall.seed) if case_line(c) in everything]


def test_a_solution_wrong_only_on_one_terms_draw_fails_that_terms_notebook_as_adam_hw_grade_fails_it(tmp_path):
    spring, fall = terms.Term("2031-spring"), terms.Term("2031-fall")
    drawn = next(c for c in randomized.graded(spring.seed) if c.func == "update_v" and "beta2" in c.kwargs)
    beta2 = drawn.kwargs["beta2"]
    assert all(c.kwargs.get("beta2") != beta2 for c in term_checks(fall) if hasattr(c, "kwargs"))
    path = tmp_path / "second_moment.py"
    path.write_text(
        SOLUTION.replace("    v = beta2", f"    if beta2 == {beta2!r}:\n        return g\n    v = beta2", 1)
    )
    assert f"beta2 == {beta2!r}" in path.read_text()
    for term, failed in ((spring, [drawn.item]), (fall, [])):
        notebook = build(TEXT, SOLUTION, term_checks(term))
        graded = grade_submission(Submission("s", path, "py"), GradeConfig(jobs=1), term=term)
        assert _run_test_cells(path, notebook) == failed == [r.item.id for r in graded.items if not r.passed]
