"""The sandbox process: set up isolation once, then fork a fresh guest for each submission.

The grader starts it (`pool.SandboxProcess`) as `python -I -S -c <pool.BOOT> <config>` (as root: inside
`unshare --mount --pid --net --ipc --fork --mount-proc`); the boot code loads this file's source, with
`protocol.py`'s and `guest.py`'s, and calls `main(config)`. It never runs in the grader's process and
imports nothing from the grader but the protocol. It talks to the grader over one socket, one line of
JSON per message (`protocol.SandboxOp`):

  spawn   -> fork a guest for one submission: a private folder holding only its file, its output going to
             a file the student cannot reach, privileges dropped (as root: a dedicated uid and its own IPC
             namespace; no new privileges), then `guest.main` runs in it; the grader gets the guest's two
             pipes and a read handle on its output (SCM_RIGHTS).
  finish  -> kill every process the submission started, wait until all are dead, remove everything of it
             (its folder, its output file, its IPC objects, its files in the shared temporary folders as
             root), and report how the guest ended.

Nothing of one student reaches another through this process: it never holds a byte of a submission or of
what a student printed. The grader hands the submission over as a memfd that only the forked guest reads
(into its own folder), and reads the guest's output itself through the handle it is given. So the heap
every later guest is forked from has no freed copy of a classmate's file or output in it.

Importing numpy and sympy once here, before any fork, is what makes a submission cheap: a fork costs about
a millisecond where starting Python and importing them costs about half a second.

Levels: "os" (root) hides every folder but the system's (tmpfs over /work, /home, /root, /tmp, ...), binds
back read-only only the standard library and the folders holding numpy and sympy, and runs each guest as a
dedicated unprivileged uid in its own pid namespace, where this process is init: `kill(-1, SIGKILL)` from
here ends every process the submission started, whatever it did (setsid, double fork). "basic" (not root)
uses what a normal user has: rlimits, a new session, a private temporary folder, and this process as child
subreaper, so escaped descendants are still found and killed (run as root, it also drops to the uid).

Importing this module does nothing; `main` does all of the above.
"""

import ctypes
import functools
import gc
import importlib
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
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Literal, NotRequired, TypedDict

if TYPE_CHECKING:  # the type checker reads the grader's package, whichever way they are loaded below
    from autograder.sandbox import cells_ipython, guest, landlock, protocol, seccomp
else:
    try:  # inside the sandbox: loaded from source beside this module (see pool.BOOT)
        import adam_hw_cells_ipython as cells_ipython
        import adam_hw_guest as guest
        import adam_hw_landlock as landlock
        import adam_hw_protocol as protocol
        import adam_hw_seccomp as seccomp
    except ModuleNotFoundError:  # imported from the grader's package (its unit tests)
        from autograder.sandbox import cells_ipython, guest, landlock, protocol, seccomp

PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
# Top-level folders a guest may see (read-only to its uid); every other one is covered by an empty tmpfs.
SYSTEM = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "dev", "proc", "sys"}
NPROC = 64  # processes a submission may have at once (counted for its own uid when it has one)
CLONE_NEWIPC = 0x08000000
MADV_COLLAPSE = 25  # Linux 6.1+
HUGE_PAGE = 2 * 1024 * 1024
IPC_RMID = 0
#: Shared folders a dedicated uid can write to: what it leaves there is removed when its submission ends.
SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue")
MAX_CONTROL_BYTES = 1 << 20  # a request from the grader is a few hundred bytes

#: A request from the grader or a reply to it: one JSON object.
Message = protocol.Message


class SandboxConfig(TypedDict):
    """What the grader starts a sandbox process with (pool.SandboxProcess), as JSON on its command line."""

    level: Literal["os", "basic"]
    control: int  # the socket to the grader
    uid: int | None  # as root: the dedicated uid every guest drops to
    site: list[str]  # the folders numpy and sympy import from
    keep: list[str]  # level os: folders bound back read-only
    hide: list[str]  # level os: the grader's own folders, covered
    env: dict[str, str]
    tmp_mb: int
    modules: NotRequired[list[tuple[str, str]]]  # the sources pool.BOOT makes modules of (it takes them out)
    landlock_abi: int
    landlock_rules: list[tuple[str, int]]
    seccomp: bool
    cgroup: str | None  # its cgroup.procs (cpu.py), or None


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _mount(source: str | None, target: str, fstype: str | None = None, flags: int = 0, data: str | None = None) -> None:
    """mount(2) itself: no mount(8) to start a dozen times, and no path resolution of its own (which would
    turn /proc/self/fd/N back into a folder name that by then names the empty tmpfs over it)."""
    args = [None if x is None else x.encode() for x in (source, target, fstype)]
    if _libc().mount(*args, flags, None if data is None else data.encode()) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount {source} on {target} failed: {os.strerror(errno)}")


def _tmpfs(path: str, size_mb: int, mode: str = "755") -> None:
    _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size_mb}m,nr_inodes=4096,mode={mode}")


def _bind_readonly(fd: int, path: str) -> None:
    """Bind the folder open as `fd` onto `path`, read-only (a bind mount takes its flags on a remount)."""
    _mount(f"/proc/self/fd/{fd}", path, flags=MS_BIND)
    _mount(None, path, flags=MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


def setup_os(config: SandboxConfig) -> str:
    """Level "os": a private view of the file system in this mount namespace (see the module docstring)."""
    _mount(None, "/", flags=MS_REC | MS_PRIVATE)  # nothing done here reaches the grader's own view
    # Handles on what must stay visible, taken before the folders above them are hidden.
    keep = [(path, os.open(path, os.O_PATH | os.O_DIRECTORY)) for path in config["keep"] if os.path.isdir(path)]
    for name in sorted(os.listdir("/")):
        path = "/" + name
        if name in SYSTEM or os.path.islink(path):
            continue
        if os.path.isdir(path):
            _tmpfs(path, config["tmp_mb"] if name == "tmp" else 1)
        elif os.path.isfile(path):
            _mount("/dev/null", path, flags=MS_BIND)
    for path in ("/dev/shm", "/dev/mqueue"):
        if os.path.isdir(path):
            _tmpfs(path, 1)
    for path, fd in keep:
        os.makedirs(path, exist_ok=True)
        _bind_readonly(fd, path)
        os.close(fd)
    # The grader's own folders where they survive the above (e.g. an installed package inside site-packages).
    for path in config["hide"]:
        # Its folders above a kept one (a virtualenv inside the repository) are already empty tmpfs.
        if os.path.isdir(path) and not any(k.startswith(path.rstrip("/") + "/") for k, _ in keep):
            _tmpfs(path, 1, mode="000")
    os.chmod("/tmp", 0o755)
    return "/tmp"


def setup_basic(drop: bool) -> str:
    _libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    home = tempfile.mkdtemp(prefix="adam-hw-")
    if drop:
        os.chmod(home, 0o711)  # the dedicated uid may pass through to its own folder, not list or read this one
    return home


def private_matplotlib(home: str) -> None:
    """Matplotlib's and IPython's folders for this sandbox process alone (a preloaded pyplot builds its font
    cache here), never a shared one such as /tmp/adam-hw-matplotlib, which any student could fill with a FIFO."""
    path = os.path.join(home, "matplotlib")
    os.mkdir(path, 0o700)
    os.environ["MPLCONFIGDIR"] = path
    # IPython's folder too (cells_ipython.warm makes a shell here): never the TA's ~/.ipython.
    os.environ["IPYTHONDIR"] = os.path.join(home, "ipython")


def import_shared(site: list[str]) -> None:
    """What every guest and typical submissions import, loaded once here before any fork, while this
    process can still read the standard library: as root at level "basic" the dedicated uid may not (e.g.
    a Python installed under /root)."""
    sys.path[:0] = site
    for name in ("numpy", "sympy", "encodings.idna", "importlib.util", "linecache", "math", "random"):
        importlib.import_module(name)  # encodings.idna: socket needs it for any host name


def warm_sympy(steps: int = 6) -> None:
    """Run once the algebra the identity checks make every guest do (Adam's v_t on real symbols, then
    together / fraction / Poly), so sympy's caches are warm in every fork: it halves a submission's time."""
    import sympy

    beta = sympy.Symbol("beta2", real=True)
    for names in ([f"g{i}" for i in range(1, steps + 1)], ["g"] * steps):
        grads = [sympy.Symbol(name, real=True) for name in names]
        gens = list(dict.fromkeys(grads)) + [beta]
        v = sympy.Integer(0)
        for t, g in enumerate(grads, start=1):
            v = beta * v + (1 - beta) * g**2
            for x in (v, v / (1 - beta**t)):
                num, den = sympy.fraction(sympy.together(sympy.sympify(x)))
                for part in (num, den):
                    sympy.Poly(part, *gens).terms()
    sympy.Rational(-3, 1000)


def huge_pages() -> int:
    """Back this process's private memory (numpy, sympy and their warm caches, about 50 MB) with huge pages
    where the kernel can (MADV_COLLAPSE): a fork then copies one page-table entry per 2 MB rather than 512,
    and each guest's exit drops as few, so the few pages a guest writes to cost it more than before, but
    every guest costs the machine a few milliseconds less. Returns the huge pages made; none on a kernel
    without MADV_COLLAPSE, which changes nothing else."""
    madvise = _libc().madvise
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    made = 0
    with open("/proc/self/maps") as maps:
        regions = [line.split() for line in maps]
    for fields in regions:
        if fields[1] != "rw-p" or (len(fields) > 5 and fields[5] != "[heap]"):
            continue  # anonymous private memory (and the heap) only: never a file's pages or the stack
        low, high = (int(x, 16) for x in fields[0].split("-"))
        start, end = -(-low // HUGE_PAGE) * HUGE_PAGE, high // HUGE_PAGE * HUGE_PAGE
        if end > start and madvise(start, end - start, MADV_COLLAPSE) == 0:
            made += (end - start) // HUGE_PAGE
    return made


def preload(names: Iterable[str]) -> None:
    """Import modules here, once, for every later guest (a notebook's plotting cell imports matplotlib:
    a second per notebook otherwise). Only modules the grader names; one that is not installed is skipped."""
    fresh = [name for name in names if name not in sys.modules]
    for name in fresh:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    if "matplotlib.pyplot" in fresh and "matplotlib.pyplot" in sys.modules:
        # A first figure loads fonts and the mathtext parser: do it here once, not in every notebook.
        plt = sys.modules["matplotlib.pyplot"]
        fig, axes = plt.subplots(2, 2)
        axes[0, 0].plot([1, 2], [3, 4])
        axes[0, 0].set_ylabel(r"$\alpha / (\sqrt{\hat v_t} + \epsilon)$")
        fig.tight_layout()
        plt.close("all")
    if "IPython" in fresh and "IPython" in sys.modules:
        cells_ipython.warm()  # the shell's modules and the input transformer, once for every notebook
    if fresh:
        gc.collect()
        gc.freeze()
        huge_pages()


def own_processes() -> int:
    uid, count = os.getuid(), 0
    for pid in os.listdir("/proc"):
        try:
            count += pid.isdigit() and os.stat(f"/proc/{pid}").st_uid == uid
        except OSError:
            pass
    return count


def descendants(root: int) -> list[int]:
    """Every process below `root` (level "basic": this process is their subreaper)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        children.setdefault(ppid, []).append(int(entry))
    found: list[int] = []
    todo = [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            found.append(pid)
            todo.append(pid)
    return found


def describe(code: int | None) -> str:
    """A wait status in words: "exit code 1", "killed by signal SIGKILL"."""
    if code is None:
        return "still running"
    if os.WIFSIGNALED(code):
        return f"killed by signal {signal.Signals(os.WTERMSIG(code)).name}"
    return f"exit code {os.waitstatus_to_exitcode(code)}"


def remove_tree(path: str) -> None:
    """`rm -rf path`, without recursion or long paths (a student's folders may nest 100,000 deep: past
    Python's stack and PATH_MAX), never following a symbolic link, and making a folder the student locked
    (mode 000) enterable first. Called only once every process that could change the tree is dead."""
    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            os.unlink(path)
            return
    except FileNotFoundError:
        return
    here = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.chdir(path)
        names: list[str] = []  # the folders entered below `path`, in order: the way back up
        while True:
            entered = None
            with os.scandir(".") as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        entered = entry.name
                        break
                    os.unlink(entry.name)
            if entered is not None:
                os.chmod(entered, 0o700, follow_symlinks=False)
                os.chdir(entered)
                names.append(entered)
            elif names:
                os.chdir("..")
                os.rmdir(names.pop())
            else:
                break
    finally:
        os.fchdir(here)
        os.close(here)
    os.rmdir(path)


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


def _sysv_objects(kind: str) -> list[dict[str, str]]:
    """[{column: value}] for the SysV IPC objects of `kind` ("shm", "sem", "msg") this process can see."""
    try:
        with open(f"/proc/sysvipc/{kind}") as f:
            header, *rows = f.read().splitlines()
    except OSError:
        return []
    names = header.split()
    return [dict(zip(names, row.split())) for row in rows]


def remove_sysv(owned: Callable[[dict[str, str]], object]) -> None:
    """Remove the SysV shared memory, semaphores and message queues for which owned(row) is true."""
    libc = _libc()
    for kind, key, remove in (
        ("shm", "shmid", lambda i: libc.shmctl(i, IPC_RMID, None)),
        ("sem", "semid", lambda i: libc.semctl(i, 0, IPC_RMID)),
        ("msg", "msqid", lambda i: libc.msgctl(i, IPC_RMID, None)),
    ):
        for row in _sysv_objects(kind):
            if owned(row):
                remove(int(row[key]))


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
        if _libc().unshare(CLONE_NEWIPC) != 0:
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
                remove_tree(os.path.join(self.work, name))
            return True
        remove_tree(self.work)
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
        _libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        os.chdir(self.work)
        os.environ.clear()
        # Matplotlib's cache and config: the student's own folder, wiped with it (never a shared one).
        os.environ.update(
            self.config["env"], HOME=self.work, TMPDIR=self.work, MPLCONFIGDIR=os.path.join(self.work, ".matplotlib")
        )
        tempfile.tempdir = None  # this process cached /tmp when it made its home: the guest's is TMPDIR
        rlimits = dict(request["rlimits"])
        rlimits["RLIMIT_NPROC"] = NPROC if self.drop else own_processes() + NPROC
        guest_config: guest.GuestConfig = {
            "fds": [req_r, rep_w],
            "site": [],
            "rlimits": rlimits,
            "submission_path": path,
        }
        sys.argv[:] = [path]
        self.confine()
        guest.main(guest_config)

    def spawn(self, request: Message, fds: list[int]) -> None:
        self.finish_current()
        if len(fds) != 1:
            raise ValueError(f"a spawn request comes with the submission's memfd, got {len(fds)} descriptors")
        (source_fd,) = fds
        preload(request.get("preload", []))
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
                for row in _sysv_objects(kind)
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
            except BaseException:  # only set-up can fail here (the guest reports the student's own errors)
                code = 70
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
                found = descendants(os.getpid())
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
            remove_sysv(lambda row: uid in (row.get("uid"), row.get("cuid")))
            self.remove_shared_files(self.uid, keep=self.work_id)
        else:  # the grader's own uid: only objects this submission's processes created, never the TA's
            seen = {str(pid) for pid in self.seen}
            remove_sysv(
                lambda row: (
                    (row.get("shmid") and ("shm", row["shmid"]) not in self.before and row.get("cpid") in seen)
                    or (row.get("msqid") and ("msg", row["msqid"]) not in self.before and row.get("lspid") in seen)
                )
            )

    @staticmethod
    def remove_shared_files(uid: int, keep: tuple[int, int] | None = None) -> None:
        """What a dedicated uid left in the shared temporary folders (visible at level basic). `keep` is
        the (device, inode) of the guests' work folder, which clear_work() has just emptied: at level os it
        lies in /tmp and is the uid's, and removing it too would make every guest rebuild the Landlock
        ruleset that names it (a few hundred system calls per student)."""
        for folder in SHARED_TMP:
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                try:
                    info = entry.stat(follow_symlinks=False)
                    if info.st_uid == uid and (info.st_dev, info.st_ino) != keep:
                        remove_tree(entry.path)
                except OSError:
                    pass  # gone meanwhile

    def finish(self, request: Message) -> None:
        self.finish_current()
        self.send(protocol.finished_reply(describe(self.status)))

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
            remove_tree(self.home)


def join_cgroup(procs: str | None) -> None:
    """Into this sandbox's own cgroup (cpu.py: an equal CPU share), with every guest forked from here."""
    if procs:
        with open(procs, "w") as f:
            f.write("0")


def main(config: SandboxConfig) -> None:
    """Run as the sandbox process: isolate this process, import what guests share, then serve the grader."""
    control = socket.socket(fileno=config["control"])
    join_cgroup(config.get("cgroup"))
    home = setup_os(config) if config["level"] == "os" else setup_basic(os.geteuid() == 0)
    private_matplotlib(home)
    import_shared(config["site"])
    warm_sympy()
    # Everything alive now is shared with every fork: keep the garbage collector from walking (and so
    # copying, page by page) it in each guest.
    gc.collect()
    gc.freeze()
    if config.get("seccomp"):
        seccomp.prepared()  # built once here, so every guest only installs it
    huge_pages()
    forker = Forker(config, control, home)
    forker.open_rules()
    forker.serve()
