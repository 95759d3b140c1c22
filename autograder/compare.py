"""Comparing what a student's function returned with what it should have, in the grader's process.

Only plain data reaches here (the worker's JSON description of a result). Before any comparison the
kind, shape, dtype and finiteness are checked, and the comparison itself is a relative tolerance, never
`==`: correct float64 code agrees with the exact oracle to about 1e-16, every known mistake misses by far
more than RTOL, and float32 work misses by about 1e-5.
"""

import numpy as np

from autograder.render.text import md

RTOL = 1e-6
MAX_SHOWN = 6


def decode(got):
    """The worker's description of a value as a float64 array, or (None, problem) when it is not a number.

    Returns (array, problem); exactly one of them is None.
    """
    if not isinstance(got, dict):
        return None, "sent back something the grader cannot read"
    kind = got.get("kind")
    if kind == "scalar":
        value = got.get("value")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None, "sent back something the grader cannot read"
        try:
            return np.array(float(value)), None
        except OverflowError:  # an int too big for a float: the worker's encoder never sends one
            return None, "sent back something the grader cannot read"
    if kind in ("array", "list"):
        shape = got.get("shape")
        if not isinstance(shape, list) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
            return None, "sent back something the grader cannot read"
        try:
            arr = np.array(got.get("data"), dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            return None, "sent back something the grader cannot read"
        if list(arr.shape) != shape:
            return None, "sent back something the grader cannot read"
        return arr, None
    # Type names and dtypes below come from the student's objects (a class can be named "<script>"):
    # they go into the message as text, never as Markdown.
    if kind == "too_big":
        shape = got.get("shape")
        shape = tuple(shape) if isinstance(shape, list) else ()  # from the worker: trust nothing
        return None, f"returned a huge {md(got.get('type', 'value'))} of shape {md(str(shape))}"
    type_name = md(got.get("type", "value"))
    if str(got.get("dtype", "")).startswith("complex"):
        return None, f"returned complex numbers ({md(got['dtype'])}); every value here is real"
    if type_name == "NoneType":
        return None, "returned None (is a `return` missing?)"
    return None, f"returned a {type_name}, not a number or a numpy array"


def show(arr):
    """A short, readable rendering of a value for feedback."""
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim == 0:
        return f"{float(arr):.6g}"
    flat = arr.ravel()
    body = ", ".join(f"{x:.6g}" for x in flat[:MAX_SHOWN]) + (", ..." if flat.size > MAX_SHOWN else "")
    return f"array of shape {arr.shape}: [{body}]"


def judge_value(got, expected):
    """None when `got` (worker data) matches `expected` (float or array); else what is wrong, in words.

    The words describe the student's value and its shape, never the expected value, so they are safe to
    show for a hidden check.
    """
    arr, problem = decode(got)
    if problem:
        return problem
    expected = np.asarray(expected, dtype=np.float64)
    if expected.ndim == 0 and arr.ndim != 0:
        return f"returned {show(arr)} for a single number; return a single float"
    if expected.ndim and got.get("kind") == "scalar":
        return f"returned the single number {show(arr)} for an input of shape {expected.shape}"
    if arr.shape != expected.shape:
        return f"returned shape {arr.shape} for an input of shape {expected.shape}"
    dtype = str(got.get("dtype", ""))
    if dtype in ("float32", "float16"):
        return f"returned {dtype} values; work in float64 (float32 loses about 7 significant digits)"
    if not np.all(np.isfinite(arr)):
        return f"returned {show(arr)}, which is not finite"
    if not np.allclose(arr, expected, rtol=RTOL, atol=0.0):
        return f"returned {show(arr)}, which is not right"
    return None

