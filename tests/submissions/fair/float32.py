import numpy as np

def update_v(v_prev, g, beta2=0.999):
    return np.float32(beta2) * np.asarray(v_prev, dtype=np.float32) + np.float32(1 - beta2) * np.asarray(g, dtype=np.float32) ** 2

def bias_correct(v, t, beta2=0.999):
    return np.asarray(v, dtype=np.float32) / np.float32(1 - beta2 ** t)

def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return np.float32(alpha) / (np.sqrt(np.asarray(v_hat, dtype=np.float32)) + np.float32(eps))
