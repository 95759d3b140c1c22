"""make sure everything is a float"""
import numpy as np


def update_v(v_prev, g, beta2=0.999):
    return float(beta2 * float(v_prev) + (1 - beta2) * float(g) ** 2)


def bias_correct(v, t, beta2=0.999):
    return float(v) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(float(v_hat)) + eps)
