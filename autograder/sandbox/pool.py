"""The grader's side of the sandbox processes (`forker.py`): start them, lend them to hosts, stop them.

A `SandboxProcess` is the grader's handle on one long-lived sandbox process that serves one submission at
a time by forking a fresh guest for it. Hosts borrow one from a `SandboxPool` (one per job slot, so each
keeps its own uid) and give it back after every process of their submission is dead. Which isolation
level is used is decided once per level asked for (`resolve`): "os" needs root and a working `unshare`;
"auto" takes "os" when it can and says so when it falls back to "basic".

Nothing happens at import: the grader makes a pool and passes it in (`default_pool()` is the one a
process shares when it passes none).
"""

import atexit
import functools
import importlib.util
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from autograder.sandbox import protocol

LEVELS = ("auto", "os", "basic")
DESCRIPTIONS = {
    "os": "os: a dedicated uid per worker, new mount/pid/net/ipc namespaces, only system folders visible, "
    "private tmpfs, rlimits (memory, processes, file size)",
    "basic": "basic: rlimits (memory, processes, file size), own session, child subreaper, private temp folder "
    "(not root: same uid as the grader, network and file system not isolated)",
    "basic-root": "basic: a dedicated uid per worker, rlimits (memory, processes, file size), own session, child "
    "subreaper, private temp folder (no namespaces: network and world-readable files not isolated)",
}
#: What the sandbox process runs (`python -I -S -c BOOT config`): without the package, it makes modules of
#: the sources in config["modules"] (the protocol, the guest, the forker, in that order) and runs the last.
BOOT = """\
# The sandbox process (autograder/sandbox/forker.py), booted from source: the package is not importable here.
import json, sys
config = json.loads(sys.argv[1])
for name, source in config.pop("modules"):
    module = type(sys)(name)
    sys.modules[name] = module
    exec(compile(source, "<adam-hw " + name + ">", "exec"), module.__dict__)
module.main(config)
"""
START_TIMEOUT = 60.0  # seconds for a sandbox to set up and import numpy and sympy
REPLY_TIMEOUT = 30.0  # seconds for a sandbox to answer (finish kills and reaps; a fork storm can take a while)
UID_BASE = 200_000  # dedicated uids: far above any real account; unique per grader process and job slot
ENV = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "OPENBLAS_NUM_THREADS": "1",  # numpy must import under the address-space limit
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MPLBACKEND": "Agg",
    "MPLCONFIGDIR": "/tmp/adam-hw-matplotlib",  # inside the sandbox (level os: its own tmpfs)
}


class SandboxLost(RuntimeError):
    """The sandbox process died or stopped answering (level "basic": a student can kill it)."""


@functools.cache
def sandbox_modules():
    """[(name inside the sandbox, source)] of the modules the sandbox process runs, read once when first needed."""
    here = Path(__file__).parent
    return [
        (name, (here / f"{stem}.py").read_text(encoding="utf-8"))
        for name, stem in (("adam_hw_protocol", "protocol"), ("adam_hw_guest", "guest"), ("adam_hw_forker", "forker"))
    ]


def _site_dirs():
    """The folders holding numpy, sympy and mpmath (and matplotlib when installed): the children's import path."""
    dirs = []
    for name in ("numpy", "sympy", "mpmath", "matplotlib"):
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        parent = str(Path(next(iter(spec.submodule_search_locations))).parent)
        if parent not in dirs:
            dirs.append(parent)
    return dirs


def _keep_dirs():
    """Folders level "os" binds back read-only: the standard library and the site folders above."""
    stdlib = str(Path(os.__file__).parent)
    return [stdlib] + [d for d in _site_dirs() if not d.startswith(stdlib + "/")]


def _hide_dirs():
    """The grader's own folders: the package (hidden cases) and, from a checkout, the repository."""
    package = Path(__file__).resolve().parent.parent
    dirs = [str(package)]
    if (package.parent / "solutions").is_dir():
        dirs.append(str(package.parent))
    return dirs


class SandboxProcess:
    """One sandbox process (see the module docstring). Not thread-safe: one host uses it at a time."""

    def __init__(self, level, slot):
        self.level = level
        self.uid = UID_BASE + (os.getpid() % 100_000) * 16 + slot % 16
        ours, theirs = socket.socketpair()
        config = {
            "level": level,
            "control": theirs.fileno(),
            "uid": self.uid,
            "site": _site_dirs(),
            "keep": _keep_dirs(),
            "hide": _hide_dirs(),
            "env": ENV,
            "tmp_mb": 256,
            "modules": sandbox_modules(),
        }
        command = [sys.executable, "-I", "-S", "-c", BOOT, json.dumps(config)]
        if level == "os":
            command = [
                shutil.which("unshare") or "unshare", "--mount", "--pid", "--net", "--ipc", "--fork",
                "--mount-proc", "--kill-child", "--", *command,
            ]
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._stderr,
            pass_fds=(theirs.fileno(),), env=ENV, cwd="/", start_new_session=True,
        )
        theirs.close()
        self._sock = ours
        self._buffer = b""
        self._ready = False  # its set-up runs while the grader goes on; the first request waits for it

    def wait_ready(self):
        """Block until the sandbox has set itself up; SandboxLost (naming the cause) if it could not."""
        if not self._ready:
            self._ready = True
            self._receive(START_TIMEOUT)

    def request(self, message, timeout=REPLY_TIMEOUT):
        """Send one message and return (reply, fds). Raises SandboxLost."""
        self.wait_ready()
        try:
            self._sock.sendall(protocol.dumps(message))
        except OSError as err:
            raise SandboxLost(f"the sandbox process is gone ({err}){self._why()}") from None
        return self._receive(timeout)

    def _receive(self, timeout):
        try:
            fds = []
            deadline = time.monotonic() + timeout
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([self._sock], [], [], remaining)[0]:
                    raise SandboxLost(f"the sandbox did not answer in {timeout:g} s{self._why()}")
                data, got, _, _ = socket.recv_fds(self._sock, 1 << 16, 4)
                fds += got
                if not data:
                    raise SandboxLost(f"the sandbox process ended{self._why()}")
                self._buffer += data
        except OSError as err:
            raise SandboxLost(f"the sandbox process is gone ({err}){self._why()}") from None
        line, _, self._buffer = self._buffer.partition(b"\n")
        return json.loads(line), fds

    def _why(self):
        """The sandbox's own error output, if it wrote any (a failed set-up names its cause there)."""
        self._stderr.seek(0)
        text = self._stderr.read()[-2000:].decode("utf-8", "replace").strip()
        return f": {text}" if text else ""

    @property
    def alive(self):
        return self._proc.poll() is None

    def close(self):
        self._sock.close()  # the sandbox kills what is left of its submission and exits on end of file
        try:
            self._proc.wait(timeout=REPLY_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self._proc.pid, 9)
            self._proc.wait()
        self._stderr.close()


class SandboxPool:
    """Idle sandbox processes by level, shared by every host of one grading run."""

    def __init__(self):
        self._lock = threading.Lock()
        self._idle = {"os": [], "basic": []}
        self._slots = 0
        self._levels = {}  # level asked for -> (level used, description)
        self._resolving = threading.Lock()
        atexit.register(self.close)

    def resolve(self, asked="auto"):
        """(level, description) for a level asked for; "os" without root is a ValueError."""
        if asked not in LEVELS:
            raise ValueError(f"isolation must be one of {', '.join(LEVELS)}, got {asked!r}")
        with self._resolving:  # one thread probes; the others wait for its answer
            if asked not in self._levels:
                self._levels[asked] = self._probe(asked)
            return self._levels[asked]

    def _probe(self, asked):
        basic = ("basic", DESCRIPTIONS["basic-root" if os.geteuid() == 0 else "basic"])
        if asked == "basic":
            found = basic
        elif os.geteuid() != 0 or not shutil.which("unshare"):
            if asked == "os":
                raise ValueError("isolation 'os' needs root and the unshare command")
            found = basic
        else:
            try:
                sandbox = self.acquire("os")  # one prestarted, or a new one
                try:
                    sandbox.wait_ready()
                finally:
                    self.release(sandbox)
                found = ("os", DESCRIPTIONS["os"])
            except SandboxLost as err:
                if asked == "os":
                    raise
                found = ("basic", basic[1] + f"; namespaces failed: {err}"[:400])
        return found

    def _new(self, level):
        with self._lock:
            slot, self._slots = self._slots, self._slots + 1
        return SandboxProcess(level, slot)

    def prestart(self, asked, count):
        """Start `count` sandboxes for the level `asked` now, without waiting: their set-up (imports,
        mounts) overlaps the grader's own start. resolve() later checks that they came up."""
        if asked not in LEVELS or count < 1:
            return
        level = "basic" if asked == "basic" or os.geteuid() != 0 or not shutil.which("unshare") else "os"
        for _ in range(count):
            self.release(self._new(level))

    def acquire(self, level):
        with self._lock:
            while self._idle[level]:
                sandbox = self._idle[level].pop()
                if sandbox.alive:
                    return sandbox
        return self._new(level)

    def release(self, sandbox):
        with self._lock:
            self._idle[sandbox.level].append(sandbox)

    def close(self):
        with self._lock:
            idle = [s for level in self._idle.values() for s in level]
            for level in self._idle.values():
                level.clear()
        for sandbox in idle:
            sandbox.close()


@functools.cache
def default_pool():
    """The pool a grader process shares when none is passed in: made on first use, closed at exit."""
    return SandboxPool()
