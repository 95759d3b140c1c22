"""Hostile submissions beyond their grades (tests/test_corpus.py checks those): what a batch leaves behind,
what each isolation level stops, the time bound, a grader running as a normal user, and kill-and-resume.
"""

import csv
import importlib.util
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder import outdir
from autograder.cases import CHECKS
from autograder.config import GradeConfig
from autograder.discover import discover
from autograder.grading import grade_batch, grade_submission
from autograder.rubric import FUNCTIONS
from autograder.sandbox.guest import landlock, seccomp
from autograder.sandbox.host import GuestStartError, Host
from autograder.sandbox.pool import uids_taken_by
from tests.conftest import ROOT, SUBMISSIONS, needs_landlock

HOSTILE = SUBMISSIONS / "hostile"
ADAM_HW = str(Path(sys.executable).with_name("adam-hw"))
FORMULA_IDS = ("=1+1", "+SUM(1,2)", "-2+3", "@cmd")


def _uids_of(pid):
    """The dedicated uids the grader process with this pid took for its sandboxes (see pool.allocate_uid)."""
    uids = uids_taken_by(pid)
    assert uids, f"grader {pid} took no sandbox uid"
    return uids


def _processes_with_uid(uids):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid in uids:
                    found.append(int(entry))
            except FileNotFoundError:
                pass
    return found


def _subs(*names):
    return discover([HOSTILE / f"{name}.py" for name in names])


def _grade(names, **config):
    return {r.student: r for r in grade_batch(_subs(*names), GradeConfig(timeout=2.0, **config))}


@pytest.mark.root
def test_a_daemon_and_a_fork_storm_leave_no_process_and_cannot_rewrite_the_gradebook(tmp_path):
    out = tmp_path / "out"
    names = ("detached_daemon", "fork_storm", "fake_results")
    run = subprocess.Popen(
        [ADAM_HW, "grade", *(str(HOSTILE / f"{n}.py") for n in names), "--out", str(out), "--timeout", "2"],
        stdout=subprocess.PIPE,
        text=True,
    )
    stdout, _ = run.communicate()
    assert run.returncode == 0
    assert "isolation: os:" in stdout
    written = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    time.sleep(1.0)  # the daemon would rewrite every 0.2 s if it lived
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == written
    daemon = json.loads((out / "detached_daemon" / "results.json").read_text())
    assert daemon["score"] == 0
    assert daemon["extra_data"]["isolation"].startswith("os:")
    assert _processes_with_uid(_uids_of(run.pid)) == []


@pytest.mark.root
def test_a_batch_in_this_process_kills_every_process_its_submissions_started():
    results = _grade(["fork_storm", "detached_daemon", "kill_the_grader", "correct_plain"])
    assert results["fork_storm"].score == 100
    assert results["kill_the_grader"].score == 100
    assert results["correct_plain"].score == 100
    assert _processes_with_uid(_uids_of(os.getpid())) == []


def test_grades_csv_quotes_student_ids_that_look_like_formulas(tmp_path):
    results = list(_grade(FORMULA_IDS).values())
    assert [r.score for r in results] == [100] * 4
    outdir.write_gradebook(tmp_path, results)
    with open(tmp_path / "grades.csv", newline="") as f:
        first_cells = [row[0] for row in csv.reader(f)][1:]
    assert sorted(first_cells) == sorted("'" + s for s in FORMULA_IDS)


@pytest.fixture
def listener():
    """A TCP server on the loopback, the port phone_home.py tries: reachable unless the network is cut."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 47231))
    server.listen(8)
    yield server
    server.close()


@pytest.mark.skipif(
    not seccomp.supported(), reason="no seccomp filter for this machine: level basic leaves the network open"
)
def test_the_network_is_cut_at_level_os_and_at_level_basic(listener):
    assert _grade(["phone_home"])["phone_home"].score == 0
    basic = _grade(["phone_home"], isolation="basic")["phone_home"]
    assert basic.score == 0
    assert "seccomp: no network" in basic.isolation


def test_level_basic_still_bounds_time_kills_escapees_and_ignores_forged_results():
    results = _grade(
        ["loop_in_one_function", "fork_storm", "detached_daemon", "fake_results", "os_exit_in_function", "memory_bomb"],
        isolation="basic",
    )
    assert {s: r.score for s, r in results.items()} == {
        "loop_in_one_function": 67,
        "fork_storm": 100,
        "detached_daemon": 0,
        "fake_results": 0,
        "os_exit_in_function": 67,
        "memory_bomb": 67,
    }
    assert all(r.isolation.startswith("basic:") for r in results.values())
    assert _descendants(os.getpid()) == []


def _descendants(root):
    """Processes below `root` other than the idle sandbox processes themselves (and unshare)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_bytes()
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except FileNotFoundError:
                continue
            ppid = int(stat.rsplit(b")", 1)[1].split()[1])
            children.setdefault(ppid, []).append((int(entry), cmdline))
    found, todo = [], [root]
    while todo:
        for pid, cmdline in children.get(todo.pop(), []):
            sandbox = b"The sandbox process" in cmdline or cmdline.startswith(shutil.which("unshare").encode())
            if not sandbox:
                found.append(pid)
            todo.append(pid)
    return found


@needs_landlock
def test_what_level_os_hides_landlock_hides_at_level_basic():
    """The grader's files stay out of reach at level basic too: Landlock grants the guest no path to them."""
    names = ["read_reference", "read_hidden_cases", "walk_for_oracle"]
    for level in ("basic", "auto"):
        results = _grade(names, isolation=level)
        assert {name: results[name].score for name in names} == dict.fromkeys(names, 0)
    assert f"landlock ABI {landlock.abi()}" in results["walk_for_oracle"].isolation


@pytest.mark.skipif(landlock.abi() > 0, reason="Landlock is here: the cheats find nothing (the test above)")
def test_without_landlock_level_basic_says_the_files_are_not_confined():
    result = _grade(["read_reference"], isolation="basic")["read_reference"]
    assert "no landlock" in result.isolation and "files not confined" in result.isolation


@pytest.mark.alone
@pytest.mark.parametrize(("name", "score"), [("all_functions_hang", 0), ("slow_every_call", 67)])
def test_a_submission_ends_within_functions_plus_one_timeouts_however_it_spends_them(name, score):
    timeout = 1.0  # slow_every_call sleeps 0.8 s a call: each call is in time, their sum is not
    (sub,) = _subs(name)
    result = grade_submission(sub, GradeConfig(timeout=timeout))
    assert result.score == score
    assert result.seconds < (3 + 1) * timeout + 1.0


def _readable_by_all(source, target):
    """A copy of the file `source` at `target` that any user can read: a hard link when the file already is
    (fast, and the path to it is what was private), else a real copy made readable."""
    if os.stat(source).st_mode & stat.S_IROTH:
        try:
            os.link(source, target)
            return target
        except OSError:  # another file system, or links not allowed: copy instead
            pass
    shutil.copy2(source, target)
    os.chmod(target, os.stat(target).st_mode | stat.S_IROTH | (stat.S_IXOTH if os.access(target, os.X_OK) else 0))
    return target


def _python_for_nobody(work):
    """`adam-hw` as a command the user nobody can run, whatever folder this checkout sits in.

    The checkout and its venv may be under a folder nobody cannot enter (root's home is mode 700), and so may
    this venv's Python (pyenv under /root): so the grader and the packages it imports are copied into `work`
    and run by the system's Python of the same version.
    """
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    python = shutil.which(version, path="/usr/bin:/usr/local/bin:/bin")
    if python is None:
        pytest.skip(f"needs a system {version} (in /usr/bin, /usr/local/bin or /bin) that the user nobody can run")
    lib = work / "lib"
    # __pycache__ comes along: nobody cannot write one, and compiling sympy afresh in every sandbox is slow.
    shutil.copytree(ROOT / "autograder", lib / "autograder", copy_function=_readable_by_all)
    for name in ("numpy", "sympy", "mpmath"):
        package = Path(next(iter(importlib.util.find_spec(name).submodule_search_locations)))
        for folder in (package, package.with_name(f"{name}.libs")):  # numpy's wheel keeps its BLAS in numpy.libs
            if folder.is_dir():
                shutil.copytree(folder, lib / folder.name, copy_function=_readable_by_all)
    for folder in [lib, *(p for p in lib.rglob("*") if p.is_dir())]:
        folder.chmod(0o755)  # copytree gives each folder its source's mode, which may be private
    path = [str(lib)]
    return [
        python,
        "-I",
        "-c",
        f"import sys; sys.path[:0] = {path!r}; from autograder.cli import main; sys.exit(main())",
    ]


@pytest.mark.root
def test_isolation_os_without_root_is_a_usage_error_and_auto_falls_back_to_basic_as_a_normal_user():
    work = Path(tempfile.mkdtemp(prefix="adam-hw-nobody-"))
    try:
        os.chmod(work, 0o777)
        students = work / "class"
        students.mkdir(mode=0o755)
        for name in ("loop_in_one_function", "fork_storm", "detached_daemon", "correct_plain", "read_reference"):
            _readable_by_all(HOSTILE / f"{name}.py", students / f"{name}.py")
        # A reference that a normal user can read, wherever this checkout is: what read_reference looks for.
        (work / "solutions").mkdir(mode=0o755)
        _readable_by_all(ROOT / "solutions" / "second_moment.py", work / "solutions" / "second_moment.py")
        as_nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", *_python_for_nobody(work)]
        # A normal user has a home of their own, where the gradebook's signing key is kept (not root's).
        home = work / "home"
        home.mkdir()
        os.chmod(home, 0o777)
        env = {k: v for k, v in os.environ.items() if k != "XDG_STATE_HOME"} | {"HOME": str(home)}
        refused = subprocess.run(
            as_nobody + ["grade", str(students), "--out", str(work / "out"), "--isolation", "os"],
            capture_output=True,
            text=True,
            cwd=work,
            env=env,
        )
        assert refused.returncode == 2
        assert "isolation 'os' needs root" in refused.stderr
        done = subprocess.run(
            as_nobody + ["grade", str(students), "--out", str(work / "out"), "--timeout", "2"],
            capture_output=True,
            text=True,
            cwd=work,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        assert "isolation: basic:" in done.stdout
        grades = {
            line.split(",")[0]: line.split(",")[1]
            for line in (work / "out" / "grades.csv").read_text().splitlines()[1:]
        }
        # read_reference copies the reference unless Landlock keeps a normal user's guest off the checkout.
        assert grades == {
            "correct_plain": "100",
            "detached_daemon": "0",
            "fork_storm": "100",
            "loop_in_one_function": "67",
            "read_reference": "0" if landlock.abi() else "100",
        }
        extra = json.loads((work / "out" / "fork_storm" / "results.json").read_text())["extra_data"]
        assert extra["isolation"].startswith("basic:")
        nobody = int(subprocess.run(["id", "-u", "nobody"], capture_output=True, text=True, check=True).stdout)
        time.sleep(0.5)
        assert _processes_with_uid([nobody]) == []
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.mark.alone  # the signal must land while the grader is mid-class: a starved test process can miss it
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT], ids=["sigkill", "ctrl-c"])
def test_resume_after_an_interrupted_run_grades_only_what_is_missing_and_gives_the_same_gradebook(tmp_path, stop):
    subs = tmp_path / "subs"
    subs.mkdir()
    sources = sorted((SUBMISSIONS / "wrong").glob("*.py"))[:8] + sorted((SUBMISSIONS / "correct").glob("*.py"))
    for i, source in enumerate(sources):
        shutil.copy(source, subs / f"s{i:02d}_{source.name}")
    shutil.copy(HOSTILE / "loop_in_one_function.py", subs / "s99_hang.py")  # slow enough to be cut mid-run
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    command = [ADAM_HW, "grade", str(subs), "--jobs", "1", "--timeout", "1"]
    subprocess.run(command + ["--out", str(whole)], check=True, capture_output=True)

    run = subprocess.Popen(
        command + ["--out", str(cut)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        # A test run started in the background (`make test &`) ignores SIGINT, and a child inherits that:
        # the grader is started as from a terminal, where Ctrl-C interrupts.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while len(list(cut.glob("*/record.json"))) < 3 and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.02)
    os.kill(run.pid, stop)  # the grader only: its sandboxes are in their own session, as a terminal's Ctrl-C sees it
    _, stderr = run.communicate(timeout=30)
    if stop == signal.SIGINT:
        assert run.returncode == 130
        assert "run the same command with --resume" in stderr
    kept = len(list(cut.glob("*/record.json")))
    assert 3 <= kept < len(sources) + 1
    if stop == signal.SIGINT:  # Ctrl-C: the gradebook lists every student finished
        assert len((cut / "grades.csv").read_text().splitlines()) == kept + 1
    else:  # SIGKILL leaves no time to write it; the records let --resume rebuild it
        assert not (cut / "grades.csv").exists()

    resumed = subprocess.run(command + ["--out", str(cut), "--resume"], check=True, capture_output=True, text=True)
    assert f"resumed: {kept} kept from the earlier run, {len(sources) + 1 - kept} graded now" in resumed.stdout
    assert (cut / "grades.csv").read_text() == (whole / "grades.csv").read_text()
    time.sleep(0.5)  # the killed grader's sandboxes end on their own once its end of their socket closes
    assert _processes_with_uid(_uids_of(run.pid)) == []


def test_resume_grades_again_a_file_that_changed_since_the_interrupted_run(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(SUBMISSIONS / "correct" / "plain_operators.py", subs / "ann.py")
    out = tmp_path / "out"
    subprocess.run([ADAM_HW, "grade", str(subs), "--out", str(out)], check=True, capture_output=True)
    shutil.copy(SUBMISSIONS / "wrong" / "no_square.py", subs / "ann.py")
    done = subprocess.run(
        [ADAM_HW, "grade", str(subs), "--out", str(out), "--resume"], check=True, capture_output=True, text=True
    )
    assert "resumed: 0 kept from the earlier run, 1 graded now" in done.stdout
    assert (out / "grades.csv").read_text().splitlines()[1].split(",")[1] != "100"


def test_resume_grades_again_a_result_drawn_from_other_hidden_cases(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(SUBMISSIONS / "correct" / "plain_operators.py", subs / "ann.py")
    out = tmp_path / "out"
    subprocess.run(
        [ADAM_HW, "grade", str(subs), "--out", str(out), "--no-per-student"], check=True, capture_output=True
    )
    same = subprocess.run(
        [ADAM_HW, "grade", str(subs), "--out", str(out), "--no-per-student", "--resume"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert "resumed: 1 kept from the earlier run, 0 graded now" in same.stdout
    refused = subprocess.run(  # one term per gradebook: another draw is refused unless asked for
        [ADAM_HW, "grade", str(subs), "--out", str(out), "--per-student", "--resume"], capture_output=True, text=True
    )
    assert refused.returncode == 2 and "--regrade-all" in refused.stderr
    other = subprocess.run(
        [ADAM_HW, "grade", str(subs), "--out", str(out), "--per-student", "--resume", "--regrade-all"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert "resumed: 0 kept from the earlier run, 1 graded now" in other.stdout
    extra = json.loads((out / "ann" / "results.json").read_text())["extra_data"]
    assert extra["per_student"] is True


def test_a_worker_that_dies_while_setting_up_is_a_loud_grader_error_not_a_students_zero():
    case = CHECKS[0]
    # A grader bug in the guest's set-up: a limit the guest cannot apply (not a number).
    broken = {"RLIMIT_CORE": "none"}
    with pytest.raises(GuestStartError, match="before any student code ran"):
        with Host(
            SUBMISSIONS / "correct" / "plain_operators.py", GradeConfig(timeout=3.0), FUNCTIONS, rlimits=broken
        ) as host:
            host.call(case.request(), case.uses)


def test_a_submission_that_exits_as_soon_as_it_loads_is_a_students_zero_not_a_grader_error():
    result = grade_submission(_subs("sys_exit_at_import")[0], GradeConfig(timeout=3.0))
    assert result.score == 0 and result.load_error is not None
