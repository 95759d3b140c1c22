"""Hostile: returns an object equal to everything, that converts to any number asked for."""


class Anything:
    def __eq__(self, other):
        return True

    def __float__(self):
        return 0.125

    def __array__(self, dtype=None, copy=None):
        raise TypeError("no")

    def __len__(self):
        return 0

    def __repr__(self):
        return "0.001"


def update_v(v_prev, g, beta2=0.999):
    return Anything()


def bias_correct(v, t, beta2=0.999):
    return Anything()


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return Anything()
