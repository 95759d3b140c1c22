"""Hostile (issue 19): 100 memfds of 15 MB each, 1.5 GB of shared memory that RLIMIT_AS never counts (its
pages are not in any process's address space once unmapped). A child makes them and reports as it goes;
it prints how much was held at once, at most --memory within its budget (tests/test_submission_budget.py)."""
import os
import select
import time

MB = 15
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r)
    fds = []
    try:
        for i in range(100):
            fd = os.memfd_create(f"hoard-{i}")
            block = b"\x01" * (1 << 20)
            for _ in range(MB):
                os.write(fd, block)
            fds.append(fd)
            os.write(w, b"+")
    except OSError as err:
        os.write(w, f"!{err.errno}".encode())
    time.sleep(60)
    os._exit(0)
os.close(w)
got, deadline = b"", time.monotonic() + 4
while time.monotonic() < deadline:
    if select.select([r], [], [], 0.1)[0]:
        data = os.read(r, 256)
        if not data:
            break
        got += data
        if b"!" in data or got.count(b"+") >= 100:
            break
alive = os.waitpid(pid, os.WNOHANG) == (0, 0)
print(f"memfd held {got.count(b'+') * MB if alive else 0} MB at once ({got.partition(b'!')[2].decode() or 'no error'})")

import numpy as np


def update_v(v_prev, g, beta2=0.999):
    v_prev = np.asarray(v_prev)
    g = np.asarray(g)
    return beta2 * v_prev + (1 - beta2) * g * g


def bias_correct(v, t, beta2=0.999):
    return np.asarray(v) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
