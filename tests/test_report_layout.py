"""The class report as people see it: every chart's words inside its figure, and report.html laid out in a
real browser (headless Chromium) at a laptop's and a narrow window's width, for a small and a large class,
and for a class graded with part 5."""

import html
import json
import os
import re
import shutil
import subprocess

import pytest

from autograder import cli
from autograder.judge import formulas
from autograder.judge.misconceptions import BY_ID
from autograder.report import CHARTS, RARE, charts
from autograder.rubric import ITEMS
from tests.conftest import ROOT, SUBMISSIONS

WIDTHS = (1280, 800)
#: The large class: 300 students who made 100 distinct mistakes, the catalogue's and recovered formulas.
STUDENTS, MISTAKES = 300, 100


def _first_item(func):
    return next(i.id for i in ITEMS if i.task == func)


def _formula_ids(count):
    """Real recovered-formula ids (the search space's own), a third from each function, each function's
    longest: the hardest to lay out."""
    ids = []
    for k, func in enumerate(("update_v", "bias_correct", "effective_step")):
        found = {c.id for members in formulas.space(func).members for c in members}
        ids += sorted(found, key=lambda i: (-len(i), i))[: count // 3 + (k < count % 3)]
    return ids


def _large_class(folder):
    """300 students: each catalogued mistake made by 2 to 12 of them, 11 formulas by 2 to 4, and the rest of
    the 100 mistakes (62 formulas) by one student each; students left over are right or fail unnamed."""
    catalogue = sorted(BY_ID)
    named = _formula_ids(MISTAKES - len(catalogue))
    counts = {m: 2 + (k * 5) % 11 for k, m in enumerate(catalogue)}
    common = named[::7][:11]  # from each function's, some that no browser can break inside
    counts |= {m: 2 + k % 3 for k, m in enumerate(common)}
    counts |= dict.fromkeys((m for m in named if m not in common), 1)
    made = [m for m, n in counts.items() for _ in range(n)]
    assert len(set(made)) == MISTAKES and len(made) < STUDENTS
    lines = [",".join(("student", "score", "max_score") + tuple(i.id for i in ITEMS))]
    for k in range(STUDENTS):
        mistake = made[k] if k < len(made) else None
        func = (BY_ID[mistake].func if mistake in BY_ID else mistake.split(":")[1].split("=")[0]) if mistake else None
        failed = {_first_item(func)} if func else ({"update_v.general"} if k % 7 == 0 else set())
        points = [0 if i.id in failed else i.points for i in ITEMS]
        student = f"student{k:03d}"
        lines.append(",".join([student, str(sum(points)), "100"] + [str(p) for p in points]))
        (folder / student).mkdir(parents=True)
        extra = {"term": "2027-spring", "misconceptions": [mistake] if mistake else []}
        (folder / student / "results.json").write_text(json.dumps({"extra_data": extra}), encoding="utf-8")
    (folder / "grades.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder, counts


@pytest.fixture(scope="module")
def large(tmp_path_factory):
    folder, counts = _large_class(tmp_path_factory.mktemp("large") / "class of 300")
    assert cli.main(["report", str(folder)]) == 0
    return folder, counts


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Five real submissions graded: the example class and one more mistake."""
    folder = tmp_path_factory.mktemp("small") / "class of 5"
    sources = [str(ROOT / "examples" / "class"), str(SUBMISSIONS / "wrong" / "eps_inside_sqrt.py")]
    assert cli.main(["grade", *sources, "--out", str(folder)]) == 0
    assert cli.main(["report", str(folder)]) == 0
    return folder


def test_rare_formulas_are_one_row_and_still_each_named_once(large):
    folder, counts = large
    rare = sorted(m for m, n in counts.items() if m.startswith("formula:") and n < RARE)
    markdown = (folder / "report.md").read_text(encoding="utf-8")
    section = markdown.split("## Named misconceptions")[1]
    assert f"| named for one student each: {len(rare)} mistakes | {len(rare)} |" in section
    for m in counts:
        assert section.count(f"`{m}`") == 1, m  # in its own row, or in the list of the rare ones
    table_rows = [line for line in section.splitlines() if line.startswith("| `formula:")]
    assert len(table_rows) == sum(1 for m, n in counts.items() if m.startswith("formula:") and n >= RARE)


def _layout_problems(fig):
    """What does not fit in a drawn figure: anything an axes draws (title, labels, tick and bar labels) or the
    figure's title outside the figure, and tick labels that overlap one another."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box, problems = fig.bbox, []

    def inside(extent):
        return (
            extent.x0 >= box.x0 - 1 and extent.x1 <= box.x1 + 1 and extent.y0 >= box.y0 - 1 and extent.y1 <= box.y1 + 1
        )

    titles = [fig._suptitle] if fig._suptitle else []
    for ax in fig.axes:
        titles.append(ax.title)
        if not inside(ax.get_tightbbox(renderer)):
            problems.append(f"axes {ax.get_title() or ''!r}: something it draws lies outside the figure")
        for axis in (ax.xaxis, ax.yaxis):
            labels = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
            extents = [t.get_window_extent(renderer) for t in labels]
            for k in range(len(labels) - 1):
                if extents[k].overlaps(extents[k + 1]):
                    problems.append(f"tick labels overlap: {labels[k].get_text()!r} and {labels[k + 1].get_text()!r}")
    for title in titles:
        if title.get_text() and not inside(title.get_window_extent(renderer)):
            problems.append(f"title does not fit: {title.get_text()!r}")
    return problems


@pytest.mark.parametrize("which", ["small", "large"])
def test_every_charts_title_and_labels_fit_inside_it(which, request, monkeypatch, tmp_path):
    folder = request.getfixturevalue(which)
    folder = folder[0] if isinstance(folder, tuple) else folder
    checked = {}
    save = charts._save

    def check_then_save(fig, path):
        fig.tight_layout()  # as _save lays it out before saving
        checked[path.name] = _layout_problems(fig)
        return save(fig, path)

    monkeypatch.setattr(charts, "_save", check_then_save)
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    assert cli.main(["report", str(copy)]) == 0
    assert set(checked) == set(CHARTS.values())
    assert checked == {name: [] for name in CHARTS.values()}


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


#: Run in the page once it has loaded: what overlaps, overflows its box or scrolls the page sideways.
PROBE = """<script>
window.addEventListener("load", () => {
  const problems = [], root = document.documentElement, width = root.clientWidth;
  const name = e => `<${e.tagName.toLowerCase()}> "${e.textContent.trim().slice(0, 50)}"`;
  if (root.scrollWidth > width + 1) problems.push(`the page scrolls sideways: ${root.scrollWidth} > ${width}`);
  for (const e of document.body.querySelectorAll("*")) {
    if (getComputedStyle(e).display === "inline" || e.tagName === "SCRIPT") continue;
    if (e.scrollWidth > e.clientWidth + 1) problems.push(`${name(e)} overflows: ${e.scrollWidth} > ${e.clientWidth}`);
    const r = e.getBoundingClientRect();
    if (r.right > width + 1 || r.left < -1) problems.push(`${name(e)} is cut at the window's edge`);
  }
  for (const img of document.images) {
    if (!img.complete || !img.naturalWidth) problems.push(`chart not shown: ${img.alt}`);
  }
  const boxes = [...document.querySelectorAll("h1, h2, p, table, img")];
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach(b => {
    if (a.contains(b) || b.contains(a)) return;
    const p = a.getBoundingClientRect(), q = b.getBoundingClientRect();
    if (p.left < q.right - 1 && q.left < p.right - 1 && p.top < q.bottom - 1 && q.top < p.bottom - 1)
      problems.push(`${name(a)} overlaps ${name(b)}`);
  }));
  document.body.dataset.problems = JSON.stringify(problems);
  document.body.dataset.height = String(root.scrollHeight);
});
</script>"""


def _browse(browser, page, width, height, *extra):
    """Chromium's own command line, headless: the DOM once loaded, or a screenshot."""
    root = ["--no-sandbox"] if os.geteuid() == 0 else []  # Chromium refuses to run as root in its sandbox
    return subprocess.run(
        [
            browser,
            "--headless",
            *root,
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={width},{height}",
            "--virtual-time-budget=5000",
            *extra,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def beyond(tmp_path_factory):
    """Part 5's corpus graded with the part on: its two sections, one with every named mistake of part 5."""
    from autograder import outdir, report, terms
    from autograder.config import GradeConfig
    from autograder.discover import discover
    from autograder.grading import grade_batch

    folder = tmp_path_factory.mktemp("beyond") / "class with part 5"
    term = terms.Term(terms.current().name, False, "task")
    for result in grade_batch(discover([SUBMISSIONS / "beyond"]), GradeConfig(timeout=5.0), term=term):
        outdir.write_submission(folder, result)
    outdir.write_gradebook(folder)
    report.write(folder)
    assert "Part 5&#x27;s named mistakes" in (folder / "report.html").read_text(encoding="utf-8")
    return folder


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("which", ["small", "large", "beyond"])
def test_the_report_page_neither_overlaps_nor_clips_in_a_real_browser(which, width, request, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium here (Debian: apt-get install chromium; .ci/run installs it where apt is)")
    folder = request.getfixturevalue(which)
    folder = folder[0] if isinstance(folder, tuple) else folder
    page = tmp_path / "report.html"
    page.write_text((folder / "report.html").read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"))
    dom = _browse(browser, page, width, 900, "--dump-dom")
    found = re.search(r'data-problems="([^"]*)"', dom.stdout)
    assert found, f"the page did not run its probe:\n{dom.stderr[-2000:]}"
    problems = json.loads(html.unescape(found.group(1)))
    height = int(re.search(r'data-height="(\d+)"', dom.stdout).group(1))
    # A picture of the whole page, for a person to look at (kept with the test's files).
    shot = tmp_path / f"report-{which}-{width}.png"
    _browse(browser, folder / "report.html", width, height, f"--screenshot={shot}")
    assert shot.is_file()
    print(f"screenshot: {shot}")
    assert problems == []


def test_the_browser_probe_sees_a_table_pushed_over_its_chart_and_a_page_wider_than_the_window(tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium here (Debian: apt-get install chromium; .ci/run installs it where apt is)")
    wide = "x" * 300
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><body><section style="display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr)">'
        f"<div><table><tr><td><code>{wide}</code></td></tr></table></div><div><p>chart</p></div></section>"
        + PROBE
        + "</body></html>"
    )
    dom = _browse(browser, page, 800, 600, "--dump-dom")
    problems = html.unescape(re.search(r'data-problems="([^"]*)"', dom.stdout).group(1))
    assert "overlaps" in problems and "the page scrolls sideways" in problems and "overflows" in problems
