"""The guest: the only code that runs beside a student's submission.

The sandbox process (`serve.py`) forks it for one submission and calls `main(config)`; it never runs in
the grader's process, and imports nothing but the standard library and this folder (`protocol.py`):
what runs here sees no hidden case, no expected value and no reference solution (only the page's three
public formulas, `reference_core`, for a follow-through call). Importing this module does
nothing; `main` confines the process (`confine`, the one place where limits are applied), then a `Guest`
loads the submission and answers the grader's requests one line of JSON at a time with plain data
describing what the student's functions returned. Every exception in a `Guest` comes from (or through)
student code, so each is caught and reported as data: that is what this process is for. The grader
trusts nothing it says.
"""

import importlib.util
import json
import linecache
import os
import resource
import signal
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from types import ModuleType
from typing import Any, NotRequired, TextIO, TypedDict

from . import protocol, reading

MAX_ELEMENTS = 10_000  # no probe needs more; a larger answer is reported by size, not sent


class GuestConfig(TypedDict):
    """What the sandbox process (serve.py) starts a guest with."""

    fds: list[int]  # the request pipe (read) and the reply pipe (write)
    site: list[str]  # import path
    rlimits: dict[str, int]
    submission_path: str | None  # the student's file, so errors can name their line
    recursion: NotRequired[int]


def _limit(name: str, value: int | None) -> None:
    if value is None or not hasattr(resource, name):
        return
    resource.setrlimit(getattr(resource, name), (value, value))


def confine(config: GuestConfig) -> None:
    """Everything that limits this process before any student code runs, in one place: the resource
    limits (memory, processes, file size, core dumps) the grader asked for."""
    for name, value in config["rlimits"].items():
        _limit(name, value)
    # Past the file-size limit a write should fail with an error the student sees, not kill the guest.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _sympy() -> Any:  # the sympy module, which ships no hints
    import sympy

    return sympy


def _type_name(x: object) -> str:
    t = type(x)
    return t.__name__ if t.__module__ in ("builtins", "numpy") else f"{t.__module__}.{t.__name__}"


_DTYPE_NAMES: dict[object, str] = {}  # dtype -> str(dtype): numpy builds that string in Python, each time


def _dtype_name(dtype: Any) -> str:
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = str(dtype)
        if len(_DTYPE_NAMES) < 64:
            _DTYPE_NAMES[dtype] = name
    return name


def encode_value(x: object) -> protocol.Message:
    """What a student's function returned, as plain JSON data (never the object itself)."""
    import numpy as np

    if isinstance(x, (complex, np.complexfloating)):  # float(x) would fail or drop the imaginary part
        return {"kind": "other", "type": _type_name(x), "dtype": str(np.asarray(x).dtype), "repr": repr(x)[:200]}
    if isinstance(x, (bool, np.bool_)) or x is None:
        return {"kind": "other", "type": _type_name(x), "repr": repr(x)[:200]}
    if type(x) is int or type(x) is float:
        return {"kind": "scalar", "type": type(x).__name__, "dtype": "float64", "value": float(x)}
    if isinstance(x, np.generic) and x.dtype.kind in "iuf":
        return {"kind": "scalar", "type": _type_name(x), "dtype": _dtype_name(x.dtype), "value": float(x)}
    kind = "list" if isinstance(x, (list, tuple)) else "array"
    if kind == "array" and not isinstance(x, np.ndarray):
        return {"kind": "other", "type": _type_name(x), "repr": repr(x)[:200]}
    try:
        arr = np.asarray(x)  # read only, and encoded now: no copy (a subclass is seen as a plain array)
        if arr.dtype.kind == "c":  # astype(float64) would silently drop the imaginary part
            return {"kind": "other", "type": _type_name(x), "dtype": _dtype_name(arr.dtype), "repr": repr(x)[:200]}
        if arr.dtype.kind not in "iuf":
            arr = arr.astype(np.float64)
    except (TypeError, ValueError, OverflowError) as err:
        return {"kind": "other", "type": _type_name(x), "repr": repr(x)[:200], "why": str(err)[:200]}
    if arr.size > MAX_ELEMENTS:
        return {"kind": "too_big", "type": _type_name(x), "shape": list(arr.shape)}
    return {
        "kind": kind,
        "type": _type_name(x),
        "dtype": _dtype_name(arr.dtype),
        "shape": list(arr.shape),
        "data": arr.astype(np.float64, copy=False).tolist(),
    }


def encode_symbolic(x: object, gens: Sequence[Any]) -> protocol.Message:
    """A symbolic result as numerator and denominator polynomials in gens, with exact rational coefficients."""
    import numpy as np

    sympy = _sympy()
    if isinstance(x, np.ndarray):
        if x.size != 1:
            return {"kind": "not_polynomial", "why": f"an array of shape {x.shape}, not a single value"}
        x = x.reshape(()).item() if x.dtype == object else x.reshape(())[()]
    try:
        expr = sympy.sympify(x)
        num, den = sympy.fraction(sympy.together(expr))
        polys = [sympy.Poly(part, *gens) for part in (num, den)]
    except Exception as err:  # student objects can fail here in any way: report, never raise
        return {"kind": "not_polynomial", "why": f"{type(err).__name__}: {err}"[:300]}
    num_terms, den_terms = ([[list(m), str(sympy.Rational(c))] for m, c in p.terms()] for p in polys)
    return {"kind": "rational", "gens": [str(g) for g in gens], "num": num_terms, "den": den_terms}


def reference_core() -> dict[str, Callable[..., object]]:
    """update_v, bias_correct and effective_step as the page writes them, in float64: what a follow-through
    call (`core="reference"`) runs the student's function on."""
    import numpy as np

    def out(x: Any) -> object:
        return float(x) if np.ndim(x) == 0 else x

    def update_v(v_prev: Any, g: Any, beta2: Any = 0.999) -> object:
        return out(beta2 * np.asarray(v_prev, dtype=np.float64) + (1.0 - beta2) * np.asarray(g, dtype=np.float64) ** 2)

    def bias_correct(v: Any, t: Any, beta2: Any = 0.999) -> object:
        return out(np.asarray(v, dtype=np.float64) / (1.0 - beta2**t))

    def effective_step(v_hat: Any, alpha: Any = 0.001, eps: Any = 1e-8) -> object:
        return out(alpha / (np.sqrt(np.asarray(v_hat, dtype=np.float64)) + eps))

    return {"update_v": update_v, "bias_correct": bias_correct, "effective_step": effective_step}


class Guest:
    """One submission's module and the answers about it (see the module docstring)."""

    def __init__(self, submission_path: str | None = None) -> None:
        self.submission_path = submission_path
        self.module: ModuleType | None = None  # the student's module, once loaded (or built up by notebook cells)
        self.symbols: dict[str, Any] = {}  # name -> the real sympy symbol
        self.cell_files: dict[str, int] = {}  # "<cell N>" -> N: the file names a notebook's cells are compiled under
        self.ops: dict[str, Callable[[protocol.Message], protocol.Message]] = {
            protocol.GuestOp.LOAD: self.op_load,
            protocol.GuestOp.CALL: self.op_call,
            protocol.GuestOp.UNROLL: self.op_unroll,
            protocol.GuestOp.EXEC_CELL: self.op_exec_cell,
            protocol.GuestOp.FUNCTIONS: self.op_functions,
            protocol.GuestOp.READ: self.op_read,
            protocol.GuestOp.TEXT: self.op_text,
        }

    def decode(self, x: object) -> object:
        """An input from the grader: numbers and lists as they are, {"nd": ...} arrays, {"sym": ...} symbols."""
        import numpy as np

        if isinstance(x, dict):
            if "nd" in x:
                return np.array(x["nd"], dtype=x["dtype"])
            if "sym" in x:
                name = x["sym"]
                if name not in self.symbols:
                    self.symbols[name] = _sympy().Symbol(name, real=True)
                return self.symbols[name]
            if "zero" in x:
                return _sympy().Integer(0)
        if isinstance(x, list):
            return [self.decode(e) for e in x]
        return x

    def describe_error(self, err: BaseException) -> protocol.ErrorInfo:
        """A student's exception as data: its type, message and the line of their file it came from."""
        theirs = {self.submission_path} | set(self.cell_files)
        if isinstance(err, SyntaxError) and err.filename in theirs:
            return protocol.error_info(
                type(err).__name__,
                str(err.msg)[:500],
                err.lineno,
                (err.text or "").strip()[:200],
                self.cell_files.get(err.filename or ""),
                with_cell=True,
            )
        for frame in reversed(traceback.extract_tb(err.__traceback__)):
            if frame.filename in theirs:
                return protocol.error_info(
                    type(err).__name__,
                    str(err)[:500],
                    frame.lineno,
                    (frame.line or "")[:200],
                    self.cell_files.get(frame.filename),
                    with_cell=True,
                )
        return protocol.error_info(type(err).__name__, str(err)[:500])

    def handle(self, request: protocol.Message) -> str:
        """The reply to one request as one line of JSON text; never raises for anything student code does."""
        try:
            return json.dumps(self.ops[request["op"]](request))
        except BaseException as err:  # e.g. a student's object that breaks encoding: still just data
            return json.dumps(protocol.error_reply(self.describe_error(err), guest=True))

    def op_load(self, request: protocol.Message) -> protocol.Message:
        path = request["path"]
        spec = importlib.util.spec_from_file_location("second_moment", path)
        if spec is None or spec.loader is None:  # never for a .py file; said plainly rather than as an AttributeError
            raise ImportError(f"no loader for {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules["second_moment"] = module
        try:
            spec.loader.exec_module(module)
        except BaseException as err:  # the student's import failed: that is their result, not ours
            return protocol.error_reply(self.describe_error(err))
        self.module = module
        return self.op_functions(request)

    def _student(self, name: str) -> Callable[..., object]:
        function: Callable[..., object] = getattr(self.module, name)  # a missing one raises: the student's error
        return function

    def op_call(self, request: protocol.Message) -> protocol.Message:
        import numpy as np

        args = [self.decode(a) for a in request["args"]]
        kwargs = {k: self.decode(v) for k, v in request["kwargs"].items()}
        swapped = self._swap_core() if request.get("core") == "reference" else None
        try:
            result = self._student(request["func"])(*args, **kwargs)
        except BaseException as err:  # any failure of student code is reported as data
            return protocol.error_reply(self.describe_error(err))
        finally:
            if swapped is not None:
                self.module.__dict__.update(swapped)
        wanted = request.get("inputs_after", True)
        after = [encode_value(a) if wanted and isinstance(a, (list, np.ndarray)) else None for a in args]
        if "gens" in request:  # a symbolic answer: a rational function of these symbols
            gens = [self.decode(protocol.symbol(name)) for name in request["gens"]]
            return protocol.ok_reply(value=encode_symbolic(result, gens), args_after=after)
        return protocol.ok_reply(value=encode_value(result), args_after=after)

    def _swap_core(self) -> dict[str, object]:
        """Put the page's formulas (reference_core) in the module for one call; returns what to put back.
        The formulas are the page's own, public: no expected value of any check is here."""
        names = self.module.__dict__ if self.module is not None else {}
        before = {name: names[name] for name in protocol.REFERENCE_CORE if name in names}
        names.update(reference_core())
        return before

    def op_text(self, request: protocol.Message) -> protocol.Message:
        """A module-level string of the student's, cut to the protocol's length; None when it is not a string."""
        value = getattr(self.module, request["name"], None)
        text = value[: protocol.MAX_TEXT] if isinstance(value, str) else None
        return protocol.ok_reply(text=text)

    def op_unroll(self, request: protocol.Message) -> protocol.Message:
        """Run update_v from v_0 over the gradients (and bias_correct after each step, if asked)."""
        gradients = [self.decode(g) for g in request["gradients"]]
        beta2 = self.decode(request["beta2"])
        v = self.decode(request["v0"])
        symbolic = any(isinstance(x, dict) and "sym" in x for x in request["gradients"] + [request["beta2"]])
        if symbolic:
            gens = [self.symbols[name] for name in request["gens"]]
        values: list[protocol.Message] = []
        try:
            for t, g in enumerate(gradients, start=1):
                v = self._student("update_v")(v, g, beta2=beta2)
                out = self._student("bias_correct")(v, t, beta2=beta2) if request["correct"] else v
                # Encode now: a later step may change this very object in place.
                values.append(encode_symbolic(out, gens) if symbolic else encode_value(out))
        except BaseException as err:  # any failure of student code is reported as data
            return protocol.error_reply(self.describe_error(err))
        return protocol.ok_reply(values=values)

    def op_read(self, request: protocol.Message) -> protocol.Message:
        """The formula a function returns, read from its source without running it (sandbox/guest/reading.py)."""
        found = reading.read(self.module, request["func"], request["known"])
        try:
            protocol.check_reading(found)  # a reading the grader would refuse is no reading at all
        except protocol.ProtocolError as err:
            found = {
                "params": [],
                "tree": None,
                "why": f"the reading is not one the grader takes: {err}"[:300],
                "source": "",
            }
        return protocol.ok_reply(reading=found)

    def op_exec_cell(self, request: protocol.Message) -> protocol.Message:
        """Run one notebook cell in the module the notebook builds up (created by the first cell)."""
        if self.module is None:
            self.module = type(sys)("second_moment")
            sys.modules["second_moment"] = self.module
        name = f"<cell {request['cell']}>"
        self.cell_files[name] = request["cell"]
        source = request["source"]
        # Registered so tracebacks (and describe_error) can quote the student's line from this cell.
        linecache.cache[name] = (len(source), None, source.splitlines(True), name)
        try:
            exec(compile(source, name, "exec"), self.module.__dict__)
        except BaseException as err:  # a cell that raises is the student's result; later cells still run
            return protocol.error_reply(self.describe_error(err))
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        return protocol.ok_reply()

    def op_functions(self, request: protocol.Message) -> protocol.Message:
        """Which of the graded functions the submission (or the notebook's cells, once all ran) defines."""
        found = {name: callable(getattr(self.module, name, None)) for name in request["functions"]}
        return protocol.ok_reply(functions=found)

    def serve(self, requests: Iterable[str], replies: TextIO) -> None:
        """Answer each line of `requests` (a text file) with one line on `replies`, after saying ready."""
        replies.write(json.dumps(protocol.READY) + "\n")  # set-up is over; no student code has run yet
        replies.flush()
        for line in requests:
            text = self.handle(json.loads(line))
            _flush_output()
            try:
                replies.write(text + "\n")
                replies.flush()
            except BrokenPipeError:  # the grader stopped listening (it is killing this submission)
                return


def _flush_output() -> None:
    """What the student printed reaches the output file now: the process may be killed at any moment later."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # the student may have replaced or closed them
            pass


def main(config: GuestConfig) -> None:
    """Run as the guest of one submission: confine this process, then serve the grader until it hangs up.

    config: "fds" (the request and reply pipes), "rlimits", "site" (import path), "recursion", and
    "submission_path" (the student's file, so errors can name their line)."""
    confine(config)
    sys.path[:0] = config["site"]
    sys.setrecursionlimit(config.get("recursion", 3000))
    import numpy  # noqa: F401  (after the limits, so numpy's own start-up is bounded too)

    guest = Guest(config.get("submission_path"))
    requests = os.fdopen(config["fds"][0], "r", encoding="utf-8")
    replies = os.fdopen(config["fds"][1], "w", encoding="utf-8")
    guest.serve(requests, replies)
