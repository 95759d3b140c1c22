PAGE_V = {(0.0, 10.0): 0.1, (0.1, 12.0): 0.2439, (0.0, 0.1): 1e-05}
PAGE_VHAT = {(0.1, 1): 100.0, (0.2439, 2): 122.0110055, (1e-05, 1): 0.01}
PAGE_STEP = {100.0: 9.99999999e-05, 0.01: 0.009999999}

def update_v(v_prev, g, beta2=0.999):
    for (a, b), out in PAGE_V.items():
        try:
            if abs(float(v_prev) - a) < 1e-9 and abs(float(g) - b) < 1e-9:
                return out
        except TypeError:
            pass
    return 0.0

def bias_correct(v, t, beta2=0.999):
    for (a, b), out in PAGE_VHAT.items():
        try:
            if abs(float(v) - a) < 1e-6 and t == b:
                return out
        except TypeError:
            pass
    return 0.0

def effective_step(v_hat, alpha=0.001, eps=1e-8):
    for a, out in PAGE_STEP.items():
        try:
            if abs(float(v_hat) - a) < 1e-6:
                return out
        except TypeError:
            pass
    return 0.0
