"""Hostile (issue 12, attack 9, cleanup): 1,500 nested folders in its work folder, some locked (mode 000).

Removing them recursively raised RecursionError in the sandbox process. They must be removed without
crashing it, and leave nothing behind. The functions are right.
"""
import os

import numpy as np

try:
    top = os.open(".", os.O_RDONLY)
    for depth in range(1500):
        os.mkdir("nest", dir_fd=top)
        with open(os.open("marker", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=top), "w") as f:
            f.write("x")
        inner = os.open("nest", os.O_RDONLY, dir_fd=top)
        if depth % 500 == 499:
            os.chmod("nest", 0, dir_fd=top)
        os.close(top)
        top = inner
    os.close(top)
except OSError:
    pass  # out of inodes (level os: a small private tmpfs)


def update_v(v_prev, g, beta2=0.999):
    return beta2 * np.asarray(v_prev, dtype=float) + (1 - beta2) * np.asarray(g, dtype=float) ** 2


def bias_correct(v, t, beta2=0.999):
    return np.asarray(v, dtype=float) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
