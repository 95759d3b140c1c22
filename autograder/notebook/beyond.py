"""Part 5's cells of the nbgrader source notebook, appended after the core's when the term turns it on.

From solutions/beyond_text.md (the prose and the order; its `{{name}}` figures filled in from the oracle),
solutions/beyond.py (the functions, with their BEGIN/END SOLUTION markers) and the part's checks (their
`notebook_lines()`). The cells are those of notebook/build.py, plus `setup_beyond` (the helpers the part's
test cells call, locked) and `written` (nbgrader's manually graded answer: its points are nbgrader's
only, never part of the auto-graded total). Follow-through, as the grader does it: a check of a function
built on the core passes when it passes with the student's own update_v, bias_correct and effective_step,
or with exact ones swapped in for the call (`passes_either`).
"""

import re
from collections.abc import Sequence
from pathlib import Path

from autograder import terms
from autograder.beyond import cases as beyond_cases
from autograder.beyond import oracle
from autograder.beyond.checks import BeyondCall
from autograder.beyond.rubric import ITEMS_BY_ID, WRITTEN, WRITTEN_POINTS, WRITTEN_PROMPT
from autograder.beyond.spec import NAMES, REACH_SLACK, TARGET
from autograder.notebook.build import BEGIN_HIDDEN, END_HIDDEN, Cell, _cell, build, grade_id, render, split_solution

MARKER = re.compile(r"^<!-- cell: (?P<kind>\w+)(?: (?P<name>[\w.]+))? -->$")
KINDS = ("markdown", "setup_beyond", "solution", "tests", "written", "demo")

SETUP = '''\
# Part 5's helpers (run it before part 5's checks; do not change it). Like the setup cell at the top, each
# check_* helper raises AssertionError naming the check, or returns True.
import contextlib

import sympy


@contextlib.contextmanager
def exact_core():
    """For one check: update_v, bias_correct and effective_step as the page writes them, in place of yours."""
    mine = {name: globals()[name] for name in ("update_v", "bias_correct", "effective_step")}
    globals().update(
        update_v=lambda v_prev, g, beta2=0.999: beta2 * np.asarray(v_prev, float) + (1 - beta2) * np.asarray(g, float) ** 2,
        bias_correct=lambda v, t, beta2=0.999: np.asarray(v, float) / (1 - beta2**t),
        effective_step=lambda v_hat, alpha=0.001, eps=1e-8: alpha / (np.sqrt(np.asarray(v_hat, float)) + eps),
    )
    try:
        yield
    finally:
        globals().update(mine)


def passes_either(check):
    """Follow-through: a check passes with your own tasks 1-3, or with exact ones (a slip there costs there)."""
    if passes(check):
        return True
    with exact_core():
        return check()


def check_means(what, got, means, spreads):
    """[mean v_t, mean v_hat_t], each within its spread (five standard errors) of its expectation."""
    array, _ = _values(what, got, np.zeros(2))
    for name, value, mean, spread in zip(("mean v_t", "mean v_hat_t"), array, means, spreads):
        assert abs(value - mean) <= spread, f"{what}: {name} is {value:.4g}, more than {spread:.2g} from {mean:.4g}"
    return True


def check_symbolic(what, got, expected):
    """got must be exactly the expression `expected` (sympy source in beta2 and s)."""
    names = {name: sympy.Symbol(name, real=True) for name in ("beta2", "s")}
    assert sympy.simplify(sympy.sympify(got) - sympy.sympify(expected, locals=names)) == 0, (
        f"{what}: gives {got}, which is not E[v_t]")
    return True


def check_scaled(what, got, own):
    """The moves for every gradient times c must be your moves for the gradients themselves."""
    array, own = _values(what, got, np.asarray(own, dtype=float))
    assert np.allclose(array, own, rtol=RTOL, atol=0.0), f"{what}: the moves changed when the gradients were scaled"
    return True


def check_losses(what, got, first, last, count, reach, factor=10.0, target=1e-3, slack=1):
    """A run's losses: `count` finite values, the first ones right, the last within `factor` of the reference's,
    and below `target` first at step `reach` (give or take `slack`; `count` for never), as the reference is."""
    losses = np.asarray(got, dtype=float).ravel()
    assert losses.size == count, f"{what}: {losses.size} losses, not {count} (the start, then one per step)"
    assert np.all(np.isfinite(losses)), f"{what}: the losses are not finite"
    assert np.allclose(losses[: len(first)], first, rtol=RTOL, atol=0.0), f"{what}: the first losses are not right"
    assert last / factor <= losses[-1] <= last * factor, f"{what}: ends at {losses[-1]:.3g}, not near {last:.3g}"
    below = np.flatnonzero(losses <= target)
    mine = int(below[0]) if below.size else losses.size
    assert abs(mine - reach) <= slack, f"{what}: first below {target:g} at step {mine}, not {reach}"
    return True'''


def fill(text: str) -> str:
    """The prose with every `{{name}}` replaced by the oracle's figure; KeyError names an unknown one."""
    figures = oracle.figures()
    return re.sub(r"\{\{(\w+)\}\}", lambda m: figures[m.group(1)], text)


def _specs(text: str) -> list[tuple[str, str, str]]:
    specs: list[tuple[str, str, str]] = []
    kind, name, body = None, "", []  # type: ignore[var-annotated]
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("<!-- cell:"):
            match = MARKER.match(line)
            if not match or match.group("kind") not in KINDS:
                raise ValueError(f"beyond_text.md line {number}: bad cell marker {line!r} (kinds: {', '.join(KINDS)})")
            if kind is not None:
                specs.append((kind, name, "\n".join(body).strip("\n")))
            kind, name, body = match.group("kind"), match.group("name") or "", []
        elif kind is not None:
            body.append(line)
    if kind is not None:
        specs.append((kind, name, "\n".join(body).strip("\n")))
    return specs


def tests_cells(item_id: str, checks: Sequence[BeyondCall]) -> list[Cell]:
    """One autograded cell per check group of a part item, with the group's points, public lines visible."""
    if item_id not in ITEMS_BY_ID:
        raise ValueError(f"beyond_text.md names the item {item_id!r}, which autograder/beyond/rubric.py does not have")
    item = ITEMS_BY_ID[item_id]
    cells = []
    for group in item.groups:
        visible: list[str] = []
        hidden: list[str] = []
        for check in checks:
            if check.item == item_id and check.group == group.name:
                seen, unseen = check.notebook_lines()
                visible, hidden = visible + seen, hidden + unseen
        if not visible:
            visible = [
                "# This group's checks are all hidden (other inputs of a kind shown above); they run when graded."
            ]
        head = [
            f"# beyond, item {item.number} `{item.id}`, group {item.group_number(group.name)} ({group.points} points): {group.title}."
        ]
        gid = grade_id(f"{item_id}.{group.name}")
        source = "\n".join(head + visible + [BEGIN_HIDDEN] + hidden + [END_HIDDEN])
        cells.append(
            _cell(gid, "code", source, {"grade": True, "grade_id": gid, "locked": True, "points": group.points})
        )
    return cells


def cells(text: str, solution: str, checks: Sequence[BeyondCall]) -> list[Cell]:
    """Part 5's cells, in beyond_text.md's order; ValueError when a function or an item has no cell."""
    _, functions = split_solution(solution)
    out: list[Cell] = []
    seen: list[tuple[str, str]] = []
    for number, (kind, name, raw) in enumerate(_specs(text), start=1):
        body = fill(raw)
        if kind == "markdown":
            out.append(_cell(f"beyond-text-{number:02d}", "markdown", body))
        elif kind == "setup_beyond":
            setup = SETUP.replace("target=1e-3, slack=1", f"target={TARGET!r}, slack={REACH_SLACK!r}")
            out.append(_cell("setup-beyond", "code", setup, {"grade_id": "setup-beyond", "locked": True}))
        elif kind == "solution":
            if name not in functions:
                raise ValueError(f"beyond_text.md names {name!r}, which solutions/beyond.py does not define")
            out.append(_cell(name, "code", functions[name], {"grade_id": name, "solution": True}))
        elif kind == "tests":
            out += tests_cells(name, checks)
        elif kind == "written":
            gid = grade_id(WRITTEN)
            answer = f"**{WRITTEN_PROMPT}**\n\n" + MODEL_ANSWER
            meta = {"grade": True, "solution": True, "grade_id": gid, "points": WRITTEN_POINTS}
            out.append(_cell(gid, "markdown", answer, meta))
        else:
            from autograder.notebook.build import Spec, demo_cell

            out.append(demo_cell(Spec("demo", name, body)))
        seen.append((kind, name))
    named = sorted(n for k, n in seen if k == "solution")
    if named != sorted(NAMES):
        raise ValueError(f"beyond_text.md has solution cells for {named}; it needs one for each of {sorted(NAMES)}")
    tested = sorted(n for k, n in seen if k == "tests")
    if tested != sorted(ITEMS_BY_ID):
        raise ValueError(f"beyond_text.md has tests cells for {tested}; it needs one for each of {sorted(ITEMS_BY_ID)}")
    return out


def source(root: Path, term: terms.Term) -> str:
    """The nbgrader source notebook with part 5: the core's cells (the term's draw), then part 5's."""
    text = (root / "solutions" / "notebook_text.md").read_text(encoding="utf-8")
    solution = (root / "solutions" / "second_moment.py").read_text(encoding="utf-8")
    nb = build(text, solution, terms.checks_for_seed(term.seed))
    part_text = (root / "solutions" / "beyond_text.md").read_text(encoding="utf-8")
    part_source = (root / "solutions" / "beyond.py").read_text(encoding="utf-8")
    nb["cells"] += cells(part_text, part_source, beyond_cases.checks_for_seed(term.seed))
    return render(nb)


#: The model answer in the source notebook's answer cell (nbgrader replaces it with "YOUR ANSWER HERE").
MODEL_ANSWER = (
    "Each learning rate is set by the root mean square of all the gradients so far, and parameter 2's "
    "gradients grow (0.1, 0.2, 0.3) while parameter 1's stay near 10, so the gap in v_hat closes. Turned by "
    "45 degrees, each coordinate's gradient mixes the steep and the shallow direction: Adam's one scale per "
    "coordinate fits only a valley along the axes, while gradient descent treats every direction alike "
    "and so does not notice the turn."
)
