"""Notebook submissions: the guest reads them (test cells left out) and runs their cells in IPython's shell, and nothing runs a shell."""

import json
import re
import sys

import pytest

from autograder.cases import CHECKS
from autograder.config import GradeConfig
from autograder.discover import Submission
from autograder.grading import grade_submission
from autograder.judge.loading import undefined_by_errors
from autograder.notebook.cells import SKIP_WHEN_GRADING, Cell
from autograder.render import feedback
from autograder.sandbox.guest.cells_ipython import NotebookError, defines, read_notebook
from tests.conftest import ROOT

REFERENCE = (ROOT / "solutions" / "second_moment.py").read_text(encoding="utf-8")


def _notebook(*cells):
    return json.dumps(
        {
            "cells": [
                c if isinstance(c, dict) else {"cell_type": "code", "metadata": {}, "outputs": [], "source": c}
                for c in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    ).encode()


def test_magics_mean_what_they_mean_in_ipython_and_the_shell_never_runs(tmp_path):
    marker = tmp_path / "shell_ran"
    path = tmp_path / "student.ipynb"
    timed = "%%timeit -n 1 -r 1\ndef effective_step(v_hat, alpha=0.001, eps=1e-8):\n    return 0.0\n"
    path.write_bytes(
        _notebook(
            "%matplotlib inline\nimport numpy as np\nnp.sqrt?\n", f"%%bash\ntouch {marker}\n", REFERENCE, timed, "_"
        )
    )
    result = grade_submission(Submission("student", path, "ipynb"), GradeConfig(timeout=5.0), checks=CHECKS)
    assert all(r.passed for r in result.items) and not marker.exists()  # %%timeit keeps its def to itself
    assert "cell 2: `%%bash` (so the whole cell) was refused" in result.output


def test_a_timing_magic_runs_its_statement_once_so_it_never_spends_the_notebook_s_time(tmp_path):
    """A kernel's %timeit of a 0.3 s statement repeats it 7 times (2.1 s, past a 2 s cell): graded, it runs once."""
    path = tmp_path / "student.ipynb"
    slow = "import time\n%timeit -n 3 time.sleep(0.3)\n"
    path.write_bytes(_notebook(REFERENCE, slow, "%%timeit\ntime.sleep(0.3)\n", "_"))
    result = grade_submission(Submission("student", path, "ipynb"), GradeConfig(timeout=2.0), checks=CHECKS)
    assert all(r.passed for r in result.items), result.output
    assert result.output.count("1 run, 1 loop each") == 2, result.output


def test_nbgrader_test_cells_are_skipped_but_solution_cells_are_kept():
    test_cell = {
        "cell_type": "code",
        "metadata": {"nbgrader": {"grade": True, "solution": False}},
        "source": "assert False",
    }
    graded_solution = {
        "cell_type": "code",
        "metadata": {"nbgrader": {"grade": True, "solution": True}},
        "source": "y = 2",
    }
    markdown = {"cell_type": "markdown", "metadata": {}, "source": "# title"}
    cells = read_notebook(_notebook("x = 1", test_cell, markdown, graded_solution, "  \n"))
    assert [(c.number, c.source, c.heading) for c in cells] == [(1, "x = 1", ""), (4, "y = 2", "title")]


def test_a_notebook_that_is_not_json_names_the_problem():
    for data, phrase in (
        (b'{"cells": [', "not valid JSON"),
        (b"[1, 2]", "not a Jupyter notebook"),
        (b"\xff\xfe", "not UTF-8"),
    ):
        with pytest.raises(NotebookError, match=phrase):
            read_notebook(data)


def test_a_shell_escape_in_a_graded_notebook_never_runs_a_shell(tmp_path):
    marker = tmp_path / "shell_ran"
    path = tmp_path / "student.ipynb"
    path.write_bytes(_notebook(f"!touch {marker}\n", f"%%bash\ntouch {marker}\n", REFERENCE))
    # The full plan (fixed cases and this term's drawn ones): only with the drawn groups can the reference earn 100.
    result = grade_submission(Submission("student", path, "ipynb"), GradeConfig(timeout=5.0))
    assert not marker.exists()
    assert result.score == result.max_score


def test_the_last_definition_of_a_function_is_the_one_graded(tmp_path):
    path = tmp_path / "student.ipynb"
    wrong = "def effective_step(v_hat, alpha=0.001, eps=1e-8):\n    return alpha / (v_hat + eps)\n"
    path.write_bytes(_notebook(REFERENCE, wrong))
    result = grade_submission(Submission("student", path, "ipynb"), GradeConfig(timeout=5.0), checks=CHECKS)
    failed = {r.item.id for r in result.items if not r.passed}
    assert failed == {
        "effective_step.page",
        "effective_step.small_v_hat",
        "effective_step.general",
        "effective_step.contract",
    }


@pytest.mark.alone  # a cell is cut at its timeout only while the notebook's wall-clock budget lasts
def test_after_three_cells_hang_the_rest_are_skipped_so_a_notebook_costs_a_bounded_time(tmp_path):
    path = tmp_path / "student.ipynb"
    path.write_bytes(_notebook(*["while True:\n    pass\n"] * 4, REFERENCE))
    result = grade_submission(Submission("student", path, "ipynb"), GradeConfig(timeout=1.0), checks=CHECKS)
    assert result.score == 0
    # Reading the notebook in each fresh guest is charged to it too: the third cell may meet the total first.
    assert re.search(r"cell 3 (took longer than 1 s|was stopped when your notebook had used up)", result.output)
    assert "cell 4 was not run: 3 earlier cells hung or crashed" in result.output
    assert "cell 5 was not run" in result.output


def test_a_hostile_notebook_file_is_a_clear_zero_not_a_grader_crash():
    many = _notebook(*["x = 1\n"] * 1001)
    for data, phrase in (
        (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
        (b" " * 50_000_001, "MB"),
        (many, "1001 code cells"),
    ):
        with pytest.raises(NotebookError, match=phrase):
            read_notebook(data)


def test_the_released_demonstration_cell_is_left_out_and_every_other_code_cell_is_kept():
    release = json.loads((ROOT / "assignment" / "second_moment.ipynb").read_text(encoding="utf-8"))
    code = [n for n, c in enumerate(release["cells"], start=1) if c["cell_type"] == "code"]
    demo = [n for n, c in enumerate(release["cells"], start=1) if c["metadata"].get(SKIP_WHEN_GRADING)]
    tests = [n for n, c in enumerate(release["cells"], start=1) if c["metadata"].get("nbgrader", {}).get("grade")]
    assert len(demo) == 1
    read = [cell.number for cell in read_notebook(json.dumps(release).encode())]
    assert read == [n for n in code if n not in demo and n not in tests]


def test_the_skip_mark_on_a_solution_or_unlocked_cell_is_ignored():
    flagged = {SKIP_WHEN_GRADING: True}
    solution = {
        "cell_type": "code",
        "outputs": [],
        "source": "a = 1\n",
        "metadata": {**flagged, "nbgrader": {"solution": True, "locked": True, "grade": False}},
    }
    unlocked = {"cell_type": "code", "outputs": [], "source": "b = 2\n", "metadata": flagged}
    assert [c.source for c in read_notebook(_notebook(solution, unlocked))] == ["a = 1\n", "b = 2\n"]


def test_an_unreadable_notebook_is_explained_in_feedback_not_reported_as_an_exception_it_raised(tmp_path):
    path = tmp_path / "ann.ipynb"
    path.write_bytes(b'{"cells": [')
    result = grade_submission(Submission("ann", path, "ipynb"), GradeConfig(timeout=3.0), checks=CHECKS)
    text = feedback.render(result)
    assert result.score == 0
    assert "**Your notebook could not be read, so nothing in it was graded: " in text
    assert "raised NotebookError" not in text


def test_a_missing_function_is_traced_to_the_erroring_cell_that_defines_it():
    cells = [Cell(2), Cell(3, defines=("update_v",)), Cell(4, defines=("bias_correct",))]
    errors = {
        3: {"type": "SyntaxError", "line": 3, "message": "invalid syntax" * 100},
        4: {"type": "ZeroDivisionError", "line": True, "message": "division by zero"},
    }
    available = {"update_v": False, "bias_correct": True, "effective_step": False}
    linked = undefined_by_errors(cells, errors, available)
    assert set(linked) == {"update_v"}  # bias_correct exists; no cell defines effective_step
    assert linked["update_v"]["cell"] == 3 and linked["update_v"]["line"] == 3
    assert len(linked["update_v"]["message"]) <= 300  # the student's process wrote it: kept short
    available["bias_correct"] = False
    assert undefined_by_errors(cells, errors, available)["bias_correct"]["line"] is None  # not an int: dropped


def test_only_a_def_line_names_the_cell_a_function_is_written_in():
    assert defines("def update_v(v, g):\n", "update_v") and defines("    async def update_v (x):", "update_v")
    assert not defines("update_v = lambda v, g: v\n", "update_v") and not defines("def update_vx(v):", "update_v")


def test_the_feedback_of_a_failing_notebook_shows_no_path_of_the_grader_s_machine(tmp_path):
    path = tmp_path / "student.ipynb"
    path.write_bytes(
        _notebook(
            "import numpy as np\nnp.sqrt?\n",
            "import sys\nsys.exit(3)\n",  # IPython warns "To exit: use 'exit'", from its own file
            "np.asarray([1.0], dtype='no such dtype')\n",  # raised deep inside numpy
            "import warnings\nwarnings.warn('careful', stacklevel=2)\n",
            "def update_v(v, g, beta2=0.999):\n    return np.asarray(v) + np.zeros((2,)) @ np.zeros((3,))\n",
        )
    )
    result = grade_submission(Submission("student", path, "ipynb"), GradeConfig(timeout=5.0), checks=CHECKS)
    text = feedback.render(result)
    assert "cell 3 raised TypeError" in text
    for machine in (str(ROOT), sys.prefix, sys.base_prefix, "site-packages", str(tmp_path)):
        assert machine not in text
