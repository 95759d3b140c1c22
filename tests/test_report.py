"""`adam-hw report` on the graded sample submissions: charts, report.md and report.html agree with the gradebook."""

import base64
import csv
import json
import os
import re
import shutil
import stat
from collections import Counter

import pytest
from PIL import Image

from autograder import cli
from autograder.judge.misconceptions import BY_ID
from autograder.report import CHARTS
from autograder.rubric import ITEMS, ITEMS_BY_ID
from tests.conftest import SUBMISSIONS


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The correct and wrong sample submissions graded into one class folder (not yet reported on)."""
    out = tmp_path_factory.mktemp("class")
    assert cli.main(["grade", str(SUBMISSIONS / "correct"), str(SUBMISSIONS / "wrong"), "--out", str(out)]) == 0
    return out


@pytest.fixture
def folder(graded, tmp_path):
    copy = tmp_path / "class"
    shutil.copytree(graded, copy)
    return copy


def _grades(folder):
    with (folder / "grades.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def _results(folder):
    return {p.parent.name: json.loads(p.read_text()) for p in folder.glob("*/results.json")}


def _rewrite_misconceptions(folder, change):
    for path in folder.glob("*/results.json"):
        data = json.loads(path.read_text())
        change(data["extra_data"])
        path.write_text(json.dumps(data))


@pytest.mark.slow
def test_report_writes_markdown_html_and_three_valid_png_charts(folder):
    assert cli.main(["report", str(folder)]) == 0
    for name in CHARTS.values():
        with Image.open(folder / name) as image:
            image.verify()
            assert image.format == "PNG" and image.size[0] > 400 and image.size[1] > 200
    markdown = (folder / "report.md").read_text()
    for name in CHARTS.values():
        assert f"]({name})" in markdown
    page = (folder / "report.html").read_text()
    embedded = [base64.b64decode(b) for b in re.findall(r'src="data:image/png;base64,([^"]+)"', page)]
    assert embedded == [(folder / n).read_bytes() for n in CHARTS.values()]


@pytest.mark.slow
def test_report_counts_match_the_gradebook(folder):
    cli.main(["report", str(folder)])
    markdown = (folder / "report.md").read_text()
    rows = _grades(folder)
    scores = [float(r["score"]) for r in rows]
    assert f"{len(rows)} students in grades.csv" in markdown
    assert f"{sum(s == 100 for s in scores)} with full marks" in markdown
    assert f"Mean {sum(scores) / len(scores):.1f}" in markdown
    for item in ITEMS:
        passed = sum(float(r[item.id]) == item.points for r in rows)
        assert f"| {item.number} | `{item.id}` {item.title} | {item.points} | {passed}/{len(rows)} |" in markdown


@pytest.mark.slow
def test_report_counts_each_students_named_misconceptions(folder):
    cli.main(["report", str(folder)])
    markdown = (folder / "report.md").read_text()
    counts = Counter(m for r in _results(folder).values() for m in set(r["extra_data"]["misconceptions"]))
    assert counts  # the wrong samples are diagnosed
    for misconception, n in counts.items():
        assert re.search(rf"\| `{re.escape(misconception)}` \| {n} \|", markdown), misconception


@pytest.mark.slow
def test_report_works_when_results_carry_no_misconceptions_key(folder):
    cli.main(["report", str(folder)])  # an earlier report drew the chart; this one must remove it
    _rewrite_misconceptions(folder, lambda extra: extra.pop("misconceptions", None))
    assert cli.main(["report", str(folder)]) == 0
    assert "no misconceptions could be counted" in (folder / "report.md").read_text()
    assert not (folder / CHARTS["misconceptions"]).exists()
    assert "misconceptions.png" not in (folder / "report.html").read_text()


@pytest.mark.slow
def test_report_says_so_when_nobody_made_a_named_mistake(folder):
    _rewrite_misconceptions(folder, lambda extra: extra.update(misconceptions=[]))
    assert cli.main(["report", str(folder)]) == 0
    assert "No named misconception was diagnosed" in (folder / "report.md").read_text()


def test_report_names_a_folder_that_is_not_a_gradebook(tmp_path, capsys):
    assert cli.main(["report", str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert cli.main(["report", str(tmp_path)]) == 2
    assert "no grades.csv" in capsys.readouterr().err
    (tmp_path / "grades.csv").write_text("student,score,max_score\nada,lots,100\n")
    assert cli.main(["report", str(tmp_path)]) == 2
    assert "line 2, score: expected a number, got 'lots'" in capsys.readouterr().err


def test_report_html_escapes_what_it_shows(tmp_path):
    (tmp_path / "grades.csv").write_text("student,score,max_score,update_v.page\nada,15,100,15\n")
    (tmp_path / "ada").mkdir()
    (tmp_path / "ada" / "results.json").write_text(
        json.dumps({"extra_data": {"term": "<script>x</script>", "misconceptions": ["update_v.<b>odd</b>"]}})
    )
    assert cli.main(["report", str(tmp_path)]) == 0
    page = (tmp_path / "report.html").read_text()
    assert "<script>x" not in page and "&lt;script&gt;x" in page and "<b>odd" not in page


def _class(folder, students, named=None):
    """A gradebook folder by hand: students maps a name to the item ids they failed; named to their mistakes."""
    named = named or {}
    lines = [",".join(("student", "score", "max_score") + tuple(i.id for i in ITEMS))]
    for student, failed in students.items():
        points = [0 if i.id in failed else i.points for i in ITEMS]
        lines.append(",".join([student, str(sum(points)), "100"] + [str(p) for p in points]))
        (folder / student).mkdir(parents=True)
        (folder / student / "results.json").write_text(
            json.dumps({"extra_data": {"term": "2031-spring", "misconceptions": named.get(student, [])}})
        )
    (folder / "grades.csv").write_text("\n".join(lines) + "\n")
    return folder


def _section(markdown, heading):
    return markdown.split(f"## {heading}")[1].split("\n## ")[0]


BIAS = ["bias_correct.page", "bias_correct.general"]


def _row(item_id):
    """The start of an item's row in report.md's rubric table: number, id, title, points."""
    item = ITEMS_BY_ID[item_id]
    return f"| {item.number} | `{item.id}` {item.title} | {item.points:g}"


def test_reteach_first_counts_an_item_against_the_function_whose_failure_caused_it(tmp_path):
    # Six students' bias_correct is wrong, which also fails the constant-gradient identity; one student
    # fails that identity with a right bias_correct and update_v.
    students = {f"s{k}": BIAS + ["identity.constant_gradient"] for k in range(6)}
    students |= {"solo": ["identity.constant_gradient"], "ok": []}
    folder = _class(tmp_path / "class", students)
    assert cli.main(["report", str(folder)]) == 0
    items = _section((folder / "report.md").read_text(), "Rubric items")
    reteach = next(line for line in items.splitlines() if line.startswith("Reteach first"))
    assert (
        reteach.index("bias_correct.page")
        < reteach.index("bias_correct.general")
        < reteach.index("identity.constant_gradient")
    )
    assert "`identity.constant_gradient`, failed on its own by 1 student)" in reteach
    assert f"{_row('identity.constant_gradient')} | 1/8 | 12% | 1 |" in items


def test_every_misconception_is_shown_and_unnamed_failures_are_counted(tmp_path):
    ids = sorted(BY_ID)
    # Every known mistake made by exactly one student: a 27-way tie, none of which may be cut.
    students = {f"s{k:02d}": [next(i.id for i in ITEMS if i.task == BY_ID[m].func)] for k, m in enumerate(ids)}
    students |= {"anon1": ["update_v.general"], "anon2": ["update_v.page", "effective_step.page"]}
    named = {f"s{k:02d}": [m] for k, m in enumerate(ids)}
    folder = _class(tmp_path / "class", students, named)
    assert cli.main(["report", str(folder)]) == 0
    table = _section((folder / "report.md").read_text(), "Named misconceptions")
    for m in ids:
        assert re.search(rf"\| `{re.escape(m)}` \| 1 \|", table), m
    assert "| update_v: no named mistake | 2 |" in table
    assert "| effective_step: no named mistake | 1 |" in table
    assert "bias_correct: no named mistake" not in table  # nobody failed it without a name
    with Image.open(folder / CHARTS["misconceptions"]) as image:
        assert image.size[1] > 0.27 * (len(ids) + 2) * 100  # a bar for each, at ~0.27 in per bar


def test_the_report_names_students_only_when_asked(tmp_path):
    folder = _class(tmp_path / "class", {"ada_lovelace": ["update_v.page"], "bob": []})
    assert cli.main(["report", str(folder)]) == 0
    assert "ada_lovelace" not in (folder / "report.md").read_text() + (folder / "report.html").read_text()
    assert cli.main(["report", str(folder), "--students"]) == 0
    markdown = (folder / "report.md").read_text()
    assert "| 1.1 | `update_v.page` | ada_lovelace |" in _section(markdown, "Students per item")
    assert "ada_lovelace" in (folder / "report.html").read_text() and "bob" not in markdown


def test_the_intro_says_what_it_read_after_a_one_student_regrade(tmp_path):
    folder = _class(tmp_path / "class", {"ada": [], "bob": [], "cy": [], "dee": []})
    (folder / "grades.csv").write_text("\n".join((folder / "grades.csv").read_text().splitlines()[:2]) + "\n")
    assert cli.main(["report", str(folder)]) == 0
    intro = (folder / "report.md").read_text().splitlines()[2]
    assert intro.startswith("1 student in grades.csv; results.json read for 1 of them; 3 other results.json files")
    assert "not counted" in intro


def test_item_columns_are_found_by_rubric_id_whatever_else_grades_csv_holds(tmp_path):
    folder = _class(tmp_path / "class", {"ada": ["update_v.page"], "bob": []})
    lines = (folder / "grades.csv").read_text().splitlines()
    # A status and a late column, and the items in another order: the report reads them by name.
    header = lines[0].split(",")
    order = [0, 1, 2] + list(reversed(range(3, len(header))))
    rows = [
        [cells[k] for k in order] + extra
        for cells, extra in zip(
            (line.split(",") for line in lines), (["status", "late"], ["graded", "no"], ["graded", "yes"])
        )
    ]
    (folder / "grades.csv").write_text("\n".join(",".join(r) for r in rows) + "\n")
    assert cli.main(["report", str(folder)]) == 0
    items = _section((folder / "report.md").read_text(), "Rubric items")
    assert f"{_row('update_v.page')} | 1/2 |" in items
    assert "`status`" not in items and "`late`" not in items and len(items.split("| 1.1 |")) == 2


def test_the_report_page_is_compact(tmp_path):
    ids = sorted(BY_ID)[:12]
    students = {f"s{k:02d}": [next(i.id for i in ITEMS if i.task == BY_ID[m].func)] for k, m in enumerate(ids)}
    folder = _class(tmp_path / "class", students, {f"s{k:02d}": [m] for k, m in enumerate(ids)})
    assert cli.main(["report", str(folder)]) == 0
    heights = []
    for name in CHARTS.values():
        with Image.open(folder / name) as image:
            heights.append(image.size[1])
    # The charts sit beside their tables (a two-column grid), so the page is about as tall as they are.
    assert sum(heights) < 1700, heights
    assert 'class="row"' in (folder / "report.html").read_text()


def test_files_are_written_with_the_users_umask(tmp_path):
    from autograder.outdir import atomic_write

    old = os.umask(0o022)
    try:
        folder = _class(tmp_path / "class", {"ada": []})
        atomic_write(folder / "grades.csv", (folder / "grades.csv").read_text())
        assert cli.main(["report", str(folder)]) == 0
        for name in ("grades.csv", "report.md", "report.html", CHARTS["scores"]):
            assert stat.S_IMODE((folder / name).stat().st_mode) == 0o644, name
        os.umask(0o077)
        atomic_write(folder / "grades.csv", "student,score,max_score\n")
        assert stat.S_IMODE((folder / "grades.csv").stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_a_student_with_no_file_does_not_count_against_any_topic(tmp_path):
    folder = _class(tmp_path / "class", {"ada": [], "bob": ["update_v.page"], "cy": [i.id for i in ITEMS]})
    lines = (folder / "grades.csv").read_text().splitlines()
    status = ["status", "graded", "graded", "no file found"]
    (folder / "grades.csv").write_text("\n".join(f"{line},{s}" for line, s in zip(lines, status)) + "\n")
    assert cli.main(["report", str(folder)]) == 0
    markdown = (folder / "report.md").read_text()
    assert "3 students in grades.csv (1 with no item graded" in markdown
    assert f"{_row('update_v.page')} | 1/2 | 50% | 1 |" in markdown
    assert f"{_row('bias_correct.page')} | 2/2 |" in markdown
