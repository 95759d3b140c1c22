"""Comparing what a student's function returned with what it should have, in the grader's process.

Only plain data reaches here (the worker's JSON description of a result). Before any comparison the
kind, shape, dtype and finiteness are checked, and the comparison itself is a relative tolerance, never
`==`: correct float64 code agrees with the exact oracle to about 1e-16, every known mistake misses by far
more than RTOL, and float32 work misses by about 1e-5.
"""

import math

import numpy as np
import numpy.typing as npt

from autograder.tolerance import RTOL
from autograder.words import Words, code, prose, student, words

MAX_SHOWN = 6

#: A value as the grader compares it.
Floats = npt.NDArray[np.float64]


#: Why a value cannot be judged, said once.
UNREADABLE = prose("sent back something the grader cannot read")


def decode(got: object) -> tuple[Floats | None, Words | None]:
    """The worker's description of a value as a float64 array, or (None, problem) when it is not a number.

    Returns (array, problem); exactly one of them is None.
    """
    if not isinstance(got, dict):
        return None, UNREADABLE
    kind = got.get("kind")
    if kind == "scalar":
        value = got.get("value")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None, UNREADABLE
        try:
            return np.array(float(value)), None
        except OverflowError:  # an int too big for a float: the worker's encoder never sends one
            return None, UNREADABLE
    if kind in ("array", "list"):
        shape = got.get("shape")
        if not isinstance(shape, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape
        ):
            return None, UNREADABLE
        try:
            arr = np.array(got.get("data"), dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            return None, UNREADABLE
        if list(arr.shape) != shape:
            return None, UNREADABLE
        return arr, None
    # Type names and dtypes below come from the student's objects (a class can be named "<script>"):
    # they go into the message as student text.
    if kind == "too_big":
        shape = got.get("shape")
        shape = tuple(shape) if isinstance(shape, list) else ()  # from the worker: trust nothing
        return None, words("returned a huge ", student(got.get("type", "value")), " of shape ", student(str(shape)))
    type_name = str(got.get("type", "value"))
    if str(got.get("dtype", "")).startswith("complex"):
        return None, words("returned complex numbers (", student(got["dtype"]), "); every value here is real")
    if type_name == "NoneType":
        return None, words("returned None (is a ", code("return"), " missing?)")
    return None, words("returned a ", student(type_name), ", not a number or a numpy array")


def show(arr: npt.ArrayLike) -> str:
    """A short, readable rendering of a value for feedback."""
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim == 0:
        return f"{float(arr):.6g}"
    flat = arr.ravel()
    body = ", ".join(f"{x:.6g}" for x in flat[:MAX_SHOWN]) + (", ..." if flat.size > MAX_SHOWN else "")
    return f"array of shape {arr.shape}: [{body}]"


def as_values(got: object, expected: npt.ArrayLike) -> tuple[Floats | None, Words | None]:
    """(student's values shaped like `expected`, problem): the container is not judged here.

    A number, a 0-d array, a shape-(1,) array for a single number, a list or an array all count as values;
    an array with the right number of elements in another shape is compared element by element (keeping
    the shape is the contract item's job).
    """
    arr, problem = decode(got)
    if arr is None:
        return None, problem
    expected = np.asarray(expected, dtype=np.float64)
    if arr.size != expected.size:
        if expected.ndim == 0:
            return None, prose(f"returned {show(arr)} for a single number")
        return None, prose(f"returned {arr.size} value(s) (shape {arr.shape}) for an input of shape {expected.shape}")
    return arr.reshape(expected.shape), None


def how_far(arr: npt.ArrayLike, expected: npt.ArrayLike) -> str:
    """How far off the worst element is, in coarse bands that never give the expected value away."""
    arr, expected = np.asarray(arr, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    with np.errstate(all="ignore"):
        rel = np.abs(arr - expected) / np.where(expected == 0, 1.0, np.abs(expected))
    i = int(np.argmax(rel.ravel()))
    got, want = float(arr.ravel()[i]), float(expected.ravel()[i])
    if want == 0:
        return "should be 0"
    if got == 0:
        return "is 0 where it should not be"
    if (got < 0) != (want < 0):
        return "has the wrong sign"
    ratio = abs(got) / abs(want)
    if abs(ratio - 1) < 1e-3:
        return "agrees to 3 or more significant digits, but not to the 6 the grader asks for"
    if abs(ratio - 1) < 0.1:
        return "is within 10% of the right value, but does not agree to 3 digits"
    for low, high in ((1.1, 2), (2, 10), (10, 1000)):
        if low <= ratio < high or low <= 1 / ratio < high:
            size = "large" if ratio > 1 else "small"
            return (
                f"is {low:g} to {high:g} times too {size}" if low > 1.1 else f"is too {size} by less than a factor of 2"
            )
    return f"is more than 1000 times too {'large' if ratio > 1 else 'small'}"


def close(arr: npt.ArrayLike, expected: npt.ArrayLike, rtol: float = RTOL, equal_nan: bool = False) -> bool:
    """np.allclose(arr, expected, rtol, atol=0, equal_nan), at a fraction of its cost where both are finite
    (it runs for every value check of every student, and in the diagnosis)."""
    arr, expected = np.asarray(arr, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if arr.size == 1 and expected.size == 1:  # one number each (most checks): the same test, in Python floats
        near = _floats_close(arr.item(), expected.item(), rtol)
        if near is not None:
            return near
    if not (np.isfinite(arr).all() and np.isfinite(expected).all()):
        return bool(np.allclose(arr, expected, rtol=rtol, atol=0.0, equal_nan=equal_nan))
    with np.errstate(over="ignore"):  # 1e308 - (-1e308) is inf, which is simply not close
        return bool((np.abs(arr - expected) <= rtol * np.abs(expected)).all())


def _floats_close(x: float, y: float, rtol: float) -> bool | None:
    """close() for two Python floats, in the same float64 arithmetic; None unless both are finite (then
    np.allclose's rules for inf and nan decide)."""
    if math.isfinite(x) and math.isfinite(y):
        return abs(x - y) <= rtol * abs(y)
    return None


def _right_float(got: object, expected: object) -> bool:
    """The common case, judged without numpy: one float within RTOL where one float is due (what
    judge_value's general path computes for it too)."""
    if not (isinstance(expected, float) and isinstance(got, dict) and got.get("kind") == "scalar"):
        return False
    value = got.get("value")
    return type(value) is float and _floats_close(value, expected, RTOL) is True


def judge_value(got: object, expected: npt.ArrayLike) -> Words | None:
    """None when `got` (worker data) has `expected`'s values within RTOL; else what is wrong, in words.

    Only values are judged (see `as_values`). The words describe the student's value and how far off it
    is in coarse bands, never the expected value, so they are safe to show for a hidden check.
    """
    if _right_float(got, expected):
        return None
    arr, problem = as_values(got, expected)
    if arr is None:
        return problem
    if not np.isfinite(arr).all():
        return prose(f"returned {show(arr)}, which is not finite")
    if not close(arr, expected):
        dtype = str(got.get("dtype", "")) if isinstance(got, dict) else ""  # a dict: it decoded
        why = (
            f"; it is {dtype}: work in float64 (float32 keeps about 7 digits)"
            if dtype in ("float32", "float16")
            else ""
        )
        which = "which" if arr.size == 1 else "where the element furthest off"
        return prose(f"returned {show(arr)}, {which} {how_far(arr, expected)}{why}")
    return None


def judge_container(got: object, expected: npt.ArrayLike) -> Words | None:
    """None when `got` is the container the docstring promises for `expected`'s shape; else the slip, in words.

    A float (or a 0-d array) for a single number; a float64 numpy array of the input's shape otherwise.
    """
    if not isinstance(got, dict):
        return UNREADABLE
    # type names, dtypes and shapes come from the student's objects: student text in the message
    expected = np.asarray(expected)
    kind, dtype = got.get("kind"), str(got.get("dtype", ""))
    shape = got.get("shape")
    if expected.ndim == 0:
        if kind == "scalar" or (kind == "array" and shape == []):
            if got.get("type") == "int" or dtype.startswith(("int", "uint")):
                return prose("returned an integer for a single number; return a float")
            if dtype == "float64":
                return None
            return words("returned a ", student(dtype), " number; return a float64 (a Python float)")
        if kind == "array":
            return words(
                "returned an array of shape ",
                student(str(tuple(shape or ()))),
                " for a single number; return a float (not np.atleast_1d)",
            )
        return words("returned a ", student(got.get("type", kind)), " for a single number; return a float")
    if kind == "list":
        return words("returned a Python ", student(got.get("type", "list")), "; return a numpy array (np.asarray)")
    if kind == "scalar":
        return prose(
            f"returned a single number for an input of shape {expected.shape}; work elementwise (np.sqrt, not math.sqrt)"
        )
    if kind != "array":
        return words("returned a ", student(got.get("type", "value")), ", not a numpy array")
    if tuple(shape or ()) != expected.shape:
        return words(
            "returned shape ",
            student(str(tuple(shape or ()))),
            f" for an input of shape {expected.shape}; keep the input's shape",
        )
    if dtype != "float64":
        return words("returned a ", student(dtype), " array; return float64")
    return None
