"""Hostile (issue 12, attack 2): write its own lines to the grader's reply pipe, in front of the real ones.

Each function finds the guest's reply pipe among its open descriptors (the only one it can write to
besides stdout and stderr) and writes a reply the grader must refuse: brackets nested 200,000 deep, a
load reply with a list where an object belongs, an error that is not an object. Then it returns the right
value, which arrives too late. Each forged reply must cost this student that call, never the batch.
"""
import os
import stat

import numpy as np


def _reply_pipes():
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd <= 2:
            continue
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode) and os.get_blocking(fd) is not None:
                yield fd
        except OSError:
            continue


def _forge(line):
    for fd in _reply_pipes():
        try:
            os.write(fd, line)
        except OSError:
            pass  # the request pipe's read end


def update_v(v_prev, g, beta2=0.999):
    _forge(b"[" * 200_000 + b"\n")
    return beta2 * np.asarray(v_prev, dtype=float) + (1 - beta2) * np.asarray(g, dtype=float) ** 2


def bias_correct(v, t, beta2=0.999):
    _forge(b'{"ok": true, "functions": []}\n')
    return np.asarray(v, dtype=float) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    _forge(b'{"ok": false, "error": "not an object"}\n')
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
