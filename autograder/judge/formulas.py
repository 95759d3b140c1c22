"""Recovering the formula a student's function computes: a search over small edits to the page's formulas.

The catalogue (autograder/judge/misconceptions.py) only names mistakes someone wrote down in advance. This
module names the others by search. Each of the three formulas is an expression tree; a *candidate* is
the page's tree after at most `MAX_EDITS` edits of the kinds students make (an operator swapped, a
bracket moved, a term or factor dropped, a power changed, added or removed, a square root or |.|
inserted or removed, a constant swapped for another, an intermediate returned, a reduction over the
array, a rounding, a changed default). Every candidate is evaluated once, lazily, on fixed diagnosis
probes (`PROBES`, the same for every student and term); candidates the probes cannot tell apart form one
class, and classes the probes cannot tell from the page's formula are dropped.

`recover(func, replies)` takes what the student's function returned on the probes and names a class
only when it is the *only* class that agrees on every probe within `RTOL`; when several agree it
returns them all ("one of ..."), and when none or the page's formula agrees, nothing. This never
changes a score: it only puts words beside a failure the checks already found.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import stat
import tempfile
import threading
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import numpy as np
import numpy.typing as npt

from autograder import functions
from autograder.judge.checks import encode_input
from autograder.judge.compare import decode
from autograder.sandbox import protocol

if TYPE_CHECKING:  # the host imports this module's caller (diagnosis): the type only
    from autograder.boundary import Reply

MAX_EDITS = 2
#: A student's value and a candidate's agree within this (relative); correct float64 orderings agree
#: to ~1e-15, and the candidates kept differ from each other and from the page by far more on the probes.
RTOL = 1e-7
#: First, a match this close: float64 code that computes a formula agrees with it to ~1e-15, while a
#: formula rounded to 8 places or with another eps is out by more; only when none is this close, RTOL.
STRICT_RTOL = 1e-10
#: Candidates whose probe values agree to this many bits (about 9 digits) are one class.
CLASS_BITS = 30

# -- expression trees: tuples, so they hash ------------------------------------------------------------
# ("var", name) | ("const", value) | (op, a, b) for op in BINARY | (fn, a) for fn in UNARY |
# ("round", a, digits)

BINARY = ("add", "sub", "mul", "div", "pow", "max")
UNARY = ("sqrt", "abs", "mean", "sum", "floor")
#: A tree: a tuple whose first item names the node (its children are trees, a name, a value or digits).
Node = tuple[Any, ...]
#: A formula's scalar parameters and their default values.
Defaults = dict[str, float]
Floats = npt.NDArray[np.float64]
Path_ = tuple[int, ...]  # where a subtree is: the child indices from the root


def var(name: str) -> Node:
    return ("var", name)


def const(value: float) -> Node:
    return ("const", float(value))


@dataclass(frozen=True)
class Signature:
    """One function's parameters: the array ones, the scalar ones and their defaults on the page."""

    arrays: tuple[str, ...]
    scalars: tuple[str, ...]
    defaults: Defaults


SIGNATURES = {f.name: Signature(f.arrays, f.scalars, f.defaults) for f in functions.TABLE}

B2, ONE = var("beta2"), const(1)
REFERENCE = {
    "update_v": ("add", ("mul", B2, var("v_prev")), ("mul", ("sub", ONE, B2), ("pow", var("g"), const(2)))),
    "bias_correct": ("div", var("v"), ("sub", ONE, ("pow", B2, var("t")))),
    "effective_step": ("div", var("alpha"), ("add", ("sqrt", var("v_hat")), var("eps"))),
}

#: Other values a student may type for a parameter (another default, or a constant in place of it).
OTHER_VALUES = {
    "beta2": (0.999, 0.9, 0.99),
    "alpha": (0.001, 0.01, 0.1),
    "eps": (1e-8, 1e-7, 1e-6, 1e-10, 0.0),
}
ROUND_DIGITS = (2, 3, 4, 5, 6, 8)


# -- the diagnosis probes ------------------------------------------------------------------------------
# One row of each array argument per probe (all of one length, so the candidates evaluate as one matrix).
# Values are irregular on purpose: no two candidates that differ should agree on all of them by chance.


@dataclass(frozen=True)
class Probe:
    arrays: dict[str, tuple[float, ...]]  # name -> one row of values
    kwargs: Mapping[str, float]  # scalar arguments passed; the others take the function's default

    def args(self, func: str) -> tuple[list[object], dict[str, float]]:
        sig = SIGNATURES[func]
        positional: list[object] = [np.array(self.arrays[name], dtype=np.float64) for name in sig.arrays]
        if "t" in sig.scalars:
            positional.append(self.kwargs["t"])
        return positional, {k: v for k, v in self.kwargs.items() if k != "t"}


_VP = (0.0, 0.3, 2.5, 0.0417, 7.3)
_G = (10.0, -0.2, 0.0, 1.73, -3.1)
PROBES = {
    "update_v": (
        Probe({"v_prev": _VP, "g": _G}, {}),
        Probe({"v_prev": _VP, "g": _G}, {"beta2": 0.9}),
        Probe({"v_prev": (0.12, 5.0, 0.7, 0.0, 1.9), "g": (-3.0, 0.55, 2.2, -0.013, 0.0)}, {"beta2": 0.55}),
        Probe({"v_prev": (0.0009, 13.0, 0.26, 3.3, 0.0), "g": (0.35, 4.4, -1.3, 0.0, 0.77)}, {"beta2": 0.97}),
    ),
    "bias_correct": tuple(
        Probe({"v": v}, kw)
        for v, kw in (
            ((0.1, 2.0, 1e-5, 0.37, 41.3), {"t": 1}),
            ((0.2439, 3.7, 4.999e-5, 0.0, 1.1), {"t": 2}),
            ((0.3076561, 0.51, 6.6e-4, 12.5, 0.09), {"t": 3}),
            ((0.83, 0.0021, 5.4, 1.7, 0.33), {"t": 7}),
            ((0.04, 2.9, 0.61, 1e-3, 8.8), {"t": 60}),
            ((10.0, 0.37, 2.2, 0.014, 5.0), {"t": 1, "beta2": 0.9}),
            ((1.3, 0.047, 7.7, 0.5, 0.0), {"t": 4, "beta2": 0.9}),
            ((0.25, 3.1, 0.72, 0.0089, 1.6), {"t": 3, "beta2": 0.55}),
        )
    ),
    "effective_step": tuple(
        Probe({"v_hat": v}, kw)
        for v, kw in (
            ((100.0, 0.01, 0.0, 1e-16, 2.37), {}),
            ((122.0, 4.1e-9, 0.49, 1e-12, 0.0), {}),
            ((100.0, 0.0, 0.37, 1e-6, 5.5), {"alpha": 0.01, "eps": 1e-3}),
            ((0.0, 2.9, 0.0123, 16.0, 1e-4), {"alpha": 0.5, "eps": 0.1}),
            ((3.3, 1e-10, 0.83, 47.0, 0.0), {"alpha": 0.07}),
            ((0.64, 2e-8, 9.0, 0.0, 1.7e-3), {"eps": 0.02}),
        )
    ),
}


# -- evaluation: one candidate on every probe at once --------------------------------------------------


def _env(func: str, defaults: Defaults) -> dict[str, Any]:
    """The probes as matrices: each array argument (probes x length), each scalar (probes x 1)."""
    sig, probes = SIGNATURES[func], PROBES[func]
    env = {name: np.array([p.arrays[name] for p in probes], dtype=np.float64) for name in sig.arrays}
    for name in sig.scalars:
        env[name] = np.array([[p.kwargs.get(name, defaults.get(name, math.nan))] for p in probes], dtype=np.float64)
    return env


def _evaluate(node: Node, env: dict[str, Any]) -> Any:
    kind = node[0]
    if kind == "var":
        return env[node[1]]
    if kind == "const":
        return np.float64(node[1])
    if kind == "round":
        return np.round(_evaluate(node[1], env), node[2])
    a = _evaluate(node[1], env)
    if kind in UNARY:
        if kind == "sqrt":
            return np.sqrt(a)
        if kind == "abs":
            return np.abs(a)
        if kind == "floor":
            return np.floor(a)
        reduce = np.mean if kind == "mean" else np.sum
        return reduce(np.broadcast_to(a, env["_shape"]), axis=-1, keepdims=True)
    b = _evaluate(node[2], env)
    if kind == "add":
        return a + b
    if kind == "sub":
        return a - b
    if kind == "mul":
        return a * b
    if kind == "div":
        return a / b
    if kind == "pow":
        return np.power(a, b)
    return np.maximum(a, b)


def _is_scalar(node: Node, arrays: Sequence[str]) -> bool:
    """Whether the student's function would return one number for array inputs (every array reduced)."""
    kind = node[0]
    if kind == "var":
        return node[1] not in arrays
    if kind == "const":
        return True
    if kind in ("mean", "sum"):
        return True
    return all(_is_scalar(child, arrays) for child in node[1:] if isinstance(child, tuple))


#: (func, defaults) -> the probes as matrices (names) and their "_shape": see _env
_ENVS: dict[tuple[str, tuple[tuple[str, float], ...]], dict[str, Any]] = {}


def evaluate(func: str, tree: Node, defaults: Defaults) -> tuple[Floats, bool]:
    """The candidate's values on every probe: (probes x length) float64, and whether it returns one number."""
    sig = SIGNATURES[func]
    key = (func, tuple(sorted(defaults.items())))
    if key not in _ENVS:
        env = _env(func, defaults)
        env["_shape"] = env[sig.arrays[0]].shape
        _ENVS[key] = env
    env = _ENVS[key]
    with np.errstate(all="ignore"):
        out: Floats = np.broadcast_to(_evaluate(tree, env), env["_shape"]).astype(np.float64)
    return out, _is_scalar(tree, sig.arrays)


def contains_array(node: Node, arrays: Sequence[str]) -> bool:
    if node[0] == "var":
        return node[1] in arrays
    return any(contains_array(c, arrays) for c in node[1:] if isinstance(c, tuple))


# -- rendering ------------------------------------------------------------------------------------------

_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "pow": 4}
_ASCII_OP = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}
_UNICODE_OP = {"add": " + ", "sub": " − ", "mul": "·", "div": " / ", "pow": "^"}
_UNICODE_NAME = {"beta2": "β₂", "alpha": "α", "eps": "ε", "v_hat": "v̂", "v_prev": "v", "v": "v", "g": "g", "t": "t"}
_SUPERSCRIPT = str.maketrans("0123456789t+-−", "⁰¹²³⁴⁵⁶⁷⁸⁹ᵗ⁺⁻⁻")


def _number(value: float) -> str:
    text = f"{value:.10g}"
    return text


def render(node: Node, unicode: bool = False) -> str:
    """The tree as text: Python-like ASCII (stable, for ids) or readable Unicode (for feedback)."""
    return _render(node, unicode)[0]


def _render(node: Node, u: bool) -> tuple[str, int]:
    """(text, precedence) of a node; precedence 9 for atoms."""
    kind = node[0]
    if kind == "var":
        name: str = node[1]
        return (_UNICODE_NAME.get(name, name) if u else name), 9
    if kind == "const":
        return _number(node[1]), 9
    if kind == "round":
        return f"round({_render(node[1], u)[0]}, {node[2]})", 9
    if kind in UNARY:
        inner = _render(node[1], u)[0]
        if u and kind == "sqrt":
            atom = _render(node[1], u)[1] == 9
            return ("√" + inner if atom else f"√({inner})"), 8
        if u and kind == "abs":
            return f"|{inner}|", 9
        if u and kind == "floor":
            return f"⌊{inner}⌋", 9
        return f"{kind}({inner})", 9
    if kind == "max":
        return f"max({_render(node[1], u)[0]}, {_render(node[2], u)[0]})", 9
    prec = _PRECEDENCE[kind]
    left, lp = _render(node[1], u)
    right, rp = _render(node[2], u)
    if kind == "pow":
        if lp <= prec:
            left = f"({left})"
        if u and (
            (node[2][0] == "const" and float(node[2][1]).is_integer() and node[2][1] >= 0) or node[2] == var("t")
        ):
            return left + right.translate(_SUPERSCRIPT), prec
        if u and node[2][0] in ("add", "sub") and all(c[0] in ("var", "const") for c in node[2][1:]):
            sup = right.replace(" ", "").translate(_SUPERSCRIPT)
            if all(ch in "⁰¹²³⁴⁵⁶⁷⁸⁹ᵗ⁺⁻" for ch in sup):
                return left + sup, prec
        if rp <= prec:
            right = f"({right})"
        return left + ("^" if u else "**") + right, prec
    if lp < prec:
        left = f"({left})"
    # a - (b + c), a / (b * c): the right operand needs brackets at equal precedence too (except a + b + c)
    if rp < prec or (rp == prec and kind in ("sub", "div")) or (rp == prec and kind == "mul" and node[2][0] == "div"):
        right = f"({right})"
    op = (_UNICODE_OP if u else _ASCII_OP)[kind]
    if u and kind == "mul" and node[1][0] == "const":
        op = ""  # 2g, 0.001g²
    if u and kind == "mul" and node[1][0] == "const" and node[2][0] == "const":
        op = "·"
    return left + op + right, prec


def describe_defaults(func: str, defaults: Defaults) -> str:
    sig = SIGNATURES[func]
    changed = {k: v for k, v in defaults.items() if sig.defaults.get(k) != v}
    return ", ".join(f"{k}={_number(v)}" for k, v in sorted(changed.items()))


# -- the edits ------------------------------------------------------------------------------------------


def _subtrees(node: Node, path: Path_ = ()) -> Iterator[tuple[Path_, Node]]:
    yield path, node
    if node[0] in ("var", "const"):
        return
    for i, child in enumerate(node[1:], start=1):
        if isinstance(child, tuple):
            yield from _subtrees(child, path + (i,))


def _replace(node: Node, path: Path_, new: Node) -> Node:
    if not path:
        return new
    i = path[0]
    return node[:i] + (_replace(node[i], path[1:], new),) + node[i + 1 :]


def _local_edits(node: Node, func: str) -> list[Node]:
    """Trees a student might write in place of `node`, one edit each."""
    sig = SIGNATURES[func]
    kind = node[0]
    out: list[Node] = []
    arrayish = contains_array(node, sig.arrays)
    if kind == "var":
        name = node[1]
        if name == "t":
            out += [("add", node, ONE), ("sub", node, ONE), const(1)]
        if name in OTHER_VALUES:
            out += [const(v) for v in OTHER_VALUES[name]]
            out += [("sub", ONE, node), ("pow", node, const(2)), ("sqrt", node)]
        if name == "beta2":
            out.append(const(0.9))
        if name in sig.arrays:
            out += [var(other) for other in sig.arrays if other != name]
    elif kind == "const":
        value = node[1]
        if value == 2:
            out += [const(3), ONE, const(0.5)]
        if value == 1:
            out += [const(0), const(2)]
    elif kind in BINARY:
        a, b = node[1], node[2]
        swaps = {"add": ("sub", "mul"), "sub": ("add", "div"), "mul": ("div", "add"), "div": ("mul", "sub")}
        out += [(other, a, b) for other in swaps.get(kind, ())]
        if kind == "div":
            out.append(("floor", node))
            out.append(("div", b, a))
        if kind == "sub":
            out.append(("sub", b, a))
        out += [a, b]  # a dropped term or factor, or the intermediate returned
        if kind == "pow":
            out.append(("mul", b, a) if b[0] == "const" else ("mul", a, b))  # g*2, beta2*t
            if b == const(2):
                out += [("abs", a), ("mul", a, ("abs", a))]  # |g|, and g|g| (a square that keeps the sign)
            out.append(("pow", a, ("mul", b, const(2))))
        # moved brackets: a op (b op2 c) -> (a op b) op2 c, and the mirror
        if b[0] in _PRECEDENCE and b[0] != "pow":
            out.append((b[0], (kind, a, b[1]), b[2]))
        if a[0] in _PRECEDENCE and a[0] != "pow":
            out.append((a[0], a[1], (kind, a[2], b)))
        # a bracket closed late: f(x) op b -> f(x op b), as in sqrt(v_hat) + eps -> sqrt(v_hat + eps)
        if a[0] in UNARY and kind != "pow":
            out.append((a[0], (kind, a[1], b)))
    elif kind in UNARY:
        inner = node[1]
        out.append(inner)  # the root or |.| removed
        if kind == "sqrt":
            out += [("div", inner, const(2)), ("pow", inner, const(2)), ("abs", inner)]  # v**1/2
            out += [("sqrt", ("add", inner, var(s))) for s in sig.scalars if s == "eps"]
    # inserted around a part that holds an array: a root, a square, |.|, a reduction, a floor at eps
    # (a parameter alone has its own edits above)
    if arrayish:
        out += [("sqrt", node), ("pow", node, const(2)), ("abs", node)]
        out += [("mean", node), ("sum", node)]
        out += [("max", node, var(s)) for s in sig.scalars if s == "eps"]
    return out


def _global_edits(tree: Node, defaults: Defaults, func: str) -> list[tuple[Node, Defaults]]:
    """Edits of the whole function: a parameter hard-coded everywhere, a default changed, rounding."""
    sig = SIGNATURES[func]
    out: list[tuple[Node, Defaults]] = []
    for name in sig.scalars:
        if name in OTHER_VALUES:
            for value in OTHER_VALUES[name]:
                out.append((_substitute(tree, name, const(value)), defaults))
                if value != sig.defaults.get(name):
                    out.append((tree, {**defaults, name: value}))
    out += [(("round", tree, k), defaults) for k in ROUND_DIGITS]
    for path, node in _subtrees(tree):
        if node[0] == "var" and node[1] in sig.arrays and path:
            out.append((_replace(tree, path, ("max", node, var(sig.arrays[-1]))), defaults))
    # the old state kept when larger (AMSGrad's max)
    out += [(("max", tree, var(a)), defaults) for a in sig.arrays]
    return out


def _substitute(node: Node, name: str, new: Node) -> Node:
    if node == var(name):
        return new
    if node[0] in ("var", "const"):
        return node
    return (node[0],) + tuple(_substitute(c, name, new) if isinstance(c, tuple) else c for c in node[1:])


def _one_edit(tree: Node, defaults: Defaults, func: str) -> Iterator[tuple[Node, Defaults]]:
    for path, node in _subtrees(tree):
        for new in _local_edits(node, func):
            yield _replace(tree, path, new), defaults
    yield from _global_edits(tree, defaults, func)


# -- the candidate classes -----------------------------------------------------------------------------


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


_SPACES: dict[str, Space] = {}
_LOCK = threading.Lock()


def space(func: str) -> Space:
    """The candidate classes of func: kept for the process, and on disk for the next ones (`SpaceCache`),
    since building them takes seconds; built on first use where no cache holds them."""
    with _LOCK:
        if func not in _SPACES:
            cache = SpaceCache.default()
            found = cache.load(func) if cache else None
            if found is None:
                found = build_space(func)
                if cache:
                    cache.save(found)
            _SPACES[func] = found
        return _SPACES[func]


def warm() -> None:
    """Build (or read back) every function's space now: Gradescope's setup.sh does, so each student's
    container finds them in the image's cache."""
    for func in SIGNATURES:
        space(func)


# -- the built spaces on disk ------------------------------------------------------------------------------

CACHE_FORMAT = "adam-hw formula space 2"


@functools.cache
def fingerprint() -> str:
    """What a built space depends on: this module's source (the edits, the evaluation), its tables, the
    probes and numpy's version. A cached space is used only under the same fingerprint."""
    digest = hashlib.sha256()
    for part in (
        CACHE_FORMAT,
        np.__version__,
        Path(__file__).read_text(encoding="utf-8"),
        repr((SIGNATURES, REFERENCE, OTHER_VALUES, ROUND_DIGITS, PROBES, MAX_EDITS, CLASS_BITS, RTOL)),
    ):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()[:24]


def _tuples(x: object) -> Any:
    """A tree back from JSON: its lists as tuples again (trees are tuples, so they hash and compare)."""
    return tuple(_tuples(e) for e in x) if isinstance(x, list) else x


class _Members(Sequence[list[Candidate]]):
    """A cached space's classes of candidates, each decoded from its JSON only when looked at: a
    diagnosis looks at a handful of the thousands of classes."""

    def __init__(self, func: str, texts: list[str]) -> None:
        self._func, self._texts = func, texts
        self._decoded: dict[int, list[Candidate]] = {}

    def __len__(self) -> int:
        return len(self._texts)

    @overload
    def __getitem__(self, i: int) -> list[Candidate]: ...

    @overload
    def __getitem__(self, i: slice) -> list[list[Candidate]]: ...

    def __getitem__(self, i: int | slice) -> list[Candidate] | list[list[Candidate]]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = range(len(self))[i]  # an IndexError here, as for a list
        if i not in self._decoded:
            self._decoded[i] = [
                Candidate(self._func, _tuples(tree), dict(defaults), int(edits))
                for tree, defaults, edits in json.loads(self._texts[i])
            ]
        return self._decoded[i]


class SpaceCache:
    """Built spaces in a folder of the grader's own (default: $ADAM_HW_CACHE, else $XDG_CACHE_HOME/adam-hw,
    else ~/.cache/adam-hw), one file per function and fingerprint, as plain data (numpy arrays without
    pickle, and JSON): reading one back can give nothing but a space. Used only when the folder is the
    grader's and nobody else may write to it; whatever goes wrong reading a file means building again,
    and a folder that cannot be written means building every time, never an error."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    @classmethod
    def default(cls) -> SpaceCache:
        folder = os.environ.get("ADAM_HW_CACHE")
        if not folder:
            base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
            folder = os.path.join(base, "adam-hw")
        return cls(folder)

    def path(self, func: str) -> Path:
        return self.folder / f"formulas-{func}-{fingerprint()}.npz"

    def _trusted(self, path: Path) -> bool:
        """Whether `path` and its folder are ours and writable by nobody else (the student's uid included)."""
        try:
            for info in (os.stat(self.folder), os.lstat(path)):
                if info.st_uid != os.geteuid() or info.st_mode & 0o022:
                    return False
            return stat.S_ISREG(os.lstat(path).st_mode)
        except OSError:
            return False

    def load(self, func: str) -> Space | None:
        path = self.path(func)
        if not self._trusted(path):
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                texts = json.loads(bytes(data["members"]).decode("utf-8"))
                if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                    return None
                found = Space(
                    func,
                    data["reference"],
                    bool(data["reference_scalar"]),
                    data["values"],
                    data["scalar"],
                    _Members(func, texts),
                )
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile):
            return None  # unreadable, truncated or not ours: build again
        if len(found.members) != len(found.values) or len(found.scalar) != len(found.values):
            return None
        return found

    def save(self, built: Space) -> None:
        members = [json.dumps([[c.tree, c.defaults, c.edits] for c in m]) for m in built.members]
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".formulas-", suffix=".npz", dir=self.folder)
            with os.fdopen(fd, "wb") as f:
                np.savez_compressed(
                    f,
                    reference=built.reference,
                    reference_scalar=np.array(built.reference_scalar),
                    values=built.values,
                    scalar=built.scalar,
                    members=np.frombuffer(json.dumps(members).encode(), dtype=np.uint8),
                )
            os.replace(tmp, self.path(built.func))
        except OSError:
            return  # a read-only or full disk: this run built it, the next builds it again


# -- asking the student's code ----------------------------------------------------------------------------


@functools.cache
def requests(func: str) -> tuple[protocol.Message, ...]:
    """The worker requests that call func on each diagnosis probe: the same for every student, so built once."""
    out: list[protocol.Message] = []
    for probe in PROBES[func]:
        args, kwargs = probe.args(func)
        out.append(
            protocol.call_request(
                func,
                [encode_input(a) for a in args],
                {k: encode_input(v) for k, v in kwargs.items()},
                inputs_after=False,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class Recovery:
    """What the search found for one function: one candidate (`named`), or several classes that agree."""

    func: str
    named: Candidate | None = None
    one_of: tuple[Candidate, ...] = ()
    confirmed: bool = False  # the student's code also ran on sympy symbols, and that algebra agrees

    @property
    def reference_pretty(self) -> str:
        return render(REFERENCE[self.func], unicode=True)


def observed_values(func: str, replies: Sequence[Reply]) -> tuple[Floats, bool] | None:
    """The student's probe values as one float64 vector and whether each probe gave one number;
    None when any probe did not return plain float64 numbers of a usable shape (an error, float32, a list)."""
    length = len(next(iter(PROBES[func][0].arrays.values())))
    rows: list[Floats] = []
    scalars: set[bool] = set()
    for reply in replies:
        value = reply.value.get("value") if reply.ok and isinstance(reply.value, dict) else None
        arr, _ = decode(value)  # why it is not a number does not matter here
        if (
            arr is None  # decode reads only a dict
            or not isinstance(value, dict)
            or value.get("kind") == "list"
            or str(value.get("dtype", "float64")) != "float64"
        ):
            return None
        if arr.shape == ():
            scalars.add(True)
            rows.append(np.full(length, float(arr)))
        elif arr.shape == (length,):
            scalars.add(False)
            rows.append(arr)
        else:
            return None
    if len(scalars) != 1 or len(rows) != len(PROBES[func]):
        return None
    return np.concatenate(rows), scalars.pop()


def recover(func: str, replies: Sequence[Reply]) -> Recovery | None:
    """Match the student's probe replies (worker Replies, in `requests(func)` order) against the space."""
    found = observed_values(func, replies)
    if found is None:
        return None
    values, scalar = found
    sp = space(func)
    if scalar == sp.reference_scalar and np.all(agree(values, sp.reference.ravel())):
        return None  # the page's formula on every probe: whatever failed, it was not the formula
    if not len(sp.values):
        return None
    for rtol in (STRICT_RTOL, RTOL):
        rows = agree(values[None, :], sp.values, rtol)
        matches = np.flatnonzero(np.all(rows, axis=1) & (sp.scalar == scalar))
        if len(matches):
            break
    else:
        return None
    best = sorted((int(i) for i in matches), key=lambda i: (sp.members[i][0].edits, len(sp.members[i][0].text)))
    # Classes that agree with the simplest match within the tolerance are one function as far as any
    # probe can tell (sqrt(|g|)**2 and |g|): name the simplest. Otherwise they are told apart: a class.
    same = np.all(agree(sp.values[best[0]][None, :], sp.values[best], 2 * rtol), axis=1)
    if np.all(same):
        return Recovery(func, named=sp.members[best[0]][0])
    return Recovery(func, one_of=tuple(sp.members[i][0] for i in best))


# -- what differs from the page -----------------------------------------------------------------------------


def differences(func: str, candidate: Candidate) -> list[tuple[str, str]]:
    """[(the page's part, the student's part)] in Unicode, smallest differing parts first found."""
    pairs: list[tuple[Node, Node]] = []
    _diff(REFERENCE[func], candidate.tree, pairs)
    return [(render(a, unicode=True), render(b, unicode=True)) for a, b in pairs]


def _diff(a: Node, b: Node, out: list[tuple[Node, Node]]) -> None:
    if a == b:
        return
    if a[0] == b[0] and len(a) == len(b) and a[0] not in ("var", "const"):
        for x, y in zip(a[1:], b[1:]):
            if isinstance(x, tuple):
                _diff(x, y, out)
            elif x != y:
                out.append((a, b))
                return
        return
    out.append((a, b))


def changed_defaults(func: str, candidate: Candidate) -> list[tuple[str, float, float]]:
    """[(parameter, the page's default, the student's)] where the candidate's defaults differ."""
    sig = SIGNATURES[func]
    return [(k, sig.defaults[k], v) for k, v in sorted(candidate.defaults.items()) if sig.defaults.get(k) != v]


# -- checking a recovered formula against the student's own algebra ----------------------------------------


def at_point(func: str, tree: Node, defaults: Defaults, **values: float) -> float:
    """The candidate at one point of plain numbers (a reduction over one number is that number)."""
    env: dict[str, Any] = {name: np.array([[float(value)]]) for name, value in values.items()}
    for name, value in defaults.items():
        env.setdefault(name, np.array([[float(value)]]))
    env["_shape"] = (1, 1)
    with np.errstate(all="ignore"):
        return float(np.broadcast_to(_evaluate(tree, env), (1, 1))[0, 0])
