"""The first screen of a student's feedback: one line per function saying what to fix (issue 21).

Each function is right, not written yet, or wrong with the named mistake in one sentence and its hint. The
lines come before the score table in feedback.md and at the top of Gradescope's results.json; the details
per item follow, collapsed. Also here: identical problems merged into one line with a count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from autograder.render import reading
from autograder.render.text import markdown
from autograder.results import Diagnosis, Outcome, SubmissionResult
from autograder.rubric import FUNCTIONS, TASKS_BY_ID

RIGHT, UNWRITTEN, WRONG = "right", "not written yet", "wrong"


def _outcomes(result: SubmissionResult, func: str) -> list[Outcome]:
    return [o for r in result.items if r.item.task == func for o in r.outcomes]


def unwritten(result: SubmissionResult, func: str) -> bool:
    """Whether func is still the stub (or absent): every call of it raised NotImplementedError or found no
    function of that name."""
    if func in result.undefined:
        return False  # a notebook cell that raised: said apart, with the cell
    calls = [o for o in _outcomes(result, func) if isinstance(o.returned, dict)]
    if not calls:
        return False

    def stub(o: Outcome) -> bool:
        returned = o.returned or {}
        error = returned.get("error") or {}
        return returned.get("status") == "missing" or (
            returned.get("status") == "error" and error.get("type") == "NotImplementedError"
        )

    return all(stub(o) for o in calls)


def absent(result: SubmissionResult, func: str) -> bool:
    """Whether the file has no function of that name at all (every call found none), rather than the stub."""
    calls = [o.returned for o in _outcomes(result, func) if isinstance(o.returned, dict)]
    return bool(calls) and all(returned.get("status") == "missing" for returned in calls)


def status(result: SubmissionResult, func: str) -> str:
    items = [r for r in result.items if r.item.task == func]
    if all(r.passed for r in items):
        return RIGHT
    return UNWRITTEN if unwritten(result, func) else WRONG


def _first_sentence(text: str) -> str:
    """The first sentence of a text (up to its first full stop that ends a sentence)."""
    text = text.strip()
    match = re.search(r"(?<!e\.g)(?<!i\.e)[.!?](\s|$)", text)
    return text[: match.end()].strip() if match else text


#: A Python error every call of a function raised, in words, with what to try.
ERROR_WORDS = {
    "RecursionError": "every call raises RecursionError: it calls itself without ever stopping. Compute the "
    "value from the arguments instead of calling the function again.",
    "NameError": "every call raises NameError: it uses a name that is not defined in your file (a typo, or a "
    "variable from elsewhere). Use the function's own parameters.",
    "ZeroDivisionError": "every call raises ZeroDivisionError: it divides by zero, in plain Python numbers.",
    "AttributeError": "every call raises AttributeError: it asks an object for something it does not have "
    "(such as `.sqrt` on a number); use numpy's functions, `np.sqrt(x)`.",
}


def error_line(result: SubmissionResult, func: str) -> str:
    """The Python error every failed call of func raised, in words, or ""."""
    types = {
        str(((o.returned or {}).get("error") or {}).get("type", ""))
        for o in _outcomes(result, func)
        if not o.passed and isinstance(o.returned, dict) and o.returned.get("status") == "error"
    }
    return ERROR_WORDS.get(types.pop(), "") if len(types) == 1 else ""


def mistake_line(found: Diagnosis | None, func: str, error: str = "") -> str:
    """The named mistake in one sentence, then its hint (also one sentence where it can be)."""
    if found is None:
        return error or "some of its checks fail; the details below say which kinds of input."
    mistake = found.mistake
    read = found.reading
    if read is not None and read.signature_differs:
        return _first_sentence(reading.signature_text(func, read)) + " Hint: use the stub's signature."
    slips = reading.slip_texts(func, read) if read is not None and (read.consistent or read.errors_agree) else []
    if mistake is not None:
        line = f"likely mistake: {markdown(mistake.title)}. Hint: {_first_sentence(markdown(mistake.hint))}"
    elif found.formula is not None and found.formula.named is not None:
        line = (
            f"your {func} behaves like {found.formula.named}; the page has {found.formula.page}. "
            f"Hint: look again at {reading.PAGE_LINE[func]}."
        )
    elif read is not None and read.confirmed and read.tree is not None and read.computes is not None:
        line = (
            f"your {func} computes {read.computes}; the page has {read.page}. "
            f"Hint: look again at {reading.PAGE_LINE[func]}."
        )
    elif read is not None and read.confirmed and read.per_step:
        line = (
            f"your {func} compounds its correction over t; the page has {read.page} at "
            f"every t. Hint: look again at {reading.PAGE_LINE[func]}."
        )
    elif slips:
        return _first_sentence(slips[0]).replace(" (your", " (in your", 1) + " " + _slip_fix(slips[0])
    elif found.slips:
        return _first_sentence(markdown(found.slips[0]))
    elif error:
        return error
    else:
        shown = reading.outputs_text(func, found.ratios) or markdown(found.failing_inputs)
        return (shown or "some of its checks fail; the details below say which kinds of input.").replace("**", "")
    if slips:
        line += " Also: " + _first_sentence(slips[0])
    return line


def _slip_fix(text: str) -> str:
    """The slip's 'what to write' sentence (its last one)."""
    sentences = re.split(r"(?<=\.)\s+", text.strip())
    return sentences[-1] if len(sentences) > 1 else ""


def _visible_passed(result: SubmissionResult, func: str) -> bool:
    return all(g.passed for r in result.items if r.item.task == func for g in r.groups if not g.hidden)


def function_line(result: SubmissionResult, func: str, visible_only: bool = False) -> str:
    """One function's line. `visible_only` (Gradescope's top-level output, shown before the due date): a
    function that fails hidden checks only is not called wrong there, since that would tell their result."""
    task = TASKS_BY_ID[func]
    state = status(result, func)
    head = f"- **{task.number} {func}**: "
    if state == RIGHT:
        return head + "right."
    if visible_only and state == WRONG and _visible_passed(result, func):
        return head + "passes its public checks; the hidden checks show after the due date."
    if state == UNWRITTEN and absent(result, func):
        return head + f"not written yet: your file has no function named {func}; add it with the stub's signature."
    if state == UNWRITTEN:
        return head + "not written yet (it still raises NotImplementedError): write it where it says YOUR CODE HERE."
    return head + "wrong: " + mistake_line(result.diagnosis_for(func), func, error_line(result, func))


def lines(result: SubmissionResult, funcs: Sequence[str] = FUNCTIONS, visible_only: bool = False) -> list[str]:
    """The first screen: a heading, then one line per function."""
    if result.load_error:
        return []
    return ["## What to fix", "", *(function_line(result, func, visible_only) for func in funcs)]


# -- identical problems, one line -----------------------------------------------------------------------------

_CALL = re.compile(r"^`(?P<call>[^`]*)` \((?P<about>.*?)\) (?P<problem>.*)$", re.S)


def merged(outcomes: Sequence[Outcome], limit: int) -> list[str]:
    """The failures' messages, those with the same problem (after the call and what it is about) merged
    into one line with a count and the first call as an example; at most `limit` lines."""
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        message = markdown(outcome.message)
        match = _CALL.match(message)
        key = match.group("problem") if match else message
        groups.setdefault(key, []).append(outcome)
    out = []
    for problem, same in groups.items():
        if len(same) == 1:
            out.append(markdown(same[0].message))
            continue
        match = _CALL.match(markdown(same[0].message))
        example = f" (e.g. `{match.group('call')}`)" if match else ""
        out.append(f"{len(same)} checks{example}: {problem}")
    if len(out) > limit:
        rest = sum(1 for _ in out[limit:])
        out = out[:limit] + [f"... and {rest} more kind(s) of problem."]
    return out
