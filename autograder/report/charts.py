"""The report's charts, drawn with matplotlib's Agg backend (no display needed) into PNG files.

matplotlib is the optional `report` extra, so it is imported here, when a chart is drawn, and a missing
install is named with the command that adds it.
"""

import textwrap
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Literal

from autograder.errors import UsageError
from autograder.report.data import ClassData

if TYPE_CHECKING:  # matplotlib is an optional extra, imported when a chart is drawn
    from matplotlib.figure import Figure

WIDTH = 6.4  # inches; at DPI, half of a laptop screen: each chart sits beside its table
DPI = 110
BAR_HEIGHT = 0.27  # inches per bar of a horizontal bar chart: every bar is drawn, so the chart stays short
PASS, FAIL, BAR, UNNAMED = "#2e7d32", "#c62828", "#1565c0", "#9e9e9e"
RARE_BAR = "#ef9a9a"  # the one bar of the mistakes each named for one student: many mistakes, not one
#: What a misconception bar stands for, and so its colour.
Kind = Literal["named", "rare", "unnamed"]
COLOURS: dict[str, str] = {"named": FAIL, "rare": RARE_BAR, "unnamed": UNNAMED}


def _pyplot() -> ModuleType:
    try:
        import matplotlib
    except ImportError:
        raise UsageError(
            "the class report needs matplotlib: run `.venv/bin/pip install -e '.[report]'` in the adam-hw checkout"
        ) from None
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig: "Figure", path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    fig.clf()
    _pyplot().close(fig)
    return path


def score_histogram(data: ClassData, path: Path) -> Path:
    """How many students got each score, in bins of 10 points, with the mean marked."""
    plt = _pyplot()
    top = data.max_score or 100
    step = top / 10
    bins = [step * i for i in range(11)]
    fig, ax = plt.subplots(figsize=(WIDTH, 2.7))
    counts, _, bars = ax.hist(data.scores, bins=bins, color=BAR, edgecolor="white")
    for count, bar in zip(counts, bars):
        if count:
            ax.annotate(f"{int(count)}", (bar.get_x() + bar.get_width() / 2, count), ha="center", va="bottom")
    summary = data.summary()
    ax.axvline(summary["mean"], color="black", linestyle="--", linewidth=1, label=f"mean {summary['mean']:.1f}")
    ax.legend(loc="best", frameon=False)
    ax.set_xlim(0, top)
    ax.set_xticks(bins)
    ax.set_xlabel(f"score (out of {top:g})")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(f"Scores of {summary['students']} students")
    ax.spines[["top", "right"]].set_visible(False)
    return _save(fig, path)


def item_pass_rates(data: ClassData, path: Path) -> Path:
    """One bar per rubric item, in rubric order from the top: the share of students who got its points."""
    plt = _pyplot()
    items = list(reversed(data.items))
    fig, ax = plt.subplots(figsize=(WIDTH, BAR_HEIGHT * len(items) + 1.0))
    rates = [100 * i.rate for i in items]
    colors = [PASS if r >= 50 else FAIL for r in rates]
    ax.barh([f"{i.number} {i.id}".strip() for i in items], rates, color=colors)
    for y, (rate, item) in enumerate(zip(rates, items)):
        # Inside the bar from half the class up, beside it below: the words stay in the chart either way.
        inside = rate >= 50
        ax.text(
            rate - 1 if inside else rate + 1,
            y,
            f"{rate:.0f}% ({item.passed}/{item.students})",
            va="center",
            ha="right" if inside else "left",
            color="white" if inside else "black",
        )
    ax.set_xlim(0, 100)
    ax.set_xticks(range(0, 101, 25))
    ax.set_xlabel("students who got the item's points (%)")
    fig.suptitle("Pass rate per rubric item (red: under half the class)", fontsize="medium")
    ax.spines[["top", "right"]].set_visible(False)
    return _save(fig, path)


#: A misconception's label: at most LABEL_LINES lines of LABEL_WIDTH characters (the table has the whole id).
LABEL_WIDTH, LABEL_LINES = 48, 3


def misconception_counts(rows: Sequence[tuple[str, int, Kind]], path: Path) -> Path:
    """One bar per row (label, students, kind): the named misconceptions most common first, the rare ones'
    single row (light), then (grey) each function's failures that no known mistake explains. Every row is
    drawn; none is cut for a tie. A label takes one to three lines, and its row the room of its lines, so no
    label runs into the next."""
    plt = _pyplot()
    bars = [
        ("\n".join(textwrap.wrap(label, LABEL_WIDTH, max_lines=LABEL_LINES, placeholder=" …")), n, COLOURS[kind])
        for label, n, kind in reversed(rows)
    ]
    heights = [BAR_HEIGHT * max(1, label.count("\n") + 1) for label, _, _ in bars]
    centres = [sum(heights[:k]) + h / 2 for k, h in enumerate(heights)]
    fig, ax = plt.subplots(figsize=(WIDTH, sum(heights) + 1.0))
    ax.barh(centres, [b[1] for b in bars], height=BAR_HEIGHT * 0.75, color=[b[2] for b in bars])
    ax.set_yticks(centres, [b[0] for b in bars])
    ax.set_ylim(0, sum(heights))
    for y, (_, n, _) in zip(centres, bars):
        ax.text(n, y, f" {n}", va="center", fontsize="small")
    ax.tick_params(axis="y", labelsize="small")
    ax.set_xlabel("students")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlim(0, max(b[1] for b in bars) * 1.15 + 0.5)
    fig.suptitle("Misconceptions: students who made each", fontsize="medium")
    ax.spines[["top", "right"]].set_visible(False)
    return _save(fig, path)
