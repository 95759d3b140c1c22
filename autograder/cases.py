"""Every graded check, as data: the page's worked example first, then the cases the page cannot tell apart.

The page's numbers alone let many mistakes through (at t = 1 a missing `**t` is invisible; eps inside
the square root differs by 1e-9 at v_hat = 100; a missing square needs a negative gradient). So beyond
the page there are later steps, other betas, alpha and eps, zero and tiny v_hat, zero and negative
gradients, several shapes, lists, integers, and checks that inputs are left unchanged
(shared/research/misconceptions.md). Expected values come from the exact oracle at the very inputs sent.
A case is public (`hidden=False`) only when students see it in assignment/test_second_moment.py.
"""

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from autograder.functions import PAGE_V, PAGE_V_HAT
from autograder.judge.checks import Case, Check, Expect
from autograder.judge.identity import ClosedFormCheck, ConstantGradientCheck
from autograder.rubric import ITEMS, ITEMS_BY_ID

# The page's v_t and v_hat_t in float64, as a correct student computes them (autograder/functions.py).
V = PAGE_V  # V[1] ~ [0.1, 0.2439, 0.3076561], V[2] ~ [1e-05, 4.999e-05, 1.3994e-04]
V_HAT = PAGE_V_HAT


def _case(
    id: str,
    func: str,
    args: tuple[object, ...],
    about: str,
    kwargs: dict[str, object] | None = None,
    hidden: bool = True,
    expect: Expect = "value",
) -> Case:
    """A Case whose id reads item.group.name: the item and group come from the id."""
    parts = id.split(".")
    item, group = ".".join(parts[:2]), parts[2]
    return Case(id, item, func, args, about, kwargs or {}, hidden, expect, group)


def _arr(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    return np.array(x, dtype=np.float64)


# Page groups hold the page's inputs and nearby ones at the same beta2 (other gradients, other v_prev),
# so a table of the page's answers earns nothing. Every kind of hidden check has a public check of the
# same kind with its own values (hidden=False), so every requirement can be seen before submitting.
UPDATE_V = (
    # The page, parameter 1 (big gradients) and parameter 2 (small ones, one negative).
    _case("update_v.page.p1.t1", "update_v", (0.0, 10.0), "parameter 1, step 1", hidden=False),
    _case("update_v.page.p1.t2", "update_v", (V[1][0], 12.0), "parameter 1, step 2"),
    _case("update_v.page.p1.t3", "update_v", (V[1][1], 8.0), "parameter 1, step 3 (beyond the page)"),
    _case("update_v.page.p1.near_a", "update_v", (0.1, 11.0), "a gradient near parameter 1's"),
    _case("update_v.page.p1.near_b", "update_v", (0.25, 7.5), "another v_prev and gradient near parameter 1's"),
    _case("update_v.page.p2.t1", "update_v", (0.0, 0.1), "parameter 2, step 1"),
    _case("update_v.page.p2.t2", "update_v", (V[2][0], -0.2), "parameter 2, step 2: a negative gradient"),
    _case("update_v.page.p2.t3", "update_v", (V[2][1], 0.3), "parameter 2, step 3 (beyond the page)"),
    _case("update_v.page.p2.near_a", "update_v", (2e-05, -0.15), "a negative gradient near parameter 2's"),
    _case("update_v.page.p2.near_b", "update_v", (0.0, 0.3), "a gradient near parameter 2's, from v_0 = 0"),
    _case(
        "update_v.page.both.t1",
        "update_v",
        (np.zeros(2), _arr([10.0, 0.1])),
        "both parameters at once, step 1",
        hidden=False,
    ),
    _case(
        "update_v.page.both.t2",
        "update_v",
        (_arr([V[1][0], V[2][0]]), _arr([12.0, -0.2])),
        "both parameters at once, step 2",
    ),
    _case(
        "update_v.page.both.near", "update_v", (_arr([0.2, 3e-05]), _arr([9.0, 0.25])), "both at once, nearby inputs"
    ),
    # Beyond the page.
    _case("update_v.general.other_beta.b09", "update_v", (0.0, 10.0), "beta2 = 0.9", {"beta2": 0.9}),
    _case(
        "update_v.general.other_beta.b05", "update_v", (2.0, -3.0), "beta2 = 0.5, a negative gradient", {"beta2": 0.5}
    ),
    _case("update_v.general.other_beta.public", "update_v", (1.0, 2.0), "beta2 = 0.8", {"beta2": 0.8}, hidden=False),
    _case("update_v.general.zero_negative.zero", "update_v", (0.3, 0.0), "a zero gradient from v = 0.3"),
    _case(
        "update_v.general.zero_negative.t4_zero",
        "update_v",
        (V[1][2], 0.0),
        "parameter 1, a fourth step with gradient 0",
    ),
    _case("update_v.general.zero_negative.negative", "update_v", (0.04, -0.5), "a negative gradient"),
    _case("update_v.general.zero_negative.public_neg", "update_v", (0.5, -3.0), "a negative gradient", hidden=False),
    _case("update_v.general.zero_negative.public_zero", "update_v", (0.2, 0.0), "a zero gradient", hidden=False),
    _case(
        "update_v.general.shapes.matrix",
        "update_v",
        (_arr([[0.1, 0.2], [0.3, 0.4]]), _arr([[1.0, -2.0], [3.0, 0.0]])),
        "2-d arrays, beta2 = 0.99",
        {"beta2": 0.99},
    ),
    _case("update_v.general.shapes.zero_d", "update_v", (np.array(0.05), np.array(9.0)), "0-d arrays"),
    _case(
        "update_v.general.shapes.public_zero_d", "update_v", (np.array(0.5), np.array(-2.0)), "0-d arrays", hidden=False
    ),
    _case(
        "update_v.general.shapes.public_matrix",
        "update_v",
        (_arr([[0.0, 1.0], [0.5, 2.0]]), _arr([[1.0, -1.0], [0.0, 3.0]])),
        "2-d arrays, beta2 = 0.9",
        {"beta2": 0.9},
        hidden=False,
    ),
    # The contract: lists and integers in, float64 out, inputs unchanged (judged apart from the maths).
    _case(
        "update_v.contract.inputs.lists",
        "update_v",
        ([0.0, 0.0, 0.0], [10, 12, 8]),
        "Python lists of integers",
        expect="same",
    ),
    _case(
        "update_v.contract.inputs.int_arrays",
        "update_v",
        (np.zeros(3, dtype=np.int64), np.array([10, 12, 8])),
        "integer arrays",
        expect="same",
    ),
    _case("update_v.contract.inputs.python_ints", "update_v", (0, 10), "Python integers", expect="same"),
    _case(
        "update_v.contract.inputs.public_lists",
        "update_v",
        ([0.5, 0.0], [2, -1]),
        "Python lists",
        hidden=False,
        expect="same",
    ),
    _case("update_v.contract.inputs.public_ints", "update_v", (1, 3), "Python integers", hidden=False, expect="same"),
    _case(
        "update_v.contract.outputs.public_number",
        "update_v",
        (0.3, 1.5),
        "a number in, a float out",
        hidden=False,
        expect="container",
    ),
    _case(
        "update_v.contract.outputs.public_matrix",
        "update_v",
        (_arr([[0.1, 0.2], [0.3, 0.4]]), _arr([[1.0, 2.0], [3.0, 4.0]])),
        "a 2-d array in, a float64 array of that shape out",
        hidden=False,
        expect="container",
    ),
    _case(
        "update_v.contract.outputs.vector",
        "update_v",
        (np.zeros(3), _arr([1.0, -2.0, 3.0])),
        "a 1-d array in",
        expect="container",
    ),
    _case(
        "update_v.contract.inputs_unchanged.arrays",
        "update_v",
        (_arr([0.1, 0.2]), _arr([1.0, -2.0])),
        "two float arrays",
        expect="unchanged",
        hidden=False,
    ),
    _case(
        "update_v.contract.inputs_unchanged.matrix",
        "update_v",
        (_arr([[0.5, 0.25], [1.0, 2.0]]), _arr([[3.0, 0.0], [-1.0, 2.0]])),
        "2-d arrays, beta2 = 0.9",
        {"beta2": 0.9},
        expect="unchanged",
    ),
)

BIAS_CORRECT = (
    _case("bias_correct.page.p1.t1", "bias_correct", (V[1][0], 1), "parameter 1, t = 1", hidden=False),
    _case("bias_correct.page.p1.t2", "bias_correct", (V[1][1], 2), "parameter 1, t = 2"),
    _case("bias_correct.page.p1.near_a", "bias_correct", (0.12, 1), "a v near parameter 1's, t = 1"),
    _case("bias_correct.page.p1.near_b", "bias_correct", (0.3, 2), "a v near parameter 1's, t = 2"),
    _case("bias_correct.page.p2.t1", "bias_correct", (V[2][0], 1), "parameter 2, t = 1"),
    _case("bias_correct.page.p2.t2", "bias_correct", (V[2][1], 2), "parameter 2, t = 2 (beyond the page)"),
    _case("bias_correct.page.p2.near_a", "bias_correct", (3e-05, 1), "a v near parameter 2's, t = 1"),
    _case("bias_correct.page.p2.near_b", "bias_correct", (7e-05, 2), "a v near parameter 2's, t = 2"),
    _case("bias_correct.general.later_steps.p1_t3", "bias_correct", (V[1][2], 3), "parameter 1, t = 3"),
    _case("bias_correct.general.later_steps.t10", "bias_correct", (0.5, 10), "t = 10"),
    _case(
        "bias_correct.general.later_steps.t1000", "bias_correct", (0.04, 1000), "t = 1000, when the correction fades"
    ),
    _case("bias_correct.general.later_steps.public", "bias_correct", (0.5, 4), "t = 4", hidden=False),
    _case("bias_correct.general.other_beta.b09", "bias_correct", (10.0, 1), "beta2 = 0.9, t = 1", {"beta2": 0.9}),
    _case("bias_correct.general.other_beta.b05_t3", "bias_correct", (1.5, 3), "beta2 = 0.5, t = 3", {"beta2": 0.5}),
    _case(
        "bias_correct.general.other_beta.matrix",
        "bias_correct",
        (_arr([[0.01, 0.02], [0.5, 0.0]]), 5),
        "a 2-d array, t = 5, beta2 = 0.99",
        {"beta2": 0.99},
    ),
    _case(
        "bias_correct.general.other_beta.public",
        "bias_correct",
        (_arr([[0.2, 0.0], [0.05, 1.5]]), 4),
        "a 2-d array, t = 4, beta2 = 0.9",
        {"beta2": 0.9},
        hidden=False,
    ),
    _case(
        "bias_correct.contract.inputs.lists", "bias_correct", ([V[1][0], V[2][0]], 1), "a Python list", expect="same"
    ),
    _case("bias_correct.contract.inputs.ints", "bias_correct", (3, 2), "a Python integer v", expect="same"),
    _case(
        "bias_correct.contract.inputs.public",
        "bias_correct",
        ([0.3, 0.02], 2),
        "a Python list",
        hidden=False,
        expect="same",
    ),
    _case(
        "bias_correct.contract.inputs.public_int",
        "bias_correct",
        (2, 3),
        "a Python integer v",
        hidden=False,
        expect="same",
    ),
    _case(
        "bias_correct.contract.outputs.public_number",
        "bias_correct",
        (0.3, 3),
        "a number in, a float out",
        hidden=False,
        expect="container",
    ),
    _case(
        "bias_correct.contract.outputs.public_matrix",
        "bias_correct",
        (_arr([[0.1, 0.2]]), 2),
        "a 2-d array in, a float64 array of that shape out",
        hidden=False,
        expect="container",
    ),
    _case(
        "bias_correct.contract.outputs.vector",
        "bias_correct",
        (_arr([0.1, 0.2, 0.3]), 3),
        "a 1-d array in",
        expect="container",
    ),
    _case(
        "bias_correct.contract.inputs_unchanged.array",
        "bias_correct",
        (_arr([0.2439, 4.999e-05]), 2),
        "a float array",
        expect="unchanged",
    ),
    _case(
        "bias_correct.contract.inputs_unchanged.public",
        "bias_correct",
        (_arr([0.5, 0.1]), 3),
        "a float array",
        expect="unchanged",
        hidden=False,
    ),
)

EFFECTIVE_STEP = (
    _case("effective_step.page.p1.t1", "effective_step", (V_HAT[1][0],), "parameter 1, t = 1", hidden=False),
    _case("effective_step.page.p1.t2", "effective_step", (V_HAT[1][1],), "parameter 1, t = 2"),
    _case("effective_step.page.p1.near_a", "effective_step", (150.0,), "a v_hat near parameter 1's"),
    _case("effective_step.page.p1.near_b", "effective_step", (90.0,), "another v_hat near parameter 1's"),
    _case("effective_step.page.p2.t1", "effective_step", (V_HAT[2][0],), "parameter 2, t = 1"),
    _case(
        "effective_step.page.p2.both_t1",
        "effective_step",
        (_arr([V_HAT[1][0], V_HAT[2][0]]),),
        "both parameters at t = 1 (the 100x gap)",
    ),
    _case("effective_step.page.p2.near_a", "effective_step", (0.02,), "a v_hat near parameter 2's"),
    _case("effective_step.page.p2.near_b", "effective_step", (_arr([80.0, 0.005]),), "both at once, nearby v_hat"),
    _case("effective_step.small_v_hat.zero.default", "effective_step", (0.0,), "v_hat = 0"),
    _case(
        "effective_step.small_v_hat.zero.big_eps",
        "effective_step",
        (0.0,),
        "v_hat = 0, alpha = 0.1, eps = 0.01",
        {"alpha": 0.1, "eps": 0.01},
    ),
    _case(
        "effective_step.small_v_hat.zero.public",
        "effective_step",
        (0.0,),
        "v_hat = 0, alpha = 0.01, eps = 0.001",
        {"alpha": 0.01, "eps": 0.001},
        hidden=False,
    ),
    _case("effective_step.small_v_hat.tiny.e16", "effective_step", (1e-16,), "v_hat = 1e-16"),
    _case(
        "effective_step.small_v_hat.tiny.mixed",
        "effective_step",
        (_arr([0.0, 1e-16, 1e-12, 100.0]),),
        "an array with zero, tiny and large v_hat",
    ),
    _case("effective_step.small_v_hat.tiny.public", "effective_step", (4e-16,), "v_hat = 4e-16", hidden=False),
    _case(
        "effective_step.small_v_hat.tiny.public_eps",
        "effective_step",
        (4e-06,),
        "v_hat = 4e-6, alpha = 0.01, eps = 0.001",
        {"alpha": 0.01, "eps": 0.001},
        hidden=False,
    ),
    _case(
        "effective_step.general.alpha_eps.a01_e3",
        "effective_step",
        (100.0,),
        "alpha = 0.01 and eps = 0.001",
        {"alpha": 0.01, "eps": 1e-3},
    ),
    _case(
        "effective_step.general.alpha_eps.small",
        "effective_step",
        (0.5,),
        "alpha = 0.002 and eps = 0.0001",
        {"alpha": 0.002, "eps": 1e-4},
    ),
    _case(
        "effective_step.general.alpha_eps.public",
        "effective_step",
        (25.0,),
        "alpha = 0.05 and eps = 0.5",
        {"alpha": 0.05, "eps": 0.5},
        hidden=False,
    ),
    _case(
        "effective_step.general.shapes.matrix",
        "effective_step",
        (_arr([[4.0, 0.25], [1e-4, 9.0]]),),
        "a 2-d array, alpha = 0.1",
        {"alpha": 0.1},
    ),
    _case(
        "effective_step.general.shapes.public",
        "effective_step",
        (_arr([[1.0, 0.04], [25.0, 4e-06]]),),
        "a 2-d array",
        hidden=False,
    ),
    _case("effective_step.contract.inputs.lists", "effective_step", ([100.0, 0.01],), "a Python list", expect="same"),
    _case(
        "effective_step.contract.inputs.ints",
        "effective_step",
        (np.array([100, 4]),),
        "an integer array",
        expect="same",
    ),
    _case(
        "effective_step.contract.inputs.public_list",
        "effective_step",
        ([4.0, 0.25],),
        "a Python list",
        hidden=False,
        expect="same",
    ),
    _case(
        "effective_step.contract.inputs.public_ints",
        "effective_step",
        (np.array([16, 1]),),
        "an integer array",
        hidden=False,
        expect="same",
    ),
    _case(
        "effective_step.contract.outputs.public_number",
        "effective_step",
        (64.0,),
        "a number in, a float out",
        hidden=False,
        expect="container",
    ),
    _case(
        "effective_step.contract.outputs.public_matrix",
        "effective_step",
        (_arr([[1.0, 4.0]]),),
        "a 2-d array in, a float64 array of that shape out",
        hidden=False,
        expect="container",
    ),
    _case(
        "effective_step.contract.outputs.vector",
        "effective_step",
        (_arr([1.0, 4.0, 9.0]),),
        "a 1-d array in",
        expect="container",
    ),
    _case(
        "effective_step.contract.inputs_unchanged.array",
        "effective_step",
        (_arr([100.0, 0.01]),),
        "a float array",
        expect="unchanged",
    ),
    _case(
        "effective_step.contract.inputs_unchanged.public",
        "effective_step",
        (_arr([9.0, 0.0]),),
        "a float array",
        expect="unchanged",
        hidden=False,
    ),
)

IDENTITY = (
    ClosedFormCheck(
        "identity.closed_form.symbolic",
        "identity.closed_form",
        "unrolled from v_0 = 0 over gradients g1..g5, v_t equals the closed form",
        steps=5,
        group="closed_form",
    ),
    ConstantGradientCheck(
        "identity.constant_gradient.symbolic",
        "identity.constant_gradient",
        "a constant gradient g gives v_hat_t = g^2 for t = 1..6",
        steps=6,
        group="constant_gradient",
    ),
)

CHECKS = UPDATE_V + BIAS_CORRECT + EFFECTIVE_STEP + IDENTITY
PUBLIC_CASES = tuple(c for c in CHECKS if not c.hidden)


def checks_for(item_id: str, checks: Sequence[Check] = CHECKS) -> tuple[Check, ...]:
    return tuple(c for c in checks if c.item == item_id)


def validate(checks: Sequence[Check] = CHECKS) -> None:
    """ValueError unless ids are unique and every check names a real item and group, and every group has a check."""
    ids = [c.id for c in checks]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate check ids: {duplicates}")
    unknown = sorted({c.item for c in checks} - {item.id for item in ITEMS})
    if unknown:
        raise ValueError(f"checks name rubric items that do not exist: {unknown}")
    bad = sorted(c.id for c in checks if c.group not in {g.name for g in ITEMS_BY_ID[c.item].groups})
    if bad:
        raise ValueError(f"checks name no group of their item: {bad}")


def validate_fixed() -> None:
    """Besides `validate`: every group holds a fixed check, except the groups the term's draw fills."""
    validate(CHECKS)
    empty = [
        f"{item.id}.{g.name}"
        for item in ITEMS
        for g in item.groups
        if not g.name.startswith("drawn") and not any(c.group == g.name for c in checks_for(item.id))
    ]
    if empty:
        raise ValueError(f"rubric groups with no fixed check: {empty}")


validate_fixed()
