"""Wrong: ignores the beta2, alpha and eps it is given."""
import numpy as np


def update_v(v_prev, g, beta2=0.999):
    return 0.999 * np.asarray(v_prev, dtype=float) + 0.001 * np.asarray(g, dtype=float) ** 2


def bias_correct(v, t, beta2=0.999):
    return np.asarray(v, dtype=float) / (1 - 0.999**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return 0.001 / (np.sqrt(np.asarray(v_hat, dtype=float)) + 1e-8)
