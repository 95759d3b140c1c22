"""A notebook in the guest: its JSON read, and its cells run by IPython's own shell, as a kernel runs them.

Shipped into the sandbox with the rest of the guest's folder (see `__init__.py`) and importing only the
standard library at import: IPython, a distribution the sandbox grants (confine.DISTRIBUTIONS), is imported
when a notebook's first cell runs, or before the fork by `warm` (warmup.preload). Everything here reads or runs a student's bytes, so it
runs only in the guest, never in the grader (STYLE.md item 28): the grader gets plain data back.

- `read_notebook`: the code cells of a notebook file (format 4, or 3's worksheets), each with the heading
  above it, the test cells (graded, not written by the student) and our locked demonstration cell left
  out, as the grader removes them (and nbgrader puts them back, changing no total).
- `Shell`: one `InteractiveShell` (no kernel, no history file) whose namespace is the notebook's module:
  IPython's input transformer, magics, `get_ipython()`, `display`, `_`/`__`/`Out`, `__name__ ==
  "__main__"`, top-level await, `%%timeit` (run once: see `Shell._time_once`)/`%%capture` with their real namespaces, `%%writefile` into the
  guest's folder and `?` help all mean what they mean in Jupyter. Only the shell stays out: the shell's
  `system`/`getoutput` hooks are replaced, and every magic that starts a program (`%%bash`, `%%script`,
  `%sx`, `%pip`, `%conda`, `%edit` ...) is replaced by one that refuses; each refusal is reported with the
  cell, so the feedback can name it.
"""

import contextlib
import io
import json
import re
import sys
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType, TracebackType
from typing import Any, TextIO

#: Cell metadata key the notebook builder sets on its locked demonstration cell (see is_demo_cell).
SKIP_WHEN_GRADING = "adam_hw_skip_when_grading"
MAX_NOTEBOOK_BYTES = 50_000_000  # far above any notebook with outputs cleared
MAX_CODE_CELLS = 1000  # each cell is a round trip: this bounds a notebook's grading time
MAX_HEADING = 80
#: Magics that start a program (a shell, an interpreter, an editor, a package manager): refused.
REFUSED_CELL_MAGICS = (
    "!",
    "sx",
    "system",
    "script",
    "sh",
    "bash",
    "zsh",
    "perl",
    "ruby",
    "python",
    "python2",
    "python3",
    "pypy",
)
REFUSED_LINE_MAGICS = ("sx", "system", "pip", "conda", "mamba", "micromamba", "uv", "edit", "ed", "rehashx")


class NotebookError(ValueError):
    """The file is not a notebook we can read (not JSON, or not shaped like a Jupyter notebook)."""


@dataclass(frozen=True)
class Cell:
    """One code cell: its position among all the notebook's cells (from 1), its source and the heading above it."""

    number: int
    source: str
    heading: str = ""


def _text(value: object, what: str) -> str:
    if isinstance(value, list) and all(isinstance(s, str) for s in value):
        return "".join(value)
    if isinstance(value, str):
        return value
    raise NotebookError(f"{what} is neither text nor a list of lines")


def _nbgrader(cell: dict[str, Any]) -> dict[str, Any]:
    meta = cell.get("metadata")
    found = meta.get("nbgrader") if isinstance(meta, dict) else None
    return found if isinstance(found, dict) else {}


def is_demo_cell(cell: dict[str, Any]) -> bool:
    """Our locked demonstration cell (it plots with the student's functions and defines nothing graded).
    nbgrader puts back a locked cell's source before autograding, so leaving it out changes no total, and
    saves each notebook its plotting time and a hanging function its first timeout. Only a locked cell
    that is neither a solution nor a test cell counts, whatever else a student marks."""
    meta = cell.get("metadata")
    if not isinstance(meta, dict) or meta.get(SKIP_WHEN_GRADING) is not True:
        return False
    nbgrader = _nbgrader(cell)
    return nbgrader.get("locked") is True and nbgrader.get("solution") is not True and nbgrader.get("grade") is not True


def is_test_cell(cell: dict[str, Any]) -> bool:
    """nbgrader's autograded test cell: graded, and not one the student writes in."""
    nbgrader = _nbgrader(cell)
    return nbgrader.get("grade") is True and nbgrader.get("solution") is not True


def _heading(markdown: str) -> str | None:
    """The last Markdown heading line in `markdown`, without its #s, or None."""
    found = None
    for line in markdown.splitlines():
        match = re.match(r"\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match and match.group(1):
            found = match.group(1)
    return found[:MAX_HEADING] if found is not None else None


def read_notebook(data: bytes) -> list[Cell]:
    """The code cells to run of a notebook file's bytes, in order; NotebookError if the file is unreadable."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise NotebookError(
            f"the file is {len(data) / 1e6:.0f} MB, more than a notebook of this assignment can be "
            f"({MAX_NOTEBOOK_BYTES / 1e6:.0f} MB; clear the outputs and save again)"
        )
    try:
        notebook = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise NotebookError("the file is JSON nested too deeply to be a notebook") from None
    except UnicodeDecodeError as err:
        raise NotebookError(f"the file is not UTF-8 text ({err.reason} at byte {err.start})") from None
    except json.JSONDecodeError as err:
        raise NotebookError(
            f"the file is not valid JSON ({err.msg} at line {err.lineno}, column {err.colno})"
        ) from None
    if not isinstance(notebook, dict):
        raise NotebookError("the file is JSON but not a Jupyter notebook (it has no list of cells)")
    cells = notebook.get("cells")
    code_key = "source"
    worksheets = notebook.get("worksheets")
    if cells is None and isinstance(worksheets, list):  # format 3 (IPython 2): code is in `input`
        cells, code_key = [], "input"
        for sheet in worksheets:
            found = sheet.get("cells") if isinstance(sheet, dict) else None
            if not isinstance(found, list):
                raise NotebookError("a worksheet of the notebook has no list of cells")
            cells += found
    if not isinstance(cells, list):
        raise NotebookError("the file is JSON but not a Jupyter notebook (it has no list of cells)")
    out: list[Cell] = []
    heading = ""
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            raise NotebookError(f"cell {number} is not a JSON object")
        kind = cell.get("cell_type")
        if kind in ("markdown", "heading"):
            text = _text(cell.get("source", ""), f"cell {number}'s text")
            found = text.strip()[:MAX_HEADING] if kind == "heading" else _heading(text)
            heading = found if found is not None else heading
            continue
        if kind != "code" or is_test_cell(cell) or is_demo_cell(cell):
            continue
        source = _text(cell.get(code_key, ""), f"cell {number}'s source")
        if source.strip():  # Jupyter does not run an empty cell (it takes no execution count)
            out.append(Cell(number, source, heading))
    if len(out) > MAX_CODE_CELLS:
        raise NotebookError(f"the notebook has {len(out)} code cells, more than the {MAX_CODE_CELLS} the grader runs")
    return out


def defines(source: str, name: str) -> bool:
    """True when a cell's source has a `def name(` line (at any indent): the cell the function is written in."""
    return re.search(rf"^[ \t]*(async[ \t]+)?def[ \t]+{re.escape(name)}[ \t]*\(", source, flags=re.M) is not None


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shell_class() -> Any:  # IPython's InteractiveShell (imported only where notebooks run)
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell


#: Cells the sandbox process runs once in a throwaway shell before it forks (`warm`): trusted text, ours.
WARM_CELLS = (
    "1",
    "_",
    "%time 1",
    "%%timeit -n 1 -r 1\n1",
    "%%capture c\nprint(1)",
    "%%prun -q\n1",
    "import asyncio\nawait asyncio.sleep(0)",
    "display(1)",
    "len?",
    "1 / 0",
    "def f(:",
    "%precision 3",
    "%who",
    "%load_ext autoreload",
    "%matplotlib inline",
)


def warm() -> None:
    """Import what IPython's shell and the usual cells pull in, once, in the sandbox process before it forks:
    about a second otherwise in every notebook's guest, and at level basic as root a guest may not even
    read the standard library a module would import later. A throwaway shell runs WARM_CELLS, then is
    discarded with what it changed in this process: each guest makes its own."""
    import builtins

    for name in ("timeit", "cProfile", "pstats", "pydoc", "inspect", "pickle", "shlex", "IPython.display"):
        __import__(name)
    saved = (
        sys.modules.get("__main__"),
        sys.displayhook,
        sys.excepthook,
        warnings.showwarning,
        dict(builtins.__dict__),
    )
    backend = None
    try:
        import matplotlib
        from matplotlib.backends.registry import backend_registry

        # Backends come from entry points, which the guest cannot list (its site folder is hidden): load them here.
        backend_registry.resolve_gui_or_backend("inline")
        backend = matplotlib.get_backend()
    except ImportError:
        pass
    shell = Shell(ModuleType("__main__"), None)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for source in WARM_CELLS:
            shell.run(Cell(0, source), 1)
    shell.shell.builtin_trap.__exit__(None, None, None)
    if backend is not None:  # %matplotlib inline changed it: guests start with the sandbox's own
        import matplotlib.pyplot

        matplotlib.pyplot.switch_backend(backend)
    _shell_class().clear_instance()
    from IPython.core import async_helpers

    # The loop that ran the await cell holds descriptors no guest keeps (each fork closes them): each makes its own.
    loop = getattr(async_helpers, "_asyncio_event_loop", None)
    if loop is not None:
        loop.close()
        async_helpers._asyncio_event_loop = None
    main, sys.displayhook, sys.excepthook, warnings.showwarning, kept = saved
    if main is not None:
        sys.modules["__main__"] = main
    builtins.__dict__.clear()
    builtins.__dict__.update(kept)


class Shell:
    """The notebook's IPython shell (see the module docstring), running cells into `module`."""

    def __init__(self, module: ModuleType, workdir: str | None) -> None:
        from traitlets.config import Config

        config = Config()
        config.HistoryManager.enabled = False  # no sqlite file; In/Out and _i still kept in memory
        config.InteractiveShell.colors = "nocolor"
        config.InteractiveShell.xmode = "Plain"
        config.InteractiveShell.autocall = 0
        self.refused: list[str] = []
        self.cell_names: dict[int, int] = {}  # execution count -> cell number
        if (
            workdir is not None and workdir not in sys.path
        ):  # a kernel imports from its folder: %%writefile, then import
            sys.path.insert(0, workdir)
        shell_class = _shell_class()
        self.shell = shell_class.instance(config=config, user_module=module)
        self._refuse_the_shell()
        # `display`, `get_ipython`, `exit` stay builtins for the guest's life: a graded function may call them,
        # as it may in a kernel (nbgrader calls it from a cell).
        self.shell.builtin_trap.__enter__()

    def _refuse(self, what: str) -> None:
        self.refused.append(what)

    def _refuse_the_shell(self) -> None:
        shell = self.shell

        def system(cmd: str, *args: object, **kwargs: object) -> None:
            self._refuse(f"the shell command `{_short(cmd)}`")

        def getoutput(cmd: str, *args: object, **kwargs: object) -> Any:
            from IPython.utils.text import SList

            self._refuse(f"the shell command `{_short(cmd)}`")
            return SList()

        # Tracebacks and warnings name only the student's cells: the paths of IPython's, numpy's or the
        # guest's own files are the grader machine's, and have no place in feedback.
        shell.showtraceback = self._showtraceback
        shell.showsyntaxerror = lambda filename=None, running_compiled_code=False: self._showtraceback()
        warnings.showwarning = self._showwarning
        shell.system = shell.system_piped = shell.system_raw = system
        shell.getoutput = getoutput
        shell.ask_exit = lambda: None  # exit() in a kernel's cell ends nothing the notebook sees
        shell.enable_gui = lambda gui=None: None  # %matplotlib inline: no event loop, as in a kernel
        shell.set_hook("show_in_pager", _page)  # `?` help: never through a pager program

        def refusing(name: str, kind: str) -> Callable[..., None]:
            def magic(line: str = "", cell: str | None = None) -> None:
                prefix, whole = ("%%", " (so the whole cell)") if cell is not None else ("%", "")
                self._refuse(f"`{prefix}{name}{(' ' + _short(line, 60)) if line.strip() else ''}`{whole}")

            magic.__name__ = name
            return magic

        for name in REFUSED_LINE_MAGICS:
            shell.register_magic_function(refusing(name, "line"), magic_kind="line", magic_name=name)
        for name in REFUSED_CELL_MAGICS:
            shell.register_magic_function(refusing(name, "cell"), magic_kind="cell", magic_name=name)
        # Aliases (%ls, %cat, %mkdir ...) call `system`, refused above.
        self._time_once()

    def _time_once(self) -> None:
        """`%timeit` and `%%timeit` run their statement once (`-n 1 -r 1`, whatever loops the cell asks for):
        the grader measures nothing, and a kernel's automatic loop count (seconds of repeats) would spend the
        notebook's time budget, more on a loaded machine, and cost a correct notebook its later cells. What
        the statement defines or changes is as in Jupyter; only the printed timing differs."""
        # IPython's own (the registry's ExecutionMagics), never what a shell made earlier registered over it
        timed = self.shell.magics_manager.registry["ExecutionMagics"].timeit

        def timeit(line: str = "", cell: str | None = None) -> object:
            options = "-n 1 -r 1 " + re.sub(r"(^|\s)-[nr]\s*\S+", " ", line).strip()
            return timed(options, cell)

        self.shell.register_magic_function(timeit, magic_kind="line_cell", magic_name="timeit")

    def _showtraceback(
        self,
        exc_tuple: tuple[type[BaseException], BaseException, TracebackType | None] | None = None,
        filename: str | None = None,
        tb_offset: int | None = None,
        exception_only: bool = False,
        running_compiled_code: bool = False,
    ) -> None:
        """IPython's showtraceback, printing the student's own frames only (Jupyter's show them all)."""
        error = exc_tuple[1] if exc_tuple is not None else sys.exc_info()[1]
        if error is None:
            return
        lines = []
        for frame in traceback.extract_tb(error.__traceback__):
            number = self.cell_of(frame.filename)
            if number is not None:
                lines.append(f"  cell {number}, line {frame.lineno}: {(frame.line or '').strip()}")
        if isinstance(error, SyntaxError) and self.cell_of(error.filename) is not None:
            lines.append(f"  cell {self.cell_of(error.filename)}, line {error.lineno}: {(error.text or '').strip()}")
            text = str(error.msg)
        else:
            text = str(error)
        head = ["Traceback (your cells only):", *lines] if lines else []
        print("\n".join([*head, f"{type(error).__name__}: {text}"]), file=sys.stderr)

    def _showwarning(
        self,
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        """warnings.showwarning, naming the student's cell and never another file's path."""
        number = self.cell_of(filename)
        where = f"cell {number}, line {lineno}: " if number is not None else ""
        print(f"{where}{category.__name__}: {message}", file=sys.stderr)

    def run(self, cell: Cell, count: int) -> tuple[BaseException | None, list[str]]:
        """Run one cell as Jupyter would with execution count `count`: (its error or None, what was refused)."""
        self.refused = []
        self.shell.execution_count = count
        self.cell_names[count] = cell.number
        result = self.shell.run_cell(cell.source, store_history=True)
        error = result.error_before_exec or result.error_in_exec
        return error, list(self.refused)

    def cell_of(self, filename: str | None) -> int | None:
        """The cell a code object's file name belongs to (IPython names them by execution count), else None."""
        match = re.match(r"<ipython-input-(\d+)-", filename or "")
        return self.cell_names.get(int(match.group(1))) if match else None


def _page(self: object, data: object, start: int = 0, screen_lines: int = 0, pager_cmd: object = None) -> None:
    """IPython's show_in_pager hook (`?` help, %pinfo, %page): shown nowhere, as in a kernel, which sends it to
    the front end's pager and not into the cell's output (and it names files of the grader's machine)."""


def names_defined(cells: Sequence[Cell], functions: Sequence[str]) -> list[list[str]]:
    """For each cell, the graded functions it has a `def` line for."""
    return [[name for name in functions if defines(cell.source, name)] for cell in cells]
