"""The grader's side of the sandbox processes (`guest/serve.py`): start them, lend them to hosts, stop them.

A `SandboxProcess` is the grader's handle on one long-lived sandbox process that serves one submission at
a time by forking a fresh guest for it. Hosts borrow one from a `SandboxPool` (one per job slot, so each
keeps its own uid) and give it back after every process of their submission is dead. Which isolation
level is used is decided once per level asked for (`resolve`): "os" needs root and a working `unshare`;
"auto" takes "os" when it can and says so when it falls back to "basic".

Nothing happens at import: the grader makes a pool and passes it in (`default_pool()` is the one a
process shares when it passes none).
"""

import atexit
import fcntl
import functools
import importlib.util
import json
import os
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from autograder.config import ISOLATIONS, Isolation
from autograder.sandbox import confine, cpu, limits
from autograder.sandbox.guest import landlock, protocol, seccomp
from autograder.sandbox.guest.protocol import Message

if TYPE_CHECKING:  # the sandbox process runs serve.py from its source; the grader never imports it
    from autograder.sandbox.guest.serve import SandboxConfig

LEVELS = ISOLATIONS
#: The level a sandbox runs at, once "auto" is resolved.
Level = Literal["os", "basic"]
# Each level's own layers; layers_text() adds Landlock, seccomp and the CPU layers this machine allows.
DESCRIPTIONS = {
    "os": "os: a dedicated uid per worker, new mount/pid/net/ipc namespaces, only system folders visible, "
    "private tmpfs, rlimits (memory, processes, file size, CPU)",
    "basic-ns": "basic: new user/mount/pid/net/ipc namespaces (an unprivileged user namespace, the grader's uid "
    "mapped to itself, no capabilities left to the guest), only system folders visible, private tmpfs, rlimits "
    "(memory, processes, file size, CPU)",
    "basic-root-ns": "basic: a dedicated uid per worker, new user/mount/pid/net/ipc namespaces, only system "
    "folders visible, private tmpfs, rlimits (memory, processes, file size, CPU)",
    "basic": "basic: rlimits (memory, processes, file size, CPU), own session, child subreaper, private temp folder "
    "(not root: same uid as the grader; no namespaces: {why}; what still holds: Landlock, seccomp, the pinned CPU, "
    "the memory watch and the rlimits)",
    "basic-root": "basic: a dedicated uid per worker, rlimits (memory, processes, file size, CPU), own session, child "
    "subreaper, private temp folder (no namespaces: {why})",
}
#: The name the guest's folder (autograder/sandbox/guest/) has as a package inside the sandbox.
GUEST_PACKAGE = "adam_hw_guest"
#: What the sandbox process runs (`python -I -S -c BOOT FD`), without the grader's package: it reads its
#: config from the memfd FD, makes a package of the guest folder's sources in config["modules"] (an importer
#: on sys.meta_path, so the modules import each other relatively there as they do in the grader's package),
#: and runs its serve.main.
BOOT = f"""\
# The sandbox process (autograder/sandbox/guest/), booted from source: the package is not importable here.
import importlib.util, json, os, sys
with os.fdopen(int(sys.argv[1]), "rb") as f:
    config = json.loads(f.read())
class Shipped:
    def __init__(self, sources):
        self.sources = sources
    def find_spec(self, name, path=None, target=None):
        stem = "__init__" if name == "{GUEST_PACKAGE}" else name.removeprefix("{GUEST_PACKAGE}.")
        if stem not in self.sources or stem == name:
            return None
        origin = "<adam-hw guest/" + stem + ".py>"
        return importlib.util.spec_from_loader(name, self, origin=origin, is_package=stem == "__init__")
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        stem = "__init__" if module.__name__ == "{GUEST_PACKAGE}" else module.__name__.rpartition(".")[2]
        exec(compile(self.sources[stem], module.__spec__.origin, "exec"), module.__dict__)
sys.meta_path.append(Shipped(config.pop("modules")))
importlib.import_module("{GUEST_PACKAGE}.serve").main(config)
"""
START_TIMEOUT = 60.0  # seconds for a sandbox to set up and import numpy and sympy
REPLY_TIMEOUT = 30.0  # seconds for a sandbox to answer (finish kills and reaps; a fork storm can take a while)
UID_BASE = 1_800_000  # dedicated uids: far above any real account (and the 200,000 + pid x 16 once derived)
UID_COUNT = 100_000
#: Where the uid lock files live: root's own folders, never one a user could have made first.
LOCK_DIRS = ("/run/adam-hw-uids", "/var/lock/adam-hw-uids", "/var/tmp/adam-hw-uids-root")
ENV = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "OPENBLAS_NUM_THREADS": "1",  # numpy must import under the address-space limit
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MPLBACKEND": "Agg",  # MPLCONFIGDIR: one per sandbox process and per guest (guest/serve.py), never shared
}


def _lock_dir() -> str:
    for path in LOCK_DIRS:
        if not os.path.isdir(os.path.dirname(path)):
            continue
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        except OSError:
            continue
        info = os.lstat(path)
        if stat.S_ISDIR(info.st_mode) and info.st_uid == 0 and not info.st_mode & 0o022:
            return path
    raise RuntimeError(f"no folder owned by root for the sandbox uids' lock files among {', '.join(LOCK_DIRS)}")


def _uid_in_use(uid: int) -> bool:
    """Whether anything of `uid` is alive: a process, or a SysV IPC object it owns."""
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and os.stat(f"/proc/{entry}").st_uid == uid:
                return True
        except OSError:
            pass  # gone meanwhile
    for kind in ("shm", "sem", "msg"):
        try:
            with open(f"/proc/sysvipc/{kind}") as f:
                header, *rows = f.read().splitlines()
        except OSError:
            continue
        columns = header.split()
        if any(str(uid) in (row.get("uid"), row.get("cuid")) for row in (dict(zip(columns, r.split())) for r in rows)):
            return True
    return False


def allocate_uid() -> tuple[int, int]:
    """(uid, lock fd): a dedicated sandbox uid that nothing else holds or uses, as root.

    Each uid has a lock file; holding an flock on it is holding the uid. The sandbox process inherits the
    lock, so the uid stays taken until that process (which kills every process of its guests before it
    exits) is gone, even if the grader itself is killed; and two graders on one machine never share one.
    A uid with anything still alive (a process, an IPC object) is skipped even when its lock is free.
    The lock file names the grader's pid that took it last."""
    folder = _lock_dir()
    start = (os.getpid() * 7919) % UID_COUNT  # graders started together begin apart: fewer tries each
    for i in range(UID_COUNT):
        uid = UID_BASE + (start + i) % UID_COUNT
        fd = os.open(os.path.join(folder, str(uid)), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        if _uid_in_use(uid):
            os.close(fd)
            continue
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return uid, fd
    raise RuntimeError(f"all {UID_COUNT} sandbox uids are in use")


def uids_taken_by(pid: int) -> list[int]:
    """The sandbox uids the grader process `pid` took (their lock files name it), for checking none is left."""
    try:
        folder = _lock_dir()
    except RuntimeError:
        return []
    found: list[int] = []
    for name in os.listdir(folder):
        try:
            with open(os.path.join(folder, name)) as f:
                if f.read().strip() == str(pid):
                    found.append(int(name))
        except (OSError, ValueError):
            pass
    return found


def uids_held_by(pid: int) -> list[int]:
    """The uids of `uids_taken_by(pid)` whose lock is held now. A lock file keeps the pid that took it last,
    so a grader that died long ago with a pid the kernel has since handed out again names it as well."""
    folder = _lock_dir()
    held: list[int] = []
    for uid in uids_taken_by(pid):
        fd = os.open(os.path.join(folder, str(uid)), os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            held.append(uid)
        finally:
            os.close(fd)  # also lets go of the lock if this call took it
    return held


class SandboxLost(RuntimeError):
    """The sandbox process died or stopped answering (level "basic": a student can kill it)."""


@functools.cache
def guest_sources() -> dict[str, str]:
    """{module name: source} of every .py file in the guest's folder, which the sandbox process runs (see
    BOOT): the whole folder, so a new module there needs no edit here. Read once when first needed."""
    folder = Path(__file__).parent / "guest"
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.py"))}


@functools.cache
def layers() -> tuple[int, bool, list[tuple[str, int]]]:
    """(Landlock ABI, seccomp works, Landlock's planned rules): the confinement every guest gets here."""
    version = landlock.abi()
    return version, seccomp.supported(), confine.landlock_rules() if version else []


def layers_text(groups: cpu.CpuGroups | None) -> str:
    """The layers every guest gets here beyond its level's own, in words (results.json, summary, run_autograder)."""
    version, filtered, _ = layers()
    share = groups.describe() if groups is not None else "no CPU share per sandbox"
    return confine.describe(version, filtered, share, "time a guest waits for a CPU is not charged to it")


def _site_dirs() -> list[str]:
    """The folders holding numpy, sympy and mpmath (and matplotlib when installed): the children's import path."""
    dirs: list[str] = []
    for name in ("numpy", "sympy", "mpmath", "matplotlib"):
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        parent = str(Path(next(iter(spec.submodule_search_locations))).parent)
        if parent not in dirs:
            dirs.append(parent)
    return dirs


def _keep_dirs() -> list[str]:
    """Folders level "os" binds back read-only: the standard library and the site folders above."""
    stdlib = str(Path(os.__file__).parent)
    return [stdlib] + [d for d in _site_dirs() if not d.startswith(stdlib + "/")]


def _hide_dirs() -> list[str]:
    """The grader's own folders: the package (hidden cases) and, from a checkout, the repository."""
    package = Path(__file__).resolve().parent.parent
    dirs = [str(package)]
    if (package.parent / "solutions").is_dir():
        dirs.append(str(package.parent))
    return dirs


class SandboxProcess:
    """One sandbox process (see the module docstring). Not thread-safe: one host uses it at a time."""

    def __init__(
        self,
        level: Level,
        cgroup: str | None = None,
        limit_groups: dict[str, str] | None = None,
        cpus: list[int] | None = None,
        namespaces: bool = True,
    ) -> None:
        self.level = level
        self.cgroup = cgroup  # its cgroup.procs (cpu.py: an equal CPU share), or None
        self.cpus = cpus  # the CPUs it is pinned to (SandboxPool._pick_cpus), or None
        # why it runs without namespaces of its own ("" if it has them), known once it is ready
        self.without_namespaces = "" if level == "os" else "not started yet"
        version, filtered, rules = layers()
        # As root each guest runs as this sandbox's own uid, held until the sandbox process is gone.
        self.uid: int | None
        self._uid_lock: int | None
        self.uid, self._uid_lock = allocate_uid() if os.geteuid() == 0 else (None, None)
        ours, theirs = socket.socketpair()
        config: SandboxConfig = {
            "level": level,
            "control": theirs.fileno(),
            "uid": self.uid,
            "site": _site_dirs(),
            "keep": _keep_dirs(),
            "hide": _hide_dirs(),
            "env": ENV,
            "tmp_mb": 256,
            "modules": guest_sources(),
            "landlock_abi": version,
            "landlock_rules": rules,
            "seccomp": filtered,
            "cgroup": cgroup,
            "namespaces": level == "basic" and namespaces,
            "cpus": cpus,
            "limit_groups": dict(limit_groups or {}),
        }
        # The config goes in a memfd, not on the command line: the folder's sources are past 100 kB, near
        # the kernel's 128 kB bound on one argument.
        config_fd = os.memfd_create("adam-hw-sandbox-config", 0)
        data = memoryview(json.dumps(config).encode())
        while data:
            data = data[os.write(config_fd, data) :]
        os.lseek(config_fd, 0, os.SEEK_SET)
        command = [sys.executable, "-I", "-S", "-c", BOOT, str(config_fd)]
        if level == "os":
            command = [
                shutil.which("unshare") or "unshare",
                "--mount",
                "--pid",
                "--net",
                "--ipc",
                "--fork",
                "--mount-proc",
                "--kill-child",
                "--",
                *command,
            ]
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            pass_fds=(theirs.fileno(), config_fd) + (() if self._uid_lock is None else (self._uid_lock,)),
            env=ENV,
            cwd="/",
            start_new_session=True,
        )
        theirs.close()
        os.close(config_fd)
        self._sock = ours
        self._buffer = b""
        self._ready = False  # its set-up runs while the grader goes on; the first request waits for it
        self._forker: int | None = None  # level os: the sandbox process's pid as the grader sees it, once looked up
        # (guest pid,) while a finish asked by finish_later is not yet answered
        self._finishing: tuple[int | None] | None = None

    def wait_ready(self) -> None:
        """Block until the sandbox has set itself up; SandboxLost (naming the cause) if it could not."""
        if not self._ready:
            self._ready = True
            reply, _ = self._receive(START_TIMEOUT)
            self.without_namespaces = protocol.check_sandbox_ready(reply)

    @property
    def namespaced(self) -> bool:
        """Whether it runs in namespaces of its own (a pid namespace where it is init): level os, and level
        basic where the kernel allowed a user namespace."""
        self.wait_ready()
        return not self.without_namespaces

    def request(
        self, message: Message, timeout: float = REPLY_TIMEOUT, fds: Sequence[int] = ()
    ) -> tuple[Message, list[int]]:
        """Send one message (with `fds` beside it) and return (reply, fds). Raises SandboxLost."""
        self._send(message, fds)
        return self._receive(timeout, message)

    def _send(self, message: Message, fds: Sequence[int] = ()) -> None:
        self.wait_ready()
        try:
            if fds:
                socket.send_fds(self._sock, [protocol.dumps(message)], list(fds))
            else:
                self._sock.sendall(protocol.dumps(message))
        except OSError as err:
            raise SandboxLost(f"the sandbox process is gone ({err}){self._why()}") from None

    def finish_later(self, guest_pid: int | None) -> None:
        """Ask the sandbox to end its submission (kill every process of it, remove what it left) without
        waiting: `settle()` waits, and the pool settles a sandbox before it serves anyone else. Raises
        SandboxLost (the guest's session killed, as `lost` does) if the sandbox is already gone."""
        try:
            self._send(protocol.finish_request())
        except SandboxLost:
            self.lost(guest_pid)
            raise
        self._finishing = (guest_pid,)

    @property
    def finishing(self) -> bool:
        return self._finishing is not None

    def settle(self) -> None:
        """Wait until the submission asked to finish by `finish_later` is over. SandboxLost if the sandbox
        died or stopped answering meanwhile (it is then closed, and its guest's session killed)."""
        if self._finishing is None:
            return
        (guest_pid,), self._finishing = self._finishing, None
        try:
            self._receive(REPLY_TIMEOUT, protocol.finish_request())
        except SandboxLost:
            self.lost(guest_pid)
            raise

    def lost(self, guest_pid: int | None) -> None:
        """Close a sandbox that died or stopped answering. Level os: that ends its pid namespace, so every
        process in it. Level basic: a student who killed it (same uid) may have left the guest's session
        running without a subreaper to find it, so that session is killed from here."""
        namespaced = self._ready and not self.without_namespaces
        self.close()
        if not namespaced and guest_pid:
            try:
                os.killpg(guest_pid, signal.SIGKILL)
            except OSError:
                pass  # already gone

    def _receive(self, timeout: float, request: Message | None = None) -> tuple[Message, list[int]]:
        try:
            fds: list[int] = []
            deadline = time.monotonic() + timeout
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([self._sock], [], [], remaining)[0]:
                    raise SandboxLost(f"the sandbox did not answer in {timeout:g} s{self._why()}")
                data, got, _, _ = socket.recv_fds(self._sock, 1 << 16, protocol.SPAWNED_FDS)
                fds += got
                if not data:
                    raise SandboxLost(f"the sandbox process ended{self._why()}")
                self._buffer += data
        except OSError as err:
            raise SandboxLost(f"the sandbox process is gone ({err}){self._why()}") from None
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            reply = protocol.parse(line, "sandbox's reply")
            if request is None:
                protocol.check_sandbox_ready(reply)
            else:
                protocol.check_sandbox_reply(request, reply)
        except protocol.ProtocolError as err:  # at level basic a student may reach the sandbox process
            raise SandboxLost(f"the sandbox process sent something that is not a reply ({err})") from None
        wanted = protocol.SPAWNED_FDS if request is not None and request["op"] == protocol.SandboxOp.SPAWN else 0
        if len(fds) != wanted:
            for fd in fds:
                os.close(fd)
            raise SandboxLost(f"the sandbox process sent {len(fds)} file descriptors, not {wanted}")
        return reply, fds

    def _why(self) -> str:
        """The sandbox's own error output, if it wrote any (a failed set-up names its cause there)."""
        self._stderr.seek(0)
        text = self._stderr.read()[-2000:].decode("utf-8", "replace").strip()
        return f": {text}" if text else ""

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def process_pid(self) -> int | None:
        """The sandbox process's pid as the grader sees it (in namespaces: the started process's one child,
        pid 1 of its pid namespace), or None."""
        if not self.namespaced:
            return self._proc.pid
        if self._forker is None:
            children = Path(f"/proc/{self._proc.pid}/task/{self._proc.pid}/children")
            try:
                self._forker = int(children.read_text().split()[0])
            except (OSError, IndexError, ValueError):
                return None
        return self._forker

    def guest_pid(self, reported: int) -> int | None:
        """The grader's pid for a guest the sandbox calls `reported` (in its own pid namespace: another)."""
        if not self.namespaced:
            return reported
        forker = self.process_pid()
        return None if forker is None else cpu.host_pid(forker, reported)

    def close(self) -> None:
        self._sock.close()  # the sandbox kills what is left of its submission and exits on end of file
        try:
            self._proc.wait(timeout=REPLY_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self._proc.pid, 9)
            self._proc.wait()
        self._stderr.close()
        if self._uid_lock is not None:  # the sandbox process has ended: only this copy holds the uid now
            os.close(self._uid_lock)
            self._uid_lock = None


class SandboxPool:
    """Idle sandbox processes by level, shared by every host of one grading run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[Level, list[SandboxProcess]] = {"os": [], "basic": []}
        self._levels: dict[str, tuple[Level, str]] = {}  # level asked for -> (level used, description)
        self._resolving = threading.Lock()
        self._groups: cpu.CpuGroups | None = None  # made with the first sandbox
        self._limits: limits.LimitGroups | None = None  # likewise
        self._live: list[SandboxProcess] = []  # every sandbox started and not yet closed: their CPUs
        # Level basic's namespaces: tried until one failed to come up in them (why, then)
        self._namespaces_failed = ""
        self._made = 0  # sandboxes started: each gets its own cgroup
        atexit.register(self.close)

    def resolve(self, asked: Isolation = "auto") -> tuple[Level, str]:
        """(level, description) for a level asked for; "os" without root is a ValueError."""
        if asked not in LEVELS:
            raise ValueError(f"isolation must be one of {', '.join(LEVELS)}, got {asked!r}")
        with self._resolving:  # one thread probes; the others wait for its answer
            if asked not in self._levels:
                self._levels[asked] = self._probe(asked)
            return self._levels[asked]

    def _cpu_groups(self) -> tuple[cpu.CpuGroups, limits.LimitGroups]:
        with self._lock:
            if self._groups is None:
                self._groups = cpu.CpuGroups()
            if self._limits is None:
                self._limits = limits.LimitGroups()
            return self._groups, self._limits

    def _pick_cpus(self) -> list[int] | None:
        """The CPU the fewest live sandboxes are pinned to (each job slot's own, while --jobs is at most
        the CPUs): a hog's processes then share its own CPU, never a classmate's."""
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) < 2:
            return None
        with self._lock:
            self._live = [s for s in self._live if s.alive]
            taken = [c for s in self._live for c in s.cpus or []]
        return [min(cpus, key=lambda c: (taken.count(c), c))]

    def _probe(self, asked: Isolation) -> tuple[Level, str]:
        found = self._probe_level(asked)
        groups, budgets = self._cpu_groups()
        pinned = "each sandbox pinned to a CPU of its own (sched_setaffinity; refused to the guest)"
        return found[0], f"{found[1]}; {budgets.describe()}; {pinned}; {layers_text(groups)}"

    def _probe_basic(self) -> tuple[Level, str]:
        """Level basic as it comes up here: in namespaces of its own, or why not."""
        root = os.geteuid() == 0
        sandbox = self.acquire("basic")
        try:
            sandbox.wait_ready()
        except SandboxLost as err:
            # A kernel that lets the user namespace be made but not used (AppArmor's restriction leaves it
            # without capabilities, so nothing can be mounted): every later sandbox goes without.
            sandbox.close()
            self._namespaces_failed = f"namespaces made but unusable: {err}"[:300]
            with self._lock:
                stale, self._idle["basic"] = self._idle["basic"], []
            for other in stale:
                other.close()
            sandbox = self.acquire("basic")
            sandbox.wait_ready()
        self.release(sandbox)
        why = self._namespaces_failed or sandbox.without_namespaces
        if not why:
            return "basic", DESCRIPTIONS["basic-root-ns" if root else "basic-ns"]
        return "basic", DESCRIPTIONS["basic-root" if root else "basic"].format(why=why)

    def _probe_level(self, asked: Isolation) -> tuple[Level, str]:
        if asked == "basic":
            return self._probe_basic()
        found: tuple[Level, str]
        if os.geteuid() != 0 or not shutil.which("unshare"):
            if asked == "os":
                raise ValueError("isolation 'os' needs root and the unshare command")
            found = self._probe_basic()
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
                level, words = self._probe_basic()
                found = (level, words + f"; level os's namespaces failed: {err}"[:400])
        return found

    def _new(self, level: Level) -> SandboxProcess:
        groups, budgets = self._cpu_groups()
        with self._lock:
            self._made += 1
            slot = self._made
        sandbox = SandboxProcess(
            level,
            cgroup=groups.create(slot),
            limit_groups=budgets.create(slot),
            cpus=self._pick_cpus(),
            namespaces=not self._namespaces_failed,
        )
        with self._lock:
            self._live.append(sandbox)
        return sandbox

    def prestart(self, asked: Isolation, count: int) -> None:
        """Start `count` sandboxes for the level `asked` now, without waiting: their set-up (imports,
        mounts) overlaps the grader's own start. resolve() later checks that they came up."""
        if asked not in LEVELS or count < 1:
            return
        level: Level = "basic" if asked == "basic" or os.geteuid() != 0 or not shutil.which("unshare") else "os"
        for _ in range(count):
            self.release(self._new(level))

    def acquire(self, level: Level) -> SandboxProcess:
        """An idle sandbox of `level` (one whose last submission is over, preferably; else it is waited
        for), or a new one."""
        while True:
            with self._lock:
                idle = self._idle[level]
                if not idle:
                    break
                sandbox = next((s for s in reversed(idle) if not s.finishing), idle[-1])
                idle.remove(sandbox)
            try:
                sandbox.settle()
            except SandboxLost:
                continue  # it died meanwhile: closed by settle, its guest's session killed
            if not sandbox.alive:  # died while idle (at level basic a student can kill it)
                sandbox.close()
                continue
            return sandbox
        return self._new(level)

    def settle(self) -> None:
        """Wait until every submission handed back (`Host(hand_back=True)`) is over: every process of it dead."""
        with self._lock:
            finishing = [s for level in self._idle.values() for s in level if s.finishing]
            for level in self._idle.values():
                level[:] = [s for s in level if not s.finishing]
        for sandbox in finishing:
            try:
                sandbox.settle()
            except SandboxLost:
                continue  # closed by settle
            self.release(sandbox)

    def release(self, sandbox: SandboxProcess) -> None:
        with self._lock:
            self._idle[sandbox.level].append(sandbox)

    def close(self) -> None:
        with self._lock:
            idle = [s for level in self._idle.values() for s in level]
            for level in self._idle.values():
                level.clear()
        for sandbox in idle:
            sandbox.close()
        if self._groups is not None:
            self._groups.close()
        if self._limits is not None:
            self._limits.close()


@functools.cache
def default_pool() -> SandboxPool:
    """The pool a grader process shares when none is passed in: made on first use, closed at exit."""
    return SandboxPool()
