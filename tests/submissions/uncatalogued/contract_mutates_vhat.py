"""sqrt in place"""
import numpy as np


def update_v(v_prev, g, beta2=0.999):
    return beta2 * np.asarray(v_prev, dtype=float) + (1 - beta2) * np.asarray(g, dtype=float) ** 2


def bias_correct(v, t, beta2=0.999):
    return np.asarray(v, dtype=float) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    if isinstance(v_hat, np.ndarray) and v_hat.dtype == np.float64:
        np.sqrt(v_hat, out=v_hat)
        return alpha / (v_hat + eps)
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
