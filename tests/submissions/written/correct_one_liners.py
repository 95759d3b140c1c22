import numpy as np


def update_v(v_prev, g, beta2=0.999):
    out = np.add(np.multiply(beta2, v_prev, dtype=np.float64), np.multiply(1 - beta2, np.square(g, dtype=np.float64)))
    return out[()] if np.ndim(out) == 0 else out


def bias_correct(v, t, beta2=0.999):
    out = np.true_divide(np.asarray(v, dtype=np.float64), 1 - np.power(beta2, t))
    return out[()] if np.ndim(out) == 0 else out


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    out = alpha * np.reciprocal(np.sqrt(np.asarray(v_hat, dtype=np.float64)) + eps)
    return out[()] if np.ndim(out) == 0 else out
