"""Writes the parity corpus: notebooks written as students write them, each graded by `adam-hw grade` and
run in a real kernel by tests/test_notebook_parity.py. Generated: edit this file, then run
`.venv/bin/python tests/submissions/parity/build_corpus.py`, never the .ipynb files by hand.

Each notebook is named for the construct it exercises. The three functions are the reference's unless a
notebook says otherwise; what a kernel makes of the construct decides which of them exist.
"""

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
sys.path.insert(0, str(ROOT))

from autograder.notebook.build import split_solution  # noqa: E402

_, _SOURCES = split_solution((ROOT / "solutions" / "second_moment.py").read_text(encoding="utf-8"))
REF = {name: re.sub(r"\n\s*### (BEGIN|END) SOLUTION", "", source) for name, source in _SOURCES.items()}
U, B, E = REF["update_v"], REF["bias_correct"], REF["effective_step"]
IMPORT = "import numpy as np\n"


def indent(source: str, by: str = "    ") -> str:
    return "".join(by + line if line.strip() else line for line in source.splitlines(True))


def md(text: str) -> dict[str, object]:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code(text: str, metadata: dict[str, object] | None = None) -> dict[str, object]:
    return {"cell_type": "code", "execution_count": None, "metadata": metadata or {}, "outputs": [], "source": text}


KERNEL = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def notebook(cells: list[dict[str, object]], metadata: dict[str, object] | None = None) -> dict[str, object]:
    return {
        "cells": cells,
        "metadata": KERNEL if metadata is None else metadata,
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def tasks(*cells: dict[str, object]) -> list[dict[str, object]]:
    """A heading, numpy, then `cells`, then whichever of the reference's three cells they do not replace."""
    return [md("# Adam's second moment"), code(IMPORT), *cells]


def plain(skip: tuple[str, ...] = ()) -> list[dict[str, object]]:
    out = []
    for number, (name, source) in enumerate(REF.items(), start=1):
        if name not in skip:
            out += [md(f"## Task {number}: `{name}`"), code(source)]
    return out


def shell_escape(name: str, cell: str) -> dict[str, object]:
    """A notebook whose escape would create made_by_<name>.txt; effective_step exists only if it did."""
    return notebook(
        tasks(
            md("## Setup"),
            code(cell),
            md("## Task 3: `effective_step`, only if the shell ran"),
            code(f"import os\nSHELL_RAN = os.path.exists('made_by_{name}.txt')\nif SHELL_RAN:\n" + indent(E)),
            *plain(skip=("effective_step",)),
        )
    )


CORPUS: dict[str, dict[str, object]] = {
    "display_call": notebook(tasks(code('display("hello", np.zeros(2))\ndisplay({"a": 1})'), *plain())),
    "display_inside_function": notebook(
        tasks(
            code(B.replace("    v = np.asarray(v", "    display(t)\n    v = np.asarray(v")),
            *plain(skip=("bias_correct",)),
        )
    ),
    "ipython_display_import": notebook(
        tasks(
            code(
                "import IPython.display\nfrom IPython.display import display, Markdown, HTML, Math\n"
                "display(Markdown('**v_t**'), Math(r'v_t'), HTML('<b>v</b>'))"
            ),
            *plain(),
        )
    ),
    "get_ipython": notebook(
        tasks(
            code("ip = get_ipython()\nip.run_line_magic('precision', '4')\nprint(type(ip).__name__)"),
            code(E.replace("    v_hat = np.asarray", "    get_ipython()\n    v_hat = np.asarray")),
            *plain(skip=("effective_step",)),
        )
    ),
    "main_guard": notebook(
        tasks(code('if __name__ == "__main__":\n' + indent(U) + "\n" + indent(B) + "\n" + indent(E)))
    ),
    "top_level_await": notebook(
        tasks(
            code("import asyncio\nawait asyncio.sleep(0)\n" + U),
            code("async def ready():\n    return 1\n\nassert await ready() == 1\n" + B),
            md("## Task 3"),
            code(E),
        )
    ),
    "underscore_out": notebook(
        tasks(
            code("1.0 - 0.001"),
            code("0.001"),
            code("BETA2, ALPHA, FIRST = __, _, Out[2]\nassert _i2 == '1.0 - 0.001' or _i2.strip() == '1.0 - 0.001'"),
            code(U.replace("beta2=0.999", "beta2=BETA2")),
            code(B.replace("beta2=0.999", "beta2=FIRST")),
            code(E.replace("alpha=0.001", "alpha=ALPHA")),
        )
    ),
    "writefile_import": notebook(
        tasks(
            code("%%writefile adam_helpers.py\n" + IMPORT + "\n\n" + U + "\n\n" + B + "\n\n" + E),
            code("from adam_helpers import update_v, bias_correct, effective_step"),
        )
    ),
    "writefile_run": notebook(
        tasks(code("%%writefile adam_run.py\n" + IMPORT + "\n\n" + U + "\n\n" + B), code("%run adam_run.py"), code(E))
    ),
    "load_magic": notebook(
        tasks(
            code("%%writefile adam_load.py\n" + IMPORT + "\n\n" + U),
            # In a kernel %load only puts the file into the next input: it runs nothing.
            code("%load adam_load.py"),
            *plain(skip=("update_v",)),
        )
    ),
    "timeit_defines": notebook(tasks(code("%%timeit -n 1 -r 1\n" + U), *plain(skip=("update_v",)))),
    "timeit_line": notebook(tasks(*plain(), code("%timeit -n 2 -r 2 update_v(0.0, 10.0)"))),
    "capture_defines": notebook(
        tasks(code("%%capture captured\nprint('hidden')\n" + U), code("print(captured.stdout)"), *plain(skip=("update_v",)))
    ),
    "time_magics": notebook(
        tasks(
            code("%%time\n" + U),
            code("%time v1 = update_v(0.0, 10.0)"),
            code("%time\n" + B),
            *plain(skip=("update_v", "bias_correct")),
        )
    ),
    "prun_defines": notebook(tasks(code("%%prun -q\n" + U), *plain(skip=("update_v",)))),
    # numpy is imported only after the magic, in its cell: a magic that failed would leave np undefined.
    "matplotlib_inline": notebook(
        [
            md("# Plots inline"),
            code("%matplotlib inline\nimport numpy as np\nimport matplotlib.pyplot as plt"),
            *plain(),
            code("xs = np.arange(1, 20)\nplt.plot(xs, effective_step(bias_correct(update_v(0.0, xs), 1)))\nplt.show()"),
        ]
    ),
    "load_ext": notebook(tasks(code("%load_ext autoreload\n%autoreload 2"), *plain())),
    "help_query": notebook(tasks(code("np.sqrt?"), code("?np.zeros"), *plain(), code("update_v??"))),
    "html_magic": notebook(
        tasks(
            code("%%html\n<b>Adam</b>"),
            code("%%markdown\n**bold**"),
            code("%%latex\n$v_t$"),
            code("%%javascript\nconsole.log(1)"),
            *plain(),
        )
    ),
    "misc_line_magics": notebook(
        tasks(
            code("%precision 3\n%env ADAM_HW_X=1\n%who\n%config InlineBackend.figure_format = 'png'"),
            code("import os\nassert os.environ['ADAM_HW_X'] == '1'\n%whos"),
            *plain(),
        )
    ),
    "rich_outputs": notebook(
        tasks(
            code(
                "class Rich:\n    def _repr_html_(self):\n        return '<i>rich</i>'\n"
                "    def _repr_latex_(self):\n        return '$x$'\n\nRich()"
            ),
            code("from IPython.display import HTML, JSON, SVG\nHTML('<p>x</p>')"),
            code("np.arange(6).reshape(2, 3)"),
            code("import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2])\nfig"),
            *plain(),
        )
    ),
    "error_mid_cell": notebook(tasks(code(U + "\n\n1 / 0\n\n" + B), md("## Task 3"), code(E))),
    "raises_after_defining": notebook(
        tasks(code(U + "\n\n" + B + "\n\n" + E + "\n\nraise ValueError('my own check failed')"))
    ),
    "errors_in_cells": notebook(
        tasks(
            code("undefined_name + 1"),
            code("def broken(:\n    pass"),
            code("import sys\nsys.exit(3)"),
            code("raise KeyboardInterrupt"),
            *plain(),
        )
    ),
    "unicode": notebook(
        [
            md("# Adam — second moment β₂ ✓"),
            code(IMPORT + "β2 = 0.999  # ünïcödé\nprint('✓ β₂ =', β2, '😀')"),
            md("## Task 1: `update_v` ☃"),
            code(U.replace("beta2=0.999", "beta2=β2")),
            *plain(skip=("update_v",)),
        ]
    ),
    "no_kernelspec": notebook(tasks(*plain()), metadata={}),
    "empty_cells": notebook(tasks(code(""), code("   \n\n"), code("# only a comment"), *plain(), code(""))),
    "markdown_only": notebook([md("# My answers"), md("I wrote them on paper:\n\n    def update_v(v, g):")]),
    "hanging_cell": notebook(tasks(code("while True:\n    pass"), *plain())),
    "exit_call": notebook(tasks(*plain(skip=("effective_step",)), code("exit()"), md("## Task 3"), code(E))),
    "shell_bang": shell_escape("bang", "!touch made_by_bang.txt"),
    "shell_bang_assign": shell_escape("bang_assign", "files = !touch made_by_bang_assign.txt && ls"),
    "shell_sx": shell_escape("sx", "%sx touch made_by_sx.txt"),
    "shell_system": shell_escape("system", "%system touch made_by_system.txt"),
    "shell_bash": shell_escape("bash", "%%bash\ntouch made_by_bash.txt"),
    "shell_sh": shell_escape("sh", "%%sh\ntouch made_by_sh.txt"),
    "shell_script": shell_escape("script", "%%script bash\ntouch made_by_script.txt"),
    "shell_pip": shell_escape("pip", "%pip --version > made_by_pip.txt"),
    "shell_conda": shell_escape("conda", "%conda list > made_by_conda.txt"),
    "shell_system_call": shell_escape("system_call", "get_ipython().system('touch made_by_system_call.txt')"),
}


def v3(cells: list[dict[str, object]]) -> dict[str, object]:
    """A notebook in format 3 (IPython 2's): worksheets, and code in `input`."""
    out = []
    for cell in cells:
        if cell["cell_type"] == "code":
            out.append({"cell_type": "code", "collapsed": False, "input": cell["source"], "language": "python",
                        "metadata": {}, "outputs": []})
        else:
            out.append({"cell_type": "markdown", "metadata": {}, "source": cell["source"]})
    return {"metadata": {"name": "second_moment"}, "nbformat": 3, "nbformat_minor": 0,
            "worksheets": [{"cells": out, "metadata": {}}]}


def lines(source: str, newline: str = "\n") -> list[str]:
    return [line.replace("\n", newline) for line in source.splitlines(True)]


def release_with(answers: dict[str, str]) -> dict[str, object]:
    """The committed student notebook (assignment/, nbgrader's release) with `answers` in its solution cells."""
    nb = json.loads((ROOT / "assignment" / "second_moment.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        name = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if name in answers:
            cell["source"] = lines(answers[name])
    return nb


#: The nbgrader release with answers: its totals are compared with nbgrader's too (the test's NBGRADER).
NBGRADER = {
    "nbgrader_release_answers": release_with(REF),
    "nbgrader_release_abs_gradient": release_with({**REF, "update_v": U.replace("g**2", "np.abs(g)")}),
    "nbgrader_release_untouched": release_with({}),
}


def write() -> None:
    for path in HERE.glob("*.ipynb"):
        path.unlink()
    for name, nb in {**CORPUS, **NBGRADER}.items():
        for cell in nb.get("cells", []):
            if isinstance(cell["source"], str):
                cell["source"] = lines(cell["source"])
        (HERE / f"{name}.ipynb").write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    crlf = notebook(tasks(*plain()))
    for cell in crlf["cells"]:
        cell["source"] = lines(cell["source"], "\r\n")
    text = json.dumps(crlf, indent=1, ensure_ascii=False) + "\n"
    (HERE / "crlf.ipynb").write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    (HERE / "v3_notebook.ipynb").write_text(json.dumps(v3(tasks(*plain())), indent=1) + "\n", encoding="utf-8")
    # The source notebook itself (solutions, hidden tests): what an instructor tries first.
    (HERE / "nbgrader_source_solutions.ipynb").write_bytes((ROOT / "solutions" / "second_moment.ipynb").read_bytes())


if __name__ == "__main__":
    write()
