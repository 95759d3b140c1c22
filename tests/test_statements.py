"""What the grader tells students about numbers, measured: every digit and factor it prints is checked here
against the exact oracle (issue 21: "every statement exact")."""

import importlib.util
import math
from fractions import Fraction

import numpy as np
from hypothesis import given

from autograder import oracle
from autograder.cases import CHECKS
from autograder.judge import misconceptions
from autograder.judge.checks import Case
from autograder.judge.diagnosis import explained_beta2
from autograder.results import Outcome
from autograder.tolerance import FLOAT64_AGREEMENT, FLOAT64_DIGITS, RTOL, TOLERANCE_WORDS
from tests import strategies as st
from tests.conftest import ROOT

_spec = importlib.util.spec_from_file_location("reference_second_moment", ROOT / "solutions" / "second_moment.py")
reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reference)

VALUE_CASES = [c for c in CHECKS if isinstance(c, Case) and c.expect == "value"]


def _relative_error(got, exact):
    got = np.ravel(np.asarray(got, dtype=np.float64))
    exact = np.ravel(np.asarray(exact, dtype=object))
    return max(
        (float(abs((Fraction(float(g)) - e) / e)) for g, e in zip(got, exact) if e != 0 and math.isfinite(g)),
        default=0.0,
    )


def _digit(error):
    """The significant digit a relative error first shows in: 1.3e-5 is the 5th."""
    return math.floor(-math.log10(error)) + 1


def test_the_reference_agrees_with_the_exact_oracle_to_the_digits_every_text_states():
    worst = max(
        _relative_error(getattr(reference, c.func)(*c.args, **c.kwargs), oracle.FUNCTIONS[c.func](*c.args, **c.kwargs))
        for c in VALUE_CASES
    )
    assert FLOAT64_AGREEMENT / 10 < worst <= FLOAT64_AGREEMENT
    assert round(-math.log10(worst)) == FLOAT64_DIGITS
    assert f"about {FLOAT64_DIGITS} digits" in TOLERANCE_WORDS and f"{FLOAT64_AGREEMENT:.1e}" in TOLERANCE_WORDS
    assert "16 digits" not in TOLERANCE_WORDS
    assert f"about {FLOAT64_DIGITS} digits" in (ROOT / "solutions" / "second_moment.py").read_text(encoding="utf-8")


def test_float32_code_with_float32_beta2_is_off_in_the_digit_the_catalogue_says():
    entry = misconceptions.BY_ID["update_v.float32"]
    error = _relative_error(entry.wrong(0.0, 10.0), oracle.update_v(0.0, 10.0))  # the page's v_1
    assert math.isclose(error, misconceptions.FLOAT32_STEP1_ERROR, rel_tol=0.01)
    assert _digit(error) == misconceptions.FLOAT32_STEP1_DIGIT == 5
    assert f"{misconceptions.FLOAT32_STEP1_DIGIT}th significant digit" in entry.explanation
    assert error > RTOL  # "beyond the 1e-6 tolerance"
    bias = misconceptions.BY_ID["bias_correct.float32"]
    error = _relative_error(bias.wrong(np.float32(0.1), 1), oracle.bias_correct(float(np.float32(0.1)), 1))
    assert _digit(error) == misconceptions.FLOAT32_STEP1_DIGIT
    assert f"{misconceptions.FLOAT32_STEP1_DIGIT}th significant digit" in bias.explanation


def test_float32_code_with_a_float64_one_minus_beta2_passes_the_value_checks():
    v = np.float32(0.999) * np.float32(0.0) + np.float32(1 - 0.999) * np.float32(10.0) ** 2
    assert _relative_error(v, oracle.update_v(0.0, 10.0)) < RTOL


@given(st.beta2s)
def test_the_factor_printed_in_an_explanation_matches_the_beta2_it_is_for(beta2):
    stays = oracle.to_float(oracle.bias_correct(1.0, 1, beta2))  # 1 / (1 - beta2), exactly
    for entry_id in ("bias_correct.missing_pow_t", "bias_correct.twice"):
        text = misconceptions.BY_ID[entry_id].explanation_at(beta2)
        assert f"= {stays:.4g}" in text and f"beta2 = {beta2:g}" in text
    entry = misconceptions.BY_ID["bias_correct.one_minus_beta_pow_t"]
    too_big = float(entry.predict([1.0, 2], {"beta2": beta2})) / oracle.to_float(oracle.bias_correct(1.0, 2, beta2))
    assert f"= {too_big:.4g} times too big for beta2 = {beta2:g}" in entry.explanation_at(beta2)


def test_a_factor_of_1000_is_printed_only_for_beta2_0_999():
    for entry in misconceptions.CATALOGUE:
        assert "1000" in entry.explanation_at(0.999) or "1000" not in entry.explanation_at(0.9), entry.id
        assert "1000" not in entry.explanation_at(0.9), entry.id


def _failed(case):
    return case, Outcome(case.id, case.item, False, case.hidden, case.about)


def test_an_explanation_is_worked_out_for_the_beta2_of_the_checks_it_explains():
    at_09 = [c for c in VALUE_CASES if c.func == "bias_correct" and c.kwargs.get("beta2") == 0.9]
    at_default = [c for c in VALUE_CASES if c.func == "bias_correct" and "beta2" not in c.kwargs]
    assert explained_beta2("bias_correct", [_failed(at_09[0])]) == 0.9
    assert explained_beta2("bias_correct", [_failed(at_09[0]), _failed(at_default[0])]) == 0.999
    assert explained_beta2("effective_step", []) is None


def test_no_square_says_v_can_go_negative_not_that_it_always_does():
    entry = misconceptions.BY_ID["update_v.no_square"]
    assert float(entry.wrong(0.3, -0.5)) > 0 and float(entry.wrong(0.0, -0.2)) < 0
    assert "can even make v negative" in entry.explanation and "v goes negative" not in entry.explanation
