"""Each level's place for guests, set up once by the sandbox process before any fork (serve.main).

In new mount, pid, net and IPC namespaces (level "os" as root; level "basic" in a user namespace of its own,
namespaces.py): a private view of the file system. Every top-level folder but the system's is covered by an
empty tmpfs (/work, /home, /root, /run, /tmp, ...; /tmp, where the guest's work folder is, holds at most the
submission's --disk), only the standard library and the folders holding numpy and sympy are bound back
read-only, and the grader's own folders stay covered. Level "basic" where the kernel refuses a user
namespace: what a normal user has, a private temporary folder, and the sandbox process as child subreaper,
so that escaped descendants are still found and killed (cleanup.py).
"""

import ctypes
import os
import tempfile

from .libc import libc

PR_SET_CHILD_SUBREAPER = 36
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
# Top-level folders a guest may see (read-only to its uid); every other one is covered by an empty tmpfs.
SYSTEM = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "dev", "proc", "sys"}


def _mount(source: str | None, target: str, fstype: str | None = None, flags: int = 0, data: str | None = None) -> None:
    """mount(2) itself: no mount(8) to start a dozen times, and no path resolution of its own (which would
    turn /proc/self/fd/N back into a folder name that by then names the empty tmpfs over it)."""
    args = [None if x is None else x.encode() for x in (source, target, fstype)]
    if libc().mount(*args, flags, None if data is None else data.encode()) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount {source} on {target} failed: {os.strerror(errno)}")


def _tmpfs(path: str, size_mb: int, mode: str = "755") -> None:
    _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size_mb}m,nr_inodes=4096,mode={mode}")


#: statvfs flags -> the mount flags that keep them: in a user namespace a remount may add flags to a mount it
#: inherited but never clear one (noexec, an atime setting), so the bind's remount repeats them.
_KEPT = ((os.ST_NOEXEC, 8), (os.ST_NOATIME, 1024), (os.ST_NODIRATIME, 2048), (os.ST_RELATIME, 1 << 21))


def _bind_readonly(fd: int, path: str) -> None:
    """Bind the folder open as `fd` onto `path`, read-only (a bind mount takes its flags on a remount)."""
    kept = os.statvfs(f"/proc/self/fd/{fd}").f_flag
    _mount(f"/proc/self/fd/{fd}", path, flags=MS_BIND)
    extra = sum(flag for st, flag in _KEPT if kept & st)
    _mount(None, path, flags=MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | extra)


def resize_tmp(size_mb: int) -> None:
    """The guests' /tmp (their work folder's tmpfs) holds at most `size_mb` (a submission's --disk), set
    before each guest: a remount, whose pages stay."""
    _mount(None, "/tmp", flags=MS_REMOUNT | MS_NOSUID | MS_NODEV, data=f"size={size_mb}m")


def setup_os(keep_dirs: list[str], hide: list[str], tmp_mb: int) -> str:
    """A private view of the file system in this mount namespace (see the module docstring): level os, and
    level basic in its own user namespace (namespaces.py)."""
    _mount(None, "/", flags=MS_REC | MS_PRIVATE)  # nothing done here reaches the grader's own view
    # Handles on what must stay visible, taken before the folders above them are hidden.
    keep = [(path, os.open(path, os.O_PATH | os.O_DIRECTORY)) for path in keep_dirs if os.path.isdir(path)]
    for name in sorted(os.listdir("/")):
        path = "/" + name
        if name in SYSTEM or os.path.islink(path):
            continue
        if os.path.isdir(path):
            _tmpfs(path, tmp_mb if name == "tmp" else 1)
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
    for path in hide:
        # Its folders above a kept one (a virtualenv inside the repository) are already empty tmpfs.
        if os.path.isdir(path) and not any(k.startswith(path.rstrip("/") + "/") for k, _ in keep):
            _tmpfs(path, 1, mode="000")
    os.chmod("/tmp", 0o755)
    return "/tmp"


def setup_basic(drop: bool) -> str:
    libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
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
