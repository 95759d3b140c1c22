"""Hostile (issue 19): six children each fill 300 MB and hold it, so that RLIMIT_AS (one process's bound)
lets the submission hold 1.8 GB at once. It prints how much its children held at once; within its budget
(--memory) that is at most --memory, whichever of them the kernel ends (tests/test_submission_budget.py)."""
import os
import select
import time

CHILDREN, CHUNK, CHUNKS = 6, 50 << 20, 6
pipes, held = [], {}
for _ in range(CHILDREN):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        hoard = []
        try:
            for _ in range(CHUNKS):
                hoard.append(b"\x01" * CHUNK)  # every page written: resident, not just reserved
                os.write(w, b"+")
        except MemoryError:
            pass
        time.sleep(60)
        os._exit(0)
    os.close(w)
    pipes.append(r)
    held[r] = (pid, 0)
deadline = time.monotonic() + 4
while pipes and time.monotonic() < deadline:
    ready, _, _ = select.select(pipes, [], [], 0.1)
    for r in ready:
        data = os.read(r, 64)
        if not data:
            pipes.remove(r)
        pid, chunks = held[r]
        held[r] = (pid, chunks + len(data))
    if sum(c for _, c in held.values()) >= CHILDREN * CHUNKS:
        break
alive = 0
for pid, chunks in held.values():
    if os.waitpid(pid, os.WNOHANG) == (0, 0):
        alive += chunks
print(f"held {alive * (CHUNK >> 20)} MB at once")

import numpy as np


def update_v(v_prev, g, beta2=0.999):
    v_prev = np.asarray(v_prev)
    g = np.asarray(g)
    return beta2 * v_prev + (1 - beta2) * g * g


def bias_correct(v, t, beta2=0.999):
    return np.asarray(v) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
