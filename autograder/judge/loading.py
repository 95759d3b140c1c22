"""Wording what happened while a submission loaded: the facts the sandbox reports (`boundary.LoadFailure`
for a load that failed, `boundary.CellEvent` for what a notebook's replay noted) become what the student
reads. The sandbox's host and the notebook replay word nothing; this module is where their words live.
`undefined_by_errors` traces a function a notebook left undefined to the cell that stopped, as results'
`CellError` (notebook/cells.py reads the cells and sits below results: it builds no result).
"""

from collections.abc import Mapping, Sequence

from autograder.boundary import Cell, CellEnd, CellEvent, LoadEnd, LoadFailure
from autograder.results import CellError, LoadError, grader_load_error, student_load_error

#: A dead cell's kind in `undefined` (results.CellError["type"]).
_DEAD_KIND = {CellEnd.TIMEOUT: "Timeout", CellEnd.CUT: "Timeout", CellEnd.CRASHED: "Crashed"}


def load_error(failure: LoadFailure) -> LoadError:
    """Why the submission did not load, for results.json and the top of the feedback."""
    total = f"{failure.total:g} s"
    if failure.end == LoadEnd.RAISED and failure.error is not None:
        return student_load_error(failure.error)
    if failure.end == LoadEnd.UNREADABLE:
        return grader_load_error(
            "NotebookError", f"Your notebook could not be read, so nothing in it was graded: {failure.detail}."
        )
    if failure.end == LoadEnd.READ_STOPPED:
        if failure.reload:
            return grader_load_error("Crashed", "the worker stopped reading your notebook again after a restart")
        return grader_load_error(
            "NotebookError",
            f"Your notebook could not be read, so nothing in it was graded: reading it stopped the worker "
            f"({failure.detail}).",
        )
    if failure.end in (LoadEnd.OUT_OF_TIME, LoadEnd.TIMEOUT):
        if failure.notebook:
            return grader_load_error(
                "Timeout",
                f"running your cells again (a call had ended the worker) took them past the {total} your notebook "
                "has in all",
            )
        if failure.end == LoadEnd.OUT_OF_TIME or failure.reload:
            return grader_load_error(
                "Timeout",
                f"loading your file again (a call had ended the worker) took it past the {total} your submission "
                "has in all",
            )
        return grader_load_error("Timeout", f"loading your file took longer than {failure.timeout:g} s")
    if failure.end == LoadEnd.CRASHED:
        return grader_load_error("Crashed", f"your file ended the process while loading ({failure.detail})")
    if failure.end == LoadEnd.WROTE_CHANNEL:
        return grader_load_error(
            "Crashed",
            "your file wrote to the grader's reply channel while it was loading, so nothing in it could be "
            f"graded ({failure.detail[:200]})",
        )
    return grader_load_error("Crashed", f"the worker stopped after running your cells ({failure.detail})")


def _stopped(event: CellEvent) -> str:
    """How a cell that hung or ended the guest was stopped."""
    if event.end == CellEnd.TIMEOUT:
        return f"took longer than {event.timeout:g} s and was stopped"
    if event.end == CellEnd.CUT:
        return f"was stopped when your notebook had used up the {event.total:g} s it has in all"
    return f"ended the worker ({event.detail})"


def cell_note(event: CellEvent) -> str:
    """One line of what the replay of a notebook's cells noted, shown with what the student's code printed:
    the cell by its number and the heading it sits under."""
    cell = f"cell {event.cell} (under “{event.heading}”)" if event.heading else f"cell {event.cell}"
    if event.end == CellEnd.REFUSED:
        return f"{cell}: {event.detail} was refused (the grader runs no shell or other program)"
    if event.end == CellEnd.TOO_MANY_DEAD:
        return f"{cell} was not run: {event.limit} earlier cells hung or crashed"
    if event.end == CellEnd.NO_TIME:
        return f"{cell} was not run: your notebook had used up the {event.total:g} s it has in all"
    if event.end == CellEnd.RAISED:
        error = event.error or {}
        where = f" (line {error['line']})" if error.get("line") else ""
        return f"{cell} raised {error.get('type', 'an error')}{where}: {error.get('message', '')}"
    repeat = " (earlier cells were run again, so their output may repeat)" if event.rerun else ""
    return f"{cell} {_stopped(event)}; the cells after it still ran{repeat}"


def cell_errors(errors: Mapping[int, CellEvent]) -> dict[int, object]:
    """{cell: the error it stopped with} as undefined_by_errors reads it: the student's exception as the
    guest reported it, or the kind and words of a cell that hung or ended the guest."""
    worded: dict[int, object] = {}
    for cell, event in errors.items():
        if event.end == CellEnd.RAISED:
            worded[cell] = dict(event.error or {})
        else:
            worded[cell] = {"type": _DEAD_KIND.get(event.end, "Crashed"), "message": _stopped(event)}
    return worded


MAX_ERROR_TEXT = 300  # an error's message comes from the student's process: kept short, and only as text


def undefined_by_errors(
    cells: Sequence[Cell], errors: Mapping[int, object], available: Mapping[str, object]
) -> dict[str, CellError]:
    """{function: what stopped its cell} for each graded function the notebook left undefined because the
    cell it is written in raised, hung or crashed (its SyntaxError, say), so feedback can name the cause
    instead of only "no function named bias_correct".

    `errors` maps a cell's number to the error the worker reported for it (plain data from the student's
    process, so every field is checked and cut short here); `available` maps each function to whether the
    notebook defined it once every cell had run.
    """
    linked: dict[str, CellError] = {}
    for name, present in available.items():
        if present:
            continue
        for cell in cells:
            error = errors.get(cell.number)
            if isinstance(error, dict) and name in cell.defines:
                line = error.get("line")
                linked[name] = {
                    "cell": cell.number,
                    "type": str(error.get("type") or "Error")[:80],
                    "line": line if isinstance(line, int) and not isinstance(line, bool) else None,
                    "message": str(error.get("message") or "")[:MAX_ERROR_TEXT],
                }
                break
    return linked
