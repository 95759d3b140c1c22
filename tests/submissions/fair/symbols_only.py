import numpy as np

def _is_symbolic(x):
    return type(x).__module__.startswith("sympy")

def update_v(v_prev, g, beta2=0.999):
    return beta2 * v_prev + (1 - beta2) * g ** 2

def bias_correct(v, t, beta2=0.999):
    if _is_symbolic(v) or _is_symbolic(beta2):
        return v / (1 - beta2 ** t)
    # "numeric version": forgot the power
    return np.asarray(v, dtype=float) / (1 - beta2)

def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
