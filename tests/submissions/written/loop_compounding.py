import numpy as np


def update_v(v_prev, g, beta2=0.999):
    return beta2 * np.array(v_prev, dtype=float) + (1 - beta2) * np.array(g, dtype=float) ** 2


def bias_correct(v, t, beta2=0.999):
    correction = 1.0
    for i in range(1, t + 1):
        correction = correction * (1 - beta2**i)
    return np.array(v, dtype=float) / correction


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    v_hat = np.array(v_hat, dtype=float)
    return alpha / (v_hat + eps)
