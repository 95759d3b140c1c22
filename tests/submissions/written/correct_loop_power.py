import numpy as np


def update_v(v_prev, g, beta2=0.999):
    v_prev = np.array(v_prev, dtype=np.float64)
    g = np.array(g, dtype=np.float64)
    v_prev *= beta2
    v_prev += (1.0 - beta2) * g * g
    return float(v_prev) if v_prev.ndim == 0 else v_prev


def bias_correct(v, t, beta2=0.999):
    power = 1.0
    for _ in range(t):
        power *= beta2
    v_hat = np.array(v, dtype=np.float64) / (1.0 - power)
    return float(v_hat) if v_hat.ndim == 0 else v_hat


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    root = np.sqrt(np.array(v_hat, dtype=np.float64))
    step = np.divide(alpha, root + eps)
    return float(step) if step.ndim == 0 else step
