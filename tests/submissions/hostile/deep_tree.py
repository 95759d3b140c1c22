"""Correct, but at import it leaves 1,500 nested folders (with a file at the bottom) in its work folder:
the sandbox's clean-up must remove them without recursing (shutil.rmtree recursed, hit RecursionError and
took the sandbox down) and without leaving anything in /tmp."""
import os

import numpy as np

_here = os.open(".", os.O_RDONLY)
for _ in range(1500):
    os.mkdir("d", dir_fd=_here)
    _inner = os.open("d", os.O_RDONLY, dir_fd=_here)
    os.close(_here)
    _here = _inner
os.close(os.open("left-behind.txt", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=_here))
os.close(_here)


def update_v(v_prev, g, beta2=0.999):
    return beta2 * np.asarray(v_prev) + (1 - beta2) * np.asarray(g) * np.asarray(g)


def bias_correct(v, t, beta2=0.999):
    return np.asarray(v) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
