"""`adam-hw report DIR`: what a class got wrong, for the instructor deciding what to reteach.

Reads an `adam-hw grade` folder (`report.data`), draws three charts (`report.charts`: the score
histogram, the pass rate per rubric item, and how many students made each named misconception) and writes
DIR/report.md beside them plus DIR/report.html, one self-contained page with the charts embedded. Only
class totals appear: no student's name or file.
"""

import base64
import html
from pathlib import Path
from typing import Any

from autograder.misconceptions import BY_ID
from autograder.outdir import atomic_write
from autograder.report import charts
from autograder.report.data import read_class

CHARTS = {
    "scores": "report-scores.png",
    "items": "report-items.png",
    "misconceptions": "report-misconceptions.png",
}
#: One section of the report: heading, paragraphs, table rows (header first) and chart (key, title), if any.
Section = tuple[str, list[str], list[list[Any]] | None, tuple[str, str] | None]
RETEACH = 3  # items named under "reteach first"


def _label(misconception_id):
    """A chart label: the function and the mistake in words (the table beside it has the id)."""
    known = BY_ID.get(misconception_id)
    if known:
        return f"{known.func}: {known.title}"
    if misconception_id.startswith("formula:"):
        func, formula = misconception_id[len("formula:"):].split("=", 1)
        return f"{func}: behaves like {formula}"
    return misconception_id


#: A recovered formula (not in the catalogue) named for fewer students than this is counted in one row.
RARE = 2


def _grouped(misconceptions):
    """The catalogue's ids and the common recovered formulas as they are; rare formulas as one row."""
    kept = [(m, n) for m, n in misconceptions if not (m.startswith("formula:") and n < RARE)]
    rare = [(m, n) for m, n in misconceptions if m.startswith("formula:") and n < RARE]
    return kept, rare


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def _pct(part, whole):
    return f"{100 * part / whole:.0f}%" if whole else "n/a"


def sections(data, folder_name, drawn):
    """The report as (heading, paragraphs, table rows, chart) sections, shared by Markdown and HTML."""
    s = data.summary()
    terms = ", ".join(data.terms) or "not recorded"
    intro = [
        f"{s['students']} students in grades.csv; {data.results_read} results.json files read. Term: {terms}.",
    ]
    out: list[Section] = [(f"Class report: {folder_name}", intro, None, None)]
    out.append((
        "Scores",
        [f"Mean {s['mean']:.1f}, median {s['median']:g} out of {data.max_score:g}; "
         f"{s['full_marks']} with full marks, {s['zero']} with zero."],
        [["students", "mean", "median", "min", "max", "full marks", "zero"],
         [s["students"], f"{s['mean']:.1f}", f"{s['median']:g}", f"{s['min']:g}", f"{s['max']:g}",
          s["full_marks"], s["zero"]]],
        ("scores", "Score histogram"),
    ))
    weakest = sorted((i for i in data.items if i.passed < i.students), key=lambda i: (i.rate, i.number))[:RETEACH]
    reteach = (
        "Reteach first: " + "; ".join(f"{i.number} {i.title} (`{i.id}`, {_pct(i.passed, i.students)} passed)" for i in weakest)
        + "." if weakest else "Every student got every item's points."
    )
    rows: list[list[Any]] | None = [["#", "item", "points", "passed", "pass rate"]] + [
        [i.number, f"`{i.id}` {i.title}", f"{i.points:g}", f"{i.passed}/{i.students}", _pct(i.passed, i.students)]
        for i in data.items
    ]
    out.append(("Rubric items", [reteach], rows, ("items", "Pass rate per rubric item")))
    if data.misconceptions:
        paragraphs = [
            f"Counted from extra_data.misconceptions in {data.diagnosed} results.json files; a student counts "
            "once per mistake (at most one is named per function)."
        ]
        kept, rare = _grouped(data.misconceptions)
        rows = [["misconception", "function", "students", "share of class", "what it is"]] + [
            [f"`{m}`", BY_ID[m].func if m in BY_ID else _label(m).split(":")[0], n, _pct(n, data.students),
             BY_ID[m].title if m in BY_ID else _label(m).split(": ", 1)[-1]]
            for m, n in kept
        ]
        if rare:
            students = sum(n for _, n in rare)
            rows.append([f"other recovered formulas ({len(rare)} kinds)", "", students, _pct(students, data.students),
                         "formulas named for one student each"])
        chart = ("misconceptions", "Named misconceptions")
    elif data.diagnosed:
        paragraphs, rows, chart = ["No named misconception was diagnosed in this class."], None, None
    else:
        paragraphs = ["No results.json here carries extra_data.misconceptions (graded before diagnosis existed?), "
                      "so no misconceptions could be counted."]
        rows, chart = None, None
    if data.undiagnosed:
        paragraphs.append(
            "Failures with no diagnosis (a function failed a check and neither the catalogue nor the formula "
            "search named anything): " + "; ".join(f"{func} {n}" for func, n in data.undiagnosed) + "."
        )
    out.append(("Named misconceptions", paragraphs, rows, chart if chart and chart[0] in drawn else None))
    return out


def render_markdown(parts):
    lines = []
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
    return "\n".join(lines)


def _inline(text):
    """Escaped HTML, with `code` spans kept as <code>."""
    pieces = html.escape(str(text)).split("`")
    return "".join(f"<code>{p}</code>" if k % 2 else p for k, p in enumerate(pieces))


def render_html(parts, folder):
    body = []
    for level, (heading, paragraphs, rows, chart) in enumerate(parts):
        tag = "h1" if level == 0 else "h2"
        body.append(f"<{tag}>{_inline(heading)}</{tag}>")
        body += [f"<p>{_inline(p)}</p>" for p in paragraphs]
        if chart:
            png = base64.b64encode((folder / CHARTS[chart[0]]).read_bytes()).decode()
            body.append(f'<img alt="{html.escape(chart[1])}" src="data:image/png;base64,{png}">')
        if rows:
            head = "".join(f"<th>{_inline(c)}</th>" for c in rows[0])
            cells = "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in rows[1:])
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>")
    style = (
        "body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}"
        "th{background:#f3f3f3}img{max-width:100%}code{background:#f3f3f3;padding:0 .2em}"
    )
    title = html.escape(parts[0][0])
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def write(folder):
    """Write the charts, report.md and report.html into `folder`; returns the paths written."""
    folder = Path(folder)
    data = read_class(folder)
    written = [
        charts.score_histogram(data, folder / CHARTS["scores"]),
        charts.item_pass_rates(data, folder / CHARTS["items"]),
    ]
    drawn = {"scores", "items"}
    stale = folder / CHARTS["misconceptions"]
    if data.misconceptions:
        written.append(charts.misconception_counts(data, {m: _label(m) for m, _ in data.misconceptions}, stale))
        drawn.add("misconceptions")
    elif stale.exists():
        stale.unlink()  # from an earlier run of a class that had some: it would contradict this report
    parts = sections(data, folder.resolve().name, drawn)
    atomic_write(folder / "report.md", render_markdown(parts))
    atomic_write(folder / "report.html", render_html(parts, folder))
    return written + [folder / "report.md", folder / "report.html"]
