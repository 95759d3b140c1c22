"""libc through ctypes, loaded once per process: the few system calls Python's os module does not offer
(mount, prctl, unshare, madvise, the SysV IPC controls)."""

import ctypes
import functools


@functools.cache
def libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)
