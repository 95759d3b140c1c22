"""The late policy: none by default (grades.csv's columns unchanged), zero, a percentage per day or hour with a cap and a grace period, from the LMS's times and flags."""

import csv
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from autograder import late, roster
from autograder.errors import ConfigError, UsageError
from autograder.render import gradebook
from autograder.results import GradebookRow
from tests.conftest import ROOT

ADAM_HW = Path(sys.executable).with_name("adam-hw")
REFERENCE = ROOT / "solutions" / "second_moment.py"
DUE = datetime(2027, 2, 1, 23, 59, tzinfo=UTC)


def adam_hw(*args):
    return subprocess.run([str(ADAM_HW), *map(str, args)], capture_output=True, text=True, timeout=300)


def row(late_flag="", submitted="", score=80.0, status="graded"):
    return GradebookRow("ann", score, 100, {}, status, late_flag, submitted)


def at(hours):
    return (DUE + timedelta(hours=hours)).isoformat()


@pytest.fixture(autouse=True)
def own_key(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def test_no_policy_keeps_the_score_and_the_roster_flag():
    assert late.NONE.apply(row("yes", at(50))) == (80.0, 0, "yes")


def test_zero_scores_a_late_submission_0_by_its_flag_or_its_time_after_the_grace():
    policy = late.LatePolicy("zero", grace=timedelta(minutes=15), due=DUE)
    assert policy.apply(row("yes")) == (0, 80.0, "yes")
    assert policy.apply(row("", at(0.2))) == (80.0, 0, "no")  # 12 minutes: within the grace period
    assert policy.apply(row("", at(0.3))) == (0, 80.0, "yes")
    assert policy.apply(row("yes", status="no file found", score=0)) == (0, 0, "yes")


@pytest.mark.parametrize(("hours", "final"), [(1, 72.0), (24, 72.0), (25, 64.0), (24 * 9, 40.0)])
def test_ten_percent_a_day_counts_each_day_begun_from_the_due_date_up_to_the_cap(hours, final):
    policy = late.LatePolicy("per-day", 10, cap=50, due=DUE)
    assert policy.apply(row("", at(hours)))[:2] == (final, round(80.0 - final, 2))


def test_two_percent_an_hour_counts_hours():
    assert late.LatePolicy("per-hour", 2, due=DUE).apply(row("", at(3.5)))[0] == 73.6  # 4 hours begun: 8%


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "per-day", "percent": 10}, "due"),  # a per-time policy needs the due date
        ({"kind": "per-day", "percent": 0, "due": DUE}, "kind"),
        ({"kind": "zero", "cap": 150}, "cap"),
        ({"kind": "zero", "grace": timedelta(minutes=-1)}, "grace"),
        ({"kind": "zero", "due": datetime(2027, 2, 1)}, "due"),  # no time zone
        ({"kind": "none", "grace": timedelta(hours=1)}, "kind"),  # would do nothing
    ],
)
def test_a_policy_that_cannot_mean_what_it_says_is_refused_naming_the_field(fields, field):
    with pytest.raises(ConfigError) as err:
        late.LatePolicy(**fields)
    assert err.value.field == field


def test_grades_csv_keeps_its_columns_and_adds_the_final_score_and_penalty_at_the_end():
    text = gradebook.render([row("yes", at(30))], late.LatePolicy("per-day", 10, due=DUE))
    header, values = list(csv.reader(text.splitlines()))
    assert header[: len(gradebook.CONTRACT)] == list(gradebook.CONTRACT)
    assert header[len(gradebook.CONTRACT) :] == ["final_score", "late_penalty"]
    cells = dict(zip(header, values))
    assert (cells["score"], cells["final_score"], cells["late_penalty"], cells["late"]) == ("80", "64", "16", "yes")
    untouched = gradebook.render([row("yes", at(30))])
    assert [line.rsplit(",", 2)[0] for line in untouched.splitlines()] == [
        ",".join(gradebook.CONTRACT),
        "ann,80,100," + "," * (len(gradebook.CONTRACT) - 5) + "graded,yes",
    ]


def test_a_roster_reads_submission_times_with_their_zone_and_refuses_one_without(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(f"student,late,submitted\nann,,{at(2)}\nbob,no,\n", encoding="utf-8")
    assert [e.submitted for e in roster.read(path)] == [at(2), ""]
    path.write_text("student,submitted\nann,2027-02-01 10:00\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"line 2.*time zone"):
        roster.read(path)


def _class(tmp_path, roster_text):
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("ann", "bob", "cy"):
        shutil.copy(REFERENCE, subs / f"{name}.py")
    (tmp_path / "roster.csv").write_text(roster_text, encoding="utf-8")
    return subs, tmp_path / "roster.csv"


def _table(out):
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return {r["student"]: r for r in csv.DictReader(f)}


def test_a_per_day_policy_runs_end_to_end_and_the_export_sends_the_final_score(tmp_path):
    subs, ros = _class(
        tmp_path,
        f"student,lms_id,late,submitted\nann,1,,{at(-1)}\nbob,2,,{at(30)}\ncy,3,yes,{at(3)}\ndee,4,,\n",
    )
    out = tmp_path / "graded"
    run = adam_hw("grade", subs, "--roster", ros, "--out", out, "--late", "10%/day", "--due", DUE.isoformat())
    assert run.returncode == 0, run.stderr
    table = _table(out)
    assert {s: (r["score"], r["final_score"], r["late_penalty"], r["late"]) for s, r in table.items()} == {
        "ann": ("100", "100", "0", "no"),
        "bob": ("100", "80", "20", "yes"),
        "cy": ("100", "90", "10", "yes"),
        "dee": ("0", "0", "0", ""),
    }
    assert "late policy: 10%/day" in run.stdout
    # A regrade of one student without the flags keeps the gradebook's policy.
    again = adam_hw("grade", subs / "ann.py", "--out", out)
    assert again.returncode == 0, again.stderr
    assert _table(out) == table
    sheet = tmp_path / "gb.csv"
    sheet.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,HW (10)\n    Points Possible,,,,,10\n"
        "A,1,,,,\nB,2,,,,\nC,3,,,,\nD,4,,,,\n"
    )
    export = adam_hw("export", "canvas", sheet, "--grades", out, "--roster", ros, "--out", tmp_path / "up.csv")
    assert export.returncode == 0, export.stderr
    assert [r[5] for r in list(csv.reader((tmp_path / "up.csv").read_text().splitlines()))[2:]] == ["10", "8", "9", "0"]


def test_a_changed_policy_is_applied_to_every_row_and_said(tmp_path):
    subs, ros = _class(tmp_path, f"student,submitted\nann,{at(-1)}\nbob,{at(30)}\ncy,{at(3)}\n")
    out = tmp_path / "graded"
    assert (
        adam_hw("grade", subs, "--roster", ros, "--out", out, "--late", "zero", "--due", DUE.isoformat()).returncode
        == 0
    )
    assert [r["final_score"] for r in _table(out).values()] == ["100", "0", "0"]
    run = adam_hw("grade", subs / "ann.py", "--out", out, "--late", "zero", "--due", DUE.isoformat(), "--grace", "4h")
    assert run.returncode == 0, run.stderr
    assert [r["final_score"] for r in _table(out).values()] == ["100", "0", "100"]
    assert "late policy changed from zero, due" in run.stdout and "1 final score changed" in run.stdout


def test_a_per_day_policy_with_only_canvas_late_flags_is_refused_before_grading(tmp_path):
    subs, ros = _class(tmp_path, "student,lms_id,late\nann,1,no\nbob,2,yes\ncy,3,\n")
    out = tmp_path / "graded"
    run = adam_hw("grade", subs, "--roster", ros, "--out", out, "--late", "10%/day", "--due", DUE.isoformat())
    assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1
    assert "bob" in run.stderr and "cy" in run.stderr and "submitted" in run.stderr and "late_" in run.stderr
    assert not (out / "grades.csv").exists()


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--late", "10%"], "--late"),
        (["--late", "10%/day"], "--due"),
        (["--late", "zero", "--due", "tomorrow"], "--due"),
        (["--late", "zero", "--grace", "soon"], "--grace"),
        (["--late", "10%/day", "--due", "2027-02-01T23:59Z", "--late-cap", "0"], "--late-cap"),
        (["--grace", "1h"], "--late"),
        (["--late", "zero"], "--roster"),  # the flags and times come from a roster
    ],
)
def test_a_bad_late_setting_is_one_line_naming_its_flag_before_anything_runs(tmp_path, flags, named):
    run = adam_hw("grade", REFERENCE, "--out", tmp_path / "out", *flags)
    assert run.returncode == 2, run.stdout
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"adam-hw: {named} "), run.stderr
    assert not (tmp_path / "out").exists()
