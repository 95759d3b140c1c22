"""The exact oracle: the three formulas in rational arithmetic, so expected values carry no rounding.

Inputs are the very floats (or ints) sent to the student's code; each is converted exactly to a Fraction,
so the oracle's answer is the true value of the formula at those inputs. The square root in
effective_step is taken to 50 significant digits. Results are rounded to float64 once, at the end.
The repo's tests check this oracle against sympy's.
"""

from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np

_DIGITS = 50


def exact(x):
    """x (a number, nested list or array) as an object array of Fractions, exactly."""
    return np.vectorize(Fraction, otypes=[object])(np.asarray(x, dtype=object))


def _sqrt(q):
    """The square root of a non-negative Fraction, to 50 significant digits, as a Fraction."""
    if q < 0:
        raise ValueError(f"square root of a negative number: {q}")
    with localcontext() as ctx:
        ctx.prec = _DIGITS
        root = (Decimal(q.numerator) / Decimal(q.denominator)).sqrt()
    return Fraction(root)


def update_v(v_prev, g, beta2=0.999):
    """v_t = beta2 * v_prev + (1 - beta2) * g**2, exactly."""
    b = Fraction(beta2)
    return b * exact(v_prev) + (1 - b) * exact(g) ** 2


def bias_correct(v, t, beta2=0.999):
    """v_hat_t = v / (1 - beta2**t), exactly; t counts from 1."""
    if int(t) != t or t < 1:
        raise ValueError(f"t must be an integer >= 1, got {t!r}")
    b = Fraction(beta2)
    return exact(v) / (1 - b ** int(t))


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    """alpha / (sqrt(v_hat) + eps), with the square root to 50 digits."""
    roots = np.vectorize(_sqrt, otypes=[object])(exact(v_hat))
    return Fraction(alpha) / (roots + Fraction(eps))


FUNCTIONS = {"update_v": update_v, "bias_correct": bias_correct, "effective_step": effective_step}


def to_float(values):
    """An exact result as float64: a float for a 0-d result, else an array."""
    out = np.vectorize(float, otypes=[np.float64])(np.asarray(values, dtype=object))
    return float(out) if out.ndim == 0 else out
