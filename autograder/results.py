"""Grading results as plain data. CSV, results.json, feedback.md and the terminal table render these."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, NotRequired, TypedDict, TypeVar, get_args, overload

from autograder.rubric import ITEMS, MAX_SCORE, Group, RubricItem

if TYPE_CHECKING:  # diagnosis imports results: the type only, no import cycle at run time
    from autograder.judge.diagnosis import Diagnosis

T = TypeVar("T")


class once(Generic[T]):
    """A property worked out on first read and kept: functools.cached_property without the lock Python 3.11
    takes on each first read (3.12 dropped it). Results are immutable, and renderers read a few hundred of
    these per student. Two threads reading one at once both work it out, to the same value."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> once[T]: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...

    def __get__(self, obj: object, owner: type | None = None) -> T | once[T]:
        if obj is None:
            return self
        value = self.func(obj)
        obj.__dict__[self.name] = value  # frozen dataclasses too: the instance's own dict, not setattr
        return value


#: The load errors the grader names itself; their message is a whole sentence written for the student.
GraderLoadError = Literal["Missing", "Unsupported", "NotebookError", "Timeout", "Crashed"]
GRADER_LOAD_ERRORS: frozenset[str] = frozenset(get_args(GraderLoadError))
#: Who produced a load error, stamped by the grader from what it knows itself (which of its own steps
#: stopped, or that the guest answered the load with the student's exception), never from a string the
#: student's process sent.
LoadErrorBy = Literal["grader", "student"]
#: What a student's exception's name is prefixed with in `LoadError["type"]`: ":" is in no Python name,
#: so it never matches a grader kind, however the student names their exception.
STUDENT_PREFIX = "student:"


class LoadError(TypedDict):
    """Why a submission could not be loaded, as results.json's `load_error` holds it."""

    by: LoadErrorBy
    type: str  # by the grader: a GraderLoadError; by the student: STUDENT_PREFIX + their exception's name
    message: str
    line: NotRequired[int | None]  # where the student's exception was raised, when known
    source: NotRequired[str | None]
    cell: NotRequired[int | None]


class CellError(TypedDict):
    """Why a notebook left a graded function undefined: what the cell it is written in stopped with, as
    results.json's `undefined` holds it (every field checked and cut short, see notebook.cells)."""

    cell: int
    type: str  # the student's exception's name, or "Timeout" / "Crashed"
    line: int | None
    message: str


def grader_load_error(kind: GraderLoadError, message: str) -> LoadError:
    """A load error the grader names: the type checker holds `kind` to the ones every renderer knows."""
    return {"by": "grader", "type": kind, "message": message}


def student_load_error(error: Mapping[str, Any]) -> LoadError:
    """The exception a student's file raised while loading (a checked protocol.ErrorInfo), stamped as
    theirs and its name namespaced."""
    stamped: LoadError = {
        "by": "student",
        "type": STUDENT_PREFIX + str(error["type"]),
        "message": str(error["message"]),
        "line": error.get("line"),
        "source": error.get("source"),
    }
    if "cell" in error:
        stamped["cell"] = error["cell"]
    return stamped


def by_grader(error: Mapping[str, Any]) -> bool:
    """Whether a load error carries the grader's own stamp (anything else is the student's)."""
    return error.get("by") == "grader" and error.get("type") in GRADER_LOAD_ERRORS


def student_exception(error: Mapping[str, Any]) -> str:
    """The name of the exception a student's load error records (without its namespace)."""
    return str(error.get("type", "Error")).removeprefix(STUDENT_PREFIX)


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
    group: str = ""  # the rubric item's check group it counts in
    kind: str = "value"  # what it judged: a Case's `expect`, or "identity"


@dataclass(frozen=True)
class GroupResult:
    """One check group of an item: its points when every one of its checks passed. (Immutable, so what
    renderers ask for many times over is worked out once.)"""

    item: RubricItem
    name: str
    outcomes: tuple[Outcome, ...]
    void: str = ""

    @once
    def spec(self) -> Group:
        return self.item.group(self.name)

    @property
    def points(self) -> int:
        return self.spec.points

    @once
    def number(self) -> str:
        return self.item.group_number(self.name)

    @once
    def passed(self) -> bool:
        return not self.void and bool(self.outcomes) and all(o.passed for o in self.outcomes)

    @property
    def score(self) -> int:
        return self.points if self.passed else 0

    @once
    def hidden(self) -> bool:
        """A group is hidden when none of its checks is public."""
        return all(o.hidden for o in self.outcomes)

    @property
    def failures(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.passed)


@dataclass(frozen=True)
class ItemResult:
    """One rubric item: the points of each check group whose checks all passed (partial credit).

    `void` says why the item earns nothing whatever its checks did ("nothing for nothing": the function it
    judges passed none of its own value checks); "" when it counts.
    """

    item: RubricItem
    outcomes: tuple[Outcome, ...]
    void: str = ""

    @once  # results are immutable, and renderers ask for groups and scores many times over
    def groups(self) -> tuple[GroupResult, ...]:
        return tuple(
            GroupResult(self.item, g.name, tuple(o for o in self.outcomes if o.group == g.name), self.void)
            for g in self.item.groups
        )

    @property
    def passed(self) -> bool:
        return not self.void and bool(self.outcomes) and all(o.passed for o in self.outcomes)

    @once
    def score(self) -> int:
        return sum(g.score for g in self.groups)

    @property
    def hidden(self) -> bool:
        """An item is hidden when none of its checks is public."""
        return all(o.hidden for o in self.outcomes)

    @property
    def failures(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.passed)


@dataclass(frozen=True)
class BeyondResult:
    """Part 5 (optional, autograder/beyond/): its items, apart from the core's, and the written answer.

    `counts` is how its points count ("task": a score of its own; "bonus": added to the core score for the
    final score, capped at the core's maximum). `answer` is the written answer as the student's file holds
    it (text, never markup; None when there is none to read, e.g. a notebook's, which nbgrader grades by hand).
    `diagnoses` maps a failed check id to the named mistake its value matches (plain words: id, name, hint).
    """

    items: tuple[ItemResult, ...]
    max_score: int
    counts: str
    answer: str | None = None
    diagnoses: tuple[tuple[str, str, str, str], ...] = ()  # (check id, mistake id, name, hint)

    @once
    def score(self) -> int:
        return sum(r.score for r in self.items)

    @property
    def written(self) -> str:
        """The gradebook's word for the written answer: answered, blank, or "" when it cannot be read here."""
        if self.answer is None:
            return ""
        return "answered" if self.answer.strip() else "blank"

    def scores_by_item(self) -> dict[str, int]:
        return {r.item.id: r.score for r in self.items}


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
    diagnoses: tuple[
        Diagnosis, ...
    ] = ()  # diagnosis.Diagnosis per failing function: a known mistake, or which input fails
    undefined: dict[str, CellError] = field(
        default_factory=dict
    )  # function -> the notebook cell error that left it undefined
    beyond: BeyondResult | None = None  # part 5, when the term turns it on

    @once
    def score(self) -> int:
        return sum(r.score for r in self.items)

    @property
    def max_score(self) -> int:
        return MAX_SCORE

    @property
    def misconceptions(self) -> list[str]:
        """The ids the diagnosis named, in function order: a catalogue id, or `formula:<func>=<formula>`."""
        return [d.id for d in self.diagnoses if d.id]

    @property
    def contract_failures(self) -> tuple[Outcome, ...]:
        """The failed checks of the contract items (containers, types, inputs unchanged), apart from the maths:
        each Outcome's `kind` says what it judged ("same", "container" or "unchanged") and `group` where."""
        return tuple(o for r in self.items if r.item.kind == "contract" for o in r.failures)

    def diagnosis_for(self, func: str) -> Diagnosis | None:
        return next((d for d in self.diagnoses if d.func == func), None)

    def item(self, item_id: str) -> ItemResult:
        return next(r for r in self.items if r.item.id == item_id)

    def scores_by_item(self) -> dict[str, int]:
        return {r.item.id: r.score for r in self.items}


def empty_items(message: str, about: str = "the submission could not be graded") -> tuple[ItemResult, ...]:
    """Every rubric item failed with one message: for a file that cannot be graded at all."""
    return tuple(
        ItemResult(
            item,
            tuple(
                Outcome(f"{item.id}.{g.name}.load", item.id, False, False, about, message, group=g.name)
                for g in item.groups
            ),
        )
        for item in ITEMS
    )


#: What a gradebook row says about a student's file: graded (even to zero), no file found (a roster student
#: with no submission, or a folder without one), or load error (a file that could not be loaded at all).
Status = Literal["graded", "no file found", "load error"]
STATUSES: tuple[Status, ...] = get_args(Status)


def status_of(result: SubmissionResult) -> Status:
    """The gradebook status of a SubmissionResult."""
    if result.load_error is None:
        return "graded"
    error = result.load_error
    return "no file found" if by_grader(error) and error["type"] == "Missing" else "load error"


@dataclass(frozen=True)
class BeyondRow:
    """What the gradebook keeps of part 5: its score and items apart from the core's, how its points count,
    and whether the written answer was answered (for grades.csv's last columns)."""

    score: float
    max_score: float
    items: Mapping[str, float]
    counts: str
    written: str = ""

    @classmethod
    def of(cls, result: BeyondResult) -> BeyondRow:
        return cls(result.score, result.max_score, result.scores_by_item(), result.counts, result.written)


@dataclass(frozen=True)
class GradebookRow:
    """One student's row of grades.csv: all the gradebook keeps of a result once its files are written.

    `items` maps each rubric item id the student was graded on to the points scored. `late` is "yes", "no"
    or "" (unknown), and `submitted` the submission's time (ISO 8601, or "" when unknown): they come from
    the roster, never from grading, and the late policy (autograder/late.py) reads them.
    """

    student: str
    score: float
    max_score: float
    items: Mapping[str, float]
    status: Status
    late: str = ""
    submitted: str = ""
    beyond: BeyondRow | None = None  # part 5's, when the term turned it on (a record without it: off)

    @classmethod
    def of(cls, result: SubmissionResult, late: str = "", submitted: str = "") -> GradebookRow:
        beyond = BeyondRow.of(result.beyond) if result.beyond is not None else None
        return cls(
            result.student,
            result.score,
            result.max_score,
            result.scores_by_item(),
            status_of(result),
            late,
            submitted,
            beyond,
        )

    @property
    def counted(self) -> float:
        """The score the late policy and export start from: the core's, plus part 5's when it is a bonus,
        never above max_score (so no LMS is ever sent a grade above its maximum)."""
        if self.beyond is None or self.beyond.counts != "bonus":
            return self.score
        return min(self.max_score, self.score + self.beyond.score)

    def passed(self, item: RubricItem) -> bool:
        """Whether the student scored the item's full points."""
        return self.items.get(item.id) == item.points
