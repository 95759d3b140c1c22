"""The grading model of rubric.md, one test per principle, on the corpus in tests/submissions/fair/."""

import json
import subprocess
import sys

import numpy as np
import pytest

from autograder import outdir, randomized, terms
from autograder.cases import CHECKS, PUBLIC_CASES
from autograder.config import GradeConfig
from autograder.discover import discover
from autograder.grading import grade_batch, nearby
from autograder.judge.checks import Case
from autograder.judge.compare import how_far, judge_value
from autograder.page import GRADIENTS
from autograder.render import feedback, gradescope
from autograder.render.text import markdown
from autograder.results import ItemResult, Outcome
from autograder.rubric import FUNCTIONS, GRADING_MODEL, ITEMS, ITEMS_BY_ID, MAX_SCORE
from tests.conftest import ROOT, SUBMISSIONS

FAIR = SUBMISSIONS / "fair"
CASES = [c for c in CHECKS if isinstance(c, Case)]


@pytest.fixture(scope="module")
def graded():
    results = grade_batch(discover([FAIR]), GradeConfig(timeout=3.0))
    return {r.student: r for r in results}


def _lost(result):
    return {r.item.id: r.item.points - r.score for r in result.items if r.score < r.item.points}


# -- the maths decides the grade --------------------------------------------------------------------------


def test_contract_items_are_at_most_10_of_the_100_points():
    assert MAX_SCORE == 100
    assert sum(i.points for i in ITEMS if i.kind == "contract") <= 10


@pytest.mark.parametrize("student", ["atleast_1d", "returns_lists", "no_asarray", "int_truncation"])
def test_right_maths_in_the_wrong_container_loses_only_contract_points(student, graded):
    lost = _lost(graded[student])
    assert lost and all(ITEMS_BY_ID[item].kind == "contract" for item in lost)
    assert sum(lost.values()) <= 10


def test_a_shape_1_array_and_a_list_count_as_the_values_they_hold():
    assert judge_value({"kind": "array", "shape": [1], "dtype": "float64", "data": [0.1]}, 0.1) is None
    assert (
        judge_value({"kind": "list", "shape": [2], "dtype": "float64", "data": [0.1, 1e-05]}, np.array([0.1, 1e-05]))
        is None
    )
    assert judge_value({"kind": "array", "shape": [], "dtype": "float64", "data": 0.1}, 0.1) is None


def _float64_input(x):
    return (isinstance(x, float) and not isinstance(x, bool)) or (isinstance(x, np.ndarray) and x.dtype == np.float64)


def test_value_items_hold_float64_inputs_only_and_lists_and_integers_sit_in_the_contract():
    for case in CASES + list(randomized.graded(terms.current().seed)):
        data = case.args[:1] if case.func == "bias_correct" else case.args  # t is a count, not data
        if ITEMS_BY_ID[case.item].kind == "value":
            assert all(_float64_input(a) for a in data), case.id
        if not all(_float64_input(a) for a in data):
            assert ITEMS_BY_ID[case.item].kind == "contract", case.id


# -- a slip costs once ------------------------------------------------------------------------------------


@pytest.mark.parametrize("student", ["abs_g", "g_abs_g", "swapped_weights"])
def test_an_update_v_slip_costs_update_v_s_points_only(student, graded):
    result = graded[student]
    assert set(_lost(result)) <= {"update_v.page", "update_v.general", "update_v.contract", "identity.closed_form"}
    assert result.item("identity.constant_gradient").passed
    assert "because your update_v is not right" in result.item("identity.constant_gradient").outcomes[0].about


def test_each_function_s_maths_is_worth_the_same():
    worth = {
        f: sum(i.points for i in ITEMS if (i.kind == "value" and i.task == f) or (i.kind == "identity" and i.gate == f))
        for f in FUNCTIONS
    }
    assert len(set(worth.values())) == 1, worth


# -- partial credit within an item ------------------------------------------------------------------------


def test_an_item_earns_the_points_of_each_group_whose_checks_all_pass():
    item = ITEMS_BY_ID["effective_step.small_v_hat"]
    outcomes = tuple(
        Outcome(f"{item.id}.{g.name}.x", item.id, g.name == "zero", True, "", group=g.name) for g in item.groups
    )
    result = ItemResult(item, outcomes)
    assert result.score == item.group("zero").points and not result.passed


def test_a_tiny_v_hat_slip_keeps_the_zero_v_hat_group(graded):
    item = graded["eps2_inside"].item("effective_step.small_v_hat")
    assert 0 < item.score < item.item.points


def test_drawn_cases_count_as_one_group_per_kind_so_a_draw_cannot_swing_a_grade():
    for seed in (1, 2, terms.current().seed):
        for case in randomized.graded(seed):
            item = ITEMS_BY_ID[case.item]
            assert case.group.startswith("drawn") or (item.kind == "contract" and case.group == "inputs"), case.id
    drawn = [g for i in ITEMS for g in i.groups if g.name.startswith("drawn")]
    assert drawn and max(g.points for g in drawn) <= 3


# -- visibility per group on Gradescope -------------------------------------------------------------------


def test_a_group_with_a_public_check_is_visible_and_a_hidden_one_waits_for_the_due_date(graded):
    public_groups = {(c.item, c.group) for c in PUBLIC_CASES}
    tests = gradescope.render(graded["correct_docstring"])["tests"]
    numbers = {
        ITEMS_BY_ID[i].group_number(g): (i, g) for i in ITEMS_BY_ID for g in [x.name for x in ITEMS_BY_ID[i].groups]
    }
    assert len(tests) == sum(len(i.groups) for i in ITEMS)
    for test in tests:
        visible = numbers[test["number"]] in public_groups
        assert test["visibility"] == ("visible" if visible else "after_due_date"), test["number"]
    assert sum(t["score"] for t in tests) == 100


# -- terms already released keep working ------------------------------------------------------------------


def test_a_term_released_before_the_regrouping_verifies_and_draws_the_same_calls():
    term = terms.read(ROOT / "autograder" / "term.json")  # written before the regrouping: still verifies
    drawn, placed = randomized.cases(term.seed), randomized.graded(term.seed)
    assert [(c.func, repr(c.args), c.kwargs) for c in drawn] == [(c.func, repr(c.args), c.kwargs) for c in placed]
    assert (
        terms.manifest(term)["fingerprint"]
        == json.loads((ROOT / "autograder" / "term.json").read_text())["fingerprint"]
    )


# -- hard-coding the page does not pay ---------------------------------------------------------------------


def _page_inputs():
    return {float(g) for grads in GRADIENTS.values() for g in grads}


def test_every_group_with_page_inputs_also_holds_nearby_inputs():
    for item in ITEMS:
        if not item.id.endswith(".page"):
            continue
        for group in item.groups:
            cases = [c for c in CASES if c.item == item.id and c.group == group.name]
            assert any("near" in c.id for c in cases), f"{item.id}.{group.name}"


def test_a_table_of_the_page_s_answers_earns_nothing(graded):
    assert graded["lookup_table"].score == 0


# -- nothing for nothing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("student", ["return_zero", "return_nan", "return_input", "lookup_table"])
def test_a_function_that_passes_none_of_its_value_checks_earns_none_of_its_items(student, graded):
    result = graded[student]
    assert result.score == 0
    assert "nothing for nothing" in feedback.render(result)


def test_a_table_of_the_public_checks_answers_earns_nothing(graded):
    result = graded["public_answers_only"]
    assert result.score == 0
    assert "nothing for nothing" in feedback.render(result)


def test_a_public_check_is_vouched_for_by_the_same_call_with_its_numbers_moved():
    public = next(c for c in CASES if not c.hidden and c.func == "bias_correct" and c.expect == "value")
    moved = nearby(public)
    assert moved.hidden and moved.id == public.id + ".nearby" and moved.kwargs == public.kwargs
    assert moved.args[1] == public.args[1]  # t, a count, is not moved
    assert not np.allclose(np.asarray(moved.expected), np.asarray(public.expected), rtol=1e-3)


def test_a_hard_coded_beta_keeps_its_contract_from_a_public_check_that_holds_nearby(tmp_path):
    path = tmp_path / "second_moment.py"
    path.write_text(
        "import numpy as np\n\ndef update_v(v_prev, g, beta2=0.999):\n"
        "    return 0.9 * np.asarray(v_prev, dtype=float) + 0.1 * np.asarray(g, dtype=float) ** 2\n"
    )
    (result,) = grade_batch(discover([path]), GradeConfig(timeout=3.0))
    assert result.item("update_v.contract").passed


def test_a_record_graded_under_another_grading_model_is_graded_again():
    key = outdir.rubric_key()
    assert key[0] == ["grading model", GRADING_MODEL]
    record = outdir.Record(None, "sha", "term", 1, key[1:])  # the key before the model had a version
    assert not record.fits("sha", "term", 1)
    assert outdir.Record(None, "sha", "term", 1, key).fits("sha", "term", 1)


def test_a_stub_earns_nothing_from_its_contract_or_identity_items(graded):
    result = graded["update_only"]
    for item in ("bias_correct.contract", "effective_step.contract", "identity.constant_gradient"):
        assert result.item(item).score == 0
    assert result.item("update_v.contract").score == ITEMS_BY_ID["update_v.contract"].points
    assert result.item("identity.closed_form").passed


# -- symbols and numbers must agree ----------------------------------------------------------------------


def test_the_closed_form_for_symbols_alone_does_not_earn_the_identity(graded):
    item = graded["symbols_only"].item("identity.constant_gradient")
    assert not item.passed


# -- tolerance, said in coarse bands -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("got", "want", "words"),
    [
        (122.0, 122.011, "agrees to 3 or more significant digits"),
        (0.01, 0.1, "10 to 1000 times too small"),
        (5.0, 1.0, "2 to 10 times too large"),
        (-1.0, 1.0, "wrong sign"),
        (1.5, 1.0, "too large by less than a factor of 2"),
        (1.05, 1.0, "within 10%"),
    ],
)
def test_a_wrong_value_says_roughly_how_far_off_it_is(got, want, words):
    assert words in how_far(np.array(got), np.array(want))


def test_the_bands_never_print_the_expected_value():
    message = markdown(judge_value({"kind": "scalar", "dtype": "float64", "value": 3.7}, 12.3456789))
    assert "12.3" not in message and "3.7" in message


# -- every requirement is visible before submitting -----------------------------------------------------


def _kinds(case):
    """The kinds of input a case sends, as issue #10 lists them."""
    kinds, args, kw = set(), case.args, case.kwargs
    for a in args[:2] if case.func == "update_v" else args[:1]:
        if isinstance(a, list):
            kinds.add("list")
        if isinstance(a, int) or (isinstance(a, np.ndarray) and a.dtype.kind in "iu"):
            kinds.add("integer")
        if isinstance(a, np.ndarray) and a.ndim in (0, 2):
            kinds.add(f"{a.ndim}-d")
    if case.func == "update_v" and case.expect == "value":
        g = np.asarray(args[1], dtype=float)
        kinds |= {"negative gradient"} if np.any(g < 0) else set()
        kinds |= {"zero gradient"} if np.any(g == 0) else set()
    if case.func == "bias_correct" and args[1] >= 3:
        kinds.add("t >= 3")
    if kw.get("beta2", 0.999) != 0.999:
        kinds.add("another beta2")
    if case.func == "effective_step" and case.expect == "value":
        v = np.asarray(args[0], dtype=float)
        if np.any(v == 0):
            kinds.add("zero v_hat")
        if np.any((v > 0) & (v < 1e-5)):
            kinds.add("tiny v_hat")
        if kw:
            kinds.add("other alpha or eps")
    if case.expect == "unchanged":
        kinds.add(f"unchanged {case.func}")
    return {f"{case.func}: {k}" for k in kinds}


def test_every_kind_of_hidden_check_has_a_public_check_with_its_own_values():
    hidden = [c for c in CASES if c.hidden]
    public = [c for c in PUBLIC_CASES if isinstance(c, Case)]
    missing = set().union(*map(_kinds, hidden)) - set().union(*map(_kinds, public))
    assert not missing
    hidden_calls = {(c.func, repr(c.args), repr(c.kwargs)) for c in hidden}
    assert not [c.id for c in public if (c.func, repr(c.args), repr(c.kwargs)) in hidden_calls]


@pytest.mark.slow
@pytest.mark.parametrize("student", ["eps2_inside", "max_eps", "math_sqrt", "no_asarray", "g_abs_g"])
def test_the_five_files_that_used_to_pass_every_public_check_now_fail_one(student, tmp_path):
    (tmp_path / "second_moment.py").write_bytes((FAIR / f"{student}.py").read_bytes())
    (tmp_path / "test_second_moment.py").write_bytes((ROOT / "assignment" / "test_second_moment.py").read_bytes())
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stdout


def test_a_results_property_is_worked_out_once_even_on_a_frozen_dataclass():
    """results.once: the first read works the value out and keeps it; later reads return the same object."""
    from dataclasses import dataclass

    from autograder.results import once

    calls = []

    @dataclass(frozen=True)
    class Frozen:
        x: int

        @once
        def doubled(self) -> list[int]:
            calls.append(self.x)
            return [2 * self.x]

    frozen = Frozen(3)
    assert frozen.doubled == [6] and frozen.doubled is frozen.doubled
    assert calls == [3] and isinstance(Frozen.doubled, once)
    assert Frozen(3) == frozen  # the kept value is not a field


def test_every_computed_property_of_a_result_is_worked_out_once_the_twins_alike():
    """GroupResult, ItemResult and SubmissionResult keep each computed value with results.once, one idiom:
    an item's passed, score, hidden and failures as its groups' (bench/results_properties.py measures why)."""
    from autograder.results import GroupResult, ItemResult, SubmissionResult, once

    kinds = {
        (cls.__name__, name): type(attr).__name__
        for cls in (GroupResult, ItemResult, SubmissionResult)
        for name, attr in vars(cls).items()
        if isinstance(attr, (property, once))
    }
    # a constant, and a list a caller may change: worked out on each read
    assert {key for key, kind in kinds.items() if kind != "once"} == {
        ("SubmissionResult", "max_score"),
        ("SubmissionResult", "misconceptions"),
    }
    assert {name for cls, name in kinds if cls == "ItemResult"} == {"groups", "passed", "score", "hidden", "failures"}
