"""A gradebook on a disk that fills (ENOSPC) or fails (EIO) mid-batch: the students whose files could not be
written get a `grader error` row, everyone else keeps theirs, grades.csv is rewritten or left intact (never
half written), the run ends with one line naming the fix, and `--resume` completes the class."""

import csv
import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import cli, grading, outdir
from autograder.config import GradeConfig
from autograder.discover import discover
from tests.conftest import ROOT
from tests.smalldisk import pages, small_disk

ADAM_HW = Path(sys.executable).with_name("adam-hw")
CLASS = ROOT / "examples" / "class"  # ann (the reference), bob and dee (wrong), cy (the stub)


def adam_hw(*args):
    return subprocess.run([str(ADAM_HW), *map(str, args)], capture_output=True, text=True, timeout=300)


def rows(out):
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


@pytest.fixture(autouse=True)
def own_key(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def subs(tmp_path):
    folder = tmp_path / "subs"
    shutil.copytree(CLASS, folder)
    return folder


def test_a_disk_that_fills_mid_batch_costs_only_the_unwritten_student_and_resume_completes_the_class(subs, tmp_path):
    with small_disk(tmp_path / "disk", 1024) as disk:
        out = disk.path / "graded"
        first = adam_hw("grade", subs / "ann.py", subs / "bob.py", "--out", out)  # the earlier run
        assert first.returncode == 0, first.stderr
        before = (out / "grades.csv").read_bytes()
        probe = disk.path / "probe"
        assert adam_hw("grade", subs / "cy.py", "--out", probe).returncode == 0
        room = pages(probe / "cy")  # what cy's files take
        shutil.rmtree(probe)
        disk.fill(leave=room)  # cy's files fit; then the disk is full for dee and for grades.csv

        run = adam_hw("grade", subs, "--out", out, "--resume")
        assert "Traceback" not in run.stderr
        assert run.returncode == 2, run.stderr
        fix = run.stderr.strip()
        assert "\n" not in fix and "free" in fix and "--resume" in fix and str(out) in fix
        assert "note: dee: grader error" in run.stdout and "No space left on device" in run.stdout
        assert (out / "cy" / "record.json").is_file() and (out / "cy" / "results.json").is_file()
        assert not (out / "dee" / "record.json").exists()
        now = (out / "grades.csv").read_bytes()
        if now != before:  # rewritten: then whole, with dee's row saying what happened
            table = rows(out)
            assert {s: r["status"] for s, r in table.items()} == {
                "ann": "graded",
                "bob": "graded",
                "cy": "graded",
                "dee": "grader error",
            }
        assert not [p for p in out.rglob("*.tmp")]  # no half-written file left behind

        disk.make_room()
        again = adam_hw("grade", subs, "--out", out, "--resume")
        assert again.returncode == 0, again.stderr
        assert "resumed: 3 kept from the earlier run, 1 graded now" in again.stdout
        table = rows(out)
        assert {s: r["status"] for s, r in table.items()} == dict.fromkeys(["ann", "bob", "cy", "dee"], "graded")
        assert table["ann"]["score"] == "100" and table["cy"]["score"] == "0"


def test_a_disk_full_for_one_student_gives_them_a_grader_error_row_and_grades_csv_is_rewritten(subs, tmp_path):
    submissions = discover([subs])
    with small_disk(tmp_path / "disk", 1024) as disk:
        out = disk.path / "graded"

        def progress(done: int, total: int) -> None:
            if done == 1:
                disk.fill()  # ann's files are written; the disk is full while bob's are
            elif done == 2:
                disk.make_room()  # room again for cy, dee and grades.csv

        run = grading.grade_class(submissions, out, GradeConfig(jobs=1), on_progress=progress)
        assert {r.student: r.status for r in run.gradebook} == {
            "ann": "graded",
            "bob": "grader error",
            "cy": "graded",
            "dee": "graded",
        }
        assert [student for student, _ in run.unwritten] == ["bob"]
        assert "No space left on device" in run.unwritten[0][1] and str(out / "bob") in run.unwritten[0][1]
        assert run.gradebook_error == ""
        table = rows(out)
        assert table["bob"]["status"] == "grader error" and table["bob"]["score"] == ""
        assert table["ann"]["score"] == "100"
        assert not (out / "bob" / "record.json").exists()

        resumed = grading.grade_class(submissions, out, GradeConfig(jobs=1), resume=True)
        assert resumed.kept == 3 and not resumed.unwritten
        assert {r.student: r.status for r in resumed.gradebook} == dict.fromkeys(["ann", "bob", "cy", "dee"], "graded")


def _failing_replace(broken: str):
    """os.replace, but an I/O error (EIO) for every target whose path ends with `broken`: a fault injected
    at the system call the gradebook's every write ends in, as a failing disk would refuse it."""
    real = os.replace

    def replace(src, dst):
        if str(dst).endswith(broken):
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(dst))
        return real(src, dst)

    return replace


def test_an_io_error_on_one_students_file_costs_that_student_a_grader_error_row(subs, tmp_path, monkeypatch):
    out = tmp_path / "graded"
    monkeypatch.setattr(outdir.os, "replace", _failing_replace(os.path.join("bob", "results.json")))
    run = grading.grade_class(discover([subs]), out, GradeConfig(jobs=1))
    assert {r.student: r.status for r in run.gradebook}["bob"] == "grader error"
    assert "Input/output error" in run.unwritten[0][1]
    assert rows(out)["bob"]["status"] == "grader error" and rows(out)["ann"]["status"] == "graded"
    assert not [p for p in out.rglob("*.tmp")]


def test_an_io_error_on_grades_csv_leaves_the_previous_one_intact_and_exits_2_naming_the_fix(
    subs, tmp_path, monkeypatch, capsys
):
    out = tmp_path / "graded"
    assert cli.main(["grade", str(subs / "ann.py"), "--out", str(out), "--jobs", "1"]) == 0
    before = (out / "grades.csv").read_bytes()
    capsys.readouterr()
    monkeypatch.setattr(outdir.os, "replace", _failing_replace("grades.csv"))
    code = cli.main(["grade", str(subs), "--out", str(out), "--jobs", "1"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert "\n" not in err and "Input/output error" in err and "--resume" in err and "grades.csv" in err
    assert (out / "grades.csv").read_bytes() == before
    assert not [p for p in out.rglob("*.tmp")]
    monkeypatch.undo()
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert cli.main(["grade", str(subs), "--out", str(out), "--jobs", "1", "--resume"]) == 0
    assert sorted(rows(out)) == ["ann", "bob", "cy", "dee"]
