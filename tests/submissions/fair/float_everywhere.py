def update_v(v_prev, g, beta2=0.999):
    return float(beta2 * v_prev + (1 - beta2) * g ** 2)

def bias_correct(v, t, beta2=0.999):
    return float(v / (1 - beta2 ** t))

def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return float(alpha / (v_hat ** 0.5 + eps))
