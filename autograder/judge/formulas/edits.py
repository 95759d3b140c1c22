"""The edits students make to a formula, each one tree to another: an operator swapped, a bracket moved, a
term or factor dropped, a power changed, added or removed, a square root or |.| inserted or removed, a
constant swapped for another, an intermediate returned, a reduction over the array, a rounding, a changed
default.
"""

from __future__ import annotations

from collections.abc import Iterator

from autograder.judge.formulas.trees import (
    _PRECEDENCE,
    BINARY,
    ONE,
    OTHER_VALUES,
    ROUND_DIGITS,
    SIGNATURES,
    UNARY,
    Defaults,
    Node,
    Path_,
    const,
    contains_array,
    var,
)


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
