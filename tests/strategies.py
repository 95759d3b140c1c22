"""Shared, named hypothesis strategies for the three functions' inputs.

Magnitudes are bounded so that every formula stays a normal, finite float64 (g**2 and alpha / eps
included): the tests check the arithmetic, not overflow or underflow. Zero, negative zero and tiny
values stay in, because those are where a wrong implementation and the oracle part ways.
"""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

_magnitudes = st.floats(min_value=1e-100, max_value=1e6)

#: Gradients: finite float64, negatives and zero included; magnitudes between 1e-100 and 1e6, so that
#: g**2 and the steps built on it are normal float64 numbers (no overflow, no subnormal underflow).
gradients = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e-8, -1e-8]),
    _magnitudes,
    _magnitudes.map(lambda x: -x),
)

#: Second moments v (and bias-corrected v_hat): finite float64 >= 0, zero and tiny values included.
second_moments = st.one_of(
    st.sampled_from([0.0, 1e-16, 1.0]),
    st.floats(min_value=1e-200, max_value=1e12),
)

#: beta2 strictly inside (0, 1), with the usual choices and values very near 1 drawn often.
beta2s = st.one_of(
    st.sampled_from([0.9, 0.99, 0.999, 0.9999, 1 - 1e-8, float(np.nextafter(1.0, 0.0))]),
    st.floats(min_value=0.0, max_value=1.0, exclude_min=True, exclude_max=True),
)

#: The betas a course uses (up to 0.9999). Nearer 1, 1 - beta2**t itself loses digits in float64
#: (about 1e-16 / (1 - beta2**t) relative), so even correct float64 code drifts from the exact value.
course_beta2s = st.one_of(
    st.sampled_from([0.5, 0.9, 0.99, 0.999, 0.9999]),
    st.floats(min_value=0.0, max_value=0.9999, exclude_min=True),
)

#: Steps t, counted from 1. Bounded so that beta2**t stays cheap to compute exactly.
steps = st.one_of(st.sampled_from([1, 2, 3, 10]), st.integers(min_value=1, max_value=2000))

#: Learning rates alpha > 0 and the stabiliser eps > 0.
alphas = st.floats(min_value=1e-6, max_value=1.0, allow_nan=False, allow_infinity=False)
epsilons = st.one_of(
    st.sampled_from([1e-8, 1e-12]),
    st.floats(min_value=1e-12, max_value=1e-3, allow_nan=False, allow_infinity=False),
)

#: Shapes the functions must accept: 0-d, 1-d and 2-d, small.
shapes = hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=4)


def arrays_of(elements, shape=shapes):
    """float64 arrays of `elements`, of one of `shapes` (or of the given fixed shape)."""
    return hnp.arrays(np.float64, shape, elements=elements)


gradient_arrays = arrays_of(gradients)
second_moment_arrays = arrays_of(second_moments)

#: (v_prev, g) of one shape, as update_v receives them.
update_v_inputs = shapes.flatmap(lambda s: st.tuples(arrays_of(second_moments, s), arrays_of(gradients, s)))

#: Any JSON the worker could send: a hostile submission can write its own replies, so the grader must
#: survive all of it (ints far beyond the float range included).
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats()
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)

#: A worker's description of a returned value, with any JSON in its fields.
value_replies = st.fixed_dictionaries(
    {"kind": st.sampled_from(["scalar", "array", "list", "too_big", "other", "rational"])},
    optional={
        "value": json_values,
        "shape": json_values,
        "data": json_values,
        "dtype": json_values,
        "type": json_values,
        "gens": json_values,
        "num": json_values,
        "den": json_values,
    },
)
