"""Fair CPU (issue 12 item 5): a CPU hog in one job slot cannot push a slow but correct classmate in the other
slot into a timeout, at every isolation level, while the wall-clock bound stays the outer cap."""

import os
from pathlib import Path

import pytest

from autograder.config import GradeConfig
from autograder.discover import discover
from autograder.grading import grade_batch, grade_submission
from autograder.sandbox import cpu
from autograder.sandbox.pool import SandboxPool
from tests.conftest import SUBMISSIONS

HOSTILE = SUBMISSIONS / "hostile"
# Every test here measures CPU shares or run-queue waits: another test's load beside it would be the hog.
pytestmark = pytest.mark.alone

TIMEOUT = 2.0
NEIGHBOURS = 3  # graded one after another in the other slot while the hog holds its own


def _levels():
    return ["basic", pytest.param("os", marks=pytest.mark.root(reason="level os needs root"))]


@pytest.mark.parametrize("level", _levels())
def test_a_cpu_hog_beside_slow_but_correct_classmates_costs_them_nothing(level, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "aaa_hog.py").write_bytes((HOSTILE / "cpu_hog.py").read_bytes())
    for i in range(NEIGHBOURS):
        (folder / f"slow_{i}.py").write_bytes((HOSTILE / "slow_but_correct.py").read_bytes())
    results = {
        r.student: r for r in grade_batch(discover([folder]), GradeConfig(timeout=TIMEOUT, jobs=2, isolation=level))
    }
    assert {s: r.score for s, r in results.items() if s != "aaa_hog"} == {f"slow_{i}": 100 for i in range(NEIGHBOURS)}
    assert results["aaa_hog"].score == 0


@pytest.mark.parametrize("level", _levels())
def test_cpu_starvation_credit_never_takes_a_submission_past_the_wall_clock_cap(level, monkeypatch):
    """Even a guest that seems to wait for a CPU forever is cut at (functions + 1) x timeout in all."""
    (sub,) = discover([HOSTILE / "all_functions_hang.py"])
    config = GradeConfig(timeout=1.0, isolation=level)
    grade_submission(sub, config)  # the sandbox is started now, not inside the measured run
    monkeypatch.setattr(cpu.StarvationClock, "starved", lambda self: 1000.0)
    monkeypatch.setattr(cpu.TreeClock, "used", lambda self: 0.0)  # and never a hog
    result = grade_submission(sub, config)
    assert result.score == 0
    assert result.seconds < (3 + 1) * config.timeout + 1.5


def test_a_guest_that_waits_for_a_cpu_is_credited_and_one_that_sleeps_is_not():
    """schedstat's run-queue wait grows for a process that wants a CPU, not for one that sleeps."""
    import subprocess
    import sys

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1.0)"])
    clock = cpu.StarvationClock(sleeper.pid)
    sleeper.wait()
    assert clock.readable
    assert clock.starved() < 0.2
    assert cpu.StarvationClock(None).starved() == 0.0 and not cpu.StarvationClock(None).readable


@pytest.mark.root(reason="a cgroup of its own needs root")
def test_each_sandbox_gets_its_own_cgroup_with_an_equal_share(tmp_path):
    groups = cpu.CpuGroups(name=f"adam-hw-test-{os.getpid()}")
    if not groups.available:
        pytest.skip(f"no cgroup CPU controller here: {groups.reason}")
    try:
        procs = [groups.create(slot) for slot in (0, 1)]
        weight = "cpu.shares" if groups.kind == "v1" else "cpu.weight"
        shares = [Path(p.replace("cgroup.procs", weight)).read_text().strip() for p in procs]
        assert shares[0] == shares[1] == str(cpu.SHARE_V1 if groups.kind == "v1" else cpu.WEIGHT_V2)
        assert len(set(procs)) == 2
    finally:
        groups.close()
    assert not groups.base.exists()


@pytest.mark.root(reason="a cgroup of its own needs root")
@pytest.mark.parametrize("level", ["basic", "os"])
def test_each_sandbox_process_runs_in_its_own_cgroup_which_its_guests_inherit(level):
    probe = cpu.CpuGroups(name=f"adam-hw-probe-{os.getpid()}")
    probe.close()
    if not probe.available:
        pytest.skip(f"no cgroup CPU controller here: {probe.reason}")
    pool = SandboxPool()
    first, second = pool.acquire(level), pool.acquire(level)
    try:
        groups = []
        for sandbox in (first, second):
            sandbox.wait_ready()
            lines = Path(f"/proc/{sandbox.process_pid()}/cgroup").read_text().splitlines()
            groups.append(next(line.split(":", 2)[2] for line in lines if "cpu" in line.split(":")[1].split(",")))
        assert all(f"/adam-hw-{os.getpid()}/slot-" in group for group in groups)
        assert groups[0] != groups[1]
        assert "CPU share per sandbox" in pool.resolve(level)[1]
    finally:
        pool.release(first)
        pool.release(second)
        pool.close()
