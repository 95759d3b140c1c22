"""Grading results as plain data. CSV, results.json, feedback.md and the terminal table render these."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, NotRequired, TypedDict, get_args

from autograder.rubric import ITEMS, MAX_SCORE, RubricItem

if TYPE_CHECKING:  # diagnosis imports results: the type only, no import cycle at run time
    from autograder.diagnosis import Diagnosis

#: The load errors the grader names itself; their message is a whole sentence written for the student.
#: Any other `LoadError["type"]` is the name of the exception the student's file raised while loading.
GraderLoadError = Literal["Missing", "Unsupported", "NotebookError", "Timeout", "Crashed"]
GRADER_LOAD_ERRORS: frozenset[str] = frozenset(get_args(GraderLoadError))


class LoadError(TypedDict):
    """Why a submission could not be loaded, as results.json's `load_error` holds it."""

    type: str  # a GraderLoadError, or the name of the student's exception ("SyntaxError", "ZeroDivisionError")
    message: str
    line: NotRequired[int | None]  # where the student's exception was raised, when known
    source: NotRequired[str | None]


def grader_load_error(kind: GraderLoadError, message: str) -> LoadError:
    """A load error the grader names: the type checker holds `kind` to the ones every renderer knows."""
    return {"type": kind, "message": message}


@dataclass(frozen=True)
class Outcome:
    """One check against one submission.

    `message` is written for the student and never holds the expected value of a hidden check.
    `diagnosis` names a known misconception when one matches (filled in by the diagnosis step).
    `returned` is what the student's function gave back, as the worker's plain data ({"value": ...,
    "args_after": [...]} or {"status": ..., "error": ...}); only the diagnosis reads it, never a renderer.
    """

    check: str
    item: str
    passed: bool
    hidden: bool
    about: str
    message: str = ""
    diagnosis: str | None = None
    returned: dict[str, Any] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ItemResult:
    """One rubric item: full points when every one of its checks passed, else zero."""

    item: RubricItem
    outcomes: tuple[Outcome, ...]

    @property
    def passed(self) -> bool:
        return bool(self.outcomes) and all(o.passed for o in self.outcomes)

    @property
    def score(self) -> int:
        return self.item.points if self.passed else 0

    @property
    def hidden(self) -> bool:
        """An item is hidden when none of its checks is public."""
        return all(o.hidden for o in self.outcomes)

    @property
    def failures(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.passed)


@dataclass(frozen=True)
class SubmissionResult:
    """Everything the grader concluded about one submission."""

    student: str
    path: str
    sha256: str
    items: tuple[ItemResult, ...]
    graded_at: str
    seconds: float
    isolation: str
    load_error: LoadError | None = None
    output: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    diagnoses: tuple[Diagnosis, ...] = ()  # diagnosis.Diagnosis per failing function: a known mistake, or which input fails

    @property
    def score(self) -> int:
        return sum(r.score for r in self.items)

    @property
    def max_score(self) -> int:
        return MAX_SCORE

    @property
    def misconceptions(self) -> list[str]:
        """The ids of the known mistakes the diagnosis named, in function order."""
        return [d.misconception for d in self.diagnoses if d.misconception]

    def diagnosis_for(self, func: str) -> Diagnosis | None:
        return next((d for d in self.diagnoses if d.func == func), None)

    def item(self, item_id: str) -> ItemResult:
        return next(r for r in self.items if r.item.id == item_id)

    def scores_by_item(self) -> dict[str, int]:
        return {r.item.id: r.score for r in self.items}


def item_results(outcomes: Iterable[Outcome]) -> tuple[ItemResult, ...]:
    """The rubric's items, in order, each with the outcomes of its own checks."""
    return tuple(ItemResult(item, tuple(o for o in outcomes if o.item == item.id)) for item in ITEMS)


def empty_items(message: str, about: str = "the submission could not be graded") -> tuple[ItemResult, ...]:
    """Every rubric item failed with one message: for a file that cannot be graded at all."""
    return tuple(
        ItemResult(item, (Outcome(f"{item.id}.load", item.id, False, False, about, message),)) for item in ITEMS
    )
