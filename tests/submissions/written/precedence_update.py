import numpy as np


def update_v(v_prev, g, beta2=0.999):
    v_prev = np.asarray(v_prev, dtype=float)
    g = np.asarray(g, dtype=float)
    return beta2 * v_prev + 1 - beta2 * g**2


def bias_correct(v, t, beta2=0.999):
    v = np.asarray(v, dtype=float)
    return v / (1 - beta2 ** (t - 1))


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    v_hat = np.asarray(v_hat, dtype=float)
    return alpha / (np.sqrt(v_hat) + eps)
