"""What `adam-hw release --with beyond` adds to each generated file, from solutions/beyond.py.

The steps, in order, each appending to the file the core's step wrote (so with the part off, nothing here
runs and every file is what it always was):
  1. module          solutions/beyond.py below its marker line, stubbed -> the end of assignment/second_moment.py
  2. public_tests    the part's public checks -> the end of assignment/test_second_moment.py
  3. readme          a section -> the end of assignment/README.md
  4. rubric          the part's items, points and how they count -> the end of rubric.md
  5. notebooks       solutions/beyond_text.md -> part 5's cells after the core's, in both notebooks
"""

from pathlib import Path

import numpy as np

from autograder import terms
from autograder.beyond import PART, cases, rubric
from autograder.beyond.checks import FIRST_STEPS, LAST_FACTOR, BeyondCall, _sympy_text, reach, source
from autograder.beyond.spec import ANSWER, BY_NAME, REACH_SLACK, TARGET
from autograder.notebook import beyond as notebook_beyond
from autograder.notebook.lines import literal
from autograder.release.stubs import strip_solutions

SOURCE = "solutions/beyond.py"
TEXT = "solutions/beyond_text.md"
CUT = "# `adam-hw release --with beyond` appends everything below this line to second_moment.py."


def stub_line(function: str) -> str:
    """The stub of a part function: it names its item, as the core's stubs name their task."""
    if function not in BY_NAME:
        raise ValueError(f"a solution region in {function!r}, which is not a function of part 5")
    return f'raise NotImplementedError("{function}: not implemented yet (part 5, optional); write it here")'


def appended(source: str) -> str:
    """solutions/beyond.py below its marker line: the functions and the written answer, with a heading."""
    if CUT not in source:
        raise ValueError(f"{SOURCE} has no line {CUT!r}")
    docstring = source.split('"""')[1].strip()
    head = ["", "", "# " + "-" * 100, "# Part 5 (optional): beyond the page.", "#"]
    head += [f"# {line}".rstrip() for line in docstring.splitlines()]
    return "\n".join(head) + "\n" + source.split(CUT, 1)[1].rstrip() + "\n"


def module(core_stub: str, source: str) -> str:
    return core_stub + strip_solutions(appended(source), stub_line)


HELPERS = '''

# -- Part 5 (optional): beyond the page -----------------------------------------------------------------


@contextlib.contextmanager
def exact_core():
    """For one check: update_v, bias_correct and effective_step as the page writes them, in place of yours
    (the grader runs part 5 both ways, so a slip in tasks 1-3 costs there, once)."""
    mine = {name: getattr(second_moment, name) for name in ("update_v", "bias_correct", "effective_step")}
    second_moment.update_v = lambda v_prev, g, beta2=0.999: beta2 * np.asarray(v_prev, float) + (1 - beta2) * np.asarray(g, float) ** 2
    second_moment.bias_correct = lambda v, t, beta2=0.999: np.asarray(v, float) / (1 - beta2**t)
    second_moment.effective_step = lambda v_hat, alpha=0.001, eps=1e-8: alpha / (np.sqrt(np.asarray(v_hat, float)) + eps)
    try:
        yield
    finally:
        for name, func in mine.items():
            setattr(second_moment, name, func)


def either(check):
    """Follow-through: passes with your own tasks 1-3, or else with exact ones (then the slip is theirs)."""
    try:
        return check()
    except pytest.fail.Exception:
        with exact_core():
            return check()


def check_means(task, about, got, means, spreads):
    got, _ = values(task, about, got, np.zeros(2))
    for name, value, mean, spread in zip(("mean v_t", "mean v_hat_t"), got, means, spreads):
        if abs(value - mean) > spread:
            pytest.fail(f"{task} ({about}): {name} is {value:.4g}, more than {spread:.2g} from {mean:.4g}", pytrace=False)


def check_symbolic(task, about, got, expected):
    import sympy

    names = {name: sympy.Symbol(name, real=True) for name in ("beta2", "s")}
    if sympy.simplify(sympy.sympify(got) - sympy.sympify(expected, locals=names)) != 0:
        pytest.fail(f"{task} ({about}): gives {got}, which is not E[v_t]", pytrace=False)


def check_scaled(task, about, got, own):
    got, own = values(task, about, got, own)
    if not np.allclose(got, own, rtol=RTOL, atol=0.0):
        pytest.fail(f"{task} ({about}): the moves changed when every gradient was scaled", pytrace=False)


def check_losses(task, about, got, first, last, count, reach, factor=LAST_FACTOR, target=TARGET, slack=SLACK):
    losses = np.asarray(got, dtype=float).ravel()
    if losses.size != count or not np.all(np.isfinite(losses)):
        pytest.fail(f"{task} ({about}): want {count} finite losses (the start, then one per step)", pytrace=False)
    if not np.allclose(losses[: len(first)], first, rtol=RTOL, atol=0.0):
        pytest.fail(f"{task} ({about}): the first losses are {losses[: len(first)].tolist()}, want {list(first)}", pytrace=False)
    if not last / factor <= losses[-1] <= last * factor:
        pytest.fail(f"{task} ({about}): ends at {losses[-1]:.3g}, not within {factor:g}x of {last:.3g}", pytrace=False)
    below = np.flatnonzero(losses <= target)
    mine = int(below[0]) if below.size else losses.size
    if abs(mine - reach) > slack:
        pytest.fail(f"{task} ({about}): first below {target:g} at step {mine}, not {reach} ({count} means never)", pytrace=False)
'''


def _args(check: BeyondCall, args: tuple[object, ...]) -> str:
    return ", ".join(
        [repr(check.func)] + [literal(a) for a in args] + [f"{k}={source(v)}" for k, v in check.kwargs.items()]
    )


def public_test(check: BeyondCall) -> list[str]:
    name = "test_" + check.id.replace(".", "_")
    got = f"run({_args(check, check.args)})"
    if check.judge == "value":
        body = f"check_value({check.func!r}, {check.about!r}, {got}, {literal(np.asarray(check.expected))})"
    elif check.judge == "means":
        means, spreads = check.expected
        body = f"check_means({check.func!r}, {check.about!r}, {got}, {[float(m) for m in means]!r}, {list(spreads)!r})"
    elif check.judge == "symbolic":
        body = f"check_symbolic({check.func!r}, {check.about!r}, {got}, {_sympy_text(check.expected)!r})"
    elif check.judge == "same":
        body = f"check_scaled({check.func!r}, {check.about!r}, {got}, run({_args(check, check.twin_args)}))"
    else:
        ref = np.asarray(check.expected)
        body = f"check_losses({check.func!r}, {check.about!r}, {got}, {ref[:FIRST_STEPS].tolist()!r}, {float(ref[-1])!r}, {ref.size}, {reach(ref)})"
    call = f"either(lambda: {body})" if check.through_core else body
    head = ["", "", f"def {name}():", f'    """{check.func}: {check.about}."""']
    needs = ["    import sympy  # part 5's algebra (pip install sympy)", ""] if check.judge == "symbolic" else []
    return head + needs + [f"    {call}"]


def public_tests(core: str, checks: tuple[BeyondCall, ...]) -> str:
    helpers = HELPERS.replace("factor=LAST_FACTOR", f"factor={LAST_FACTOR!r}")
    helpers = helpers.replace("target=TARGET", f"target={TARGET!r}").replace("slack=SLACK", f"slack={REACH_SLACK!r}")
    lines = [helpers.rstrip("\n")]
    for check in checks:
        if not check.hidden:
            lines += public_test(check)
    text = core.replace("import ast\n", "import ast\nimport contextlib\n", 1)
    return text + "\n".join(lines) + "\n"


def readme(core: str, term: terms.Term) -> str:
    counts = (
        f"its {rubric.MAX_SCORE} points are a task of their own, apart from the core 100"
        if term.beyond == "task"
        else f"its {rubric.MAX_SCORE} points are a bonus on the core 100 (your grade never goes above 100)"
    )
    section = f"""
## Part 5 (optional): beyond the page

Your course has turned on part 5: {counts}. Its functions are at the end of `second_moment.py` (and of the
notebook), after the core's, each with its docstring as the specification; `pytest -k beyond` runs its
public checks (`expected_v` works with sympy: `pip install sympy`). They measure four claims the page makes without checking them: that `v_t` estimates
`E[g^2]` (a Monte Carlo run), that `eps` has no practical effect (it caps the learning rate at
`alpha / eps`), that `beta2 = 0.999` remembers about 1000 steps (its half-life is about 693), and that the
100x gap in learning rates is "the bathtub solution" (Adam's moves, and Adam beside gradient descent on
the bathtub and on the bathtub turned by 45 degrees). The functions that run Adam must call your own
`update_v`, `bias_correct` and `effective_step` by name: they are graded once with yours and once with exact
ones, so a slip in tasks 1-3 costs there, once. `{ANSWER}` is a short written answer a person reads; it
is not part of any automatic score.
"""
    return core + section


def rubric_markdown(core: str, term: terms.Term) -> str:
    counts = {
        "task": f"its own task: {rubric.MAX_SCORE} points in their own grades.csv columns, apart from the core 100",
        "bonus": f"a bonus: added to the core score for final_score, which never goes above {100}",
    }[term.beyond]
    lines = [
        "",
        "## Part 5 (optional): beyond the page",
        "",
        f"This term turns part 5 on (`adam-hw release --with {PART}`); its points count as {counts}. The written "
        f"answer (`{rubric.WRITTEN}`, 5.7) is read by a person: it is not in any automatic score (nbgrader "
        f"grades its cell by hand, {rubric.WRITTEN_POINTS} points there).",
        "",
        "| # | id | points | what it checks | groups (points) | depends on |",
        "|---|---|---:|---|---|---|",
    ]
    for item in rubric.ITEMS:
        groups = "; ".join(f"{item.group_number(g.name)} {g.title} ({g.points})" for g in item.groups)
        depends = ", ".join(item.depends) or "its own functions"
        lines.append(
            f"| {item.number} | `{item.id}` | {item.points} | **{item.title}.** {item.description} | {groups} | {depends} |"
        )
    lines += ["", f"**Part 5: {rubric.MAX_SCORE} points.**", ""]
    return core + "\n".join(lines)


def extend(root: Path, files: dict[str, str], term: terms.Term) -> dict[str, str]:
    """The core's generated files with part 5 added (see the module docstring, steps 1-4)."""
    source = (root / SOURCE).read_text(encoding="utf-8")
    checks = cases.checks_for_seed(term.seed)
    out = dict(files)
    out["assignment/second_moment.py"] = module(files["assignment/second_moment.py"], source)
    out["assignment/test_second_moment.py"] = public_tests(files["assignment/test_second_moment.py"], checks)
    out["assignment/README.md"] = readme(files["assignment/README.md"], term)
    out["rubric.md"] = rubric_markdown(files["rubric.md"], term)
    return out


def notebooks(root: Path, term: terms.Term) -> dict[str, str]:
    from autograder.notebook import nbgrader  # needs nbgrader installed: instructors only

    source = notebook_beyond.source(root, term)
    return {
        "solutions/second_moment.ipynb": source,
        "assignment/second_moment.ipynb": nbgrader.generate_assignment(source),
    }
