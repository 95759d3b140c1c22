"""Public checks for the second-moment assignment (MATH 3850, page 10).

Run them with `pytest` in this folder; each test name starts with the task it checks, so
`pytest -k update_v` runs one task's checks. They use a few of the page's worked values. The grader
runs many more hidden checks (later steps, other betas, a zero v_hat, several shapes ...), so passing
these is a good start, not a guarantee.

{generated}
"""

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
    pytest.fail(f"{task}: not implemented yet; write it where it says YOUR CODE HERE", pytrace=False)


def check_value(task, about, got, expected):
    expected = np.asarray(expected, dtype=np.float64)
    if got is None:
        pytest.fail(f"{task} ({about}): returned None; is a `return` missing?", pytrace=False)
    got = np.asarray(got, dtype=np.float64)
    if got.shape != expected.shape:
        pytest.fail(f"{task} ({about}): returned shape {got.shape} for an input of shape {expected.shape}", pytrace=False)
    if not np.allclose(got, expected, rtol=RTOL, atol=0.0):
        pytest.fail(f"{task} ({about}): expected {expected.tolist()}, got {got.tolist()}", pytrace=False)


def check_unchanged(task, about, names, before, args):
    for name, old, new in zip(names, before, args):
        if not np.array_equal(old, np.asarray(new)):
            pytest.fail(f"{task} ({about}): changed the `{name}` you passed in; work on a copy", pytrace=False)


def test_identity_constant_gradient():
    """identity: with the same gradient at every step, bias correction gives back g**2 exactly."""
    v = 0.0
    for t in range(1, 6):
        v = run("update_v", v, 3.0)
        v_hat = run("bias_correct", v, t)
        check_value("identity", f"constant gradient 3.0, v_hat at t = {t}", v_hat, 9.0)
