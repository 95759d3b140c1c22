"""The lines between the grader and one guest, and what the submission printed.

A `Channel` is the grader's ends of a guest's two pipes: requests go out in one write when they fit the
(empty) request pipe, so a whole prefetch never blocks and the guest never waits for the next batch; reply
lines come back read ahead, split once per chunk (a batch's replies come together), so most replies are
taken without a clock or a system call. `Output` keeps what the submission printed, each ended guest's
output in turn, and the facts the grader noted between them (a notebook's cells), worded only when read.
Both work on file descriptors the host gives them; neither knows what a line means (protocol.py does).
"""

import collections
import fcntl
import io
import os
import select
from collections.abc import Callable
from typing import Generic, TypeVar

from autograder.sandbox.guest import protocol

# Requests written at once: at most what the (empty) request pipe holds, so the write never blocks. The
# grader asks for a pipe this large, so a student's whole prefetch goes in one write and the guest never
# waits for the next batch; where the kernel gives less (a user over fs/pipe-user-pages-soft gets one
# page), the batches are that much smaller.
PIPELINE_BYTES = 256 * 1024
F_SETPIPE_SZ, F_GETPIPE_SZ = 1031, 1032  # fcntl.F_SETPIPE_SZ and F_GETPIPE_SZ (Linux), named in Python 3.10+
READ_BYTES = 1 << 16


def pipe_room(fd: int) -> int:
    """Bytes that can be written to the empty pipe `fd` without blocking: PIPELINE_BYTES where the kernel
    grants a pipe that large, else what it holds, less a page of margin."""
    try:
        fcntl.fcntl(fd, F_SETPIPE_SZ, PIPELINE_BYTES)
    except OSError:  # EPERM past fs/pipe-max-size, or EBUSY: keep the pipe as it is
        pass
    try:
        return max(1, min(PIPELINE_BYTES, fcntl.fcntl(fd, F_GETPIPE_SZ) - 4096))
    except OSError:
        return 4096 - 512


def read_output(fd: int, keep: int) -> bytes:
    """What a guest printed (its output file, open as `fd`): all of it, or its first and last `keep` bytes
    and how much was cut. Read here, in the grader: the sandbox process never holds a student's output."""
    size = os.fstat(fd).st_size
    if size <= 2 * keep:
        return os.pread(fd, size, 0)
    head, tail = os.pread(fd, keep, 0), os.pread(fd, keep, size - keep)
    return head + f"\n[... {size - 2 * keep} bytes of output cut ...]\n".encode() + tail


class Channel:
    """The grader's ends of one guest's pipes: `requests` (write) and `replies` (read)."""

    def __init__(self, requests: int, replies: int) -> None:
        self.room = pipe_room(requests)  # what one write of prefetched requests may hold
        self._requests = os.fdopen(requests, "wb")
        self._replies = replies
        self._lines: collections.deque[bytearray] = collections.deque()  # complete reply lines read ahead
        self._partial = bytearray()  # the start of the next line

    def send(self, data: bytes) -> bool:
        """Write request lines; False if the guest is gone (the pipe is broken)."""
        try:
            self._requests.write(data)
            self._requests.flush()
        except BrokenPipeError:
            return False
        return True

    @property
    def waiting(self) -> bool:
        """Whether a whole reply line is read already."""
        return bool(self._lines)

    def take(self) -> bytearray:
        """The next whole reply line (only when `waiting`)."""
        return self._lines.popleft()

    def readable(self, timeout: float) -> bool:
        """Whether the guest has written something within `timeout` seconds."""
        return bool(select.select([self._replies], [], [], timeout)[0])

    def read(self) -> bool:
        """Read what the guest wrote (it is readable) into whole lines; False at end of file (it died)."""
        chunk = os.read(self._replies, READ_BYTES)
        if not chunk:
            return False
        self._partial += chunk
        if b"\n" in chunk:  # every line this chunk completes, split once (a batch's replies come together)
            *complete, self._partial = self._partial.split(b"\n")
            self._lines.extend(complete)
        return True

    @property
    def oversized(self) -> bool:
        """Whether the line being read is already past what any reply may hold."""
        return len(self._partial) > protocol.MAX_REPLY_BYTES

    def close(self) -> None:
        self._requests.close()
        os.close(self._replies)


Fact = TypeVar("Fact")


class Output(Generic[Fact]):
    """What one submission printed, each ended guest's output after the last, with the facts the grader
    noted about it (`note`) in the order they happened; `text` words the facts and cuts the whole."""

    def __init__(self, keep: int) -> None:
        self.keep = keep  # bytes kept from the start and from the end
        self._parts: list[bytes | Fact] = []
        self._bytes = io.BytesIO()  # the bytes since the last fact

    def add(self, data: bytes) -> None:
        self._bytes.write(data)

    def note(self, fact: Fact) -> None:
        self._flush()
        self._parts.append(fact)

    def _flush(self) -> None:
        if self._bytes.tell():
            self._parts.append(self._bytes.getvalue())
            self._bytes = io.BytesIO()

    def text(self, word: Callable[[Fact], str], running: bytes = b"") -> str:
        """All of it as text, each fact a `[grader]` line in `word`'s words, `running` (what the guest still
        running printed so far) at the end; cut to its first and last `keep` bytes."""
        self._flush()
        data = b"".join(
            part if isinstance(part, bytes) else f"[grader] {word(part)}\n".encode() for part in self._parts
        )
        data += running
        keep = self.keep
        if len(data) > 2 * keep + 256:  # the sandbox already cut each guest's output to this, marker included
            cut = len(data) - 2 * keep
            data = data[:keep] + f"\n[... {cut} bytes of output cut ...]\n".encode() + data[-keep:]
        return data.decode("utf-8", errors="replace")
