"""Hostile: returns an ndarray subclass whose comparisons and conversions all lie; the data is wrong."""
import numpy as np


class Liar(np.ndarray):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __array__(self, dtype=None, copy=None):
        return np.full(self.shape, 0.5)

    def tolist(self):
        return 0.5

    def __float__(self):
        return 0.5

    def __repr__(self):
        return "array(correct)"


def _lie(x):
    return np.zeros(np.shape(x)).view(Liar)


def update_v(v_prev, g, beta2=0.999):
    return _lie(g)


def bias_correct(v, t, beta2=0.999):
    return _lie(v)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return _lie(v_hat)
