"""Hostile (issue 12, attack 11): walks the disk with os.listdir for the grader's exact oracle
(autograder/oracle.py, in a checkout or in Gradescope's /autograder/source) and answers with it.

Landlock at level basic, and the hidden file system at level os, leave it nothing to find."""
import os
import time

import numpy as np

SKIP = {"proc", "sys", "dev", "usr", "lib", "lib64", "bin", "sbin", "boot", "run", "var", "snap"}


def _find(deadline, depth=5):
    """Breadth first from /, skipping system and hidden folders, for a folder autograder/ holding oracle.py."""
    level = ["/autograder/source", "/"]
    for _ in range(depth):
        nxt = []
        for folder in level:
            if time.monotonic() > deadline:
                return None
            try:
                names = os.listdir(folder)
            except OSError:
                continue
            if os.path.basename(folder) == "autograder" and "oracle.py" in names:
                return os.path.join(folder, "oracle.py")
            nxt += [os.path.join(folder, n) for n in names
                    if not n.startswith(".") and not (folder == "/" and n in SKIP) and n != "site-packages"]
        level = [p for p in nxt if os.path.isdir(p) and not os.path.islink(p)]
    return None


def _load(path):
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    found = {"__name__": "stolen_oracle"}
    exec(compile(text, path, "exec"), found)
    return found


_oracle = None
_path = _find(time.monotonic() + 2.0)
if _path:
    _oracle = _load(_path)


def _answer(name, *args, **kwargs):
    if _oracle is None:
        raise RuntimeError("found no oracle to answer with")
    return _oracle["to_float"](_oracle[name](*args, **kwargs))


def update_v(v_prev, g, beta2=0.999):
    return _answer("update_v", v_prev, g, beta2=beta2)


def bias_correct(v, t, beta2=0.999):
    if not isinstance(t, (int, np.integer)):
        return np.asarray(v) / (1 - beta2**t)  # symbols: the oracle is numeric only
    return _answer("bias_correct", v, t, beta2=beta2)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return _answer("effective_step", v_hat, alpha=alpha, eps=eps)
