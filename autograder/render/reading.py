"""What a reading of the student's code says, in a student's words (autograder/judge/explain.py reads it;
results.CodeReading holds it as plain data): the formula their function computes beside the page's, a
signature that differs from the stub's, and Python slips (`^`, `//`, an operator that binds first), each
with the one thing to try next.

Student text (their parameter names, their return line) is shown as code, escaped (render/text.py).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

from autograder.render.text import md_code
from autograder.results import FLOORDIV, PRECEDENCE, XOR, CodeReading, Diagnosis

#: The hint a formula the catalogue does not know gets: where on the page to look.
PAGE_LINE = {
    "update_v": "the formula in Part B of the page: v_t = β₂·v_{t−1} + (1 − β₂)·g_t²",
    "bias_correct": "the definition of v̂_t on the page: v_t / (1 − β₂ᵗ), with t counted from 1",
    "effective_step": 'the "Effective step" line in Part B of the page: α / (√v̂_t + ε)',
}


def signature_text(func: str, reading: CodeReading) -> str:
    """Why a signature that differs from the stub's breaks every check, and the fix."""
    theirs, stub = reading.theirs, reading.stub
    words = [f"Your {func} is defined as {md_code(f'{func}({theirs})')}, but the stub is {md_code(f'{func}({stub})')}."]
    if reading.reordered:
        moved = [f"your {md_code(name)} receives {receives}" for name, receives in reading.moved]
        words.append(
            f"Every caller, the checks included, passes {', '.join(reading.positional)} in the stub's order, so "
            + " and ".join(moved)
            + "."
        )
        if reading.body_is_page:
            words.append("Your formula itself is the page's: put the parameters back in the stub's order.")
        else:
            words.append(
                "Put the parameters back in the stub's order first; then compare your formula with the page's."
            )
    for name, default in reading.missing_defaults:
        words.append(
            f"{md_code(name)} has no default, so every call that leaves it out (as the page's own steps do) "
            f"raises TypeError: give it the stub's default, {md_code(f'{name}={default:g}')}."
        )
    return " ".join(words)


def slip_texts(func: str, reading: CodeReading) -> list[str]:
    """The Python slips the reading shows, each in words with what to write instead."""
    out = []
    line = reading.line
    shown = f" (your {md_code(line)})" if line else ""
    for slip in reading.slips:
        if slip == XOR:
            out.append(
                f"`^` is XOR in Python{shown}: bitwise exclusive or, defined for whole numbers only, not a power. "
                f"On floats it raises TypeError, so every call of your {func} fails. A power is written `**`: "
                "`g**2`, `beta2**t`."
            )
        elif slip == FLOORDIV:
            out.append(
                f"`//` is floor division{shown}: it rounds the quotient down to a whole number, so "
                "`1 // (1 - 0.999)` is 999.0, not 1000, and any quotient below 1 becomes 0. Divide with `/`."
            )
        elif slip == PRECEDENCE and reading.tree is not None:
            out.append(
                f"Python reads {md_code(line or reading.shown)} as "
                f"{md_code(reading.bracketed)}: `*` and `/` bind before `+` and `-`, and `**` before "
                "both. Put brackets around what belongs together, as the page's formula does."
            )
    return out


def _growth(func: str, found: Diagnosis) -> str:
    reading = found.reading
    if reading is None or not reading.per_step:
        return ""
    return (
        " It changes with t in a way the page's does not: each step t your code works through its own "
        "factor again, so the error compounds as t grows."
    )


def formula_text(found: Diagnosis) -> str:
    """'Your bias_correct computes …; the page has …', with what differs, for a confirmed reading."""
    reading = found.reading
    if reading is None or not reading.confirmed:
        return ""
    func, page = found.func, reading.page
    if reading.tree is not None:
        if reading.computes is None:
            return ""
        parts = [f"where the page has {a}, yours has {b}" for a, b in reading.differences]
        said = f"Your {func} computes **{reading.computes}**; the page has **{page}**."
        return said + (" What differs: " + "; ".join(parts) + "." if parts else "")
    at = ", ".join(f"at t = {t} **{formula}**" for t, formula in reading.steps)
    return f"Your {func} computes {at}; the page has **{page}** at every t." + _growth(func, found)


def outputs_text(func: str, rows: Sequence[tuple[Mapping[str, float], float]] | None) -> str:
    """What the outputs show when no formula is confirmed: the ratio to the right value on the diagnosis
    probes, and what it follows."""
    if not rows:
        return ""
    ratios = [r for _, r in rows if math.isfinite(r)]
    if not ratios:
        return ""
    if all(math.isclose(r, ratios[0], rel_tol=1e-3) for r in ratios):
        return f"Your values are {ratios[0]:.4g} times the right ones on every input the grader tried."
    if func == "bias_correct":
        by_t: dict[int, list[float]] = {}
        for kwargs, r in rows:
            by_t.setdefault(int(kwargs["t"]), []).append(r)
        right = [t for t, rs in by_t.items() if all(math.isclose(r, 1, rel_tol=1e-6) for r in rs)]
        wrong = sorted(t for t in by_t if t not in right)
        if right and wrong and max(right) < min(wrong):
            off = [max(abs(math.log(abs(r))) for r in by_t[t] if r) for t in wrong]
            grows = all(a <= b for a, b in itertools.pairwise(off))
            return (
                f"Your values are right at t = {', '.join(map(str, sorted(right)))} and wrong from t = {wrong[0]}"
                + (", and the error grows with t." if grows else ".")
            )
    return ""


def reading_texts(found: Diagnosis, named: bool) -> list[str]:
    """Everything a reading adds: the signature, the formula (when nothing else named it: `named`), the
    Python slips."""
    reading = found.reading
    if reading is None:
        return []
    out = []
    if reading.signature_differs:
        out.append(signature_text(found.func, reading))
    elif not named:
        said = formula_text(found)
        if said:
            out.append(f"**Likely mistake:** {said}\n\nHint: look again at {PAGE_LINE[found.func]}.")
    if reading.consistent or reading.errors_agree:
        out += slip_texts(found.func, reading)
    return out
