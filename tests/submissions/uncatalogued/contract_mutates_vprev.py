"""updates v in place like an optimizer would"""
import numpy as np


def update_v(v_prev, g, beta2=0.999):
    if isinstance(v_prev, np.ndarray) and v_prev.dtype == np.float64:
        v_prev *= beta2
        v_prev += (1 - beta2) * np.asarray(g, dtype=float) ** 2
        return v_prev
    return beta2 * np.asarray(v_prev, dtype=float) + (1 - beta2) * np.asarray(g, dtype=float) ** 2


def bias_correct(v, t, beta2=0.999):
    return np.asarray(v, dtype=float) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
