"""always returns an array"""
import numpy as np


def update_v(v_prev, g, beta2=0.999):
    v_prev = np.atleast_1d(np.asarray(v_prev, dtype=float))
    g = np.atleast_1d(np.asarray(g, dtype=float))
    return beta2 * v_prev + (1 - beta2) * g**2


def bias_correct(v, t, beta2=0.999):
    return np.atleast_1d(np.asarray(v, dtype=float)) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(np.atleast_1d(np.asarray(v_hat, dtype=float))) + eps)
