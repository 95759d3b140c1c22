"""The part's functions as one table (names, parameters in order, defaults) and the bathtub it runs on.

solutions/beyond.py is the one source of the reference and its docstrings; tests/test_beyond.py holds its
signatures and defaults to this table. The defaults are the page's constants (autograder/page.py) where the
page has them; the bathtub's (alpha = 0.1 for Adam, 0.019 for gradient descent, 200 steps) are the issue's.
"""

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from autograder import page
from autograder.functions import Function, Parameter

BETA1 = 0.9  # page 11's first moment
RUNS = 20000  # the Monte Carlo's runs: its default, and what each check asks for


def _p(name: str, kind: str = "scalar", default: float | None = None) -> Parameter:
    return Parameter(name, kind, default)  # type: ignore[arg-type]  # kind is one of functions.Kind


BIAS_BY_MONTE_CARLO = Function(
    "bias_by_monte_carlo",
    (_p("t", "count"), _p("beta2", default=page.BETA2), _p("runs", "count", float(RUNS)), _p("seed", "count", 0.0)),
    "means",
)
EXPECTED_V = Function("expected_v", (_p("t", "count"), _p("beta2"), _p("s")), "expectation")
EPS_CAP = Function("eps_cap", (_p("alpha", default=page.ALPHA), _p("eps", default=page.EPS)), "rate")
EPS_MATTERS_BELOW = Function("eps_matters_below", (_p("eps", default=page.EPS), _p("share", default=0.01)), "v_hat")
HALF_LIFE = Function("half_life", (_p("beta2", default=page.BETA2),), "steps")
WEIGHT_SHARE = Function("weight_share", (_p("n", "count"), _p("beta2", default=page.BETA2)), "share")
RATE_RATIOS = Function(
    "rate_ratios",
    (
        _p("g_big", "array"),
        _p("g_small", "array"),
        _p("beta2", default=page.BETA2),
        _p("alpha", default=page.ALPHA),
        _p("eps", default=page.EPS),
    ),
    "ratios",
)
ADAM_MOVES = Function(
    "adam_moves",
    (
        _p("g", "array"),
        _p("beta1", default=BETA1),
        _p("beta2", default=page.BETA2),
        _p("alpha", default=page.ALPHA),
        _p("eps", default=page.EPS),
    ),
    "moves",
)


@dataclass(frozen=True)
class Bathtub:
    """f(x) = x @ hessian @ x / 2 from x0, and the two optimisers' settings: what 5.6 runs. The instructor may
    change any of it here; the oracle works the thresholds and the prose's figures out again."""

    hessian: tuple[tuple[float, ...], ...] = ((1.0, 0.0), (0.0, 100.0))
    x0: tuple[float, ...] = (1.0, 1.0)
    steps: int = 200
    adam_alpha: float = 0.1
    sgd_alpha: float = 0.019
    beta1: float = BETA1
    beta2: float = page.BETA2
    eps: float = page.EPS

    def rotated(self, degrees: float) -> "Bathtub":
        """The same bathtub turned by `degrees` in the plane of its first two axes, its start turned with it
        (so the loss at the start, and plain gradient descent's whole run, are the same)."""
        turn = _rotation(len(self.x0), degrees)
        hessian = turn @ np.array(self.hessian) @ turn.T
        x0 = turn @ np.array(self.x0)
        return Bathtub(
            tuple(tuple(float(x) for x in row) for row in hessian),
            tuple(float(x) for x in x0),
            self.steps,
            self.adam_alpha,
            self.sgd_alpha,
            self.beta1,
            self.beta2,
            self.eps,
        )


def _rotation(n: int, degrees: float) -> npt.NDArray[np.float64]:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    turn = np.eye(n)
    turn[:2, :2] = [[c, -s], [s, c]]
    return turn


BATHTUB = Bathtub()
#: The loss whose first step below it the bathtub's checks compare ("the steps to reach a loss"), and by how
#: many steps a run may differ there (float64 orderings of the same formulas cross it at the same step).
TARGET = 1e-3
REACH_SLACK = 1
#: The angle the issue turns the bathtub by.
TURN = 45.0

ADAM_LOSSES = Function(
    "adam_losses",
    (
        _p("hessian", "array"),
        _p("x0", "array"),
        _p("steps", "count"),
        _p("alpha", default=BATHTUB.adam_alpha),
        _p("beta1", default=BETA1),
        _p("beta2", default=page.BETA2),
        _p("eps", default=page.EPS),
    ),
    "losses",
)
SGD_LOSSES = Function(
    "sgd_losses",
    (_p("hessian", "array"), _p("x0", "array"), _p("steps", "count"), _p("alpha", default=BATHTUB.sgd_alpha)),
    "losses",
)

TABLE = (
    BIAS_BY_MONTE_CARLO,
    EXPECTED_V,
    EPS_CAP,
    EPS_MATTERS_BELOW,
    HALF_LIFE,
    WEIGHT_SHARE,
    RATE_RATIOS,
    ADAM_MOVES,
    ADAM_LOSSES,
    SGD_LOSSES,
)
BY_NAME = {f.name: f for f in TABLE}
NAMES = tuple(f.name for f in TABLE)
#: The functions that run Adam through the student's own update_v, bias_correct and effective_step: the grader
#: runs them once with those and once with exact ones (follow-through).
THROUGH_CORE = ("bias_by_monte_carlo", "rate_ratios", "adam_moves", "adam_losses")
#: The symbols a symbolic check passes (as sympy's real symbols) and reads its reply in.
SYMBOLS = ("beta2", "s")
#: The written answer's name in second_moment.py: a string a person reads (never auto-graded).
ANSWER = "BEYOND_ANSWER"
