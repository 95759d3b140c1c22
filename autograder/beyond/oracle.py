"""Every expected value of the part: exact where a formula gives it, a float64 reference run where a loop does.

Exact: the Monte Carlo's expectations and their standard errors, eps's cap and the v_hat below which it
matters, the half-life and the weight share, the ratio of the two learning rates and Adam's moves
(Fractions, through the core's exact oracle, square roots to 50 digits). The bathtub (5.6) is a loop of
hundreds of steps whose loss falls to 1e-9: it is run in float64 by the reference loop below, the same
formulas in the same order as solutions/beyond.py, and graded by thresholds worked out from that run.
"""

import math
from collections.abc import Sequence
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt
import sympy

from autograder import oracle as core
from autograder.beyond.spec import RUNS, TARGET, Bathtub

# The core's exact formulas, called here on Fractions and object arrays alike (numpy's hints know neither).
_update_v: Any = core.update_v
_bias_correct: Any = core.bias_correct
_effective_step: Any = core.effective_step

_DIGITS = 50


def expectation(t: int, beta2: float) -> tuple[Fraction, Fraction]:
    """(E[v_t], E[v_hat_t]) for gradients with E[g^2] = 1: (1 - beta2**t, 1), exactly."""
    b = Fraction(beta2)
    return 1 - b**t, Fraction(1)


def standard_errors(t: int, beta2: float, runs: int) -> tuple[float, float]:
    """The standard errors of the two means over `runs` runs of standard normal gradients (Var g^2 = 2):
    Var v_t = 2 (1 - beta2)^2 (1 - beta2^(2t)) / (1 - beta2^2), and v_hat_t's is v_t's over (1 - beta2^t)^2."""
    b = Fraction(beta2)
    var_v = 2 * (1 - b) ** 2 * (1 - b ** (2 * t)) / (1 - b**2)
    se_v = math.sqrt(var_v / runs)
    return se_v, se_v / float(1 - b**t)


def derived_expectation() -> sympy.Expr:
    """E[v_t] worked out with sympy from the closed form item 4.1 checks, (1 - b) sum_i b^(t-i) g_i^2, with
    E[g_i^2] = s for every i: the sum is geometric, and its value is (1 - b^t) s."""
    b, s = sympy.symbols("beta2 s", positive=True)
    t, i = sympy.symbols("t i", integer=True, positive=True)
    closed = (1 - b) * sympy.Sum(b ** (t - i) * s, (i, 1, t))  # E[.] is linear: E[g_i^2] = s inside the sum
    return sympy.simplify(closed.doit())


def eps_cap(alpha: float, eps: float) -> Fraction:
    """alpha / (sqrt(0) + eps)."""
    return Fraction(alpha) / Fraction(eps)


def eps_matters_below(eps: float, share: float) -> Fraction:
    """The v_hat at which alpha / (sqrt(v_hat) + eps) is `share` below alpha / sqrt(v_hat):
    sqrt(v_hat) / (sqrt(v_hat) + eps) = 1 - share, so sqrt(v_hat) = eps (1 - share) / share."""
    e, s = Fraction(eps), Fraction(share)
    return (e * (1 - s) / s) ** 2


def half_life(beta2: float) -> Fraction:
    """ln(1/2) / ln(beta2), to 50 digits."""
    b = Fraction(beta2)
    with localcontext() as ctx:
        ctx.prec = _DIGITS
        return Fraction(Decimal(2).ln() / -(Decimal(b.numerator) / Decimal(b.denominator)).ln())


def weight_share(n: int, beta2: float) -> Fraction:
    """1 - beta2**n: steps t-n+1..t carry (1 - beta2) (1 + beta2 + ... + beta2^(n-1)) of the weight."""
    return 1 - Fraction(beta2) ** n


def _one(x: object) -> Fraction:
    """A 0-d exact result (numpy hands back a Fraction or a 0-d object array) as its Fraction."""
    value = x.item() if isinstance(x, np.ndarray) else x
    assert isinstance(value, Fraction)
    return value


def _rates(gradients: Sequence[float], beta2: float, alpha: float, eps: float) -> list[Fraction]:
    v = Fraction(0)
    out = []
    for t, g in enumerate(gradients, start=1):
        v = _one(_update_v(v, g, beta2))
        out.append(_one(_effective_step(_one(_bias_correct(v, t, beta2)), alpha, eps)))
    return out


def rate_ratios(
    g_big: Sequence[float], g_small: Sequence[float], beta2: float, alpha: float, eps: float
) -> list[Fraction]:
    """step(small) / step(big) at each t, exactly (square roots to 50 digits)."""
    return [s / b for b, s in zip(_rates(g_big, beta2, alpha, eps), _rates(g_small, beta2, alpha, eps))]


def adam_moves(g: npt.ArrayLike, beta1: float, beta2: float, alpha: float, eps: float) -> npt.NDArray[np.object_]:
    """The move at each step, effective_step(v_hat_t) * m_hat_t, exactly, for a (T,) or (T, n) sequence."""
    steps = core.exact(g)
    b1 = Fraction(beta1)
    m: Any = np.full(steps.shape[1:], Fraction(0), dtype=object)
    v: Any = np.full(steps.shape[1:], Fraction(0), dtype=object)
    out = []
    for t, g_t in enumerate(steps, start=1):
        m = b1 * m + (1 - b1) * g_t
        v = _update_v(v, g_t, beta2)
        rate = _effective_step(_bias_correct(v, t, beta2), alpha, eps)
        out.append(rate * m / (1 - b1**t))
    return np.array(out, dtype=object).reshape(steps.shape)


# -- the bathtub, in float64 --------------------------------------------------------------------------------


def adam_losses(tub: Bathtub, steps: int | None = None) -> npt.NDArray[np.float64]:
    """The reference Adam's losses f(x_0..x_steps) on `tub` (solutions/beyond.py's loop, exact core in float64)."""
    hessian, x = np.array(tub.hessian), np.array(tub.x0)
    m, v = np.zeros_like(x), np.zeros_like(x)
    losses = [x @ hessian @ x / 2]
    for t in range(1, (tub.steps if steps is None else steps) + 1):
        g = hessian @ x
        m = tub.beta1 * m + (1 - tub.beta1) * g
        v = tub.beta2 * v + (1 - tub.beta2) * g**2
        rate = tub.adam_alpha / (np.sqrt(v / (1 - tub.beta2**t)) + tub.eps)
        x = x - rate * m / (1 - tub.beta1**t)
        losses.append(x @ hessian @ x / 2)
    return np.array(losses)


def sgd_losses(tub: Bathtub, steps: int | None = None) -> npt.NDArray[np.float64]:
    hessian, x = np.array(tub.hessian), np.array(tub.x0)
    losses = [x @ hessian @ x / 2]
    for _ in range(tub.steps if steps is None else steps):
        x = x - tub.sgd_alpha * (hessian @ x)
        losses.append(x @ hessian @ x / 2)
    return np.array(losses)


def steps_to_reach(losses: npt.ArrayLike, loss: float) -> int | None:
    """The first step whose loss is at or below `loss`, or None when the run never gets there."""
    below = np.flatnonzero(np.asarray(losses, dtype=np.float64) <= loss)
    return int(below[0]) if below.size else None


# -- the figures the part's prose quotes ----------------------------------------------------------------------


def figures() -> dict[str, str]:
    """{name: text} of every number the prose of part 5 quotes (solutions/beyond_text.md writes `{{name}}`),
    worked out here, so the text says what the oracle says for the page's constants and spec.BATHTUB."""
    from autograder import page  # the page's constants: the figures are the page's case
    from autograder.beyond.spec import BATHTUB, TURN

    ratios = [float(r) for r in rate_ratios(page.GRADIENTS[1], page.GRADIENTS[2], page.BETA2, page.ALPHA, page.EPS)]
    moves = adam_moves(np.array([page.GRADIENTS[1], page.GRADIENTS[2]]).T, 0.9, page.BETA2, page.ALPHA, page.EPS)
    turned = BATHTUB.rotated(TURN)
    adam, adam_turned = adam_losses(BATHTUB), adam_losses(turned)
    sgd, sgd_turned = sgd_losses(BATHTUB), sgd_losses(turned)
    target = TARGET
    reach = {
        name: steps_to_reach(run, target)
        for name, run in (("adam", adam), ("adam_turned", adam_turned), ("sgd", sgd), ("sgd_turned", sgd_turned))
    }
    # Five standard errors: one mean misses by more once in 1 / P(|Z| > 5) checks; an uncorrected v_hat_1's
    # mean (0.001 for 1) misses by this many standard errors at the checks' runs.
    per_mean = 1 / math.erfc(5 / math.sqrt(2))
    runs = RUNS
    se_v_hat_1 = standard_errors(1, page.BETA2, runs)[1]
    mean_v_1 = float(expectation(1, page.BETA2)[0])
    uncorrected = float(_one(_effective_step(Fraction(1, 10), page.ALPHA, page.EPS)))
    corrected = float(_one(_effective_step(Fraction(100), page.ALPHA, page.EPS)))
    return {
        "ratio_t1": f"{ratios[0]:.7g}",
        "ratio_t2": f"{ratios[1]:.4g}",
        "ratio_t3": f"{ratios[2]:.4g}",
        "move_t1": f"{float(moves[0][0]):.3g}",
        "half_life": f"{float(half_life(page.BETA2)):.1f}",
        "time_constant": f"{1 / (1 - page.BETA2):.0f}",
        "share_1000": f"{100 * float(weight_share(1000, page.BETA2)):.1f}%",
        "eps_cap": f"{float(eps_cap(page.ALPHA, page.EPS)):.0e}".replace("e+0", "e"),
        "eps_below": f"{float(eps_matters_below(page.EPS, 0.01)):.4g}",
        "no_correction": f"{uncorrected / corrected:.1f}",
        "steps": str(BATHTUB.steps),
        "adam_alpha": f"{BATHTUB.adam_alpha:g}",
        "sgd_alpha": f"{BATHTUB.sgd_alpha:g}",
        "adam_loss": f"{adam[-1]:.1e}",
        "adam_turned_loss": f"{adam_turned[-1]:.2g}",
        "sgd_loss": f"{sgd[-1]:.1e}",
        "sgd_turned_loss": f"{sgd_turned[-1]:.1e}",
        "target": f"{target:g}",
        "mc_per_mean": f"{per_mean / 1e6:.1f} million",
        "mc_runs": str(runs),
        "mc_uncorrected_mean": f"{mean_v_1:g}",
        "mc_uncorrected_se": f"{(1 - mean_v_1) / se_v_hat_1:.0f}",
        **{f"reach_{name}": "never" if steps is None else str(steps) for name, steps in reach.items()},
    }
