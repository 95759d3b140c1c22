"""No IPC endpoint by name (issue 19 item 2): a submission reaches none of the TA's unix sockets, named (in a
0700 folder, like a session bus, and a 0666 one, like the system bus) or abstract, and signals no process
outside its sandbox, at every level: os as root, basic as root, and basic as an unprivileged user."""

import json
import os
import pwd
import re
import select
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest

from autograder.config import GradeConfig
from autograder.discover import discover
from autograder.grading import grade_batch
from autograder.sandbox import pool as sandbox_pool
from autograder.sandbox.guest import landlock
from autograder.sandbox.pool import SandboxPool
from tests.conftest import SUBMISSIONS
from tests.test_hostile import _python_for_nobody

CORRECT = (SUBMISSIONS / "correct" / "plain_operators.py").read_text()
ATTEMPT = re.compile(r"ipc private=(\S+) public=(\S+) abstract=(\S+) signal=(\S+)")
LEVELS = [pytest.param("os", marks=pytest.mark.root(reason="level os needs root")), "basic"]


def _student(private, public, abstract):
    """A correct file that, while it loads, tries each of the TA's sockets and signals its sandbox process."""
    return (
        f"""
import errno, os, socket

def _try(attempt):
    try:
        attempt()
        return "ok"
    except OSError as err:
        return errno.errorcode.get(err.errno, str(err.errno))

def _connect(address):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.settimeout(2)
        s.connect(address)
        s.sendall(b"systemd-run --user sh -c 'cat ~/solutions/*'")
    finally:
        s.close()

print("ipc", "private=" + _try(lambda: _connect({private!r})), "public=" + _try(lambda: _connect({public!r})),
      "abstract=" + _try(lambda: _connect({abstract!r})), "signal=" + _try(lambda: os.kill(os.getppid(), 0)))
"""
        + CORRECT
    )


class TAServices:
    """The TA's unix sockets: `private` in a 0700 folder (a session bus), `public` a 0666 socket (the system
    bus), and an abstract one; each accepts on a thread and keeps what a connection sent."""

    def __init__(self, folder, owner=None):
        private_dir, public_dir = folder / "run-user", folder / "run-dbus"
        private_dir.mkdir(mode=0o700)
        public_dir.mkdir(mode=0o755)
        self.private, self.public = str(private_dir / "bus"), str(public_dir / "system_bus_socket")
        self.abstract = f"\0adam-hw-test-bus-{os.getpid()}"
        self.servers = []
        for address in (self.private, self.public, self.abstract):
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.bind(address)
            server.listen(8)
            self.servers.append(server)
        os.chmod(self.public, 0o666)
        if owner is not None:  # the TA is that user: their folder and sockets are theirs
            for path in (private_dir, self.private, public_dir, self.public):
                os.chown(path, owner, owner)
        self.received = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._stop.is_set():
            ready, _, _ = select.select(self.servers, [], [], 0.1)
            for server in ready:
                conn, _ = server.accept()
                conn.settimeout(2)
                try:
                    self.received.append(conn.recv(1024))
                except OSError:
                    self.received.append(b"")
                conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(5)
        for server in self.servers:
            server.close()


def _attempts(text):
    match = ATTEMPT.search(text)
    assert match, f"the submission's attempt did not run: {text[-500:]!r}"
    return dict(zip(("private", "public", "abstract", "signal"), match.groups()))


@pytest.fixture
def ta_folder():
    """A folder anyone may pass through, as /run is (pytest's tmp_path sits in root's private folder)."""
    folder = Path(tempfile.mkdtemp(prefix="adam-hw-ta-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _grade_here(tmp_path, services, level, pool=None):
    source = tmp_path / "class" / "ta_sockets.py"
    source.parent.mkdir()
    source.write_text(_student(services.private, services.public, services.abstract))
    (result,) = grade_batch(discover([source]), GradeConfig(timeout=5.0, jobs=1, isolation=level), pool=pool)
    return result


@pytest.mark.parametrize("level", LEVELS)
def test_a_submission_reaches_no_unix_socket_of_the_tas_named_or_abstract(tmp_path, ta_folder, level):
    services = TAServices(ta_folder)
    try:
        result = _grade_here(tmp_path, services, level)
    finally:
        services.close()
    assert result.score == 100, result.load_error
    got = _attempts(result.output)
    assert services.received == []
    assert "ok" not in (got["private"], got["public"], got["abstract"], got["signal"]), got
    if level == "basic":  # the filter refuses the socket itself, whatever its address
        assert got["private"] == got["public"] == got["abstract"] == "EACCES"


@pytest.mark.skipif(landlock.abi() < 6, reason=f"Landlock ABI {landlock.abi()} here: its scopes need ABI 6 (6.12)")
@pytest.mark.parametrize("level", LEVELS)
def test_landlock_alone_keeps_a_submission_off_abstract_sockets_and_other_processes_signals(
    tmp_path, ta_folder, level, monkeypatch
):
    """Seccomp switched off, so that the Landlock scopes (ABI 6) are what is tested, at each level."""
    version, _, rules = sandbox_pool.layers()
    monkeypatch.setattr(sandbox_pool, "layers", lambda: (version, False, rules))
    services = TAServices(ta_folder)
    pool = SandboxPool()
    try:
        result = _grade_here(tmp_path, services, level, pool=pool)
    finally:
        pool.close()
        services.close()
    assert result.score == 100, result.load_error
    got = _attempts(result.output)  # (a named socket is not Landlock's: the seccomp filter refuses those)
    # Its own network namespace has no abstract socket of the TA's (or Landlock's scope refuses it), and
    # pid 1 (the sandbox) is signalled only by its own uid, or Landlock's scope refuses it (EPERM).
    assert got["abstract"] in ("ECONNREFUSED", "EPERM"), got
    assert got["signal"] == "EPERM", got
    # Without the filter the namespaces still hold: the TA's folders are not there at all (issue 19 item 1).
    assert got["private"] == got["public"] == "ENOENT", got


@pytest.mark.root(reason="becoming an unprivileged user (nobody) needs root")
def test_a_grader_run_by_an_unprivileged_user_keeps_its_submissions_off_that_users_sockets():
    nobody = pwd.getpwnam("nobody").pw_uid
    work = Path(tempfile.mkdtemp(prefix="adam-hw-nobody-ipc-"))
    services = None
    try:
        os.chmod(work, 0o777)
        services = TAServices(work, owner=nobody)
        students = work / "class"
        students.mkdir(mode=0o755)
        (students / "ta_sockets.py").write_text(_student(services.private, services.public, services.abstract))
        as_nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", *_python_for_nobody(work)]
        # A normal user has a home of their own, where the gradebook's signing key is kept (not root's).
        home = work / "home"
        home.mkdir()
        os.chmod(home, 0o777)
        env = {k: v for k, v in os.environ.items() if k != "XDG_STATE_HOME"} | {"HOME": str(home)}
        done = subprocess.run(
            as_nobody + ["grade", str(students), "--out", str(work / "out"), "--timeout", "5"],
            capture_output=True,
            text=True,
            cwd=work,
            env=env,
        )
        assert done.returncode == 0, done.stderr
        assert "isolation: basic:" in done.stdout
        results = json.loads((work / "out" / "ta_sockets" / "results.json").read_text())
        assert results["score"] == 100
        got = _attempts(results["output"])
        assert services.received == []
        assert got["private"] == got["public"] == got["abstract"] == "EACCES", got
        assert got["signal"] == ("EPERM" if landlock.abi() >= 6 else "ok"), got
    finally:
        if services is not None:
            services.close()
        shutil.rmtree(work, ignore_errors=True)
