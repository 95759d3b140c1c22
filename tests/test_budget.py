"""The one Budget every limit derived from --timeout comes from: pure arithmetic, tested without a process."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.sandbox import budget as budgets
from autograder.sandbox.budget import Budget

FUNCTIONS = ("update_v", "bias_correct", "effective_step")


def test_a_submission_has_functions_plus_one_timeouts_and_each_call_one():
    budget = Budget(5.0, FUNCTIONS)
    assert budget.total == 20.0 and budget.call_limit == 5.0
    assert budget.for_call(["update_v"]) == 5.0 and budget.for_load() == 5.0
    assert budget.cpu_seconds == 22  # RLIMIT_CPU: the whole submission, and a margin


def test_a_function_has_one_timeout_over_all_its_calls():
    budget = Budget(1.0, FUNCTIONS)
    for _ in range(3):
        budget.charge(["update_v"], 0.3)
    assert budget.for_call(["update_v"]) == pytest.approx(0.1)
    assert budget.for_call(["update_v", "bias_correct"]) == pytest.approx(0.1)  # the most spent of them
    assert budget.for_call(["bias_correct"]) == 1.0
    budget.charge(["update_v"], 0.5)
    assert budget.for_call(["update_v"]) == 0.0  # never negative


def test_time_waiting_for_a_cpu_is_charged_to_the_submission_but_not_to_the_function():
    budget = Budget(1.0, FUNCTIONS)
    budget.charge(["update_v"], 0.9, starved=0.6)
    assert budget.for_call(["update_v"]) == pytest.approx(0.7)
    assert budget.total_spent == pytest.approx(0.9)


def test_loads_and_calls_share_what_the_submission_has_in_all():
    budget = Budget(2.0, FUNCTIONS)
    for _ in range(3):
        budget.charge_load(2.0)
    assert budget.for_load() == pytest.approx(2.0)
    budget.charge_load(1.5)
    assert budget.for_load() == pytest.approx(0.5) and budget.cut_short(budget.for_load())
    assert budget.for_call(["effective_step"]) == pytest.approx(0.5)  # a fresh function, but 0.5 s left
    assert not budget.cut_short(2.0)
    budget.charge_load(1.0)
    assert budget.for_load() == 0.0 and budget.for_call(["bias_correct"]) == 0.0


def test_the_reserve_keeps_back_half_a_timeout_of_each_other_function_not_broken():
    budget = Budget(2.0, FUNCTIONS)
    assert budget.reserve(["update_v"], broken=()) == pytest.approx(2 * budgets.RESERVE * 2.0)
    assert budget.reserve(["update_v"], broken={"bias_correct"}) == pytest.approx(budgets.RESERVE * 2.0)
    budget.charge(["effective_step"], 1.8)
    assert budget.reserve(["update_v"], broken=()) == pytest.approx(1.0 + 0.2)  # only what it has left


def test_credit_comes_a_step_at_a_time_within_what_is_left():
    budget = Budget(1.0, FUNCTIONS)  # 4 s in all
    assert budget.credit(starved=3.0, credited=0.0, waited=1.0, reserve=0.0) == budgets.CREDIT_STEP
    assert budget.credit(starved=3.0, credited=2.9, waited=1.0, reserve=0.0) == pytest.approx(0.1)
    assert budget.credit(starved=3.0, credited=0.0, waited=3.9, reserve=0.0) == pytest.approx(0.1)
    assert budget.credit(starved=3.0, credited=0.0, waited=3.0, reserve=1.0) <= 0.0


def test_only_a_guest_that_mostly_waited_for_a_cpu_earns_credit_and_a_hog_none():
    assert Budget.earned(0.25, starved=0.5, waited=1.0)
    assert not Budget.earned(0.25, starved=0.2, waited=1.0)  # it mostly slept
    assert not Budget.earned(budgets.MIN_CREDIT, starved=1.0, waited=1.0)
    assert Budget.hogging(cpu_used=1.6, seconds=1.0) and not Budget.hogging(cpu_used=1.0, seconds=1.0)


@given(
    st.floats(0.1, 10.0),
    st.lists(st.tuples(st.sampled_from(FUNCTIONS + ("load",)), st.floats(0.0, 5.0), st.floats(0.0, 1.0))),
)
def test_whatever_is_spent_no_limit_is_negative_or_past_its_bound(timeout, spends):
    budget = Budget(timeout, FUNCTIONS)
    for what, seconds, starved_share in spends:
        if what == "load":
            budget.charge_load(seconds)
        else:
            budget.charge([what], seconds, starved=seconds * starved_share)
        left = budget.total - budget.total_spent
        assert 0.0 <= budget.for_load() <= min(timeout, max(0.0, left))
        for name in FUNCTIONS:
            assert 0.0 <= budget.for_call([name]) <= min(timeout, max(0.0, left))
