"""The values both sides of the sandbox boundary use: what became of a request, as the host brings it back
and the judge reads it. Plain data only, defined once: the sandbox's host builds them, `judge/` reads them,
and neither imports the other for them.
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

    @property
    def ok(self) -> bool:
        return self.status == Status.OK
