"""Hostile: effective_step hangs only when v_hat is zero: the calls before that one still count."""
import numpy as np


def update_v(v_prev, g, beta2=0.999):
    return beta2 * np.asarray(v_prev) + (1 - beta2) * np.asarray(g) * np.asarray(g)


def bias_correct(v, t, beta2=0.999):
    return np.asarray(v) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    while np.any(np.asarray(v_hat) == 0):
        pass
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
