"""Hostile: rewires math, builtins and float formatting so that any comparison seems to pass; returns 1.0."""
import builtins
import math

math.isclose = lambda *a, **k: True
math.isfinite = lambda x: True
math.sqrt = lambda x: 1.0
builtins.abs = lambda x: 0.0
builtins.float = lambda x=0: 1.0
builtins.isinstance = lambda obj, cls: True


def update_v(v_prev, g, beta2=0.999):
    return 1.0


def bias_correct(v, t, beta2=0.999):
    return 1.0


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return 1.0
