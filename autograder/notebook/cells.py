"""A notebook submission as the grader knows it: plain data about its code cells, which the guest read.

The notebook's bytes are never decoded, parsed or compiled here (STYLE.md item 28): the guest reads the
JSON and runs the cells with IPython's own shell (`sandbox/guest/cells_ipython.py`), and replies, through
`protocol`'s checks, with each code cell's number, the heading above it and which graded functions it has
a `def` line for. Cells that nbgrader marks as test cells (grade but not solution), and our locked
demonstration cell, are left out there, as nbgrader puts them back before autograding.
"""

from collections.abc import Mapping, Sequence

from autograder.boundary import Cell
from autograder.sandbox.guest import cells_ipython

#: Cell metadata key the notebook builder sets on its locked demonstration cell (cells_ipython.is_demo_cell).
SKIP_WHEN_GRADING = cells_ipython.SKIP_WHEN_GRADING
MAX_NOTEBOOK_BYTES = cells_ipython.MAX_NOTEBOOK_BYTES  # discover.py reads no larger file


def from_reply(cells: Sequence[Mapping[str, object]]) -> list[Cell]:
    """The cells of a read_notebook reply that `protocol.check_reply` accepted."""
    out = []
    for cell in cells:
        number, heading, names = cell["cell"], cell["heading"], cell["defines"]
        assert isinstance(number, int) and isinstance(heading, str) and isinstance(names, list)
        out.append(Cell(number, heading, tuple(str(n) for n in names)))
    return out
