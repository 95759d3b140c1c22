def update_v(v_prev, g, beta2=0.999):
    return v_prev

def bias_correct(v, t, beta2=0.999):
    return v

def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return v_hat
