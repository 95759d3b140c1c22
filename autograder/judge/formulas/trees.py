"""The formulas as expression trees: the page's three, what a student may type for a parameter, and the
tree operations every other part of the search uses (evaluating, rendering, what differs from the page).

A tree is a tuple, so it hashes: ("var", name) | ("const", value) | (op, a, b) for op in BINARY |
(fn, a) for fn in UNARY | ("round", a, digits).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from autograder import functions

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


# -- checking a recovered formula against the student's own algebra ----------------------------------------


def at_point(func: str, tree: Node, defaults: Defaults, **values: float) -> float:
    """The candidate at one point of plain numbers (a reduction over one number is that number)."""
    env: dict[str, Any] = {name: np.array([[float(value)]]) for name, value in values.items()}
    for name, value in defaults.items():
        env.setdefault(name, np.array([[float(value)]]))
    env["_shape"] = (1, 1)
    with np.errstate(all="ignore"):
        return float(np.broadcast_to(_evaluate(tree, env), (1, 1))[0, 0])


def diff_parts(a: Node, b: Node, out: list[tuple[Node, Node]]) -> None:
    """Append to `out` the smallest parts where tree `a` (the page's) and tree `b` differ, left to right."""
    if a == b:
        return
    if a[0] == b[0] and len(a) == len(b) and a[0] not in ("var", "const"):
        for x, y in zip(a[1:], b[1:]):
            if isinstance(x, tuple) and isinstance(y, tuple):
                diff_parts(x, y, out)
            elif x != y:
                out.append((a, b))
                return
        return
    out.append((a, b))
