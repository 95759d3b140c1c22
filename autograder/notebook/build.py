"""The nbgrader source notebook, built from the one source: solutions/ and the case data.

solutions/second_moment.py gives the three functions (with their BEGIN/END SOLUTION markers) and its
imports; solutions/notebook_text.md gives the prose and the order of the cells (its head explains the
cell markers); the checks (autograder.cases, and the term's draw) give every line a test cell holds,
each through its own `notebook_lines()` (the checks.Check protocol; no kind is asked for), and
autograder.rubric their points. Nothing here is typed twice, and the output is byte-for-byte the same on
every run (fixed cell ids, no outputs, no timestamps), so `adam-hw release --check` can compare it.

The steps, in order: parse_text (markers -> cell specs), then one small builder per kind of cell
(setup_cell, solution_cell, tests_cell, exercise_cell, code_cell, markdown_cell), then render.
"""

import ast
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder import terms
from autograder.cases import CHECKS
from autograder.judge.checks import Case, Check
from autograder.judge.identity import NUMERIC_RTOL
from autograder.notebook.cells import SKIP_WHEN_GRADING
from autograder.notebook.lines import literal
from autograder.rubric import FUNCTIONS, ITEMS, ITEMS_BY_ID
from autograder.tolerance import RTOL, TOLERANCE_WORDS

NBGRADER_SCHEMA = 3
MARKER = re.compile(r"^<!-- cell: (?P<kind>\w+)(?: (?P<name>[\w.]+))? -->$")
KINDS = ("markdown", "setup", "solution", "tests", "exercise", "code", "demo")
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
#: A notebook cell, or the whole notebook, as the JSON nbformat writes.
Cell = dict[str, Any]
Notebook = dict[str, Any]
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


@dataclass(frozen=True)
class Spec:
    """One cell as the text file describes it: its kind, its name (if any) and the text below its marker."""

    kind: str
    name: str
    body: str


def grade_id(item_id: str) -> str:
    """nbgrader's id for a rubric item's test cell (nbgrader ids allow no dots)."""
    return item_id.replace(".", "-")


def item_of(cell_grade_id: str) -> str:
    """The id a test cell's grade_id stands for (item.group for a check group's cell): the inverse of grade_id."""
    return cell_grade_id.replace("-", ".")


# -- reading the sources ----------------------------------------------------------------------------------


def parse_text(text: str) -> list[Spec]:
    """The cell specs of notebook_text.md, in order; ValueError naming the line of a bad marker."""
    specs: list[Spec] = []
    kind: str | None = None
    name = ""
    body: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("<!-- cell:"):
            match = MARKER.match(line)
            if not match or match.group("kind") not in KINDS:
                raise ValueError(
                    f"notebook_text.md line {number}: bad cell marker {line!r} (kinds: {', '.join(KINDS)})"
                )
            if kind is not None:
                specs.append(Spec(kind, name, "\n".join(body).strip("\n")))
            kind, name, body = match.group("kind"), match.group("name") or "", []
        elif kind is not None:
            body.append(line)
    if kind is not None:
        specs.append(Spec(kind, name, "\n".join(body).strip("\n")))
    return specs


def split_solution(source: str) -> tuple[list[str], dict[str, str]]:
    """(imports, {function name: its source}) from second_moment.py, markers and comments kept."""
    tree = ast.parse(source)
    lines = source.splitlines()
    functions: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            end = node.end_lineno or node.lineno
            # The closing `### END SOLUTION` is a comment, which ast does not count: keep the indented tail.
            while end < len(lines) and (not lines[end].strip() or lines[end][:1].isspace()):
                end += 1
            functions[node.name] = "\n".join(lines[node.lineno - 1 : end]).rstrip()
    imports = [
        ast.get_source_segment(source, node) or ""  # an import statement always has its source
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
    ]
    return imports, functions


def _python_block(spec: Spec) -> str:
    match = re.fullmatch(r"```python\n(.*)\n```", spec.body, flags=re.S)
    if not match:
        raise ValueError(f"the {spec.kind} cell {spec.name!r} in notebook_text.md must be one ```python block")
    return match.group(1)


# -- the cells --------------------------------------------------------------------------------------------


def _cell(cell_id: str, kind: str, source: str, nbgrader: Mapping[str, object] | None = None) -> Cell:
    # Sources as lists of lines, as Jupyter saves them, so opening and saving the notebook changes nothing.
    cell: Cell = {"cell_type": kind, "id": cell_id, "metadata": {}, "source": source.splitlines(True)}
    if nbgrader is not None:
        meta: dict[str, object] = {
            "grade": False,
            "locked": False,
            "solution": False,
            "task": False,
            "schema_version": NBGRADER_SCHEMA,
        }
        meta.update(nbgrader)
        cell["metadata"]["nbgrader"] = dict(sorted(meta.items()))
        if meta["locked"]:
            cell["metadata"].update({"deletable": False, "editable": False})
    if kind == "code":
        cell.update({"execution_count": None, "outputs": []})
    return cell


SETUP = '''\
# Run this cell first: it loads numpy and the helpers the checks below use. Do not change it.
# Each check_* helper raises AssertionError naming the check, or returns True; the test cells assert
# them, so no test cell ends in an expression whose value nbgrader would read as partial credit.
# What counts as equal: {tolerance}.
{imports}
import warnings

RTOL = {rtol!r}  # the grader's tolerance: float64 work is far closer, known mistakes far off


def run(func, *args, **kwargs):
    """Call one of your functions with numpy's warnings silenced: a warning is not a wrong answer."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def _values(what, got, expected):
    """got's values shaped like expected: values are judged whatever the container (list, shape (1,) ...)."""
    assert got is not None, f"{{what}}: returned None (is a `return` missing?)"
    array = np.asarray(got)
    assert array.dtype.kind in "iuf" and not isinstance(got, (bool, np.bool_)), (
        f"{{what}}: returned a {{type(got).__name__}}, not a number or a numpy array")
    expected = np.asarray(expected, dtype=np.float64)
    assert array.size == expected.size, f"{{what}}: returned shape {{array.shape}} for an input of shape {{expected.shape}}"
    return array.astype(np.float64).reshape(expected.shape), expected


def check_value(what, got, expected, rtol=RTOL):
    """Fail, naming the check, unless got's values are expected's, finite and within rtol."""
    array, expected = _values(what, got, expected)
    assert np.all(np.isfinite(array)), f"{{what}}: returned {{array.tolist()}}, which is not finite"
    assert np.allclose(array, expected, rtol=rtol, atol=0.0), f"{{what}}: returned {{array.tolist()}}, which is not right"
    return True


def check_same(what, got, own):
    """Lists and integers in must give the values your function gives for the same inputs as float64."""
    array, own = _values(what, got, own)
    assert np.allclose(array, own, rtol=RTOL, atol=0.0, equal_nan=True), (
        f"{{what}}: gives {{array.tolist()}}, but {{own.tolist()}} for the same inputs as float64; use np.asarray(x, dtype=float)")
    return True


def check_container(what, got, shape):
    """A float (or 0-d float64 array) for a number; otherwise a float64 numpy array of the input's shape."""
    if shape == ():
        number = isinstance(got, (float, np.generic)) or (isinstance(got, np.ndarray) and got.shape == ())
        assert number and np.asarray(got).dtype == np.float64, f"{{what}}: returned {{type(got).__name__}} {{np.shape(got)}}; return a float"
        return True
    assert isinstance(got, np.ndarray), f"{{what}}: returned a {{type(got).__name__}}; return a numpy array"
    assert got.shape == shape and got.dtype == np.float64, (
        f"{{what}}: returned a {{got.dtype}} array of shape {{got.shape}}; want float64 and shape {{shape}}")
    return True


def check_unchanged(what, func, *args, **kwargs):
    """Fail if calling func changes any array passed to it."""
    before = [np.array(a, copy=True) for a in args]
    run(func, *args, **kwargs)
    for old, new in zip(before, args):
        assert np.array_equal(old, np.asarray(new)), f"{{what}}: changed an array you passed in; work on a copy"
    return True


def check_unrolled(what, gradients, beta2, corrected, expected):
    """Run update_v from v_0 = 0 over the gradients (then bias_correct, if corrected) and check every step."""
    v = 0.0
    for t, (g, want) in enumerate(zip(gradients, expected), start=1):
        v = run(update_v, v, g, beta2=beta2)
        got = run(bias_correct, v, t, beta2=beta2) if corrected else v
        check_value(f"{{what}}, step {{t}}", got, want, rtol={identity_rtol!r})
    return True


def check_on_exact_v(what, probes):
    """Follow-through: bias_correct(exact v_t, t, beta2) must be g**2; probes are (v_t, t, beta2, g**2)."""
    for v, t, beta2, want in probes:
        check_value(f"{{what}}, t = {{t}}", run(bias_correct, v, t, beta2=beta2), want, rtol={identity_rtol!r})
    return True


def passes(check, *args):
    """True when check(*args) passes; any error, a failed assertion included, is False."""
    try:
        return bool(check(*args))
    except Exception:
        return False


def _value_passes(func, args, kwargs, expected):
    return check_value("", run(func, *args, **kwargs), expected)


def earned(func, groups):
    """Nothing for nothing: a function earns its contract and identity points only when it earns a whole
    group of its own value checks, or passes one beyond the page that returning an input would not pass.
    groups: lists of (args, kwargs, expected, counts_alone)."""
    for group in groups:
        ok = [passes(_value_passes, func, a, k, e) for a, k, e, _ in group]
        if all(ok) or any(o and alone for o, (_, _, _, alone) in zip(ok, group)):
            return True
    raise AssertionError(f"{{func.__name__}} passed none of its own value checks, so this earns nothing (nothing for nothing)")'''


def setup_cell(imports: Sequence[str]) -> Cell:
    source = SETUP.format(imports="\n".join(imports), rtol=RTOL, identity_rtol=NUMERIC_RTOL, tolerance=TOLERANCE_WORDS)
    return _cell("setup", "code", source, {"grade_id": "setup", "locked": True})


def solution_cell(name: str, functions: Mapping[str, str]) -> Cell:
    if name not in functions:
        raise ValueError(
            f"notebook_text.md names the function {name!r}, which solutions/second_moment.py does not define"
        )
    return _cell(name, "code", functions[name], {"grade_id": name, "solution": True})


def earned_line(func: str, checks: Sequence[Check]) -> str:
    """The hidden line that makes nbgrader apply "nothing for nothing" exactly as the grader does: each value
    group, and each public check with its nearby call (grading.nearby) as a group of two."""
    from autograder.grading import counts_alone, nearby  # the grader's own rule, not a copy of it

    def row(call: Case, alone: bool) -> str:
        args = "(" + "".join(literal(a) + ", " for a in call.args) + ")"
        return f"({args}, {call.kwargs!r}, {literal(call.expected)}, {alone})"

    groups: list[str] = []
    vouching: list[str] = []
    for item in ITEMS:
        if item.kind != "value" or item.task != func:
            continue
        for group in item.groups:
            mine = [
                (c, call)
                for c in checks
                if c.item == item.id
                and c.group == group.name
                and (call := c.fixed_call) is not None
                and call.expect == "value"
            ]
            if mine:
                groups.append("[" + ", ".join(row(call, counts_alone(c)) for c, call in mine) + "]")
            vouching += [
                f"[{row(call, False)}, {row(nearby(call), False)}]"
                for c, call in mine
                if not c.hidden and counts_alone(c, vouched=(c.id,))
            ]
    return f"assert earned({func}, [{', '.join(groups + vouching)}])"


def tests_cells(item_id: str, checks: Sequence[Check] = CHECKS) -> list[Cell]:
    """The autograded test cells of one rubric item, one per check group: public checks visible, hidden ones
    between markers, with the group's points (nbgrader's total is then the grader's, group by group)."""
    if item_id not in ITEMS_BY_ID:
        raise ValueError(
            f"notebook_text.md names the rubric item {item_id!r}, which autograder/rubric.py does not have"
        )
    item = ITEMS_BY_ID[item_id]
    cells: list[Cell] = []
    for group in item.groups:
        mine = [c for c in checks if c.item == item_id and c.group == group.name]
        visible: list[str] = []
        hidden: list[str] = []
        for check in mine:
            seen, unseen = check.notebook_lines()
            visible, hidden = visible + seen, hidden + unseen
        if item.gate:
            hidden.append(earned_line(item.gate, checks))
        if not visible:
            visible = [
                "# This group's checks are all hidden (other inputs of a kind the cells above show); they run when graded."
            ]
        number = item.group_number(group.name)
        head = [
            f"# {item.task}, rubric item {item.number} `{item.id}`, group {number} ({group.points} points): {group.title}.",
            "# All of this group's checks must pass; more are hidden and run when your notebook is graded.",
        ]
        gid = grade_id(f"{item_id}.{group.name}")
        source = "\n".join(head + visible + [BEGIN_HIDDEN] + hidden + [END_HIDDEN])
        cells.append(
            _cell(gid, "code", source, {"grade": True, "grade_id": gid, "locked": True, "points": group.points})
        )
    return cells


def exercise_cell(spec: Spec) -> Cell:
    """A plain, ungraded code cell that runs as it is: Run All reaches the end before it is filled in."""
    return _cell(spec.name, "code", _python_block(spec))


def code_cell(spec: Spec) -> Cell:
    return _cell(spec.name, "code", _python_block(spec))


def demo_cell(spec: Spec) -> Cell:
    """A locked cell that shows the student's functions at work and defines nothing graded: nbgrader puts
    back its source before autograding, so `adam-hw grade` may leave it out (cells.SKIP_WHEN_GRADING)."""
    cell = _cell(spec.name, "code", _python_block(spec), {"grade_id": spec.name, "locked": True})
    cell["metadata"][SKIP_WHEN_GRADING] = True
    return cell


def build(text: str, solution: str, checks: Sequence[Check] = CHECKS) -> Notebook:
    """The nbgrader source notebook (a dict) from notebook_text.md and second_moment.py; `checks` are the
    fixed checks and the term's drawn ones (the release passes them: nbgrader grades the term's draw)."""
    imports, functions = split_solution(solution)
    cells: list[Cell] = []
    seen: list[tuple[str, str]] = []
    for number, spec in enumerate(parse_text(text), start=1):
        if spec.kind == "markdown":
            cells.append(_cell(f"text-{number:02d}", "markdown", spec.body))
        elif spec.kind == "setup":
            cells.append(setup_cell(imports))
        elif spec.kind == "solution":
            cells.append(solution_cell(spec.name, functions))
        elif spec.kind == "tests":
            cells += tests_cells(spec.name, checks)
        elif spec.kind == "exercise":
            cells.append(exercise_cell(spec))
        elif spec.kind == "demo":
            cells.append(demo_cell(spec))
        else:
            cells.append(code_cell(spec))
        seen.append((spec.kind, spec.name))
    _validate(seen)
    return {
        "cells": cells,
        "metadata": {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _validate(seen: list[tuple[str, str]]) -> None:
    """Every rubric item has exactly one test cell and every function one solution cell, after the setup."""
    for kind, wanted in (("tests", [i.id for i in ITEMS]), ("solution", list(FUNCTIONS))):
        named = [name for k, name in seen if k == kind]
        if sorted(named) != sorted(wanted):
            raise ValueError(
                f"notebook_text.md has {kind} cells for {named}; it needs exactly one for each of {wanted}"
            )
    if ("setup", "") not in seen or seen.index(("setup", "")) > seen.index(("tests", ITEMS[0].id)):
        raise ValueError("notebook_text.md needs one setup cell before the first tests cell")


def render(notebook: Notebook) -> str:
    """The notebook as file text, the way nbformat writes it (so Jupyter saves it back without a diff)."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def term_checks(term: terms.Term) -> tuple[Check, ...]:
    """The checks a term grades with a shared seed: the fixed ones, then that term's draw."""
    return terms.checks_for_seed(term.seed)


def release_files(root: Path, checks: Sequence[Check] = CHECKS) -> dict[str, str]:
    """{path relative to root: text} of the two generated notebooks: the nbgrader source and its release."""
    from autograder.notebook import nbgrader  # needs nbgrader installed: instructors only

    text = (root / "solutions" / "notebook_text.md").read_text(encoding="utf-8")
    solution = (root / "solutions" / "second_moment.py").read_text(encoding="utf-8")
    source = render(build(text, solution, checks))
    return {
        "solutions/second_moment.ipynb": source,
        "assignment/second_moment.ipynb": nbgrader.generate_assignment(source),
    }
