"""The kinds of check, as data: a `Case` calls one function on fixed inputs.

A check knows its rubric item and group, whether students may see it (`hidden`), a plain-words `about`,
the requests it sends to the worker and how to judge the replies. `run(call)` takes the worker's `call`
function and returns an `Outcome`; expected values stay in this process. `run(call, shared)` is also given the grading run
(`memo.Run`), where a kind may keep what follows from replies the students share (a Case keeps its
Outcome for a reply; most kinds keep nothing). Every kind of check (a `Case`
here, the identity checks in autograder/judge/identity.py) has the same shape, the `Check` protocol, so the
grader, the diagnosis, the release and the notebook builder never ask which kind they hold: what differs
between kinds (how a check reads in the notebook, what the diagnosis may read of its replies) is asked of
the check itself.

What a Case judges (`expect`), after the grading model in rubric.md:
  value      the values it returns, whatever the container (number, 0-d, shape (1,), list or array);
  unchanged  that the arrays passed in are the same after the call;
  same       for lists and integers in: the same values as the student's own function gives for the
             float64 twin of those inputs (so a maths slip is not charged here again);
  container  the container and type returned for float64 inputs: a float for a number, else a float64
             array of the input's shape (no value is judged).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args, runtime_checkable

import numpy as np
import numpy.typing as npt

from autograder import functions, oracle
from autograder.judge import loading
from autograder.judge.compare import UNREADABLE, as_values, close, judge_container, judge_value, show
from autograder.memo import ByIdentity, Key, Run, frozen
from autograder.notebook import lines
from autograder.results import Outcome
from autograder.sandbox.guest import protocol
from autograder.sandbox.guest.protocol import Message
from autograder.tolerance import RTOL
from autograder.words import EMPTY, Words, at_line, code, prose, student, words

if TYPE_CHECKING:  # what a check's `call` answers with
    from autograder.boundary import Reply

#: What a Case judges (see the module docstring).
Expect = Literal["value", "unchanged", "same", "container"]
EXPECTS: tuple[Expect, ...] = get_args(Expect)
#: How a check sends a request: `call(request, uses)` answers with the host's Reply (host.Host.call).
Call = Callable[[Message, Sequence[str]], "Reply"]


@runtime_checkable
class Check(Protocol):
    """What the grader needs of any check: where it counts, who sees it, how to run it, how it reads in the
    notebook and what the diagnosis may read of it. Read-only, so frozen dataclasses implement it."""

    @property
    def id(self) -> str: ...

    @property
    def item(self) -> str:
        """The rubric item it counts towards."""

    @property
    def group(self) -> str:
        """The item's check group it belongs to (all of a group must pass)."""

    @property
    def about(self) -> str:
        """What it checks, in plain words for the student."""

    @property
    def hidden(self) -> bool: ...

    @property
    def uses(self) -> tuple[str, ...]:
        """The student's functions it calls."""

    @property
    def fixed_call(self) -> Case | None:
        """The one call on fixed inputs this check makes, whose returned value (`Outcome.returned`) the
        diagnosis compares with the catalogue's mistakes; None when it makes no such single call."""

    @property
    def unrolled(self) -> Unrolled | None:
        """What its symbolic reply (`Outcome.returned["values"]`) pins down, for the diagnosis to confirm a
        recovered formula with; None when it keeps no symbolic reply."""

    def requests(self) -> list[tuple[dict[str, Any], tuple[str, ...]]]:
        """The (request, uses) pairs it will send whatever the replies, so they can go in one write."""

    def run(self, call: Callable[..., Any], shared: Run | None = None) -> Outcome:
        """Send its requests through `call(request, uses)` and judge the replies. `shared`: the grading run,
        where what follows from the replies the host shares between its students may be kept (memo.py); None
        keeps nothing."""

    def notebook_lines(self) -> tuple[list[str], list[str]]:
        """(visible, hidden) lines of it in its group's nbgrader test cell (autograder/notebook/lines.py)."""


@dataclass(frozen=True)
class Unrolled:
    """The student's update_v (then bias_correct, when `corrected`) unrolled from v_0 = 0 on the sympy symbols
    `gens`, which pins down `function`'s formula: what a check's symbolic reply holds."""

    function: str
    gens: tuple[str, ...]
    corrected: bool


def encode_input(x: object) -> object:
    """An input as the worker's JSON: numbers and lists as they are, numpy arrays with their dtype."""
    if isinstance(x, np.ndarray):
        return protocol.nd(x.tolist(), str(x.dtype))
    return x


def render_input(x: object, short: bool = False) -> str:
    """An input as Python source; `short` rounds floats to 10 digits for reading (not for code)."""
    if isinstance(x, np.ndarray):
        kind = "" if x.dtype == np.float64 else f", dtype=np.{x.dtype}"
        return f"np.array({render_input(x.tolist(), short)}{kind})"
    if isinstance(x, list):
        return "[" + ", ".join(render_input(e, short) for e in x) + "]"
    if short and isinstance(x, float):
        text = f"{x:.10g}"
        return text if any(c in text for c in ".en") else text + ".0"
    return repr(x)


def render_call(func: str, args: Sequence[object], kwargs: Mapping[str, object]) -> str:
    parts = [render_input(a, True) for a in args] + [f"{k}={render_input(v, True)}" for k, v in kwargs.items()]
    return f"{func}({', '.join(parts)})"


def reply_problem(reply: Reply, func: str) -> Words:
    """What went wrong with a reply that is not a result, in a student's words."""
    if reply.status == "error":
        error = reply.error or {}
        # The exception's class name, message and source line are the student's: student text.
        kind, message = str(error.get("type", "an error")), str(error.get("message", ""))
        if kind == "NotImplementedError":
            return prose(f"{func} is not implemented yet (it still raises NotImplementedError)")
        line = error.get("line")
        line = line if isinstance(line, int) and not isinstance(line, bool) else None
        # a notebook: Jupyter shows no cell numbers, so the cell is named by its function
        of = f" of the cell with your {func}" if error.get("cell") is not None else ""
        where = at_line(line, error.get("source"), of)
        if message:
            return words("raised ", student(kind), ": ", student(message), where)
        return words("raised ", student(kind), where)
    if reply.status == "timeout":
        return prose("did not finish in time and was stopped (an endless loop?)")
    if reply.status == "crashed":
        return words("ended the grading process (", student(reply.detail), ")")
    if reply.status == "skipped":  # a broken function, or loading the file again failed (the load's facts)
        detail = reply.detail if reply.load is None else loading.load_error(reply.load)["message"]
        return words("was not run: ", student(detail))
    if reply.status == "unavailable":
        return prose("could not run because your file did not load (see the top of this page)")
    if reply.status == "missing":
        return words("could not run: your file has no function named ", student(reply.detail))
    return words("sent back something the grader cannot read (", student(reply.detail), ")")


#: A case's Outcome for a reply the host shares (see Case.run), kept for the grading run.
_JUDGED: Key[ByIdentity[Outcome]] = Key("a case's Outcome for a shared reply", lambda: ByIdentity(kept=50_000))


@dataclass(frozen=True)
class Case:
    """Call `func(*args, **kwargs)` and check the result (expect="value") or that the inputs are unchanged."""

    id: str
    item: str
    func: str
    args: tuple[Any, ...]  # numbers, lists and numpy arrays, as the student's function receives them
    about: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    hidden: bool = True
    expect: Expect = "value"
    group: str = ""

    def __post_init__(self) -> None:
        if self.expect not in EXPECTS:
            raise ValueError(f"case {self.id}: expect must be one of {EXPECTS}, got {self.expect!r}")
        if not self.id.startswith(self.item + "."):
            raise ValueError(f"case {self.id}: its id must start with its item id {self.item!r}")

    @cached_property
    def twin(self) -> Case:
        """The same call with every list or integer input as a float64 array (or float): the `same` check's yardstick."""

        def as_float(x: object) -> object:
            if isinstance(x, bool) or not isinstance(x, (int, float, list, np.ndarray)):
                return x
            return float(x) if isinstance(x, (int, float)) else np.asarray(x, dtype=np.float64)

        kinds = [p.kind for p in functions.BY_NAME[self.func].parameters]
        # a count (t) is not data: it stays an integer
        args = tuple(a if kinds[i] == "count" else as_float(a) for i, a in enumerate(self.args))
        return Case(
            self.id + ".float64", self.item, self.func, args, self.about, self.kwargs, self.hidden, "value", self.group
        )

    @property
    def fixed_call(self) -> Case | None:
        return self

    @property
    def unrolled(self) -> Unrolled | None:
        return None

    def notebook_lines(self) -> tuple[list[str], list[str]]:
        line = lines.case_line(self)
        return ([], [line]) if self.hidden else ([line], [])

    def requests(self) -> list[tuple[Message, tuple[str, ...]]]:
        pairs = [(self.request(), self.uses)]
        if self.expect == "same":
            pairs.append((self.twin.request(), self.uses))
        return pairs

    @property
    def uses(self) -> tuple[str, ...]:
        return (self.func,)

    @cached_property
    def passed_by_an_input(self) -> bool:
        """Whether returning one of the inputs unchanged would pass this value check (t = 1000 barely
        corrects v): such a check alone earns its function nothing (grading.counts_alone)."""
        expected = np.asarray(self.expected, dtype=np.float64)
        for arg in self.args:
            try:
                arg = np.asarray(arg, dtype=np.float64)
            except (TypeError, ValueError):
                continue
            if arg.shape == expected.shape and np.allclose(arg, expected, rtol=RTOL, atol=0.0):
                return True
        return False

    @cached_property
    def expected(self) -> float | npt.NDArray[np.float64]:
        """The oracle's answer at exactly these inputs, as float64."""
        return oracle.to_float(oracle.FUNCTIONS[self.func](*self.args, **self.kwargs))

    @property
    def call_text(self) -> str:
        return render_call(self.func, self.args, self.kwargs)

    def request(self) -> Message:
        return self._request

    @cached_property
    def _request(self) -> Message:
        # Built once: the same checks serve every student of a term (terms.checks_for_seed), and the host
        # keeps each request's encoding (host._line), so a case is encoded once per grading run, not per student.
        return protocol.call_request(
            self.func,
            [encode_input(a) for a in self.args],
            {k: encode_input(v) for k, v in self.kwargs.items()},
            inputs_after=self.expect == "unchanged",
        )

    def run(self, call: Call, shared: Run | None = None) -> Outcome:
        reply = call(self.request(), self.uses)
        twin = call(self.twin.request(), self.uses) if self.expect == "same" else None
        if shared is None or reply.value is None or (twin is not None and twin.value is None):
            return self._outcome(reply, twin)
        # A reply (and twin) the host shares with earlier students of the run (the very same objects, see
        # host._checked) gets their very Outcome: it depends on nothing else.
        value, twin_value = reply.value, twin.value if twin is not None else None
        key = (id(self), id(value), id(twin_value))
        return shared[_JUDGED].get(key, (self, value, twin_value), lambda: self._outcome(reply, twin))

    def _outcome(self, reply: Reply, twin: Reply | None) -> Outcome:
        problem = self.judge(reply, twin)
        # Read-only, as the reply it holds (host._checked): an Outcome may be shared by the run's students.
        returned = reply.value if reply.ok else frozen({"status": reply.status, "error": reply.error})
        return Outcome(
            self.id,
            self.item,
            problem is None,
            self.hidden,
            self.about,
            EMPTY if problem is None else words(code(self.call_text), f" ({self.about}) ", problem, "."),
            returned=returned,
            group=self.group,
            kind=self.expect,
        )

    def judge(self, reply: Reply, twin: Reply | None = None) -> Words | None:
        """None when the reply passes this case, else the problem in words (no hidden expected value)."""
        if not reply.ok:
            return reply_problem(reply, self.func)
        value = reply.value or {}  # the guest's reply: always there when ok
        if self.expect == "unchanged":
            return self._changed_inputs(value.get("args_after"))
        if self.expect == "container":
            return judge_container(value.get("value"), self.expected)
        if self.expect == "same":
            return self._same_as_twin(value.get("value"), twin)
        problem = judge_value(value.get("value"), self.expected)
        if problem and not self.hidden:
            problem += f"; expected {show(self.expected)}"
        return problem

    def _same_as_twin(self, got: object, twin: Reply | None) -> Words | None:
        """Lists and integers in must give what the student's own function gives for float64 in."""
        if twin is None:
            return UNREADABLE
        if not twin.ok:
            return prose("could not be compared: your function fails on the float64 version of these inputs too")
        own, problem = as_values((twin.value or {}).get("value"), self.expected)
        if own is None:
            return prose(
                "could not be compared: your function's result for the float64 version of these inputs is not a number"
            )
        mine, problem = as_values(got, self.expected)
        if mine is None:
            return problem
        if not close(mine, own, equal_nan=True):
            return prose(
                "gives other values than for the same inputs as float64 arrays (convert lists and integers "
                "with np.asarray(x, dtype=float) first)"
            )
        return None

    def _changed_inputs(self, after: object) -> Words | None:
        if not isinstance(after, list) or len(after) != len(self.args):
            return UNREADABLE
        names = functions.BY_NAME[self.func].names  # for feedback that says which input was changed
        for name, sent, seen in zip(names, self.args, after):
            if not isinstance(sent, (list, np.ndarray)):
                continue
            if not isinstance(seen, dict) or seen.get("shape") != list(np.shape(sent)):
                return words("changed the shape of the ", code(name), " you passed in")
            if seen.get("data") != np.asarray(sent, dtype=np.float64).tolist():
                return words("changed the ", code(name), " array you passed in (work on a copy or build a new array)")
        return None
