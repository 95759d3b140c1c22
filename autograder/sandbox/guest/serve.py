"""The sandbox process: set up isolation once, then fork a fresh guest for each submission.

The grader starts it (`pool.SandboxProcess`) as `python -I -S -c <pool.BOOT>` (as root: inside
`unshare --mount --pid --net --ipc --fork --mount-proc`); the boot code makes a package of this folder's
sources (see `__init__.py`) and calls `main(config)`. It never runs in the grader's process and imports
nothing from the grader. It talks to the grader over one socket, one line of JSON per message
(`protocol.SandboxOp`):

  spawn   -> fork a guest for one submission: a private folder holding only its file, its output going to
             a file the student cannot reach, privileges dropped (as root: a dedicated uid and its own IPC
             namespace; no new privileges), Landlock and seccomp, then `answers.main` runs in it; the
             grader gets the guest's two pipes and a read handle on its output (SCM_RIGHTS).
  finish  -> kill every process the submission started, wait until all are dead, remove everything of it
             (cleanup.py), and report how the guest ended.

Nothing of one student reaches another through this process: it never holds a byte of a submission or of
what a student printed. The grader hands the submission over as a memfd that only the forked guest reads
(into its own folder), and reads the guest's output itself through the handle it is given. So the heap
every later guest is forked from has no freed copy of a classmate's file or output in it.

Before serving, `main` sets up its level (mounts.py) and warms itself (warmup.py). Level "os" runs each
guest as a dedicated unprivileged uid in its own pid namespace, where this process is init: `kill(-1,
SIGKILL)` from here ends every process the submission started, whatever it did (setsid, double fork).
Level "basic" (not root) uses what a normal user has: rlimits, a new session, a private temporary folder,
and this process as child subreaper, so escaped descendants are still found and killed (run as root, it
also drops to the uid).

Importing this module does nothing; `main` does all of the above.
"""

import errno
import gc
import json
import os
import select
import signal
import socket
import stat
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from typing import Literal, NotRequired, TypedDict

from . import answers, cleanup, landlock, mounts, protocol, seccomp, warmup
from .libc import libc

PR_SET_NO_NEW_PRIVS = 38
NPROC = 64  # processes a submission may have at once (counted for its own uid when it has one)
CLONE_NEWIPC = 0x08000000
MAX_CONTROL_BYTES = 1 << 20  # a request from the grader is a few hundred bytes

#: A request from the grader or a reply to it: one JSON object.
Message = protocol.Message


class SandboxConfig(TypedDict):
    """What the grader starts a sandbox process with (pool.SandboxProcess), as JSON in a memfd."""

    level: Literal["os", "basic"]
    control: int  # the socket to the grader
    uid: int | None  # as root: the dedicated uid every guest drops to
    site: list[str]  # the folders numpy and sympy import from
    keep: list[str]  # level os: folders bound back read-only
    hide: list[str]  # level os: the grader's own folders, covered
    env: dict[str, str]
    tmp_mb: int
    modules: NotRequired[dict[str, str]]  # this folder's sources, by module name (pool.BOOT takes them out)
    landlock_abi: int
    landlock_rules: list[tuple[str, int]]
    seccomp: bool
    cgroup: str | None  # its cgroup.procs (cpu.py), or None


def _copy_fd(source_fd: int, path: str) -> None:
    """Write what `source_fd` holds (from its start) to a new file at `path`."""
    out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        offset, size = 0, os.fstat(source_fd).st_size
        while offset < size:
            sent = os.sendfile(out, source_fd, offset, size - offset)
            if sent == 0:
                break
            offset += sent
    finally:
        os.close(out)


class Forker:
    """The sandbox process's state once set up: where guests live, and the guest of the current submission."""

    def __init__(self, config: SandboxConfig, control: socket.socket, home: str) -> None:
        self.config = config
        self.level = config["level"]
        self.control = control
        # As root, at either level, each guest drops to the dedicated uid: root ignores RLIMIT_NPROC, and a
        # separate uid keeps the student out of the grader's files and processes even without namespaces.
        self.drop = os.geteuid() == 0
        self.home = home
        self.work = os.path.join(home, "work")
        self.output = os.path.join(home, "output.txt")
        self.current: int | None = None  # pid of the guest serving the current submission
        self.status: int | None = None  # its wait status, once reaped
        self.seen: set[int] = set()  # every pid of the current submission seen so far (its IPC objects are removed)
        # the SysV objects that existed when it started (never removed at level basic)
        self.before: set[tuple[str, str | None]] = set()
        self._buffer = b""
        self.rules: list[tuple[int, int]] = []  # (O_PATH fd, rights) of Landlock's planned rules (open_rules())
        self.ruleset: landlock.Ruleset | None = None  # the guests' Landlock ruleset, for the work folder below
        self.work_id: tuple[int, int] | None = None  # (device, inode) of the work folder that ruleset grants

    @property
    def uid(self) -> int:
        """The dedicated uid every guest drops to: asked for only when `drop` (as root, where the pool
        always allocates one)."""
        uid = self.config["uid"]
        if uid is None:
            raise RuntimeError("a guest drops to a dedicated uid only as root, and the pool gave none")
        return uid

    def send(self, message: Message, fds: Sequence[int] = ()) -> None:
        data = protocol.dumps(message)
        socket.send_fds(self.control, [data], list(fds)) if fds else self.control.sendall(data)

    # -- one submission's guest ---------------------------------------------------------------------------

    def receive(self) -> tuple[Message | None, list[int]]:
        """The next request and the file descriptors sent with it; (None, []) once the grader hangs up."""
        fds: list[int] = []
        while b"\n" not in self._buffer:
            data, got, _, _ = socket.recv_fds(self.control, 1 << 16, 4)
            fds += got
            if not data or len(self._buffer) > MAX_CONTROL_BYTES:
                return None, fds
            self._buffer += data
        line, _, self._buffer = self._buffer.partition(b"\n")
        request: Message = json.loads(line)  # the grader's request: a JSON object (pool.SandboxProcess.request)
        return request, fds

    def isolate_ipc(self, memory: int) -> None:
        """As root: this guest's own IPC namespace (its SysV objects and POSIX queues end with it, and no
        other student's are visible), with shared memory capped at the memory limit. Without the right to
        do so (a container without CAP_SYS_ADMIN), finish() removes what the dedicated uid created."""
        if libc().unshare(CLONE_NEWIPC) != 0:
            return
        pages = max(1, memory // os.sysconf("SC_PAGE_SIZE"))
        for name, value in (("shmmax", memory), ("shmall", pages), ("shmmni", 64), ("msgmnb", 1 << 20)):
            try:  # os.open, not open(): a quarter of the time, in every guest
                fd = os.open(f"/proc/sys/kernel/{name}", os.O_WRONLY | os.O_CLOEXEC)
            except OSError:
                continue  # a read-only /proc/sys: the limits stay the system's
            try:
                os.write(fd, str(value).encode())
            except OSError:
                pass
            finally:
                os.close(fd)

    def fresh_work(self) -> None:
        """An empty work folder for the next guest. The folder itself is kept (only emptied) while it is
        the one the cached Landlock ruleset names, so that ruleset serves every guest: building one costs
        a few hundred system calls, restricting with it one."""
        if self.clear_work():
            return
        os.mkdir(self.work, 0o700)
        info = os.lstat(self.work)
        self.work_id = (info.st_dev, info.st_ino)
        if self.ruleset is not None:
            self.ruleset.close()
        self.ruleset = self.confine_rules()

    def clear_work(self) -> bool:
        """Empty the work folder, keeping it if it is the one the ruleset names (True), else remove it."""
        try:
            info = os.lstat(self.work)
        except FileNotFoundError:
            return False
        if stat.S_ISDIR(info.st_mode) and (info.st_dev, info.st_ino) == self.work_id:
            os.chmod(self.work, 0o700)
            for name in os.listdir(self.work):
                cleanup.remove_tree(os.path.join(self.work, name))
            return True
        cleanup.remove_tree(self.work)
        return False

    def open_rules(self) -> None:
        """Open each planned Landlock rule's path once, in this process's view of the file system (level os
        hides some: nothing to grant there); every guest builds its ruleset from these."""
        if not self.config.get("landlock_abi"):
            return
        for path, rights in self.config["landlock_rules"]:
            try:
                self.rules.append((os.open(path, os.O_PATH | os.O_CLOEXEC), rights))
            except OSError:
                pass

    def confine_rules(self) -> "landlock.Ruleset | None":
        """The guests' Landlock ruleset (None without Landlock): the planned rules and the work folder."""
        if not self.config.get("landlock_abi"):
            return None
        ruleset = landlock.Ruleset(self.config["landlock_abi"])
        for fd, rights in self.rules:
            ruleset.allow(fd, rights)
        ruleset.allow(self.work, landlock.WRITE)
        return ruleset

    def confine(self) -> None:
        """The last step before the guest runs: Landlock, then the seccomp filter (the grader checked that
        both work on this machine, so a failure here is the grader's, and loud)."""
        if self.ruleset is not None:
            self.ruleset.restrict()
            self.ruleset.close()
        if self.config.get("seccomp"):
            seccomp.install()

    def become_student(self, request: Message, req_r: int, rep_w: int, out_fd: int, path: str, source_fd: int) -> None:
        """In the forked child: shed everything of the sandbox's, drop privileges, then run the guest."""
        os.setsid()
        _copy_fd(source_fd, path)  # the submission reaches memory only here, in the student's own process
        if self.drop:
            self.isolate_ipc(request["rlimits"].get("RLIMIT_AS") or 1 << 30)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_fd, 1)
        os.dup2(out_fd, 2)
        kept = sorted({0, 1, 2, req_r, rep_w} | ({self.ruleset.fd} if self.ruleset else set()))
        for low, high in zip(kept, kept[1:] + [os.sysconf("SC_OPEN_MAX")]):
            os.closerange(low + 1, high)  # the control socket above all: the student must never reach it
        if self.drop:
            uid = self.uid
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
        libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        os.chdir(self.work)
        os.environ.clear()
        # Matplotlib's cache and config: the student's own folder, wiped with it (never a shared one).
        os.environ.update(
            self.config["env"], HOME=self.work, TMPDIR=self.work, MPLCONFIGDIR=os.path.join(self.work, ".matplotlib")
        )
        tempfile.tempdir = None  # this process cached /tmp when it made its home: the guest's is TMPDIR
        rlimits = dict(request["rlimits"])
        rlimits["RLIMIT_NPROC"] = NPROC if self.drop else cleanup.own_processes() + NPROC
        guest_config: answers.GuestConfig = {
            "fds": [req_r, rep_w],
            "site": [],
            "rlimits": rlimits,
            "submission_path": path,
        }
        sys.argv[:] = [path]
        self.confine()
        answers.main(guest_config)

    def spawn(self, request: Message, fds: list[int]) -> None:
        self.finish_current()
        if len(fds) != 1:
            raise ValueError(f"a spawn request comes with the submission's memfd, got {len(fds)} descriptors")
        (source_fd,) = fds
        warmup.preload(request.get("preload", []))
        self.fresh_work()
        path = os.path.join(self.work, request["name"])
        if self.drop:
            os.chown(self.work, self.uid, self.uid)
        # Without a uid of its own (not root), finish() removes only the objects made after this point.
        self.before = (
            set()
            if self.drop
            else {
                (kind, row.get("shmid") or row.get("semid") or row.get("msqid"))
                for kind in ("shm", "sem", "msg")
                for row in cleanup.sysv_objects(kind)
            }
        )
        out_fd = os.open(self.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        out_r = os.open(self.output, os.O_RDONLY)
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                self.become_student(request, req_r, rep_w, out_fd, path, source_fd)
                for stream in (sys.stdout, sys.stderr):
                    stream.flush()
            except BaseException as err:  # only set-up can fail here (the guest reports the student's own errors)
                full = isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT)
                code = protocol.NO_ROOM_EXIT if full else 70
                os.write(2, f"[sandbox] could not start the worker:\n{traceback.format_exc()}".encode())
            finally:
                os._exit(code)
        for fd in (req_r, rep_w, out_fd, source_fd):
            os.close(fd)
        self.current, self.status, self.seen = pid, None, {pid}
        self.send(protocol.spawned_reply(path, pid), fds=[req_w, rep_r, out_r])
        for fd in (req_w, rep_r, out_r):
            os.close(fd)

    # -- ending a submission ------------------------------------------------------------------------------

    def reap(self) -> bool:
        """Reap every child that has ended; False once there are no children left at all."""
        while True:
            try:
                pid, code = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return False
            if pid == 0:
                return True
            self.seen.add(pid)
            if pid == self.current:
                self.status = code

    def kill_all(self) -> None:
        """SIGKILL every process of the submission, again and again until none is left (fork storms race)."""
        while True:
            if self.level == "os":
                try:
                    os.kill(-1, signal.SIGKILL)  # init of this pid namespace: every process here but itself
                except ProcessLookupError:
                    pass
            else:
                found = cleanup.descendants(os.getpid())
                self.seen.update(found)
                for pid in found:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            if not self.reap():
                return
            time.sleep(0.001)

    def finish_current(self) -> None:
        """Kill every process of the submission, then remove everything it left."""
        if self.current is None:
            return
        self.kill_all()
        self.current = None
        self.clear_work()
        if os.path.exists(self.output):
            os.unlink(self.output)  # the grader still holds it open, to read what the student printed
        if self.drop:  # the uid is this sandbox's alone (pool.allocate_uid): all it owns is the student's
            uid = str(self.uid)
            cleanup.remove_sysv(lambda row: uid in (row.get("uid"), row.get("cuid")))
            cleanup.remove_shared_files(self.uid, keep=self.work_id)
        else:  # the grader's own uid: only objects this submission's processes created, never the TA's
            seen = {str(pid) for pid in self.seen}
            cleanup.remove_sysv(
                lambda row: (
                    (row.get("shmid") and ("shm", row["shmid"]) not in self.before and row.get("cpid") in seen)
                    or (row.get("msqid") and ("msg", row["msqid"]) not in self.before and row.get("lspid") in seen)
                )
            )

    def finish(self, request: Message) -> None:
        self.finish_current()
        self.send(protocol.finished_reply(cleanup.describe(self.status)))

    def serve(self) -> None:
        self.send(protocol.READY)
        while True:
            # Wake now and then to reap children that ended on their own (as init, orphans are ours too).
            ready, _, _ = select.select([self.control], [], [], 1.0)
            if not ready:
                self.reap()
                continue
            request, fds = self.receive()
            if request is None:
                break
            if request["op"] == protocol.SandboxOp.SPAWN:
                self.spawn(request, fds)
            elif request["op"] == protocol.SandboxOp.FINISH:
                self.finish(request)
        self.finish_current()
        if self.level == "basic":
            cleanup.remove_tree(self.home)


def join_cgroup(procs: str | None) -> None:
    """Into this sandbox's own cgroup (cpu.py: an equal CPU share), with every guest forked from here."""
    if procs:
        with open(procs, "w") as f:
            f.write("0")


def main(config: SandboxConfig) -> None:
    """Run as the sandbox process: isolate this process, import what guests share, then serve the grader."""
    control = socket.socket(fileno=config["control"])
    join_cgroup(config.get("cgroup"))
    if config["level"] == "os":
        home = mounts.setup_os(config["keep"], config["hide"], config["tmp_mb"])
    else:
        home = mounts.setup_basic(os.geteuid() == 0)
    mounts.private_matplotlib(home)
    warmup.import_shared(config["site"])
    warmup.warm_sympy()
    # Everything alive now is shared with every fork: keep the garbage collector from walking (and so
    # copying, page by page) it in each guest.
    gc.collect()
    gc.freeze()
    if config.get("seccomp"):
        seccomp.prepared()  # built once here, so every guest only installs it
    warmup.huge_pages()
    forker = Forker(config, control, home)
    forker.open_rules()
    forker.serve()
