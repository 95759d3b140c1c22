import numpy as np

def update_v(v_prev, g, beta2=0.999):
    return beta2 * np.asarray(v_prev, dtype=float) + (1 - beta2) * np.asarray(g, dtype=float) ** 2

def bias_correct(v, t, beta2=0.999):
    raise NotImplementedError("bias_correct: not implemented yet (task 2); write it here")

def effective_step(v_hat, alpha=0.001, eps=1e-8):
    raise NotImplementedError("effective_step: not implemented yet (task 3); write it here")
