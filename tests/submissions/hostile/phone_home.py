"""Hostile: answers only if it can open a network connection (to the machine's loopback or the internet)."""
import os
import socket


def _online():
    port = int(os.environ.get("ADAM_HW_TEST_PORT", "47231"))
    for host in ("127.0.0.1", "1.1.1.1"):
        try:
            socket.create_connection((host, port if host == "127.0.0.1" else 80), timeout=0.5).close()
            return True
        except OSError:
            pass
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
