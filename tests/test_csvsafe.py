"""Every CSV the project writes guards the cells it fills against spreadsheet formulas, and every reader undoes the guard."""

import csv
import io

import pytest

from autograder import csvsafe, lms, roster
from autograder.render import gradebook
from autograder.report.data import read_table
from autograder.results import GradebookRow

HOSTILE = ["=1+2", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", "'=quoted", "'plain", "ann"]


def _cells(text):
    return [c for row in csv.reader(io.StringIO(text)) for c in row]


def _runs(cell):
    return cell.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("text", HOSTILE)
def test_guard_then_unguard_gives_back_the_text(text):
    assert csvsafe.unguard(csvsafe.guard(text)) == text
    assert not _runs(csvsafe.guard(text))


def test_a_roster_round_trips_ids_names_and_files_that_look_like_formulas(tmp_path):
    entries = [
        roster.Entry(s, lms_id=s, name=s, file=f"{s}.py", late="yes", group=f"{s}+1") for s in HOSTILE if s.strip()
    ]
    path = roster.write(tmp_path / "roster.csv", entries)
    assert not any(_runs(c) for c in _cells(path.read_text(encoding="utf-8")))
    assert roster.read(path) == entries


def test_grades_csv_round_trips_formula_like_student_ids(tmp_path):
    rows = [GradebookRow(s, 50, 100, {}, "graded", "") for s in HOSTILE]
    (tmp_path / "grades.csv").write_text(gradebook.render(rows), encoding="utf-8")
    assert not any(_runs(c) for c in _cells((tmp_path / "grades.csv").read_text(encoding="utf-8")))
    _, table = read_table(tmp_path / "grades.csv")
    assert sorted(r["student"] for r in table) == sorted(HOSTILE)


def test_an_export_matches_formula_like_ids_and_writes_the_lms_cells_back_unchanged(tmp_path):
    graded = tmp_path / "graded"
    graded.mkdir()
    rows = [GradebookRow(s, 50, 100, {}, "graded", "") for s in ("=evil", "@bob")]
    (graded / "grades.csv").write_text(gradebook.render(rows), encoding="utf-8")
    ros = roster.write(tmp_path / "roster.csv", [roster.Entry("=evil", "1"), roster.Entry("@bob", "2")])
    grades = lms.graded_scores(graded, ros)
    assert grades.scores == {"1": (50.0, 100.0), "2": (50.0, 100.0)} and grades.ungraded == []
    sheet = tmp_path / "gb.csv"
    sheet.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,HW (10)\n"
        "    Points Possible,,,,,10\n"
        '"=HYPERLINK(""x"")",1,,,,\n'
        "@bob,2,,,-A,\n",
        encoding="utf-8",
    )
    lms.export("canvas", sheet, graded, ros, tmp_path / "o.csv")
    out = list(csv.reader(io.StringIO((tmp_path / "o.csv").read_text(encoding="utf-8"))))
    assert out[2] == ['=HYPERLINK("x")', "1", "", "", "", "5"]  # the LMS's own cell, as the LMS wrote it
    assert out[3] == ["@bob", "2", "", "", "-A", "5"]
