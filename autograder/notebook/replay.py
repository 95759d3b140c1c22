"""Replaying a notebook's code cells in the guest, in order, as a kernel would, but each under the timeout.

A `CellReplay` is the loader a `sandbox.host.Host` uses for a notebook submission (the .py loader is
`host.ModuleLoad`). A cell that raises is noted and the next one runs. A cell that hangs or ends the guest
is noted, never run again, and the guest restarted with the cells that had finished run again, so later
cells still see what earlier ones defined. Past MAX_DEAD_CELLS such cells the rest are skipped, which
bounds a notebook's cost at about (MAX_DEAD_CELLS + 1) x cells x timeout in the worst case.
"""

from autograder.sandbox import protocol
from autograder.sandbox.protocol import Status

MAX_DEAD_CELLS = 3  # notebook cells that may hang or crash before the rest are skipped
_DEAD = (Status.TIMEOUT, Status.CRASHED, Status.PROTOCOL)


class CellReplay:
    """Loads a notebook's cells (`notebook.cells.Cell`) into a host's guest; see the module docstring."""

    preload = ("matplotlib.pyplot",)  # notebooks plot; imported once per sandbox process, not per guest

    def __init__(self, cells):
        self.cells = tuple(cells)
        self.dead = {}  # cell number -> why it is not run again (it hung or ended the guest)
        self.errors = {}  # cell number -> the error it raised, or {"type", "message"} if it hung or crashed
        self._ran = False

    def load(self, host):
        """(available, load_error), as for `host.ModuleLoad.load`, after running every cell."""
        # After a later call kills the guest the cells run again: note what they did only the first time.
        note = (lambda text: None) if self._ran else host.note
        self._ran = True
        host.start()
        finished = []
        for cell in self.cells:
            if cell.note:
                note(f"cell {cell.number}: {cell.note}")
            if not cell.source or cell.number in self.dead:
                continue
            if len(self.dead) >= MAX_DEAD_CELLS:
                note(f"cell {cell.number} was not run: {MAX_DEAD_CELLS} earlier cells hung or crashed")
                continue
            status, payload = self._run(host, cell)
            if status in _DEAD:
                why = {Status.TIMEOUT: f"took longer than {host.config.timeout:g} s and was stopped"}.get(
                    status, f"ended the worker ({payload})"
                )
                self.dead[cell.number] = why
                kind = "Timeout" if status == Status.TIMEOUT else "Crashed"
                self.errors.setdefault(cell.number, {"type": kind, "message": why})
                again = " (earlier cells were run again, so their output may repeat)" if finished else ""
                note(f"cell {cell.number} {why}; the cells after it still ran{again}")
                finished = self._restart_with(host, finished)
                continue
            if payload.get("ok") is not True:
                error = payload.get("error") if isinstance(payload.get("error"), dict) else {}
                where = f" (line {error['line']})" if error.get("line") else ""
                note(f"cell {cell.number} raised {error.get('type', 'an error')}{where}: {error.get('message', '')}")
                self.errors.setdefault(cell.number, error)
            finished.append(cell)
        status, payload = host.roundtrip(protocol.functions_request(host.functions))
        if status != Status.OK or payload.get("ok") is not True:
            return None, {"type": "Crashed", "message": f"the worker stopped after running your cells ({status})"}
        return payload.get("functions", {}), None

    @staticmethod
    def _run(host, cell):
        return host.roundtrip(protocol.exec_cell_request(cell.number, cell.source))

    def _restart_with(self, host, cells):
        """A fresh guest with `cells` run again; returns those that still finished (a cell that now hangs
        is dropped, and the restart begins again without it)."""
        while True:
            host.kill()
            host.start()
            for cell in cells:
                status, _ = self._run(host, cell)
                if status in _DEAD:
                    self.dead[cell.number] = "hung or crashed when run again after a restart"
                    cells = [c for c in cells if c is not cell]
                    break
            else:
                return list(cells)
