"""The part's rubric: its items and points, kept apart from the core 100, and how its points count.

Its items are `rubric.RubricItem`s of one task, `beyond` (task 5), so results, feedback and Gradescope read
them as they read the core's; they are never in `rubric.ITEMS`, so the core's rubric, gradebook columns and
totals are the same whether the part is on or off. How its points count is the instructor's choice, recorded
in the term manifest (`adam-hw release --with beyond --beyond-points task|bonus`):
  task   (the default) its own score out of MAX_SCORE, in its own columns at the end of grades.csv: the
         core score, final_score and what `export` sends are the core's alone;
  bonus  its score is added to the core score for final_score (and so for `export`), capped at the core's
         maximum: a grade is never above the LMS's maximum.
The written answer (5.7) is read by a person: never part of MAX_SCORE (nbgrader grades it by hand).
"""

from typing import Literal, get_args

from autograder.rubric import Group, RubricItem, Task

#: How the part's points count (see the module docstring); the first is the default.
Counts = Literal["task", "bonus"]
COUNTS: tuple[Counts, ...] = get_args(Counts)
DEFAULT_COUNTS: Counts = "task"

TASK = Task("beyond", 5, "beyond the page: what the page asserts, measured")

ITEMS = (
    RubricItem(
        "beyond.bias",
        "beyond",
        "5.1",
        "the bias of v_t, measured",
        "expected_v derives E[v_t] = (1 - beta2^t) E[g^2] with sympy from task 4's closed form (checked with "
        "exact algebra, and at numbers); bias_by_monte_carlo's mean v_t is within five standard errors of "
        "(1 - beta2^t) E[g^2] and its mean v_hat_t within five of E[g^2] = 1, at t = 1 and 10 and at this "
        "term's drawn t and beta2 (a correct simulation fails one such check about once in a million).",
        (
            Group("symbolic", 1, "E[v_t] by algebra, for symbols and for numbers"),
            Group("page_beta", 1, "the Monte Carlo at beta2 = 0.999, t = 1 and t = 10"),
            Group("drawn", 1, "the Monte Carlo at this term's drawn t and beta2"),
        ),
        depends=("update_v", "bias_correct"),
    ),
    RubricItem(
        "beyond.eps",
        "beyond",
        "5.2",
        "eps as a cap",
        "eps_cap gives alpha / eps, the learning rate at v_hat = 0 (1e5 at the defaults), and eps_matters_below "
        "the v_hat below which eps lowers the learning rate by more than the given share.",
        (
            Group("cap", 1, "alpha / eps at the defaults and others"),
            Group("threshold", 1, "where eps starts to matter"),
        ),
    ),
    RubricItem(
        "beyond.memory",
        "beyond",
        "5.3",
        "how long beta2 remembers",
        "half_life gives ln 2 / -ln beta2 (about 693 steps at 0.999, not 1000), and weight_share the share "
        "1 - beta2^n of the weight the last n steps carry (63.2% for n = 1000).",
        (
            Group("half_life", 1, "the half-life at 0.999 and at other betas"),
            Group("share", 1, "the last n steps' share"),
        ),
    ),
    RubricItem(
        "beyond.ratio",
        "beyond",
        "5.4",
        "the ratio of the two learning rates over time",
        "rate_ratios gives the page's 100, 69.85, 46.89 and the ratio for other sequences and this term's drawn "
        "one; judged on exact update_v, bias_correct and effective_step when yours are not right.",
        (Group("page", 2, "the page's two sequences"), Group("drawn", 1, "this term's drawn sequences")),
        depends=("update_v", "bias_correct", "effective_step"),
    ),
    RubricItem(
        "beyond.moves",
        "beyond",
        "5.5",
        "what Adam actually moves",
        "adam_moves gives 0.001 for both of the page's parameters at t = 1, the moves of later steps, and "
        "the same moves when every gradient is multiplied by a constant (while eps is small beside it).",
        (
            Group("page", 2, "the page's two parameters, step by step"),
            Group("scale", 1, "scaling every gradient leaves the moves unchanged"),
        ),
        depends=("update_v", "bias_correct", "effective_step"),
    ),
    RubricItem(
        "beyond.bathtub",
        "beyond",
        "5.6",
        "the bathtub, and the bathtub turned",
        "adam_losses and sgd_losses on f(x, y) = (x^2 + 100 y^2) / 2 from (1, 1), and on the same bathtub turned "
        "by 45 degrees and by this term's drawn angle: the first steps' losses, the last within a factor of "
        "10 of the reference run's, and the step the loss first falls below 1e-3 within one of the reference's. Adam's are judged with exact update_v, bias_correct and effective_step "
        "when yours are not right.",
        (
            Group("adam", 2, "Adam on the bathtub and on it turned by 45 degrees"),
            Group("sgd", 2, "gradient descent on both"),
            Group("drawn", 1, "both optimisers on this term's drawn turn"),
        ),
        depends=("update_v", "bias_correct", "effective_step"),
    ),
)

ITEMS_BY_ID = {item.id: item for item in ITEMS}
MAX_SCORE = sum(item.points for item in ITEMS)
#: The written answer's id (5.7): its gradebook column and nbgrader's manually graded cell.
WRITTEN = "beyond.written"
WRITTEN_POINTS = 2  # nbgrader's points for the cell a person grades; never in MAX_SCORE
WRITTEN_PROMPT = (
    "In two or three sentences of your own: why does the ratio of the two learning rates fall after step 1, "
    "and why does turning the bathtub by 45 degrees slow Adam down but not plain gradient descent?"
)
