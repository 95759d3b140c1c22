"""The part's kinds of check: one call of a part function on fixed inputs, judged four ways.

`BeyondCall` implements `judge.checks.Check`, so the grader, the notebook builder and the release never ask
which kind they hold. What it judges (`judge`):
  value   the values within RTOL of the exact oracle's (as the core's value checks do);
  means   [mean v_t, mean v_hat_t] of a Monte Carlo run, each within `spread` (five standard errors) of its
          exact expectation: a correct mean misses by more once in 1.7 million, a known mistake by far more;
  same    the values within RTOL of the student's own values on `twin_args` (scale invariance: the moves for
          c * g are the moves for g): the property is judged, not a number;
  symbolic the returned expression, read as a rational function of spec.SYMBOLS (the arguments are sympy's
          real symbols), exactly the expected polynomial (`expected`: {exponents: Fraction});
  losses  a run's losses: steps + 1 finite values, the first FIRST_STEPS within RTOL of the reference run's,
          and the last within a factor LAST_FACTOR of the reference's last (the thresholds; the oracle works
          them out again for any bathtub).
A function that runs Adam through the student's own core functions (spec.THROUGH_CORE) is called twice: with
their update_v, bias_correct and effective_step, and with exact ones (the guest swaps them in for the call).
The check is judged on the exact ones' run, so a slip in tasks 1-3 costs there, once; the outcome says when
the student's own run differs (`Outcome.kind` "own_core_differs").
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from autograder.beyond import spec
from autograder.judge.checks import Call, Case, Unrolled, encode_input, render_call, reply_problem
from autograder.judge.compare import as_values, close, decode, judge_value, show
from autograder.judge.identity import Poly, _poly_mul, parse_rational
from autograder.memo import Run
from autograder.notebook.lines import literal
from autograder.results import Outcome
from autograder.sandbox.guest import protocol
from autograder.sandbox.guest.protocol import Message
from autograder.tolerance import RTOL
from autograder.words import EMPTY, Words, code, prose, words

Judge = Literal["value", "means", "same", "losses", "symbolic"]
FIRST_STEPS = 5
LAST_FACTOR = 10.0
#: The core the guest swaps in for a follow-through call (sandbox/guest.py, `core` of a call request).
REFERENCE = "reference"


@dataclass(frozen=True)
class BeyondCall:
    """Call `func(*args, **kwargs)` and judge the result (see the module docstring)."""

    id: str
    item: str
    group: str
    func: str
    args: tuple[Any, ...]
    about: str
    expected: Any  # float64 values (value, losses), (means, spreads) for means, None for same
    kwargs: dict[str, Any] = field(default_factory=dict)
    hidden: bool = True
    judge: Judge = "value"
    twin_args: tuple[Any, ...] = ()  # for `same`: the call whose values these must equal

    def __post_init__(self) -> None:
        if not self.id.startswith(f"{self.item}.{self.group}."):
            raise ValueError(f"check {self.id}: its id must start with {self.item}.{self.group}.")
        if self.func not in spec.BY_NAME:
            raise ValueError(f"check {self.id}: {self.func} is not a function of the part")

    # -- the Check protocol ------------------------------------------------------------------------------

    @property
    def uses(self) -> tuple[str, ...]:
        return (self.func,)

    @property
    def fixed_call(self) -> Case | None:
        return None  # the core's catalogue of mistakes knows nothing of the part's functions

    @property
    def unrolled(self) -> Unrolled | None:
        return None

    @property
    def through_core(self) -> bool:
        return self.func in spec.THROUGH_CORE

    @cached_property
    def _requests(self) -> list[Message]:
        def request(args: Sequence[Any], core: str | None) -> Message:
            return protocol.call_request(
                self.func,
                [encode_input(a) for a in args],
                {k: encode_input(v) for k, v in self.kwargs.items()},
                inputs_after=False,
                core=core,
                gens=spec.SYMBOLS if self.judge == "symbolic" else None,
            )

        own = [request(self.args, None)] + ([request(self.twin_args, None)] if self.judge == "same" else [])
        if not self.through_core:
            return own
        exact = [request(self.args, REFERENCE)] + ([request(self.twin_args, REFERENCE)] if self.judge == "same" else [])
        return own + exact

    def requests(self) -> list[tuple[Message, tuple[str, ...]]]:
        return [(r, self.uses) for r in self._requests]

    @property
    def call_text(self) -> str:
        return render_call(self.func, self.args, {k: _Shown(v) for k, v in self.kwargs.items()})

    def run(self, call: Callable[..., Any], shared: Run | None = None) -> Outcome:
        """Send the requests and judge the replies (`shared` is unused: part 5's outcomes are not kept)."""
        replies = [call(r, self.uses) for r in self._requests]
        half = len(replies) // 2 if self.through_core else len(replies)
        own = self._problem(replies[:half])
        kind = "beyond"
        problem = own
        if self.through_core and own is not None:
            exact = self._problem(replies[half:])
            if exact is None:  # the part's own logic is right: the slip is the core's, charged there
                problem, kind = None, "own_core_differs"
            else:
                problem = own
        returned = replies[0].value if replies[0].ok else {"status": replies[0].status, "error": replies[0].error}
        message = EMPTY if problem is None else words(code(self.call_text), f" ({self.about}) ", problem, ".")
        if kind == "own_core_differs" and own is not None:
            message = words(
                code(self.call_text),
                f" ({self.about}) is right with exact update_v, bias_correct and effective_step, but with your own it ",
                own,
                ": the slip is in tasks 1-3, charged there.",
            )
        return Outcome(
            self.id, self.item, problem is None, self.hidden, self.about, message, returned=returned,
            group=self.group, kind=kind,
        )  # fmt: skip

    def _problem(self, replies: Sequence[Any]) -> Words | None:
        reply = replies[0]
        if not reply.ok:
            return reply_problem(reply, self.func)
        got = (reply.value or {}).get("value")
        if self.judge == "value":
            problem = judge_value(got, self.expected)
            if problem and not self.hidden:
                problem += f"; expected {show(self.expected)}"
            return problem
        if self.judge == "means":
            return _judge_means(got, *self.expected)
        if self.judge == "symbolic":
            return _judge_symbolic(got, self.expected)
        if self.judge == "same":
            twin = replies[1]
            if not twin.ok:
                return words("could not be compared: ", reply_problem(twin, self.func))
            mine, problem = decode(got)
            own, twin_problem = decode((twin.value or {}).get("value"))
            if mine is None or own is None:
                return problem or twin_problem or prose("sent back something that is not numbers")
            if own.shape != mine.shape or not close(mine, own):
                return prose("gives other moves when every gradient is multiplied by the same constant")
            return None
        return _judge_losses(got, self.expected)

    def notebook_lines(self) -> tuple[list[str], list[str]]:
        line = self.notebook_line()
        return ([], [line]) if self.hidden else ([line], [])

    def notebook_line(self) -> str:
        what = f"{self.call_text}: {self.about}"
        args = ", ".join(
            [self.func] + [literal(a) for a in self.args] + [f"{k}={source(v)}" for k, v in self.kwargs.items()]
        )
        if self.judge == "value":
            line = f"check_value({what!r}, run({args}), {literal(np.asarray(self.expected))})"
        elif self.judge == "means":
            means, spreads = self.expected
            line = f"check_means({what!r}, run({args}), {list(map(float, means))!r}, {list(spreads)!r})"
        elif self.judge == "symbolic":
            line = f"check_symbolic({what!r}, run({args}), {_sympy_text(self.expected)!r})"
        elif self.judge == "same":
            twin = ", ".join(
                [self.func]
                + [literal(a) for a in self.twin_args]
                + [f"{k}={literal(v)}" for k, v in self.kwargs.items()]
            )
            line = f"check_scaled({what!r}, run({args}), run({twin}))"
        else:
            reference = np.asarray(self.expected)
            line = f"check_losses({what!r}, run({args}), {literal(reference[:FIRST_STEPS])}, {float(reference[-1])!r}, {len(reference)}, {reach(reference)})"
        if self.through_core:
            return f"assert passes_either(lambda: {line})"
        return f"assert {line}"


class _Shown:
    """A keyword's value as feedback shows it: a symbol by its name."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __repr__(self) -> str:
        if isinstance(self.value, dict) and "sym" in self.value:
            return str(self.value["sym"])
        return repr(self.value)


def source(value: object) -> str:
    """A keyword's value as Python source in a test cell: a symbol as sympy's real symbol of that name."""
    if isinstance(value, dict) and "sym" in value:
        return f"sympy.Symbol({value['sym']!r}, real=True)"
    return literal(value)


def _judge_symbolic(got: object, expected: Poly) -> Words | None:
    if isinstance(got, dict) and got.get("kind") == "not_polynomial":
        return prose(f"does not give a polynomial in {' and '.join(spec.SYMBOLS)}")
    parsed = parse_rational(got, spec.SYMBOLS)
    if parsed is None:
        return prose(f"does not give an expression in the symbols {' and '.join(spec.SYMBOLS)}")
    num, den = parsed
    one = {(0,) * len(spec.SYMBOLS): Fraction(1)}
    if _poly_mul(num, one) != _poly_mul(expected, den):
        return prose("gives another expression than E[v_t] (exact algebra)")
    return None


def _sympy_text(poly: Poly) -> str:
    """A polynomial in spec.SYMBOLS as sympy source, for the notebook and the public tests."""
    terms = []
    for exps, coeff in sorted(poly.items()):
        factors = [f"{name}**{e}" for name, e in zip(spec.SYMBOLS, exps) if e]
        terms.append("*".join([f"({coeff})", *factors]))
    return " + ".join(terms) or "0"


def _judge_means(got: object, means: Sequence[float], spreads: Sequence[float]) -> Words | None:
    values, problem = as_values(got, np.zeros(2))
    if values is None:
        return problem
    names = ("mean v_t", "mean v_hat_t")
    for name, value, mean, spread in zip(names, values.ravel(), means, spreads):
        if not np.isfinite(value):
            return prose(f"gives a {name} that is not finite")
        if abs(value - float(mean)) > spread:
            return prose(
                f"gives a {name} of {value:.4g}, more than five standard errors ({spread:.2g}) from its expectation"
            )
    return None


def _judge_losses(got: object, reference: npt.ArrayLike) -> Words | None:
    ref = np.asarray(reference, dtype=np.float64)
    values, problem = decode(got)
    if values is None:
        return problem
    values = values.ravel()
    if values.size != ref.size:
        return prose(f"gives {values.size} losses, not {ref.size} (the start, then one after each step)")
    if not np.all(np.isfinite(values)):
        return prose("gives losses that are not finite (the run blew up)")
    if not close(values[:FIRST_STEPS], ref[:FIRST_STEPS]):
        return prose(f"gives other losses in the first {FIRST_STEPS} steps than the formulas do")
    last, want = float(values[-1]), float(ref[-1])
    if not (want / LAST_FACTOR <= last <= want * LAST_FACTOR):
        return prose(f"ends at a loss of {last:.3g}, not within a factor of {LAST_FACTOR:g} of what the formulas reach")
    mine, theirs = reach(values), reach(ref)
    if abs(mine - theirs) > spec.REACH_SLACK:
        said = "never gets" if mine >= values.size else f"takes {mine} steps to get"
        return prose(f"{said} below a loss of {spec.TARGET:g} in {values.size - 1} steps, unlike the formulas")
    return None


def reach(losses: npt.ArrayLike) -> int:
    """The first step whose loss is at or below spec.TARGET; the number of losses when none is."""
    below = np.flatnonzero(np.asarray(losses, dtype=np.float64) <= spec.TARGET)
    return int(below[0]) if below.size else int(np.size(losses))


def value_check(
    id: str, func: str, args: tuple[Any, ...], about: str, expected: Any, kwargs: dict[str, Any] | None = None,
    hidden: bool = True, judge: Judge = "value", twin_args: tuple[Any, ...] = (),
) -> BeyondCall:  # fmt: skip
    """A BeyondCall whose id reads item.group.name (item and group come from the id)."""
    parts = id.split(".")
    return BeyondCall(
        id, ".".join(parts[:2]), parts[2], func, args, about, expected, kwargs or {}, hidden, judge, twin_args
    )


__all__ = ["RTOL", "BeyondCall", "Call", "value_check"]
