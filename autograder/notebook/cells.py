"""A notebook submission as plain Python: its code cells, in order, ready for the worker to run one by one.

No Jupyter kernel and no IPython here (the grader needs only numpy and sympy), so what IPython would do
with its own syntax is done by hand, and never by running a shell:
- a cell that is already valid Python is sent unchanged;
- otherwise each line magic (`%matplotlib inline`), shell escape (`!pip install x`, `files = !ls`) and help
  query (`np.sqrt?`) becomes a harmless statement at the same indent, so the rest of the cell still runs;
- a cell magic that only times or captures (`%%time`, `%%capture`) runs its body; any other cell magic
  (`%%bash`, `%%writefile`, `%%html` ...) means the cell is not Python and is skipped.
Cells that nbgrader marks as test cells (grade but not solution) are the student's copy of our checks:
they are skipped, since only the final three functions are graded; so is our locked demonstration cell
(see is_demo_cell), which defines nothing graded.
"""

import json
import re

from autograder.boundary import Cell

#: Cell metadata key the notebook builder sets on its locked demonstration cell (see is_demo_cell).
SKIP_WHEN_GRADING = "adam_hw_skip_when_grading"
MAX_NOTEBOOK_BYTES = 50_000_000  # far above any notebook with outputs cleared; bounds the grader's memory
MAX_CODE_CELLS = 1000  # each cell is a round trip to the worker: this bounds a notebook's grading time
#: Cell magics whose body is Python that runs as usual.
PYTHON_CELL_MAGICS = ("time", "timeit", "capture", "prun")
# `!=` at the start of a continuation line is Python, not a shell escape.
_MAGIC_LINE = re.compile(r"^(?P<indent>\s*)(?P<body>(%|!(?!=)).*)$")
_SHELL_ASSIGN = re.compile(r"^(?P<indent>\s*)(?P<target>[A-Za-z_][\w.]*(\s*,\s*[A-Za-z_]\w*)*)\s*=\s*(%|!(?!=)).*$")
_HELP_QUERY = re.compile(r"^(?P<indent>\s*)\??[\w.]+\?{1,2}\s*$")


class NotebookError(ValueError):
    """The file is not a notebook we can read (not JSON, or not shaped like a Jupyter notebook)."""


def _source(cell: dict[str, object]) -> str:
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        return "".join(source)
    if isinstance(source, str):
        return source
    raise NotebookError("a cell's source is neither text nor a list of lines")


def is_demo_cell(cell: dict[str, object]) -> bool:
    """Our locked demonstration cell (it plots with the student's functions and defines nothing graded).
    nbgrader puts back a locked cell's source before autograding, so leaving it out changes no total, and
    saves each notebook its plotting time and a hanging function its first timeout. Only a locked cell
    that is neither a solution nor a test cell counts, whatever else a student marks."""
    meta = cell.get("metadata")
    if not isinstance(meta, dict) or meta.get(SKIP_WHEN_GRADING) is not True:
        return False
    nbgrader = meta.get("nbgrader")
    return (
        isinstance(nbgrader, dict)
        and nbgrader.get("locked") is True
        and nbgrader.get("solution") is not True
        and nbgrader.get("grade") is not True
    )


def is_test_cell(cell: dict[str, object]) -> bool:
    """nbgrader's autograded test cell: graded, and not one the student writes in."""
    meta = cell.get("metadata")
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    return isinstance(nbgrader, dict) and nbgrader.get("grade") is True and nbgrader.get("solution") is not True


def _compiles(source: str) -> bool:
    try:
        compile(source, "<cell>", "exec")
    except (SyntaxError, ValueError):
        return False
    return True


def to_python(source: str) -> tuple[str | None, str]:
    """(python source, note): the cell as Python, or (None, note) when it is a non-Python cell magic."""
    if _compiles(source):
        return source, ""
    lines = source.splitlines()
    first = lines[0].strip() if lines else ""
    changed = []
    if first.startswith("%%"):
        name = first[2:].split(maxsplit=1)[0] if len(first) > 2 else ""
        if name not in PYTHON_CELL_MAGICS:
            return None, f"a %%{name} cell is not Python and was not run"
        changed.append(first)
        lines = lines[1:]
    out = []
    for line in lines:
        for pattern, replacement in (
            (_SHELL_ASSIGN, "{indent}{target} = []  # IPython syntax, not run by the grader"),
            (_MAGIC_LINE, "{indent}pass  # IPython syntax, not run by the grader"),
            (_HELP_QUERY, "{indent}pass  # IPython help, not run by the grader"),
        ):
            match = pattern.match(line)
            if match:
                changed.append(line.strip())
                line = replacement.format(**match.groupdict())
                break
        out.append(line)
    note = ("IPython syntax skipped: " + "; ".join(changed))[:300] if changed else ""
    return "\n".join(out) + "\n", note


def read_cells(data: bytes) -> list[Cell]:
    """The code cells of a notebook file's bytes, as `Cell`s in order; raises NotebookError if unreadable."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise NotebookError(
            f"the file is {len(data) / 1e6:.0f} MB, more than a notebook of this assignment can be "
            f"({MAX_NOTEBOOK_BYTES / 1e6:.0f} MB; clear the outputs and save again)"
        )
    try:
        notebook = json.loads(data.decode("utf-8"))
    except RecursionError:  # JSON nested thousands deep: the student's file, not a bug of ours
        raise NotebookError("the file is JSON nested too deeply to be a notebook") from None
    except UnicodeDecodeError as err:
        raise NotebookError(f"the file is not UTF-8 text ({err.reason} at byte {err.start})") from None
    except json.JSONDecodeError as err:
        raise NotebookError(
            f"the file is not valid JSON ({err.msg} at line {err.lineno}, column {err.colno})"
        ) from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise NotebookError("the file is JSON but not a Jupyter notebook (it has no list of cells)")
    out = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            raise NotebookError(f"cell {number} is not a JSON object")
        if cell.get("cell_type") != "code" or is_test_cell(cell) or is_demo_cell(cell):
            continue
        python, note = to_python(_source(cell))
        if python is not None and python.strip():
            out.append(Cell(number, python, note))
        elif note:
            out.append(Cell(number, "", note))
    if len(out) > MAX_CODE_CELLS:
        raise NotebookError(f"the notebook has {len(out)} code cells, more than the {MAX_CODE_CELLS} the grader runs")
    return out


def defines(source: str, name: str) -> bool:
    """True when a cell's source has a `def name(` line (at any indent): the cell the function is written in."""
    return re.search(rf"^[ \t]*(async[ \t]+)?def[ \t]+{re.escape(name)}[ \t]*\(", source, flags=re.M) is not None
