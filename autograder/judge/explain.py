"""The formula a failing function computes, read from its code and confirmed on its own outputs.

The guest reads the returned expression from the function's source (autograder/sandbox/guest/reading.py) with
its parameters as symbols, and with the step count t fixed where the code branches or loops on it. That
is only a claim about the student's code: this module *confirms* it by evaluating the reading on the fixed
diagnosis probes (formulas.PROBES), bound to the student's own signature exactly as the checks call it, and
comparing with what the student's function really returned on them. Only a confirmed reading is named,
however many edits from the page's formula it is; where the student's code also took sympy symbols, the
diagnosis (diagnosis.py) holds it to that algebra too.

What else a reading tells, as facts rather than guesses: a signature that differs from the stub's (the
parameter order, a missing default), and Python slips in the code (`^` for a power, `//`, an operator that
binds before the student meant it to). Renderers word all of it (autograder/render/reading.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from autograder import functions
from autograder.judge import formulas
from autograder.judge.compare import decode
from autograder.results import FLOORDIV, PRECEDENCE, XOR, CodeReading
from autograder.sandbox.guest import protocol

if TYPE_CHECKING:  # the type only: the host is the grader's, run by grading.py
    from autograder.boundary import Reply

Tree = tuple[Any, ...]  # ("var", name) | ("const", x) | (op, child, ...) | ("round", child, digits)
Floats = npt.NDArray[np.float64]


def _counts(func: str) -> list[int]:
    """The positions of a function's step-count parameters (t), which a reading may fix."""
    return [i for i, p in enumerate(functions.BY_NAME[func].parameters) if p.kind == "count"]


def steps(func: str) -> tuple[int, ...]:
    """The step counts t the probes use, in order: where a reading with t fixed is asked for."""
    if not _counts(func):
        return ()
    return tuple(sorted({int(p.kwargs["t"]) for p in formulas.PROBES[func]}))


def requests(func: str) -> tuple[protocol.Message, ...]:
    """The read requests for func: with every parameter a symbol, then once per probe step t (if it has t)."""
    position = _counts(func)
    return (protocol.read_request(func),) + tuple(protocol.read_request(func, [(position[0], t)]) for t in steps(func))


# -- a reading as the grader holds it -----------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """One function's code, read: its signature, the formula it returns (one tree for every t, or one per
    probe step t), the return line as written, and whether the probes confirmed it."""

    func: str
    params: tuple[tuple[str, float | None], ...]
    tree: Tree | None = None  # for every t
    per_step: tuple[tuple[int, Tree], ...] = ()  # (t, tree) where the code needed t known
    source: str = ""
    why: str = ""  # why no formula could be read
    confirmed: bool = False  # reproduces the student's own outputs on every probe, and they say something
    errors_agree: bool = False  # the code raises wherever the reading says it must (a `^` on floats)
    consistent: bool = False  # the student's outputs on every probe are what the reading gives (or raises)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.params)

    def tree_at(self, t: int | None) -> Tree | None:
        if self.tree is not None:
            return self.tree
        return next((tree for step, tree in self.per_step if step == t), None)

    @property
    def trees(self) -> list[Tree]:
        return [self.tree] if self.tree is not None else [tree for _, tree in self.per_step]

    @property
    def stub_order(self) -> tuple[str, ...]:
        return functions.BY_NAME[self.func].names

    @property
    def signature_differs(self) -> bool:
        """Whether the parameters, in order, or the defaults the stub gives them differ from the stub's."""
        spec = functions.BY_NAME[self.func]
        if self.names != spec.names:
            return True
        return any(default is None and name in spec.defaults for name, default in self.params)

    @property
    def missing_defaults(self) -> tuple[str, ...]:
        spec = functions.BY_NAME[self.func]
        return tuple(name for name, default in self.params if default is None and name in spec.defaults)

    @property
    def slips(self) -> tuple[str, ...]:
        found: list[str] = []
        for tree in self.trees:
            for node in _nodes(tree):
                if node[0] == "xor" and XOR not in found:
                    found.append(XOR)
                if node[0] == "floordiv" and FLOORDIV not in found:
                    found.append(FLOORDIV)
            if _precedence_slip(self.func, tree) and PRECEDENCE not in found:
                found.append(PRECEDENCE)
        return tuple(found)

    def computes(self, arrays: Mapping[str, Any], passed: Mapping[str, Any]) -> Floats | None:
        """What the read formula gives when the function is called with these arrays (positionally, in the
        stub's order) and these scalars (t positionally, the others by name); None where it was not read
        (a step t no probe used), or the call cannot bind."""
        positional, kwargs = _call(self.func, arrays, passed)
        tree = self.tree_at(int(passed["t"]) if "t" in passed else None)
        if tree is None:
            return None
        env = bind(self, positional, kwargs)
        if env is None:
            return None
        with np.errstate(all="ignore"):
            return np.asarray(evaluate(tree, env), dtype=np.float64)


def _call(func: str, arrays: Mapping[str, Any], passed: Mapping[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """A call as the checks make it: arrays and t positionally, in the stub's order; other scalars by name."""
    spec = functions.BY_NAME[func]
    positional: list[Any] = [arrays[p.name] for p in spec.parameters if p.name in arrays]
    positional += [passed[p.name] for p in spec.parameters if p.kind == "count" and p.name in passed]
    kwargs = {k: v for k, v in passed.items() if k not in [p.name for p in spec.parameters if p.kind == "count"]}
    return positional, kwargs


def _nodes(tree: Tree) -> list[Tree]:
    out = [tree]
    for child in tree[1:]:
        if isinstance(child, tuple):
            out += _nodes(child)
    return out


def _precedence_slip(func: str, tree: Tree) -> bool:
    """An operator that binds before the page's brackets say: `v / 1 - x` for v / (1 - x), `a / b + eps`
    for a / (b + eps), `b*v + 1 - b*g**2` for b*v + (1 - b)*g**2, `x**1/2` for x**(1/2)."""
    for node in _nodes(tree):
        kind = node[0]
        if kind in ("add", "sub") and isinstance(node[1], tuple) and node[1][0] in ("div", "mul"):
            inner = node[1]
            if inner[0] == "div" and inner[2] == ("const", 1.0):  # v / 1 - x
                return True
            if func == "effective_step" and inner[0] == "div" and node[2] == ("var", "eps"):  # alpha / r + eps
                return True
        if kind == "sub" and isinstance(node[1], tuple) and node[1][0] == "add" and node[1][2] == ("const", 1.0):
            return True  # b*v + 1 - b*g**2
        if kind == "div" and isinstance(node[1], tuple) and node[1][0] == "pow" and node[1][2] == ("const", 1.0):
            return True  # x**1/2
        if kind == "div" and isinstance(node[1], tuple) and node[1][0] == "div":
            inner = node[1]
            if isinstance(inner[2], tuple) and inner[2][0] == "pow" and inner[2][2] == ("const", 1.0):
                return True  # a / x**1 / 2
    return False


def _tuples(x: object) -> Any:
    return tuple(_tuples(e) for e in x) if isinstance(x, list) else x


def _reading_of(reply: Reply) -> Mapping[str, Any] | None:
    if not reply.ok or not isinstance(reply.value, dict):
        return None
    found = reply.value.get("reading")
    return found if isinstance(found, dict) else None


def parse(func: str, replies: Sequence[Reply]) -> Reading | None:
    """The guest's readings (in `requests(func)` order) as one Reading, not yet confirmed; None when the
    guest read nothing at all."""
    if not replies:
        return None
    first = _reading_of(replies[0])
    if first is None or not first.get("params"):
        return None
    params = tuple((str(name), None if default is None else float(default)) for name, default in first["params"])
    source, why = str(first.get("source", "")), str(first.get("why", ""))
    if first.get("tree") is not None:
        return Reading(func, params, tree=_tuples(first["tree"]), source=source)
    per_step = []
    for t, reply in zip(steps(func), replies[1:]):
        reading = _reading_of(reply)
        if reading is None or reading.get("tree") is None:
            return Reading(func, params, source=source, why=why or str((reading or {}).get("why", "")))
        per_step.append((t, _tuples(reading["tree"])))
        source = source or str(reading.get("source", ""))
    if not per_step:
        return Reading(func, params, source=source, why=why)
    return Reading(func, params, per_step=tuple(per_step), source=source)


# -- evaluating a reading ---------------------------------------------------------------------------------------


class _Unbound(Exception):
    """The call cannot bind to the student's signature: the student's code raises TypeError there too."""


def bind(reading: Reading, positional: Sequence[Any], kwargs: Mapping[str, Any]) -> dict[str, Any] | None:
    """{student's parameter: value} for a call made as the checks make it, or None when Python would
    refuse the call (too many, missing or unknown arguments)."""
    names = reading.names
    if len(positional) > len(names):
        return None
    env: dict[str, Any] = dict(zip(names, positional))
    for name, value in kwargs.items():
        if name not in names or name in env:
            return None
        env[name] = value
    for name, default in reading.params:
        if name not in env:
            if default is None:
                return None
            env[name] = default
    return env


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "div": np.true_divide,
    "floordiv": np.floor_divide,
    "pow": np.power,
    "max": np.maximum,
    "min": np.minimum,
    "xor": np.bitwise_xor,  # raises TypeError on floats, as the student's `^` does
}
_UNARY: dict[str, Callable[[Any], Any]] = {
    "sqrt": np.sqrt,
    "abs": np.abs,
    "exp": np.exp,
    "log": np.log,
    "floor": np.floor,
    "neg": np.negative,
    "mean": np.mean,
    "sum": np.sum,
}


def evaluate(tree: Tree, env: Mapping[str, Any]) -> Any:
    """The tree's value with float64 numpy arithmetic (raises TypeError where the code would, e.g. `^`)."""
    kind = tree[0]
    if kind == "var":
        value = env[tree[1]]
        return np.asarray(value, dtype=np.float64) if isinstance(value, (list, np.ndarray)) else value
    if kind == "const":
        return np.float64(tree[1])
    if kind == "round":
        return np.round(evaluate(tree[1], env), tree[2])
    if kind in _UNARY:
        return _UNARY[kind](evaluate(tree[1], env))
    a, b = evaluate(tree[1], env), evaluate(tree[2], env)
    if kind == "pow" and isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) ** float(b)
    return _BINARY[kind](a, b)


def _student_row(reply: Reply, length: int) -> Floats | str | None:
    """The student's probe reply: float values (length), "error" for a raised error, None if unusable."""
    if not reply.ok:
        return "error" if reply.status == "error" else None
    value = reply.value.get("value") if isinstance(reply.value, dict) else None
    arr, _ = decode(value)
    if arr is None:
        return None
    arr = np.asarray(arr, dtype=np.float64)
    if arr.shape == ():
        return np.full(length, float(arr))
    return arr if arr.shape == (length,) else None


def confirm(reading: Reading, replies: Sequence[Reply]) -> Reading:
    """The reading with `confirmed` set: it gives the student's own values on every probe (within the
    search's tolerance), and raises on each probe where their code raised. `errors_agree`: every probe
    raised, and the reading says it must (a `^` on floats, a call that cannot bind)."""
    func = reading.func
    probes = formulas.PROBES[func]
    if len(replies) != len(probes):
        return reading
    length = len(next(iter(probes[0].arrays.values())))
    numbers, errors = 0, 0
    for probe, reply in zip(probes, replies):
        seen = _student_row(reply, length)
        if seen is None:
            return reading
        positional, kwargs = probe.args(func)
        tree = reading.tree_at(int(probe.kwargs["t"]) if "t" in probe.kwargs else None)
        env = bind(reading, positional, kwargs)
        if tree is None:
            return reading
        try:
            if env is None:
                raise _Unbound()
            with np.errstate(all="ignore"):
                predicted = np.broadcast_to(np.asarray(evaluate(tree, env), dtype=np.float64), (length,))
        except (_Unbound, TypeError, ValueError, OverflowError, KeyError):
            if isinstance(seen, str):
                errors += 1
                continue
            return reading
        if isinstance(seen, str):
            if np.all(np.isfinite(predicted)):
                return reading
            errors += 1  # the student's plain-Python division by zero
            continue
        if not (
            np.all(formulas.agree(seen, predicted, formulas.STRICT_RTOL))
            or np.all(formulas.agree(seen, predicted, formulas.RTOL))
        ):
            return reading
        numbers += 1
    # Read from the code, not guessed: a reading that gives the student's own numbers is the code's formula
    # even where those numbers say little (every step 0 from a `//`).
    informative = numbers > 0
    return Reading(
        reading.func,
        reading.params,
        reading.tree,
        reading.per_step,
        reading.source,
        reading.why,
        confirmed=bool(informative),
        errors_agree=errors == len(probes),
        consistent=True,
    )


def read(func: str, replies: Sequence[Reply], probe_replies: Sequence[Reply]) -> Reading | None:
    """The Reading of func from the guest's read replies, confirmed against its probe replies."""
    found = parse(func, replies)
    return confirm(found, probe_replies) if found is not None else None


# -- as the page writes it -------------------------------------------------------------------------------------


def in_stub_names(reading: Reading, tree: Tree) -> Tree | None:
    """The tree with each of the student's parameters renamed to the stub's parameter the checks' value
    reaches it from (so it reads as what the function computes from the caller's inputs); None when a
    parameter receives nothing the caller passes."""
    spec = functions.BY_NAME[reading.func]
    positional = [p.name for p in spec.parameters if p.kind != "scalar"]
    mapping: dict[str, Tree] = {}
    for i, (name, default) in enumerate(reading.params):
        if i < len(positional):
            mapping[name] = ("var", positional[i])
        elif name in spec.names:
            mapping[name] = ("var", name)
        elif default is not None:
            mapping[name] = ("const", default)
        else:
            return None
    return _rename(tree, mapping)


def _rename(tree: Tree, mapping: Mapping[str, Tree]) -> Tree:
    if tree[0] == "var":
        return mapping.get(tree[1], tree)
    if tree[0] == "const":
        return tree
    return (tree[0],) + tuple(_rename(c, mapping) if isinstance(c, tuple) else c for c in tree[1:])


def as_candidate(reading: Reading) -> formulas.Candidate | None:
    """The reading as a search candidate (for the symbolic check): only for one tree over every t, in
    nodes the formula trees know, with the stub's signature."""
    if reading.tree is None or reading.signature_differs:
        return None
    tree = _floors(reading.tree)
    known = {"var", "const", "round", "add", "sub", "mul", "div", "pow", "max", "sqrt", "abs", "mean", "sum", "floor"}
    if any(node[0] not in known for node in _nodes(tree)):
        return None
    defaults = {name: default for name, default in reading.params if default is not None and name != "t"}
    return formulas.Candidate(reading.func, tree, defaults, 0)


def _floors(tree: Tree) -> Tree:
    """a // b as the formula trees write it: floor(a / b)."""
    if tree[0] in ("var", "const"):
        return tree
    children = tuple(_floors(c) if isinstance(c, tuple) else c for c in tree[1:])
    return ("floor", ("div", *children)) if tree[0] == "floordiv" else (tree[0], *children)


_PREC = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
_OP = {"add": " + ", "sub": " − ", "mul": "·", "div": " / ", "xor": " ^ "}
_NAME = {"beta2": "β₂", "alpha": "α", "eps": "ε", "v_hat": "v̂", "v_prev": "v", "v": "v", "g": "g", "t": "t"}
_SUP = str.maketrans("0123456789t+-−", "⁰¹²³⁴⁵⁶⁷⁸⁹ᵗ⁺⁻⁻")


def _number(x: float) -> str:
    return f"{x:.10g}"


def render(tree: Tree) -> str:
    """The tree in the page's notation (Unicode), for a student."""
    return _render(tree)[0]


def _render(tree: Tree) -> tuple[str, int]:
    kind = tree[0]
    if kind == "var":
        return _NAME.get(str(tree[1]), str(tree[1])), 9
    if kind == "const":
        return _number(tree[1]), 9
    if kind == "round":
        return f"round({_render(tree[1])[0]}, {tree[2]})", 9
    if kind in ("sqrt", "abs", "exp", "log", "floor", "mean", "sum"):
        inner, prec = _render(tree[1])
        if kind == "sqrt":
            return ("√" + inner if prec == 9 else f"√({inner})"), 8
        if kind == "abs":
            return f"|{inner}|", 9
        if kind == "floor":
            return f"⌊{inner}⌋", 9
        return f"{kind}({inner})", 9
    if kind == "neg":
        inner, prec = _render(tree[1])
        return "−" + (inner if prec >= 3 else f"({inner})"), 3
    if kind in ("max", "min"):
        return f"{kind}({_render(tree[1])[0]}, {_render(tree[2])[0]})", 9
    left, lp = _render(tree[1])
    right, rp = _render(tree[2])
    if kind == "xor":
        return f"{left} ^ {right}", 0
    if kind == "floordiv":
        return f"⌊{left} / {right}⌋", 9
    prec = _PREC[kind]
    if kind == "pow":
        if lp <= prec:
            left = f"({left})"
        b = tree[2]
        if (b[0] == "const" and float(b[1]).is_integer() and b[1] >= 0) or b == ("var", "t"):
            return left + right.translate(_SUP), prec
        if rp <= prec:
            right = f"({right})"
        return f"{left}^{right}", prec
    if lp < prec:
        left = f"({left})"
    if rp < prec or (rp == prec and kind in ("sub", "div")):
        right = f"({right})"
    op = _OP[kind]
    if kind == "mul" and tree[1][0] == "const" and tree[2][0] != "const":
        op = ""
    return left + op + right, prec


def differences(page: Tree, student: Tree) -> list[tuple[str, str]]:
    """[(the page's part, the student's part)], smallest differing parts first found."""
    pairs: list[tuple[Tree, Tree]] = []
    formulas.diff_parts(page, student, pairs)
    return [(render(a), render(b)) for a, b in pairs]


#: The page's formulas as trees of this module (the formula search's, which use the same node names).
PAGE: dict[str, Tree] = dict(formulas.REFERENCE)


def ratios(func: str, replies: Sequence[Reply]) -> list[tuple[Mapping[str, float], float]] | None:
    """[(the probe's scalar arguments, the median ratio of the student's value to the page's)] per probe,
    or None when the replies are not all numbers. The probes are the diagnosis's own fixed inputs, never
    a graded case, so a ratio says nothing about a hidden answer."""
    probes = formulas.PROBES[func]
    length = len(next(iter(probes[0].arrays.values())))
    out: list[tuple[Mapping[str, float], float]] = []
    for probe, reply in zip(probes, replies):
        seen = _student_row(reply, length)
        if seen is None or isinstance(seen, str):
            return None
        positional, kwargs = probe.args(func)
        env = dict(zip(functions.BY_NAME[func].names, positional)) | dict(kwargs)
        for name, default in functions.BY_NAME[func].defaults.items():
            env.setdefault(name, default)
        with np.errstate(all="ignore"):
            right = np.broadcast_to(np.asarray(evaluate(PAGE[func], env), dtype=np.float64), (length,))
            r = seen / right
        r = r[np.isfinite(r) & (right != 0)]
        out.append((dict(probe.kwargs), float(np.median(r)) if r.size else math.nan))
    return out


def _expression(source: str) -> str:
    text = source.strip()
    return text[len("return") :].strip() if text.startswith("return") else text


def _bracketed(tree: Tree) -> str:
    """The tree as Python with the brackets Python itself puts around each operation of higher precedence."""
    ops = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "xor": "^"}
    kind = tree[0]
    if kind == "var":
        return str(tree[1])
    if kind == "const":
        return f"{tree[1]:g}"
    if kind in ops:
        parts = []
        for child in tree[1:3]:
            text = _bracketed(child)
            parts.append(f"({text})" if child[0] in ("add", "sub", "mul", "div") and kind != child[0] else text)
        return f" {ops[kind]} ".join(parts)
    if kind == "floordiv":
        return f"{_bracketed(tree[1])} // {_bracketed(tree[2])}"
    return f"{kind}({', '.join(_bracketed(c) for c in tree[1:] if isinstance(c, tuple))})"


def text(reading: Reading) -> CodeReading:
    """The reading as results hold it: plain data and the text every renderer needs (results.CodeReading)."""
    func = reading.func
    spec = functions.BY_NAME[func]
    positional = tuple(p.name for p in spec.parameters if p.kind != "scalar")
    reordered = reading.names != spec.names and set(reading.names) == set(spec.names)
    moved = tuple(
        (name, positional[i]) for i, (name, _) in enumerate(reading.params[: len(positional)]) if name != positional[i]
    )
    page = PAGE[func]
    mine = in_stub_names(reading, reading.tree) if reading.tree is not None else None
    steps = tuple((t, in_stub_names(reading, tree)) for t, tree in reading.per_step if t in (1, 2, 3))
    return CodeReading(
        func=func,
        params=reading.params,
        tree=reading.tree,
        per_step=reading.per_step,
        confirmed=reading.confirmed,
        consistent=reading.consistent,
        errors_agree=reading.errors_agree,
        signature_differs=reading.signature_differs,
        theirs=", ".join(name if default is None else f"{name}={default:g}" for name, default in reading.params),
        stub=", ".join(
            p.name if p.name not in spec.defaults else f"{p.name}={spec.default(p.name):g}" for p in spec.parameters
        ),
        reordered=reordered,
        moved=moved if reordered else (),
        positional=positional,
        body_is_page=reading.tree is not None and reading.tree == page,
        missing_defaults=tuple((name, float(spec.default(name))) for name in reading.missing_defaults),
        slips=reading.slips,
        line=_expression(reading.source),
        shown=render(reading.tree) if reading.tree is not None else "",
        bracketed=_bracketed(reading.tree) if reading.tree is not None else "",
        computes=render(mine) if mine is not None else None,
        page=render(page),
        differences=tuple(differences(page, mine)) if mine is not None else (),
        steps=tuple((t, render(tree)) for t, tree in steps if tree is not None),
    )


def of_text(reading: CodeReading) -> Reading:
    """The reading again from what results hold of it (`text`'s inverse, for evaluating it once more)."""
    return Reading(
        reading.func,
        reading.params,
        reading.tree,
        reading.per_step,
        source=reading.line,
        confirmed=reading.confirmed,
        errors_agree=reading.errors_agree,
        consistent=reading.consistent,
    )
