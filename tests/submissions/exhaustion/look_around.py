"""Hostile (issue 19 item 1): looks for the TA's services, home and checkout (paths that exist on the TA's
machine, written in by tests/test_namespaces.py), and for how big its /tmp is, then prints what it found.
It only asks whether each path exists (stat, which Landlock does not check): in its sandbox's namespaces
none of them is there at all, and /tmp is a tmpfs of --disk."""
import os

PATHS = []  # tests/test_namespaces.py writes the TA's paths here

tmp = os.statvfs("/tmp")
print(f"saw {sum(os.path.exists(p) for p in PATHS)} of {len(PATHS)} tmp_mb={tmp.f_blocks * tmp.f_frsize >> 20}")
import numpy as np


def update_v(v_prev, g, beta2=0.999):
    v_prev = np.asarray(v_prev)
    g = np.asarray(g)
    return beta2 * v_prev + (1 - beta2) * g * g


def bias_correct(v, t, beta2=0.999):
    return np.asarray(v) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
