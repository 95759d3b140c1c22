"""correct, with math on floats and a loop for arrays"""
import math
import numpy as np


def _each(f, *xs):
    arrs = [np.asarray(x, dtype=float) for x in xs]
    if arrs[0].ndim == 0:
        return f(*[float(a) for a in arrs])
    out = np.empty(arrs[0].shape)
    for i in np.ndindex(out.shape):
        out[i] = f(*[float(a[i]) for a in arrs])
    return out


def update_v(v_prev, g, beta2=0.999):
    return _each(lambda v, x: beta2 * v + (1 - beta2) * math.pow(x, 2), v_prev, g)


def bias_correct(v, t, beta2=0.999):
    corr = 1.0
    for _ in range(t):
        corr *= beta2
    return _each(lambda x: x / (1 - corr), v)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return _each(lambda x: alpha / (math.sqrt(x) + eps), v_hat)
