"""The students' public checks, run as a student runs them: plain pytest inside a copy of assignment/."""

import os
import re
import shutil
import subprocess
import sys

import pytest

from autograder.rubric import FUNCTIONS
from tests.conftest import ROOT


def _pytest_in(folder):
    # As a student runs them: without this project's pytest plugin (students do not install the grader)
    # and leaving no .pytest_cache behind; -rA lists every outcome, COLUMNS keeps its lines whole.
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", "-p", "no:adam_hw"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "500"},
    )
    outcomes = {
        name: status
        for status, name in re.findall(r"^(PASSED|FAILED|ERROR) test_second_moment\.py::(\w+)", run.stdout, re.M)
    }
    return run, outcomes


def _assignment_copy(tmp_path):
    folder = tmp_path / "assignment"
    shutil.copytree(ROOT / "assignment", folder, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    return folder


@pytest.fixture(scope="module")
def with_stubs(tmp_path_factory):
    return _pytest_in(_assignment_copy(tmp_path_factory.mktemp("stubs")))


@pytest.fixture(scope="module")
def with_reference(tmp_path_factory):
    folder = _assignment_copy(tmp_path_factory.mktemp("reference"))
    shutil.copyfile(ROOT / "solutions" / "second_moment.py", folder / "second_moment.py")
    return _pytest_in(folder)


def test_with_the_stubs_every_public_check_fails(with_stubs):
    run, outcomes = with_stubs
    assert run.returncode == 1, run.stdout + run.stderr
    assert len(outcomes) >= 5
    assert set(outcomes.values()) == {"FAILED"}, outcomes


def test_with_the_stubs_each_failure_says_which_task_is_not_implemented_yet(with_stubs):
    run, outcomes = with_stubs
    lines = {
        name: line
        for name in outcomes
        for line in run.stdout.splitlines()
        if line.startswith(f"FAILED test_second_moment.py::{name} ")
    }
    assert sorted(lines) == sorted(outcomes)
    for name, line in lines.items():
        task = next((t for t in FUNCTIONS if name.startswith(f"test_{t}_")), None)
        if task:
            assert f"{task}: not implemented yet" in line, line
        else:
            assert re.search(rf"({'|'.join(FUNCTIONS)}): not implemented yet", line), line
    for task in FUNCTIONS:
        assert f"{task}: not implemented yet" in run.stdout


def test_with_the_reference_every_public_check_passes(with_reference):
    run, outcomes = with_reference
    assert run.returncode == 0, run.stdout + run.stderr
    assert len(outcomes) >= 5
    assert set(outcomes.values()) == {"PASSED"}, outcomes


def test_the_public_checks_cover_every_task(with_reference):
    _, outcomes = with_reference
    for task in FUNCTIONS:
        assert any(name.startswith(f"test_{task}_") for name in outcomes), task


@pytest.mark.parametrize(
    ("student", "words"),
    [
        ("caret_in_correction", "`^` is XOR in Python"),
        ("floor_division_correction", "`//` is floor division"),
        ("precedence_correction", "Python reads `a / b - c` as `(a / b) - c`"),
    ],
)
def test_a_failing_public_check_names_the_python_slip_in_the_code(student, words, tmp_path):
    folder = _assignment_copy(tmp_path)
    shutil.copyfile(ROOT / "tests" / "submissions" / "written" / f"{student}.py", folder / "second_moment.py")
    run, outcomes = _pytest_in(folder)
    assert outcomes["test_bias_correct_page_p1_t1"] == "FAILED"
    line = next(
        x for x in run.stdout.splitlines() if x.startswith("FAILED test_second_moment.py::test_bias_correct_page_p1_t1")
    )
    assert words in line
