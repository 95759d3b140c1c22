"""Hostile: while the file loads, write a line that is no reply to the grader's reply pipe.

The load fails, and the student reads why in the grader's own words, not "Your file raised Error while it
was being loaded" (an exception the file never raised). The functions below are right: they never run.
"""
import os
import resource
import stat

for fd in range(3, min(resource.getrlimit(resource.RLIMIT_NOFILE)[0], 1 << 16)):  # /proc may be out of reach
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            os.write(fd, b'{"ok": true, "functions": []}\n')
    except OSError:
        continue  # the request pipe's read end, or no such descriptor


def update_v(v_prev, g, beta2=0.999):
    return beta2 * v_prev + (1 - beta2) * g**2


def bias_correct(v, t, beta2=0.999):
    return v / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (v_hat**0.5 + eps)
