"""The case table covers what the page alone cannot tell apart (shared/research/misconceptions.md)."""

import numpy as np
import pytest

from autograder import oracle
from autograder.cases import CHECKS, PUBLIC_CASES
from autograder.judge.checks import Case
from autograder.rubric import FUNCTIONS, ITEMS_BY_ID

CASES = [c for c in CHECKS if isinstance(c, Case)]


def _hidden(func):
    return [c for c in CASES if c.func == func and c.hidden]


def test_every_case_expects_what_the_oracle_computes_at_its_very_inputs():
    for case in CASES:
        if case.expect == "value":
            exact = oracle.FUNCTIONS[case.func](*case.args, **case.kwargs)
            assert np.array_equal(case.expected, oracle.to_float(exact)), case.id


def test_every_case_belongs_to_an_item_of_its_own_function():
    for case in CASES:
        assert ITEMS_BY_ID[case.item].task == case.func, case.id


@pytest.mark.parametrize("func", FUNCTIONS)
def test_each_function_has_hidden_cases_beyond_the_defaults_shapes_and_types(func):
    cases = _hidden(func)
    defaults = {
        "update_v": {"beta2": 0.999},
        "bias_correct": {"beta2": 0.999},
        "effective_step": {"alpha": 0.001, "eps": 1e-8},
    }[func]
    for name, default in defaults.items():
        assert any(c.kwargs.get(name, default) != default for c in cases), f"{func}: no case with another {name}"
    ndims = {c.args[0].ndim for c in cases if isinstance(c.args[0], np.ndarray)}
    assert {1, 2} <= ndims, f"{func}: arrays of shapes {ndims}"
    assert any(isinstance(c.args[0], list) for c in cases), f"{func}: no Python list"
    assert any(c.expect == "unchanged" for c in CASES if c.func == func), f"{func}: inputs-unchanged never checked"


def test_update_v_sees_negative_zero_integer_and_0d_inputs():
    cases = _hidden("update_v")
    gradients = [np.asarray(c.args[1]) for c in cases]
    assert any(np.any(g < 0) for g in gradients) and any(np.any(g == 0) for g in gradients)
    assert any(g.dtype.kind == "i" for g in gradients) and any(isinstance(c.args[1], int) for c in cases)
    assert any(isinstance(c.args[0], np.ndarray) and c.args[0].ndim == 0 for c in cases)


def test_bias_correct_sees_t_of_3_and_later():
    assert max(c.args[1] for c in _hidden("bias_correct")) >= 1000
    assert any(c.args[1] == 3 for c in _hidden("bias_correct"))


def test_effective_step_sees_v_hat_of_zero_and_1e_16():
    values = {float(v) for c in _hidden("effective_step") for v in np.asarray(c.args[0], dtype=float).ravel()}
    assert {0.0, 1e-16} <= values


def test_the_public_cases_stay_a_minority_and_every_public_group_keeps_hidden_checks_beside_it():
    """One public check per kind with its own values (issue #10), never all of a group's checks."""
    public_values = [c for c in PUBLIC_CASES if isinstance(c, Case)]
    assert 0 < len(public_values) <= len(CASES) * 2 // 5
    for case in public_values:
        same_group = [c for c in CASES if c.item == case.item and c.group == case.group]
        assert any(c.hidden for c in same_group), case.id
