"""Public checks for the second-moment assignment (MATH 3850, page 10).

Run them with `pytest` in this folder; each test name starts with the task it checks, so
`pytest -k update_v` runs one task's checks. There is one public check of every kind the grader runs
hidden (lists, integers, 0-d and 2-d arrays, negative and zero gradients, t >= 3, another beta2, a zero
and a tiny v_hat, other alpha and eps, inputs unchanged, float64 out), with values of its own; the hidden
checks use other values, so passing these is a good start, not a guarantee.

What counts as equal: {tolerance}.

{generated}
"""

import ast
import inspect
import textwrap

import numpy as np
import pytest

import second_moment

RTOL = 1e-6  # the grader's tolerance too: float64 work is far closer than this, known mistakes far off


def run(task, *args, **kwargs):
    """Call your function for `task`, turning 'not written yet' into a clear failure."""
    func = getattr(second_moment, task, None)
    if func is None:
        pytest.fail(f"{task}: second_moment.py has no function named {task}", pytrace=False)
    try:
        return func(*args, **kwargs)
    except NotImplementedError:
        pass  # fail below, outside the except block, so the report is one clear line
    except TypeError as err:
        slips = python_slips(task)
        if not slips:
            raise
        pytest.fail(f"{task}: raised TypeError ({err}). {' '.join(slips)}", pytrace=False)
    pytest.fail(f"{task}: not implemented yet; write it where it says YOUR CODE HERE", pytrace=False)


#: Python slips that make a formula compute something else, in words (the grader's feedback says the same).
XOR = "`^` is XOR in Python (bitwise exclusive or, for whole numbers only), not a power: write `**`, as in `g**2`."
FLOORDIV = "`//` is floor division: it rounds the quotient down to a whole number. Divide with `/`."
PRECEDENCE = (
    "Python reads `a / b - c` as `(a / b) - c` and `a * b + 1 - c` as `(a * b + 1) - c`: `*` and `/` bind "
    "before `+` and `-`. Check your brackets against the page's formula."
)


def python_slips(task):
    """The slips above that your function's source shows (read, not run); [] when it cannot be read."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(getattr(second_moment, task))))
    except (OSError, TypeError, SyntaxError):
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.BinOp):
            continue
        if isinstance(node.op, ast.BitXor) and XOR not in found:
            found.append(XOR)
        if isinstance(node.op, ast.FloorDiv) and FLOORDIV not in found:
            found.append(FLOORDIV)
        left = node.left
        first = isinstance(node.op, (ast.Add, ast.Sub)) and isinstance(left, ast.BinOp)
        if (
            first
            and PRECEDENCE not in found
            and (
                isinstance(left.op, ast.Div)
                or (isinstance(left.op, ast.Add) and isinstance(left.right, ast.Constant) and left.right.value == 1)
            )
        ):
            found.append(PRECEDENCE)
    return found


def values(task, about, got, expected):
    """got's values shaped like expected: the values are judged here, the container by check_container."""
    expected = np.asarray(expected, dtype=np.float64)
    if got is None:
        pytest.fail(f"{task} ({about}): returned None; is a `return` missing?", pytrace=False)
    got = np.asarray(got, dtype=np.float64)
    if got.size != expected.size:
        pytest.fail(
            f"{task} ({about}): returned shape {got.shape} for an input of shape {expected.shape}", pytrace=False
        )
    return got.reshape(expected.shape), expected


def check_value(task, about, got, expected):
    got, expected = values(task, about, got, expected)
    if not np.allclose(got, expected, rtol=RTOL, atol=0.0):
        slips = " ".join(python_slips(task)) if task in ("update_v", "bias_correct", "effective_step") else ""
        pytest.fail(
            f"{task} ({about}): expected {expected.tolist()}, got {got.tolist()}" + (f". {slips}" if slips else ""),
            pytrace=False,
        )


def check_same(task, about, got, own):
    """Lists and integers in must give the values your function gives for the same inputs as float64."""
    got, own = values(task, about, got, own)
    if not np.allclose(got, own, rtol=RTOL, atol=0.0, equal_nan=True):
        pytest.fail(
            f"{task} ({about}): gives {got.tolist()}, but {own.tolist()} for the same inputs as float64 arrays; "
            "convert with np.asarray(x, dtype=float)",
            pytrace=False,
        )


def check_container(task, about, got, shape):
    """A float (or 0-d array) for a number; otherwise a float64 numpy array of the input's shape."""
    if shape == ():
        if isinstance(got, (float, np.floating)) and not isinstance(got, np.float32):
            return
        if isinstance(got, np.ndarray) and got.shape == () and got.dtype == np.float64:
            return
        pytest.fail(
            f"{task} ({about}): returned {type(got).__name__} {np.shape(got)} for a single number; return a float",
            pytrace=False,
        )
    if not isinstance(got, np.ndarray):
        pytest.fail(f"{task} ({about}): returned a {type(got).__name__}; return a numpy array", pytrace=False)
    if got.shape != shape or got.dtype != np.float64:
        pytest.fail(
            f"{task} ({about}): returned a {got.dtype} array of shape {got.shape}; want float64, shape {shape}",
            pytrace=False,
        )


def check_unchanged(task, about, names, before, args):
    for name, old, new in zip(names, before, args):
        if not np.array_equal(old, np.asarray(new)):
            pytest.fail(f"{task} ({about}): changed the `{name}` you passed in; work on a copy", pytrace=False)


def check_unrolled(about, gradients, beta2, corrected, expected):
    """Run update_v from v_0 = 0 over the gradients (then bias_correct, if corrected) and check every step."""
    v = 0.0
    for t, (g, want) in enumerate(zip(gradients, expected), start=1):
        v = run("update_v", v, g, beta2=beta2)
        got = run("bias_correct", v, t, beta2=beta2) if corrected else v
        check_value("identity", f"{about}, step {t}", got, want)
