"""Judging a returned value: the worker's reply is untrusted data, so judging it never raises."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.boundary import Reply
from autograder.cases import CHECKS
from autograder.judge.compare import close, judge_container, judge_value, show
from autograder.judge.identity import IdentityCheck
from autograder.render.text import markdown
from autograder.tolerance import RTOL
from autograder.words import Words
from tests.strategies import json_values
from tests.strategies import value_replies as replies


@given(replies | json_values)
def test_judge_value_turns_any_reply_into_a_verdict_without_raising(reply):
    verdict = judge_value(reply, np.array([1.0, 2.0]))
    assert verdict is None or isinstance(verdict, Words)


@given(replies | json_values)
def test_an_identity_checks_float_probes_judge_any_reply_wrong_without_raising(reply):
    check = next(c for c in CHECKS if isinstance(c, IdentityCheck))

    def call(request, uses):
        # The same reply at every step: the probes' expected values differ, so it can never pass.
        return Reply("ok", value={"values": [reply] * len(request["gradients"])})

    assert isinstance(check.run_numeric(call), Words)


@pytest.mark.parametrize(
    "reply",
    [
        {"kind": "scalar", "value": 10**400},
        {"kind": "array", "shape": [1], "data": [10**400]},
    ],
)
def test_an_int_too_big_for_a_float_is_unreadable_not_a_crash(reply):
    assert markdown(judge_value(reply, 1.0 if reply["kind"] == "scalar" else np.array([1.0]))) == (
        "sent back something the grader cannot read"
    )


def test_a_value_inside_the_tolerance_passes_and_one_outside_fails():
    expected = np.array([0.1, 100.0])
    near = {"kind": "array", "dtype": "float64", "shape": [2], "data": (expected * (1 + RTOL / 10)).tolist()}
    far = {"kind": "array", "dtype": "float64", "shape": [2], "data": (expected * (1 + RTOL * 10)).tolist()}
    assert judge_value(near, expected) is None
    assert markdown(judge_value(far, expected)).startswith(
        f"returned {show(far['data'])}, where the element furthest off agrees to 3"
    )


@pytest.mark.parametrize(
    ("reply", "expected", "words"),
    [
        ({"kind": "array", "dtype": "float64", "shape": [1], "data": [0.1]}, 0.1, "return a float"),
        ({"kind": "scalar", "dtype": "float64", "value": 0.1}, np.array([0.1]), "for an input of shape (1,)"),
        ({"kind": "array", "dtype": "float64", "shape": [2], "data": [0.1, 0.1]}, np.zeros(3), "shape (2,)"),
        ({"kind": "array", "dtype": "float32", "shape": [1], "data": [0.1]}, np.array([0.1]), "float32"),
        ({"kind": "scalar", "dtype": "float64", "value": float("inf")}, 0.1, "not finite"),
        ({"kind": "other", "type": "NoneType"}, 0.1, "returned None"),
    ],
)
def test_values_are_judged_first_and_the_container_apart(reply, expected, words):
    assert words in markdown(judge_value(reply, expected) or judge_container(reply, expected))


@given(
    st.lists(
        st.tuples(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True)),
        min_size=1,
        max_size=6,
    ),
    st.booleans(),
)
def test_close_is_np_allclose_with_no_absolute_tolerance(pairs, equal_nan):
    """compare.close is the fast path of every value check: it must agree with np.allclose(atol=0) exactly."""
    a, b = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    with np.errstate(all="ignore"):
        assert close(a, b, RTOL, equal_nan) == bool(np.allclose(a, b, rtol=RTOL, atol=0.0, equal_nan=equal_nan))


@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True))
def test_one_number_is_judged_as_the_general_path_judges_it(value, expected):
    """judge_value's float shortcut (a number where a float is due) says what the numpy path says."""
    reply = {"kind": "scalar", "type": "float", "dtype": "float64", "value": value}
    with np.errstate(all="ignore"):
        assert judge_value(reply, expected) == judge_value(reply, np.array(expected))
