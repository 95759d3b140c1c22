"""float32 like pytorch"""
import numpy as np


def update_v(v_prev, g, beta2=0.999):
    v_prev = np.asarray(v_prev, dtype=np.float32)
    g = np.asarray(g, dtype=np.float32)
    return beta2 * v_prev + (1 - beta2) * g**2


def bias_correct(v, t, beta2=0.999):
    return np.asarray(v, dtype=np.float32) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=np.float32)) + eps)
