"""A budget per submission, not per process (issue 19 item 3): memory held by many children or by memfds stays
within --memory, a disk-filling file stays within --disk and off the TA's disk, and a CPU hog beside a slow
but correct classmate costs the classmate nothing. Each at level os, at level basic as root, and at level
basic as an unprivileged user (the grader run as nobody)."""

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from autograder.config import DEFAULT, GradeConfig
from autograder.discover import discover
from autograder.grading import grade_batch
from tests.conftest import SUBMISSIONS
from tests.test_hostile import _python_for_nobody, _readable_by_all

EXHAUSTION = SUBMISSIONS / "exhaustion"
HOSTILE = SUBMISSIONS / "hostile"
LEVELS = [
    pytest.param("os", marks=pytest.mark.root(reason="level os needs root")),
    "basic",
    pytest.param("nobody", marks=pytest.mark.root(reason="becoming an unprivileged user (nobody) needs root")),
]


def _grade(level, files, *, timeout=5.0, jobs=1, memory=None, wrap=(), isolation=False):
    """{student: (score, what it printed)} for `files` graded together at `level` ("nobody": level basic,
    the grader run by the user nobody through the CLI, under the command `wrap` if given), with the
    isolation line third if `isolation`."""
    if level != "nobody":
        config = GradeConfig(timeout=timeout, jobs=jobs, isolation=level, memory_mb=memory or DEFAULT.memory_mb)
        return {
            r.student: (r.score, r.output) + ((r.isolation,) if isolation else ())
            for r in grade_batch(discover(files), config)
        }
    work = Path(tempfile.mkdtemp(prefix="adam-hw-nobody-budget-"))
    try:
        os.chmod(work, 0o777)
        students = work / "class"
        students.mkdir(mode=0o755)
        for path in files:
            _readable_by_all(path, students / path.name)
        as_nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", *wrap]
        as_nobody += _python_for_nobody(work)
        home = work / "home"  # a normal user's home, where the gradebook's signing key is kept
        home.mkdir()
        os.chmod(home, 0o777)
        env = {k: v for k, v in os.environ.items() if k != "XDG_STATE_HOME"} | {"HOME": str(home)}
        flags = ["--timeout", str(timeout), "--jobs", str(jobs)] + (["--memory", str(memory)] if memory else [])
        done = subprocess.run(
            as_nobody + ["grade", str(students), "--out", str(work / "out"), *flags],
            capture_output=True,
            text=True,
            cwd=work,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        assert "isolation: basic:" in done.stdout
        found = {}
        for path in files:
            results = json.loads((work / "out" / path.stem / "results.json").read_text())
            found[path.stem] = (results["score"], results["output"])
            if isolation:
                found[path.stem] += (results["extra_data"]["isolation"],)
        return found
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _figure(pattern, output):
    """The number the attack printed, or 0 where it never got to print (its processes were ended)."""
    match = re.search(pattern, output)
    return int(match.group(1)) if match else 0


@pytest.mark.parametrize("level", LEVELS)
def test_six_children_hold_no_more_memory_together_than_the_submissions_budget(level):
    got = _grade(level, [EXHAUSTION / "memory_in_six_children.py", HOSTILE / "correct_plain.py"], memory=512)
    assert got["correct_plain"][0] == 100
    held = _figure(r"held (\d+) MB at once", got["memory_in_six_children"][1])
    assert held <= 512, got["memory_in_six_children"][1][-300:]


@pytest.mark.parametrize("level", LEVELS)
def test_a_hundred_memfds_hold_no_more_memory_than_the_submissions_budget(level):
    got = _grade(level, [EXHAUSTION / "memfd_hoard.py", HOSTILE / "correct_plain.py"], memory=256)
    assert got["correct_plain"][0] == 100
    held = _figure(r"memfd held (\d+) MB at once", got["memfd_hoard"][1])
    assert held <= 256, got["memfd_hoard"][1][-300:]


@pytest.mark.parametrize("level", LEVELS)
def test_a_gigabyte_of_fallocate_stays_within_the_disk_budget_and_off_the_tas_disk(level):
    before = {p.name for p in Path("/tmp").glob("adam-hw-fill-*")}
    got = _grade(level, [EXHAUSTION / "fill_the_disk.py", HOSTILE / "correct_plain.py"])
    assert got["correct_plain"][0] == 100
    filled = _figure(r"fallocated (\d+) MB", got["fill_the_disk"][1])
    assert filled <= 256, got["fill_the_disk"][1][-300:]  # the default --disk
    assert {p.name for p in Path("/tmp").glob("adam-hw-fill-*")} == before


@pytest.mark.parametrize("level", LEVELS)
def test_a_tmpfs_of_its_own_in_a_nested_namespace_stays_within_the_disk_budget(level):
    got = _grade(level, [EXHAUSTION / "tmpfs_of_its_own.py", HOSTILE / "correct_plain.py"])
    assert got["correct_plain"][0] == 100
    held = _figure(r"own tmpfs held (\d+) MB", got["tmpfs_of_its_own"][1])
    assert held <= 256, got["tmpfs_of_its_own"][1][-300:]  # the default --disk


@pytest.mark.alone  # a CPU share: another test's load beside it would be the hog
@pytest.mark.parametrize("level", LEVELS)
def test_a_sixteen_process_hog_costs_a_slow_but_correct_classmate_nothing(level, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(HOSTILE / "cpu_hog.py", folder / "aaa_hog.py")
    shutil.copy(HOSTILE / "slow_but_correct.py", folder / "slow_but_correct.py")
    got = _grade(level, [folder / "aaa_hog.py", folder / "slow_but_correct.py"], timeout=2.0, jobs=2)
    assert got["slow_but_correct"][0] == 100
    assert got["aaa_hog"][0] == 0
