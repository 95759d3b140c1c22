"""Replaying a notebook's code cells in the guest, in order, as a kernel would, but each under the timeout.

A `CellReplay` is the loader a `sandbox.host.Host` uses for a notebook submission (the .py loader is
`host.ModuleLoad`). A cell that raises is noted and the next one runs. A cell that hangs or ends the guest
is noted, never run again, and the guest restarted with the cells that had finished run again, so later
cells still see what earlier ones defined. Past MAX_DEAD_CELLS such cells the rest are skipped.

Each cell has one timeout, and all of them share what the submission has in all (`Host.load_budget`),
reruns after a restart and replays after a call ended the guest included: a notebook costs what a .py
file costs, (functions + 1) x timeout plus a small constant.
"""

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from autograder.boundary import Payload, Status, answer
from autograder.config import GradeConfig
from autograder.notebook import cells
from autograder.notebook.cells import Cell
from autograder.results import LoadError, grader_load_error
from autograder.sandbox import protocol
from autograder.sandbox.host import GRACE
from autograder.sandbox.protocol import Message

MAX_DEAD_CELLS = 3  # notebook cells that may hang or crash before the rest are skipped
_DEAD = (Status.TIMEOUT, Status.CRASHED, Status.PROTOCOL)


class CellHost(Protocol):
    """What a replay needs of the host it loads into (`sandbox.host.Host`, or a scripted one in tests)."""

    config: GradeConfig
    functions: Sequence[str]
    total: float  # seconds the whole submission has

    def load_budget(self) -> float: ...

    def load_roundtrip(self, request: Message, grace: float = 0.0) -> tuple[Status, Payload]: ...

    def start(self) -> None: ...

    def kill(self) -> None: ...

    def note(self, text: str) -> None: ...


class CellReplay:
    """Loads a notebook into a host's guest: the guest reads the file and lists its code cells
    (`notebook.cells.Cell`), then runs them one by one; see the module docstring."""

    # Imported once per sandbox process, not per guest: notebooks plot, and every cell runs in IPython.
    preload = ("matplotlib.pyplot", "IPython")

    def __init__(self) -> None:
        self.cells: tuple[Cell, ...] = ()  # as the guest listed them, once read
        self.unreadable: str | None = None  # why the guest could not read the notebook
        self.dead: dict[int, str] = {}  # cell number -> why it is not run again (it hung or ended the guest)
        # cell number -> the error it raised, or {"type", "message"} if it hung or crashed
        self.errors: dict[int, dict[str, object]] = {}
        self._ran = False

    def _start(self, host: CellHost) -> LoadError | None:
        """A fresh guest that has read the notebook (nothing of the student's has run in it yet)."""
        host.start()
        # Reading runs none of the student's code, but it is their bytes: charged to the notebook, and given a
        # timeout of its own even once the cells have used up the rest (a restart reads it again).
        status, payload = host.load_roundtrip(protocol.read_notebook_request(host.functions), grace=host.config.timeout)
        reply = answer(payload) if status == Status.OK else {}
        if reply.get("ok") is not True:
            found = reply.get("error")
            why = f"{found.get('type')}: {found.get('message')}" if isinstance(found, dict) else str(status)
            return self._unreadable(f"reading it stopped the worker ({why})")
        if "unreadable" in reply:
            return self._unreadable(str(reply["unreadable"]))
        if not self.cells:
            self.cells = tuple(cells.from_reply(reply["cells"]))
        return None

    def _unreadable(self, why: str) -> LoadError:
        self.unreadable = why
        return grader_load_error(
            "NotebookError", f"Your notebook could not be read, so nothing in it was graded: {why}."
        )

    def load(self, host: CellHost) -> tuple[dict[str, Any] | None, LoadError | None]:
        """(available, load_error), as for `host.ModuleLoad.load`, after running every cell."""
        # After a later call kills the guest the cells run again: note what they did only the first time.
        note: Callable[[str], None]
        again, note = self._ran, (lambda text: None) if self._ran else host.note
        self._ran = True
        timeout, total = f"{host.config.timeout:g} s", f"{host.total:g} s"
        if again and host.load_budget() <= 0:
            return None, self._out_of_time(total)
        unreadable = self._start(host)
        if unreadable is not None:
            return None, unreadable
        finished: list[Cell] = []
        for cell in self.cells:
            if cell.number in self.dead:
                continue
            if len(self.dead) >= MAX_DEAD_CELLS:
                note(f"{cell.where()} was not run: {MAX_DEAD_CELLS} earlier cells hung or crashed")
                continue
            budget = host.load_budget()
            if budget <= 0:
                if again:
                    return None, self._out_of_time(total)
                note(f"{cell.where()} was not run: your notebook had used up the {total} it has in all")
                continue
            status, payload = self._run(host, cell)
            if status in _DEAD:
                stopped = (
                    f"took longer than {timeout} and was stopped"
                    if budget >= host.config.timeout
                    else f"was stopped when your notebook had used up the {total} it has in all"
                )
                why = {Status.TIMEOUT: stopped}.get(status, f"ended the worker ({payload})")
                self.dead[cell.number] = why
                kind = "Timeout" if status == Status.TIMEOUT else "Crashed"
                self.errors.setdefault(cell.number, {"type": kind, "message": why})
                repeat = " (earlier cells were run again, so their output may repeat)" if finished else ""
                note(f"{cell.where()} {why}; the cells after it still ran{repeat}")
                restarted = self._restart_with(host, finished)
                if restarted is None:
                    return None, grader_load_error(
                        "Crashed", "the worker stopped reading your notebook again after a restart"
                    )
                finished = restarted
                continue
            reply = answer(payload)
            for what in reply.get("refused", []):
                note(f"{cell.where()}: {what} was refused (the grader runs no shell or other program)")
            if reply.get("ok") is not True:
                found = reply.get("error")
                error: dict[str, object] = found if isinstance(found, dict) else {}
                where = f" (line {error['line']})" if error.get("line") else ""
                note(f"{cell.where()} raised {error.get('type', 'an error')}{where}: {error.get('message', '')}")
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
            if self._start(host) is not None:
                return None
            for cell in cells:
                if host.load_budget() <= 0:  # out of time: the rest are not run again
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
