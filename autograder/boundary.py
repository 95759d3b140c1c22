"""The values both sides of the sandbox boundary use: what became of a request, as the host brings it back
and the judge reads it; what happened while a submission loaded (`LoadFailure`, `CellEvent`), as plain
facts that `judge/loading.py` words; and the notebook cell the replay runs. Plain data only, defined once:
the sandbox's host builds them, `judge/` reads them, and neither imports the other for them.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from autograder.sandbox.guest.protocol import Message


class Status(StrEnum):
    """What became of one request to the guest (`Reply.status`)."""

    OK = "ok"  # the guest answered with a result
    ERROR = "error"  # the student's code raised
    TIMEOUT = "timeout"  # no answer in time; every process of the submission was killed
    CRASHED = "crashed"  # the guest died
    SKIPPED = "skipped"  # a function the request needs hung or crashed earlier
    UNAVAILABLE = "unavailable"  # the submission did not load
    MISSING = "missing"  # a function the request needs is not defined
    PROTOCOL = "protocol"  # the guest answered with something that is not a reply


#: What came back for a request: the checked reply (Status.OK), why the guest died or what was wrong with
#: its reply (CRASHED, PROTOCOL), or nothing (TIMEOUT).
Payload = Message | str | None


def answer(payload: Payload) -> Message:
    """The reply that came with Status.OK: an object protocol.check_reply has checked."""
    if not isinstance(payload, dict):
        raise TypeError(f"a request answered ok carries the guest's reply, got {payload!r}")
    return payload


@dataclass(frozen=True)
class Reply:
    """What became of one request: plain data only. `status` says which (see `Status`)."""

    status: Status
    value: Message | None = None  # the guest's reply, when ok
    error: Mapping[str, Any] | None = None  # the student's exception (protocol.ErrorInfo), or the load error
    detail: str = ""

    load: "LoadFailure | None" = None  # SKIPPED because loading the submission again failed: why

    @property
    def ok(self) -> bool:
        return self.status == Status.OK


class LoadEnd(StrEnum):
    """How loading a submission failed, as the host saw it (`LoadFailure.end`)."""

    OUT_OF_TIME = "out_of_time"  # a reload found what the submission has in all used up
    TIMEOUT = "timeout"  # the load took its whole budget and was stopped
    CRASHED = "crashed"  # the guest died while loading (`detail`: how it ended)
    WROTE_CHANNEL = "wrote_channel"  # a line on the reply channel that is no reply: written by the file itself
    RAISED = "raised"  # the guest answered with the exception the file raised (`error`)
    STOPPED = "stopped"  # a notebook's cells ran, but the guest did not say which functions they defined
    UNREADABLE = "unreadable"  # the guest could not read the notebook (`detail`: why, in the guest's words)
    READ_STOPPED = "read_stopped"  # the guest stopped while reading the notebook (`detail`: how)


@dataclass(frozen=True)
class LoadFailure:
    """Why a submission did not load: facts only (what happened, and the limits it ran into); the judge words
    them (judge/loading.py). Who produced it follows from `end`: RAISED is the student's exception, any
    other end the grader's own finding."""

    end: LoadEnd
    timeout: float  # a load's budget
    total: float  # what the submission has in all
    notebook: bool = False  # a notebook's cells, not a file's import
    reload: bool = False  # loading again, after a call had ended the guest
    detail: str = ""  # how the guest ended, what was wrong with its line, or the status of the last request
    error: Mapping[str, Any] | None = None  # RAISED: the exception (protocol.ErrorInfo, checked)


@dataclass(frozen=True)
class Cell:
    """One code cell as the guest listed it (it reads the notebook, the grader never does): its position
    among all the notebook's cells (from 1), the heading above it (the student's text) and the graded
    functions it has a `def` line for."""

    number: int
    heading: str = ""
    defines: tuple[str, ...] = ()


class CellEnd(StrEnum):
    """What the replay of a notebook's cells noted about one cell (`CellEvent.end`)."""

    REFUSED = "refused"  # ran, but the sandbox refused a shell escape in it (`detail`: which, in the guest's words)
    TOO_MANY_DEAD = "too_many_dead"  # not run: `limit` earlier cells hung or crashed
    NO_TIME = "no_time"  # not run: the notebook had used up what it has in all
    TIMEOUT = "timeout"  # took its whole timeout and was stopped
    CUT = "cut"  # was stopped when the notebook used up what it has in all
    CRASHED = "crashed"  # ended the guest (`detail`: how), or wrote a line that is no reply
    RAISED = "raised"  # raised (`error`: the exception, as the guest reported it)


@dataclass(frozen=True)
class CellEvent:
    """One fact of a notebook's replay, in the order it happened; the judge words it (judge/loading.py)."""

    cell: int
    end: CellEnd
    detail: str = ""
    heading: str = ""  # the heading the cell sits under (the student's text)
    error: Mapping[str, Any] | None = None
    rerun: bool = False  # a cell that hung or crashed: the cells before it were run again
    limit: int = 0  # TOO_MANY_DEAD: how many dead cells stop the replay
    timeout: float = 0.0  # a cell's budget
    total: float = 0.0  # what the notebook has in all
