def update_v(v_prev, g, beta2=0.999)
    return beta2 * v_prev +
