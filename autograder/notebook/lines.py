"""A check's lines in an nbgrader test cell: calls of the setup cell's helpers (`build.SETUP`: check_value,
check_same, check_container, check_unchanged, check_unrolled, check_on_exact_v, passes) with every input
and expected value written out in full, so nbgrader judges exactly what the grader judges.

Each kind of check says which of its calls and probes go in the cell (its `notebook_lines`, part of the
`checks.Check` protocol); this module only writes them as Python source. It imports no check kind.
"""

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

import numpy as np


def literal(x: Any) -> str:
    """Exact Python source for an input or expected value (full float precision, so the checks are the grader's)."""
    if isinstance(x, Fraction):
        return repr(float(x))
    if isinstance(x, np.generic):
        x = x.item()  # numpy 2 spells np.float64 scalars as `np.float64(...)`; the plain value reads better
    if isinstance(x, np.ndarray):
        return f"np.array({x.tolist()!r}, dtype=np.{x.dtype})"
    if isinstance(x, (list, tuple, float, int)):
        return repr(list(x) if isinstance(x, tuple) else x)
    raise TypeError(f"no notebook literal for {type(x).__name__} {x!r}")


def _call(case: Any, args: Any = None) -> str:
    args = case.args if args is None else args
    return ", ".join([case.func] + [literal(a) for a in args] + [f"{k}={literal(v)}" for k, v in case.kwargs.items()])


def case_line(case: Any) -> str:
    """One check of a Case, as a line of the test cell: the same judgement as the grader's (checks.Case)."""
    what = f"{case.call_text}: {case.about}"
    if case.expect == "unchanged":
        return f"assert check_unchanged({what!r}, {_call(case)})"
    if case.expect == "same":
        return f"assert check_same({what!r}, run({_call(case)}), run({_call(case, case.twin.args)}))"
    if case.expect == "container":
        return f"assert check_container({what!r}, run({_call(case)}), {np.shape(case.expected)!r})"
    return f"assert check_value({what!r}, run({_call(case)}), {literal(case.expected)})"


def unrolled_lines(probes: Iterable[tuple[dict[str, Any], list[Fraction]]]) -> list[str]:
    """Float probes of an identity check ((request, expected) pairs), one line each."""
    lines = []
    for request, expected in probes:
        gradients = request["gradients"]
        what = f"{'constant gradient' if request['correct'] else 'unrolled from v_0 = 0'} {gradients}, beta2 = {request['beta2']}"
        values = "[" + ", ".join(literal(e) for e in expected) + "]"
        lines.append(
            f"check_unrolled({what!r}, {literal(list(gradients))}, {request['beta2']!r}, {request['correct']}, {values})"
        )
    return lines


def follow_through_lines(
    exact_v: Iterable[tuple[float, int, float, Fraction]],
    closed: Iterable[tuple[dict[str, Any], list[Fraction]]],
    chain: Iterable[tuple[dict[str, Any], list[Fraction]]],
) -> list[str]:
    """bias_correct on the exact v_t (`exact_v`: (v_t, t, beta2, g**2)), then the whole `chain` only where
    update_v passes every `closed` probe (the grader's ConstantGradientCheck.run, on these probes)."""
    exact = "[" + ", ".join(f"({v!r}, {t}, {b!r}, {literal(sq)})" for v, t, b, sq in exact_v) + "]"
    lines = [
        "# Follow-through: bias_correct on the exact v_t; through your update_v only where update_v is right.",
        f"assert check_on_exact_v('bias_correct on the exact v_t of a constant gradient', {exact})",
        "if "
        + " and ".join(
            f"passes({line.replace('check_unrolled(', 'check_unrolled, ', 1)}" for line in unrolled_lines(closed)
        )
        + ":",
    ]
    return lines + [f"    assert {line}" for line in unrolled_lines(chain)]
