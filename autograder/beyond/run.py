"""Grading part 5 on one submission's guest: its checks, its written answer, into a results.BeyondResult.

Called by grading.grade_submission inside the submission's host, after the core's checks, when the term turns
the part on; with it off nothing here runs, and no request differs from a core-only grading.
"""

from collections.abc import Callable, Sequence
from typing import Any

from autograder.beyond import diagnosis, rubric
from autograder.beyond.spec import ANSWER
from autograder.judge.checks import Check
from autograder.memo import Run
from autograder.results import BeyondResult, ItemResult, Outcome
from autograder.sandbox.guest import protocol
from autograder.words import prose


def requests(checks: Sequence[Check]) -> list[tuple[protocol.Message, tuple[str, ...]]]:
    """Every request the part sends whatever the replies (for one write, as the core's are sent)."""
    return [pair for check in checks for pair in check.requests()] + [(answer_request(), ())]


def answer_request() -> protocol.Message:
    return protocol.text_request(ANSWER)


def grade(
    call: Callable[..., Any], checks: Sequence[Check], counts: str, run: Run | None = None, notebook: bool = False
) -> BeyondResult:
    """The part's result: each check run through `call(request, uses)` (host.Host.call), then its items."""
    outcomes = [check.run(call, run) for check in checks]
    reply = call(answer_request(), ())
    text = reply.value.get("text") if reply.ok and reply.value is not None else None
    # A notebook's answer is a markdown cell nbgrader grades by hand: nothing for the guest to read.
    answer = None if notebook else (text if isinstance(text, str) else "")
    return BeyondResult(items(outcomes), rubric.MAX_SCORE, counts, answer, diagnosis.diagnose(outcomes, checks))


def items(outcomes: Sequence[Outcome]) -> tuple[ItemResult, ...]:
    return tuple(ItemResult(item, tuple(o for o in outcomes if o.item == item.id)) for item in rubric.ITEMS)


def empty(counts: str, message: str) -> BeyondResult:
    """Every item failed with one message: for a file that could not be graded at all."""
    return BeyondResult(
        tuple(
            ItemResult(
                item,
                tuple(
                    Outcome(f"{item.id}.{g.name}.load", item.id, False, False, "", prose(message), group=g.name)
                    for g in item.groups
                ),
            )
            for item in rubric.ITEMS
        ),
        rubric.MAX_SCORE,
        counts,
    )
