"""Hostile (issue 12, attack 4): SIGKILL every process it is allowed to signal, on every call.

With a uid of its own (allocated, never shared with a classmate's sandbox, even after many sandboxes
came and went) that is only its own processes, so it scores 0 and hurts nobody else.
"""
import os
import signal


def _kill_all():
    try:
        os.kill(-1, signal.SIGKILL)  # every process it may signal but itself (Linux spares the caller)
    except ProcessLookupError:
        pass  # nobody else to kill
    os.kill(os.getpid(), signal.SIGKILL)


def update_v(v_prev, g, beta2=0.999):
    _kill_all()


def bias_correct(v, t, beta2=0.999):
    _kill_all()


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    _kill_all()
