"""Issue 12's invariants, each attacked: nothing of one student reaches another, a forged reply costs only
that call, a student's time is bounded, nothing outlives a student, and sandbox uids are allocated.
The attacks themselves are in tests/submissions/hostile/ (graded by test_corpus.py); here each is run
where it bites (the same sandbox, level basic, two graders at once) and what it leaves is checked."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.boundary import Status
from autograder.config import GradeConfig
from autograder.discover import Submission, discover
from autograder.grading import grade_batch, grade_submission
from autograder.render.text import markdown
from autograder.rubric import FUNCTIONS
from autograder.sandbox import pool as sandbox_pool
from autograder.sandbox.guest import protocol
from autograder.sandbox.host import Host
from autograder.sandbox.pool import SandboxPool, SandboxProcess, allocate_uid, uids_held_by, uids_taken_by
from tests.conftest import ROOT, SUBMISSIONS

HOSTILE = SUBMISSIONS / "hostile"
CORRECT = (SUBMISSIONS / "correct" / "plain_operators.py").read_text()
root_only = pytest.mark.root  # needs dedicated uids and IPC namespaces; skipped, with the reason, without root
LEVELS = [pytest.param("os", marks=root_only), "basic"]

# Two halves of a classmate's secret: the scanner looks for the first and checks the second beside it,
# so the whole marker is never built in its own memory.
HALF_A, HALF_B = "CLASSMATE-SECRET-", "a81f3c9e"
CLASSMATE = CORRECT + f'\nSECRET = "{HALF_A}{HALF_B}"\nprint(SECRET)\n'
SCANNER = (
    f'''
import ctypes

def _scan():
    first, second = b"{HALF_A}", b"{HALF_B}"
    mine = bytearray(b"OWN-CONTROL-") + bytearray(b"marker")  # proves the scan sees this process's memory
    scanned = found = control = 0
    with open("/proc/self/maps") as maps:
        regions = [line.split() for line in maps]
    for fields in regions:
        if not fields[1].startswith("rw"):
            continue
        start, end = (int(x, 16) for x in fields[0].split("-"))
        for offset in range(start, end, 1 << 24):
            try:
                chunk = ctypes.string_at(offset, min(1 << 24, end - offset))
            except Exception:
                continue
            scanned += len(chunk)
            control += chunk.count(b"OWN-CONTROL-marker")
            at = chunk.find(first)
            while at >= 0:
                found += chunk[at + len(first):at + len(first) + len(second)] == second
                at = chunk.find(first, at + 1)
    print(f"scanned={{scanned}} found={{found}} control={{control}}")

_scan()
'''
    + CORRECT
)


def _write(folder, name, text):
    path = folder / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("level", LEVELS)
def test_a_memory_scan_finds_nothing_of_the_classmate_graded_before_it_in_the_same_sandbox(
    tmp_path, level, monkeypatch
):
    subs = [
        Submission(name, _write(tmp_path, f"{name}.py", text), "py")
        for name, text in (("a_classmate", CLASSMATE), ("b_scanner", SCANNER))
    ]
    # Without Landlock (a machine that lacks it), which would keep the scan from reading /proc/self/maps:
    # what is tested here is that there is nothing to find, not that the scan is refused.
    monkeypatch.setattr(sandbox_pool, "layers", lambda: (0, False, []))
    pool = SandboxPool()
    try:
        # One job: the scanner is forked from the very sandbox process that just served the classmate.
        results = grade_batch(subs, GradeConfig(timeout=10.0, jobs=1, isolation=level), pool=pool)
    finally:
        pool.close()
    classmate, scanner = results
    assert HALF_A + HALF_B in classmate.output  # what the classmate printed reached the grader...
    report = dict(part.split("=") for part in scanner.output.split() if "=" in part)
    assert int(report["scanned"]) > 10_000_000 and int(report["control"]) >= 1  # ...and the scan was real
    assert report["found"] == "0"  # ...but not the next student


def test_forged_replies_cost_their_calls_and_the_batch_completes():
    subs = discover([HOSTILE / "forged_replies.py", HOSTILE / "correct_plain.py"])
    results = {r.student: r for r in grade_batch(subs, GradeConfig(timeout=3.0))}
    assert results["correct_plain"].score == 100
    forged = results["forged_replies"]
    assert forged.score == 0
    messages = " ".join(markdown(o.message) for item in forged.items for o in item.outcomes)
    assert "sent back something the grader cannot read" in messages


@pytest.mark.alone
@pytest.mark.parametrize(
    ("name", "before"),
    [
        ("slow_import_flooding_replies.py", HOSTILE / "correct_plain.py"),
        ("sleepy_cells.ipynb", SUBMISSIONS / "notebooks" / "correct.ipynb"),
    ],
)
def test_a_student_takes_at_most_functions_plus_one_timeouts_whatever_forces_reloads(name, before):
    timeout = 3.0
    config = GradeConfig(timeout=timeout, jobs=1)
    pool = SandboxPool()
    try:
        # A classmate first: the sandbox process's own start (imports, matplotlib for notebooks) is the
        # grader's, paid once per job slot, not this student's.
        assert grade_submission(discover([before])[0], config, pool=pool).score == 100
        result = grade_submission(discover([HOSTILE / name])[0], config, pool=pool)
    finally:
        pool.close()
    assert result.score == 0
    assert result.seconds < (3 + 1) * timeout + 2.0  # the small constant: starting guests, the grace


def _owner(path):
    try:
        return os.lstat(path).st_uid
    except FileNotFoundError:  # another grader's, gone meanwhile
        return None


def _sysv_rows():
    rows = []
    for kind in ("shm", "sem", "msg"):
        with open(f"/proc/sysvipc/{kind}") as f:
            rows += [(kind, line.split()[1]) for line in f.read().splitlines()[1:]]
    return set(rows)


@pytest.mark.parametrize("level", LEVELS)
def test_shared_memory_and_deep_folders_outlive_no_student(level):
    before = _sysv_rows()
    tmp_before = set(os.listdir("/tmp"))
    subs = discover([HOSTILE / "sysv_shared_memory.py", HOSTILE / "deep_folders.py", HOSTILE / "correct_plain.py"])
    subs.append(Submission("sysv_again", HOSTILE / "sysv_shared_memory.py", "py"))
    pool = SandboxPool()
    try:
        results = {
            r.student: r for r in grade_batch(subs, GradeConfig(timeout=5.0, jobs=1, isolation=level), pool=pool)
        }
        assert {s: r.score for s, r in results.items()} == {
            "sysv_shared_memory": 100,
            "deep_folders": 100,
            "correct_plain": 100,
            "sysv_again": 100,
        }
        assert "segments left by earlier students: 0" in results["sysv_again"].output
        if os.geteuid() == 0:  # shared memory is capped at --memory (1 GB: four segments of 256 MB)
            made = int(results["sysv_shared_memory"].output.split("segments made: ")[1].split()[0])
            assert 1 <= made <= 4
        assert _sysv_rows() - before == set()  # nothing left while the sandbox still runs
    finally:
        pool.close()
    # Nothing in the shared temporary folder is the students' (other graders on this machine may add theirs).
    ours = set(uids_taken_by(os.getpid()))
    left = {name for name in set(os.listdir("/tmp")) - tmp_before if _owner(f"/tmp/{name}") in ours}
    assert left == set()


@pytest.mark.parametrize("level", LEVELS)
def test_a_poisoned_matplotlib_cache_costs_no_later_notebook_anything(level):
    subs = discover([HOSTILE / "poison_matplotlib_cache.py", SUBMISSIONS / "notebooks" / "correct.ipynb"])
    pool = SandboxPool()
    try:
        start = time.monotonic()
        results = grade_batch(subs, GradeConfig(timeout=5.0, jobs=1, isolation=level), pool=pool)
    finally:
        pool.close()
    assert [r.score for r in results] == [100, 100]
    assert time.monotonic() - start < 30  # a FIFO opened by the plotting cell would hang for good
    assert not Path("/tmp/adam-hw-matplotlib/fontlist-v390.json").is_fifo()


# -- uids ----------------------------------------------------------------------------------------------------


@root_only
def test_uids_are_never_shared_by_live_sandboxes_however_many_come_and_go():
    live = [SandboxProcess("basic") for _ in range(4)]
    try:
        for _ in range(24):  # more than the 16 slots after which derived uids wrapped around
            crashed = SandboxProcess("basic")
            assert crashed.uid not in {s.uid for s in live}
            crashed._proc.kill()  # as a sandbox a student crashed
            crashed.close()
    finally:
        for sandbox in live:
            sandbox.close()


@root_only
def test_a_uid_held_by_another_grader_on_the_same_machine_is_not_handed_out():
    held = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from autograder.sandbox.pool import allocate_uid; "
            "print(allocate_uid()[0], flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        theirs = int(held.stdout.readline())
        mine = [allocate_uid() for _ in range(3)]
        assert theirs not in [uid for uid, _ in mine]
        assert uids_held_by(held.pid) == [theirs]
    finally:
        held.kill()
        held.wait()
        for _, fd in mine:
            os.close(fd)


@root_only
def test_a_lock_file_left_naming_a_pid_the_kernel_reused_is_not_counted_as_held():
    uid, fd = allocate_uid()
    os.close(fd)  # that grader is gone; its lock file still names its pid
    stale = subprocess.Popen(["sleep", "30"])  # a new process, given a pid that a lock file still names
    try:
        (Path(sandbox_pool._lock_dir()) / str(uid)).write_text(f"{stale.pid}\n")
        assert uid in uids_taken_by(stale.pid)
        assert uid not in uids_held_by(stale.pid)
    finally:
        stale.kill()
        stale.wait()


@root_only
def test_a_uid_whose_process_is_still_alive_is_skipped_even_when_its_lock_is_free():
    uid, fd = allocate_uid()
    os.close(fd)  # the lock is free, but a process of that uid lives on
    alive = subprocess.Popen(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "sleep", "30"])
    try:
        time.sleep(0.2)
        taken = [allocate_uid() for _ in range(3)]
        assert uid not in [u for u, _ in taken]
    finally:
        alive.kill()
        alive.wait()
        for _, lock in taken:
            os.close(lock)


@root_only
def test_a_student_who_kills_every_process_it_can_reaches_only_its_own_at_level_basic():
    correct = [Submission(f"c{i}", HOSTILE / "correct_plain.py", "py") for i in range(6)]
    subs = discover([HOSTILE / "kill_every_process_it_can.py"]) + correct
    results = grade_batch(subs, GradeConfig(timeout=3.0, jobs=2, isolation="basic"))
    assert [r.score for r in results] == [0] + [100] * 6


# -- handing a sandbox back (grade_batch) -----------------------------------------------------------------------


def _children(pid):
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        found += Path(f"/proc/{pid}/task/{task}/children").read_text().split()
    return found


@pytest.mark.parametrize("level", LEVELS)
def test_a_handed_back_sandbox_serves_no_one_until_its_submission_is_over(level):
    """grade_batch's hosts hand their sandbox back at once, so the next student starts while the last one's
    processes are being killed; the pool still gives that sandbox to no one before all of them are dead."""
    pool = SandboxPool()
    try:
        config = GradeConfig(timeout=5.0, isolation=level)
        with Host(HOSTILE / "detached_daemon.py", config, FUNCTIONS, pool=pool, hand_back=True) as host:
            host.call(protocol.call_request("update_v", [0.0, 1.0], {}), ("update_v",))  # loads the file
            sandbox = host._sandbox
            forker = sandbox.process_pid()
            assert _children(forker)  # the guest, and the daemon it left behind
        assert sandbox.finishing  # close() returned without waiting
        assert pool.acquire(sandbox.level) is sandbox
        assert not sandbox.finishing and _children(forker) == []
        pool.release(sandbox)
    finally:
        pool.close()


def test_after_a_hang_the_rest_of_a_prefetch_goes_to_a_fresh_guest_in_one_go(tmp_path):
    """A call that hangs ends its guest; what was sent ahead after it goes again, in one write, to a fresh
    guest, leaving out the hung function (its later calls are skipped), and every reply is then waiting."""
    path = tmp_path / "second_moment.py"
    path.write_text(
        "def update_v(v_prev, g, beta2=0.999):\n"
        "    while g == 7.0:\n"
        "        pass\n"
        "    return beta2 * v_prev + (1 - beta2) * g * g\n"
        "def bias_correct(v, t, beta2=0.999):\n"
        "    return v / (1 - beta2 ** t)\n"
        "def effective_step(v_hat, alpha=0.001, eps=1e-8):\n"
        "    return alpha / (v_hat ** 0.5 + eps)\n"
    )
    update = [(protocol.call_request("update_v", [0.0, g], {}), ("update_v",)) for g in (1.0, 7.0, 2.0)]
    correct = [(protocol.call_request("bias_correct", [0.5, t], {}), ("bias_correct",)) for t in (1, 2, 3)]
    pool = SandboxPool()
    try:
        with Host(path, GradeConfig(timeout=1.0, isolation="basic"), FUNCTIONS, pool=pool) as host:
            host.prefetch(update + correct)
            assert host.loads == 2  # the hang ended the first guest; one more answered the rest
            replies = [host.call(request, uses) for request, uses in update + correct]
            assert host.loads == 2  # every reply was waiting: no round trip, no other guest
    finally:
        pool.close()
    S = Status
    assert [r.status for r in replies] == [S.OK, S.TIMEOUT, S.SKIPPED, S.OK, S.OK, S.OK]
