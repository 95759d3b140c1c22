"""correct, with expm1/log1p for accuracy"""
import numpy as np


def update_v(v_prev, g, beta2=0.999):
    v_prev = np.asarray(v_prev, dtype=float)
    g = np.asarray(g, dtype=float)
    return v_prev + (1 - beta2) * (np.square(g) - v_prev)


def bias_correct(v, t, beta2=0.999):
    v = np.asarray(v, dtype=float)
    return v / -np.expm1(t * np.log(beta2))


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / np.add(np.sqrt(np.asarray(v_hat, dtype=float)), eps)
