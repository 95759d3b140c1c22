"""Reading the formula a student's function returns from its source: guest side, beside the student's code.

The formula search (autograder/judge/formulas/) names formulas within two edits of the page's; this names
the one the code spells out, however far from the page it is. It walks the function's syntax tree and
interprets it with its parameters as symbols: assignments are substituted into the returned expression,
numpy and math calls become the operations they compute (np.asarray and float() change no value), helper
and recursive calls are read in turn, and a loop over range(n) is unrolled when n is known. A parameter
the grader passes a concrete value for (`known`, by position: a step count t) is a number, so
`if t == 1:` and `for i in range(t):` read too. No student code runs here: the code is read, not called.

What comes back is plain data (`protocol.check_reading`): the student's parameters with their literal
defaults, the returned expression as a tree of nested lists in the student's own parameter names, and,
when it cannot be read, why. The grader trusts none of it: it confirms a reading by evaluating it on the
diagnosis probes and comparing with what the student's function really returned (autograder/judge/explain.py).
Imports nothing from the grader.
"""

import ast
import inspect
import math
import textwrap
from collections.abc import Callable
from types import ModuleType
from typing import Any

MAX_NODES = 4000  # a reading larger than this is not one a student can read either
MAX_CALLS = 300  # helper and recursive calls read, per reading
MAX_LOOP = 200  # iterations of an unrolled loop
MAX_DEPTH = 60  # nested calls

Tree = list[Any]  # ["var", name] | ["const", number] | [op, child, ...] | ["round", child, digits]

#: numpy/math functions that return their argument's values unchanged (a type or a copy).
_SAME = {
    "asarray", "array", "asanyarray", "float64", "float_", "double", "float32", "copy", "ascontiguousarray",
    "float", "astype", "item", "squeeze", "tolist", "asfarray",
}  # fmt: skip
_ONE = {"sqrt": "sqrt", "abs": "abs", "absolute": "abs", "fabs": "abs", "exp": "exp", "log": "log",
        "floor": "floor", "mean": "mean", "sum": "sum", "negative": "neg"}  # fmt: skip
_TWO = {"power": "pow", "pow": "pow", "add": "add", "subtract": "sub", "multiply": "mul", "divide": "div",
        "true_divide": "div", "maximum": "max", "fmax": "max", "minimum": "min", "fmin": "min", "max": "max",
        "min": "min"}  # fmt: skip
_BINOP = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow", ast.BitXor: "xor"}
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
}


class Unreadable(Exception):
    """The code does something this reader does not follow; the message says what, in plain words."""


class _Returned(Exception):
    def __init__(self, value: object) -> None:
        self.value = value


class _Raised(Exception):
    """The code path raises (a `raise` statement): a branch the reading leaves."""


class _Opaque:
    """A value the reader does not follow (x.ndim, isinstance(...)): any test on it is undecided."""


OPAQUE = _Opaque()


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float))  # bool too: a decided test


def _tree(x: object) -> Tree:
    if isinstance(x, list):
        return x
    if _is_number(x):
        return ["const", float(x)]  # type: ignore[arg-type]
    raise Unreadable("a value that is not a number")


def _size(tree: object) -> int:
    return 1 + sum(_size(c) for c in tree[1:] if isinstance(c, list)) if isinstance(tree, list) else 0


class Reader:
    """One reading of one function of the student's module."""

    def __init__(self, module: ModuleType) -> None:
        self.module = module
        self.calls = 0
        self.source_line = ""

    # -- functions -------------------------------------------------------------------------------------

    def definition(self, function: object) -> tuple[ast.FunctionDef, str]:
        try:
            source = textwrap.dedent(inspect.getsource(function))  # type: ignore[arg-type]
        except (OSError, TypeError) as err:
            raise Unreadable(f"its source could not be found ({type(err).__name__})") from None
        node = ast.parse(source).body[0]
        if not isinstance(node, ast.FunctionDef):
            raise Unreadable("it is not written with def")
        if node.decorator_list:
            raise Unreadable("it has a decorator")
        return node, source

    def parameters(self, node: ast.FunctionDef) -> list[list[Any]]:
        """[[name, literal default or None]] in order; *args and **kwargs are refused."""
        a = node.args
        if a.vararg or a.kwarg:
            raise Unreadable("it takes *args or **kwargs")
        positional = a.posonlyargs + a.args
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
        out = []
        for arg, default in list(zip(positional, defaults)) + list(zip(a.kwonlyargs, a.kw_defaults)):
            value = None
            if default is not None:
                try:
                    got = self.expression(default, {}, "")
                except Unreadable:
                    got = None
                value = float(got) if _is_number(got) else None  # type: ignore[arg-type]
            out.append([arg.arg, value])
        return out

    def call_function(self, function: object, args: list[object], kwargs: dict[str, object], depth: int) -> object:
        self.calls += 1
        if self.calls > MAX_CALLS or depth > MAX_DEPTH:
            raise Unreadable("it calls itself or its helpers too many times to read")
        node, source = self.definition(function)
        params = self.parameters(node)
        names = [p[0] for p in params]
        env: dict[str, object] = {}
        if len(args) > len(node.args.posonlyargs + node.args.args):
            raise Unreadable("a call passes more arguments than it takes")
        for name, value in zip(names, args):
            env[name] = value
        for name, value in kwargs.items():
            if name not in names:
                raise Unreadable(f"a call passes {name}=, which it does not take")
            env[name] = value
        for name, default in params:
            if name not in env:
                if default is None:
                    raise Unreadable(f"a call leaves out {name}, which has no default")
                env[name] = default
        return self.body(node.body, env, source, depth)

    # -- statements --------------------------------------------------------------------------------------

    def body(self, statements: list[ast.stmt], env: dict[str, object], source: str, depth: int) -> object:
        try:
            self.block(statements, env, source, depth)
        except _Returned as done:
            return done.value
        raise Unreadable("it returns nothing")

    def block(self, statements: list[ast.stmt], env: dict[str, object], source: str, depth: int) -> None:
        for statement in statements:
            self.statement(statement, env, source, depth)

    def statement(self, s: ast.stmt, env: dict[str, object], source: str, depth: int) -> None:
        if isinstance(s, ast.Return):
            if s.value is None:
                raise Unreadable("it returns nothing")
            value = self.expression(s.value, env, source, depth)
            self.source_line = (ast.get_source_segment(source, s) or "")[:200]
            raise _Returned(value)
        if isinstance(s, ast.Assign):
            value = self.expression(s.value, env, source, depth)
            for target in s.targets:
                self.assign(target, value, s.value, env, source, depth)
            return
        if isinstance(s, ast.AnnAssign) and s.value is not None:
            self.assign(s.target, self.expression(s.value, env, source, depth), s.value, env, source, depth)
            return
        if isinstance(s, ast.AugAssign):
            if not isinstance(s.target, ast.Name):
                raise Unreadable("it updates something other than a name in place")
            old = self.name(s.target.id, env)
            env[s.target.id] = self.binary(type(s.op), old, self.expression(s.value, env, source, depth))
            return
        if isinstance(s, ast.If):
            self.branch(s, env, source, depth)
            return
        if isinstance(s, ast.For):
            self.loop(s, env, source, depth)
            return
        if isinstance(s, ast.Raise):
            raise _Raised()
        if isinstance(s, (ast.Pass, ast.Import, ast.ImportFrom, ast.Assert)):
            return
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant):
            return  # a docstring
        raise Unreadable(f"a {type(s).__name__.lower()} statement it does not follow (line {s.lineno})")

    def assign(
        self, target: ast.expr, value: object, node: ast.expr, env: dict[str, object], source: str, depth: int
    ) -> None:
        if isinstance(target, ast.Name):
            env[target.id] = value
            return
        if isinstance(target, ast.Tuple) and isinstance(node, ast.Tuple) and len(target.elts) == len(node.elts):
            values = [self.expression(e, env, source, depth) for e in node.elts]
            for t, v in zip(target.elts, values):
                if not isinstance(t, ast.Name):
                    raise Unreadable("it assigns to something other than names")
                env[t.id] = v
            return
        raise Unreadable("it assigns to something other than a name")

    def branch(self, s: ast.If, env: dict[str, object], source: str, depth: int) -> None:
        test = self.expression(s.test, env, source, depth)
        if _is_number(test):
            self.block(s.body if test else s.orelse, env, source, depth)
            return
        # Undecided (a test on a symbol, or on x.ndim): follow both; a side that raises is left, and the two
        # must agree on what they return (`return float(v) if ... else v`).
        outcomes: list[tuple[str, object]] = []
        for side in (s.body, s.orelse):
            mine = dict(env)
            try:
                self.block(side, mine, source, depth)
                outcomes.append(("fell", mine))
            except _Returned as done:
                outcomes.append(("returned", done.value))
            except _Raised:
                outcomes.append(("raised", None))
        kept = [o for o in outcomes if o[0] != "raised"]
        if not kept:
            raise _Raised()
        if len(kept) == 2 and kept[0] != kept[1]:
            raise Unreadable("an if whose two sides compute different things, decided by something other than t")
        kind, value = kept[0]
        if kind == "returned":
            raise _Returned(value)
        if isinstance(value, dict):
            env.clear()
            env.update(value)

    def loop(self, s: ast.For, env: dict[str, object], source: str, depth: int) -> None:
        it = s.iter
        if not (
            isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range" and not it.keywords
        ):
            raise Unreadable("a loop over something other than range(...)")
        bounds = [self.expression(a, env, source, depth) for a in it.args]
        if not all(isinstance(b, int) and not isinstance(b, bool) for b in bounds):
            raise Unreadable("a loop over range(t) with t not known")
        steps = range(*[int(b) for b in bounds])  # type: ignore[call-overload]
        if len(steps) > MAX_LOOP or s.orelse or not isinstance(s.target, ast.Name):
            raise Unreadable("a loop too long to read")
        for i in steps:
            env[s.target.id] = i
            self.block(s.body, env, source, depth)

    # -- expressions -------------------------------------------------------------------------------------

    def name(self, name: str, env: dict[str, object]) -> object:
        if name in env:
            return env[name]
        value = getattr(self.module, name, None)
        if _is_number(value):
            return value
        raise Unreadable(f"it uses {name}, which is not a number it was given")

    def expression(self, e: ast.expr, env: dict[str, object], source: str, depth: int = 0) -> object:
        if isinstance(e, ast.Constant):
            if _is_number(e.value):
                return e.value
            raise Unreadable("a constant that is not a number")
        if isinstance(e, ast.Name):
            return self.name(e.id, env)
        if isinstance(e, ast.BinOp):
            left, right = self.expression(e.left, env, source, depth), self.expression(e.right, env, source, depth)
            return self.binary(type(e.op), left, right)
        if isinstance(e, ast.UnaryOp):
            value = self.expression(e.operand, env, source, depth)
            if isinstance(e.op, ast.USub):
                return -value if _is_number(value) else ["neg", _tree(value)]  # type: ignore[operator]
            if isinstance(e.op, ast.UAdd):
                return value
            if isinstance(e.op, ast.Not):
                return (not value) if _is_number(value) else OPAQUE
            raise Unreadable("a unary operator it does not follow")
        if isinstance(e, ast.IfExp):
            test = self.expression(e.test, env, source, depth)
            if _is_number(test):
                return self.expression(e.body if test else e.orelse, env, source, depth)
            a, b = self.expression(e.body, env, source, depth), self.expression(e.orelse, env, source, depth)
            if a != b:
                raise Unreadable("an if-expression whose two sides differ")
            return a
        if isinstance(e, ast.Compare):
            return self.compare(e, env, source, depth)
        if isinstance(e, ast.BoolOp):
            values = [self.expression(v, env, source, depth) for v in e.values]
            if all(_is_number(v) for v in values):
                return all(values) if isinstance(e.op, ast.And) else any(values)
            return OPAQUE
        if isinstance(e, ast.Attribute):
            if isinstance(e.value, ast.Name) and e.value.id in ("np", "numpy", "math") and e.attr in ("pi", "e"):
                return math.pi if e.attr == "pi" else math.e
            return OPAQUE  # x.ndim, x.shape, x.size: only tests read them
        if isinstance(e, ast.Subscript):
            index = e.slice
            if (isinstance(index, ast.Tuple) and not index.elts) or (
                isinstance(index, ast.Constant) and index.value is Ellipsis
            ):
                return self.expression(e.value, env, source, depth)  # x[()] and x[...]: the same values
            raise Unreadable("it indexes into an array")
        if isinstance(e, ast.Call):
            return self.call(e, env, source, depth)
        if isinstance(e, ast.Tuple):
            return OPAQUE  # x.shape == (): only tests read it
        raise Unreadable(f"it uses a {type(e).__name__} expression")

    def compare(self, e: ast.Compare, env: dict[str, object], source: str, depth: int) -> object:
        left = self.expression(e.left, env, source, depth)
        result = True
        for op, right_node in zip(e.ops, e.comparators):
            right = self.expression(right_node, env, source, depth)
            if not (_is_number(left) and _is_number(right)) or type(op) not in _COMPARE:
                return OPAQUE
            result = result and _COMPARE[type(op)](left, right)
            left = right
        return result

    def binary(self, op: type, a: object, b: object) -> object:
        if op is ast.FloorDiv:
            if _is_number(a) and _is_number(b):
                if b == 0:
                    raise Unreadable("a floor division by zero")
                return a // b  # type: ignore[operator]
            return ["floordiv", _tree(a), _tree(b)]
        if op not in _BINOP:
            raise Unreadable(f"the operator {op.__name__}")
        kind = _BINOP[op]
        if _is_number(a) and _is_number(b) and kind != "xor":
            try:
                return {
                    "add": lambda: a + b,  # type: ignore[operator]
                    "sub": lambda: a - b,  # type: ignore[operator]
                    "mul": lambda: a * b,  # type: ignore[operator]
                    "div": lambda: a / b,  # type: ignore[operator]
                    "pow": lambda: a**b,  # type: ignore[operator]
                }[kind]()
            except (ZeroDivisionError, OverflowError):
                raise Unreadable("arithmetic on numbers that fails") from None
        tree = [kind, _tree(a), _tree(b)]
        if _size(tree) > MAX_NODES:
            raise Unreadable("the formula is too large to read")
        return tree

    def call(self, e: ast.Call, env: dict[str, object], source: str, depth: int) -> object:
        f = e.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in ("np", "numpy", "math"):
            name = f.attr
        elif isinstance(f, ast.Attribute) and f.attr in ("copy", "astype", "item", "squeeze", "tolist"):
            return self.expression(f.value, env, source, depth)  # x.copy(), x.astype(float): the same values
        elif isinstance(f, ast.Name) and f.id in ("isinstance", "len", "type", "hasattr"):
            return OPAQUE  # only tests read them
        elif isinstance(f, ast.Name) and f.id in ("float", "abs", "pow", "max", "min", "round"):
            name = f.id
        elif isinstance(f, ast.Name) and callable(getattr(self.module, f.id, None)):
            args = [self.expression(a, env, source, depth) for a in e.args]
            kwargs = {k.arg: self.expression(k.value, env, source, depth) for k in e.keywords if k.arg}
            if len(kwargs) != len(e.keywords):
                raise Unreadable("a call with **kwargs")
            return self.call_function(getattr(self.module, f.id), args, kwargs, depth + 1)
        else:
            raise Unreadable("a call it does not follow")
        if name in ("ndim", "shape", "size", "isscalar", "iscomplexobj"):
            return OPAQUE  # only tests read them
        values = [self.expression(a, env, source, depth) for a in e.args]
        if name in _SAME and values:
            return values[0]
        if name in ("round", "around") and values:
            digits = values[1] if len(values) > 1 else 0
            if not isinstance(digits, int):
                raise Unreadable("a rounding to digits not known")
            return round(values[0], digits) if _is_number(values[0]) else ["round", _tree(values[0]), digits]  # type: ignore[call-overload]
        if name in _ONE and len(values) == 1 and not (name in ("max", "min", "sum", "mean") and e.keywords):
            v = values[0]
            if _is_number(v) and name not in ("mean", "sum"):
                try:
                    one: dict[str, Callable[[Any], object]] = {
                        "sqrt": math.sqrt, "abs": abs, "fabs": abs, "absolute": abs, "exp": math.exp,
                        "log": math.log, "floor": math.floor, "negative": lambda x: -x,
                    }  # fmt: skip
                    return one[name](v)
                except (ValueError, OverflowError):
                    raise Unreadable("a function of a number that fails") from None
            return [_ONE[name], _tree(v)]
        if name == "square" and len(values) == 1:
            return self.binary(ast.Pow, values[0], 2)
        if name == "reciprocal" and len(values) == 1:
            return self.binary(ast.Div, 1, values[0])
        if name == "expm1" and len(values) == 1:
            return ["sub", ["exp", _tree(values[0])], ["const", 1.0]]
        if name == "floor_divide" and len(values) == 2:
            return self.binary(ast.FloorDiv, values[0], values[1])
        if name in _TWO and len(values) == 2:
            a, b = values
            if _is_number(a) and _is_number(b) and name in ("pow", "power", "add", "subtract", "multiply"):
                return self.binary({"pow": ast.Pow, "power": ast.Pow, "add": ast.Add, "subtract": ast.Sub,
                                    "multiply": ast.Mult}[name], a, b)  # fmt: skip
            return [_TWO[name], _tree(a), _tree(b)]
        raise Unreadable(f"the function {name}() with these arguments")


def read(module: ModuleType | None, func: str, known: list[list[Any]]) -> dict[str, Any]:
    """The reading of `func` as plain data (see the module docstring). `known`: [[position, value]] of
    the positional parameters the grader fixes (a step count)."""
    reader = Reader(module) if module is not None else None
    function = getattr(module, func, None)
    if reader is None or function is None:
        return {"params": [], "tree": None, "why": "there is no such function", "source": ""}
    try:
        node, _ = reader.definition(function)
        params = reader.parameters(node)
    except (Unreadable, SyntaxError, ValueError, RecursionError) as err:
        return {"params": [], "tree": None, "why": str(err)[:300], "source": ""}
    positions = {int(p): v for p, v in known}
    n_positional = len(node.args.posonlyargs + node.args.args)
    args: list[object] = [positions.get(i, ["var", name]) for i, (name, _) in enumerate(params[:n_positional])]
    kwargs: dict[str, object] = {name: ["var", name] for name, _ in params[n_positional:]}
    try:
        value = reader.call_function(function, args, kwargs, 0)
        tree = _tree(value)
        why = ""
    except _Raised:
        tree, why = None, "every path through it raises an exception"
    except (Unreadable, SyntaxError, ValueError, TypeError, RecursionError) as err:
        tree, why = None, str(err)[:300]
    if tree is not None and _size(tree) > MAX_NODES:
        tree, why = None, "the formula is too large to read"
    return {"params": params, "tree": tree, "why": why, "source": reader.source_line}
