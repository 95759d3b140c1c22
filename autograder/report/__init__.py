"""`adam-hw report DIR`: what a class got wrong, for the instructor deciding what to reteach.

Reads an `adam-hw grade` folder (`report.data`), draws three charts (`report.charts`: the score
histogram, the pass rate per rubric item, and how many students made each named misconception, with the
failures no known mistake explains) and writes DIR/report.md beside them plus DIR/report.html, one
self-contained page with the charts embedded beside their tables. "Reteach first" ranks items by the
students who failed them on their own (not because a function they call failed). Only class totals
appear, so the report can be shared, unless `students=True` (`adam-hw report --students`) adds who
failed each item. A class graded with part 5 (beyond the page) gets two more sections: its pass rate per
item and its named mistakes (extra_data.beyond.misconceptions), tables without a chart.
"""

import base64
import html
from collections.abc import Container, Sequence
from pathlib import Path

from autograder.beyond.diagnosis import BY_ID as BEYOND_BY_ID
from autograder.judge.misconceptions import BY_ID
from autograder.outdir import atomic_write
from autograder.render.text import html as text_html
from autograder.render.text import plain
from autograder.report import charts
from autograder.report.data import BeyondData, ClassData, read_class

CHARTS = {
    "scores": "report-scores.png",
    "items": "report-items.png",
    "misconceptions": "report-misconceptions.png",
}
RETEACH = 3  # items named under "reteach first"

#: A chart beside a section: its key in CHARTS and its title.
Chart = tuple[str, str]
#: A table's rows, the header first; each cell is rendered as text (escaped), whatever it holds.
Rows = Sequence[Sequence[object]]
#: One section of the report: (heading, paragraphs, table rows, chart), shared by Markdown and HTML.
Section = tuple[str, list[str], Rows | None, Chart | None]


def _label(misconception_id: str) -> str:
    """A chart label: the function and the mistake in words (the table beside it has the id)."""
    known = BY_ID.get(misconception_id)
    if known:
        return f"{known.func}: {known.title}"
    if misconception_id.startswith("formula:"):
        func, formula = misconception_id[len("formula:") :].split("=", 1)
        return f"{func}: behaves like {formula}"
    return misconception_id


#: A recovered formula (not in the catalogue) named for fewer students than this is counted in one row.
RARE = 2


def _grouped(
    misconceptions: Sequence[tuple[str, int]],
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """The catalogue's ids and the common recovered formulas as they are; rare formulas as one row."""
    kept = [(m, n) for m, n in misconceptions if not (m.startswith("formula:") and n < RARE)]
    rare = [(m, n) for m, n in misconceptions if m.startswith("formula:") and n < RARE]
    return kept, rare


#: How the rare formulas' one row reads: "named for one student each: 62 mistakes".
FEW = "one student" if RARE == 2 else f"fewer than {RARE} students"


def _rare_row(rare: Sequence[tuple[str, int]]) -> str:
    return f"named for {FEW} each: {_count(len(rare), 'mistake')}"


def chart_rows(data: ClassData) -> list[tuple[str, int, charts.Kind]]:
    """The misconception chart's bars, as the table beside it has them: (label, students, kind)."""
    kept, rare = _grouped(data.misconceptions)
    rows: list[tuple[str, int, charts.Kind]] = [(_label(m), n, "named") for m, n in kept]
    if rare:
        rows.append((_rare_row(rare), sum(n for _, n in rare), "rare"))
    return rows + [(f"{func}: no named mistake", n, "unnamed") for func, n in data.unnamed if n]


def _cell(text: object) -> str:
    return plain(text).replace("|", "\\|").replace("\n", " ")


def _pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "n/a"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def sections(data: ClassData, folder_name: str, drawn: Container[str], students: bool = False) -> list[Section]:
    """The report as (heading, paragraphs, table rows, chart) sections, shared by Markdown and HTML."""
    s = data.summary()
    terms = ", ".join(data.terms) or "not recorded"
    read = f"results.json read for {data.results_read} of them"
    if data.not_listed:
        read += (
            f"; {_count(data.not_listed, 'other results.json file')} in this folder, of students grades.csv "
            "does not list, not counted"
        )
    missing = (
        f" ({data.ungraded} with no item graded, e.g. no file found: left out of the item counts)"
        if data.ungraded
        else ""
    )
    intro = [f"{_count(s['students'], 'student')} in grades.csv{missing}; {read}. Term: {terms}."]
    out: list[Section] = [(f"Class report: {folder_name}", intro, None, None)]
    out.append(
        (
            "Scores",
            [
                f"Mean {s['mean']:.1f}, median {s['median']:g} out of {data.max_score:g}; "
                f"{s['full_marks']} with full marks, {s['zero']} with zero."
            ],
            [
                ["students", "mean", "median", "min", "max", "full marks", "zero"],
                [
                    s["students"],
                    f"{s['mean']:.1f}",
                    f"{s['median']:g}",
                    f"{s['min']:g}",
                    f"{s['max']:g}",
                    s["full_marks"],
                    s["zero"],
                ],
            ],
            ("scores", "Score histogram"),
        )
    )
    weakest = sorted((i for i in data.items if i.own_failures), key=lambda i: (-i.own_failures, i.number))[:RETEACH]
    if weakest:
        reteach = (
            "Reteach first: "
            + "; ".join(
                f"{i.number} {i.title} (`{i.id}`, failed on its own by {_count(i.own_failures, 'student')})"
                for i in weakest
            )
            + "."
        )
    elif any(i.passed < i.students for i in data.items):
        reteach = "Reteach first: every failure here follows from a function failing elsewhere."
    else:
        reteach = "Every student got every item's points."
    dependency = (
        '"On its own" leaves out students for whom a function the item calls (besides its own) '
        "failed an item: that failure is counted against that function's items."
    )
    rows: Rows | None = [["#", "item", "points", "passed", "pass rate", "failed on its own"]] + [
        [
            i.number,
            f"`{i.id}` {i.title}",
            f"{i.points:g}",
            f"{i.passed}/{i.students}",
            _pct(i.passed, i.students),
            i.own_failures,
        ]
        for i in data.items
    ]
    out.append(("Rubric items", [reteach, dependency], rows, ("items", "Pass rate per rubric item")))
    unnamed = [(f, n) for f, n in data.unnamed if n]
    paragraphs: list[str]
    chart: Chart | None
    if data.misconceptions or unnamed:
        kept, rare = _grouped(data.misconceptions)
        paragraphs = [
            f"Counted from extra_data.misconceptions in {data.diagnosed} results.json files; a student counts "
            "once per mistake (at most one is named per function). Every mistake is listed"
            + (f"; the recovered formulas named for {FEW} each share one row, and are listed below" if rare else "")
            + '. "No named mistake" counts students whose function failed but matched no known mistake.'
        ]
        if not data.misconceptions:
            paragraphs.insert(0, "No named misconception was diagnosed in this class.")
        # One short line per row, so the table stands as tall as the chart beside it, which has the words.
        rows = (
            [["misconception", "students", "share of class"]]
            + [[f"`{m}`", n, _pct(n, data.students)] for m, n in kept]
            + (
                [[_rare_row(rare), sum(n for _, n in rare), _pct(sum(n for _, n in rare), data.students)]]
                if rare
                else []
            )
            + [[f"{f}: no named mistake", n, _pct(n, data.students)] for f, n in unnamed]
        )
        chart = ("misconceptions", "Named misconceptions")
    elif data.diagnosed:
        paragraphs, rows, chart = (
            ["No named misconception was diagnosed in this class, and no failure either."],
            None,
            None,
        )
    else:
        paragraphs = [
            "No results.json here carries extra_data.misconceptions (graded before diagnosis existed?), "
            "so no misconceptions could be counted."
        ]
        rows, chart = None, None
    out.append(("Named misconceptions", paragraphs, rows, chart if chart and chart[0] in drawn else None))
    rare = _grouped(data.misconceptions)[1]
    if rare:
        listed = ", ".join(f"`{m}`" for m, _ in rare)
        out.append((f"Named for {FEW} each", [f"{_count(len(rare), 'mistake')}: {listed}."], None, None))
    if data.beyond is not None:
        out += _beyond_sections(data.beyond)
    if students:
        failing = [i for i in data.items if i.failed_by]
        rows = [["#", "item", "students who failed it"]] + [
            [i.number, f"`{i.id}`", ", ".join(i.failed_by)] for i in failing
        ]
        out.append(
            (
                "Students per item",
                ["Names are shown because the report was asked for with --students."],
                rows if failing else None,
                None,
            )
        )
    return out


#: How part 5's points counted, in words (beyond/rubric.py's COUNTS).
COUNTED = {"task": "as a task of its own, apart from the core score", "bonus": "as a bonus on the core score, capped"}


def _beyond_sections(part: BeyondData) -> list[Section]:
    """Part 5's items, then its named mistakes: a table each, no chart (the mistakes' table has their words)."""
    counted = " and ".join(COUNTED.get(c, c) for c in part.counts) or "as the rows do not say"
    paragraphs = [
        f"{_count(part.students, 'student')} graded with it: mean {part.mean:.1f} out of {part.max_score:g}, "
        f"counted {counted}. A core slip is not charged here (its checks also run on exact core functions), "
        f"so every failure below is part 5's own. {part.answered} of {part.students} wrote the short answer "
        "in a .py (read by a person, never in a score; a notebook's is graded in nbgrader)."
    ]
    items: Rows = [["#", "item", "points", "passed", "pass rate"]] + [
        [i.number, f"`{i.id}` {i.title}", f"{i.points:g}", f"{i.passed}/{i.students}", _pct(i.passed, i.students)]
        for i in part.items
    ]
    out: list[Section] = [("Part 5 (optional): beyond the page", paragraphs, items, None)]
    if not part.misconceptions:
        out.append(("Part 5's named mistakes", ["No named mistake was diagnosed in part 5."], None, None))
        return out
    mistakes: Rows = [["mistake", "what it is", "students", "share of part 5"]] + [
        [
            f"`{m}`",
            BEYOND_BY_ID[m].name if m in BEYOND_BY_ID else "",
            n,
            _pct(n, part.students),
        ]
        for m, n in part.misconceptions
    ]
    words = "Counted from extra_data.beyond.misconceptions; a student counts once per mistake."
    out.append(("Part 5's named mistakes", [words], mistakes, None))
    return out


def render_markdown(parts: Sequence[Section]) -> str:
    lines: list[str] = []
    for level, (heading, paragraphs, rows, chart) in enumerate(parts):
        lines += [("# " if level == 0 else "## ") + heading, ""]
        for p in paragraphs:
            lines += [p, ""]
        if chart:
            lines += [f"![{chart[1]}]({CHARTS[chart[0]]})", ""]
        if rows:
            lines.append("| " + " | ".join(_cell(c) for c in rows[0]) + " |")
            lines.append("|" + "---|" * len(rows[0]))
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows[1:]]
            lines.append("")
    return plain("\n".join(lines))  # no control character (a term, an id read back) reaches the TA's file


def _inline(text: object) -> str:
    """Escaped HTML, with `code` spans kept as <code>."""
    pieces = text_html(str(text)).split("`")
    return "".join(f"<code>{p}</code>" if k % 2 else p for k, p in enumerate(pieces))


def render_html(parts: Sequence[Section], folder: Path) -> str:
    """One compact page: each section's words and table beside its chart (stacked on a narrow screen)."""
    body = []
    for level, (heading, paragraphs, rows, chart) in enumerate(parts):
        tag = "h1" if level == 0 else "h2"
        text = [f"<{tag}>{_inline(heading)}</{tag}>"] + [f"<p>{_inline(p)}</p>" for p in paragraphs]
        if rows:
            head = "".join(f"<th>{_inline(c)}</th>" for c in rows[0])
            cells = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in rows[1:])
            text.append(f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>")
        if chart:
            png = base64.b64encode((folder / CHARTS[chart[0]]).read_bytes()).decode()
            image = f'<img alt="{html.escape(chart[1])}" src="data:image/png;base64,{png}">'
            body.append(f'<section class="row"><div>{"".join(text)}</div><div>{image}</div></section>')
        else:
            body.append(f"<section>{''.join(text)}</section>")
    style = (
        "body{font:14px/1.35 system-ui,sans-serif;max-width:80em;margin:1em auto;padding:0 1em;color:#222}"
        "h1{font-size:1.4em;margin:.3em 0}h2{font-size:1.15em;margin:.6em 0 .3em}p{margin:.3em 0}"
        ".row{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1.5em;align-items:start}"
        "@media (max-width:60em){.row{grid-template-columns:minmax(0,1fr)}}"
        "table{border-collapse:collapse;margin:.4em 0}td,th{border:1px solid #ccc;padding:.15em .4em;text-align:left}"
        "th{background:#f3f3f3}img{max-width:100%}code{background:#f3f3f3;padding:0 .2em}"
        # A recovered formula's id has no space to break at: it may break anywhere rather than push its
        # table over the chart beside it (or the page sideways on a narrow screen).
        "td,p{overflow-wrap:anywhere}"
    )
    title = html.escape(parts[0][0])
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def write(folder: str | Path, students: bool = False) -> list[Path]:
    """Write the charts, report.md and report.html into `folder`; returns the paths written. With
    students=True the report also lists who failed each item (then it is no longer anonymous)."""
    folder = Path(folder)
    data = read_class(folder)
    written = [
        charts.score_histogram(data, folder / CHARTS["scores"]),
        charts.item_pass_rates(data, folder / CHARTS["items"]),
    ]
    drawn = {"scores", "items"}
    stale = folder / CHARTS["misconceptions"]
    if data.misconceptions or any(n for _, n in data.unnamed):
        written.append(charts.misconception_counts(chart_rows(data), stale))
        drawn.add("misconceptions")
    elif stale.exists():
        stale.unlink()  # from an earlier run of a class that had some: it would contradict this report
    parts = sections(data, folder.resolve().name, drawn, students)
    atomic_write(folder / "report.md", render_markdown(parts))
    atomic_write(folder / "report.html", render_html(parts, folder))
    return written + [folder / "report.md", folder / "report.html"]
