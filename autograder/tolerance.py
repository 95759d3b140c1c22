"""When a returned value counts as right: the relative tolerance every value check judges with, and the
same rule in a student's words, written once (the README, the public checks, the rubric and feedback
quote it). Assignment data: judging, the rubric and the renderers read it from here.
"""

RTOL = 1e-6

#: The tolerance in a student's words, written once: README, docstrings and feedback say the same.
TOLERANCE_WORDS = (
    "a value counts as right when it is within a relative 1e-6 of the exact value (it agrees to about "
    '6 significant digits): the page\'s rounded "≈122" is 122.011..., so 122 would not count, while any '
    "correct float64 code agrees to about 16 digits"
)
