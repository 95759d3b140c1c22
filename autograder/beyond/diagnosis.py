"""Part 5's named mistakes: what each predicts on a check's inputs, matched against what the student returned.

A failed check whose returned value is within RTOL of a mistake's prediction at the very same inputs (for the
bathtub: the first losses; for the Monte Carlo: within the check's spreads) is named, with a hint, once per
function. Predictions are float64, far closer to each mistake's exact value than RTOL. The catalogue comes
from the ways each claim of the page is usually misread (autograder/beyond/spec.py's docstrings name the
right reading): the time constant taken for the half-life, the older steps' share for the last n steps', the
ratio of this step's gradients for the ratio of the running averages, m_hat left uncorrected.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from autograder.beyond.checks import FIRST_STEPS, BeyondCall
from autograder.beyond.spec import BY_NAME, SYMBOLS
from autograder.judge.checks import Check
from autograder.judge.compare import close, decode
from autograder.judge.identity import _poly_mul, parse_rational
from autograder.results import Outcome

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Mistake:
    id: str
    func: str
    name: str
    hint: str
    predict: Callable[[dict[str, Any]], Any]  # the bound arguments of the call -> the mistake's value


def _rates(g: Floats, beta2: float, alpha: float, eps: float, correct: bool = True) -> Floats:
    v, out = np.zeros(g.shape[1:]), []
    for t, g_t in enumerate(g, start=1):
        v = beta2 * v + (1 - beta2) * g_t**2
        out.append(alpha / (np.sqrt(v / (1 - beta2**t) if correct else v) + eps))
    return np.array(out)


def _moves(a: dict[str, Any], correct_m: bool = True, with_m: bool = True) -> Floats:
    g = np.asarray(a["g"], dtype=np.float64)
    rates = _rates(g, a["beta2"], a["alpha"], a["eps"])
    m, out = np.zeros(g.shape[1:]), []
    for t, (g_t, rate) in enumerate(zip(g, rates), start=1):
        m = a["beta1"] * m + (1 - a["beta1"]) * g_t
        out.append(rate * (m / (1 - a["beta1"] ** t) if correct_m else m) if with_m else rate)
    return np.array(out)


def _adam(a: dict[str, Any], correct_m: bool = True, correct_v: bool = True) -> Floats:
    hessian, x = np.asarray(a["hessian"], dtype=np.float64), np.array(a["x0"], dtype=np.float64)
    m, v = np.zeros_like(x), np.zeros_like(x)
    losses = [x @ hessian @ x / 2]
    for t in range(1, int(a["steps"]) + 1):
        g = hessian @ x
        m = a["beta1"] * m + (1 - a["beta1"]) * g
        v = a["beta2"] * v + (1 - a["beta2"]) * g**2
        m_hat = m / (1 - a["beta1"] ** t) if correct_m else m
        v_hat = v / (1 - a["beta2"] ** t) if correct_v else v
        x = x - a["alpha"] * m_hat / (np.sqrt(v_hat) + a["eps"])
        losses.append(x @ hessian @ x / 2)
    return np.array(losses)


def _sgd(a: dict[str, Any], gradient: str = "hessian", half: bool = True) -> Floats:
    hessian, x = np.asarray(a["hessian"], dtype=np.float64), np.array(a["x0"], dtype=np.float64)
    scale = 0.5 if half else 1.0
    losses = [scale * (x @ hessian @ x)]
    for _ in range(int(a["steps"])):
        x = x - a["alpha"] * (hessian @ x if gradient == "hessian" else x)
        losses.append(scale * (x @ hessian @ x))
    return np.array(losses)


def _ratio_this_step(a: dict[str, Any]) -> Floats:
    return np.abs(np.asarray(a["g_big"], dtype=np.float64)) / np.abs(np.asarray(a["g_small"], dtype=np.float64))


def _ratio_inverted(a: dict[str, Any]) -> Floats:
    g = np.array([a["g_big"], a["g_small"]], dtype=np.float64).T
    rates = _rates(g, a["beta2"], a["alpha"], a["eps"])
    return rates[:, 0] / rates[:, 1]


def _means(a: dict[str, Any], second_moment: float = 1.0, corrected: bool = True) -> Floats:
    mean_v = (1 - a["beta2"] ** a["t"]) * second_moment
    return np.array([mean_v, second_moment if corrected else mean_v])


CATALOGUE = (
    Mistake(
        "expected_v.no_decay",
        "expected_v",
        "the sum without beta2's decay",
        "Step i's weight in the closed form is (1 - beta2) * beta2**(t - i): keep beta2**(t - i) inside the sum, "
        "and the sum is geometric.",
        lambda a: {(0, 1): Fraction(a["t"]), (1, 1): Fraction(-a["t"])},  # (1 - beta2) t s
    ),
    Mistake(
        "bias_by_monte_carlo.uncorrected",
        "bias_by_monte_carlo",
        "v_t's mean given for v_hat_t's",
        "The second mean is of v_hat_t = bias_correct(v_t, t): about 1, while v_t's mean is about 1 - beta2**t.",
        lambda a: _means(a, corrected=False),
    ),
    Mistake(
        "bias_by_monte_carlo.uniform",
        "bias_by_monte_carlo",
        "gradients drawn uniformly, not from the standard normal",
        "A uniform draw on [-1, 1] has E[g^2] = 1/3; the standard normal (rng.standard_normal) has E[g^2] = 1.",
        lambda a: _means(a, second_moment=1 / 3),
    ),
    Mistake(
        "half_life.time_constant",
        "half_life",
        "the time constant, not the half-life",
        "1 / (1 - beta2) is the time constant: the step at which a weight has fallen to 1/e, not to 1/2. "
        "Solve beta2**h = 1/2 for h.",
        lambda a: 1 / (1 - a["beta2"]),
    ),
    Mistake(
        "half_life.linearised",
        "half_life",
        "-ln(beta2) approximated by 1 - beta2",
        "ln 2 / (1 - beta2) is close (693.1 against 692.8 at 0.999) but not exact: divide by -ln(beta2) itself.",
        lambda a: np.log(2) / (1 - a["beta2"]),
    ),
    Mistake(
        "weight_share.older",
        "weight_share",
        "the older steps' share, not the last n steps'",
        "beta2**n is the weight everything before the last n steps carries; the last n steps carry the rest.",
        lambda a: a["beta2"] ** a["n"],
    ),
    Mistake(
        "weight_share.no_decay",
        "weight_share",
        "the weights added up without their decay",
        "Step t - k's weight is (1 - beta2) * beta2**k, not (1 - beta2): sum the geometric series.",
        lambda a: a["n"] * (1 - a["beta2"]),
    ),
    Mistake(
        "eps_matters_below.other_base",
        "eps_matters_below",
        "the change measured against the rate with eps",
        "The share is of the rate without eps, alpha / sqrt(v_hat): solve sqrt(v_hat) / (sqrt(v_hat) + eps) = 1 - share.",
        lambda a: (a["eps"] / a["share"]) ** 2,
    ),
    Mistake(
        "eps_matters_below.unsquared",
        "eps_matters_below",
        "sqrt(v_hat) given for v_hat",
        "What you found is the square root of the threshold: the question asks for v_hat itself.",
        lambda a: a["eps"] * (1 - a["share"]) / a["share"],
    ),
    Mistake(
        "eps_cap.eps_inside_sqrt",
        "eps_cap",
        "epsilon inside the square root",
        "alpha / sqrt(0 + eps) is what effective_step gives with eps inside the square root; the page adds eps "
        "after it, so the cap is alpha / eps.",
        lambda a: a["alpha"] / np.sqrt(a["eps"]),
    ),
    Mistake(
        "eps_cap.times",
        "eps_cap",
        "alpha times eps",
        "At v_hat = 0 the rate is alpha / (0 + eps): a division.",
        lambda a: a["alpha"] * a["eps"],
    ),
    Mistake(
        "rate_ratios.inverted",
        "rate_ratios",
        "the big parameter's rate over the small one's",
        "The ratio asked for is step(small) / step(big), which starts at about 100, not 0.01.",
        _ratio_inverted,
    ),
    Mistake(
        "rate_ratios.this_step",
        "rate_ratios",
        "the ratio of this step's gradients",
        "Each rate comes from v_hat, the average of all the squared gradients so far, not from this step's "
        "gradient alone: run update_v through every step.",
        _ratio_this_step,
    ),
    Mistake(
        "adam_moves.m_uncorrected",
        "adam_moves",
        "m_hat without its bias correction",
        "m starts at 0 like v, so it needs the same correction: m_hat_t = m_t / (1 - beta1**t).",
        lambda a: _moves(a, correct_m=False),
    ),
    Mistake(
        "adam_moves.rate_only",
        "adam_moves",
        "the learning rate, not the move",
        "Adam moves by the learning rate times m_hat: multiply effective_step's value by m_hat.",
        lambda a: _moves(a, with_m=False),
    ),
    Mistake(
        "adam_losses.m_uncorrected",
        "adam_losses",
        "m_hat without its bias correction",
        "m starts at 0 like v, so it needs the same correction: m_hat_t = m_t / (1 - beta1**t).",
        lambda a: _adam(a, correct_m=False),
    ),
    Mistake(
        "adam_losses.v_uncorrected",
        "adam_losses",
        "v_t used without bias_correct",
        "The step uses v_hat_t = bias_correct(v_t, t): without it the first steps are about 31.6 times too large.",
        lambda a: _adam(a, correct_v=False),
    ),
    Mistake(
        "sgd_losses.gradient_is_x",
        "sgd_losses",
        "x used as the gradient",
        "f's gradient is hessian @ x, not x: the steep direction's gradient is 100 times its coordinate.",
        lambda a: _sgd(a, gradient="x"),
    ),
    Mistake(
        "sgd_losses.no_half",
        "sgd_losses",
        "the loss without its 1/2",
        "f(x) = x @ hessian @ x / 2: keep the 1/2 (it makes the gradient hessian @ x).",
        lambda a: _sgd(a, half=False),
    ),
)
BY_ID = {m.id: m for m in CATALOGUE}


def _matches(check: BeyondCall, got: Floats, predicted: Floats) -> bool:
    if check.judge == "means":  # a Monte Carlo mean matches within the check's own spreads
        spreads = np.asarray(check.expected[1], dtype=np.float64)
        return got.size == 2 and bool(np.all(np.abs(got.ravel() - predicted) <= spreads))
    if check.judge == "losses":
        n = min(FIRST_STEPS, got.size, predicted.size)
        return got.size == predicted.size and close(got.ravel()[:n], predicted.ravel()[:n])
    return got.shape == predicted.shape and close(got, predicted)


def _symbolic_mistake(check: BeyondCall, got: object, bound: dict[str, Any]) -> Mistake | None:
    parsed = parse_rational(got, SYMBOLS)
    if parsed is None:
        return None
    num, den = parsed
    one = {(0,) * len(SYMBOLS): Fraction(1)}
    for mistake in CATALOGUE:
        if mistake.func == check.func and _poly_mul(num, one) == _poly_mul(mistake.predict(bound), den):
            return mistake
    return None


def diagnose(outcomes: Sequence[Outcome], checks: Sequence[Check]) -> tuple[tuple[str, str, str, str], ...]:
    """(check id, mistake id, name, hint) for the first failed check of each function that a mistake explains."""
    by_id = {c.id: c for c in checks if isinstance(c, BeyondCall)}
    found: dict[str, tuple[str, str, str, str]] = {}
    for outcome in outcomes:
        check = by_id.get(outcome.check)
        if outcome.passed or check is None or check.func in found or not outcome.returned:
            continue
        bound = BY_NAME[check.func].bind(check.args, check.kwargs)
        if check.judge == "symbolic":
            mistake = _symbolic_mistake(check, outcome.returned.get("value"), bound)
            if mistake is not None:
                found[check.func] = (check.id, mistake.id, mistake.name, mistake.hint)
            continue
        got, _ = decode(outcome.returned.get("value"))
        if got is None:
            continue
        for mistake in CATALOGUE:
            if mistake.func != check.func:
                continue
            with np.errstate(all="ignore"):
                predicted = np.asarray(mistake.predict(bound), dtype=np.float64)
            if _matches(check, got, predicted):
                found[check.func] = (check.id, mistake.id, mistake.name, mistake.hint)
                break
    return tuple(found.values())
