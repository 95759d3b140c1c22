"""Replaying a notebook's code cells in the guest, in order, as a kernel would, but each under the timeout.

A `CellReplay` is the loader a `sandbox.host.Host` uses for a notebook submission (the .py loader is
`host.ModuleLoad`). The grader never reads the notebook: each fresh guest reads it first, before any student
code runs there, and lists its code cells (`boundary.Cell`), which it then runs by number in IPython's own
shell (`sandbox/guest/cells_ipython.py`). A cell that raises is noted and the next one runs. A cell that
hangs or ends the guest is noted, never run again, and the guest restarted (it reads the notebook again)
with the cells that had finished run again, so later cells still see what earlier ones defined. Past
MAX_DEAD_CELLS such cells the rest are skipped.

Each cell has one timeout, and all of them share what the submission has in all (`Budget.for_load`),
reruns after a restart and replays after a call ended the guest included: a notebook costs what a .py
file costs, (functions + 1) x timeout plus a small constant.

What it notes are facts (`boundary.CellEvent`, `boundary.LoadFailure`): the judge words them
(judge/loading.py), so nothing here is written for the student.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from autograder.boundary import Cell, CellEnd, CellEvent, LoadEnd, LoadFailure, Payload, Status, answer
from autograder.notebook import cells
from autograder.sandbox.budget import GRACE, Budget
from autograder.sandbox.guest import protocol
from autograder.sandbox.guest.protocol import Message

MAX_DEAD_CELLS = 3  # notebook cells that may hang or crash before the rest are skipped
_DEAD = (Status.TIMEOUT, Status.CRASHED, Status.PROTOCOL)


class CellHost(Protocol):
    """What a replay needs of the host it loads into (`sandbox.host.Host`, or a scripted one in tests)."""

    functions: Sequence[str]
    budget: Budget  # every limit derived from the timeout

    def load_roundtrip(self, request: Message, grace: float = 0.0) -> tuple[Status, Payload]: ...

    def load_failure(
        self,
        end: LoadEnd,
        notebook: bool = False,
        reload: bool = False,
        detail: str = "",
        error: Mapping[str, object] | None = None,
    ) -> LoadFailure: ...

    def start(self) -> None: ...

    def kill(self) -> None: ...

    def note(self, event: CellEvent) -> None: ...


class CellReplay:
    """Loads a notebook into a host's guest: the guest reads the file and lists its code cells
    (`boundary.Cell`), then runs them one by one; see the module docstring."""

    # Imported once per sandbox process, not per guest: notebooks plot, and every cell runs in IPython.
    preload = ("matplotlib.pyplot", "IPython")

    def __init__(self) -> None:
        self.cells: tuple[Cell, ...] = ()  # as the guest listed them, once read
        self.dead: dict[int, CellEnd] = {}  # cell number -> how it hung or ended the guest (not run again)
        # cell number -> the first thing it stopped with: it raised, hung or ended the guest
        self.errors: dict[int, CellEvent] = {}
        self._ran = False

    def _start(self, host: CellHost, reload: bool = False) -> LoadFailure | None:
        """A fresh guest that has read the notebook (nothing of the student's has run in it yet), or why not."""
        host.start()
        # Reading runs none of the student's code, but it is their bytes: charged to the notebook, and given a
        # timeout of its own even once the cells have used up the rest (a restart reads it again).
        request = protocol.read_notebook_request(host.functions)
        status, payload = host.load_roundtrip(request, grace=host.budget.timeout)
        reply = answer(payload) if status == Status.OK else {}
        if reply.get("ok") is not True:
            found = reply.get("error")
            how = f"{found.get('type')}: {found.get('message')}" if isinstance(found, dict) else str(status)
            return host.load_failure(LoadEnd.READ_STOPPED, notebook=True, reload=reload, detail=how)
        if "unreadable" in reply:
            return host.load_failure(LoadEnd.UNREADABLE, notebook=True, detail=str(reply["unreadable"]))
        if not self.cells:
            self.cells = tuple(cells.from_reply(reply["cells"]))
        return None

    def load(self, host: CellHost) -> tuple[dict[str, Any] | None, LoadFailure | None]:
        """(available, failure), as for `host.ModuleLoad.load`, after running every cell."""
        # After a later call kills the guest the cells run again: note what they did only the first time.
        note: Callable[[CellEvent], None]
        again, note = self._ran, (lambda event: None) if self._ran else host.note
        self._ran = True
        budget = host.budget
        timeout, total = budget.timeout, budget.total
        if again and budget.for_load() <= 0:
            return None, self._out_of_time(host)
        unreadable = self._start(host)
        if unreadable is not None:
            return None, unreadable
        finished: list[Cell] = []
        for cell in self.cells:
            if cell.number in self.dead:
                continue
            if len(self.dead) >= MAX_DEAD_CELLS:
                note(CellEvent(cell.number, CellEnd.TOO_MANY_DEAD, heading=cell.heading, limit=MAX_DEAD_CELLS))
                continue
            left = budget.for_load()
            if left <= 0:
                if again:
                    return None, self._out_of_time(host)
                note(CellEvent(cell.number, CellEnd.NO_TIME, heading=cell.heading, timeout=timeout, total=total))
                continue
            status, payload = self._run(host, cell)
            if status in _DEAD:
                if status == Status.TIMEOUT:
                    end = CellEnd.CUT if budget.cut_short(left) else CellEnd.TIMEOUT
                    detail = ""
                else:
                    end, detail = CellEnd.CRASHED, str(payload)
                self.dead[cell.number] = end
                event = CellEvent(
                    cell.number, end, detail, cell.heading, rerun=bool(finished), timeout=timeout, total=total
                )
                self.errors.setdefault(cell.number, event)
                note(event)
                restarted = self._restart_with(host, finished)
                if restarted is None:
                    return None, host.load_failure(LoadEnd.READ_STOPPED, notebook=True, reload=True)
                finished = restarted
                continue
            reply = answer(payload)
            for what in reply.get("refused", []):
                note(CellEvent(cell.number, CellEnd.REFUSED, str(what), cell.heading))
            if reply.get("ok") is not True:
                found = reply.get("error")
                error = found if isinstance(found, dict) else {}
                event = CellEvent(cell.number, CellEnd.RAISED, heading=cell.heading, error=error)
                note(event)
                self.errors.setdefault(cell.number, event)
            finished.append(cell)
        status, payload = host.load_roundtrip(protocol.functions_request(host.functions), grace=GRACE)
        if status != Status.OK or answer(payload).get("ok") is not True:
            return None, host.load_failure(LoadEnd.STOPPED, notebook=True, detail=str(status))
        return answer(payload).get("functions", {}), None

    @staticmethod
    def _out_of_time(host: CellHost) -> LoadFailure:
        return host.load_failure(LoadEnd.OUT_OF_TIME, notebook=True, reload=True)

    def _run(self, host: CellHost, cell: Cell) -> tuple[Status, Payload]:
        # Jupyter's execution count: one per code cell run, whatever became of it (nbclient skips empty cells,
        # and so did the guest's listing), so `Out[n]` and `_i3` mean what they mean in the kernel.
        count = 1 + self.cells.index(cell)
        return host.load_roundtrip(protocol.exec_cell_request(cell.number, count))

    def _restart_with(self, host: CellHost, cells: list[Cell]) -> list[Cell] | None:
        """A fresh guest with `cells` run again; returns those that still finished (a cell that now hangs
        is dropped, and the restart begins again without it), or None if the fresh guest could not read the
        notebook (which it had read a moment ago)."""
        while True:
            host.kill()
            if self._start(host, reload=True) is not None:
                return None
            for cell in cells:
                if host.budget.for_load() <= 0:  # out of time: the rest are not run again
                    self.dead[cell.number] = CellEnd.NO_TIME
                    cells = [c for c in cells if c is not cell]
                    continue
                status, _ = self._run(host, cell)
                if status in _DEAD:
                    self.dead[cell.number] = CellEnd.CRASHED if status != Status.TIMEOUT else CellEnd.TIMEOUT
                    cells = [c for c in cells if c is not cell]
                    break
            else:
                return list(cells)
