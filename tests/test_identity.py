"""The bias-correction identity: a sympy proof for symbolic t and beta2, and the graded checks built on it."""

import re
import textwrap
from fractions import Fraction
from pathlib import Path

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from autograder.cases import IDENTITY
from autograder.config import GradeConfig
from autograder.judge import identity
from autograder.judge.identity import (
    NUMERIC_RTOL,
    ClosedFormCheck,
    ConstantGradientCheck,
    _close,
    closed_form,
    parse_rational,
)
from autograder.render.text import markdown
from autograder.rubric import FUNCTIONS
from autograder.sandbox.host import Host
from tests.conftest import ROOT, SUBMISSIONS, load_reference
from tests.strategies import json_values, value_replies

# -- (a) the proof -----------------------------------------------------------------------------------------

t = sympy.Symbol("t", integer=True, positive=True)
i = sympy.Symbol("i", integer=True, positive=True)
g = sympy.Symbol("g", real=True)
beta2 = sympy.Symbol("beta2")
# Every beta2 in (0, 1) is 1 / (1 + s) for one s > 0; sympy can then rule out the branch beta2 = 1.
s = sympy.Symbol("s", positive=True)


def test_the_weights_of_the_unrolled_average_sum_to_one_minus_beta2_to_the_t_for_symbolic_t_and_beta2():
    weights = (1 - beta2) * sympy.Sum(beta2 ** (t - i), (i, 1, t))
    assert sympy.simplify(weights.doit() - (1 - beta2**t)) == 0


def test_a_constant_gradient_gives_v_hat_equal_to_g_squared_for_every_symbolic_t():
    b = 1 / (1 + s)
    v_t = (1 - b) * sympy.Sum(b ** (t - i) * g**2, (i, 1, t))
    assert sympy.simplify(v_t.doit() / (1 - b**t)) == g**2


def test_the_update_rule_from_v0_zero_keeps_v_t_equal_to_g_squared_times_one_minus_beta2_to_the_t():
    """Induction on symbolic t: v_0 = 0 and one update step carries v_{t-1} to v_t of the same form."""

    def v(n):
        return g**2 * (1 - beta2**n)

    assert v(0) == 0
    assert sympy.simplify(beta2 * v(t - 1) + (1 - beta2) * g**2 - v(t)) == 0


# -- (b) the graded checks, through a real worker ---------------------------------------------------------

CLOSED = next(c for c in IDENTITY if isinstance(c, ClosedFormCheck))
CONSTANT = next(c for c in IDENTITY if isinstance(c, ConstantGradientCheck))

#: Wrong submissions whose mistake the identity checks see, and the first step t where it shows. An update_v
#: mistake fails the closed form only: the constant-gradient check follows through on the exact v_t.
WRONG_FIRST_STEP = {
    "abs_gradient": {"identity.closed_form": 1},
    "amsgrad_max": {"identity.closed_form": 4},
    "missing_pow_t": {"identity.constant_gradient": 2},
    "one_minus_beta_pow_t": {"identity.constant_gradient": 2},
    "no_bias_correction": {"identity.constant_gradient": 1},
    "weights_swapped": {"identity.closed_form": 1},
}

#: Mistakes written with plain operators, so that they take sympy symbols and fail the symbolic path.
SYMBOLIC_WRONG = {
    "symbolic_missing_pow_t": (
        """
        def update_v(v_prev, g, beta2=0.999):
            return beta2 * v_prev + (1 - beta2) * g * g

        def bias_correct(v, t, beta2=0.999):
            return v / (1 - beta2)
        """,
        {"identity.constant_gradient": 2},
    ),
    "symbolic_no_square": (
        """
        def update_v(v_prev, g, beta2=0.999):
            return beta2 * v_prev + (1 - beta2) * g

        def bias_correct(v, t, beta2=0.999):
            return v / (1 - beta2**t)
        """,
        {"identity.closed_form": 1},
    ),
}


def _run_identity(path):
    with Host(Path(path), GradeConfig(timeout=10.0, jobs=1), FUNCTIONS) as host:
        return {check.item: check.run(host.call) for check in IDENTITY}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """{submission name: {item id: Outcome}} for every submission this module looks at, each run once."""
    folder = tmp_path_factory.mktemp("symbolic_wrong")
    paths = {
        "plain_operators": SUBMISSIONS / "correct" / "plain_operators.py",
        "reference": ROOT / "solutions" / "second_moment.py",
    }
    paths.update({name: SUBMISSIONS / "wrong" / f"{name}.py" for name in WRONG_FIRST_STEP})
    for name, (source, _) in SYMBOLIC_WRONG.items():
        paths[name] = folder / f"{name}.py"
        paths[name].write_text(textwrap.dedent(source), encoding="utf-8")
    return {name: _run_identity(path) for name, path in paths.items()}


def _step_named(message):
    found = re.search(r"(?:at t = |after step |after )(\d+)", message)
    return int(found.group(1)) if found else None


@pytest.mark.parametrize("item", [CLOSED.item, CONSTANT.item])
def test_code_that_takes_sympy_symbols_passes_by_symbolic_algebra(outcomes, item):
    outcome = outcomes["plain_operators"][item]
    assert outcome.passed, markdown(outcome.message)
    assert "symbolic algebra" in outcome.about


@pytest.mark.parametrize("item", [CLOSED.item, CONSTANT.item])
def test_the_reference_which_rejects_symbols_passes_by_float_probes(outcomes, item):
    outcome = outcomes["reference"][item]
    assert outcome.passed, markdown(outcome.message)
    assert "float probes" in outcome.about


def test_the_reference_really_rejects_sympy_symbols():
    # The fallback test above means something only if the reference cannot take a Symbol.
    with pytest.raises(TypeError):
        load_reference().update_v(0.0, sympy.Symbol("g"))


@pytest.mark.parametrize("name", sorted(WRONG_FIRST_STEP) + sorted(SYMBOLIC_WRONG))
def test_a_wrong_submission_fails_exactly_the_identity_items_it_breaks_naming_the_step(outcomes, name):
    expected = WRONG_FIRST_STEP.get(name) or SYMBOLIC_WRONG[name][1]
    got = outcomes[name]
    assert {item for item, o in got.items() if not o.passed} == set(expected)
    for item, step in expected.items():
        assert _step_named(markdown(got[item].message)) == step, markdown(got[item].message)


def test_mistakes_that_take_symbols_are_judged_by_symbolic_algebra(outcomes):
    for name in SYMBOLIC_WRONG:
        # bias_correct is judged on the exact v_t first (follow-through), so only the closed form is symbolic here
        assert "symbolic algebra" in outcomes[name][CLOSED.item].about
    # The symbolic failure shows the student's own polynomial: g1 where g1^2 belongs.
    assert "your update_v gives -g1*beta2 + g1, not" in markdown(outcomes["symbolic_no_square"][CLOSED.item].message)


def test_render_poly_writes_unit_coefficients_as_signs_and_others_as_fractions():
    gens = ("g1", "beta2")
    assert identity.render_poly({(2, 0): Fraction(1), (2, 1): Fraction(-1)}, gens) == "-g1^2*beta2 + g1^2"
    assert identity.render_poly({(2, 1): Fraction(-3, 1000), (0, 0): Fraction(1)}, gens) == "-3/1000*g1^2*beta2 + 1"
    assert identity.render_poly({}, gens) == "0"


# -- the polynomial helpers ---------------------------------------------------------------------------------


def _as_sympy(poly, gens):
    symbols = sympy.symbols(gens)
    return sum(
        (sympy.Rational(c.numerator, c.denominator) * sympy.prod([x**e for x, e in zip(symbols, m)]))
        for m, c in poly.items()
    )


@pytest.mark.parametrize("steps", [1, 2, 5])
def test_closed_form_is_the_expanded_unrolled_average(steps):
    gens = tuple(f"g{k}" for k in range(1, steps + 1)) + ("beta2",)
    b = sympy.Symbol("beta2")
    gs = sympy.symbols(gens[:-1])
    expected = (1 - b) * sum(b ** (steps - k) * gs[k - 1] ** 2 for k in range(1, steps + 1))
    assert sympy.expand(_as_sympy(closed_form(steps, gens), gens) - expected) == 0


def _reply(num, den=None, gens=("g", "beta2")):
    return {"kind": "rational", "gens": list(gens), "num": num, "den": den or [[[0, 0], "1"]]}


def test_parse_rational_reads_the_workers_polynomials_exactly():
    num, den = parse_rational(_reply([[[2, 0], "1"], [[2, 1], "-3/1000"]], [[[0, 0], "2"]]), ("g", "beta2"))
    assert num == {(2, 0): Fraction(1), (2, 1): Fraction(-3, 1000)}
    assert den == {(0, 0): Fraction(2)}


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(_reply([[[2, 0], "1"]], gens=("g", "beta")), id="other gens"),
        pytest.param(_reply([[[2, 0], "1"]], gens=("beta2", "g")), id="gens in another order"),
        pytest.param({**_reply([[[2, 0], "1"]]), "kind": "not_polynomial"}, id="not a rational"),
        pytest.param(_reply([[[2.0, 0], "1"]]), id="float exponent"),
        pytest.param(_reply([[[True, 0], "1"]]), id="bool exponent"),
        pytest.param(_reply([[[-1, 0], "1"]]), id="negative exponent"),
        pytest.param(_reply([[[65, 0], "1"]]), id="huge exponent"),
        pytest.param(_reply([[[2], "1"]]), id="too few exponents"),
        pytest.param(_reply([[[2, 0], "1"]] * (identity.MAX_TERMS + 1)), id="too many terms"),
        pytest.param(_reply([[[2, 0], 1]]), id="number, not string, coefficient"),
        pytest.param(_reply([[[2, 0], "abc"]]), id="not a number"),
        pytest.param(_reply([[[2, 0], "nan"]]), id="nan"),
        pytest.param(_reply([[[2, 0], "1.5"]]), id="decimal, not p/q"),
        pytest.param(_reply([[[2, 0], "1e999999999"]]), id="exponent notation that would take minutes"),
        pytest.param(_reply([[[2, 0], "1/0"]]), id="zero denominator"),
        pytest.param(_reply([[[2, 0], "1"]], [[[0, 0], "0"]]), id="zero polynomial as denominator"),
        pytest.param(_reply([[[2, 0], "1"]], [[[0, 0], "1"], [[0, 0], "-1"]]), id="terms cancelling to zero"),
        pytest.param(_reply("g**2"), id="a string, not a term list"),
        pytest.param([[2, 0], "1"], id="not a dict"),
    ],
)
def test_parse_rational_rejects_malformed_worker_data(bad):
    assert parse_rational(bad, ("g", "beta2")) is None


def test_a_judge_step_accepts_an_equivalent_fraction_and_rejects_a_different_one():
    # g^2 (1 - b) / (1 - b) is g^2 in disguise; g^2 / (1 - b) is not.
    num = {(2, 0): Fraction(1), (2, 1): Fraction(-1)}
    den = {(0, 0): Fraction(1), (0, 1): Fraction(-1)}
    assert CONSTANT.judge_step(3, num, den) is None
    assert "t = 3" in markdown(CONSTANT.judge_step(3, {(2, 0): Fraction(1)}, den))


@given(value_replies | json_values)
def test_parse_rational_never_raises_on_any_worker_json(reply):
    parsed = parse_rational(reply, ("g", "beta2"))
    assert parsed is None or (isinstance(parsed, tuple) and len(parsed) == 2)


@given(
    st.fractions(min_value=-(10**12), max_value=10**12).filter(lambda f: f != 0),
    st.floats(min_value=-2 * NUMERIC_RTOL, max_value=2 * NUMERIC_RTOL),
    st.sampled_from([0.0, 1e-6, -1e-6, 1e-12]),
)
def test_the_float_shortcut_agrees_with_exact_arithmetic_at_the_tolerance_edge(expected, off, nudge):
    """identity._close answers from floats where it safely can: never other than exact Fractions say,
    above all for values right at the tolerance's edge (nudged by a millionth of it, or not at all)."""
    got = float(expected) * (1 + off) * (1 + nudge * NUMERIC_RTOL)
    exact = abs(Fraction(got) - expected) <= abs(expected) * Fraction(NUMERIC_RTOL)
    assert _close({"kind": "scalar", "value": got}, expected) == exact
    edge = float(expected) * (1 + NUMERIC_RTOL * (1 + nudge))
    exact_edge = abs(Fraction(edge) - expected) <= abs(expected) * Fraction(NUMERIC_RTOL)
    assert _close({"kind": "scalar", "value": edge}, expected) == exact_edge
