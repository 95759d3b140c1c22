"""Which of a submission's functions are broken: not to be called again, and why.

A call that hangs, crashes its guest or raises MemoryError would most likely do the same on each further
call, at that cost again (a hang takes its function's whole timeout, a memory bomb seconds of system time
on each call). So its functions are marked here, and the host skips their later requests at once.
"""

from collections.abc import Iterator, Sequence

from autograder.boundary import Payload, Status


def out_of_memory(status: Status, payload: Payload) -> bool:
    """Whether the reply says the student's call raised MemoryError: it took the whole memory limit, at
    the machine's cost (a bomb that touches what it takes spends seconds of system time on each call),
    and left its guest short of memory for whatever runs next there."""
    if status != Status.OK or not isinstance(payload, dict) or payload.get("ok") is not False:
        return False
    error = payload.get("error")
    return isinstance(error, dict) and error.get("type") == "MemoryError"


class Broken:
    """The functions of one submission not to be called again: name -> why ("timed out", ...)."""

    def __init__(self) -> None:
        self.why: dict[str, str] = {}

    def __contains__(self, name: object) -> bool:
        return name in self.why

    def __iter__(self) -> Iterator[str]:
        return iter(self.why)

    def __len__(self) -> int:
        return len(self.why)

    def skipped(self, uses: Sequence[str]) -> str | None:
        """Why a request running `uses` is not sent, or None if none of them is broken."""
        for name in uses:
            if name in self.why:
                return f"{name} {self.why[name]} earlier, so it was not called again"
        return None

    def mark(self, status: Status, payload: Payload, uses: Sequence[str]) -> bool:
        """Mark `uses` broken if this reply says a call of theirs hung, crashed the guest or ran out of
        memory. True when the guest is still alive but must be ended (out of memory: it is short of it for
        what runs next; a hang or a crash has ended it already)."""
        if status is Status.OK:  # most replies: nothing broken unless the student's call ran out of memory
            if not out_of_memory(status, payload):
                return False
            why = "ran out of memory"
        elif status == Status.TIMEOUT:
            why = "timed out"
        elif status == Status.CRASHED:
            why = f"crashed the worker ({payload})"
        else:
            return False
        for name in uses:
            self.why[name] = why
        return status is Status.OK
