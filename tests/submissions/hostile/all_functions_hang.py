"""Hostile: every function hangs: the submission must still end in about (functions + 1) x timeout."""
import time


def update_v(v_prev, g, beta2=0.999):
    while True:
        time.sleep(0.01)


def bias_correct(v, t, beta2=0.999):
    while True:
        pass


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    while True:
        pass
