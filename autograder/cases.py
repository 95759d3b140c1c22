"""Every graded check, as data: the page's worked example first, then the cases the page cannot tell apart.

The page's numbers alone let many mistakes through (at t = 1 a missing `**t` is invisible; eps inside
the square root differs by 1e-9 at v_hat = 100; a missing square needs a negative gradient). So beyond
the page there are later steps, other betas, alpha and eps, zero and tiny v_hat, zero and negative
gradients, several shapes, lists, integers, and checks that inputs are left unchanged
(shared/research/misconceptions.md). Expected values come from the exact oracle at the very inputs sent.
A case is public (`hidden=False`) only when students see it in assignment/test_second_moment.py.
"""

import numpy as np

from autograder.checks import Case
from autograder.identity import ClosedFormCheck, ConstantGradientCheck
from autograder.page import GRADIENTS
from autograder.rubric import ITEMS


def _page_v():
    """The page's v_t for each parameter, computed in float64 the way a correct student computes them."""
    out = {}
    for param, grads in GRADIENTS.items():
        v, seq = 0.0, []
        for g in grads:
            v = 0.999 * v + (1 - 0.999) * g**2
            seq.append(v)
        out[param] = seq
    return out


V = _page_v()  # V[1] ~ [0.1, 0.2439, 0.3076561], V[2] ~ [1e-05, 4.999e-05, 1.3994e-04]
V_HAT = {p: [v / (1 - 0.999**t) for t, v in enumerate(vs, start=1)] for p, vs in V.items()}

UPDATE_V = (
    # The page, parameter 1 (big gradients) and parameter 2 (small ones, one negative).
    Case("update_v.page.p1_t1", "update_v.page", "update_v", (0.0, 10.0), "parameter 1, step 1", hidden=False),
    Case("update_v.page.p1_t2", "update_v.page", "update_v", (V[1][0], 12.0), "parameter 1, step 2"),
    Case("update_v.page.p1_t3", "update_v.page", "update_v", (V[1][1], 8.0), "parameter 1, step 3"),
    Case("update_v.page.p2_t1", "update_v.page", "update_v", (0.0, 0.1), "parameter 2, step 1"),
    Case("update_v.page.p2_t2", "update_v.page", "update_v", (V[2][0], -0.2), "parameter 2, step 2: a negative gradient"),
    Case("update_v.page.p2_t3", "update_v.page", "update_v", (V[2][1], 0.3), "parameter 2, step 3"),
    Case(
        "update_v.page.both_t1", "update_v.page", "update_v", (np.zeros(2), np.array([10.0, 0.1])),
        "both parameters at once, step 1", hidden=False,
    ),
    # Beyond the page.
    Case("update_v.general.beta_09", "update_v.general", "update_v", (0.0, 10.0), "beta2 = 0.9", {"beta2": 0.9}),
    Case("update_v.general.beta_05", "update_v.general", "update_v", (2.0, -3.0), "beta2 = 0.5, a negative gradient", {"beta2": 0.5}),
    Case("update_v.general.zero_grad", "update_v.general", "update_v", (0.3, 0.0), "a zero gradient from v = 0.3"),
    Case("update_v.general.t4_zero_grad", "update_v.general", "update_v", (V[1][2], 0.0), "parameter 1, a fourth step with gradient 0"),
    Case(
        "update_v.general.matrix", "update_v.general", "update_v",
        (np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([[1.0, -2.0], [3.0, 0.0]])), "2-d arrays, beta2 = 0.99",
        {"beta2": 0.99},
    ),
    Case("update_v.general.zero_d", "update_v.general", "update_v", (np.array(0.0), np.array(10.0)), "0-d arrays"),
    Case("update_v.general.lists", "update_v.general", "update_v", ([0.0, 0.0, 0.0], [10, 12, 8]), "Python lists of integers"),
    Case(
        "update_v.general.int_arrays", "update_v.general", "update_v", (np.zeros(3, dtype=np.int64), np.array([10, 12, 8])),
        "integer arrays",
    ),
    Case("update_v.general.python_ints", "update_v.general", "update_v", (0, 10), "Python integers"),
    Case(
        "update_v.inputs_unchanged.arrays", "update_v.inputs_unchanged", "update_v",
        (np.array([0.1, 0.2]), np.array([1.0, -2.0])), "two float arrays", expect="unchanged", hidden=False,
    ),
    Case(
        "update_v.inputs_unchanged.matrix", "update_v.inputs_unchanged", "update_v",
        (np.array([[0.5, 0.25], [1.0, 2.0]]), np.array([[3.0, 0.0], [-1.0, 2.0]])), "2-d arrays, beta2 = 0.9",
        {"beta2": 0.9}, expect="unchanged",
    ),
)

BIAS_CORRECT = (
    Case("bias_correct.page.p1_t1", "bias_correct.page", "bias_correct", (V[1][0], 1), "parameter 1, t = 1", hidden=False),
    Case("bias_correct.page.p1_t2", "bias_correct.page", "bias_correct", (V[1][1], 2), "parameter 1, t = 2"),
    Case("bias_correct.page.p2_t1", "bias_correct.page", "bias_correct", (V[2][0], 1), "parameter 2, t = 1"),
    Case("bias_correct.page.p2_t2", "bias_correct.page", "bias_correct", (V[2][1], 2), "parameter 2, t = 2"),
    Case("bias_correct.general.p1_t3", "bias_correct.general", "bias_correct", (V[1][2], 3), "parameter 1, t = 3"),
    Case("bias_correct.general.t10", "bias_correct.general", "bias_correct", (0.5, 10), "t = 10"),
    Case("bias_correct.general.t1000", "bias_correct.general", "bias_correct", (0.04, 1000), "t = 1000, when the correction fades"),
    Case("bias_correct.general.beta_09", "bias_correct.general", "bias_correct", (10.0, 1), "beta2 = 0.9, t = 1", {"beta2": 0.9}),
    Case("bias_correct.general.beta_05_t3", "bias_correct.general", "bias_correct", (1.5, 3), "beta2 = 0.5, t = 3", {"beta2": 0.5}),
    Case(
        "bias_correct.general.matrix", "bias_correct.general", "bias_correct",
        (np.array([[0.01, 0.02], [0.5, 0.0]]), 5), "a 2-d array, t = 5, beta2 = 0.99", {"beta2": 0.99},
    ),
    Case("bias_correct.general.lists", "bias_correct.general", "bias_correct", ([V[1][0], V[2][0]], 1), "a Python list"),
    Case(
        "bias_correct.general.unchanged", "bias_correct.general", "bias_correct", (np.array([0.2439, 4.999e-05]), 2),
        "a float array", expect="unchanged",
    ),
)

EFFECTIVE_STEP = (
    Case("effective_step.page.p1_t1", "effective_step.page", "effective_step", (V_HAT[1][0],), "parameter 1, t = 1", hidden=False),
    Case("effective_step.page.p1_t2", "effective_step.page", "effective_step", (V_HAT[1][1],), "parameter 1, t = 2"),
    Case("effective_step.page.p2_t1", "effective_step.page", "effective_step", (V_HAT[2][0],), "parameter 2, t = 1"),
    Case(
        "effective_step.page.both_t1", "effective_step.page", "effective_step", (np.array([V_HAT[1][0], V_HAT[2][0]]),),
        "both parameters at t = 1 (the 100x gap)",
    ),
    Case("effective_step.small_v_hat.zero", "effective_step.small_v_hat", "effective_step", (0.0,), "v_hat = 0"),
    Case("effective_step.small_v_hat.tiny", "effective_step.small_v_hat", "effective_step", (1e-16,), "v_hat = 1e-16"),
    Case(
        "effective_step.small_v_hat.mixed", "effective_step.small_v_hat", "effective_step",
        (np.array([0.0, 1e-16, 1e-12, 100.0]),), "an array with zero, tiny and large v_hat",
    ),
    Case(
        "effective_step.general.alpha_eps", "effective_step.general", "effective_step", (100.0,),
        "alpha = 0.01 and eps = 0.001", {"alpha": 0.01, "eps": 1e-3},
    ),
    Case(
        "effective_step.general.big_eps_zero", "effective_step.general", "effective_step", (0.0,),
        "v_hat = 0, alpha = 0.1, eps = 0.01", {"alpha": 0.1, "eps": 0.01},
    ),
    Case(
        "effective_step.general.matrix", "effective_step.general", "effective_step",
        (np.array([[4.0, 0.25], [1e-4, 9.0]]),), "a 2-d array, alpha = 0.1", {"alpha": 0.1},
    ),
    Case("effective_step.general.lists", "effective_step.general", "effective_step", ([100.0, 0.01],), "a Python list"),
    Case("effective_step.general.ints", "effective_step.general", "effective_step", (np.array([100, 4]),), "an integer array"),
    Case(
        "effective_step.general.unchanged", "effective_step.general", "effective_step", (np.array([100.0, 0.01]),),
        "a float array", expect="unchanged",
    ),
)

IDENTITY = (
    ClosedFormCheck(
        "identity.closed_form.symbolic", "identity.closed_form",
        "unrolled from v_0 = 0 over gradients g1..g5, v_t equals the closed form", steps=5,
    ),
    ConstantGradientCheck(
        "identity.constant_gradient.symbolic", "identity.constant_gradient",
        "a constant gradient g gives v_hat_t = g^2 for t = 1..6", steps=6,
    ),
)

CHECKS = UPDATE_V + BIAS_CORRECT + EFFECTIVE_STEP + IDENTITY
PUBLIC_CASES = tuple(c for c in CHECKS if not c.hidden)


def checks_for(item_id):
    return tuple(c for c in CHECKS if c.item == item_id)


def _validate():
    ids = [c.id for c in CHECKS]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate check ids: {duplicates}")
    empty = [item.id for item in ITEMS if not checks_for(item.id)]
    if empty:
        raise ValueError(f"rubric items with no check: {empty}")
    unknown = sorted({c.item for c in CHECKS} - {item.id for item in ITEMS})
    if unknown:
        raise ValueError(f"checks name rubric items that do not exist: {unknown}")


_validate()
