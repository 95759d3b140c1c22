import numpy as np


def _as_float(x):
    arr = np.asarray(x, dtype=np.float64)
    return arr.copy()


def update_v(v_prev, g, beta2=0.999):
    if not 0 <= beta2 < 1:
        raise ValueError("beta2 must be in [0, 1)")
    v_prev, g = _as_float(v_prev), _as_float(g)
    v_t = beta2 * v_prev + (1 - beta2) * g**2
    return v_t.item() if v_t.shape == () else v_t


def bias_correct(v, t, beta2=0.999):
    if t < 1:
        raise ValueError("t starts at 1")
    v = _as_float(v)
    v_hat = v / (1 - beta2**t)
    return v_hat.item() if v_hat.shape == () else v_hat


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    v_hat = _as_float(v_hat)
    denominator = np.sqrt(v_hat) + eps
    step = alpha / denominator
    return step.item() if step.shape == () else step
