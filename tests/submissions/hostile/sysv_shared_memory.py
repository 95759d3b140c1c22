"""Hostile (issue 12, attack 8): SysV shared memory that would outlive the student, beyond --memory.

At import it makes segments of 256 MB until refused (up to 2 GB: detached, they never count against the
address-space limit), marks each, and never removes them. It touches only the mark: a segment's size is
what the cap counts, and filling 2 GB would take longer than the timeout. It also prints whether it
found a segment an earlier student left. The functions are right: the attack is on memory and on the
students after it. The grader must cap shared memory at the memory limit and remove every segment.
"""
import ctypes

import numpy as np

libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
IPC_PRIVATE, IPC_CREAT, SEGMENT = 0, 0o1000, 256 * 1024 * 1024
MARK = b"sysv-left-" + b"behind"

found = 0
try:
    with open("/proc/sysvipc/shm") as table:
        for row in table.read().splitlines()[1:]:
            shmid = int(row.split()[1])
            address = libc.shmat(shmid, None, 0o10000)  # SHM_RDONLY
            if address not in (None, ctypes.c_void_p(-1).value):
                found += ctypes.string_at(address, len(MARK)) == MARK
                libc.shmdt(ctypes.c_void_p(address))
except OSError:
    pass
print(f"segments left by earlier students: {found}")

made = 0
for _ in range(8):  # 2 GB at most
    shmid = libc.shmget(IPC_PRIVATE, SEGMENT, IPC_CREAT | 0o600)
    if shmid < 0:
        break
    address = libc.shmat(shmid, None, 0)
    if address in (None, ctypes.c_void_p(-1).value):
        break
    ctypes.memmove(address, MARK, len(MARK))
    libc.shmdt(ctypes.c_void_p(address))
    made += 1
print(f"segments made: {made}")


def update_v(v_prev, g, beta2=0.999):
    return beta2 * np.asarray(v_prev, dtype=float) + (1 - beta2) * np.asarray(g, dtype=float) ** 2


def bias_correct(v, t, beta2=0.999):
    return np.asarray(v, dtype=float) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
