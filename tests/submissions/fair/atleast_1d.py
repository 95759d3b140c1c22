import numpy as np

def update_v(v_prev, g, beta2=0.999):
    v_prev = np.atleast_1d(np.asarray(v_prev, dtype=np.float64))
    g = np.atleast_1d(np.asarray(g, dtype=np.float64))
    return beta2 * v_prev + (1 - beta2) * g**2

def bias_correct(v, t, beta2=0.999):
    v = np.atleast_1d(np.asarray(v, dtype=np.float64))
    return v / (1 - beta2**t)

def effective_step(v_hat, alpha=0.001, eps=1e-8):
    v_hat = np.atleast_1d(np.asarray(v_hat, dtype=np.float64))
    return alpha / (np.sqrt(v_hat) + eps)
