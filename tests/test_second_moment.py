"""Properties of the reference in solutions/second_moment.py, checked against the exact oracle.

The shared strategies (tests/strategies.py) draw the inputs; the profile in tests/conftest.py fixes the
examples (derandomized), so every run checks the same ones. Tolerances are float64's own error bounds
for each formula, not the grader's looser RTOL: the reference must be as good as float64 allows.
"""

import importlib.util
from fractions import Fraction

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as hst

from autograder import oracle
from tests import strategies as st
from tests.conftest import ROOT

_spec = importlib.util.spec_from_file_location("reference_second_moment", ROOT / "solutions" / "second_moment.py")
reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reference)

ULP = 2.0**-53
TINY = 1e-300  # g**2 of a gradient below ~1e-154 underflows: an absolute error no formula can avoid
scales = hst.integers(min_value=-20, max_value=20).map(lambda k: 2.0**k)
rational_scales = hst.fractions(min_value=Fraction(-1000), max_value=Fraction(1000)).filter(lambda c: c != 0)
constant_runs = hst.integers(min_value=1, max_value=30)


def _close(got, exact, rtol):
    return np.allclose(np.asarray(got, dtype=np.float64), oracle.to_float(exact), rtol=rtol, atol=TINY)


@given(st.update_v_inputs, st.beta2s)
def test_update_v_is_never_negative_and_matches_the_oracle_to_a_few_ulps(inputs, beta2):
    v_prev, g = inputs
    v = np.asarray(reference.update_v(v_prev, g, beta2))
    assert v.shape == v_prev.shape and np.all(v >= 0)
    assert _close(v, oracle.update_v(v_prev, g, beta2), rtol=8 * ULP)


@given(st.gradients, st.beta2s, constant_runs)
def test_a_constant_gradient_gives_v_hat_equal_to_g_squared_at_every_step(g, beta2, steps):
    exact_v, v = 0, 0.0
    for t in range(1, steps + 1):
        exact_v = oracle.update_v(exact_v, g, beta2)
        assert oracle.bias_correct(exact_v, t, beta2) == Fraction(g) ** 2  # the identity, exactly
        v = reference.update_v(v, g, beta2)
        v_hat = reference.bias_correct(v, t, beta2)
        # float64 loses digits in 1 - beta2**t when beta2**t is near 1, and a little at every step
        bound = 4 * t * ULP * (1 + beta2**t / (1 - beta2**t))
        assert np.isclose(v_hat, g * g, rtol=max(bound, 16 * ULP), atol=TINY)


@given(st.update_v_inputs, st.beta2s, rational_scales)
def test_update_v_scales_with_the_square_of_the_gradient_exactly(inputs, beta2, c):
    v_prev, g = inputs
    scaled = oracle.update_v(oracle.exact(v_prev) * c**2, oracle.exact(g) * c, beta2)
    assert np.all(scaled == oracle.update_v(v_prev, g, beta2) * c**2)


@given(st.update_v_inputs, st.beta2s, scales)
def test_the_reference_update_v_scales_bit_for_bit_by_powers_of_two(inputs, beta2, c):
    v_prev, g = inputs
    # Scaling by 2^k is exact unless a term falls into the subnormal range, where bits are lost.
    small = min(1.0, c * c)
    for term in (beta2 * v_prev * small, (1 - beta2) * g * g * small, g * min(1.0, c)):
        assume(np.all((term == 0) | (np.abs(term) >= 1e-290)))
    scaled = reference.update_v(v_prev * c**2, g * c, beta2)
    assert np.array_equal(np.asarray(scaled), np.asarray(reference.update_v(v_prev, g, beta2)) * c**2)


@given(st.second_moments, st.second_moments, st.alphas, st.epsilons)
def test_effective_step_falls_as_v_hat_grows(a, b, alpha, eps):
    low, high = min(a, b), max(a, b)
    assert reference.effective_step(low, alpha, eps) >= reference.effective_step(high, alpha, eps)
    if low < high:
        assert oracle.effective_step(low, alpha, eps) > oracle.effective_step(high, alpha, eps)


@given(st.second_moment_arrays, st.alphas, st.epsilons)
def test_effective_step_matches_the_oracle_to_a_few_ulps(v_hat, alpha, eps):
    assert _close(reference.effective_step(v_hat, alpha, eps), oracle.effective_step(v_hat, alpha, eps), rtol=8 * ULP)


@given(st.second_moment_arrays, st.steps, st.beta2s)
def test_bias_correct_matches_the_oracle_within_the_conditioning_of_one_minus_beta2_to_the_t(v, t, beta2):
    bound = 4 * ULP * (1 + beta2**t / (1 - beta2**t))
    assert _close(reference.bias_correct(v, t, beta2), oracle.bias_correct(v, t, beta2), rtol=bound)


@given(st.update_v_inputs, st.beta2s, st.steps, st.alphas, st.epsilons)
def test_every_function_works_elementwise_on_any_shape(inputs, beta2, t, alpha, eps):
    v_prev, g = inputs
    outputs = {
        "update_v": (reference.update_v(v_prev, g, beta2), lambda i: reference.update_v(v_prev[i], g[i], beta2)),
        "bias_correct": (
            reference.bias_correct(v_prev, t, beta2),
            lambda i: reference.bias_correct(v_prev[i], t, beta2),
        ),
        "effective_step": (
            reference.effective_step(v_prev, alpha, eps),
            lambda i: reference.effective_step(v_prev[i], alpha, eps),
        ),
    }
    for whole, one in outputs.values():
        whole = np.asarray(whole)
        assert whole.shape == v_prev.shape and whole.dtype == np.float64
        for index in np.ndindex(v_prev.shape):
            assert whole[index] == one(index) or (np.isnan(whole[index]) and np.isnan(one(index)))


@given(st.update_v_inputs, st.beta2s)
def test_the_reference_leaves_its_inputs_unchanged(inputs, beta2):
    v_prev, g = inputs
    before = (v_prev.copy(), g.copy())
    reference.update_v(v_prev, g, beta2)
    reference.bias_correct(v_prev, 3, beta2)
    reference.effective_step(v_prev)
    assert np.array_equal(v_prev, before[0]) and np.array_equal(g, before[1])
