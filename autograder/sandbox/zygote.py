"""The sandbox process: set up isolation once, then fork a fresh child for each submission.

It is run as `python -I -S -c <this file's text> <config>` (as root: inside `unshare --mount --pid --net
--ipc --fork --mount-proc`), never imported, and imports nothing from the grader. It talks to the grader
over one socket, one line of JSON per message:

  spawn   -> fork a child for one submission: a private folder holding only its file, its output going to
             a file the student cannot reach, privileges dropped (level "os": a dedicated uid, no new
             privileges), then `child.py` runs in it; the grader gets the child's two pipes (SCM_RIGHTS).
  peek    -> the child's printed output so far, cut to its first and last few KB.
  finish  -> kill every process the submission started, wait until all are dead, report how the child
             ended and what it printed, and wipe its folder.

Importing numpy and sympy once here, before any fork, is what makes a submission cheap: a fork costs about
a millisecond where starting Python and importing them costs about half a second.

Levels: "os" (root) hides every folder but the system's (tmpfs over /work, /home, /root, /tmp, ...), binds
back read-only only the standard library and the folders holding numpy and sympy, and runs each child as a
dedicated unprivileged uid in its own pid namespace, where this process is init: `kill(-1, SIGKILL)` from
here ends every process the submission started, whatever it did (setsid, double fork). "basic" (not root)
uses what a normal user has: rlimits, a new session, a private temporary folder, and this process as child
subreaper, so escaped descendants are still found and killed (run as root, it also drops to the uid).
"""

import ctypes
import gc
import json
import os
import resource
import select
import shutil
import signal
import socket
import sys
import tempfile
import time
import traceback

CONFIG = json.loads(sys.argv[1])
LEVEL = CONFIG["level"]
CONTROL = socket.socket(fileno=CONFIG["control"])
LIBC = ctypes.CDLL(None, use_errno=True)
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
# Top-level folders a child may see (read-only to its uid); every other one is covered by an empty tmpfs.
SYSTEM = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "dev", "proc", "sys"}
CHILD_CODE = compile(CONFIG["child_source"], "<adam-hw worker>", "exec")
NPROC = 64  # processes a submission may have at once (counted for its own uid when it has one)
# As root, at either level, each child drops to the dedicated uid: root ignores RLIMIT_NPROC, and a
# separate uid keeps the student out of the grader's files and processes even without namespaces.
DROP = os.geteuid() == 0

current = None  # pid of the child serving the current submission
status = None  # its wait status, once reaped


def _mount(source, target, fstype=None, flags=0, data=None):
    """mount(2) itself: no mount(8) to start a dozen times, and no path resolution of its own (which would
    turn /proc/self/fd/N back into a folder name that by then names the empty tmpfs over it)."""
    args = [None if x is None else x.encode() for x in (source, target, fstype)]
    if LIBC.mount(*args, flags, None if data is None else data.encode()) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount {source} on {target} failed: {os.strerror(errno)}")


def _tmpfs(path, size_mb, mode="755"):
    _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size_mb}m,nr_inodes=4096,mode={mode}")


def _bind_readonly(fd, path):
    """Bind the folder open as `fd` onto `path`, read-only (a bind mount takes its flags on a remount)."""
    _mount(f"/proc/self/fd/{fd}", path, flags=MS_BIND)
    _mount(None, path, flags=MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


def setup_os():
    """Level "os": a private view of the file system in this mount namespace (see the module docstring)."""
    _mount(None, "/", flags=MS_REC | MS_PRIVATE)  # nothing done here reaches the grader's own view
    # Handles on what must stay visible, taken before the folders above them are hidden.
    keep = [(path, os.open(path, os.O_PATH | os.O_DIRECTORY)) for path in CONFIG["keep"] if os.path.isdir(path)]
    for name in sorted(os.listdir("/")):
        path = "/" + name
        if name in SYSTEM or os.path.islink(path):
            continue
        if os.path.isdir(path):
            _tmpfs(path, CONFIG["tmp_mb"] if name == "tmp" else 1)
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
    for path in CONFIG["hide"]:
        # Its folders above a kept one (a virtualenv inside the repository) are already empty tmpfs.
        if os.path.isdir(path) and not any(k.startswith(path.rstrip("/") + "/") for k, _ in keep):
            _tmpfs(path, 1, mode="000")
    os.chmod("/tmp", 0o755)
    return "/tmp"


def setup_basic():
    LIBC.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    home = tempfile.mkdtemp(prefix="adam-hw-")
    if DROP:
        os.chmod(home, 0o711)  # the dedicated uid may pass through to its own folder, not list or read this one
    return home


def join_cgroup():
    """Into this sandbox's own cgroup (cpu.py: an equal CPU share), with every child forked from here."""
    if CONFIG.get("cgroup"):
        with open(CONFIG["cgroup"], "w") as f:
            f.write("0")


join_cgroup()
HOME = setup_os() if LEVEL == "os" else setup_basic()
WORK = os.path.join(HOME, "work")
OUTPUT = os.path.join(HOME, "output.txt")
sys.path[:0] = CONFIG["site"]
import numpy  # noqa: E402,F401  (imported once here so that every forked child has it for free)
import sympy  # noqa: E402,F401

# What child.py and typical submissions import, loaded while this process can still read the standard
# library: as root at level "basic" the dedicated uid may not (e.g. a Python installed under /root).
import encodings.idna  # noqa: E402,F401  (socket needs it for any host name)
import importlib.util  # noqa: E402,F401
import linecache  # noqa: E402,F401
import math  # noqa: E402,F401
import random  # noqa: E402,F401


def _warm_sympy(steps=6):
    """Run once the algebra the identity checks make every child do (Adam's v_t on real symbols, then
    together / fraction / Poly), so sympy's caches are warm in every fork: it halves a submission's time."""
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


_warm_sympy()

# Landlock and seccomp (landlock.py, seccomp.py), loaded from their text like child.py. Each rule's path is
# opened once here, in this process's view of the file system; each child builds its ruleset from these.
LANDLOCK = {"__name__": "adam_hw_landlock"}
SECCOMP = {"__name__": "adam_hw_seccomp"}
exec(compile(CONFIG["landlock_source"], "<adam-hw landlock>", "exec"), LANDLOCK)
exec(compile(CONFIG["seccomp_source"], "<adam-hw seccomp>", "exec"), SECCOMP)
RULES = []
if CONFIG["landlock_abi"]:
    for _path, _rights in CONFIG["landlock_rules"]:
        try:
            RULES.append((os.open(_path, os.O_PATH | os.O_CLOEXEC), _rights))
        except OSError:
            pass  # not in this view (level os hides it): nothing to grant


def confine_rules():
    """This child's Landlock ruleset (None without Landlock): the planned rules, its own work folder and
    its own /proc/<pid>. Built before the sandbox's descriptors are closed; applied by confine()."""
    if not CONFIG["landlock_abi"]:
        return None
    ruleset = LANDLOCK["Ruleset"](CONFIG["landlock_abi"])
    for fd, rights in RULES:
        ruleset.allow(fd, rights)
    ruleset.allow(WORK, LANDLOCK["WRITE"])
    ruleset.allow(f"/proc/{os.getpid()}", LANDLOCK["READ"])
    return ruleset


def confine(ruleset):
    """The last step before child.py: Landlock, then the seccomp filter (the host checked both work here)."""
    if ruleset is not None:
        ruleset.restrict()
        ruleset.close()
    if CONFIG["seccomp"]:
        SECCOMP["install"]()

# Everything alive now is shared with every fork: keep the garbage collector from walking (and so
# copying, page by page) it in each child.
gc.collect()
gc.freeze()


def send(message, fds=()):
    data = (json.dumps(message) + "\n").encode()
    socket.send_fds(CONTROL, [data], list(fds)) if fds else CONTROL.sendall(data)


# -- one submission's child -----------------------------------------------------------------------------


def become_student(request, req_r, rep_w, out_fd, path):
    """In the forked child: shed everything of the sandbox's, drop privileges, then run child.py."""
    os.setsid()
    ruleset = confine_rules()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    kept = sorted({0, 1, 2, req_r, rep_w} | ({ruleset.fd} if ruleset else set()))
    for low, high in zip(kept, kept[1:] + [os.sysconf("SC_OPEN_MAX")]):
        os.closerange(low + 1, high)  # the control socket above all: the student must never reach it
    if DROP:
        uid = CONFIG["uid"]
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    os.chdir(WORK)
    os.environ.clear()
    os.environ.update(CONFIG["env"], HOME=WORK, TMPDIR=WORK)
    rlimits = dict(request["rlimits"])
    if DROP:
        rlimits["RLIMIT_NPROC"] = NPROC
    else:
        rlimits["RLIMIT_NPROC"] = _own_processes() + NPROC
    child_config = {"fds": [req_r, rep_w], "site": [], "rlimits": rlimits, "submission_path": path}
    sys.argv[1:] = [json.dumps(child_config)]
    confine(ruleset)
    exec(CHILD_CODE, {"__name__": "__adam_hw_worker__"})


def _own_processes():
    uid, count = os.getuid(), 0
    for pid in os.listdir("/proc"):
        try:
            count += pid.isdigit() and os.stat(f"/proc/{pid}").st_uid == uid
        except OSError:
            pass
    return count


def preload(names):
    """Import modules here, once, for every later child (a notebook's plotting cell imports matplotlib:
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


def spawn(request):
    global current, status
    finish_current()
    preload(request.get("preload", []))
    shutil.rmtree(WORK, ignore_errors=True)
    os.mkdir(WORK, 0o700)
    path = os.path.join(WORK, request["name"])
    with open(path, "wb") as f:
        f.write(bytes.fromhex(request["source"]))
    if DROP:
        os.chown(WORK, CONFIG["uid"], CONFIG["uid"])
    out_fd = os.open(OUTPUT, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    req_r, req_w = os.pipe()
    rep_r, rep_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            become_student(request, req_r, rep_w, out_fd, path)
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
        except BaseException:  # only set-up can fail here (child.py reports the student's own errors)
            code = 70
            os.write(2, f"[sandbox] could not start the worker:\n{traceback.format_exc()}".encode())
        finally:
            os._exit(code)
    for fd in (req_r, rep_w, out_fd):
        os.close(fd)
    current, status = pid, None
    send({"ok": True, "path": path, "pid": pid}, fds=[req_w, rep_r])
    os.close(req_w)
    os.close(rep_r)


# -- ending a submission ----------------------------------------------------------------------------


def _reap():
    """Reap every child that has ended; False once there are no children left at all."""
    global status
    while True:
        try:
            pid, code = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True
        if pid == current:
            status = code


def _descendants():
    """Every process below this one (level "basic": this process is their subreaper)."""
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
    found, todo = [], [os.getpid()]
    while todo:
        for pid in children.get(todo.pop(), []):
            found.append(pid)
            todo.append(pid)
    return found


def kill_all():
    """SIGKILL every process of the submission, again and again until none is left (fork storms race)."""
    while True:
        if LEVEL == "os":
            try:
                os.kill(-1, signal.SIGKILL)  # init of this pid namespace: every process here but itself
            except ProcessLookupError:
                pass
        else:
            for pid in _descendants():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if not _reap():
            return
        time.sleep(0.001)


def finish_current():
    global current
    if current is not None:
        kill_all()
        current = None


def describe(code):
    if code is None:
        return "still running"
    if os.WIFSIGNALED(code):
        return f"killed by signal {signal.Signals(os.WTERMSIG(code)).name}"
    return f"exit code {os.waitstatus_to_exitcode(code)}"


def read_output(keep):
    """What the child printed: all of it, or its first and last `keep` bytes and how much was cut."""
    try:
        with open(OUTPUT, "rb") as f:
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


def finish(request):
    finish_current()
    text = read_output(request["keep"])
    for path in (OUTPUT,):
        if os.path.exists(path):
            os.unlink(path)
    shutil.rmtree(WORK, ignore_errors=True)
    send({"ok": True, "status": describe(status), "output": text})


def peek(request):
    send({"ok": True, "output": read_output(request["keep"])})


def serve():
    send({"ready": True})
    reader = CONTROL.makefile("rb")
    ops = {"spawn": spawn, "finish": finish, "peek": peek}
    while True:
        # Wake now and then to reap children that ended on their own (as init, orphans are ours too).
        ready, _, _ = select.select([CONTROL], [], [], 1.0)
        if not ready:
            _reap()
            continue
        line = reader.readline()
        if not line:
            break
        request = json.loads(line)
        ops[request["op"]](request)
    finish_current()
    if LEVEL == "basic":
        shutil.rmtree(HOME, ignore_errors=True)


serve()
