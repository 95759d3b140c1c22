import numpy as np

def update_v(v_prev, g, beta2=0.999):
    return beta2 * v_prev + (1 - beta2) * np.square(g)

def bias_correct(v, t, beta2=0.999):
    return v / (1 - beta2 ** t)

def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(v_hat) + eps)
