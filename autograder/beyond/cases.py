"""The part's checks, as data: fixed ones (public and hidden), and the ones drawn for a term's seed.

Expected values come from autograder/beyond/oracle.py at the very inputs sent. Every kind of hidden check has
a public one of the same kind in the student's test file, with values of its own. The draw uses
randomized.Draw (sha256 of the seed and a counter) on a stream of its own, so turning the part on never
changes the core's draw, and `fingerprint` pins it down in the term manifest.
"""

import hashlib
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from autograder import page
from autograder.beyond import oracle, spec
from autograder.beyond.checks import BeyondCall, value_check
from autograder.judge.checks import encode_input
from autograder.randomized import Draw
from autograder.sandbox.guest import protocol

#: Bump when a change here changes what a seed draws (the manifest records it, as randomized.VERSION).
VERSION = 1
RUNS = spec.RUNS
SPREAD = 5.0  # standard errors a mean may be off
G_BIG, G_SMALL = list(page.GRADIENTS[1]), list(page.GRADIENTS[2])


def _f(values: Any) -> Any:
    return oracle_float(values)


def oracle_float(values: Any) -> Any:
    """Exact values (a Fraction, a list of them or an object array) as float64."""
    arr = np.vectorize(float, otypes=[np.float64])(np.asarray(values, dtype=object))
    return float(arr) if arr.ndim == 0 else arr


def _arr(x: Any) -> npt.NDArray[np.float64]:
    return np.array(x, dtype=np.float64)


def bias(id: str, t: int, beta2: float, hidden: bool = True) -> BeyondCall:
    means = oracle.expectation(t, beta2)
    spreads = tuple(SPREAD * se for se in oracle.standard_errors(t, beta2, RUNS))
    about = f"Monte Carlo means at t = {t}, beta2 = {beta2:g}, {RUNS} runs"
    kwargs = {"beta2": beta2, "runs": RUNS}
    return value_check(id, "bias_by_monte_carlo", (t,), about, (means, spreads), kwargs, hidden, "means")


def ratios(
    id: str, g_big: list[float], g_small: list[float], about: str, beta2: float = page.BETA2, hidden: bool = True
) -> BeyondCall:
    expected = _f(oracle.rate_ratios(g_big, g_small, beta2, page.ALPHA, page.EPS))
    kwargs = {} if beta2 == page.BETA2 else {"beta2": beta2}
    return value_check(id, "rate_ratios", (g_big, g_small), about, expected, kwargs, hidden)


def moves(
    id: str, g: npt.NDArray[np.float64], about: str, hidden: bool = True, beta1: float = spec.BETA1
) -> BeyondCall:
    expected = _f(oracle.adam_moves(g, beta1, page.BETA2, page.ALPHA, page.EPS))
    kwargs = {} if beta1 == spec.BETA1 else {"beta1": beta1}
    return value_check(id, "adam_moves", (g,), about, expected, kwargs, hidden)


def scaled(id: str, g: npt.NDArray[np.float64], c: float, hidden: bool = True) -> BeyondCall:
    about = f"every gradient times {c:g} gives the same moves"
    return value_check(id, "adam_moves", (g * c,), about, None, None, hidden, "same", twin_args=(g,))


def descent(id: str, func: str, tub: spec.Bathtub, about: str, hidden: bool = True) -> BeyondCall:
    reference = oracle.adam_losses(tub) if func == "adam_losses" else oracle.sgd_losses(tub)
    args = (_arr(tub.hessian), _arr(tub.x0), tub.steps)
    return value_check(id, func, args, about, reference, None, hidden, "losses")


_TURNED = spec.BATHTUB.rotated(spec.TURN)
PAGE_G = _arr([G_BIG, G_SMALL]).T  # (3, 2): row t - 1 holds both parameters' gradients at step t


def expectation_poly(t: int) -> dict[tuple[int, ...], Fraction]:
    """(1 - beta2^t) s as a polynomial in spec.SYMBOLS = (beta2, s)."""
    return {(0, 1): Fraction(1), (t, 1): Fraction(-1)}


def symbolic(id: str, t: int, hidden: bool = True) -> BeyondCall:
    about = f"E[v_t] by algebra at t = {t}"
    kwargs = {name: protocol.symbol(name) for name in spec.SYMBOLS}
    return value_check(id, "expected_v", (t,), about, expectation_poly(t), kwargs, hidden, "symbolic")


FIXED: tuple[BeyondCall, ...] = (
    symbolic("beyond.bias.symbolic.t3", 3, hidden=False),
    symbolic("beyond.bias.symbolic.t6", 6),
    value_check(
        "beyond.bias.symbolic.numbers_public",
        "expected_v",
        (2, 0.9, 1.0),
        "E[v_t] at numbers: t = 2, beta2 = 0.9, s = 1",
        oracle_float(oracle.expectation(2, 0.9)[0]),
        hidden=False,
    ),
    value_check(
        "beyond.bias.symbolic.numbers",
        "expected_v",
        (10, 0.999, 2.0),
        "E[v_t] at numbers: t = 10, beta2 = 0.999, s = 2",
        oracle_float(2 * oracle.expectation(10, 0.999)[0]),
    ),
    bias("beyond.bias.page_beta.t1", 1, page.BETA2, hidden=False),
    bias("beyond.bias.page_beta.t10", 10, page.BETA2),
    value_check(
        "beyond.eps.cap.page", "eps_cap", (), "the defaults", _f(oracle.eps_cap(page.ALPHA, page.EPS)), hidden=False
    ),
    value_check(
        "beyond.eps.cap.other", "eps_cap", (0.01, 1e-6), "alpha = 0.01, eps = 1e-6", _f(oracle.eps_cap(0.01, 1e-6))
    ),
    value_check(
        "beyond.eps.threshold.page",
        "eps_matters_below",
        (),
        "the defaults (1%)",
        _f(oracle.eps_matters_below(page.EPS, 0.01)),
        hidden=False,
    ),
    value_check(
        "beyond.eps.threshold.other",
        "eps_matters_below",
        (1e-6, 0.05),
        "eps = 1e-6, 5%",
        _f(oracle.eps_matters_below(1e-6, 0.05)),
    ),
    value_check(
        "beyond.memory.half_life.page",
        "half_life",
        (page.BETA2,),
        "beta2 = 0.999",
        _f(oracle.half_life(page.BETA2)),
        hidden=False,
    ),
    value_check("beyond.memory.half_life.b09", "half_life", (0.9,), "beta2 = 0.9", _f(oracle.half_life(0.9))),
    value_check(
        "beyond.memory.share.page",
        "weight_share",
        (1000,),
        "the last 1000 steps at 0.999",
        _f(oracle.weight_share(1000, page.BETA2)),
        hidden=False,
    ),
    value_check(
        "beyond.memory.share.b099",
        "weight_share",
        (100, 0.99),
        "the last 100 steps at 0.99",
        _f(oracle.weight_share(100, 0.99)),
    ),
    ratios("beyond.ratio.page.page", G_BIG, G_SMALL, "the page's two parameters", hidden=False),
    ratios(
        "beyond.ratio.page.longer",
        [1.0, 2.0, 3.0, 4.0],
        [0.5, 0.5, -0.1, 0.02],
        "four steps at beta2 = 0.99",
        beta2=0.99,
    ),
    moves("beyond.moves.page.both", PAGE_G, "the page's two parameters at once", hidden=False),
    moves("beyond.moves.page.p1_beta1", _arr(G_BIG), "parameter 1 alone, beta1 = 0.8", beta1=0.8),
    scaled("beyond.moves.scale.c10", PAGE_G, 10.0, hidden=False),
    scaled("beyond.moves.scale.c1000", _arr([[3.0, -0.02], [1.0, 0.05], [-2.0, 0.01], [0.5, 0.04]]), 1000.0),
    descent(
        "beyond.bathtub.adam.axes", "adam_losses", spec.BATHTUB, "Adam on (x^2 + 100 y^2) / 2 from (1, 1)", hidden=False
    ),
    descent("beyond.bathtub.adam.turned", "adam_losses", _TURNED, "Adam on the bathtub turned by 45 degrees"),
    descent("beyond.bathtub.sgd.axes", "sgd_losses", spec.BATHTUB, "gradient descent on the bathtub", hidden=False),
    descent("beyond.bathtub.sgd.turned", "sgd_losses", _TURNED, "gradient descent on it turned by 45 degrees"),
)


def _stream(seed: int) -> Draw:
    return Draw(int.from_bytes(hashlib.sha256(f"adam-hw beyond {seed}".encode()).digest()[:6], "big"))


def drawn(seed: int) -> tuple[BeyondCall, ...]:
    """The part's cases for one seed: a t and beta2 for the Monte Carlo, two gradient sequences for the ratio,
    and an angle to turn the bathtub by. Always hidden."""
    draw = _stream(seed)
    t, beta2 = draw.between(2, 30), draw.pick((0.99, 0.995, 0.999, 0.9995))
    n = draw.between(4, 6)
    big = [draw.pick((1.0, -1.0)) * draw.magnitude(0, 1) for _ in range(n)]
    small = [draw.pick((1.0, -1.0)) * draw.magnitude(-3, -1) for _ in range(n)]
    angle = float(draw.between(10, 80))
    tub = spec.BATHTUB.rotated(angle)
    return (
        bias(f"beyond.bias.drawn.t{t}", t, beta2),
        ratios("beyond.ratio.drawn.sequence", big, small, f"{n} drawn steps of each parameter"),
        descent("beyond.bathtub.drawn.adam", "adam_losses", tub, f"Adam on the bathtub turned by {angle:g} degrees"),
        descent("beyond.bathtub.drawn.sgd", "sgd_losses", tub, f"gradient descent on it turned by {angle:g} degrees"),
    )


def checks_for_seed(seed: int) -> tuple[BeyondCall, ...]:
    return FIXED + drawn(seed)


def fingerprint(checks: Iterable[BeyondCall]) -> str:
    """sha256 of every check's id, call and expected value: equal fingerprints mean the very same checks."""
    digest = hashlib.sha256()
    for c in checks:
        expected = c.expected.tolist() if isinstance(c.expected, np.ndarray) else c.expected
        record = [c.id, c.func, [encode_input(a) for a in c.args], sorted(c.kwargs.items()), c.judge, c.hidden]
        digest.update(repr(record + [repr(expected)]).encode())
    return digest.hexdigest()
