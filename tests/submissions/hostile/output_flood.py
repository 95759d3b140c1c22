"""Hostile: floods its output with megabytes of text at import, then implements everything right."""
import sys

import numpy as np

print("FIRST LINE OF THE FLOOD")
try:
    for i in range(2_000):
        sys.stdout.write("spam " * 10_000 + "\n")
except OSError:
    pass  # the file-size limit
print("LAST LINE OF THE FLOOD")


def update_v(v_prev, g, beta2=0.999):
    return beta2 * np.asarray(v_prev) + (1 - beta2) * np.asarray(g) * np.asarray(g)


def bias_correct(v, t, beta2=0.999):
    return np.asarray(v) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)

