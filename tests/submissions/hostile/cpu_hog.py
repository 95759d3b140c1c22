"""Hostile (issue 12, attack 6): 16 processes, each in its own session, spin on every CPU while the
functions hang, so the hog lasts as long as the grader lets it. A classmate graded at the same time in the
other job slot must not pay for it (tests/test_fair_cpu.py)."""
import os

for _ in range(16):
    if os.fork() == 0:
        os.setsid()
        while True:
            pass


def update_v(v_prev, g, beta2=0.999):
    while True:
        pass


def bias_correct(v, t, beta2=0.999):
    while True:
        pass


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    while True:
        pass
