"""Wrong: uses beta1 = 0.9 in both update_v and bias_correct, so v_hat_1 comes out right."""
import numpy as np


def update_v(v_prev, g, beta2=0.999):
    beta = 0.9
    return beta * np.asarray(v_prev, dtype=float) + (1 - beta) * np.asarray(g, dtype=float) ** 2


def bias_correct(v, t, beta2=0.999):
    beta = 0.9
    return np.asarray(v, dtype=float) / (1 - beta**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
