"""The grading oracle (Fractions, a 50-digit square root) against sympy's exact arithmetic."""

from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given

from autograder import oracle
from autograder.tolerance import RTOL
from tests import strategies as st
from tests.conftest import load_reference

SQRT_DIGITS = 40


def _rational(x):
    """A float64 (or int) as the exact sympy Rational it stands for."""
    return sympy.Rational(float(x)) if isinstance(x, (float, np.floating)) else sympy.Rational(int(x))


def _fraction(r):
    return Fraction(int(r.p), int(r.q))


def _elements(got, shape):
    """The oracle's object array, checked for shape, as a flat list of Fractions."""
    got = np.asarray(got, dtype=object)
    assert got.shape == shape
    items = got.ravel().tolist()
    assert all(isinstance(x, Fraction) for x in items)
    return items


@given(st.update_v_inputs, st.beta2s)
def test_update_v_equals_sympy_rationals_elementwise(inputs, beta2):
    v_prev, g = inputs
    got = _elements(oracle.update_v(v_prev, g, beta2), v_prev.shape)
    b = _rational(beta2)
    for value, v, grad in zip(got, v_prev.ravel(), g.ravel()):
        assert value == _fraction(b * _rational(v) + (1 - b) * _rational(grad) ** 2)


@given(st.second_moment_arrays, st.steps, st.beta2s)
def test_bias_correct_equals_sympy_rationals_elementwise(v, t, beta2):
    got = _elements(oracle.bias_correct(v, t, beta2), v.shape)
    b = _rational(beta2)
    for value, x in zip(got, v.ravel()):
        assert value == _fraction(_rational(x) / (1 - b**t))


@given(st.second_moment_arrays, st.alphas, st.epsilons)
def test_effective_step_agrees_with_sympy_sqrt_to_40_digits(v_hat, alpha, eps):
    got = _elements(oracle.effective_step(v_hat, alpha, eps), v_hat.shape)
    for value, x in zip(got, v_hat.ravel()):
        exact = _rational(alpha) / (sympy.sqrt(_rational(x)) + _rational(eps))
        reference = sympy.Rational(exact.evalf(SQRT_DIGITS + 5))
        assert abs(value - _fraction(reference)) <= abs(_fraction(reference)) * Fraction(1, 10**SQRT_DIGITS)


def test_effective_step_of_a_perfect_square_is_exact():
    assert oracle.effective_step(4.0, 0.5, 0.5) == Fraction(1, 5)


@given(st.gradients)
def test_a_scalar_input_gives_a_0d_result_and_a_float(g):
    value = oracle.update_v(0.0, g)
    assert np.asarray(value).shape == ()
    assert isinstance(oracle.to_float(value), float)


@pytest.mark.parametrize("t", [0, -1, -100, 1.5])
def test_bias_correct_rejects_a_t_below_one_or_fractional_naming_t(t):
    with pytest.raises(ValueError, match=rf"\bt\b.*{t!r}"):
        oracle.bias_correct(0.1, t)


def test_to_float_gives_the_nearest_float64_as_an_array_or_a_float():
    thirds = np.array([Fraction(1, 3), Fraction(2, 3)], dtype=object)
    out = oracle.to_float(thirds)
    assert out.dtype == np.float64 and out.tolist() == [1 / 3, 2 / 3]
    assert oracle.to_float(np.array(Fraction(1, 3), dtype=object)) == 1 / 3


def test_update_v_keeps_one_minus_beta2_exact():
    # In float64, 1 - 0.999 is not the exact difference; the oracle must not round it.
    assert oracle.update_v(0.0, 1.0) == 1 - Fraction(0.999)


# -- the float64 reference against the oracle: correct code sits far inside the grading tolerance ----------

FAR_INSIDE = RTOL / 1000


@given(st.update_v_inputs, st.course_beta2s)
def test_the_float64_reference_update_v_is_far_inside_the_tolerance(inputs, beta2):
    v_prev, g = inputs
    got = load_reference().update_v(v_prev, g, beta2)
    assert np.allclose(got, oracle.to_float(oracle.update_v(v_prev, g, beta2)), rtol=FAR_INSIDE, atol=0)


@given(st.second_moment_arrays, st.steps, st.course_beta2s)
def test_the_float64_reference_bias_correct_is_far_inside_the_tolerance(v, t, beta2):
    expected = oracle.bias_correct(v, t, beta2)
    if not np.all(np.isfinite(oracle.to_float(expected))):
        return  # v / (1 - beta2**t) beyond float64's range: nothing a student could return
    assert np.allclose(load_reference().bias_correct(v, t, beta2), oracle.to_float(expected), rtol=FAR_INSIDE, atol=0)


@given(st.second_moment_arrays, st.alphas, st.epsilons)
def test_the_float64_reference_effective_step_is_far_inside_the_tolerance(v_hat, alpha, eps):
    got = load_reference().effective_step(v_hat, alpha, eps)
    assert np.allclose(got, oracle.to_float(oracle.effective_step(v_hat, alpha, eps)), rtol=FAR_INSIDE, atol=0)
