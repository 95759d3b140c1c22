"""The host: the grader's side of one submission. Start its guest, send requests, bound them in time, and
kill what hangs.

One `Host` serves one submission. It borrows a sandbox process from the `SandboxPool` it is given
(`pool.py`, `forker.py`), which forks a fresh guest (`guest.py`) for the submission: isolated as far as
the OS allows (see `pool.DESCRIPTIONS`), with resource limits and a private folder holding only a copy of
the submission. A loader gets the submission into the guest (`ModuleLoad` imports a .py file;
`autograder.notebook.replay` runs a notebook's cells), time-boxed like any call, and the host then
answers `call(request, uses)` with a `Reply`. A request that hangs past the timeout gets every process of
the submission killed; the functions it used are then marked hung and later requests that use them are
skipped at once. So are those of a request that crashes the guest, or raises MemoryError (that guest is
ended too: the next request gets a fresh one, with memory). Each function has one timeout in all over its
calls; each load (a notebook's cell) one
timeout; and the whole submission (functions + 1) x timeout, which every request is charged to, loads,
a notebook's cells and every reload after a call ended the guest included. So one submission costs at
most (functions + 1) x timeout plus a small constant (GRACE, and starting guests) however it spends it. `close()` returns only once every
process the submission started is dead, or, for a host made with `hand_back` (grade_batch's), at once: the
sandbox then ends the submission while the grader goes on, and the pool waits for that before the sandbox
serves anyone else.
"""

from __future__ import annotations

import collections
import fcntl
import io
import os
import select
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Protocol

from autograder.boundary import Payload, Reply, Status, answer
from autograder.config import GradeConfig
from autograder.memo import ByIdentity
from autograder.results import LoadError, grader_load_error
from autograder.rubric import FUNCTIONS
from autograder.sandbox import cpu, protocol
from autograder.sandbox.pool import Level, SandboxLost, SandboxPool, SandboxProcess, default_pool
from autograder.sandbox.protocol import Message

# Of each function a request does not use, this much of a timeout is kept back from CPU-starvation credit.
RESERVE = 0.5
# The least share of a reply's wait the guest must have spent waiting for a CPU to be credited at all.
STARVED_SHARE = 0.25
CREDIT_STEP = 0.25  # seconds of credit at a time, so the hog check below runs again before the next
HOG_CPUS = 1.5  # CPUs a submission's processes may use together while credited (one process uses at most 1)
# Seconds the grader waits for a reply before it reads the guest's CPU wait (see _await_line).
QUICK_WAIT = 0.02
# Requests written at once: at most what the (empty) request pipe holds, so the write never blocks. The
# grader asks for a pipe this large, so a student's whole prefetch goes in one write and the guest never
# waits for the next batch; where the kernel gives less (a user over fs/pipe-user-pages-soft gets one
# page), the batches are that much smaller.
PIPELINE_BYTES = 256 * 1024
F_SETPIPE_SZ, F_GETPIPE_SZ = 1031, 1032  # fcntl.F_SETPIPE_SZ and F_GETPIPE_SZ (Linux), named in Python 3.10+


def _pipe_room(fd: int) -> int:
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


#: Seconds a grader-side question (which functions a notebook defined) gets beyond the load budget: it runs
#: no student code unless a module-level __getattr__ is defined, and must be answered even once the
#: budget is spent. Part of the "small constant" in the time bound.
GRACE = 0.5


def _out_of_memory(status: Status, payload: Payload) -> bool:
    """Whether the reply says the student's call raised MemoryError: it took the whole memory limit, at
    the machine's cost (a bomb that touches what it takes spends seconds of system time on each call),
    and left its guest short of memory for whatever runs next there."""
    if status != Status.OK or not isinstance(payload, dict) or payload.get("ok") is not False:
        return False
    error = payload.get("error")
    return isinstance(error, dict) and error.get("type") == "MemoryError"


class GuestStartError(RuntimeError):
    """The guest died or hung while setting up, before loading the submission: a bug or a bad set-up of
    the grader (a memory limit too small to start Python, say), never something a student did."""


_LINES: ByIdentity[bytes] = ByIdentity(kept=4096)  # see _line
_CHECKED: ByIdentity[Message] = ByIdentity(kept=8192)  # see _checked


def _line(request: Message) -> bytes:
    """The request as the line written to the guest, which is also how a prefetched reply is found.

    Kept per request object (autograder/memo.py): the checks are the same objects for every student of a
    term and build each request once (checks.Case.request), so each is encoded once per run rather than
    once or twice per student."""
    return _LINES.get(id(request), (request,), lambda: protocol.dumps(request))


def _checked(request: Message, line: bytes) -> Message:
    """The reply `line` to `request`, parsed and checked (protocol.parse, protocol.check_reply); ProtocolError
    if it is not one.

    A line found valid once for a request is valid again, and parses to the same reply: most students send
    the very replies their classmates sent (the right values, or the same common mistake), so most lines are
    parsed and checked once per run, not once per student (autograder/memo.py). The reply is then shared by
    every student who sent that line: the grader reads replies, never changes them. A line that fails raises,
    and so is never kept."""

    def work() -> Message:
        payload = protocol.parse(line)
        protocol.check_reply(request, payload)
        return payload

    return _CHECKED.get((id(request), line), (request,), work)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, os.SEEK_SET)


def read_output(fd: int, keep: int) -> bytes:
    """What a guest printed (its output file, open as `fd`): all of it, or its first and last `keep` bytes
    and how much was cut. Read here, in the grader: the sandbox process never holds a student's output."""
    size = os.fstat(fd).st_size
    if size <= 2 * keep:
        return os.pread(fd, size, 0)
    head, tail = os.pread(fd, keep, 0), os.pread(fd, keep, size - keep)
    return head + f"\n[... {size - 2 * keep} bytes of output cut ...]\n".encode() + tail


def isolation(config: GradeConfig, pool: SandboxPool | None = None) -> str:
    """The isolation level this config gets here, in words (results.json's extra_data["isolation"])."""
    return (pool or default_pool()).resolve(config.isolation)[1]


class Loader(Protocol):
    """What gets a submission into the guest: `ModuleLoad`, or `notebook.replay.CellReplay`."""

    @property
    def preload(self) -> tuple[str, ...]:
        """Modules the sandbox process imports once for every guest (see protocol.spawn_request)."""

    def load(self, host: Host) -> tuple[Mapping[str, object] | None, LoadError | None]:
        """(available, load_error): which graded functions are defined, or why the submission did not load."""


class ModuleLoad:
    """Gets a .py submission into the guest: import it, time-boxed, and see which functions it defines."""

    preload: tuple[str, ...] = ()  # modules the sandbox process imports once for every guest

    def load(self, host: Host) -> tuple[Mapping[str, object] | None, LoadError | None]:
        """(available, load_error): which graded functions are defined, or why the file did not load."""
        timeout = host.config.timeout
        again = (
            f"loading your file again (a call had ended the worker) took it past the {host.total:g} s "
            f"your submission has in all"
        )
        if host.load_budget() <= 0:
            return None, grader_load_error("Timeout", again)
        reload = host.loads > 1
        host.start()
        status, payload = host.load_roundtrip(protocol.load_request(str(host.submission), host.functions))
        if status == Status.TIMEOUT:
            return None, grader_load_error(
                "Timeout", again if reload else f"loading your file took longer than {timeout:g} s"
            )
        if status == Status.CRASHED:
            return None, grader_load_error("Crashed", f"your file ended the process while loading ({payload})")
        if status == Status.PROTOCOL:  # a line that is no reply: written by the file itself (a guest never sends one)
            return None, grader_load_error(
                "Crashed",
                "your file wrote to the grader's reply channel while it was loading, so nothing in it could be "
                f"graded ({str(payload)[:200]})",
            )
        reply = answer(payload)
        if reply.get("ok") is not True:
            error: LoadError = reply["error"]  # protocol.ErrorInfo, checked by protocol.check_error
            return None, error
        functions: dict[str, object] = reply.get("functions", {})  # checked by protocol.check_reply
        return functions, None


class Host:
    """The grader's side of one submission (see the module docstring). Use it as a context manager."""

    def __init__(
        self,
        source: str | Path,
        config: GradeConfig,
        functions: Iterable[str] = FUNCTIONS,
        loader: Loader | None = None,
        pool: SandboxPool | None = None,
        data: bytes | None = None,
        hand_back: bool = False,
        rlimits: Mapping[str, int] | None = None,
    ) -> None:
        self.config = config
        # close() returns at once, the sandbox ending the submission meanwhile; the pool waits for that
        # before the sandbox serves anyone else, and SandboxPool.settle() for all of them (grade_batch).
        self.hand_back = hand_back
        self.functions = tuple(functions)
        self.loader: Loader = loader or ModuleLoad()
        self.pool = pool or default_pool()
        # The guest's resource limits beyond (or instead of) those the config gives: see _limits.
        self._rlimits = dict(rlimits or {})
        self.broken: dict[str, str] = {}  # function name -> why its later calls are skipped ("timed out", ...)
        self._spent: dict[str, float] = {}  # function name -> seconds its calls have taken so far
        # request (as JSON) -> [(status, payload)] answered ahead by prefetch()
        self._prefetched: dict[bytes, list[tuple[Status, Payload]]] = {}
        # set when the submission cannot be loaded; every call is then unavailable
        self.load_error: LoadError | None = None
        self.loads = 0  # times the submission was loaded (again after a call ended its guest)
        # why loading it again failed, once it had loaded: later calls are skipped
        self.reload_error: str | None = None
        self.total = (len(self.functions) + 1) * config.timeout  # seconds the whole submission has
        self._total_spent = 0.0  # seconds every request has taken so far, loads and reloads included
        self.available: dict[str, bool] = {}
        self.level: Level
        self.level, self.isolation = self.pool.resolve(config.isolation)
        # the borrowed sandbox process while a guest serves this submission
        self._sandbox: SandboxProcess | None = None
        self._batch_bytes = 4096 - 512  # what one write of prefetched requests may hold (see _pipe_room)
        self._lines: collections.deque[bytearray] = collections.deque()  # complete reply lines read ahead
        self._partial = bytearray()  # the start of the next line
        self._source = Path(source)
        self._data = data  # the file's bytes as the grader read and checked them (discover.Submission.load)
        self._name = "second_moment" + (self._source.suffix or ".py")
        self.submission: Path | None = None  # the file's path inside the sandbox, once a guest has it
        self._guest_pid: int | None = None
        # the same guest as the grader sees it (level os: another pid namespace)
        self._guest_host_pid: int | None = None
        self._starved = 0.0  # seconds the last reply's wait was extended because the guest waited for a CPU
        self._uses: Sequence[str] = ()  # the functions the request being answered runs (none: a load, a cell)
        self._output = io.BytesIO()  # grader notes, and each ended guest's output
        # the guest's pipes and output, while it runs (set by start)
        self._requests: BinaryIO
        self._replies: int
        self._printed: int

    def __enter__(self) -> Host:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # -- requests -------------------------------------------------------------------------------------

    def call(self, request: Message, uses: Sequence[str]) -> Reply:
        """Send one request that runs the student's functions `uses`; return a Reply, never raise for them.
        A reply `prefetch` already has is returned as it came (the request ran before anything broke)."""
        line = _line(request)
        waiting = self._prefetched.get(line)
        if waiting:
            status, payload = waiting.pop(0)
            return self._reply(status, payload)  # its functions were broken, if it broke them, when it came
        for name in uses:
            if name in self.broken:
                return Reply(Status.SKIPPED, detail=f"{name} {self.broken[name]} earlier, so it was not called again")
        if not self._ensure_loaded():
            if self.load_error is None:  # it loaded once; loading it again after a call ended the guest failed
                return Reply(Status.SKIPPED, detail=self.reload_error or "")
            return Reply(Status.UNAVAILABLE, error=self.load_error)
        missing = [name for name in uses if not self.available.get(name)]
        if missing:
            return Reply(Status.MISSING, detail=", ".join(missing))
        start = time.monotonic()
        self._uses = uses
        status, payload = self.roundtrip(request, timeout=self._budget(uses), line=line)
        self._uses = ()
        self._charge(uses, time.monotonic() - start, self._starved)
        if self._break(status, payload, uses):
            self.kill()  # what runs next gets a fresh guest, with memory
        return self._reply(status, payload)

    def prefetch(self, pairs: Iterable[tuple[Message, Sequence[str]]]) -> None:
        """Send many (request, uses) at once and keep the replies for `call`, which then answers them
        without a round trip each. The guest runs them in order, exactly as if they were sent one by one,
        under the same time budget; if one hangs or crashes, it is answered as such, its functions are
        broken from then on, and the rest go on in one write to a fresh guest (not one round trip each)."""
        pending = collections.deque(pairs)
        while pending:
            if not self._ensure_loaded():
                return  # `call` answers the rest: skipped, or unavailable
            batch: list[tuple[Message, Sequence[str], bytes]] = []
            size = 0
            while pending:
                request, uses = pending[0]
                if any(name in self.broken or not self.available.get(name) for name in uses):
                    pending.popleft()  # `call` says skipped or missing, without sending it
                    continue
                line = _line(request)
                if batch and size + len(line) > self._batch_bytes:
                    break
                pending.popleft()
                batch.append((request, uses, line))
                size += len(line)
            if not batch:
                return
            answered = self._pipeline(batch)
            pending.extendleft((request, uses) for request, uses, _ in reversed(batch[answered:]))

    def _pipeline(self, batch: Sequence[tuple[Message, Sequence[str], bytes]]) -> int:
        """One write of the batch's requests (small enough never to block), then their replies in order.
        Returns how many got a reply: all of them, or up to the one that ended the guest (a hang, a crash,
        a forged reply, a call out of memory), whose functions are then broken."""
        try:
            self._requests.write(b"".join(line for _, _, line in batch))
            self._requests.flush()
        except BrokenPipeError:
            self._store(batch[0], Status.CRASHED, self._death())
            return 1
        start = time.monotonic()
        for answered, (request, uses, line) in enumerate(batch, start=1):
            self._uses = uses
            # (a reply already read needs no budget: it is not waited for)
            status, payload = self._receive(0.0 if self._lines else self._budget(uses), request)
            self._uses = ()
            now = time.monotonic()
            self._charge(uses, now - start, self._starved)
            start = now
            if self._store((request, uses, line), status, payload):
                self.kill()  # the requests already sent would each take the memory limit again
                return answered
            if status in (Status.TIMEOUT, Status.CRASHED, Status.PROTOCOL) or self._sandbox is None:
                return answered
        return len(batch)

    def _store(self, sent: tuple[Message, Sequence[str], bytes], status: Status, payload: Payload) -> bool:
        """Keep a prefetched reply for `call`; a hang, a crash or running out of memory breaks its functions
        now, so what is sent next leaves them out (the reply itself still says what happened). True when
        the guest must be ended (see _break)."""
        _, uses, line = sent
        self._prefetched.setdefault(line, []).append((status, payload))
        return self._break(status, payload, uses)

    def _budget(self, uses: Sequence[str]) -> float:
        """Each function has `timeout` seconds in all, over every call: a function that takes just under
        the timeout on each of its many calls (a memory bomb, a sleep) still costs at most one timeout."""
        # A request that runs no graded function (reading part 5's written answer) has one timeout of its own.
        left = self.config.timeout - max((self._spent.get(name, 0.0) for name in uses), default=0.0)
        return max(0.0, min(left, self.total - self._total_spent))

    def _charge(self, uses: Sequence[str], seconds: float, starved: float = 0.0) -> None:
        """`seconds` of wall-clock time against the submission's total; to the functions, less the time
        their guest spent waiting for a CPU (cpu.py)."""
        self._total_spent += seconds
        for name in uses:
            self._spent[name] = self._spent.get(name, 0.0) + seconds - starved

    def _reserve(self) -> float:
        """Wall time kept back from starvation credit for the functions the current request does not use, so
        a starved endless loop cannot take the quick calls of the others with it (RESERVE of a timeout each)."""
        others = [f for f in self.functions if f not in self._uses and f not in self.broken]
        timeout = self.config.timeout
        return sum(min(RESERVE * timeout, max(0.0, timeout - self._spent.get(f, 0.0))) for f in others)

    def _break(self, status: Status, payload: Payload, uses: Sequence[str]) -> bool:
        """Mark `uses` as not to be called again if this reply says a call of theirs hung, crashed the guest
        or ran out of memory: each further call would most likely do the same, at that cost again. True
        when the guest is still alive but must be ended (out of memory: it is short of it for what runs
        next; a hang or a crash has ended it already)."""
        if status is Status.OK:  # most replies: nothing broken unless the student's call ran out of memory
            if not _out_of_memory(status, payload):
                return False
            why = "ran out of memory"
        elif status == Status.TIMEOUT:
            why = "timed out"
        elif status == Status.CRASHED:
            why = f"crashed the worker ({payload})"
        else:
            return False
        for name in uses:
            self.broken[name] = why
        return status is Status.OK

    def _reply(self, status: Status, payload: Payload) -> Reply:
        if status in (Status.TIMEOUT, Status.CRASHED):
            return Reply(status, detail=str(payload or ""))
        if status == Status.PROTOCOL:
            return Reply(Status.PROTOCOL, detail=str(payload))
        reply = answer(payload)
        if reply.get("ok") is True:
            return Reply(Status.OK, value=reply)
        error = reply.get("error")
        return Reply(Status.ERROR, error=error if isinstance(error, dict) else None)

    def output(self) -> str:
        """What the student's code printed, cut to the first and last few KB."""
        data = self._output.getvalue()
        if self._sandbox is not None:
            data += read_output(self._printed, self._keep())
        keep = self.config.output_keep_kb * 1024
        if len(data) > 2 * keep + 256:  # the sandbox already cut each guest's output to this, marker included
            cut = len(data) - 2 * keep
            data = data[:keep] + f"\n[... {cut} bytes of output cut ...]\n".encode() + data[-keep:]
        return data.decode("utf-8", errors="replace")

    def close(self) -> None:
        """End the submission: every process it started is dead when this returns; with `hand_back`, once
        its sandbox serves anyone else (see SandboxPool.acquire and settle)."""
        if not self.hand_back or self._sandbox is None:
            self.kill()
            return
        sandbox = self._sandbox
        self._hang_up()
        os.close(self._printed)  # what the guest printed was read by output(), before the end
        try:
            sandbox.finish_later(self._guest_pid)
        except SandboxLost:
            return  # closed, and the guest's session killed, by finish_later
        self.pool.release(sandbox)

    def _keep(self) -> int:
        return self.config.output_keep_kb * 1024

    # -- the guest, for loaders -----------------------------------------------------------------------

    def _ensure_loaded(self) -> bool:
        if self._sandbox is not None:
            return True
        if self.load_error is not None or self.reload_error is not None:
            return False
        self.loads += 1
        available, error = self.loader.load(self)
        if error is not None:
            self.kill()
            if self.loads > 1 and self.available:  # the file did load: only this reload failed
                self.reload_error = error.get("message", "")
            else:
                self.load_error = error
            return False
        if available is None:  # a loader that says neither what loaded nor why not: the grader's bug
            raise TypeError(f"{type(self.loader).__name__}.load returned neither functions nor a load error")
        self.available = {name: available.get(name) is True for name in self.functions}
        return True

    def load_budget(self) -> float:
        """Seconds the next load (or notebook cell) may take: one timeout, within what the submission has left."""
        return max(0.0, min(self.config.timeout, self.total - self._total_spent))

    def load_roundtrip(self, request: Message, grace: float = 0.0) -> tuple[Status, Payload]:
        """A request that loads (imports the file, runs a cell): answered within load_budget() (plus `grace`),
        and its time charged to the submission."""
        start = time.monotonic()
        status, payload = self.roundtrip(request, timeout=self.load_budget() + grace)
        self._total_spent += time.monotonic() - start
        return status, payload

    def note(self, text: str) -> None:
        """A line from the grader (about a notebook's cells, say), shown with what the student's code printed."""
        self._output.write(f"[grader] {text}\n".encode())
        self._output.flush()

    def _limits(self) -> dict[str, int]:
        """The guest's resource limits: the config's, then any the host was made with (`rlimits`)."""
        return {
            "RLIMIT_AS": self.config.memory_mb * 1024 * 1024,
            "RLIMIT_FSIZE": self.config.file_size_mb * 1024 * 1024,
            "RLIMIT_CORE": 0,
            # A last bound on what any one process of the submission can burn: all the submission has.
            "RLIMIT_CPU": int(self.total) + 2,
            **self._rlimits,
        }

    def start(self) -> None:
        """A fresh guest for this submission, ready for requests. Raises GuestStartError if it cannot start.
        A sandbox process lost on the way (at level basic a student can kill one) is replaced once."""
        request = protocol.spawn_request(self._name, self._limits(), self.loader.preload)
        # The file goes to the guest as a memfd: the sandbox process passes it on without reading it.
        source = os.memfd_create("submission", os.MFD_CLOEXEC)
        try:
            _write_all(source, self._source.read_bytes() if self._data is None else self._data)
            for attempt in (1, 2):
                sandbox = self.pool.acquire(self.level)
                try:
                    reply, fds = sandbox.request(request, fds=[source])
                    break
                except SandboxLost:
                    sandbox.close()
                    if attempt == 2:
                        raise
        finally:
            os.close(source)
        req_w, rep_r, self._printed = fds
        self._batch_bytes = _pipe_room(req_w)
        self._sandbox = sandbox
        self.submission = Path(reply["path"])
        self._guest_pid = reply.get("pid")  # its own session; a real pid at level basic (no pid namespace)
        self._guest_host_pid = sandbox.guest_pid(self._guest_pid) if self._guest_pid else None
        self._requests = os.fdopen(req_w, "wb")
        self._replies = rep_r
        self._lines, self._partial = collections.deque(), bytearray()
        # The guest says it is ready before it loads any student code, so a guest that dies before that
        # is the grader's own failure (loud), never a student's zero; and no student can fake one.
        status, payload = self._receive(self.config.timeout)
        if status != Status.OK:
            why = payload
            raise GuestStartError(
                f"the worker could not start, before any student code ran ({status}: {why}); "
                f"it printed: {self.output()[-2000:]!r}"
            )

    def roundtrip(
        self, request: Message, timeout: float | None = None, line: bytes | None = None
    ) -> tuple[Status, Payload]:
        """(status, payload): ok with the decoded reply, or timeout / crashed / protocol with a reason.
        The reply must come within `timeout` seconds (default: the config's). `line`: the request, encoded."""
        try:
            self._requests.write(protocol.dumps(request) if line is None else line)
            self._requests.flush()
        except BrokenPipeError:
            return Status.CRASHED, self._death()
        return self._receive(self.config.timeout if timeout is None else timeout, request)

    def _receive(self, timeout: float, request: Message | None = None) -> tuple[Status, Payload]:
        """The next reply, within `timeout` seconds: (status, payload) as for roundtrip. The reply must be
        what `request` calls for (see protocol.check_reply; None: the guest's ready line). Anything else
        is a protocol status, and the guest is killed: what it sends next cannot be trusted either."""
        self._starved = 0.0
        if not self._lines:  # most replies of a batch are read already: no clock, no system call
            failed = self._await_line(timeout, request)
            if failed is not None:
                return failed
        line = self._lines.popleft()
        try:
            # (no request: the guest's ready line)
            payload = protocol.check_ready(protocol.parse(line)) if request is None else _checked(request, bytes(line))
        except protocol.ProtocolError as err:
            self.kill()
            return Status.PROTOCOL, f"the worker sent something that is not a reply: {err}"
        return Status.OK, payload

    def _await_line(self, timeout: float, request: Message | None) -> tuple[Status, Payload] | None:
        """Read until a whole reply line is in self._lines (None), or say why none came: (timeout or crashed
        or protocol, detail), the guest then killed."""
        start = time.monotonic()
        deadline = start + timeout
        # Time the guest spent waiting for a CPU (a classmate's hog, a busy machine) is not its own: the
        # wait goes on by that much, a little at a time, within what the submission has left in all. Not
        # for a hog starved by its own processes: from the first extension on, its processes together
        # must not use more than one CPU (cpu.TreeClock, read only on this slow path).
        # The clock starts only once the grader has waited QUICK_WAIT: most replies come sooner, and reading
        # /proc for each of them was a good part of the grader's time per student. (What the guest waited
        # for a CPU in that first instant is not credited: a few milliseconds at most.)
        clock: cpu.StarvationClock | None = None
        tree: cpu.TreeClock | None = None
        since = 0.0
        while not self._lines:
            now = time.monotonic()
            remaining = deadline - now
            if remaining <= 0:
                starved = clock.starved() if clock is not None else 0.0
                left = self.total - self._total_spent - (now - start) - self._reserve()
                credit = min(starved - self._starved, left, CREDIT_STEP)
                if tree is None and clock is not None and clock.readable and self._sandbox is not None:
                    tree, since = cpu.TreeClock(self._sandbox.process_pid()), now
                elif tree is not None and (tree.used() or 0.0) > HOG_CPUS * (now - since):
                    credit = 0.0
                # Only a guest that mostly waited for a CPU: one that mostly slept (a sleep, a hang on I/O)
                # is charged its wall time, however busy the machine made its wake-ups.
                if credit > 0.005 and starved >= STARVED_SHARE * (now - start):
                    self._starved += credit
                    deadline += credit
                    continue
                self.kill()
                return Status.TIMEOUT, None
            if clock is None:
                ready, _, _ = select.select([self._replies], [], [], min(remaining, QUICK_WAIT))
                if not ready:
                    clock = cpu.StarvationClock(self._guest_host_pid if request is not None else None)
                    continue
            else:
                ready, _, _ = select.select([self._replies], [], [], remaining)
                if not ready:
                    continue
            chunk = os.read(self._replies, 1 << 16)
            if not chunk:
                return Status.CRASHED, self._death()
            self._partial += chunk
            if b"\n" in chunk:  # every line this chunk completes, split once (a batch's replies come together)
                *complete, self._partial = self._partial.split(b"\n")
                self._lines.extend(complete)
            if len(self._partial) > protocol.MAX_REPLY_BYTES:
                self.kill()
                return Status.PROTOCOL, "the worker sent an oversized reply"
        return None

    def _death(self) -> str:
        """Why the guest died, once every process of the submission is dead."""
        return self.kill() or "the sandbox process ended"

    def _hang_up(self) -> None:
        """Close the grader's ends of the guest's pipes and let go of its sandbox (close and kill then end
        the submission there, each in its own way)."""
        self._requests.close()
        os.close(self._replies)
        self._sandbox = None

    def kill(self) -> str | None:
        """Kill every process of the submission and wait for them; returns how the guest ended."""
        if self._sandbox is None:
            return None
        sandbox = self._sandbox
        self._hang_up()
        try:
            reply = sandbox.request(protocol.finish_request())[0]
        except SandboxLost as err:
            sandbox.lost(self._guest_pid)
            return str(err)[:300]
        finally:  # every process of the guest is dead (or its sandbox is): its output is complete
            self._output.write(read_output(self._printed, self._keep()))
            os.close(self._printed)
        self.pool.release(sandbox)
        status: str = reply["status"]  # checked by protocol.check_sandbox_reply
        return status
