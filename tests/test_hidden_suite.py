"""`pytest --pyargs autograder.hidden --submission PATH`: the hidden checks as pytest, agreeing with adam-hw grade."""

import csv
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder.rubric import ITEMS
from tests.conftest import ROOT, SUBMISSIONS

ADAM_HW = Path(sys.executable).with_name("adam-hw")
#: A spread of outcomes: full marks, nothing implemented, and a mistake that breaks some items only.
SUBMISSION_FILES = {
    "reference": ROOT / "solutions" / "second_moment.py",
    "stub": ROOT / "assignment" / "second_moment.py",
    "missing_pow_t": SUBMISSIONS / "wrong" / "missing_pow_t.py",
}
ITEM_IDS = [item.id for item in ITEMS]


def hidden_suite(submission, *options, cwd):
    """{item id: PASSED or FAILED} from one run of the hidden suite, and the run itself."""
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "autograder.hidden",
            "--submission",
            str(submission),
            "-q",
            "-rA",
            "-p",
            "no:cacheprovider",
            *options,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    found = re.findall(r"^(PASSED|FAILED|ERROR) \S+::test_rubric_item\[([\w.]+)\]", run.stdout, re.M)
    statuses = {item: status for status, item in found}
    return statuses, run


def _grade(folder, out):
    """{student: the item ids it failed}, from one `adam-hw grade` run over the folder."""
    run = subprocess.run(
        [str(ADAM_HW), "grade", str(folder), "--out", str(out), "--jobs", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return {row["student"]: {i for i in ITEM_IDS if float(row[i]) == 0} for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every run this module looks at, two processes at a time: one `adam-hw grade` over the class
    (key "grade"), the hidden suite on each submission (key: its name), and one with `-k update_v`."""
    base = tmp_path_factory.mktemp("hidden_suite")
    copies = {}
    for name, path in SUBMISSION_FILES.items():  # copied as <name>.py: the file name is the student id
        copies[name] = base / "class" / f"{name}.py"
        copies[name].parent.mkdir(exist_ok=True)
        shutil.copyfile(path, copies[name])
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {"grade": pool.submit(_grade, base / "class", base / "out")}
        futures["-k update_v"] = pool.submit(hidden_suite, copies["missing_pow_t"], "-k", "update_v", cwd=base)
        futures.update({name: pool.submit(hidden_suite, path, cwd=base) for name, path in copies.items()})
        return {key: future.result() for key, future in futures.items()}


def test_the_reference_passes_every_hidden_item(runs):
    statuses, run = runs["reference"]
    assert run.returncode == 0, run.stdout + run.stderr
    assert statuses == dict.fromkeys(ITEM_IDS, "PASSED")


@pytest.mark.parametrize("name", ["stub", "missing_pow_t"])
def test_the_hidden_suite_fails_exactly_the_items_adam_hw_grade_fails(runs, name):
    statuses, run = runs[name]
    assert run.returncode == 1, run.stdout + run.stderr
    assert sorted(statuses) == sorted(ITEM_IDS)
    failed = {item for item, status in statuses.items() if status != "PASSED"}
    assert failed, "a wrong submission must fail something"
    assert failed == runs["grade"][name]


def test_minus_k_selects_one_tasks_items(runs):
    statuses, run = runs["-k update_v"]
    assert run.returncode == 0, run.stdout + run.stderr
    assert statuses == {item.id: "PASSED" for item in ITEMS if item.task == "update_v"}


def test_the_hidden_suite_without_a_submission_is_a_usage_error(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "autograder.hidden", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 4  # pytest's own exit code for a usage error
    assert "--submission" in run.stdout + run.stderr


def test_with_part_5_on_the_hidden_suite_tests_its_items_as_grade_does(tmp_path):
    from autograder.beyond import rubric as part
    from tests.test_beyond import _release, _root
    from tests.test_beyond_corpus import EXPECTED, FOLDER

    root = _root(tmp_path, "term")  # a release with part 5 on writes its own term manifest
    _release(root, "--with", "beyond")
    package = tmp_path / "installed" / "autograder"  # the grader as that term installs it
    shutil.copytree(ROOT / "autograder", package, ignore=shutil.ignore_patterns("__pycache__", "term.json"))
    shutil.copy(root / "autograder" / "term.json", package / "term.json")
    submission = tmp_path / "half_life_time_constant.py"
    shutil.copy(FOLDER / "half_life_time_constant.py", submission)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "autograder.hidden", "--submission", str(submission)]
        + ["-q", "-rA", "-p", "no:cacheprovider"],
        cwd=package.parent,  # `python -m` puts the folder first on sys.path: this copy is the one imported
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    pattern = r"^(PASSED|FAILED|ERROR) \S+::test_beyond_item\[([\w.]+)\]"
    found = {item: status for status, item in re.findall(pattern, run.stdout, re.M)}

    assert sorted(found) == sorted(item.id for item in part.ITEMS)
    assert sorted(i for i, s in found.items() if s == "FAILED") == EXPECTED["half_life_time_constant"]["failed"]
    assert "the time constant, not the half-life" in run.stdout  # the named mistake, as feedback words it
    assert "test_rubric_item" in run.stdout and "skipped" not in run.stdout
