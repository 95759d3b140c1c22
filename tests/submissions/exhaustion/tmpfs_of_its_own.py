"""Hostile (issue 19): a user and mount namespace of its own, made from inside the guest, where it is root
and may mount a tmpfs with no size cap, outside --disk (and, with no memory cgroup, outside --memory): it
fills 1 GB there in 16 MB files. It prints how far it got; within its budget that is at most --disk,
whether the namespace, the uid map or the mount is refused (tests/test_submission_budget.py)."""
import ctypes
import os

CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000
STEP = 16 << 20
libc = ctypes.CDLL(None, use_errno=True)
uid, gid = os.getuid(), os.getgid()
total = 0
steps = []
if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0:
    steps.append("namespace")
    try:
        for path, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
            with open(f"/proc/self/{path}", "w") as f:
                f.write(text)
        steps.append("root in it")
    except OSError:
        pass
    os.makedirs("own-tmpfs", exist_ok=True)
    if libc.mount(b"tmpfs", b"own-tmpfs", b"tmpfs", 0, b"size=2g") == 0:
        steps.append("mounted")
        for i in range(64):
            if total >= 1 << 30:
                break
            try:
                fd = os.open(os.path.join("own-tmpfs", f"fill-{i}"), os.O_WRONLY | os.O_CREAT, 0o600)
            except OSError:
                break
            try:
                os.posix_fallocate(fd, 0, STEP)
                total += STEP
            except OSError:
                break
            finally:
                os.close(fd)
print(f"got: {', '.join(steps) or 'nothing'}; own tmpfs held {total >> 20} MB")

import numpy as np


def update_v(v_prev, g, beta2=0.999):
    v_prev = np.asarray(v_prev)
    g = np.asarray(g)
    return beta2 * v_prev + (1 - beta2) * g * g


def bias_correct(v, t, beta2=0.999):
    return np.asarray(v) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
