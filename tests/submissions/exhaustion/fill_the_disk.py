"""Hostile (issue 19): fallocate 1 GB in 16 MB files (RLIMIT_FSIZE bounds one file, not their sum), in its
temp folder and in /tmp, to fill the file system the TA's gradebook is on. It prints how much it got;
within its budget that is at most --disk, and none of it lands on the TA's disk
(tests/test_submission_budget.py)."""
import os
import tempfile

STEP = 16 << 20
total = 0
for folder in (tempfile.gettempdir(), "/tmp"):
    for i in range(64):
        if total >= 1 << 30:
            break
        try:
            fd = os.open(os.path.join(folder, f"adam-hw-fill-{i}"), os.O_WRONLY | os.O_CREAT, 0o600)
        except OSError:
            break
        try:
            os.posix_fallocate(fd, 0, STEP)
            total += STEP
        except OSError:
            break
        finally:
            os.close(fd)
print(f"fallocated {total >> 20} MB")

import numpy as np


def update_v(v_prev, g, beta2=0.999):
    v_prev = np.asarray(v_prev)
    g = np.asarray(g)
    return beta2 * v_prev + (1 - beta2) * g * g


def bias_correct(v, t, beta2=0.999):
    return np.asarray(v) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
