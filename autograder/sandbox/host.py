"""The host: one submission's lifecycle on the grader's side. Start its guest, get the submission into it,
send requests, and end it: kill what hangs, and every process of the submission at the end.

One `Host` serves one submission. It borrows a sandbox process from the `SandboxPool` it is given
(`pool.py`), which forks a fresh guest (`guest/serve.py`, `guest/answers.py`) for the submission: isolated
as far as the OS allows (see `pool.DESCRIPTIONS`), with resource limits and a private folder holding only a
copy of the submission. A loader gets the submission into the guest (`ModuleLoad` imports a .py file;
`autograder.notebook.replay` runs a notebook's cells), time-boxed like any call, and the host then answers
`call(request, uses)` with a `Reply`. Its jobs beside the lifecycle each have a home of their own: the
lines in and out and what the submission printed (`channel.py`), every limit derived from the timeout
(`budget.py`: one per call, one per function over its calls, one per load, (functions + 1) x timeout in
all), and the functions not to be called again (`broken.py`): a request that hangs past the timeout gets
every process of the submission killed, and later requests that use its functions are skipped at once; so
are those of a request that crashes the guest, or raises MemoryError (that guest is ended too: the next
request gets a fresh one, with memory). What went wrong while loading is reported as plain facts
(`boundary.LoadFailure`), worded by the judge. `close()` returns only once every process the submission
started is dead, or, for a host made with `hand_back` (grade_batch's), at once: the sandbox then ends the
submission while the grader goes on, and the pool waits for that before the sandbox serves anyone else.
"""

from __future__ import annotations

import collections
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Protocol

from autograder.boundary import CellEvent, LoadEnd, LoadFailure, Payload, Reply, Status, answer
from autograder.config import GradeConfig
from autograder.memo import ByIdentity, Key, Run, frozen
from autograder.sandbox import cpu
from autograder.sandbox.broken import Broken
from autograder.sandbox.budget import QUICK_WAIT, Budget
from autograder.sandbox.channel import Channel, Output, read_output
from autograder.sandbox.guest import protocol
from autograder.sandbox.guest.protocol import Message
from autograder.sandbox.pool import Level, SandboxLost, SandboxPool, SandboxProcess, default_pool


class GuestStartError(RuntimeError):
    """The guest died or hung while setting up, before loading the submission: a bug or a bad set-up of
    the grader (a memory limit too small to start Python, say), never something a student did. `no_room`:
    it could not be set up because its folder's disk was full (protocol.NO_ROOM_EXIT)."""

    def __init__(self, message: str, no_room: bool = False) -> None:
        super().__init__(message)
        self.no_room = no_room


_LINES: Key[ByIdentity[bytes]] = Key("request lines", lambda: ByIdentity(kept=4096))  # see _line
_CHECKED: Key[ByIdentity[Message]] = Key("checked replies", lambda: ByIdentity(kept=8192))  # see _checked


def _line(run: Run, request: Message) -> bytes:
    """The request as the line written to the guest, which is also how a prefetched reply is found.

    Kept per request object in the grading run (autograder/memo.py): the checks are the same objects for
    every student of a term and build each request once (checks.Case.request), so each is encoded once per
    run rather than once or twice per student."""
    return run[_LINES].get(id(request), (request,), lambda: protocol.dumps(request))


def _checked(run: Run, request: Message, line: bytes) -> Message:
    """The reply `line` to `request`, parsed and checked (protocol.parse, protocol.check_reply); ProtocolError
    if it is not one.

    A line found valid once for a request is valid again, and parses to the same reply: most students send
    the very replies their classmates sent (the right values, or the same common mistake), so most lines are
    parsed and checked once per run, not once per student (autograder/memo.py). The reply is then shared by
    every student of the run who sent that line, frozen (memo.frozen): the grader reads replies, and a change
    raises. A line that fails raises, and so is never kept."""

    def work() -> Message:
        payload = protocol.parse(line)
        protocol.check_reply(request, payload)
        return frozen(payload)

    return run[_CHECKED].get((id(request), line), (request,), work)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, os.SEEK_SET)


def isolation(config: GradeConfig, pool: SandboxPool | None = None) -> str:
    """The isolation level this config gets here, in words (results.json's extra_data["isolation"])."""
    return (pool or default_pool()).resolve(config.isolation)[1]


class Loader(Protocol):
    """What gets a submission into the guest: `ModuleLoad`, or `notebook.replay.CellReplay`."""

    @property
    def preload(self) -> tuple[str, ...]:
        """Modules the sandbox process imports once for every guest (see protocol.spawn_request)."""

    def load(self, host: Host) -> tuple[Mapping[str, object] | None, LoadFailure | None]:
        """(available, failure): which graded functions are defined, or why the submission did not load."""


class ModuleLoad:
    """Gets a .py submission into the guest: import it, time-boxed, and see which functions it defines."""

    preload: tuple[str, ...] = ()  # modules the sandbox process imports once for every guest

    def load(self, host: Host) -> tuple[Mapping[str, object] | None, LoadFailure | None]:
        """(available, failure): which graded functions are defined, or why the file did not load (facts:
        the judge words them, judge/loading.py)."""
        reload = host.loads > 1
        if host.budget.for_load() <= 0:
            return None, host.load_failure(LoadEnd.OUT_OF_TIME, reload=reload)
        host.start()
        status, payload = host.load_roundtrip(protocol.load_request(str(host.submission), host.functions))
        if status == Status.TIMEOUT:
            return None, host.load_failure(LoadEnd.TIMEOUT, reload=reload)
        if status == Status.CRASHED:
            return None, host.load_failure(LoadEnd.CRASHED, reload=reload, detail=str(payload))
        if status == Status.PROTOCOL:  # a line that is no reply: written by the file itself (a guest never sends one)
            return None, host.load_failure(LoadEnd.WROTE_CHANNEL, reload=reload, detail=str(payload))
        reply = answer(payload)
        if reply.get("ok") is not True:  # the guest answered the load with the exception the file raised
            # protocol.ErrorInfo, checked by protocol.check_error: the student's, as the host knows from the reply
            return None, host.load_failure(LoadEnd.RAISED, reload=reload, error=reply["error"])
        functions: dict[str, object] = reply.get("functions", {})  # checked by protocol.check_reply
        return functions, None


class Host:
    """The grader's side of one submission (see the module docstring). Use it as a context manager."""

    def __init__(
        self,
        source: str | Path,
        config: GradeConfig,
        functions: Iterable[str],
        loader: Loader | None = None,
        pool: SandboxPool | None = None,
        data: bytes | None = None,
        hand_back: bool = False,
        rlimits: Mapping[str, int] | None = None,
        run: Run | None = None,
    ) -> None:
        self.config = config
        # close() returns at once, the sandbox ending the submission meanwhile; the pool waits for that
        # before the sandbox serves anyone else, and SandboxPool.settle() for all of them (grade_batch).
        self.hand_back = hand_back
        self.functions = tuple(functions)
        self.loader: Loader = loader or ModuleLoad()
        self.pool = pool or default_pool()
        self.run = run or Run()  # what the grading run works out once (memo.py): this host's own when none is given
        # The guest's resource limits beyond (or instead of) those the config gives: see _limits.
        self._rlimits = dict(rlimits or {})
        self.broken = Broken()  # the functions not to be called again, and why
        self.budget = Budget(config.timeout, self.functions)  # every limit derived from the timeout
        # request (as JSON) -> [(status, payload)] answered ahead by prefetch()
        self._prefetched: dict[bytes, list[tuple[Status, Payload]]] = {}
        # set when the submission cannot be loaded; every call is then unavailable
        self.load_error: LoadFailure | None = None
        self.loads = 0  # times the submission was loaded (again after a call ended its guest)
        # why loading it again failed, once it had loaded: later calls are skipped
        self.reload_error: LoadFailure | None = None
        self.available: dict[str, bool] = {}
        self.level: Level
        self.level, self.isolation = self.pool.resolve(config.isolation)
        # the borrowed sandbox process while a guest serves this submission
        self._sandbox: SandboxProcess | None = None
        self._source = Path(source)
        self._data = data  # the file's bytes as the grader read and checked them (discover.Submission.load)
        self._name = "second_moment" + (self._source.suffix or ".py")
        self.submission: Path | None = None  # the file's path inside the sandbox, once a guest has it
        self._guest_pid: int | None = None
        # the same guest as the grader sees it (level os: another pid namespace)
        self._guest_host_pid: int | None = None
        self._starved = 0.0  # seconds the last reply's wait was extended because the guest waited for a CPU
        self._uses: Sequence[str] = ()  # the functions the request being answered runs (none: a load, a cell)
        # what the submission printed, each ended guest's in turn, and the facts the grader noted between
        self._output: Output[CellEvent] = Output(config.output_keep_kb * 1024)
        # the guest's pipes and output, while it runs (set by start)
        self._channel: Channel
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
        line = _line(self.run, request)
        waiting = self._prefetched.get(line)
        if waiting:
            status, payload = waiting.pop(0)
            return self._reply(status, payload)  # its functions were broken, if it broke them, when it came
        skipped = self.broken.skipped(uses)
        if skipped is not None:
            return Reply(Status.SKIPPED, detail=skipped)
        if not self._ensure_loaded():
            if self.load_error is None:  # it loaded once; loading it again after a call ended the guest failed
                return Reply(Status.SKIPPED, load=self.reload_error)
            return Reply(Status.UNAVAILABLE, load=self.load_error)
        missing = [name for name in uses if not self.available.get(name)]
        if missing:
            return Reply(Status.MISSING, detail=", ".join(missing))
        start = time.monotonic()
        self._uses = uses
        status, payload = self.roundtrip(request, timeout=self.budget.for_call(uses), line=line)
        self._uses = ()
        self.budget.charge(uses, time.monotonic() - start, self._starved)
        if self.broken.mark(status, payload, uses):
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
                line = _line(self.run, request)
                if batch and size + len(line) > self._channel.room:
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
        if not self._channel.send(b"".join(line for _, _, line in batch)):
            self._store(batch[0], Status.CRASHED, self._death())
            return 1
        start = time.monotonic()
        for answered, (request, uses, line) in enumerate(batch, start=1):
            self._uses = uses
            # (a reply already read needs no budget: it is not waited for)
            status, payload = self._receive(0.0 if self._channel.waiting else self.budget.for_call(uses), request)
            self._uses = ()
            now = time.monotonic()
            self.budget.charge(uses, now - start, self._starved)
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
        the guest must be ended (see Broken.mark)."""
        _, uses, line = sent
        self._prefetched.setdefault(line, []).append((status, payload))
        return self.broken.mark(status, payload, uses)

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

    def output(self, word: Callable[[CellEvent], str]) -> str:
        """What the student's code printed, with what the grader noted (`word` words it), cut to the first
        and last few KB."""
        running = read_output(self._printed, self._keep()) if self._sandbox is not None else b""
        return self._output.text(word, running)

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
                self.reload_error = error
            else:
                self.load_error = error
            return False
        if available is None:  # a loader that says neither what loaded nor why not: the grader's bug
            raise TypeError(f"{type(self.loader).__name__}.load returned neither functions nor a load error")
        self.available = {name: available.get(name) is True for name in self.functions}
        return True

    def load_failure(
        self,
        end: LoadEnd,
        notebook: bool = False,
        reload: bool = False,
        detail: str = "",
        error: Mapping[str, object] | None = None,
    ) -> LoadFailure:
        """A loader's report of why the submission did not load, with the limits it ran into."""
        timeout, total = self.budget.timeout, self.budget.total
        return LoadFailure(end, timeout, total, notebook, reload, detail, error)

    def load_roundtrip(self, request: Message, grace: float = 0.0) -> tuple[Status, Payload]:
        """A request that loads (imports the file, runs a cell): answered within the budget's `for_load()`
        (plus `grace`), and its time charged to the submission."""
        start = time.monotonic()
        status, payload = self.roundtrip(request, timeout=self.budget.for_load() + grace)
        self.budget.charge_load(time.monotonic() - start)
        return status, payload

    def note(self, event: CellEvent) -> None:
        """A fact the grader noted (about a notebook's cell), shown, worded, with what the student's code printed."""
        self._output.note(event)

    def _limits(self) -> dict[str, int]:
        """The guest's resource limits: the config's, then any the host was made with (`rlimits`)."""
        return {
            "RLIMIT_AS": self.config.memory_mb * 1024 * 1024,
            "RLIMIT_FSIZE": self.config.file_size_mb * 1024 * 1024,
            "RLIMIT_CORE": 0,
            "RLIMIT_CPU": self.budget.cpu_seconds,
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
        self._channel = Channel(req_w, rep_r)
        self._sandbox = sandbox
        self.submission = Path(reply["path"])
        self._guest_pid = reply.get("pid")  # its own session; a real pid at level basic (no pid namespace)
        self._guest_host_pid = sandbox.guest_pid(self._guest_pid) if self._guest_pid else None
        # The guest says it is ready before it loads any student code, so a guest that dies before that
        # is the grader's own failure (loud), never a student's zero; and no student can fake one.
        status, payload = self._receive(self.budget.call_limit)
        if status != Status.OK:
            why = payload
            raise GuestStartError(
                f"the worker could not start, before any student code ran ({status}: {why}); "
                f"it printed: {self.output(repr)[-2000:]!r}",
                no_room=str(why).endswith(f"exit code {protocol.NO_ROOM_EXIT}"),
            )

    def roundtrip(
        self, request: Message, timeout: float | None = None, line: bytes | None = None
    ) -> tuple[Status, Payload]:
        """(status, payload): ok with the decoded reply, or timeout / crashed / protocol with a reason.
        The reply must come within `timeout` seconds (default: one call's limit). `line`: the request, encoded."""
        if not self._channel.send(protocol.dumps(request) if line is None else line):
            return Status.CRASHED, self._death()
        return self._receive(self.budget.call_limit if timeout is None else timeout, request)

    def _receive(self, timeout: float, request: Message | None = None) -> tuple[Status, Payload]:
        """The next reply, within `timeout` seconds: (status, payload) as for roundtrip. The reply must be
        what `request` calls for (see protocol.check_reply; None: the guest's ready line). Anything else
        is a protocol status, and the guest is killed: what it sends next cannot be trusted either."""
        self._starved = 0.0
        if not self._channel.waiting:  # most replies of a batch are read already: no clock, no system call
            failed = self._await_line(timeout, request)
            if failed is not None:
                return failed
        line = self._channel.take()
        try:
            # (no request: the guest's ready line)
            payload = (
                protocol.check_ready(protocol.parse(line))
                if request is None
                else _checked(self.run, request, bytes(line))
            )
        except protocol.ProtocolError as err:
            self.kill()
            return Status.PROTOCOL, f"the worker sent something that is not a reply: {err}"
        return Status.OK, payload

    def _await_line(self, timeout: float, request: Message | None) -> tuple[Status, Payload] | None:
        """Read until a whole reply line is waiting on the channel (None), or say why none came: (timeout or crashed
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
        channel = self._channel
        while not channel.waiting:
            now = time.monotonic()
            remaining = deadline - now
            if remaining <= 0:
                starved = clock.starved() if clock is not None else 0.0
                reserve = self.budget.reserve(self._uses, self.broken)
                credit = self.budget.credit(starved, self._starved, now - start, reserve)
                if tree is None and clock is not None and clock.readable and self._sandbox is not None:
                    tree, since = cpu.TreeClock(self._sandbox.process_pid()), now
                elif tree is not None and self.budget.hogging(tree.used() or 0.0, now - since):
                    credit = 0.0
                # Only a guest that mostly waited for a CPU: one that mostly slept (a sleep, a hang on I/O)
                # is charged its wall time, however busy the machine made its wake-ups.
                if self.budget.earned(credit, starved, now - start):
                    self._starved += credit
                    deadline += credit
                    continue
                self.kill()
                return Status.TIMEOUT, None
            if clock is None:
                if not channel.readable(min(remaining, QUICK_WAIT)):
                    clock = cpu.StarvationClock(self._guest_host_pid if request is not None else None)
                    continue
            elif not channel.readable(remaining):
                continue
            if not channel.read():
                return Status.CRASHED, self._death()
            if channel.oversized:
                self.kill()
                return Status.PROTOCOL, "the worker sent an oversized reply"
        return None

    def _death(self) -> str:
        """Why the guest died, once every process of the submission is dead."""
        return self.kill() or "the sandbox process ended"

    def _hang_up(self) -> None:
        """Close the grader's ends of the guest's pipes and let go of its sandbox (close and kill then end
        the submission there, each in its own way)."""
        self._channel.close()
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
            self._output.add(read_output(self._printed, self._keep()))
            os.close(self._printed)
        self.pool.release(sandbox)
        status: str = reply["status"]  # checked by protocol.check_sandbox_reply
        return status
