"""Graded checks of the bias-correction identity, run on the student's own update_v and bias_correct.

Section 3 of the Adam paper: unrolled from v_0 = 0, v_T = (1 - beta2) * sum_{i=1..T} beta2^(T-i) * g_i^2,
and since (1 - beta2) * sum_{i=1..T} beta2^(T-i) = 1 - beta2^T, a constant gradient g gives v_hat_t = g^2.

The worker feeds sympy symbols through the student's functions and sends back each result as numerator
and denominator polynomials with exact rational coefficients (plain data). This process compares them with
the closed form by polynomial arithmetic on Fractions: exact, no sympy here and no `simplify`. Correct
code that cannot take sympy objects (say `np.asarray(g, dtype=float)`) is not penalised for that: the same
identity is then probed with float inputs against the closed form computed exactly from those inputs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from autograder.judge.checks import Unrolled, reply_problem
from autograder.memo import Run
from autograder.notebook import lines
from autograder.results import Outcome
from autograder.sandbox.guest import protocol
from autograder.sandbox.guest.protocol import Message
from autograder.tolerance import RTOL
from autograder.words import EMPTY, Words, prose, words

if TYPE_CHECKING:  # what `call` answers with; the host is the grader's, run by grading.py
    from autograder.boundary import Reply

BETA = "beta2"
#: The identity items judge numbers at the tolerance of every other check (autograder/tolerance.py): float32
#: code loses the contract's float64 item, not the identity as well.
NUMERIC_RTOL = RTOL
MAX_TERMS = 10_000
# Coefficients as sympy writes a Rational ("-3/1000"). Anything else is refused before Fraction sees it:
# Fraction("1e999999999") would spend minutes building 10**999999999 in the grader's own process.
_COEFFICIENT = re.compile(r"-?[0-9]{1,4000}(/[0-9]{1,4000})?")

# -- polynomials as {exponent tuple: Fraction} ------------------------------------------------------------

Poly = dict[tuple[int, ...], Fraction]
#: How a check sends a request: `call(request, uses)` answers with the host's Reply (host.Host.call).
Call = Callable[[Message, Sequence[str]], "Reply"]


def _poly_mul(p: Poly, q: Poly) -> Poly:
    out: Poly = {}
    for ma, ca in p.items():
        for mb, cb in q.items():
            m = tuple(a + b for a, b in zip(ma, mb))
            out[m] = out.get(m, 0) + ca * cb
    return {m: c for m, c in out.items() if c != 0}


def _poly_equal(p: Poly, q: Poly) -> bool:
    """Equal up to a relative 1e-12 of the largest coefficient (exact when both are exact rationals)."""
    keys = set(p) | set(q)
    scale = max([abs(c) for c in p.values()] + [abs(c) for c in q.values()] + [Fraction(0)])
    tol = scale * Fraction(1, 10**12)
    return all(abs(p.get(k, Fraction(0)) - q.get(k, Fraction(0))) <= tol for k in keys)


def _parse_poly(terms: object, n: int) -> Poly | None:
    """The worker's [[exponents], "p/q"] list as a polynomial, or None when it is not well formed."""
    if not isinstance(terms, list) or len(terms) > MAX_TERMS:
        return None
    poly: Poly = {}
    for term in terms:
        if not (isinstance(term, list) and len(term) == 2 and isinstance(term[0], list) and isinstance(term[1], str)):
            return None
        exps = term[0]
        if len(exps) != n or not all(isinstance(e, int) and not isinstance(e, bool) and 0 <= e <= 64 for e in exps):
            return None
        if not _COEFFICIENT.fullmatch(term[1]):
            return None
        try:
            coeff = Fraction(term[1])
        except ZeroDivisionError:
            return None
        poly[tuple(exps)] = poly.get(tuple(exps), 0) + coeff
    return {m: c for m, c in poly.items() if c != 0}


def parse_rational(value: object, gens: Sequence[str]) -> tuple[Poly, Poly] | None:
    """(numerator, denominator) polynomials from the worker's description, or None if malformed."""
    if not isinstance(value, dict) or value.get("kind") != "rational" or value.get("gens") != list(gens):
        return None
    num, den = _parse_poly(value.get("num"), len(gens)), _parse_poly(value.get("den"), len(gens))
    if num is None or not den:
        return None
    return num, den


def _monomial(gens: Sequence[str], **powers: int) -> tuple[int, ...]:
    return tuple(powers.get(g, 0) for g in gens)


def closed_form(t: int, gens: Sequence[str]) -> Poly:
    """(1 - b) * sum_{i=1..t} b^(t-i) * g_i^2 as a polynomial in gens = (g1..gT, beta2)."""
    poly: Poly = {}
    for i in range(1, t + 1):
        g = f"g{i}"
        # (1 - b) b^(t-i) g_i^2 = b^(t-i) g_i^2 - b^(t-i+1) g_i^2
        poly[_monomial(gens, **{g: 2, BETA: t - i})] = Fraction(1)
        poly[_monomial(gens, **{g: 2, BETA: t - i + 1})] = Fraction(-1)
    return poly


def render_poly(poly: Poly, gens: Sequence[str], limit: int = 8) -> str:
    """A polynomial in readable form, for feedback about the student's own expression."""
    parts: list[str] = []
    for mono, coeff in sorted(poly.items(), reverse=True)[:limit]:
        factors = [g if e == 1 else f"{g}^{e}" for g, e in zip(gens, mono) if e]
        if factors and coeff in (1, -1):  # "-g1*beta2", not "-1*g1*beta2"
            text = ("-" if coeff == -1 else "") + "*".join(factors)
        else:
            text = "*".join([str(coeff)] + factors)
        parts.append(text)
    more = " + ..." if len(poly) > limit else ""
    return (" + ".join(parts) or "0").replace("+ -", "- ") + more


# -- the two graded checks --------------------------------------------------------------------------------


_UNREADABLE = prose("your code sent back something the grader cannot read")

#: A float probe: the unroll request and the exact value due at each step.
Probe = tuple[Message, list[Fraction]]


@dataclass(frozen=True)
class IdentityCheck:
    """Base for the two identity checks: a symbolic request, then numeric probes if sympy objects fail."""

    id: str
    item: str
    about: str
    steps: int = 5
    hidden: bool = True
    group: str = ""
    uses: ClassVar[tuple[str, ...]] = ("update_v", "bias_correct")

    @property
    def fixed_call(self) -> None:
        return None  # it unrolls the student's functions over many steps, not one call

    # -- what each kind of identity check defines ---------------------------------------------------------

    @property
    def gens(self) -> tuple[str, ...]:
        """The symbols of the symbolic request: the variables of the polynomials it sends back."""
        raise NotImplementedError

    def symbolic_request(self) -> Message:
        raise NotImplementedError

    def judge_step(self, t: int, num: Poly, den: Poly) -> Words | None:
        """None when num / den is the identity's value at step t, else the problem in words."""
        raise NotImplementedError

    # What one float probe is made from is each kind's own (ClosedFormCheck: a gradient sequence and beta2;
    # ConstantGradientCheck: one gradient and beta2).
    def graded_inputs(self) -> Sequence[Any]:
        raise NotImplementedError

    def make_probes(self, inputs: Iterable[Any]) -> Iterator[Probe]:
        raise NotImplementedError

    def numeric_problem(self, request: Message, t: int) -> Words:
        raise NotImplementedError

    def public_probes(self) -> list[Probe]:
        """The probes students see (their own values, not the graded ones): the public check of this kind."""
        raise NotImplementedError

    # -- running it ------------------------------------------------------------------------------------------

    def requests(self) -> list[tuple[Message, tuple[str, ...]]]:
        """The symbolic request and the float probes: `judge_chain` sends them all unless the symbolic
        reply already shows a problem, so they go ahead in one write (a spare reply is never read)."""
        return [(self._symbolic, self.uses)] + self.float_requests()

    def float_requests(self) -> list[tuple[Message, tuple[str, ...]]]:
        """The graded float probes' requests, each with the functions it runs."""
        return [(request, self.uses) for request, _ in self.numeric_probes()]

    @cached_property
    def _symbolic(self) -> Message:
        return self.symbolic_request()

    def run(self, call: Call, shared: Run | None = None) -> Outcome:
        replies: list[Reply] = []

        def recording(request: Message, uses: Sequence[str]) -> Reply:
            replies.append(call(request, uses))
            return replies[-1]

        problem, how = self.judge_chain(recording)
        # The symbolic reply is kept (plain data) for the diagnosis, which checks a recovered formula on it.
        symbolic = replies[0] if replies and how.startswith("symbolic") and replies[0].ok else None
        return self.outcome(problem, how, returned=symbolic.value if symbolic else None)

    def outcome(self, problem: Words | None, how: str, returned: dict[str, Any] | None = None) -> Outcome:
        """This check's Outcome: passed when there is no problem, saying how it was checked."""
        return Outcome(
            self.id,
            self.item,
            problem is None,
            self.hidden,
            f"{self.about} (checked with {how})",
            EMPTY if problem is None else words(f"{self.about}: ", problem, "."),
            group=self.group,
            kind="identity",
            returned=returned,
        )

    def judge_chain(self, call: Call) -> tuple[Words | None, str]:
        """(problem, how): symbols when the code takes them, and always numbers, which must agree."""
        reply = call(self._symbolic, self.uses)
        problem, fallback = self.judge_symbolic(reply)
        if fallback:
            return self.run_numeric(call), "float probes (your code does not take sympy symbols, which is fine)"
        if problem:
            return problem, "symbolic algebra"
        # Symbols and numbers must agree: code that returns the closed form only when handed symbols
        # does not earn the identity for a numeric version that is wrong.
        numeric = self.run_numeric(call)
        if numeric:
            return (
                words("your code gives the identity for sympy symbols but not for numbers: ", numeric),
                "symbolic algebra and float probes",
            )
        return None, "symbolic algebra and float probes"

    def judge_symbolic(self, reply: Reply) -> tuple[Words | None, bool]:
        """(problem, fallback): fallback is True when the code could not take symbols at all."""
        if reply.status == "error":
            return None, True
        if not reply.ok:
            return reply_problem(reply, "your code"), False
        values = (reply.value or {}).get("values")
        if not isinstance(values, list) or len(values) != self.steps:
            return _UNREADABLE, False
        if any(isinstance(v, dict) and v.get("kind") == "not_polynomial" for v in values):
            return None, True
        for t, value in enumerate(values, start=1):
            parsed = parse_rational(value, self.gens)
            if parsed is None:
                return _UNREADABLE, False
            problem = self.judge_step(t, *parsed)
            if problem:
                return problem, False
        return None, False

    def numeric_probes(self, inputs: Iterable[Any] | None = None) -> list[Probe]:
        """[(request, the exact value at each step)]: the graded float probes, or those of `inputs`. The
        graded ones are built once (their exact values are sums of Fractions) and serve every student."""
        if inputs is None:
            return self._graded_probes
        return list(self.make_probes(inputs))

    @cached_property
    def _graded_probes(self) -> list[Probe]:
        return list(self.make_probes(self.graded_inputs()))

    def run_numeric(self, call: Call) -> Words | None:
        for request, expected_steps in self.numeric_probes():
            reply = call(request, self.uses)
            if not reply.ok:
                return reply_problem(reply, "your code")
            values = (reply.value or {}).get("values")
            if not isinstance(values, list) or len(values) != len(expected_steps):
                return _UNREADABLE
            for t, (value, expected) in enumerate(zip(values, expected_steps), start=1):
                if not _close(value, expected):
                    return self.numeric_problem(request, t)
        return None


def _close(value: object, expected: Fraction) -> bool:
    if not isinstance(value, dict) or value.get("kind") not in ("scalar", "array", "list"):
        return False
    got = value.get("value") if value.get("kind") == "scalar" else value.get("data")
    while isinstance(got, list) and len(got) == 1:  # a value is a value, whatever the container (shape (1,))
        got = got[0]
    if isinstance(got, list):  # more than one number where one was due
        return False
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return False
    if isinstance(got, float) and not math.isfinite(got):  # ints are finite (and may be too big for isfinite)
        return False
    quick = _quick_close(got, expected)
    if quick is not None:
        return quick
    return abs(Fraction(got) - expected) <= abs(expected) * Fraction(NUMERIC_RTOL)


def _quick_close(got: int | float, expected: Fraction) -> bool | None:
    """_close's answer in floats, or None near the edge of the tolerance (or of the float range), where
    only exact arithmetic can tell. Rounding moves |got - expected| by about 1e-16 of |expected|; a
    margin of a millionth of the tolerance is far wider."""
    if not isinstance(got, float):
        return None
    try:
        want = float(expected)
    except OverflowError:
        return None
    if not 1e-280 < abs(want) < 1e280:
        return None
    gap, bound = abs(got - want), abs(want) * NUMERIC_RTOL
    if gap < bound * (1 - 1e-6):
        return True
    if gap > bound * (1 + 1e-6):
        return False
    return None


#: A ClosedFormCheck's float probe: a gradient sequence and beta2.
Sequence_ = tuple[tuple[float, ...], float]


@dataclass(frozen=True)
class ClosedFormCheck(IdentityCheck):
    """Unrolled from v_0 = 0, the student's update_v equals the closed form at every step t <= steps."""

    uses: ClassVar[tuple[str, ...]] = ("update_v",)

    @property
    def gens(self) -> tuple[str, ...]:
        return tuple(f"g{i}" for i in range(1, self.steps + 1)) + (BETA,)

    def symbolic_request(self) -> Message:
        return protocol.unroll_request(
            [protocol.symbol(f"g{i}") for i in range(1, self.steps + 1)],
            protocol.symbol(BETA),
            protocol.ZERO,
            correct=False,
            gens=self.gens,
        )

    @property
    def unrolled(self) -> Unrolled:
        return Unrolled("update_v", self.gens, corrected=False)

    def notebook_lines(self) -> tuple[list[str], list[str]]:
        """Its public probes visible, the graded ones hidden, each as a check_unrolled line."""
        visible = lines.unrolled_lines(self.public_probes())
        hidden = lines.unrolled_lines(self.numeric_probes())
        return [f"assert {line}" for line in visible], [f"assert {line}" for line in hidden]

    def judge_step(self, t: int, num: Poly, den: Poly) -> Words | None:
        expected = closed_form(t, self.gens)
        if _poly_equal(num, _poly_mul(expected, den)):
            return None
        if den == {(0,) * len(self.gens): Fraction(1)}:
            return prose(
                f"after {t} step(s) from v_0 = 0 your update_v gives {render_poly(num, self.gens)}, "
                f"not (1 - beta2) * sum_i beta2^({t}-i) * g_i^2"
            )
        return prose(
            f"after {t} step(s) from v_0 = 0 your update_v does not give (1 - beta2) * sum_i beta2^({t}-i) * g_i^2"
        )

    def graded_inputs(self) -> Sequence[Sequence_]:
        return _NUMERIC_SEQUENCES

    def make_probes(self, sequences: Iterable[Sequence_]) -> Iterator[Probe]:
        for gradients, beta2 in sequences:
            b = Fraction(beta2)
            expected = [
                (1 - b) * sum(b ** (t - i) * Fraction(g) ** 2 for i, g in enumerate(gradients[:t], start=1))
                for t in range(1, len(gradients) + 1)
            ]
            request = protocol.unroll_request(gradients, beta2, 0.0, correct=False)
            yield request, expected

    def public_probes(self) -> list[Probe]:
        """The probes students see (their own values, not the graded ones): the public check of this kind."""
        return self.numeric_probes(PUBLIC_SEQUENCES)

    def numeric_problem(self, request: Message, t: int) -> Words:
        return prose(
            f"run from v_0 = 0 over the gradients {request['gradients']} with beta2 = {request['beta2']}, "
            f"your update_v after step {t} is not (1 - beta2) * sum_i beta2^({t}-i) * g_i^2"
        )


#: A ConstantGradientCheck's float probe: one gradient and beta2.
Constant = tuple[float, float]


@dataclass(frozen=True)
class ConstantGradientCheck(IdentityCheck):
    """A constant gradient g through update_v then bias_correct gives v_hat_t = g^2 at every t <= steps."""

    @property
    def gens(self) -> tuple[str, ...]:
        return ("g", BETA)

    def symbolic_request(self) -> Message:
        return protocol.unroll_request(
            [protocol.symbol("g")] * self.steps, protocol.symbol(BETA), protocol.ZERO, correct=True, gens=self.gens
        )

    @property
    def unrolled(self) -> Unrolled:
        # Its outcome keeps no symbolic reply today (`run` gives none), so the diagnosis never reads this.
        return Unrolled("bias_correct", self.gens, corrected=True)

    def notebook_lines(self) -> tuple[list[str], list[str]]:
        """Follow-through, as `run` grades it: bias_correct on the exact v_t, then the whole chain only where
        update_v passes the closed form's probes; the public probes visible, the graded ones hidden."""
        closed = _UPDATE_V_PROBE
        visible = lines.follow_through_lines(
            self.exact_v_probes(PUBLIC_CONSTANTS), closed.public_probes(), self.public_probes()
        )
        hidden = lines.follow_through_lines(self.exact_v_probes(), closed.numeric_probes(), self.numeric_probes())
        return visible, hidden

    def judge_step(self, t: int, num: Poly, den: Poly) -> Words | None:
        if _poly_equal(num, _poly_mul({(2, 0): Fraction(1)}, den)):
            return None
        return prose(f"with the same gradient g at every step, your v_hat at t = {t} is not g^2")

    def run(self, call: Call, shared: Run | None = None) -> Outcome:
        """Follow-through: bias_correct is judged on the exact v_t; the chain through update_v only where
        the student's update_v is right (an update_v slip is charged under update_v alone)."""
        problem = self.judge_on_exact_v(call)
        if problem:
            how = "float probes on the exact v_t"
        elif _UPDATE_V_PROBE.run_numeric(call) is None:
            problem, how = self.judge_chain(call)
        else:
            how = "float probes on the exact v_t, because your update_v is not right (charged under update_v only)"
        return self.outcome(problem, how)

    def requests(self) -> list[tuple[Message, tuple[str, ...]]]:
        """Sent ahead in one write, not one round trip each: the exact-v_t calls (they go whatever the
        replies), then what `run` sends when they pass: update_v's float probes and the chain."""
        exact = [(request, ("bias_correct",)) for request in self._exact_v_requests]
        return exact + _UPDATE_V_PROBE.float_requests() + super().requests()

    @staticmethod
    def _exact_v_request(v: float, t: int, beta2: float) -> Message:
        return protocol.call_request("bias_correct", [v, t], {"beta2": beta2}, inputs_after=False)

    def judge_on_exact_v(self, call: Call) -> Words | None:
        """bias_correct(exact v_t, t) must be g^2 at every t, whatever the student's update_v does."""
        for (v, t, beta2, square), request in zip(self.exact_v_probes(), self._exact_v_requests):
            reply = call(request, ("bias_correct",))
            if not reply.ok:
                return reply_problem(reply, "bias_correct")
            if not _close((reply.value or {}).get("value"), square):
                return prose(
                    f"given the exact v_t = {v:.6g} of a constant gradient (beta2 = {beta2}), your bias_correct "
                    f"at t = {t} does not give the gradient squared"
                )
        return None

    def graded_inputs(self) -> Sequence[Constant]:
        return _CONSTANT_GRADIENTS

    def make_probes(self, constants: Iterable[Constant]) -> Iterator[Probe]:
        for g, beta2 in constants:
            request = protocol.unroll_request([g] * self.steps, beta2, 0.0, correct=True)
            yield request, [Fraction(g) ** 2] * self.steps

    def public_probes(self) -> list[Probe]:
        return self.numeric_probes(PUBLIC_CONSTANTS)

    def exact_v_probes(self, constants: Iterable[Constant] | None = None) -> list[tuple[float, int, float, Fraction]]:
        """[(v_t, t, beta2, g^2)] with the exact v_t of a constant gradient: bias_correct judged on its own."""
        if constants is None:
            return self._graded_exact_v
        return [
            (float((1 - Fraction(beta2) ** t) * Fraction(g) ** 2), t, beta2, Fraction(g) ** 2)
            for g, beta2 in constants
            for t in range(1, self.steps + 1)
        ]

    @cached_property
    def _graded_exact_v(self) -> list[tuple[float, int, float, Fraction]]:
        return self.exact_v_probes(_CONSTANT_GRADIENTS)

    @cached_property
    def _exact_v_requests(self) -> list[Message]:
        return [self._exact_v_request(v, t, beta2) for v, t, beta2, _ in self.exact_v_probes()]

    def numeric_problem(self, request: Message, t: int) -> Words:
        g, beta2 = request["gradients"][0], request["beta2"]
        return prose(f"with the gradient {g} at every step and beta2 = {beta2}, your v_hat at t = {t} is not ({g})^2")


#: update_v's float probes, which ConstantGradientCheck runs to know whether the chain through it can be judged.
_UPDATE_V_PROBE = ClosedFormCheck("probe", "update_v", "")

# Float probes for code that cannot take symbols: several gradient sequences (signs, zeros, decreasing)
# and betas, so that no mistake matches the closed form on all of them.
_NUMERIC_SEQUENCES: tuple[Sequence_, ...] = (
    ((10.0, 12.0, 8.0, 0.0, -3.0), 0.999),
    ((0.1, -0.2, 0.3, 0.25, 0.0), 0.9),
    ((2.0, -1.0, 0.5, 4.0, 3.0), 0.5),
)
_CONSTANT_GRADIENTS: tuple[Constant, ...] = ((3.0, 0.999), (-0.5, 0.9), (0.001, 0.5))
# What students run themselves (assignment/test_second_moment.py and the notebook): the same kinds, other values.
PUBLIC_SEQUENCES: tuple[Sequence_, ...] = (((2.0, -1.0, 0.0, 0.5, 4.0), 0.8),)
PUBLIC_CONSTANTS: tuple[Constant, ...] = ((2.5, 0.999), (-2.0, 0.8))
