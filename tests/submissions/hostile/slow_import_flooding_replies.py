"""Hostile (issue 12, attack 5): a slow import, and every call floods the reply pipe past the size bound.

Each oversized reply makes the grader kill the guest, so the next call loads the file again (2 s each).
Without a bound on reloads that is about 2 s per check; the whole submission must still end within
(functions + 1) x timeout plus a small constant.
"""
import os
import stat
import time

time.sleep(2)


def _flood():
    block = b" " * (1 << 20)
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            if fd > 2 and stat.S_ISFIFO(os.fstat(fd).st_mode):
                for _ in range(17):
                    os.write(fd, block)
        except OSError:
            continue


def update_v(v_prev, g, beta2=0.999):
    _flood()
    return beta2 * v_prev + (1 - beta2) * g * g


def bias_correct(v, t, beta2=0.999):
    _flood()
    return v / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    _flood()
    return alpha / (v_hat**0.5 + eps)
