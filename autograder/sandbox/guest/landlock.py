"""Landlock: the guest may read only the system and Python folders it needs, and write only its own folder.

Landlock (Linux 5.13+) lets an unprivileged process give up file-system access for itself and every process
it starts; nothing can undo it. We call its three system calls directly (ctypes on libc's `syscall`), so no
package is needed. Which rights exist depends on the kernel's Landlock ABI (`abi()`):

  1  (5.13) read/write/execute files, list folders, make and remove entries
  2  (5.19) REFER: rename or link a file into another folder (always denied before ABI 2)
  3  (6.2)  TRUNCATE
  4  (6.7)  TCP bind and connect (no rule for either: every TCP connection is refused)
  5  (6.10) IOCTL_DEV: ioctl on device files
  6  (6.12) scopes: no signals to, and no abstract unix sockets of, processes outside the sandbox
  7  (6.15) audit logging flags only (no new right)

Every right the running kernel knows is "handled", so whatever no rule grants is denied. Where Landlock is
missing (an old kernel, CONFIG_SECURITY_LANDLOCK off, `lsm=` without it, a container's seccomp profile that
hides the calls) `abi()` is 0 and `Ruleset.restrict()` is never called: the caller reports the layer as absent.

Like the rest of the guest, this file has no imports from the grader: the sandbox runs its text (it gets its
sources as text), and the grader imports it too, to plan the rules (`plan`) and in tests.
"""

import ctypes
import errno
import os
import platform
import stat
from collections.abc import Iterable
from typing import Any

# Landlock's numbers are in the kernel's generic syscall table: the same on x86_64 and aarch64.
_SYSCALLS = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446), "arm64": (444, 445, 446)}
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REMOVE_DIR = 1 << 4
FS_REMOVE_FILE = 1 << 5
FS_MAKE_CHAR = 1 << 6
FS_MAKE_DIR = 1 << 7
FS_MAKE_REG = 1 << 8
FS_MAKE_SOCK = 1 << 9
FS_MAKE_FIFO = 1 << 10
FS_MAKE_BLOCK = 1 << 11
FS_MAKE_SYM = 1 << 12
FS_REFER = 1 << 13  # ABI 2
FS_TRUNCATE = 1 << 14  # ABI 3
FS_IOCTL_DEV = 1 << 15  # ABI 5
NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1

# The file-system rights each ABI knows (a right the kernel does not know makes the whole ruleset invalid).
_FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1, 5: (1 << 16) - 1}
FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV  # all a rule on a file may hold
READ = FS_READ_FILE | FS_READ_DIR
# Its own folders: anything but running programs and making device nodes (which needs root anyway).
WRITE = (
    READ
    | FS_WRITE_FILE
    | FS_REMOVE_DIR
    | FS_REMOVE_FILE
    | FS_MAKE_DIR
    | FS_MAKE_REG
    | FS_MAKE_SOCK
    | FS_MAKE_FIFO
    | FS_MAKE_SYM
    | FS_REFER
    | FS_TRUNCATE
)
DEVICE = FS_READ_FILE | FS_WRITE_FILE | FS_IOCTL_DEV  # /dev/null and friends


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # the kernel's struct is packed: 12 bytes
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc: ctypes.CDLL | None = None


def _syscall(index: int, *args: Any) -> int:
    """landlock_create_ruleset (0), _add_rule (1) or _restrict_self (2); raises OSError on failure."""
    global _libc
    numbers = _SYSCALLS.get(platform.machine())
    if numbers is None:
        raise OSError(errno.ENOSYS, f"Landlock's system call numbers are not known for {platform.machine()}")
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.syscall.restype = ctypes.c_long
    result: int = _libc.syscall(ctypes.c_long(numbers[index]), *args)  # restype c_long: an int
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return result


def abi() -> int:
    """The kernel's Landlock ABI version, or 0 where Landlock is missing or disabled."""
    try:
        return _syscall(0, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION))
    except OSError:  # ENOSYS: not built in (or hidden by seccomp); EOPNOTSUPP: built in but not enabled
        return 0


def unavailable_reason() -> str:
    """Why `abi()` is 0, in words (for the layers report)."""
    try:
        _syscall(0, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION))
    except OSError as err:
        if err.errno == errno.EOPNOTSUPP:
            return "Landlock is built into this kernel but not enabled (lsm= boot parameter)"
        if err.errno == errno.ENOSYS:
            return "this kernel has no Landlock (or a seccomp profile hides it)"
        return f"Landlock refused: {err.strerror}"
    return ""


def fs_rights(version: int) -> int:
    return _FS_BY_ABI.get(version, _FS_BY_ABI[5]) if version >= 1 else 0


class Ruleset:
    """A Landlock ruleset for one ABI: add folders and files with the rights they keep, then `restrict()`."""

    def __init__(self, version: int) -> None:
        if version < 1:
            raise ValueError(f"Landlock ABI must be at least 1, got {version}")
        self.version = version
        self.handled = fs_rights(version)
        attr = _RulesetAttr(self.handled, 0, 0)
        size = 8  # ABI 1-3: handled_access_fs only
        if version >= 4:
            attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP  # no rule: no TCP at all
            size = 16
        if version >= 6:
            attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
            size = 24
        self.fd = _syscall(0, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
        self.rules = 0

    def allow(self, path_or_fd: str | int, rights: int) -> bool:
        """Grant `rights` beneath a folder (or on a file), given by path or by an open (O_PATH) fd. A path
        that does not exist is skipped and False returned; a file only keeps the rights a file can have."""
        own = isinstance(path_or_fd, str)  # an fd we open here, and close
        if isinstance(path_or_fd, str):
            try:
                fd = os.open(path_or_fd, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                return False
        else:
            fd = path_or_fd
        try:
            if not stat.S_ISDIR(os.fstat(fd).st_mode):
                rights &= FILE_RIGHTS
            rights &= self.handled
            if not rights:
                return False
            attr = _PathBeneathAttr(rights, fd)
            _syscall(1, ctypes.c_int(self.fd), ctypes.c_int(RULE_PATH_BENEATH), ctypes.byref(attr), ctypes.c_uint32(0))
            self.rules += 1
            return True
        finally:
            if own:
                os.close(fd)

    def restrict(self) -> None:
        """Confine this process (and everything it starts later) to the rules. Sets no_new_privs first,
        which Landlock requires of a process without CAP_SYS_ADMIN."""
        PR_SET_NO_NEW_PRIVS = 38
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"prctl(PR_SET_NO_NEW_PRIVS): {os.strerror(err)}")
        _syscall(2, ctypes.c_int(self.fd), ctypes.c_uint32(0))

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def describe(version: int) -> str:
    """The layer in words, for the report of layers in force."""
    if version < 1:
        return "landlock: not available"
    extras = [
        name
        for abi_needed, name in (
            (2, "refer"),
            (3, "truncate"),
            (4, "tcp"),
            (5, "ioctl_dev"),
            (6, "signal and abstract-socket scopes"),
        )
        if version >= abi_needed
    ]
    return f"landlock ABI {version} (files{', ' + ', '.join(extras) if extras else ''})"


# -- planning the rules (run by the grader, which may read everything) ----------------------------------


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def plan(
    read: Iterable[str],
    write: Iterable[str],
    hidden: Iterable[str],
    devices: Iterable[str] = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random"),
) -> list[tuple[str, int]]:
    """[(path, rights)]: `read` folders and files readable, `write` folders fully the guest's, device files
    usable, and nothing of `hidden` unless named itself. Landlock can only grant, so a read folder that holds
    a hidden one is replaced by its entries (recursively) minus the hidden one: a Python's prefix minus its
    site-packages, /usr/lib minus dist-packages. A path named in `read` is granted even inside a hidden folder
    (numpy in a virtualenv inside the checkout). Paths are made real first, since Landlock sees inodes."""
    hidden_real = sorted({os.path.realpath(h) for h in hidden})
    rules: list[tuple[str, int]] = []

    def grant(path: str, rights: int) -> None:
        real = os.path.realpath(path)
        if not os.path.exists(real) or real in hidden_real:
            return
        holding = [h for h in hidden_real if _inside(h, real)]
        if not holding or not os.path.isdir(real):
            rules.append((real, rights))
            return
        try:
            entries = sorted(os.listdir(real))
        except OSError:
            return
        for name in entries:
            grant(os.path.join(real, name), rights)

    for path in read:
        grant(path, READ)
    for path in devices:
        if os.path.exists(path):
            rules.append((path, DEVICE))
    for path in write:
        rules.append((os.path.realpath(path), WRITE))  # its own folders: granted even inside a hidden one
    merged: dict[str, int] = {}
    for path, rights in rules:  # one rule per path (/lib and /usr/lib are one folder on most systems)
        merged[path] = merged.get(path, 0) | rights
    return list(merged.items())
