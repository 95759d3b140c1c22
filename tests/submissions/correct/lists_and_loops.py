"""Correct, converting lists explicitly and looping over the elements with math."""
import math

import numpy as np


def _elementwise(func, *arrays):
    arrays = np.broadcast_arrays(*[np.asarray(a, dtype=float) for a in arrays])
    out = np.empty(arrays[0].shape)
    for index in np.ndindex(out.shape):
        out[index] = func(*(float(a[index]) for a in arrays))
    return float(out) if out.ndim == 0 else out


def update_v(v_prev, g, beta2=0.999):
    return _elementwise(lambda v, x: beta2 * v + (1 - beta2) * x**2, v_prev, g)


def bias_correct(v, t, beta2=0.999):
    return _elementwise(lambda x: x / (1 - beta2**t), v)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return _elementwise(lambda x: alpha / (math.sqrt(x) + eps), v_hat)
