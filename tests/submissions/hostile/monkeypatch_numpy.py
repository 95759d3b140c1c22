"""Hostile: makes numpy's comparisons always agree (and its finiteness checks pass), then returns zeros."""
import numpy as np

np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *a, **k: True
np.isfinite = lambda x, *a, **k: np.ones(np.shape(x), dtype=bool)
np.testing.assert_allclose = lambda *a, **k: None
np.asarray = lambda x, *a, **k: np.zeros(np.shape(x))


def update_v(v_prev, g, beta2=0.999):
    return np.zeros(np.shape(g)) if np.shape(g) else 0.0


def bias_correct(v, t, beta2=0.999):
    return np.zeros(np.shape(v)) if np.shape(v) else 0.0


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return np.zeros(np.shape(v_hat)) if np.shape(v_hat) else 0.0
