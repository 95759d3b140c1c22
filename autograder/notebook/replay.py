"""Replaying a notebook's code cells in the guest, in order, as a kernel would, but each under the timeout.

A `CellReplay` is the loader a `sandbox.host.Host` uses for a notebook submission (the .py loader is
`host.ModuleLoad`). A cell that raises is noted and the next one runs. A cell that hangs or ends the guest
is noted, never run again, and the guest restarted with the cells that had finished run again, so later
cells still see what earlier ones defined. Past MAX_DEAD_CELLS such cells the rest are skipped.

Each cell has one timeout, and all of them share what the submission has in all (`Budget.for_load`),
reruns after a restart and replays after a call ended the guest included: a notebook costs what a .py
file costs, (functions + 1) x timeout plus a small constant.
"""

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from autograder.boundary import Payload, Status, answer
from autograder.notebook.cells import Cell
from autograder.results import LoadError, grader_load_error
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

    def start(self) -> None: ...

    def kill(self) -> None: ...

    def note(self, text: str) -> None: ...


class CellReplay:
    """Loads a notebook's cells (`notebook.cells.Cell`) into a host's guest; see the module docstring."""

    preload = ("matplotlib.pyplot",)  # notebooks plot; imported once per sandbox process, not per guest

    def __init__(self, cells: Iterable[Cell]) -> None:
        self.cells = tuple(cells)
        self.dead: dict[int, str] = {}  # cell number -> why it is not run again (it hung or ended the guest)
        # cell number -> the error it raised, or {"type", "message"} if it hung or crashed
        self.errors: dict[int, dict[str, object]] = {}
        self._ran = False

    def load(self, host: CellHost) -> tuple[dict[str, Any] | None, LoadError | None]:
        """(available, load_error), as for `host.ModuleLoad.load`, after running every cell."""
        # After a later call kills the guest the cells run again: note what they did only the first time.
        note: Callable[[str], None]
        again, note = self._ran, (lambda text: None) if self._ran else host.note
        self._ran = True
        timeout, total = f"{host.budget.timeout:g} s", f"{host.budget.total:g} s"
        if again and host.budget.for_load() <= 0:
            return None, self._out_of_time(total)
        host.start()
        finished: list[Cell] = []
        for cell in self.cells:
            if cell.note:
                note(f"cell {cell.number}: {cell.note}")
            if not cell.source or cell.number in self.dead:
                continue
            if len(self.dead) >= MAX_DEAD_CELLS:
                note(f"cell {cell.number} was not run: {MAX_DEAD_CELLS} earlier cells hung or crashed")
                continue
            budget = host.budget.for_load()
            if budget <= 0:
                if again:
                    return None, self._out_of_time(total)
                note(f"cell {cell.number} was not run: your notebook had used up the {total} it has in all")
                continue
            status, payload = self._run(host, cell)
            if status in _DEAD:
                stopped = (
                    f"took longer than {timeout} and was stopped"
                    if not host.budget.cut_short(budget)
                    else f"was stopped when your notebook had used up the {total} it has in all"
                )
                why = {Status.TIMEOUT: stopped}.get(status, f"ended the worker ({payload})")
                self.dead[cell.number] = why
                kind = "Timeout" if status == Status.TIMEOUT else "Crashed"
                self.errors.setdefault(cell.number, {"type": kind, "message": why})
                repeat = " (earlier cells were run again, so their output may repeat)" if finished else ""
                note(f"cell {cell.number} {why}; the cells after it still ran{repeat}")
                finished = self._restart_with(host, finished)
                continue
            reply = answer(payload)
            if reply.get("ok") is not True:
                found = reply.get("error")
                error: dict[str, object] = found if isinstance(found, dict) else {}
                where = f" (line {error['line']})" if error.get("line") else ""
                note(f"cell {cell.number} raised {error.get('type', 'an error')}{where}: {error.get('message', '')}")
                self.errors.setdefault(cell.number, error)
            finished.append(cell)
        status, payload = host.load_roundtrip(protocol.functions_request(host.functions), grace=GRACE)
        if status != Status.OK or answer(payload).get("ok") is not True:
            return None, grader_load_error("Crashed", f"the worker stopped after running your cells ({status})")
        return answer(payload).get("functions", {}), None

    @staticmethod
    def _out_of_time(total: str) -> LoadError:
        return grader_load_error(
            "Timeout",
            f"running your cells again (a call had ended the worker) took them past the {total} your notebook has in all",
        )

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
                    self.dead[cell.number] = "was not run again: your notebook had used up its time"
                    cells = [c for c in cells if c is not cell]
                    continue
                status, _ = self._run(host, cell)
                if status in _DEAD:
                    self.dead[cell.number] = "hung or crashed when run again after a restart"
                    cells = [c for c in cells if c is not cell]
                    break
            else:
                return list(cells)
