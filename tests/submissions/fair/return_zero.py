def update_v(v_prev, g, beta2=0.999):
    return 0.0

def bias_correct(v, t, beta2=0.999):
    return 0.0

def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return 0.0
