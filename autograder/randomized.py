"""Hidden cases drawn from a seed: new gradient sequences, betas, alpha and eps, later steps, shapes and types.

Each term (and, if wanted, each student) gets its own draw, so last term's answer table is useless; the
page's worked values stay in `autograder.cases` and are graded every term. The cases belong to the
existing rubric items (`update_v.general`, `bias_correct.general`, `effective_step.general`,
`effective_step.small_v_hat`) and are always hidden; their expected values come from the exact oracle
at the very inputs drawn, like every other case.

The numbers come from sha256 of (seed, counter), not from `random` or numpy, whose streams may change
between versions: the same seed gives the same cases on any machine, months later. Every number drawn
has a few significant digits, so a hidden call reads well in feedback, and every input stays where
float64 code agrees with the exact oracle to ~1e-13, far inside the 1e-6 tolerance.

Bump VERSION when a change here changes what a seed draws: the term manifest records it, and grading
with a manifest made by another version fails loudly instead of silently grading different cases.
"""

import hashlib
from collections.abc import Iterable, Sequence
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from autograder.functions import running_v
from autograder.judge.checks import Case, Expect, encode_input

VERSION = 2

T = TypeVar("T")


class Draw:
    """A deterministic stream of choices from one seed."""

    def __init__(self, seed: int) -> None:
        self._seed = int(seed)
        self._count = 0

    def below(self, n: int) -> int:
        """An integer in [0, n)."""
        digest = hashlib.sha256(f"{self._seed}:{self._count}".encode()).digest()
        self._count += 1
        return int.from_bytes(digest[:8], "big") % n

    def between(self, low: int, high: int) -> int:
        """An integer in [low, high]."""
        return low + self.below(high - low + 1)

    def pick(self, options: Sequence[T]) -> T:
        return options[self.below(len(options))]

    def magnitude(self, low_exp: int, high_exp: int, digits: int = 3) -> float:
        """A positive number with `digits` significant digits, between 10**low_exp and 10**(high_exp + 1)."""
        mantissa = self.between(10 ** (digits - 1), 10**digits - 1)
        exponent = self.between(low_exp, high_exp) - (digits - 1)
        return float(f"{mantissa}e{exponent}")

    def gradient(self, low_exp: int = -2, high_exp: int = 1) -> float:
        """A gradient of either sign."""
        return self.pick((1.0, -1.0)) * self.magnitude(low_exp, high_exp)

    def beta2(self) -> float:
        """0.5 <= beta2 < 1 with few digits: 0.97, 0.999, 0.9953 ..."""
        places = self.between(2, 4)
        return float(f"{1 - self.between(1, 50 if places == 2 else 99) / 10**places:.{places}f}")

    def alpha(self) -> float:
        return float(f"{self.between(1, 9)}e-{self.between(1, 4)}")

    def eps(self) -> float:
        return float(f"{self.between(1, 9)}e-{self.between(3, 10)}")

    def shape(self, ndim: int) -> tuple[int, ...]:
        return tuple(self.between(2, 4) for _ in range(ndim)) if ndim > 1 else (self.between(2, 6),)


def _gradients(draw: Draw, n: int, shape: tuple[int, ...] = (), first: int = 0) -> list[float]:
    """n gradients (or arrays of them), one of them zero and another negative, both at or after `first`."""
    size = int(np.prod(shape)) if shape else 1
    flat = [draw.gradient() for _ in range(n * size)]
    start = first * size
    zero = start + draw.below(len(flat) - start)
    negative = start + (zero - start + 1 + draw.below(len(flat) - start - 1)) % (len(flat) - start)
    flat[zero] = 0.0
    flat[negative] = -abs(flat[negative])
    return flat


def _array(values: Sequence[float], shape: tuple[int, ...]) -> npt.NDArray[np.float64]:
    return np.array(values, dtype=np.float64).reshape(shape)


def _update_v(draw: Draw) -> list[Case]:
    item = "update_v.general"
    beta = draw.beta2()
    grads = _gradients(draw, 5, first=2)  # the zero and the negative land on graded steps
    v = running_v(grads, beta)
    cases = [
        Case(
            f"{item}.random_seq_t{t}",
            item,
            "update_v",
            (v[t - 2], grads[t - 1]),
            f"step {t} of a gradient sequence with zero and negative gradients, beta2 = {beta}",
            {"beta2": beta},
        )
        for t in (3, 4, 5)
    ]
    shape = draw.shape(1)
    n = int(np.prod(shape))
    v_prev = [draw.pick((0.0, draw.magnitude(-3, 1))) for _ in range(n)]
    beta = draw.beta2()
    cases.append(
        Case(
            f"{item}.random_vector",
            item,
            "update_v",
            (_array(v_prev, shape), _array(_gradients(draw, 1, shape), shape)),
            f"1-d arrays, beta2 = {beta}",
            {"beta2": beta},
        )
    )
    shape = draw.shape(2)
    n = int(np.prod(shape))
    cases.append(
        Case(
            f"{item}.random_matrix",
            item,
            "update_v",
            (_array([draw.magnitude(-3, 1) for _ in range(n)], shape), _array(_gradients(draw, 1, shape), shape)),
            f"2-d arrays of shape {shape}",
        )
    )
    beta = draw.beta2()
    cases.append(
        Case(
            f"{item}.random_zero_d",
            item,
            "update_v",
            (np.array(draw.magnitude(-3, 0)), np.array(draw.gradient())),
            f"0-d arrays, beta2 = {beta}",
            {"beta2": beta},
        )
    )
    n = draw.between(2, 5)
    cases.append(
        Case(
            f"{item}.random_list",
            item,
            "update_v",
            ([draw.magnitude(-2, 1) for _ in range(n)], [draw.between(-20, 20) for _ in range(n)]),
            "Python lists (integer gradients)",
        )
    )
    cases.append(
        Case(
            f"{item}.random_ints",
            item,
            "update_v",
            (draw.between(0, 50), -draw.between(1, 30)),
            "Python integers, a negative gradient",
        )
    )
    return cases


def _bias_correct(draw: Draw) -> list[Case]:
    item = "bias_correct.general"
    beta = draw.beta2()
    v = running_v(_gradients(draw, 5), beta)
    cases = [
        Case(
            f"{item}.random_seq_t{t}",
            item,
            "bias_correct",
            (v[t - 1], t),
            f"t = {t} of a gradient sequence, beta2 = {beta}",
            {"beta2": beta},
        )
        for t in (3, 5)
    ]
    beta, t = draw.beta2(), draw.between(10, 3000)
    cases.append(
        Case(
            f"{item}.random_late",
            item,
            "bias_correct",
            (draw.magnitude(-4, 1), t),
            f"t = {t}, beta2 = {beta}",
            {"beta2": beta},
        )
    )
    shape, beta, t = draw.shape(1), draw.beta2(), draw.between(3, 60)
    cases.append(
        Case(
            f"{item}.random_vector",
            item,
            "bias_correct",
            (_array([draw.magnitude(-5, 1) for _ in range(int(np.prod(shape)))], shape), t),
            f"a 1-d array, t = {t}, beta2 = {beta}",
            {"beta2": beta},
        )
    )
    shape, t = draw.shape(2), draw.between(2, 20)
    cases.append(
        Case(
            f"{item}.random_matrix",
            item,
            "bias_correct",
            (_array([draw.magnitude(-5, 1) for _ in range(int(np.prod(shape)))], shape), t),
            f"a 2-d array of shape {shape}, t = {t}",
        )
    )
    t = draw.between(3, 9)
    cases.append(
        Case(
            f"{item}.random_list",
            item,
            "bias_correct",
            ([draw.magnitude(-5, 1) for _ in range(draw.between(2, 5))], t),
            f"a Python list, t = {t}",
        )
    )
    return cases


def _effective_step(draw: Draw) -> list[Case]:
    item = "effective_step.general"
    alpha, eps = draw.alpha(), draw.eps()
    cases = [
        Case(
            f"{item}.random_alpha_eps",
            item,
            "effective_step",
            (draw.magnitude(-4, 2),),
            f"alpha = {alpha} and eps = {eps}",
            {"alpha": alpha, "eps": eps},
        )
    ]
    shape = draw.shape(1)
    cases.append(
        Case(
            f"{item}.random_vector",
            item,
            "effective_step",
            (_array([draw.magnitude(-6, 2) for _ in range(int(np.prod(shape)))], shape),),
            "a 1-d array",
        )
    )
    shape, alpha = draw.shape(2), draw.alpha()
    cases.append(
        Case(
            f"{item}.random_matrix",
            item,
            "effective_step",
            (_array([draw.magnitude(-6, 2) for _ in range(int(np.prod(shape)))], shape),),
            f"a 2-d array of shape {shape}, alpha = {alpha}",
            {"alpha": alpha},
        )
    )
    cases.append(
        Case(
            f"{item}.random_list",
            item,
            "effective_step",
            ([draw.magnitude(-4, 2) for _ in range(draw.between(2, 5))],),
            "a Python list",
        )
    )
    alpha = draw.alpha()
    cases.append(
        Case(
            f"{item}.random_ints",
            item,
            "effective_step",
            (np.array([draw.between(0, 400) for _ in range(draw.between(2, 5))], dtype=np.int64),),
            f"an integer array, alpha = {alpha}",
            {"alpha": alpha},
        )
    )
    item = "effective_step.small_v_hat"
    # The default eps: ignoring a given eps is effective_step.general's to catch, and a draw must not
    # move a mistake from one item to another (a wrong submission fails the same items every term).
    tiny = [0.0] + [draw.magnitude(-20, -13) for _ in range(draw.between(2, 4))]
    cases.append(Case(f"{item}.random_tiny", item, "effective_step", (np.array(tiny),), "zero and tiny v_hat"))
    return cases


def cases(seed: int) -> tuple[Case, ...]:
    """The hidden cases one seed draws, in a fixed order; the same seed always gives the same cases."""
    draw = Draw(seed)
    drawn = tuple(_update_v(draw) + _bias_correct(draw) + _effective_step(draw))
    ids = [c.id for c in drawn]
    if len(set(ids)) != len(ids):
        raise ValueError(f"randomized case ids are not unique: {ids}")
    return drawn


#: Where each drawn case counts under the grading model (rubric.md): (item, group, expect) by the id the
#: draw gives it. The draw itself, its ids and so the fingerprint of every released term are unchanged:
#: a term.json written before the regrouping verifies and draws the very same cases; only where they
#: count moved (lists and integers to the contract items, one group per kind of drawn case).
GROUPS: dict[str, tuple[str, str, Expect]] = {
    "update_v.general.random_seq_t": ("update_v.general", "drawn_sequence", "value"),
    "update_v.general.random_vector": ("update_v.general", "drawn_arrays", "value"),
    "update_v.general.random_matrix": ("update_v.general", "drawn_arrays", "value"),
    "update_v.general.random_zero_d": ("update_v.general", "drawn_arrays", "value"),
    "update_v.general.random_list": ("update_v.contract", "inputs", "same"),
    "update_v.general.random_ints": ("update_v.contract", "inputs", "same"),
    "bias_correct.general.random_seq_t": ("bias_correct.general", "drawn_sequence", "value"),
    "bias_correct.general.random_late": ("bias_correct.general", "drawn_sequence", "value"),
    "bias_correct.general.random_vector": ("bias_correct.general", "drawn_arrays", "value"),
    "bias_correct.general.random_matrix": ("bias_correct.general", "drawn_arrays", "value"),
    "bias_correct.general.random_list": ("bias_correct.contract", "inputs", "same"),
    "effective_step.general.random_alpha_eps": ("effective_step.general", "drawn", "value"),
    "effective_step.general.random_vector": ("effective_step.general", "drawn", "value"),
    "effective_step.general.random_matrix": ("effective_step.general", "drawn", "value"),
    "effective_step.general.random_list": ("effective_step.contract", "inputs", "same"),
    "effective_step.general.random_ints": ("effective_step.contract", "inputs", "same"),
    "effective_step.small_v_hat.random_tiny": ("effective_step.small_v_hat", "drawn_tiny", "value"),
}


def regroup(case: Case) -> Case:
    """A drawn case placed in its item and group: the same call, id item.group.name (e.g.
    update_v.contract.inputs.random_list)."""
    prefix = next((p for p in GROUPS if case.id.startswith(p)), None)
    if prefix is None:
        raise ValueError(f"drawn case {case.id} has no place in the rubric (randomized.GROUPS)")
    item, group, expect = GROUPS[prefix]
    name = case.id.rsplit(".", 1)[1]
    return Case(
        f"{item}.{group}.{name}", item, case.func, case.args, case.about, case.kwargs, case.hidden, expect, group
    )


def graded(seed: int) -> tuple[Case, ...]:
    """The cases one seed draws, each where it counts (`regroup`)."""
    return tuple(regroup(case) for case in cases(seed))


def fingerprint(drawn: Iterable[Case]) -> str:
    """sha256 of every case's id, call and expected value: equal fingerprints mean the very same cases."""
    digest = hashlib.sha256()
    for case in drawn:
        expected = case.expected.tolist() if isinstance(case.expected, np.ndarray) else case.expected
        record = [
            case.id,
            case.item,
            case.func,
            [encode_input(a) for a in case.args],
            sorted(case.kwargs.items()),
            case.expect,
            case.hidden,
            expected,
        ]
        digest.update(repr(record).encode())
    return digest.hexdigest()
