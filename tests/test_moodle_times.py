"""Moodle's grading worksheet gives each submission's time, written for people in the site's language and the
TA's time zone with no offset: read when the TA names the zone and every cell reads one way, else not, and
collect says which."""

import csv
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder import lms, roster
from autograder.errors import UsageError
from autograder.lms.dates import MONTHS, WEEKDAYS, NotOneTime, Unreadable, moodle_time
from tests.conftest import ROOT

ADAM_HW = Path(sys.executable).with_name("adam-hw")
DOWNLOAD = ROOT / "examples" / "moodle-download"
WORKSHEET = ROOT / "examples" / "moodle-worksheet.csv"
LONDON, CHICAGO = ZoneInfo("Europe/London"), ZoneInfo("America/Chicago")
HEADER = (
    "Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
    "Last modified (submission),Last modified (grade),Feedback comments\n"
)


def adam_hw(*args):
    return subprocess.run([str(ADAM_HW), *map(str, args)], capture_output=True, text=True, timeout=300)


def worksheet(path, times):
    """A worksheet shaped as Moodle writes it, one row per (participant id, Last modified (submission))."""
    lines = [
        f'Participant {pid},Student {pid},s{pid}@example.edu,Submitted for grading,,20.00,Yes,"{when}",-,\n'
        for pid, when in times
    ]
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def english(moment: datetime) -> str:
    """`moment` as English Moodle writes it: '%A, %d %B %Y, %I:%M %p' without the day's and hour's leading zero."""
    hour = moment.hour % 12 or 12
    return f"{moment:%A}, {moment.day} {moment:%B %Y}, {hour}:{moment:%M} {'AM' if moment.hour < 12 else 'PM'}"


@pytest.mark.parametrize(
    "cell",
    [
        "Monday, 1 February 2027, 9:14 PM",  # English, as the example worksheet has it
        "Montag, 1. Februar 2027, 21:14",  # German
        "lundi 1 février 2027, 21:14",  # French
        "lunes, 1 de febrero de 2027, 21:14",  # Spanish
        "segunda-feira, 1 de fevereiro de 2027, 21:14",  # Portuguese
        "Monday,\u00a01 February 2027, 9:14\u202fPM",  # no-break spaces, as ICU writes them
    ],
)
def test_a_worksheet_time_is_read_in_each_language_moodle_writes_it(cell):
    assert moodle_time(cell, LONDON) == datetime(2027, 2, 1, 21, 14, tzinfo=LONDON)


def test_no_submission_is_a_dash_and_reads_as_no_time():
    assert moodle_time("-", LONDON) is None and moodle_time("", LONDON) is None


def test_midnight_and_noon_on_a_12_hour_clock():
    assert moodle_time("Wednesday, 30 June 2027, 12:05 AM", LONDON).hour == 0
    assert moodle_time("Wednesday, 30 June 2027, 12:05 PM", LONDON).hour == 12


@pytest.mark.parametrize(
    "cell",
    [
        "Tuesday, 1 February 2027, 9:14 PM",  # 1 February 2027 was a Monday: not this format
        "Monday, 1 Febtober 2027, 9:14 PM",
        "01/02/2027 21:14",  # day or month first? not said
        "Monday, 1 February 2027, 13:14 PM",
        "Monday, 31 February 2027, 9:14 PM",
        "понедельник, 1 февраля 2027, 21:14",  # a language not read here
    ],
)
def test_a_cell_that_reads_no_way_or_more_than_one_way_is_refused(cell):
    with pytest.raises(Unreadable):
        moodle_time(cell, LONDON)


def test_a_wall_time_the_clock_change_repeats_or_skips_names_no_moment():
    with pytest.raises(NotOneTime, match="twice"):
        moodle_time("Sunday, 31 October 2027, 1:30 AM", LONDON)  # the clocks go back at 2:00 BST
    with pytest.raises(NotOneTime, match="never"):
        moodle_time("Sunday, 28 March 2027, 1:30 AM", LONDON)  # they go forward at 1:00 GMT


def test_month_and_weekday_names_mean_one_number_in_every_language():
    assert sorted(set(MONTHS.values())) == list(range(1, 13)) and sorted(set(WEEKDAYS.values())) == list(range(7))


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31)), st.sampled_from([LONDON, CHICAGO])
)
def test_an_english_worksheet_time_reads_back_as_the_minute_it_was_written_in(wall, zone):
    wall = wall.replace(second=0, microsecond=0)
    moment = wall.replace(tzinfo=zone)
    try:
        read = moodle_time(english(wall), zone)
    except NotOneTime:  # a clock change: the oracle says the same
        assert moment.utcoffset() != moment.replace(fold=1).utcoffset()
        return
    assert read == moment and read.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


def test_collect_moodle_with_the_worksheet_and_its_zone_fills_roster_submitted_times(tmp_path):
    out = tmp_path / "subs"
    run = adam_hw(
        "collect", "moodle", DOWNLOAD, "--out", out, "--worksheet", WORKSHEET, "--lms-timezone", "America/Chicago"
    )
    assert run.returncode == 0, run.stderr
    times = {e.student: e.submitted for e in roster.read(out / "roster.csv")}
    assert times == {
        "al-smith_12347": "",  # online text only: not a submission of code
        "bo-li_12348": "2027-02-03T01:40:00-06:00",
        "jane-doe_12345": "2027-02-01T21:14:00-06:00",
        "omar-haddad_12346": "2027-02-02T23:52:00-06:00",
    }
    assert (
        "submission times: 3 from the worksheet's 'Last modified (submission)', read in America/Chicago" in run.stdout
    )
    # The late policy reads them: due Tuesday 23:59 Chicago, 10%/day.
    graded = tmp_path / "graded"
    args = ["grade", out, "--roster", out / "roster.csv", "--out", graded, "--late", "10%/day"]
    late = adam_hw(*args, "--due", "2027-02-02T23:59-06:00")
    assert late.returncode == 0, late.stderr
    with open(graded / "grades.csv", newline="", encoding="utf-8") as f:
        flags = {row["student"]: row["late"] for row in csv.DictReader(f)}
    assert flags == {"al-smith_12347": "", "bo-li_12348": "yes", "jane-doe_12345": "no", "omar-haddad_12346": "no"}


def test_collect_moodle_without_the_zone_or_the_worksheet_reads_no_times_and_says_so(tmp_path):
    for extra, said in (
        ((), "Moodle's download carries no submission times"),
        (("--worksheet", WORKSHEET), "carry no time zone, so they were not read: give --lms-timezone"),
    ):
        out = tmp_path / f"subs{len(extra)}"
        run = adam_hw("collect", "moodle", DOWNLOAD, "--out", out, *extra)
        assert run.returncode == 0, run.stderr
        assert said in run.stdout
        assert all(not e.submitted for e in roster.read(out / "roster.csv"))


def test_a_worksheet_in_another_language_is_read_and_one_unreadable_cell_stops_the_column(tmp_path):
    zips = tmp_path / "download"
    shutil.copytree(DOWNLOAD, zips)
    german = worksheet(tmp_path / "de.csv", [(12345, "Montag, 1. Februar 2027, 21:14"), (12348, "-")])
    entries, notes = lms.collect("moodle", zips, tmp_path / "a", german, LONDON)
    assert {e.student: e.submitted for e in entries}["jane-doe_12345"] == "2027-02-01T21:14:00+00:00"
    assert any("no submission time in the worksheet for bo-li_12348, omar-haddad_12346" in n for n in notes)
    odd = worksheet(tmp_path / "odd.csv", [(12345, "Monday, 1 February 2027, 9:14 PM"), (12346, "02/01/2027 23:52")])
    entries, notes = lms.collect("moodle", zips, tmp_path / "b", odd, LONDON)
    assert all(not e.submitted for e in entries)
    assert any("could not be read (line 3:" in n and "roster.csv gets no submitted times" in n for n in notes)


def test_a_time_the_clock_change_makes_ambiguous_is_left_out_for_that_student_alone(tmp_path):
    sheet = worksheet(
        tmp_path / "w.csv",
        [(12345, "Sunday, 31 October 2027, 1:30 AM"), (12346, "Sunday, 31 October 2027, 2:30 AM")],
    )
    entries, notes = lms.collect("moodle", DOWNLOAD, tmp_path / "subs", sheet, LONDON)
    times = {e.student: e.submitted for e in entries}
    assert times["jane-doe_12345"] == "" and times["omar-haddad_12346"] == "2027-10-31T02:30:00+00:00"
    assert any("participant 12345" in n and "happened twice in Europe/London" in n for n in notes)


def test_the_time_zone_flag_is_refused_without_a_worksheet_for_another_lms_or_unknown(tmp_path):
    with pytest.raises(UsageError, match="--lms-timezone reads the times of --worksheet"):
        lms.collect("moodle", DOWNLOAD, tmp_path / "a", None, LONDON)
    with pytest.raises(UsageError, match="are for moodle"):
        lms.collect("canvas", ROOT / "examples" / "canvas-download", tmp_path / "b", WORKSHEET, LONDON)
    run = adam_hw(
        "collect",
        "moodle",
        DOWNLOAD,
        "--out",
        tmp_path / "c",
        "--worksheet",
        WORKSHEET,
        "--lms-timezone",
        "Europe/Londn",
    )
    assert run.returncode == 2 and "--lms-timezone: no time zone named 'Europe/Londn'" in run.stderr
