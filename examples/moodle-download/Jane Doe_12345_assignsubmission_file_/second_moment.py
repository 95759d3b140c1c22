# MATH 3850 homework: Adam's second moment. Jane Doe
import numpy as np


def update_v(v_prev, g, beta2=0.999):
    """Running average of squared gradients."""
    g = np.asarray(g, dtype=float)
    return beta2 * np.asarray(v_prev, dtype=float) + (1 - beta2) * g**2


def bias_correct(v, t, beta2=0.999):
    """Undo the pull towards zero from starting at v_0 = 0."""
    return np.asarray(v, dtype=float) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    """How far one step moves a parameter."""
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
