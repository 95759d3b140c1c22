"""Notebooks graded as Jupyter runs them: each notebook of tests/submissions/parity/ is graded by `adam-hw grade`
and run in a real kernel as `nbgrader autograde` runs it, and the three functions must agree.

The kernel side is nbclient with allow_errors and a per-cell timeout (interrupting the cell, as nbgrader's
Execute does), the test and demo cells removed as the grader removes them, then one more cell that calls
the three functions on a few inputs. Each function is absent, correct (the reference's values) or wrong,
and both sides must say the same. On the nbgrader subset, the kernel also runs the source notebook's test
cells (as nbgrader's OverwriteCells puts them back) and its points must be the grader's score.
The shell escapes are refused by the grader (REFUSED): there, the test checks the refusal instead.
"""

import json
import math
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.rubric import ITEMS_BY_ID
from tests.conftest import ROOT, SUBMISSIONS

nbformat = pytest.importorskip("nbformat", reason="the `test` extra installs nbformat with nbclient")
nbclient = pytest.importorskip("nbclient", reason="the `test` extra installs nbclient and ipykernel")

pytestmark = pytest.mark.slow

CORPUS = SUBMISSIONS / "parity"
NOTEBOOKS = sorted(p.stem for p in CORPUS.glob("*.ipynb"))
NBGRADER = [name for name in NOTEBOOKS if name.startswith("nbgrader_")]
CELL_TIMEOUT = 4  # seconds, in the kernel and for `adam-hw grade --timeout`
#: notebook -> (the construct the grader refuses, the heading of its cell): a shell escape, never run
REFUSED = {
    "shell_bang": ("touch made_by_bang.txt", "Setup"),
    "shell_bang_assign": ("touch made_by_bang_assign.txt && ls", "Setup"),
    "shell_sx": ("%sx", "Setup"),
    "shell_system": ("%system", "Setup"),
    "shell_bash": ("%%bash", "Setup"),
    "shell_sh": ("%%sh", "Setup"),
    "shell_script": ("%%script", "Setup"),
    "shell_pip": ("%pip", "Setup"),
    "shell_conda": ("%conda", "Setup"),
    "shell_system_call": ("touch made_by_system_call.txt", "Setup"),
}
FUNCTIONS = ("update_v", "bias_correct", "effective_step")
ITEMS = {func: [item for item in ITEMS_BY_ID if item.startswith(func + ".")] for func in FUNCTIONS}
#: function -> the calls the kernel makes (positional args, keyword args)
PROBES = {
    "update_v": [((0.0, 10.0), {}), (([0.0, 1.0], [10.0, -0.1]), {"beta2": 0.9})],
    "bias_correct": [((0.1, 1), {}), (([0.5, 0.2], 3), {"beta2": 0.9})],
    "effective_step": [((100.0,), {}), (([0.0, 4.0],), {"alpha": 0.1, "eps": 1e-3})],
}
MARK = "@@ADAM-HW-PARITY@@"
PROBE_CELL = f"""
import json as __adam_json
__adam_out = {{}}
for __adam_name, __adam_calls in {PROBES!r}.items():
    __adam_f = globals().get(__adam_name)
    if not callable(__adam_f):
        __adam_out[__adam_name] = None
        continue
    __adam_out[__adam_name] = []
    for __adam_args, __adam_kwargs in __adam_calls:
        try:
            import numpy as __adam_np
            __adam_out[__adam_name].append(
                __adam_np.asarray(__adam_f(*__adam_args, **__adam_kwargs), dtype=float).tolist()
            )
        except BaseException as __adam_err:
            __adam_out[__adam_name].append("raised " + type(__adam_err).__name__)
print({MARK!r} + __adam_json.dumps(__adam_out))
"""


def _reference() -> dict[str, list[object]]:
    from tests.conftest import load_reference

    ref = load_reference()
    return {
        name: [
            json.loads(json.dumps(__import__("numpy").asarray(getattr(ref, name)(*a, **k)).tolist())) for a, k in calls
        ]
        for name, calls in PROBES.items()
    }


def _close(a: object, b: object) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float | int) and isinstance(b, float | int):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=0.0)
    return False


def _verdict(values: list[object] | None, reference: list[object]) -> str:
    if values is None:
        return "absent"
    return "correct" if _close(values, reference) else "wrong"


def _meta(cell: object, key: str) -> object:
    nb = cell.get("metadata", {}).get("nbgrader", {})
    return nb.get(key)


def _is_test(cell: object) -> bool:
    return _meta(cell, "grade") is True and _meta(cell, "solution") is not True


def _is_demo(cell: object) -> bool:
    return cell.get("metadata", {}).get("adam_hw_skip_when_grading") is True and _meta(cell, "locked") is True


def _source_tests() -> dict[str, object]:
    source = nbformat.read(ROOT / "solutions" / "second_moment.ipynb", as_version=4)
    return {_meta(c, "grade_id"): c for c in source.cells if _is_test(c)}


def _run_in_kernel(name: str, workdir: Path) -> tuple[dict[str, str], float | None]:
    """({function: verdict}, nbgrader's total or None) for one notebook run in a fresh kernel."""
    nb = nbformat.read(CORPUS / f"{name}.ipynb", as_version=4)
    total = None
    if name in NBGRADER:  # as nbgrader autograde: the source's test cells (hidden tests too), every cell run
        tests = _source_tests()
        nb.cells = [tests.get(_meta(c, "grade_id"), c) if _is_test(c) else c for c in nb.cells]
    else:  # as the grader: its test and demo cells left out
        nb.cells = [c for c in nb.cells if not (c.cell_type == "code" and (_is_test(c) or _is_demo(c)))]
    nb.cells.append(nbformat.v4.new_code_cell(PROBE_CELL))
    workdir.mkdir(parents=True)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=True,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()
    if name in NBGRADER:
        total = float(
            sum(
                _meta(c, "points") or 0
                for c in nb.cells
                if c.cell_type == "code" and _is_test(c) and not any(o.output_type == "error" for o in c.outputs)
            )
        )
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    found = re.search(re.escape(MARK) + r"(.*)", text)
    assert found, f"{name}: the probe cell printed nothing: {nb.cells[-1].outputs}"
    values = json.loads(found.group(1))
    reference = _reference()
    return {func: _verdict(values[func], reference[func]) for func in FUNCTIONS}, total


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """{notebook: ({function: verdict}, nbgrader total)} from real kernels, two at a time."""
    base = tmp_path_factory.mktemp("kernels")
    with ThreadPoolExecutor(2) as pool:
        runs = {name: pool.submit(_run_in_kernel, name, base / name) for name in NOTEBOOKS}
        return {name: run.result() for name, run in runs.items()}


def _grader_verdict(items: dict[str, float], feedback: str, func: str) -> str:
    if all(items[item] == ITEMS_BY_ID[item].points for item in ITEMS[func]):
        return "correct"
    named = re.escape(func).replace("_", r"\\?_")
    if all(items[item] == 0 for item in ITEMS[func]) and re.search(r"no function named\W*" + named, feedback):
        return "absent"
    return "wrong"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """{notebook: ({function: verdict}, score, feedback.md)} from one `adam-hw grade` run over the corpus."""
    out = tmp_path_factory.mktemp("graded")
    paths = [str(CORPUS / f"{name}.ipynb") for name in NOTEBOOKS]
    assert main(["grade", *paths, "--out", str(out), "--timeout", str(CELL_TIMEOUT)]) == 0
    found = {}
    for name in NOTEBOOKS:
        record = json.loads((out / name / "record.json").read_text(encoding="utf-8"))
        feedback = (out / name / "feedback.md").read_text(encoding="utf-8")
        items = record["row"]["items"]
        verdicts = {func: _grader_verdict(items, feedback, func) for func in FUNCTIONS}
        found[name] = (verdicts, float(record["row"]["score"]), feedback)
    return found


@pytest.mark.parametrize("name", [n for n in NOTEBOOKS if n not in REFUSED])
def test_the_grader_finds_the_functions_a_kernel_defines(name, graded, kernel):
    assert graded[name][0] == kernel[name][0]


@pytest.mark.parametrize("name", NBGRADER)
def test_the_grader_gives_nbgrader_s_total_on_the_release(name, graded, kernel):
    assert graded[name][1] == kernel[name][1]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_shell_escape_is_refused_and_named_with_its_cell_heading(name, graded, kernel):
    verdicts, _, feedback = graded[name]
    construct, heading = REFUSED[name]
    # effective_step exists only where the escape's file was made: the grader made none.
    assert verdicts == {"update_v": "correct", "bias_correct": "correct", "effective_step": "absent"}
    assert {f: kernel[name][0][f] for f in ("update_v", "bias_correct")} == {
        "update_v": "correct",
        "bias_correct": "correct",
    }
    plain = feedback.replace("\\", "")
    assert "refused" in plain and construct in plain and heading in plain, feedback


def test_the_corpus_covers_every_construct_of_the_issue():
    assert len(NOTEBOOKS) >= 30 and set(REFUSED) <= set(NOTEBOOKS) and len(NBGRADER) >= 3


def test_no_feedback_shows_a_path_of_the_grader_s_machine(graded):
    machine = {str(ROOT), sys.prefix, sys.base_prefix, str(Path.home()), "site-packages", "/tmp/"}
    for name, (_, _, feedback) in graded.items():
        shown = [path for path in machine if path in feedback.replace("\\", "")]
        assert not shown, f"{name}: {shown}"
