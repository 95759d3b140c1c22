"""The course page's worked example: every printed figure, recomputed exactly from the page's inputs."""

from decimal import Decimal

import pytest
import sympy

from autograder import page
from autograder.cases import CHECKS
from tests.conftest import load_reference

DIGITS = 40


def _decimal(x):
    """A page input as the decimal number the page writes (0.999 is 999/1000, not the float)."""
    return sympy.Rational(str(x))


def _exact_page():
    """{(quantity, parameter, t): exact sympy value} for every step of both parameters."""
    beta2, alpha, eps = _decimal(page.BETA2), _decimal(page.ALPHA), _decimal(page.EPS)
    values = {}
    for parameter, gradients in page.GRADIENTS.items():
        v = _decimal(page.V0)
        for t, g in enumerate(gradients, start=1):
            v = beta2 * v + (1 - beta2) * _decimal(g) ** 2
            v_hat = v / (1 - beta2**t)
            values["v", parameter, t] = v
            values["v_hat", parameter, t] = v_hat
            values["step", parameter, t] = alpha / (sympy.sqrt(v_hat) + eps)
    return values


EXACT = _exact_page()


def _as_decimal(value):
    return Decimal(str(sympy.N(value, DIGITS)))


def _matches_printed(value, printed, digits):
    """True when `value` rounds to `printed` at `digits` significant figures (within half a last place)."""
    shown = Decimal(printed)
    half_unit = Decimal(5).scaleb(shown.adjusted() - digits)
    return abs(_as_decimal(value) - shown) <= half_unit


@pytest.mark.parametrize("figure", page.FIGURES, ids=lambda f: f"{f.quantity}_p{f.parameter}_t{f.t}")
def test_every_printed_figure_matches_the_exact_value_at_its_printed_digits(figure):
    assert _matches_printed(EXACT[figure.quantity, figure.parameter, figure.t], figure.printed, figure.digits)


def test_the_figure_check_rejects_a_value_off_in_its_last_printed_digit():
    # Without the bias correction v_hat_2 would be 0.2439, and 123 is not 122 at three digits.
    assert not _matches_printed(EXACT["v", 1, 2], "122", 3)
    assert not _matches_printed(sympy.Rational(123), "122", 3)
    assert _matches_printed(sympy.Rational("122.4"), "122", 3)


def test_the_steps_at_t1_differ_a_hundredfold():
    ratio = EXACT["step", 2, 1] / EXACT["step", 1, 1]
    assert round(_as_decimal(ratio)) == page.STEP_RATIO_T1
    assert abs(_as_decimal(ratio) - page.STEP_RATIO_T1) < Decimal("1e-4")


@pytest.mark.parametrize("parameter", sorted(page.GRADIENTS))
def test_the_float64_reference_matches_the_exact_page_values(parameter):
    ref = load_reference()
    v = page.V0
    for t, g in enumerate(page.GRADIENTS[parameter], start=1):
        v = ref.update_v(v, g, page.BETA2)
        v_hat = ref.bias_correct(v, t, page.BETA2)
        step = ref.effective_step(v_hat, page.ALPHA, page.EPS)
        for quantity, got in (("v", v), ("v_hat", v_hat), ("step", step)):
            exact = float(sympy.N(EXACT[quantity, parameter, t], DIGITS))
            assert got == pytest.approx(exact, rel=1e-12, abs=0), (quantity, parameter, t)


@pytest.mark.parametrize(
    ("quantity", "func"), [("v", "update_v"), ("v_hat", "bias_correct"), ("step", "effective_step")]
)
def test_the_page_cases_in_the_case_table_expect_the_exact_page_values(quantity, func):
    # Page cases read item.group.name (#10): `update_v.page.p1.t2` is parameter 1's step 2 in group p1, beside
    # the group's nearby inputs (`near_a`, ...), which have no page value to match and are not looked up here.
    by_id = {c.id: c for c in CHECKS}
    printed = {(f.parameter, f.t) for f in page.FIGURES if f.quantity == quantity}
    assert {f"{func}.page.p{p}.t{t}" for p, t in printed} <= set(by_id)
    checked = 0
    for (q, parameter, t), exact in EXACT.items():
        case = by_id.get(f"{func}.page.p{parameter}.t{t}")
        if q == quantity and case is not None:
            assert case.expected == pytest.approx(float(sympy.N(exact, DIGITS)), rel=1e-12, abs=0), case.id
            checked += 1
    assert checked >= len(printed)
