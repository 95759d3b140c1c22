"""Hostile: update_v returns NaN, bias_correct returns inf, effective_step returns -inf."""
import numpy as np


def update_v(v_prev, g, beta2=0.999):
    return np.full(np.shape(g), np.nan) if np.shape(g) else float("nan")


def bias_correct(v, t, beta2=0.999):
    return np.full(np.shape(v), np.inf) if np.shape(v) else float("inf")


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return np.full(np.shape(v_hat), -np.inf) if np.shape(v_hat) else float("-inf")
