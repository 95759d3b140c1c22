"""loops over lists so it works for anything"""


def update_v(v_prev, g, beta2=0.999):
    if isinstance(g, (int, float)):
        return beta2 * v_prev + (1 - beta2) * g * g
    return [beta2 * v + (1 - beta2) * x * x for v, x in zip(v_prev, g)]


def bias_correct(v, t, beta2=0.999):
    if isinstance(v, (int, float)):
        return v / (1 - beta2**t)
    return [x / (1 - beta2**t) for x in v]


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    if isinstance(v_hat, (int, float)):
        return alpha / (v_hat**0.5 + eps)
    return [alpha / (x**0.5 + eps) for x in v_hat]
