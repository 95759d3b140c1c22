"""The tasks and the rubric: one id per task, threaded through stub, check, feedback and gradebook.

This module is the single source of the rubric; `rubric.md` is rendered from it by `adam-hw release`.
"""

from dataclasses import dataclass
from typing import Literal, get_args

from autograder import functions
from autograder.tolerance import TOLERANCE_WORDS


@dataclass(frozen=True)
class Task:
    """One thing a student writes (or, for `identity`, one property their code must have)."""

    id: str
    number: int
    title: str


@dataclass(frozen=True)
class Group:
    """A named group of checks inside an item: its points are earned when every check in it passes."""

    name: str
    points: int
    title: str


#: What an item judges: the maths ("value"), the container and types around it ("contract"), or a property
#: of the student's own functions together ("identity").
Kind = Literal["value", "contract", "identity"]
KINDS: tuple[Kind, ...] = get_args(Kind)


@dataclass(frozen=True)
class RubricItem:
    """One graded line, its points split over named check groups (partial credit within an item).

    `kind` says what it judges; `gate` names the function that must earn something from its own value
    checks for this item to count at all ("nothing for nothing"); `depends` names the functions whose
    code the item runs, for the dependency table in rubric.md.
    """

    id: str
    task: str
    number: str
    title: str
    description: str
    groups: tuple[Group, ...]
    kind: Kind = "value"
    gate: str = ""
    depends: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"rubric item {self.id}: kind must be one of {KINDS}, got {self.kind!r}")
        names = [g.name for g in self.groups]
        if not names or len(set(names)) != len(names):
            raise ValueError(f"rubric item {self.id}: its groups must be named and distinct, got {names}")

    @property
    def points(self) -> int:
        return sum(g.points for g in self.groups)

    def group(self, name: str) -> Group:
        return next(g for g in self.groups if g.name == name)

    def group_number(self, name: str) -> str:
        """The group's number for Gradescope and the feedback: 1.1.2 is item 1.1's second group."""
        return f"{self.number}.{[g.name for g in self.groups].index(name) + 1}"


TASKS = (
    Task("update_v", 1, "update_v: the running average of squared gradients"),
    Task("bias_correct", 2, "bias_correct: undo the start-up bias"),
    Task("effective_step", 3, "effective_step: each parameter's learning rate"),
    Task("identity", 4, "identity: bias correction is exact (checked with algebra)"),
)

#: The three functions students write, in task order (the table in autograder/functions.py).
FUNCTIONS = functions.NAMES
# The defaults the items' words name.
_BETA2 = functions.UPDATE_V.parameter("beta2").shown
_BIAS_BETA2 = functions.BIAS_CORRECT.parameter("beta2").shown

_CONTRACT = (
    "Lists and integers in give the same values as float64 arrays in; a float64 array comes back with "
    "the input's shape, and a float (or 0-d array) for a single number; the arrays passed in are not changed. "
    "Judged apart from the maths: a slip here costs only this item."
)

ITEMS = (
    RubricItem(
        "update_v.page",
        "update_v",
        "1.1",
        "page example, both parameters, and nearby inputs",
        "Your update_v reproduces the page's worked values (v_1, v_2 for parameter 1 and v_1 for parameter 2; "
        "v_3 and parameter 2's later steps, which the page does not work, are checked too), and the same "
        f"formula at nearby inputs (other gradients and other v_prev at beta2 = {_BETA2}), so a table of the "
        "page's answers earns nothing.",
        (
            Group("p1", 4, "parameter 1 (gradients 10, 12, 8) and nearby inputs"),
            Group("p2", 4, "parameter 2 (gradients 0.1, -0.2, 0.3, one negative) and nearby inputs"),
            Group("both", 4, "both parameters at once, as float64 arrays"),
        ),
        depends=("update_v",),
    ),
    RubricItem(
        "update_v.general",
        "update_v",
        "1.2",
        "other betas, zero and negative gradients, shapes",
        f"It also works for a beta2 other than {_BETA2}, zero and negative gradients, later steps, 2-d and 0-d "
        "float64 arrays, and on the cases drawn for this term.",
        (
            Group("other_beta", 3, f"a beta2 other than {_BETA2}"),
            Group("zero_negative", 3, "zero and negative gradients, later steps"),
            Group("shapes", 2, "2-d and 0-d float64 arrays"),
            Group(
                "drawn_sequence", 2, "this term's drawn gradient sequence (later steps, zero and negative gradients)"
            ),
            Group("drawn_arrays", 2, "this term's drawn arrays (1-d, 2-d, 0-d)"),
        ),
        depends=("update_v",),
    ),
    RubricItem(
        "update_v.contract",
        "update_v",
        "1.3",
        "lists and integers in, float64 out, inputs unchanged",
        _CONTRACT,
        (
            Group("inputs", 2, "Python lists and integers in"),
            Group("outputs", 1, "float64 out: a float for a number, an array of the input's shape"),
            Group("inputs_unchanged", 1, "leaves v_prev and g unchanged"),
        ),
        kind="contract",
        gate="update_v",
        depends=("update_v",),
    ),
    RubricItem(
        "bias_correct.page",
        "bias_correct",
        "2.1",
        "page example, t = 1 and 2, and nearby inputs",
        "Your bias_correct turns the page's v_1 and v_2 into v_hat_1 = 100 and v_hat_2 = 122.011 (the page's "
        "~122) and parameter 2's v_1 into v_hat_1 = 0.01; it also checks parameter 2 at t = 2, which the "
        "page does not work, and nearby v at the same t and beta2.",
        (
            Group("p1", 5, "parameter 1 at t = 1 and 2, and nearby v"),
            Group("p2", 5, "parameter 2 at t = 1 and 2, and nearby v"),
        ),
        depends=("bias_correct",),
    ),
    RubricItem(
        "bias_correct.general",
        "bias_correct",
        "2.2",
        "later steps, other betas, shapes",
        f"It also works for t = 3 and later, a beta2 other than {_BIAS_BETA2}, float64 arrays of several shapes, and on "
        "the cases drawn for this term.",
        (
            Group("later_steps", 3, "t = 3 and later (10, 1000)"),
            Group("other_beta", 3, f"a beta2 other than {_BIAS_BETA2}, and a 2-d array"),
            Group("drawn_sequence", 2, "this term's drawn steps and betas"),
            Group("drawn_arrays", 2, "this term's drawn arrays (1-d, 2-d)"),
        ),
        depends=("bias_correct",),
    ),
    RubricItem(
        "bias_correct.contract",
        "bias_correct",
        "2.3",
        "lists in, float64 out, input unchanged",
        _CONTRACT,
        (
            Group("inputs", 1, "a Python list in"),
            Group("outputs", 1, "float64 out: a float for a number, an array of the input's shape"),
            Group("inputs_unchanged", 1, "leaves v unchanged"),
        ),
        kind="contract",
        gate="bias_correct",
        depends=("bias_correct",),
    ),
    RubricItem(
        "effective_step.page",
        "effective_step",
        "3.1",
        "page example and nearby inputs",
        "Your effective_step gives the page's steps 0.0001 and 0.01 at t = 1 (a 100x gap) and 0.0000905 at "
        "t = 2, and the same formula at nearby v_hat.",
        (
            Group("p1", 5, "parameter 1's steps and nearby v_hat"),
            Group("p2", 5, "parameter 2's step, both parameters at once, and nearby v_hat"),
        ),
        depends=("effective_step",),
    ),
    RubricItem(
        "effective_step.small_v_hat",
        "effective_step",
        "3.2",
        "tiny and zero v_hat",
        "It stays finite and right when v_hat is 0 or tiny (1e-16), where epsilon matters.",
        (
            Group("zero", 4, "v_hat = 0"),
            Group("tiny", 3, "tiny v_hat (1e-16, 1e-12) beside large ones"),
            Group("drawn_tiny", 3, "this term's drawn zero and tiny v_hat"),
        ),
        depends=("effective_step",),
    ),
    RubricItem(
        "effective_step.general",
        "effective_step",
        "3.3",
        "other alpha and eps, shapes",
        "It uses the alpha and eps it is given and works on float64 arrays of several shapes, and on the cases "
        "drawn for this term.",
        (
            Group("alpha_eps", 4, "an alpha and eps other than the defaults"),
            Group("shapes", 3, "2-d float64 arrays"),
            Group("drawn", 3, "this term's drawn alpha, eps and arrays"),
        ),
        depends=("effective_step",),
    ),
    RubricItem(
        "effective_step.contract",
        "effective_step",
        "3.4",
        "lists and integers in, float64 out, input unchanged",
        _CONTRACT,
        (
            Group("inputs", 1, "Python lists and integer arrays in"),
            Group("outputs", 1, "float64 out: a float for a number, an array of the input's shape"),
            Group("inputs_unchanged", 1, "leaves v_hat unchanged"),
        ),
        kind="contract",
        gate="effective_step",
        depends=("effective_step",),
    ),
    RubricItem(
        "identity.closed_form",
        "identity",
        "4.1",
        "unrolled v_t equals the closed form",
        "Run from v_0 = 0 over any gradients g_1..g_T, your update_v gives "
        "(1 - beta2) * sum_i beta2^(T-i) * g_i^2 exactly (checked with symbolic algebra, and at numbers: "
        "what your code gives for symbols must agree with what it gives for numbers). A property of "
        "update_v alone, so it is small.",
        (Group("closed_form", 6, "the closed form, for symbols and for numbers"),),
        kind="identity",
        gate="update_v",
        depends=("update_v",),
    ),
    RubricItem(
        "identity.constant_gradient",
        "identity",
        "4.2",
        "constant gradient: v_hat_t = g^2 at every t",
        "Feeding the same gradient g through update_v and bias_correct gives v_hat_t = g^2 at every step t, "
        "for any beta2: the bias correction is exact. Your bias_correct is judged on the exact v_t when your "
        "update_v is not right (follow-through: an update_v slip is charged under update_v only).",
        (Group("constant_gradient", 10, "v_hat_t = g^2 for t = 1..6, for symbols and for numbers"),),
        kind="identity",
        gate="bias_correct",
        depends=("bias_correct", "update_v"),
    ),
)

ITEMS_BY_ID = {item.id: item for item in ITEMS}
TASKS_BY_ID = {task.id: task for task in TASKS}
MAX_SCORE = sum(item.points for item in ITEMS)


def items_for(task_id: str) -> tuple[RubricItem, ...]:
    """The rubric items of one task, in rubric order."""
    return tuple(item for item in ITEMS if item.task == task_id)


def _maths(func: str) -> int:
    return sum(i.points for i in ITEMS if i.task == func and i.kind == "value")


def _contract(func: str) -> int:
    return sum(i.points for i in ITEMS if i.task == func and i.kind == "contract")


def _identity(func: str) -> int:
    return sum(i.points for i in ITEMS if i.kind == "identity" and i.gate == func)


def _own(func: str) -> int:
    return _maths(func) + _contract(func) + _identity(func)


#: The grading model's version: raised whenever the same bytes could get another grade under the same items
#: (outdir.rubric_key carries it, so --resume grades rows of an older model again). 2 (issue 21): a public
#: check is evidence of maths only with its nearby inputs; the identity items judge numbers at RTOL.
GRADING_MODEL = 2

#: The grading model, in the words rubric.md and the README use; each principle has a test named after it
#: (tests/test_grading_model.py).
PRINCIPLES = (
    (
        "The maths decides the grade.",
        "Value items judge values: a number, a 0-d array, a shape-(1,) array for a single number, a list or a "
        "float64 array are all compared as values, on float64 inputs. Containers and types (lists and integers "
        'in, float64 out, a float for a number, the input\'s shape kept) and "inputs unchanged" are judged '
        "apart, in one small contract item per function, 10 of the 100 points together; a slip there costs only "
        "those points. A function that fails on lists loses its contract item; its values on arrays still count.",
    ),
    (
        "A slip costs once (follow-through).",
        "An item that builds on another function judges the student's own logic: bias_correct's items are given "
        "the exact v_t; the constant-gradient identity judges bias_correct on the exact v_t when update_v is not "
        "right (and says so); the closed form is a property of update_v alone and is small (6 points), so one "
        f"update_v slip costs at most the {_own('update_v')} points of update_v's own items ({_maths('update_v')} of "
        f"maths, {_contract('update_v')} of contract, the closed form's {_identity('update_v')}). Each function's "
        "maths, its value items and the identity item it unlocks, is worth "
        + ", ".join(f"{_maths(f) + _identity(f)} ({f}: {_maths(f)} + {_identity(f)})" for f in FUNCTIONS)
        + ".",
    ),
    (
        "Partial credit within an item.",
        "An item's points are split over named check groups; a group's points are earned when every check in "
        "it passes. The cases drawn for the term count as one group per kind, so a draw cannot swing a grade. "
        "nbgrader's notebook has one test cell per group with the same points.",
    ),
    (
        "Hard-coding the page does not pay.",
        "Every group that uses the page's inputs also holds nearby inputs at the same beta2, so a table of the "
        "page's answers earns nothing.",
    ),
    (
        "Nothing for nothing.",
        "A function that earns none of its value groups and passes no value check beyond the page that could "
        "not have been copied (it raises, or returns a constant, NaN, its input, or a table of the page's or "
        "the public checks' answers) earns none of its items: contract and identity included. A public "
        "check's expected value is in your test_second_moment.py, so it counts as evidence only when the "
        "same call with its numbers moved a little passes too.",
    ),
    (
        "Symbols and numbers must agree.",
        "The identity items run the student's code on sympy symbols where it takes them, and always on numbers "
        "too: code that gives the identity for symbols but not for numbers fails them.",
    ),
    (
        "Every requirement is visible.",
        "Every kind of hidden check has a public check of the same kind with its own values; groups with a "
        "public check are visible on Gradescope at once, the others after the due date.",
    ),
)


def render_markdown() -> str:
    """rubric.md: the grading model, every item with its groups, points and what it checks, and which
    item depends on which function, in the words students read."""
    lines = [
        "# Rubric: Adam's second moment (MATH 3850, page 10)",
        "",
        "<!-- Generated by `adam-hw release` from autograder/rubric.py; do not edit by hand. -->",
        "",
        "## How it is graded",
        "",
    ]
    lines += [f"- **{title}** {text}" for title, text in PRINCIPLES]
    lines += [
        "",
        f"What counts as equal: {TOLERANCE_WORDS}.",
        "",
        "## Points",
        "",
        "The item ids are the columns of `grades.csv`; the group numbers are the tests on Gradescope and the",
        "lines in your feedback.",
        "",
        "| # | id | points | what it checks | groups (points) | depends on |",
        "|---|---|---:|---|---|---|",
    ]
    for item in ITEMS:
        groups = "; ".join(f"{item.group_number(g.name)} {g.title} ({g.points})" for g in item.groups)
        depends = ", ".join(item.depends) or item.task
        gate = f" (earns nothing unless {item.gate} earns from its own value checks)" if item.gate else ""
        lines.append(
            f"| {item.number} | `{item.id}` | {item.points} | **{item.title}.** {item.description} | {groups} | {depends}{gate} |"
        )
    per_function = {f: sum(i.points for i in ITEMS if i.task == f and i.kind == "value") for f in FUNCTIONS}
    lines += [
        "",
        "| | maths (value items) | contract | identity |",
        "|---|---:|---:|---:|",
    ]
    for f in FUNCTIONS:
        contract = sum(i.points for i in ITEMS if i.task == f and i.kind == "contract")
        identity = sum(i.points for i in ITEMS if i.kind == "identity" and i.gate == f)
        lines.append(f"| {f} | {per_function[f]} | {contract} | {identity} |")
    lines += ["", f"**Total: {MAX_SCORE} points.**", ""]
    return "\n".join(lines)
