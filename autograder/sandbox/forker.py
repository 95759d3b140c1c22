"""The sandbox process: set up isolation once, then fork a fresh guest for each submission.

The grader starts it (`pool.SandboxProcess`) as `python -I -S -c <pool.BOOT> <config>` (as root: inside
`unshare --mount --pid --net --ipc --fork --mount-proc`); the boot code loads this file's source, with
`protocol.py`'s and `guest.py`'s, and calls `main(config)`. It never runs in the grader's process and
imports nothing from the grader but the protocol. It talks to the grader over one socket, one line of
JSON per message (`protocol.SandboxOp`):

  spawn   -> fork a guest for one submission: a private folder holding only its file, its output going to
             a file the student cannot reach, privileges dropped (level "os": a dedicated uid, no new
             privileges), then `guest.main` runs in it; the grader gets the guest's two pipes (SCM_RIGHTS).
  peek    -> the guest's printed output so far, cut to its first and last few KB.
  finish  -> kill every process the submission started, wait until all are dead, report how the guest
             ended and what it printed, and wipe its folder.

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
import shutil
import signal
import socket
import sys
import tempfile
import time
import traceback

try:  # inside the sandbox: loaded from source beside this module (see pool.BOOT)
    import adam_hw_guest as guest
    import adam_hw_protocol as protocol
except ModuleNotFoundError:  # imported from the grader's package (its unit tests)
    from autograder.sandbox import guest, protocol

PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
# Top-level folders a guest may see (read-only to its uid); every other one is covered by an empty tmpfs.
SYSTEM = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "dev", "proc", "sys"}
NPROC = 64  # processes a submission may have at once (counted for its own uid when it has one)


@functools.cache
def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _mount(source, target, fstype=None, flags=0, data=None):
    """mount(2) itself: no mount(8) to start a dozen times, and no path resolution of its own (which would
    turn /proc/self/fd/N back into a folder name that by then names the empty tmpfs over it)."""
    args = [None if x is None else x.encode() for x in (source, target, fstype)]
    if _libc().mount(*args, flags, None if data is None else data.encode()) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount {source} on {target} failed: {os.strerror(errno)}")


def _tmpfs(path, size_mb, mode="755"):
    _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size_mb}m,nr_inodes=4096,mode={mode}")


def _bind_readonly(fd, path):
    """Bind the folder open as `fd` onto `path`, read-only (a bind mount takes its flags on a remount)."""
    _mount(f"/proc/self/fd/{fd}", path, flags=MS_BIND)
    _mount(None, path, flags=MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


def setup_os(config):
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


def setup_basic(drop):
    _libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    home = tempfile.mkdtemp(prefix="adam-hw-")
    if drop:
        os.chmod(home, 0o711)  # the dedicated uid may pass through to its own folder, not list or read this one
    return home


def import_shared(site):
    """What every guest and typical submissions import, loaded once here before any fork, while this
    process can still read the standard library: as root at level "basic" the dedicated uid may not (e.g.
    a Python installed under /root)."""
    sys.path[:0] = site
    for name in ("numpy", "sympy", "encodings.idna", "importlib.util", "linecache", "math", "random"):
        importlib.import_module(name)  # encodings.idna: socket needs it for any host name


def warm_sympy(steps=6):
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


def preload(names):
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
    if fresh:
        gc.collect()
        gc.freeze()


def own_processes():
    uid, count = os.getuid(), 0
    for pid in os.listdir("/proc"):
        try:
            count += pid.isdigit() and os.stat(f"/proc/{pid}").st_uid == uid
        except OSError:
            pass
    return count


def descendants(root):
    """Every process below `root` (level "basic": this process is their subreaper)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            found.append(pid)
            todo.append(pid)
    return found


def describe(code):
    """A wait status in words: "exit code 1", "killed by signal SIGKILL"."""
    if code is None:
        return "still running"
    if os.WIFSIGNALED(code):
        return f"killed by signal {signal.Signals(os.WTERMSIG(code)).name}"
    return f"exit code {os.waitstatus_to_exitcode(code)}"


def read_output(path, keep):
    """What the guest printed: all of it, or its first and last `keep` bytes and how much was cut."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(keep)
            if size <= 2 * keep:
                return (head + f.read()).decode("utf-8", "replace")
            f.seek(size - keep)
            tail = f.read(keep)
    except FileNotFoundError:
        return ""
    cut = size - 2 * keep
    return (head + f"\n[... {cut} bytes of output cut ...]\n".encode() + tail).decode("utf-8", "replace")


class Forker:
    """The sandbox process's state once set up: where guests live, and the guest of the current submission."""

    def __init__(self, config, control, home):
        self.config = config
        self.level = config["level"]
        self.control = control
        # As root, at either level, each guest drops to the dedicated uid: root ignores RLIMIT_NPROC, and a
        # separate uid keeps the student out of the grader's files and processes even without namespaces.
        self.drop = os.geteuid() == 0
        self.home = home
        self.work = os.path.join(home, "work")
        self.output = os.path.join(home, "output.txt")
        self.current = None  # pid of the guest serving the current submission
        self.status = None  # its wait status, once reaped

    def send(self, message, fds=()):
        data = protocol.dumps(message)
        socket.send_fds(self.control, [data], list(fds)) if fds else self.control.sendall(data)

    # -- one submission's guest ---------------------------------------------------------------------------

    def become_student(self, request, req_r, rep_w, out_fd, path):
        """In the forked child: shed everything of the sandbox's, drop privileges, then run the guest."""
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(out_fd, 1)
        os.dup2(out_fd, 2)
        kept = sorted({0, 1, 2, req_r, rep_w})
        for low, high in zip(kept, kept[1:] + [os.sysconf("SC_OPEN_MAX")]):
            os.closerange(low + 1, high)  # the control socket above all: the student must never reach it
        if self.drop:
            uid = self.config["uid"]
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
        _libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        os.chdir(self.work)
        os.environ.clear()
        os.environ.update(self.config["env"], HOME=self.work, TMPDIR=self.work)
        rlimits = dict(request["rlimits"])
        rlimits["RLIMIT_NPROC"] = NPROC if self.drop else own_processes() + NPROC
        guest_config = {"fds": [req_r, rep_w], "site": [], "rlimits": rlimits, "submission_path": path}
        sys.argv[1:] = [json.dumps(guest_config)]
        guest.main(guest_config)

    def spawn(self, request):
        self.finish_current()
        preload(request.get("preload", []))
        shutil.rmtree(self.work, ignore_errors=True)
        os.mkdir(self.work, 0o700)
        path = os.path.join(self.work, request["name"])
        with open(path, "wb") as f:
            f.write(bytes.fromhex(request["source"]))
        if self.drop:
            os.chown(self.work, self.config["uid"], self.config["uid"])
        out_fd = os.open(self.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                self.become_student(request, req_r, rep_w, out_fd, path)
                for stream in (sys.stdout, sys.stderr):
                    stream.flush()
            except BaseException:  # only set-up can fail here (the guest reports the student's own errors)
                code = 70
                os.write(2, f"[sandbox] could not start the worker:\n{traceback.format_exc()}".encode())
            finally:
                os._exit(code)
        for fd in (req_r, rep_w, out_fd):
            os.close(fd)
        self.current, self.status = pid, None
        self.send(protocol.spawned_reply(path, pid), fds=[req_w, rep_r])
        os.close(req_w)
        os.close(rep_r)

    # -- ending a submission ------------------------------------------------------------------------------

    def reap(self):
        """Reap every child that has ended; False once there are no children left at all."""
        while True:
            try:
                pid, code = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return False
            if pid == 0:
                return True
            if pid == self.current:
                self.status = code

    def kill_all(self):
        """SIGKILL every process of the submission, again and again until none is left (fork storms race)."""
        while True:
            if self.level == "os":
                try:
                    os.kill(-1, signal.SIGKILL)  # init of this pid namespace: every process here but itself
                except ProcessLookupError:
                    pass
            else:
                for pid in descendants(os.getpid()):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            if not self.reap():
                return
            time.sleep(0.001)

    def finish_current(self):
        if self.current is not None:
            self.kill_all()
            self.current = None

    def finish(self, request):
        self.finish_current()
        text = read_output(self.output, request["keep"])
        if os.path.exists(self.output):
            os.unlink(self.output)
        shutil.rmtree(self.work, ignore_errors=True)
        self.send(protocol.finished_reply(describe(self.status), text))

    def peek(self, request):
        self.send(protocol.peeked_reply(read_output(self.output, request["keep"])))

    def serve(self):
        self.send(protocol.READY)
        reader = self.control.makefile("rb")
        ops = {protocol.SandboxOp.SPAWN: self.spawn, protocol.SandboxOp.FINISH: self.finish,
               protocol.SandboxOp.PEEK: self.peek}
        while True:
            # Wake now and then to reap children that ended on their own (as init, orphans are ours too).
            ready, _, _ = select.select([self.control], [], [], 1.0)
            if not ready:
                self.reap()
                continue
            line = reader.readline()
            if not line:
                break
            request = json.loads(line)
            ops[request["op"]](request)
        self.finish_current()
        if self.level == "basic":
            shutil.rmtree(self.home, ignore_errors=True)


def main(config):
    """Run as the sandbox process: isolate this process, import what guests share, then serve the grader."""
    control = socket.socket(fileno=config["control"])
    home = setup_os(config) if config["level"] == "os" else setup_basic(os.geteuid() == 0)
    import_shared(config["site"])
    warm_sympy()
    # Everything alive now is shared with every fork: keep the garbage collector from walking (and so
    # copying, page by page) it in each guest.
    gc.collect()
    gc.freeze()
    Forker(config, control, home).serve()
