"""Correct, updating a private copy in place."""
import numpy as np


def update_v(v_prev, g, beta2=0.999):
    v = np.array(v_prev, dtype=np.float64, copy=True)
    g2 = np.array(g, dtype=np.float64, copy=True)
    g2 **= 2
    v *= beta2
    v += (1.0 - beta2) * g2
    return v


def bias_correct(v, t, beta2=0.999):
    out = np.array(v, dtype=np.float64, copy=True)
    out /= 1.0 - beta2**t
    return out


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    out = np.array(v_hat, dtype=np.float64, copy=True)
    np.sqrt(out, out=out)
    out += eps
    np.divide(alpha, out, out=out)
    return out
