"""The worker: the only code that runs beside a student's submission.

It is run as `python -I -S -c <this file's text> <config>`, never imported, and imports nothing from the
grader: what runs here sees no hidden case, no expected value and no reference. It loads the submission,
answers the parent's requests one line of JSON at a time, and sends back only plain data describing what
the student's functions returned. Every exception here comes from (or through) student code, so each is
caught and reported as data: that is what this process is for. The parent trusts nothing it says.
"""

import importlib.util
import json
import linecache
import os
import resource
import signal
import sys
import traceback

CONFIG = json.loads(sys.argv[1])
MAX_ELEMENTS = 10_000  # no probe needs more; a larger answer is reported by size, not sent


def _limit(name, value):
    if value is None or not hasattr(resource, name):
        return
    resource.setrlimit(getattr(resource, name), (value, value))


for _name, _value in CONFIG["rlimits"].items():
    _limit(_name, _value)
# Past the file-size limit a write should fail with an error the student sees, not kill the worker.
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
sys.path[:0] = CONFIG["site"]
sys.setrecursionlimit(CONFIG.get("recursion", 3000))

import numpy as np  # noqa: E402  (after the limits, so numpy's own start-up is bounded too)

SUBMISSION = None  # the student's module, once loaded
_SYMBOLS = {}


def _sympy():
    import sympy

    return sympy


def decode(x):
    """An input from the parent: numbers and lists as they are, {"nd": ...} arrays, {"sym": ...} symbols."""
    if isinstance(x, dict):
        if "nd" in x:
            return np.array(x["nd"], dtype=x["dtype"])
        if "sym" in x:
            name = x["sym"]
            if name not in _SYMBOLS:
                _SYMBOLS[name] = _sympy().Symbol(name, real=True)
            return _SYMBOLS[name]
        if "zero" in x:
            return _sympy().Integer(0)
    if isinstance(x, list):
        return [decode(e) for e in x]
    return x


def _type_name(x):
    t = type(x)
    return t.__name__ if t.__module__ in ("builtins", "numpy") else f"{t.__module__}.{t.__name__}"


def encode_value(x):
    """What a student's function returned, as plain JSON data (never the object itself)."""
    if isinstance(x, (complex, np.complexfloating)):  # float(x) would fail or drop the imaginary part
        return {"kind": "other", "type": _type_name(x), "dtype": str(np.asarray(x).dtype), "repr": repr(x)[:200]}
    if isinstance(x, (bool, np.bool_)) or x is None:
        return {"kind": "other", "type": _type_name(x), "repr": repr(x)[:200]}
    if type(x) in (int, float):
        return {"kind": "scalar", "type": type(x).__name__, "dtype": "float64", "value": float(x)}
    if isinstance(x, np.generic) and x.dtype.kind in "iuf":
        return {"kind": "scalar", "type": _type_name(x), "dtype": str(x.dtype), "value": float(x)}
    kind = "list" if isinstance(x, (list, tuple)) else "array"
    if kind == "array" and not isinstance(x, np.ndarray):
        return {"kind": "other", "type": _type_name(x), "repr": repr(x)[:200]}
    try:
        arr = np.array(x, copy=True, subok=False)
        if arr.dtype.kind == "c":  # astype(float64) would silently drop the imaginary part
            return {"kind": "other", "type": _type_name(x), "dtype": str(arr.dtype), "repr": repr(x)[:200]}
        if arr.dtype.kind not in "iuf":
            arr = arr.astype(np.float64)
    except (TypeError, ValueError, OverflowError) as err:
        return {"kind": "other", "type": _type_name(x), "repr": repr(x)[:200], "why": str(err)[:200]}
    if arr.size > MAX_ELEMENTS:
        return {"kind": "too_big", "type": _type_name(x), "shape": list(arr.shape)}
    return {
        "kind": kind,
        "type": _type_name(x),
        "dtype": str(arr.dtype),
        "shape": list(arr.shape),
        "data": arr.astype(np.float64).tolist(),
    }


def encode_symbolic(x, gens):
    """A symbolic result as numerator and denominator polynomials in gens, with exact rational coefficients."""
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
    num_terms, den_terms = (
        [[list(m), str(sympy.Rational(c))] for m, c in p.terms()] for p in polys
    )
    return {"kind": "rational", "gens": [str(g) for g in gens], "num": num_terms, "den": den_terms}


def describe_error(err):
    """A student's exception as data: its type, message and the line of their file it came from."""
    info = {"type": type(err).__name__, "message": str(err)[:500], "line": None, "source": None}
    theirs = {CONFIG.get("submission_path")} | set(CELL_FILES)
    if isinstance(err, SyntaxError) and err.filename in theirs:
        info["line"], info["source"] = err.lineno, (err.text or "").strip()[:200]
        info["message"] = str(err.msg)[:500]
        info["cell"] = CELL_FILES.get(err.filename)
        return info
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if frame.filename in theirs:
            info["line"], info["source"] = frame.lineno, (frame.line or "")[:200]
            info["cell"] = CELL_FILES.get(frame.filename)
            break
    return info


def op_load(request):
    global SUBMISSION
    path = request["path"]
    spec = importlib.util.spec_from_file_location("second_moment", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["second_moment"] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as err:  # the student's import failed: that is their result, not ours
        return {"ok": False, "error": describe_error(err)}
    SUBMISSION = module
    found = {name: callable(getattr(module, name, None)) for name in request["functions"]}
    return {"ok": True, "functions": found}


def _student(name):
    return getattr(SUBMISSION, name)


def op_call(request):
    args = [decode(a) for a in request["args"]]
    kwargs = {k: decode(v) for k, v in request["kwargs"].items()}
    try:
        result = _student(request["func"])(*args, **kwargs)
    except BaseException as err:  # any failure of student code is reported as data
        return {"ok": False, "error": describe_error(err)}
    after = [encode_value(a) if isinstance(a, (list, np.ndarray)) else None for a in args]
    return {"ok": True, "value": encode_value(result), "args_after": after}


def op_unroll(request):
    """Run update_v from v_0 over the gradients (and bias_correct after each step, if asked)."""
    gradients = [decode(g) for g in request["gradients"]]
    beta2 = decode(request["beta2"])
    v = decode(request["v0"])
    symbolic = any(isinstance(x, dict) and "sym" in x for x in request["gradients"] + [request["beta2"]])
    if symbolic:
        gens = [_SYMBOLS[name] for name in request["gens"]]
    values = []
    try:
        for t, g in enumerate(gradients, start=1):
            v = _student("update_v")(v, g, beta2=beta2)
            out = _student("bias_correct")(v, t, beta2=beta2) if request["correct"] else v
            # Encode now: a later step may change this very object in place.
            values.append(encode_symbolic(out, gens) if symbolic else encode_value(out))
    except BaseException as err:  # any failure of student code is reported as data
        return {"ok": False, "error": describe_error(err)}
    return {"ok": True, "values": values}


CELL_FILES = {}  # "<cell N>" -> N: the file names a notebook's cells are compiled under


def op_exec_cell(request):
    """Run one notebook cell in the module the notebook builds up (created by the first cell)."""
    global SUBMISSION
    if SUBMISSION is None:
        SUBMISSION = type(sys)("second_moment")
        sys.modules["second_moment"] = SUBMISSION
    name = f"<cell {request['cell']}>"
    CELL_FILES[name] = request["cell"]
    source = request["source"]
    # Registered so tracebacks (and describe_error) can quote the student's line from this cell.
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    try:
        exec(compile(source, name, "exec"), SUBMISSION.__dict__)
    except BaseException as err:  # a cell that raises is the student's result; later cells still run
        return {"ok": False, "error": describe_error(err)}
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return {"ok": True}


def op_functions(request):
    """Which of the graded functions the notebook's cells defined, once every cell has run."""
    found = {name: callable(getattr(SUBMISSION, name, None)) for name in request["functions"]}
    return {"ok": True, "functions": found}


OPS = {"load": op_load, "call": op_call, "unroll": op_unroll, "exec_cell": op_exec_cell, "functions": op_functions}


def _flush_output():
    """What the student printed reaches the output file now: the process may be killed at any moment later."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # the student may have replaced or closed them
            pass


def serve():
    requests = os.fdopen(CONFIG["fds"][0], "r", encoding="utf-8")
    replies = os.fdopen(CONFIG["fds"][1], "w", encoding="utf-8")
    replies.write(json.dumps({"ready": True}) + "\n")  # set-up is over; no student code has run yet
    replies.flush()
    for line in requests:
        request = json.loads(line)
        try:
            reply = OPS[request["op"]](request)
            text = json.dumps(reply)
        except BaseException as err:  # e.g. a student's object that breaks encoding: still just data
            text = json.dumps({"ok": False, "error": describe_error(err), "worker": True})
        _flush_output()
        replies.write(text + "\n")
        replies.flush()


serve()
