"""When a returned value counts as right: the relative tolerance every value check judges with, and the
same rule in a student's words, written once (the README, the public checks, the rubric and feedback
quote it). Assignment data: judging, the rubric and the renderers read it from here.
"""

#: Every numeric check judges at this relative tolerance: the value items, the contract's values and the
#: identity items at numbers (one story, told once).
RTOL = 1e-6
#: How close correct float64 code comes to the exact value: the reference solution's largest relative
#: error over every fixed case is 1.44e-14 (bias_correct(4.999e-05, 2)); tests/test_statements.py measures it.
FLOAT64_AGREEMENT = 1.5e-14
FLOAT64_DIGITS = 14

#: The tolerance in a student's words, written once: README, docstrings and feedback say the same.
TOLERANCE_WORDS = (
    "a value counts as right when it is within a relative 1e-6 of the exact value (it agrees to about "
    '6 significant digits), in every check, the identity items included: the page\'s rounded "≈122" is '
    f"122.011..., so 122 would not count, while correct float64 code agrees to about {FLOAT64_DIGITS} digits "
    f"(the reference solution is within {FLOAT64_AGREEMENT:.1e} of the exact value on every fixed case)"
)
