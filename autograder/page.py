"""The course page's worked example (MATH 3850, page 10, Part C) as data: its inputs and printed figures.

Each printed figure keeps the precision the page prints it at (`digits` significant figures), so a test
can check the exact oracle against the page and the page against the oracle.
"""

from dataclasses import dataclass

BETA2 = 0.999
ALPHA = 0.001
EPS = 1e-8
V0 = 0.0

#: Parameter 1 has big gradients, parameter 2 small ones (and a negative one at t = 2).
GRADIENTS = {1: (10.0, 12.0, 8.0), 2: (0.1, -0.2, 0.3)}


@dataclass(frozen=True)
class Figure:
    """One number the page prints: which quantity, for which parameter and step, and at what precision."""

    quantity: str  # "v", "v_hat" or "step"
    parameter: int
    t: int
    printed: str
    digits: int  # significant figures the page shows


FIGURES = (
    Figure("v", 1, 1, "0.1", 1),
    Figure("v_hat", 1, 1, "100", 3),
    Figure("step", 1, 1, "0.0001", 1),
    Figure("v", 1, 2, "0.2439", 4),
    Figure("v_hat", 1, 2, "122", 3),
    Figure("step", 1, 2, "0.0000905", 3),
    Figure("v", 2, 1, "0.00001", 1),
    Figure("v_hat", 2, 1, "0.01", 1),
    Figure("step", 2, 1, "0.01", 1),
)

#: "That's a 100x difference in step size": parameter 2's step over parameter 1's at t = 1.
STEP_RATIO_T1 = 100
