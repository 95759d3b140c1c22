"""The search space of one function: every tree within `MAX_EDITS` edits of the page's, evaluated on the
probes; candidates the probes cannot tell apart form one class, and classes the probes cannot tell from
the page's formula are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from autograder.judge.formulas.edits import _one_edit
from autograder.judge.formulas.probes import evaluate
from autograder.judge.formulas.trees import (
    REFERENCE,
    SIGNATURES,
    Defaults,
    Floats,
    Node,
    contains_array,
    describe_defaults,
    diff_parts,
    render,
)

MAX_EDITS = 2
#: A student's value and a candidate's agree within this (relative); correct float64 orderings agree
#: to ~1e-15, and the candidates kept differ from each other and from the page by far more on the probes.
RTOL = 1e-7
#: First, a match this close: float64 code that computes a formula agrees with it to ~1e-15, while a
#: formula rounded to 8 places or with another eps is out by more; only when none is this close, RTOL.
STRICT_RTOL = 1e-10
#: Candidates whose probe values agree to this many bits (about 9 digits) are one class.
CLASS_BITS = 30


@dataclass(frozen=True)
class Candidate:
    """One formula in the search space: the tree, its defaults, and how many edits from the page."""

    func: str
    tree: Node
    defaults: Defaults
    edits: int

    @property
    def text(self) -> str:
        """Stable ASCII form, for ids: `alpha/sqrt(v_hat+eps**2)`, with changed defaults in brackets."""
        changed = describe_defaults(self.func, self.defaults)
        return render(self.tree).replace(" ", "") + (f" [{changed}]" if changed else "")

    @property
    def pretty(self) -> str:
        changed = describe_defaults(self.func, self.defaults)
        return render(self.tree, unicode=True) + (
            f" (with the default {changed.replace('=', ' = ')})" if changed else ""
        )

    @property
    def id(self) -> str:
        return f"formula:{self.func}={self.text}"


@dataclass
class Space:
    """The candidate classes of one function: a matrix of probe values, one row per class."""

    func: str
    reference: Floats
    reference_scalar: bool
    values: Floats  # classes x (probes * length)
    scalar: npt.NDArray[np.bool_]  # classes: whether the class returns one number per probe
    members: Sequence[list[Candidate]]  # per class: its candidates, fewest edits first


def _key(values: Floats, scalar: bool) -> tuple[bool, bytes, bytes, bytes]:
    """Probe values rounded to CLASS_BITS bits of mantissa: equal keys, one class."""
    with np.errstate(all="ignore"):
        mantissa, exponent = np.frexp(np.nan_to_num(values.ravel(), nan=0.5, posinf=0.75, neginf=-0.75))
    rounded = np.round(mantissa * 2.0**CLASS_BITS)
    flags = np.isnan(values.ravel()) * 1 + np.isinf(values.ravel()) * 2
    return (scalar, rounded.tobytes(), exponent.tobytes(), flags.tobytes())


def _simplest_first(members: list[Candidate]) -> list[Candidate]:
    fewest = min(c.edits for c in members)
    # shortest first; among equals the order of generation, which puts operator swaps before reordered operands
    best = sorted((c for c in members if c.edits == fewest), key=lambda c: len(c.text))
    return best + [c for c in members if c.edits != fewest]


def build_space(func: str) -> Space:
    sig = SIGNATURES[func]
    ref_tree, ref_defaults = REFERENCE[func], dict(sig.defaults)
    ref_values, ref_scalar = evaluate(func, ref_tree, ref_defaults)
    seen = {(ref_tree, tuple(sorted(ref_defaults.items())))}
    frontier = [(ref_tree, ref_defaults)]
    classes: dict[tuple[bool, bytes, bytes, bytes], tuple[Floats, bool, list[Candidate]]] = {}
    for depth in range(1, MAX_EDITS + 1):
        next_frontier: list[tuple[Node, Defaults]] = []
        for tree, defaults in frontier:
            for new_tree, new_defaults in _one_edit(tree, defaults, func):
                key = (new_tree, tuple(sorted(new_defaults.items())))
                if key in seen or not contains_array(new_tree, sig.arrays):
                    continue
                seen.add(key)
                next_frontier.append((new_tree, new_defaults))
                values, scalar = evaluate(func, new_tree, new_defaults)
                candidate = Candidate(func, new_tree, new_defaults, depth)
                classes.setdefault(_key(values, scalar), (values, scalar, []))[2].append(candidate)
        frontier = next_frontier
    kept = [
        (values, scalar, _simplest_first(members))
        for values, scalar, members in classes.values()
        if not (scalar == ref_scalar and np.all(agree(values, ref_values))) and informative(values)
    ]
    return Space(
        func,
        ref_values,
        ref_scalar,
        np.array([v.ravel() for v, _, _ in kept]),
        np.array([s for _, s, _ in kept]),
        [m for _, _, m in kept],
    )


def informative(values: Floats) -> bool:
    """Whether probe values can say anything about a formula: most are finite and they are not all one
    value. A constant 0 or NaN agrees with a stub returning 0, a lookup table or an overflow, not with a
    formula, so such candidates are never named."""
    finite = values[np.isfinite(values)]
    return finite.size * 2 > values.size and np.unique(finite).size > 2


def agree(observed: npt.ArrayLike, predicted: npt.ArrayLike, rtol: float = RTOL) -> npt.NDArray[np.bool_]:
    """Elementwise agreement (broadcasting): equal non-finites, or within rtol of each other."""
    observed, predicted = np.asarray(observed), np.asarray(predicted)
    with np.errstate(all="ignore"):
        both_nan = np.isnan(observed) & np.isnan(predicted)
        same_inf = np.isinf(observed) & (observed == predicted)
        scale = np.maximum(np.abs(observed), np.abs(predicted))
        close = np.abs(observed - predicted) <= rtol * scale + 1e-300
        ok: npt.NDArray[np.bool_] = both_nan | same_inf | (np.isfinite(observed) & np.isfinite(predicted) & close)
    return ok


# -- what differs from the page -----------------------------------------------------------------------------


def differences(func: str, candidate: Candidate) -> list[tuple[str, str]]:
    """[(the page's part, the student's part)] in Unicode, smallest differing parts first found."""
    pairs: list[tuple[Node, Node]] = []
    diff_parts(REFERENCE[func], candidate.tree, pairs)
    return [(render(a, unicode=True), render(b, unicode=True)) for a, b in pairs]


def changed_defaults(func: str, candidate: Candidate) -> list[tuple[str, float, float]]:
    """[(parameter, the page's default, the student's)] where the candidate's defaults differ."""
    sig = SIGNATURES[func]
    return [(k, sig.defaults[k], v) for k, v in sorted(candidate.defaults.items()) if sig.defaults.get(k) != v]
