"""The exact oracle: the three formulas in rational arithmetic, so expected values carry no rounding.

Inputs are the very floats (or ints) sent to the student's code; each is converted exactly to a Fraction,
so the oracle's answer is the true value of the formula at those inputs. The square root in
effective_step is taken to 50 significant digits. Results are rounded to float64 once, at the end.
The repo's tests check this oracle against sympy's.
"""

from collections.abc import Callable
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from autograder.functions import BIAS_CORRECT, EFFECTIVE_STEP, UPDATE_V

#: Exact values: an object array of Fractions (0-d for a scalar input).
Exact = npt.NDArray[np.object_]

_DIGITS = 50


def exact(x: npt.ArrayLike) -> Exact:
    """x (a number, nested list or array) as an object array of Fractions, exactly."""
    out: Exact = np.vectorize(Fraction, otypes=[object])(np.asarray(x, dtype=object))
    return out


def _sqrt(q: Fraction) -> Fraction:
    """The square root of a non-negative Fraction, to 50 significant digits, as a Fraction."""
    if q < 0:
        raise ValueError(f"square root of a negative number: {q}")
    with localcontext() as ctx:
        ctx.prec = _DIGITS
        root = (Decimal(q.numerator) / Decimal(q.denominator)).sqrt()
    return Fraction(root)


def update_v(v_prev: npt.ArrayLike, g: npt.ArrayLike, beta2: float = UPDATE_V.default("beta2")) -> Exact:
    """v_t = beta2 * v_prev + (1 - beta2) * g**2, exactly."""
    b = Fraction(beta2)
    out: Exact = b * exact(v_prev) + (1 - b) * exact(g) ** 2
    return out


def bias_correct(v: npt.ArrayLike, t: int | float, beta2: float = BIAS_CORRECT.default("beta2")) -> Exact:
    """v_hat_t = v / (1 - beta2**t), exactly; t counts from 1."""
    if int(t) != t or t < 1:
        raise ValueError(f"t must be an integer >= 1, got {t!r}")
    b = Fraction(beta2)
    out: Exact = exact(v) / (1 - b ** int(t))
    return out


def effective_step(
    v_hat: npt.ArrayLike, alpha: float = EFFECTIVE_STEP.default("alpha"), eps: float = EFFECTIVE_STEP.default("eps")
) -> Exact:
    """alpha / (sqrt(v_hat) + eps), with the square root to 50 digits."""
    roots = np.vectorize(_sqrt, otypes=[object])(exact(v_hat))
    out: Exact = Fraction(alpha) / (roots + Fraction(eps))
    return out


FUNCTIONS: dict[str, Callable[..., Exact]] = {
    "update_v": update_v,
    "bias_correct": bias_correct,
    "effective_step": effective_step,
}


def to_float(values: npt.ArrayLike) -> float | npt.NDArray[np.float64]:
    """An exact result as float64: a float for a 0-d result, else an array."""
    out = np.vectorize(float, otypes=[np.float64])(np.asarray(values, dtype=object))
    return float(out) if out.ndim == 0 else out
