"""The nbgrader source notebook, built from the one source: solutions/ and the case data.

solutions/second_moment.py gives the three functions (with their BEGIN/END SOLUTION markers) and its
imports; solutions/notebook_text.md gives the prose and the order of the cells (its head explains the
cell markers); autograder.cases and autograder.identity give every value a test cell checks, and
autograder.rubric their points. Nothing here is typed twice, and the output is byte-for-byte the same on
every run (fixed cell ids, no outputs, no timestamps), so `adam-hw release --check` can compare it.

The steps, in order: parse_text (markers -> cell specs), then one small builder per kind of cell
(setup_cell, solution_cell, tests_cell, exercise_cell, code_cell, markdown_cell), then render.
"""

import ast
import json
import re
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from autograder.cases import CHECKS
from autograder.checks import Case
from autograder.compare import RTOL
from autograder.identity import NUMERIC_RTOL, IdentityCheck
from autograder.notebook.cells import SKIP_WHEN_GRADING
from autograder.rubric import FUNCTIONS, ITEMS, ITEMS_BY_ID

NBGRADER_SCHEMA = 3
MARKER = re.compile(r"^<!-- cell: (?P<kind>\w+)(?: (?P<name>[\w.]+))? -->$")
KINDS = ("markdown", "setup", "solution", "tests", "exercise", "code", "demo")
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


@dataclass(frozen=True)
class Spec:
    """One cell as the text file describes it: its kind, its name (if any) and the text below its marker."""

    kind: str
    name: str
    body: str


def grade_id(item_id):
    """nbgrader's id for a rubric item's test cell (nbgrader ids allow no dots)."""
    return item_id.replace(".", "-")


def item_of(cell_grade_id):
    """The rubric item id of a test cell's grade_id: the inverse of grade_id."""
    return cell_grade_id.replace("-", ".")


# -- reading the sources ----------------------------------------------------------------------------------


def parse_text(text):
    """The cell specs of notebook_text.md, in order; ValueError naming the line of a bad marker."""
    specs, kind, name = [], None, ""
    body: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("<!-- cell:"):
            match = MARKER.match(line)
            if not match or match.group("kind") not in KINDS:
                raise ValueError(f"notebook_text.md line {number}: bad cell marker {line!r} (kinds: {', '.join(KINDS)})")
            if kind is not None:
                specs.append(Spec(kind, name, "\n".join(body).strip("\n")))
            kind, name, body = match.group("kind"), match.group("name") or "", []
        elif kind is not None:
            body.append(line)
    if kind is not None:
        specs.append(Spec(kind, name, "\n".join(body).strip("\n")))
    return specs


def split_solution(source):
    """(imports, {function name: its source}) from second_moment.py, markers and comments kept."""
    tree = ast.parse(source)
    lines = source.splitlines()
    functions = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            end = node.end_lineno or node.lineno
            # The closing `### END SOLUTION` is a comment, which ast does not count: keep the indented tail.
            while end < len(lines) and (not lines[end].strip() or lines[end][:1].isspace()):
                end += 1
            functions[node.name] = "\n".join(lines[node.lineno - 1: end]).rstrip()
    imports = [ast.get_source_segment(source, node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    return imports, functions


def _python_block(spec):
    match = re.fullmatch(r"```python\n(.*)\n```", spec.body, flags=re.S)
    if not match:
        raise ValueError(f"the {spec.kind} cell {spec.name!r} in notebook_text.md must be one ```python block")
    return match.group(1)


# -- the cells --------------------------------------------------------------------------------------------


def _cell(cell_id, kind, source, nbgrader=None):
    # Sources as lists of lines, as Jupyter saves them, so opening and saving the notebook changes nothing.
    cell = {"cell_type": kind, "id": cell_id, "metadata": {}, "source": source.splitlines(True)}
    if nbgrader is not None:
        meta = {"grade": False, "locked": False, "solution": False, "task": False, "schema_version": NBGRADER_SCHEMA}
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
{imports}
import warnings

RTOL = {rtol!r}  # the grader's tolerance: float64 work is far closer, known mistakes far off


def run(func, *args, **kwargs):
    """Call one of your functions with numpy's warnings silenced: a warning is not a wrong answer."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def check_value(what, got, expected, rtol=RTOL):
    """Fail, naming the check, unless got is expected: a number or array of its shape, float64, finite, close."""
    assert got is not None, f"{{what}}: returned None (is a `return` missing?)"
    array = np.asarray(got)
    assert array.dtype.kind in "iuf" and not isinstance(got, (bool, np.bool_)), (
        f"{{what}}: returned a {{type(got).__name__}}, not a number or a numpy array")
    assert array.dtype not in (np.float32, np.float16), f"{{what}}: returned {{array.dtype}} values; work in float64"
    expected = np.asarray(expected, dtype=np.float64)
    assert array.shape == expected.shape, f"{{what}}: returned shape {{array.shape}} for an input of shape {{expected.shape}}"
    assert np.all(np.isfinite(array)), f"{{what}}: returned {{array.tolist()}}, which is not finite"
    assert np.allclose(array.astype(np.float64), expected, rtol=rtol, atol=0.0), f"{{what}}: returned {{array.tolist()}}, which is not right"
    return True


def check_shape(what, got, shape):
    """Fail unless got is a number or array of this shape (no value is checked)."""
    assert got is not None, f"{{what}}: returned None (is a `return` missing?)"
    assert np.shape(got) == shape, f"{{what}}: returned shape {{np.shape(got)}} for an input of shape {{shape}}"
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
    return True'''


def setup_cell(imports):
    source = SETUP.format(imports="\n".join(imports), rtol=RTOL, identity_rtol=NUMERIC_RTOL)
    return _cell("setup", "code", source, {"grade_id": "setup", "locked": True})


def solution_cell(name, functions):
    if name not in functions:
        raise ValueError(f"notebook_text.md names the function {name!r}, which solutions/second_moment.py does not define")
    return _cell(name, "code", functions[name], {"grade_id": name, "solution": True})


def _literal(x):
    """Exact Python source for an input or expected value (full float precision, so the checks are the grader's)."""
    if isinstance(x, Fraction):
        return repr(float(x))
    if isinstance(x, np.generic):
        x = x.item()  # numpy 2 spells np.float64 scalars as `np.float64(...)`; the plain value reads better
    if isinstance(x, np.ndarray):
        return f"np.array({x.tolist()!r}, dtype=np.{x.dtype})"
    if isinstance(x, (list, tuple, float, int)):
        return repr(list(x) if isinstance(x, tuple) else x)
    raise TypeError(f"no notebook literal for {type(x).__name__} {x!r}")


def case_line(case):
    """One check of a Case, as a line of the test cell."""
    what = f"{case.call_text}: {case.about}"
    args = [_literal(a) for a in case.args] + [f"{k}={_literal(v)}" for k, v in case.kwargs.items()]
    call = ", ".join([case.func] + args)
    if case.expect == "unchanged":
        return f"assert check_unchanged({what!r}, {call})"
    return f"assert check_value({what!r}, run({call}), {_literal(case.expected)})"


def case_shape_line(case):
    """A visible check that reveals no value: the function runs and keeps the input's shape."""
    what = f"{case.func}: {case.about}"
    args = [_literal(a) for a in case.args] + [f"{k}={_literal(v)}" for k, v in case.kwargs.items()]
    return f"assert check_shape({what!r}, run({', '.join([case.func] + args)}), {np.shape(case.expected)!r})"


def identity_lines(check, steps=None):
    """Float probes of an identity check (its numeric_probes), one line each; `steps` cuts each probe short."""
    lines = []
    for request, expected in check.numeric_probes():
        gradients, expected = request["gradients"][:steps], expected[:steps]
        what = f"{'constant gradient' if request['correct'] else 'unrolled from v_0 = 0'} {gradients}, beta2 = {request['beta2']}"
        values = "[" + ", ".join(_literal(e) for e in expected) + "]"
        lines.append(
            f"assert check_unrolled({what!r}, {_literal(list(gradients))}, {request['beta2']!r}, {request['correct']}, {values})"
        )
    return lines


def tests_cell(item_id, checks=CHECKS):
    """The autograded test cell of one rubric item: its public checks visible, its hidden ones between markers."""
    if item_id not in ITEMS_BY_ID:
        raise ValueError(f"notebook_text.md names the rubric item {item_id!r}, which autograder/rubric.py does not have")
    item = ITEMS_BY_ID[item_id]
    mine = [c for c in checks if c.item == item_id]
    visible, hidden = [], []
    for check in mine:
        if isinstance(check, IdentityCheck):
            # Students see the form of the check on the first step of the first probe (a value the public
            # checks already show); later steps would give away hidden answers (the page's v_3, say).
            visible += identity_lines(check, steps=1)[:1]
            hidden += identity_lines(check)
        elif isinstance(check, Case):
            (hidden if check.hidden else visible).append(case_line(check))
        else:
            raise TypeError(f"no notebook form for the check {check.id} ({type(check).__name__})")
    if not visible:
        first = next(c for c in mine if isinstance(c, Case) and c.expect == "value")
        visible.append(case_shape_line(first))
    head = [
        f"# Rubric item {item.number} `{item.id}` ({item.points} points): {item.title}.",
        "# All of its checks must pass; more are hidden and run when your notebook is graded.",
    ]
    source = "\n".join(head + visible + [BEGIN_HIDDEN] + hidden + [END_HIDDEN])
    return _cell(grade_id(item_id), "code", source, {"grade": True, "grade_id": grade_id(item_id), "locked": True, "points": item.points})


def exercise_cell(spec):
    return _cell(spec.name, "code", _python_block(spec), {"grade_id": spec.name, "solution": True})


def code_cell(spec):
    return _cell(spec.name, "code", _python_block(spec))


def demo_cell(spec):
    """A locked cell that shows the student's functions at work and defines nothing graded: nbgrader puts
    back its source before autograding, so `adam-hw grade` may leave it out (cells.SKIP_WHEN_GRADING)."""
    cell = _cell(spec.name, "code", _python_block(spec), {"grade_id": spec.name, "locked": True})
    cell["metadata"][SKIP_WHEN_GRADING] = True
    return cell


def build(text, solution):
    """The nbgrader source notebook (a dict) from notebook_text.md and second_moment.py."""
    imports, functions = split_solution(solution)
    cells, seen = [], []
    for number, spec in enumerate(parse_text(text), start=1):
        if spec.kind == "markdown":
            cells.append(_cell(f"text-{number:02d}", "markdown", spec.body))
        elif spec.kind == "setup":
            cells.append(setup_cell(imports))
        elif spec.kind == "solution":
            cells.append(solution_cell(spec.name, functions))
        elif spec.kind == "tests":
            cells.append(tests_cell(spec.name))
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


def _validate(seen):
    """Every rubric item has exactly one test cell and every function one solution cell, after the setup."""
    for kind, wanted in (("tests", [i.id for i in ITEMS]), ("solution", list(FUNCTIONS))):
        named = [name for k, name in seen if k == kind]
        if sorted(named) != sorted(wanted):
            raise ValueError(f"notebook_text.md has {kind} cells for {named}; it needs exactly one for each of {wanted}")
    if ("setup", "") not in seen or seen.index(("setup", "")) > seen.index(("tests", ITEMS[0].id)):
        raise ValueError("notebook_text.md needs one setup cell before the first tests cell")


def render(notebook):
    """The notebook as file text, the way nbformat writes it (so Jupyter saves it back without a diff)."""
    return json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def release_files(root):
    """{path relative to root: text} of the two generated notebooks: the nbgrader source and its release."""
    from autograder.notebook import nbgrader  # needs nbgrader installed: instructors only

    text = (root / "solutions" / "notebook_text.md").read_text(encoding="utf-8")
    solution = (root / "solutions" / "second_moment.py").read_text(encoding="utf-8")
    source = render(build(text, solution))
    return {"solutions/second_moment.ipynb": source, "assignment/second_moment.ipynb": nbgrader.generate_assignment(source)}
