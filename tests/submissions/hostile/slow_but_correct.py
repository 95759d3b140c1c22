"""Correct, but slow: loading it takes 0.8 s of CPU (think of a student's own self-test at import). It
must score 100 whatever a classmate in the other job slot does with the CPUs (tests/test_fair_cpu.py)."""
import time

import numpy as np

_start = time.process_time()
while time.process_time() - _start < 0.8:  # CPU time, not wall time: the work is the same on a busy machine
    pass


def update_v(v_prev, g, beta2=0.999):
    v_prev = np.asarray(v_prev)
    g = np.asarray(g)
    return beta2 * v_prev + (1 - beta2) * g * g


def bias_correct(v, t, beta2=0.999):
    return np.asarray(v) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
