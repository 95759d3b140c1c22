"""Hostile: answers only if it can open a network connection (to a listener the test opens on loopback).

Only loopback is ever tried: the repository's tests send no traffic off this machine.
"""
import socket

PORT = 47231  # tests/test_hostile.py listens here; the worker's environment is cleared, so it is fixed


def _online():
    try:
        socket.create_connection(("127.0.0.1", PORT), timeout=0.5).close()
        return True
    except OSError:
        return False


if not _online():
    raise ConnectionError("no network")
import numpy as np  # noqa: E402


def update_v(v_prev, g, beta2=0.999):
    return beta2 * np.asarray(v_prev) + (1 - beta2) * np.asarray(g) ** 2


def bias_correct(v, t, beta2=0.999):
    return np.asarray(v) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
