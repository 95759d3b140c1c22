"""Hostile: every effective_step call takes just under a timeout: it still costs about one timeout in all."""
import time

import numpy as np


def update_v(v_prev, g, beta2=0.999):
    return beta2 * np.asarray(v_prev) + (1 - beta2) * np.asarray(g) * np.asarray(g)


def bias_correct(v, t, beta2=0.999):
    return np.asarray(v) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    time.sleep(0.8)
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
