"""`adam-hw report` on the graded sample submissions: charts, report.md and report.html agree with the gradebook."""

import base64
import csv
import json
import re
import shutil
from collections import Counter

import pytest
from PIL import Image

from autograder import cli
from autograder.report import CHARTS
from autograder.rubric import ITEMS
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
        assert re.search(rf"\| `{re.escape(misconception)}` \| \w+ \| {n} \|", markdown), misconception


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
    (tmp_path / "ada" / "results.json").write_text(json.dumps(
        {"extra_data": {"term": "<script>x</script>", "misconceptions": ["update_v.<b>odd</b>"]}}
    ))
    assert cli.main(["report", str(tmp_path)]) == 0
    page = (tmp_path / "report.html").read_text()
    assert "<script>x" not in page and "&lt;script&gt;x" in page and "<b>odd" not in page
