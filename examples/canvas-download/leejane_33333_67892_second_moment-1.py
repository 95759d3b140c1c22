"""Correct, written with numpy ufuncs only."""
import numpy as np


def update_v(v_prev, g, beta2=0.999):
    return np.add(np.multiply(beta2, v_prev, dtype=np.float64), np.multiply(np.subtract(1.0, beta2), np.square(g, dtype=np.float64)))


def bias_correct(v, t, beta2=0.999):
    return np.divide(v, np.subtract(1.0, np.power(beta2, t)), dtype=np.float64)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return np.divide(alpha, np.add(np.sqrt(v_hat, dtype=np.float64), eps))
