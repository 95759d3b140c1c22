import numpy as np


def update_v(v_prev, g, beta2=0.999):
    v_prev = np.asarray(v_prev, dtype=np.float64)
    g = np.asarray(g, dtype=np.float64)
    v = beta2 * v_prev + (1 - beta2) * np.abs(g)
    return v


def bias_correct(v, t, beta2=0.999):
    v = np.asarray(v, dtype=np.float64)
    return v / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    # the update is alpha * v_hat / (sqrt(v_hat) + eps)
    v_hat = np.asarray(v_hat, dtype=np.float64)
    return alpha * v_hat / (np.sqrt(v_hat) + eps)
