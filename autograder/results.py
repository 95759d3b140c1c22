"""Grading results as plain data. CSV, results.json, feedback.md and the terminal table render these.

Plain data only: no markup and no engine objects. What is said to the student is `words.Words` (typed
spans, rendered by each format), and a diagnosis is the strings and numbers its renderers need, worked
out while judging (autograder/judge/diagnosis.py), not a search tree to be walked while rendering.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, NotRequired, TypedDict, TypeVar, get_args, overload

from autograder.rubric import ITEMS, MAX_SCORE, Group, RubricItem
from autograder.words import EMPTY, Words

T = TypeVar("T")


class once(Generic[T]):
    """A property worked out on first read and kept: functools.cached_property without the lock Python 3.11
    takes on each first read (3.12 dropped it). Results are immutable, and renderers read a few hundred of
    these per student. Two threads reading one at once both work it out, to the same value.

    The one caching idiom of results: every computed property of GroupResult, ItemResult and SubmissionResult
    is one, but for `max_score` (a constant) and `misconceptions` (a list, which a caller may change). Its
    gain, from bench/results_properties.py rendering 400 results (Python 3.11, a loaded 2-core machine, best
    of 11): 534 ms, against 645 ms with functools.cached_property and 759 ms with plain properties."""

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

    `message` is written for the student (as `Words`, no markup) and never holds the expected value of a
    hidden check; it is empty when the check passed.
    `diagnosis` names a known misconception when one matches (filled in by the diagnosis step).
    `returned` is what the student's function gave back, as the worker's plain data ({"value": ...,
    "args_after": [...]} or {"status": ..., "error": ...}); only the diagnosis reads it, never a renderer.
    """

    check: str
    item: str
    passed: bool
    hidden: bool
    about: str
    message: Words = EMPTY
    diagnosis: str | None = None
    returned: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    group: str = ""  # the rubric item's check group it counts in
    kind: str = "value"  # what it judged: a Case's `expect`, or "identity"


@dataclass(frozen=True)
class Mistake:
    """A catalogued mistake (autograder/judge/misconceptions.py) as the feedback words it."""

    id: str
    title: Words
    explanation: Words
    hint: Words


@dataclass(frozen=True)
class Formula:
    """The formula a failing function behaves like (autograder/judge/formulas.py), as text: Unicode
    formulas, the page's beside the student's.

    `named` is the one formula the search named, else None and `one_of` lists the formulas the grader's
    inputs cannot tell apart, simplest first. `differences` are (the page's part, the student's part)
    for a named formula, and `changed_defaults` (parameter, the page's default, the student's).
    """

    page: str
    named: str | None = None
    one_of: tuple[str, ...] = ()
    confirmed: bool = False  # the student's code also ran on sympy symbols, and that algebra agrees
    differences: tuple[tuple[str, str], ...] = ()
    changed_defaults: tuple[tuple[str, float, float], ...] = ()


#: Python slips a reading of the student's code shows (CodeReading.slips), by id.
XOR, FLOORDIV, PRECEDENCE = "xor", "floordiv", "precedence"


@dataclass(frozen=True)
class CodeReading:
    """The formula a failing function returns, read from its code (autograder/judge/explain.py), as text
    and plain data for the feedback: its signature beside the stub's, the formula in the stub's names
    beside the page's, the Python slips, and whether the student's own outputs confirmed it.

    `tree` and `per_step` are the reading's formula trees (nested tuples, explain.Tree), kept for those who
    evaluate it again (tests/recovery/measure.py); every renderer reads the text fields.
    """

    func: str
    params: tuple[tuple[str, float | None], ...]  # the student's parameters and defaults, in order
    tree: tuple[Any, ...] | None = None  # the formula for every t
    per_step: tuple[tuple[int, tuple[Any, ...]], ...] = ()  # (t, formula) where the code needed t known
    confirmed: bool = False  # reproduces the student's own outputs on every probe
    consistent: bool = False  # the outputs on every probe are what the reading gives (or raises)
    errors_agree: bool = False  # the code raises wherever the reading says it must
    signature_differs: bool = False
    theirs: str = ""  # the student's signature, "g, v_prev, beta2=0.999"
    stub: str = ""  # the stub's
    reordered: bool = False  # the stub's parameters, in another order
    moved: tuple[tuple[str, str], ...] = ()  # (their name, the stub's parameter it receives), when reordered
    positional: tuple[str, ...] = ()  # the stub's positional parameters, in order
    body_is_page: bool = False  # the formula itself is the page's (only the signature differs)
    missing_defaults: tuple[tuple[str, float], ...] = ()  # (parameter, the stub's default) the student left out
    slips: tuple[str, ...] = ()  # explain.XOR, FLOORDIV, PRECEDENCE
    line: str = ""  # the returned expression as written
    shown: str = ""  # the formula in the page's notation, in the student's names
    bracketed: str = ""  # the formula with the brackets Python reads into it
    computes: str | None = None  # the formula in the stub's names (page notation), when one formula for every t
    page: str = ""  # the page's formula
    differences: tuple[tuple[str, str], ...] = ()  # (the page's part, the student's part)
    steps: tuple[tuple[int, str], ...] = ()  # (t, the formula at that t in the stub's names) for t = 1, 2, 3


@dataclass(frozen=True)
class Diagnosis:
    """One failing function's diagnosis, as the feedback words it.

    `id` is the catalogue's id (`misconception`), else the named formula's stable `formula:<func>=...`
    id, else None. `failing_inputs` says which kind of input fails (`scattered` when the failures share
    no kind, and the words only list some of them); `slips` are contract slips, each a sentence.
    """

    func: str
    id: str | None = None
    misconception: str | None = None
    mistake: Mistake | None = None
    formula: Formula | None = None
    failing_inputs: Words = EMPTY
    scattered: bool = False
    slips: tuple[Words, ...] = ()
    reading: CodeReading | None = None  # the formula read from the code
    #: (the probe's scalar arguments, the median ratio of the student's value to the page's) per probe
    ratios: tuple[tuple[Mapping[str, float], float], ...] = ()


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

    @once
    def points(self) -> int:
        return self.spec.points

    @once
    def number(self) -> str:
        return self.item.group_number(self.name)

    @once
    def passed(self) -> bool:
        return not self.void and bool(self.outcomes) and all(o.passed for o in self.outcomes)

    @once
    def score(self) -> int:
        return self.points if self.passed else 0

    @once
    def hidden(self) -> bool:
        """A group is hidden when none of its checks is public."""
        return all(o.hidden for o in self.outcomes)

    @once
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

    @once
    def groups(self) -> tuple[GroupResult, ...]:
        return tuple(
            GroupResult(self.item, g.name, tuple(o for o in self.outcomes if o.group == g.name), self.void)
            for g in self.item.groups
        )

    @once
    def passed(self) -> bool:
        return not self.void and bool(self.outcomes) and all(o.passed for o in self.outcomes)

    @once
    def score(self) -> int:
        return sum(g.score for g in self.groups)

    @once
    def hidden(self) -> bool:
        """An item is hidden when none of its checks is public."""
        return all(o.hidden for o in self.outcomes)

    @once
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
    diagnoses: tuple[Diagnosis, ...] = ()  # per failing function: a known mistake, or which input fails
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

    @once
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


def empty_items(message: Words, about: str = "the submission could not be graded") -> tuple[ItemResult, ...]:
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
#: with no submission, or a folder without one), load error (a file that could not be loaded at all), or
#: grader error (graded, but the grader could not write their files, e.g. a full disk: no grade yet, and
#: `--resume` grades them again).
Status = Literal["graded", "no file found", "load error", "grader error"]
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

    @classmethod
    def unwritten(cls, student: str, late: str = "", submitted: str = "") -> GradebookRow:
        """The row of a student whose files could not be written: status `grader error`, no item scored."""
        return cls(student, 0, MAX_SCORE, {}, "grader error", late, submitted)

    def passed(self, item: RubricItem) -> bool:
        """Whether the student scored the item's full points."""
        return self.items.get(item.id) == item.points
