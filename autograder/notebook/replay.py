"""Replaying a notebook's code cells in the guest, in order, as a kernel would, but each under the timeout.

A `CellReplay` is the loader a `sandbox.host.Host` uses for a notebook submission (the .py loader is
`host.ModuleLoad`). A cell that raises is noted and the next one runs. A cell that hangs or ends the guest
is noted, never run again, and the guest restarted with the cells that had finished run again, so later
cells still see what earlier ones defined. Past MAX_DEAD_CELLS such cells the rest are skipped.

Each cell has one timeout, and all of them share what the submission has in all (`Budget.for_load`),
reruns after a restart and replays after a call ended the guest included: a notebook costs what a .py
file costs, (functions + 1) x timeout plus a small constant.

What it notes are facts (`boundary.CellEvent`, `boundary.LoadFailure`): the judge words them
(judge/loading.py), so nothing here is written for the student.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from autograder.boundary import Cell, CellEnd, CellEvent, LoadEnd, LoadFailure, Payload, Status, answer
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
    """Loads a notebook's cells (`boundary.Cell`) into a host's guest; see the module docstring."""

    preload = ("matplotlib.pyplot",)  # notebooks plot; imported once per sandbox process, not per guest

    def __init__(self, cells: Iterable[Cell]) -> None:
        self.cells = tuple(cells)
        self.dead: dict[int, CellEnd] = {}  # cell number -> how it hung or ended the guest (not run again)
        # cell number -> the first thing it stopped with: it raised, hung or ended the guest
        self.errors: dict[int, CellEvent] = {}
        self._ran = False

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
        host.start()
        finished: list[Cell] = []
        for cell in self.cells:
            if cell.note:
                note(CellEvent(cell.number, CellEnd.CHANGED, detail=cell.note))
            if not cell.source or cell.number in self.dead:
                continue
            if len(self.dead) >= MAX_DEAD_CELLS:
                note(CellEvent(cell.number, CellEnd.TOO_MANY_DEAD, limit=MAX_DEAD_CELLS))
                continue
            left = budget.for_load()
            if left <= 0:
                if again:
                    return None, self._out_of_time(host)
                note(CellEvent(cell.number, CellEnd.NO_TIME, timeout=timeout, total=total))
                continue
            status, payload = self._run(host, cell)
            if status in _DEAD:
                if status == Status.TIMEOUT:
                    end = CellEnd.CUT if budget.cut_short(left) else CellEnd.TIMEOUT
                    detail = ""
                else:
                    end, detail = CellEnd.CRASHED, str(payload)
                self.dead[cell.number] = end
                event = CellEvent(cell.number, end, detail, rerun=bool(finished), timeout=timeout, total=total)
                self.errors.setdefault(cell.number, event)
                note(event)
                finished = self._restart_with(host, finished)
                continue
            reply = answer(payload)
            if reply.get("ok") is not True:
                found = reply.get("error")
                event = CellEvent(cell.number, CellEnd.RAISED, error=found if isinstance(found, dict) else {})
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

    @staticmethod
    def _run(host: CellHost, cell: Cell) -> tuple[Status, Payload]:
        return host.load_roundtrip(protocol.exec_cell_request(cell.number, cell.source))

    def _restart_with(self, host: CellHost, cells: list[Cell]) -> list[Cell]:
        """A fresh guest with `cells` run again; returns those that still finished (a cell that now hangs
        is dropped, and the restart begins again without it)."""
        while True:
            host.kill()
            host.start()
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
