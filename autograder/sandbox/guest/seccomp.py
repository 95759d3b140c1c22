"""seccomp: no network and no IPC endpoint by name for the guest, by a small BPF filter written here (no
libseccomp).

Landlock's network rules cover TCP only, and only from ABI 4, and it does not check `connect()` on a named
unix socket at all: a TA's session bus (/run/user/UID/bus) or the system bus would be reachable, and through
them `systemd-run` runs code outside every layer. So this filter refuses `socket()` itself, for every family,
AF_UNIX included, with EACCES, which socket(2) documents as "permission denied": the student's code sees an
ordinary OSError. Neither the guest nor what it imports needs one: its pipes come from the sandbox process,
and importing numpy, sympy and matplotlib and plotting make no socket (strace); glibc's passwd lookup tries
nscd's socket and, refused, reads the files. `socketpair()` stays allowed (a separate system call): its two
ends are joined to each other only, and multiprocessing and asyncio use it. io_uring is refused too
(ENOSYS), since IORING_OP_SOCKET makes sockets without the socket() system call.

The filter first checks the architecture the call was made for: a call through another ABI (i386's
`int 0x80` or x32 on x86_64, where the numbers differ and socketcall() multiplexes sockets) kills the
process instead of being read with the wrong numbers. `install()` sets no_new_privs, which seccomp requires
of an unprivileged process; the filter is inherited by every process the guest starts and cannot be lifted.

Like landlock.py, no imports from the grader: the sandbox runs this file's text.
"""

import ctypes
import errno
import functools
import os
import platform
import struct

# machine -> (AUDIT_ARCH_*, socket, socketpair, io_uring_setup, io_uring_enter, io_uring_register)
_ARCHES = {
    "x86_64": (0xC000003E, 41, 53, 425, 426, 427),
    "aarch64": (0xC00000B7, 198, 199, 425, 426, 427),
    "arm64": (0xC00000B7, 198, 199, 425, 426, 427),
}
# machine -> (sched_setaffinity, memfd_create)
_MORE = {"x86_64": (203, 319), "aarch64": (122, 279), "arm64": (122, 279)}
X32_SYSCALL_BIT = 0x40000000

# BPF opcodes (linux/filter.h) and seccomp return values (linux/seccomp.h).
BPF_LD_W_ABS = 0x20
BPF_JEQ_K = 0x15
BPF_JGE_K = 0x35
BPF_RET_K = 0x06
RET_KILL_PROCESS = 0x80000000
RET_ERRNO = 0x00050000
RET_ALLOW = 0x7FFF0000
# offsets in struct seccomp_data: int nr; u32 arch; u64 ip; u64 args[6]
OFF_NR, OFF_ARCH = 0, 4

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

#: One BPF instruction: (code, jt, jf, k), as struct sock_filter packs it.
Insn = tuple[int, int, int, int]


def _stmt(code: int, k: int) -> Insn:
    return (code, 0, 0, k)


def _jump(code: int, k: int, jt: int, jf: int) -> Insn:
    return (code, jt, jf, k)


def supported() -> bool:
    """True where this module knows the machine's system call numbers."""
    return platform.machine() in _ARCHES


def program(machine: str | None = None, memfd: bool = True) -> list[Insn]:
    """The filter as a list of (code, jt, jf, k) BPF instructions for `machine` (default: this one);
    `memfd`: whether memfd_create is allowed (only where a memory cgroup counts its pages)."""
    arch, socket_nr, _, *uring = _ARCHES[machine or platform.machine()]
    affinity_nr, memfd_nr = _MORE[machine or platform.machine()]
    deny_socket = RET_ERRNO | errno.EACCES
    deny_uring = RET_ERRNO | errno.ENOSYS
    prog = [
        _stmt(BPF_LD_W_ABS, OFF_ARCH),
        _jump(BPF_JEQ_K, arch, 1, 0),
        _stmt(BPF_RET_K, RET_KILL_PROCESS),  # a foreign ABI: its numbers mean other calls
        _stmt(BPF_LD_W_ABS, OFF_NR),
    ]
    if (machine or platform.machine()) == "x86_64":
        prog += [_jump(BPF_JGE_K, X32_SYSCALL_BIT, 0, 1), _stmt(BPF_RET_K, RET_KILL_PROCESS)]
    for nr in uring:
        prog += [_jump(BPF_JEQ_K, nr, 0, 1), _stmt(BPF_RET_K, deny_uring)]
    # The sandbox's CPUs are its job slot's (pool.py): a guest may not move off them onto a classmate's.
    prog += [_jump(BPF_JEQ_K, affinity_nr, 0, 1), _stmt(BPF_RET_K, RET_ERRNO | errno.EPERM)]
    if not memfd:
        prog += [_jump(BPF_JEQ_K, memfd_nr, 0, 1), _stmt(BPF_RET_K, RET_ERRNO | errno.EPERM)]
    prog += [
        _jump(BPF_JEQ_K, socket_nr, 0, 1),  # socket(), whatever its family
        _stmt(BPF_RET_K, deny_socket),
        _stmt(BPF_RET_K, RET_ALLOW),
    ]
    return prog


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


@functools.cache
def prepared(memfd: bool = True) -> tuple[_SockFprog, ctypes.Array[ctypes.c_char], ctypes.CDLL]:
    """The filter ready for prctl, built once: the sandbox process calls this before it forks any guest, so
    each guest only makes the two prctl calls. Raises OSError (ENOSYS) where the machine is unknown."""
    if not supported():
        raise OSError(errno.ENOSYS, f"no seccomp filter for {platform.machine()}")
    prog = program(memfd=memfd)
    raw = b"".join(struct.pack("HBBI", *insn) for insn in prog)
    buffer = ctypes.create_string_buffer(raw, len(raw))
    fprog = _SockFprog(len(prog), ctypes.cast(buffer, ctypes.c_void_p))
    return fprog, buffer, ctypes.CDLL(None, use_errno=True)  # the buffer kept alive with the structure


def install(memfd: bool = True) -> None:
    """Apply the filter to this process and its future children. Raises OSError where the kernel refuses
    (no seccomp, or a machine whose numbers are unknown: ENOSYS)."""
    fprog, _, libc = prepared(memfd)
    for args in ((PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0)):
        if libc.prctl(*args) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"prctl({args[0]}): {os.strerror(err)}")


DESCRIPTION = "seccomp: no network and no IPC endpoint by name (socket() refused for every family, unix included; socketpair allowed; io_uring refused), sched_setaffinity refused"
#: Added where no memory cgroup counts a memfd's pages.
NO_MEMFD = "memfd_create refused (no memory cgroup to count its pages)"
