"""The grader's side of the worker: start it, send requests, bound them in time, and kill what hangs.

One `Worker` serves one submission. It borrows a sandbox process (`pool.py`, `zygote.py`) that forks a
fresh child for the submission: isolated as far as the OS allows (see `pool.DESCRIPTIONS`), with resource
limits and a private folder holding only a copy of the submission. It loads the submission (time-boxed
like any call), and then answers `call(request, uses)` with a `Reply`. A request that hangs past the
timeout gets every process of the submission killed; the functions it used are then marked hung and later
requests that use them are skipped at once. Each function also has one timeout in all over its calls, so
one submission costs at most about (functions + 1) x timeout however its time is spread. `close()`
returns only once every process the submission started is dead.
"""

import io
import json
import os
import select
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.config import GradeConfig
from autograder.rubric import FUNCTIONS
from autograder.sandbox.pool import POOL, SandboxLost

MAX_REPLY_BYTES = 16 * 1024 * 1024
PIPELINE_BYTES = 16 * 1024  # requests written at once: well under a pipe's buffer, so the write never blocks
MAX_DEAD_CELLS = 3  # notebook cells that may hang or crash before the rest are skipped


class WorkerStartError(RuntimeError):
    """The worker died or hung while setting up, before loading the submission: a bug or a bad set-up of
    the grader (a memory limit too small to start Python, say), never something a student did."""


@dataclass(frozen=True)
class Reply:
    """What became of one request: plain data only.

    status is one of: ok, error (student code raised), timeout, crashed (the worker died), skipped (a
    function it needs hung or crashed earlier), unavailable (the submission did not load), missing (a
    function it needs is not defined), protocol (the worker answered with something that is not a reply).
    """

    status: str
    value: dict | None = None
    error: dict | None = None
    detail: str = ""

    @property
    def ok(self):
        return self.status == "ok"


def _key(request):
    return json.dumps(request, sort_keys=True)


def isolation(config: GradeConfig):
    """The isolation level this config gets here, in words (results.json's extra_data["isolation"])."""
    return POOL.resolve(config.isolation)[1]


class Worker:
    """A worker process for one submission (see the module docstring). Use it as a context manager."""

    def __init__(self, source, config: GradeConfig, functions=FUNCTIONS, cells=None):
        self.config = config
        self.functions = tuple(functions)
        self.cells = None if cells is None else tuple(cells)  # a notebook's code cells (notebook.cells.Cell)
        self._dead_cells = {}  # cell number -> why it is not run again (it hung or ended the worker)
        self.cell_errors = {}  # cell number -> the error dict it raised, or {"type", "message"} if it hung or crashed
        self._cells_ran = False
        self.broken = {}  # function name -> why its later calls are skipped ("timed out", "crashed ...")
        self._spent = {}  # function name -> seconds its calls have taken so far
        self._prefetched = {}  # request (as JSON) -> [(status, payload)] answered ahead by prefetch()
        self.load_error = None  # set when the submission cannot be loaded; every call is then unavailable
        self.available = {}
        self.level, self.isolation = POOL.resolve(config.isolation)
        self._proc = None  # the borrowed sandbox while a child serves this submission
        self._buffer = bytearray()
        self._source = Path(source)
        self._name = "second_moment" + (self._source.suffix or ".py")
        self._submission = None  # the file's path inside the sandbox, once a child has it
        self._child = None
        self._output = io.BytesIO()  # grader notes, and each ended child's output

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- requests -------------------------------------------------------------------------------------

    def call(self, request, uses):
        """Send one request that runs the student's functions `uses`; return a Reply, never raise for them."""
        for name in uses:
            if name in self.broken:
                return Reply("skipped", detail=f"{name} {self.broken[name]} earlier, so it was not called again")
        if not self._ensure_loaded():
            return Reply("unavailable", error=self.load_error)
        missing = [name for name in uses if not self.available.get(name)]
        if missing:
            return Reply("missing", detail=", ".join(missing))
        waiting = self._prefetched.get(_key(request))
        if waiting:
            status, payload = waiting.pop(0)
        else:
            start = time.monotonic()
            status, payload = self._roundtrip(request, timeout=self._budget(uses))
            self._charge(uses, time.monotonic() - start)
        return self._reply(status, payload, uses)

    def prefetch(self, pairs):
        """Send many (request, uses) at once and keep the replies for `call`, which then answers them
        without a round trip each. The child runs them in order, exactly as if they were sent one by one,
        under the same time budget; if one hangs or crashes, it is answered as such and the rest are sent
        singly later (by `call`, on a fresh child), as they would have been."""
        if not self._ensure_loaded():
            return
        batch, size = [], 0
        for request, uses in pairs:
            if any(name in self.broken or not self.available.get(name) for name in uses):
                continue
            line = json.dumps(request).encode() + b"\n"
            if batch and size + len(line) > PIPELINE_BYTES:
                if not self._pipeline(batch):
                    return
                batch, size = [], 0
            batch.append((request, uses, line))
            size += len(line)
        if batch:
            self._pipeline(batch)

    def _pipeline(self, batch):
        """One write of the batch's requests (small enough never to block), then their replies in order."""
        try:
            self._requests.write(b"".join(line for _, _, line in batch))
            self._requests.flush()
        except BrokenPipeError:
            self._prefetched.setdefault(_key(batch[0][0]), []).append(("crashed", self._death()))
            return False
        start = time.monotonic()
        for request, uses, _ in batch:
            status, payload = self._receive(self._budget(uses))
            now = time.monotonic()
            self._charge(uses, now - start)
            start = now
            self._prefetched.setdefault(_key(request), []).append((status, payload))
            if status in ("timeout", "crashed") or self._proc is None:
                return False
        return True

    def _budget(self, uses):
        """Each function has `timeout` seconds in all, over every call: a function that takes just under
        the timeout on each of its many calls (a memory bomb, a sleep) still costs at most one timeout."""
        return max(0.0, self.config.timeout - max(self._spent.get(name, 0.0) for name in uses))

    def _charge(self, uses, seconds):
        for name in uses:
            self._spent[name] = self._spent.get(name, 0.0) + seconds

    def _reply(self, status, payload, uses):
        if status in ("timeout", "crashed"):
            why = "timed out" if status == "timeout" else f"crashed the worker ({payload})"
            for name in uses:
                self.broken[name] = why
            return Reply(status, detail=str(payload or ""))
        if status == "protocol":
            return Reply("protocol", detail=payload)
        if payload.get("ok") is True:
            return Reply("ok", value=payload)
        return Reply("error", error=payload.get("error") if isinstance(payload.get("error"), dict) else None)

    def output(self):
        """What the student's code printed, cut to the first and last few KB."""
        data = self._output.getvalue()
        if self._proc is not None:
            data += self._sandbox_request({"op": "peek", "keep": self._keep()}).get("output", "").encode()
        keep = self.config.output_keep_kb * 1024
        if len(data) > 2 * keep + 256:  # the sandbox already cut each child's output to this, marker included
            cut = len(data) - 2 * keep
            data = data[:keep] + f"\n[... {cut} bytes of output cut ...]\n".encode() + data[-keep:]
        return data.decode("utf-8", errors="replace")

    def close(self):
        self._kill()

    def _keep(self):
        return self.config.output_keep_kb * 1024

    # -- the process ----------------------------------------------------------------------------------

    def _ensure_loaded(self):
        if self._proc is not None:
            return True
        if self.load_error is not None:
            return False
        if self.cells is not None:
            return self._load_notebook()
        self._start()
        status, payload = self._roundtrip(
            {"op": "load", "path": str(self._submission), "functions": list(self.functions)}
        )
        if status == "timeout":
            self.load_error = {"type": "Timeout", "message": f"loading your file took longer than {self.config.timeout:g} s"}
        elif status == "crashed":
            self.load_error = {"type": "Crashed", "message": f"your file ended the process while loading ({payload})"}
        elif status == "protocol" or payload.get("ok") is not True:
            error = payload.get("error") if isinstance(payload, dict) else None
            self.load_error = error if isinstance(error, dict) else {"type": "Error", "message": str(payload)[:300]}
        else:
            found = payload.get("functions", {})
            self.available = {name: found.get(name) is True for name in self.functions}
            return True
        self._kill()
        return False

    def _load_notebook(self):
        """Run a notebook's cells in order, as a kernel would, but each under the timeout.

        A cell that raises is noted and the next one runs. A cell that hangs or ends the worker is noted,
        never run again, and the worker restarted with the cells that had finished run again, so later
        cells still see what earlier ones defined. Past MAX_DEAD_CELLS such cells the rest are skipped,
        which bounds a notebook's cost at about (MAX_DEAD_CELLS + 1) x cells x timeout in the worst case.
        """
        # After a later call kills the worker the cells run again: note what they did only the first time.
        note = (lambda text: None) if self._cells_ran else self._note
        self._cells_ran = True
        self._start()
        finished = []
        for cell in self.cells:
            if cell.note:
                note(f"cell {cell.number}: {cell.note}")
            if not cell.source or cell.number in self._dead_cells:
                continue
            if len(self._dead_cells) >= MAX_DEAD_CELLS:
                note(f"cell {cell.number} was not run: {MAX_DEAD_CELLS} earlier cells hung or crashed")
                continue
            status, payload = self._run_cell(cell)
            if status in ("timeout", "crashed", "protocol"):
                why = {"timeout": f"took longer than {self.config.timeout:g} s and was stopped"}.get(
                    status, f"ended the worker ({payload})"
                )
                self._dead_cells[cell.number] = why
                self.cell_errors.setdefault(cell.number, {"type": status.capitalize(), "message": why})
                again = " (earlier cells were run again, so their output may repeat)" if finished else ""
                note(f"cell {cell.number} {why}; the cells after it still ran{again}")
                finished = self._restart_with(finished)
                continue
            if payload.get("ok") is not True:
                error = payload.get("error") if isinstance(payload.get("error"), dict) else {}
                where = f" (line {error['line']})" if error.get("line") else ""
                note(f"cell {cell.number} raised {error.get('type', 'an error')}{where}: {error.get('message', '')}")
                self.cell_errors.setdefault(cell.number, error)
            finished.append(cell)
        status, payload = self._roundtrip({"op": "functions", "functions": list(self.functions)})
        if status != "ok" or payload.get("ok") is not True:
            self.load_error = {"type": "Crashed", "message": f"the worker stopped after running your cells ({status})"}
            self._kill()
            return False
        found = payload.get("functions", {})
        self.available = {name: found.get(name) is True for name in self.functions}
        return True

    def _run_cell(self, cell):
        return self._roundtrip({"op": "exec_cell", "cell": cell.number, "source": cell.source})

    def _restart_with(self, cells):
        """A fresh worker with `cells` run again; returns those that still finished (a cell that now hangs
        is dropped, and the restart begins again without it)."""
        while True:
            self._kill()
            self._start()
            for cell in cells:
                status, payload = self._run_cell(cell)
                if status in ("timeout", "crashed", "protocol"):
                    self._dead_cells[cell.number] = "hung or crashed when run again after a restart"
                    cells = [c for c in cells if c is not cell]
                    break
            else:
                return list(cells)

    def _note(self, text):
        """A line about the notebook's cells, shown with what the student's code printed."""
        self._output.write(f"[grader] {text}\n".encode())
        self._output.flush()

    def _limits(self):
        return {
            "RLIMIT_AS": self.config.memory_mb * 1024 * 1024,
            "RLIMIT_FSIZE": self.config.file_size_mb * 1024 * 1024,
            "RLIMIT_CORE": 0,
        }

    def _start(self):
        limits = self._limits()
        sandbox = POOL.acquire(self.level)
        request = {"op": "spawn", "name": self._name, "source": self._source.read_bytes().hex(), "rlimits": limits}
        if self.cells is not None:
            request["preload"] = ["matplotlib.pyplot"]  # notebooks plot; imported once per sandbox, not per child
        try:
            reply, fds = sandbox.request(request)
        except SandboxLost:
            sandbox.close()
            raise
        req_w, rep_r = fds
        self._proc = sandbox
        self._submission = Path(reply["path"])
        self._child = reply.get("pid")  # its own session; a real pid at level basic (no pid namespace)
        self._requests = os.fdopen(req_w, "wb")
        self._replies = rep_r
        self._buffer = bytearray()
        # child.py says it is ready before it loads any student code, so a worker that dies before that
        # is the grader's own failure (loud), never a student's zero; and no student can fake one.
        status, payload = self._receive(self.config.timeout)
        if status != "ok" or payload.get("ready") is not True:
            why = self._kill() if status == "ok" else payload
            raise WorkerStartError(
                f"the worker could not start, before any student code ran ({status}: {why}); "
                f"it printed: {self.output()[-2000:]!r}"
            )

    def _roundtrip(self, request, timeout=None):
        """(status, payload): ok with the decoded reply, or timeout / crashed / protocol with a reason.
        The reply must come within `timeout` seconds (default: the config's)."""
        try:
            self._requests.write(json.dumps(request).encode() + b"\n")
            self._requests.flush()
        except BrokenPipeError:
            return "crashed", self._death()
        return self._receive(self.config.timeout if timeout is None else timeout)

    def _receive(self, timeout):
        """The next reply, within `timeout` seconds: (status, payload) as for _roundtrip."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._kill()
                return "timeout", None
            ready, _, _ = select.select([self._replies], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self._replies, 1 << 16)
            if not chunk:
                return "crashed", self._death()
            self._buffer += chunk
            if len(self._buffer) > MAX_REPLY_BYTES:
                self._kill()
                return "protocol", "the worker sent an oversized reply"
        line, _, rest = bytes(self._buffer).partition(b"\n")
        self._buffer = bytearray(rest)
        try:
            payload = json.loads(line)
        except ValueError:
            return "protocol", "the worker sent something that is not JSON"
        if not isinstance(payload, dict):
            return "protocol", "the worker sent something that is not a reply"
        return "ok", payload

    def _death(self):
        """Why the worker died, once every process of the submission is dead."""
        return self._kill() or "the sandbox process ended"

    def _sandbox_request(self, request):
        """A request to the borrowed sandbox; a sandbox that is lost is closed and the child counted dead."""
        try:
            return self._proc.request(request)[0]
        except SandboxLost as err:
            sandbox, self._proc = self._proc, None
            self._lost(sandbox)
            self._requests.close()
            os.close(self._replies)
            return {"ok": False, "status": str(err)[:300]}

    def _lost(self, sandbox):
        """A sandbox that died or stopped answering. Level os: closing it ends its pid namespace, so every
        process in it. Level basic: a student who killed it (same uid) may have left the child's session
        running without a subreaper to find it, so that session is killed from here."""
        sandbox.close()
        if sandbox.level == "basic" and self._child:
            try:
                os.killpg(self._child, signal.SIGKILL)
            except OSError:
                pass  # already gone

    def _kill(self):
        """Kill every process of the submission and wait for them; returns how the child ended."""
        if self._proc is None:
            return None
        self._requests.close()
        os.close(self._replies)
        sandbox, self._proc = self._proc, None
        try:
            reply = sandbox.request({"op": "finish", "keep": self._keep()})[0]
        except SandboxLost as err:
            self._lost(sandbox)
            return str(err)[:300]
        self._output.write(reply.get("output", "").encode())
        POOL.release(sandbox)
        return reply.get("status")
