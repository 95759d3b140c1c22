"""A gradebook on a disk that fills (ENOSPC) or fails (EIO) mid-batch: the students whose files could not be
written get a `grader error` row, everyone else keeps theirs, grades.csv is rewritten or left intact (never
half written), the run ends with one line naming the fix, and `--resume` completes the class."""

import csv
import errno
import os
import shutil
import subprocess
import sys
import tempfile
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
        assert not list(out.rglob("*.tmp"))  # no half-written file left behind

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
    assert not list(out.rglob("*.tmp"))


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
    assert not list(out.rglob("*.tmp"))
    monkeypatch.undo()
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert cli.main(["grade", str(subs), "--out", str(out), "--jobs", "1", "--resume"]) == 0
    assert sorted(rows(out)) == ["ann", "bob", "cy", "dee"]


#: A classmate who fills the temporary folder the sandboxes share at level basic (the attack: 1 GB
#: fallocate'd in /tmp), holds it full a while, then passes every check.
HOG = (
    "import os, tempfile, time\n"
    "try:\n"
    "    with open(os.path.join(tempfile.gettempdir(), 'fill'), 'wb') as f:\n"
    "        while True:\n"
    "            f.write(bytes(1 << 20))\n"
    "except OSError:\n"
    "    pass\n"
    "time.sleep(2)\n"
)

#: Inside a mount namespace of its own: /tmp becomes a 3 MB tmpfs holding the gradebook too, then the grader
#: runs (without root: back as the user it was, in a nested user namespace). What it wrote is copied out.
#: The folders in $KEEP (the checkout and the interpreter's, one a line) are bound back from the old /tmp
#: when they were in it: a clone in /tmp is graded like one anywhere else.
FULL_TMP = """
mount --bind /tmp "$OLD_TMP" || exit 99
mount -t tmpfs -o size=3m tmpfs /tmp || exit 99
IFS='
'
for keep in $KEEP; do
    case "$keep" in /tmp/*) mkdir -p "$keep" && mount --bind "$OLD_TMP/${keep#/tmp/}" "$keep" || exit 98;; esac
done
unset IFS
shift
XDG_STATE_HOME="$RESULT/state" ADAM_HW_CACHE="$CACHE" "$@" > "$RESULT/stdout" 2> "$RESULT/stderr"
echo $? > "$RESULT/rc"
cp -r /tmp/graded "$RESULT/graded"
"""


def test_a_classmate_filling_the_shared_tmp_at_basic_costs_rows_never_the_run(tmp_path):
    # Outside /tmp, which the run replaces: the class, the formula space (copied) and what the run leaves.
    work = Path(tempfile.mkdtemp(dir="/var/tmp", prefix="adam-hw-fulltmp-"))
    try:
        subs = work / "subs"
        shutil.copytree(CLASS, subs)
        (subs / "bo.py").write_text(HOG + (ROOT / "solutions" / "second_moment.py").read_text(), encoding="utf-8")
        shutil.copytree(os.environ["ADAM_HW_CACHE"], work / "cache")
        (work / "result").mkdir()
        grade = [str(ADAM_HW), "grade", str(subs), "--out", "/tmp/graded", "--isolation", "basic", "--jobs", "2"]
        if os.geteuid() == 0:
            wrap = ["unshare", "--mount", "--propagation", "private"]
        else:
            back = ["unshare", "--user", f"--map-user={os.getuid()}", f"--map-group={os.getgid()}", "--"]
            wrap, grade = ["unshare", "--user", "--map-root-user", "--mount"], back + grade
        (work / "old-tmp").mkdir()
        keep = "\n".join(os.path.realpath(p) for p in (ROOT, sys.prefix))
        env = {
            **os.environ,
            "RESULT": str(work / "result"),
            "CACHE": str(work / "cache"),
            "OLD_TMP": str(work / "old-tmp"),
            "KEEP": keep,
        }
        ran = subprocess.run(
            [*wrap, "sh", "-c", FULL_TMP, "sh", "-", *grade], env=env, timeout=300, capture_output=True
        )
        if ran.returncode == 99:
            pytest.skip(f"cannot mount a tmpfs over /tmp here: {ran.stderr.decode().strip()}")
        result = work / "result"
        stderr = (result / "stderr").read_text()
        assert "Traceback" not in stderr
        assert (result / "graded" / "grades.csv").is_file(), f"exit {(result / 'rc').read_text().strip()}: {stderr}"
        table = rows(result / "graded")
        assert sorted(table) == ["ann", "bo", "bob", "cy", "dee"]  # the batch finished: a row for everyone
        status = {s: r["status"] for s, r in table.items()}
        assert set(status.values()) <= {"graded", "grader error"}
        assert all(table[s]["score"] == "100" for s in ("ann", "bo") if status[s] == "graded")
        # Who was written while the disk was full depends on timing (on a loaded machine, perhaps nobody):
        # each refused student is said, and the run ends with the fix.
        code = (result / "rc").read_text().strip()
        if "grader error" in status.values():
            assert code == "2" and "\n" not in stderr.strip() and "--resume" in stderr
        else:
            assert code == "0", stderr
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_a_grader_error_row_is_never_exported_as_a_grade_nor_charted_in_a_report(tmp_path):
    from autograder import lms
    from autograder.errors import UsageError
    from autograder.report.data import read_grades
    from autograder.results import GradebookRow

    out = tmp_path / "graded"
    outdir.write_gradebook(out, unwritten={"bob": GradebookRow.unwritten("bob")})
    assert rows(out)["bob"]["score"] == "" and rows(out)["bob"]["final_score"] == ""
    roster = tmp_path / "roster.csv"
    roster.write_text("student,lms_id\nbob,7\n", encoding="utf-8")
    grades = lms.graded_scores(out, roster)
    assert grades.scores == {} and grades.ungraded == ["bob"]  # left as it was in the LMS, and said so
    with pytest.raises(UsageError, match=r"bob has status grader error.*--resume"):
        read_grades(out / "grades.csv")


def test_ctrl_c_on_a_full_disk_says_grades_csv_was_not_rewritten(subs, tmp_path, monkeypatch, capsys):
    out = tmp_path / "graded"
    assert cli.main(["grade", str(subs / "ann.py"), "--out", str(out), "--jobs", "1"]) == 0
    capsys.readouterr()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(outdir, "write_submission", interrupted)
    monkeypatch.setattr(outdir.os, "replace", _failing_replace("grades.csv"))
    assert cli.main(["grade", str(subs), "--out", str(out), "--jobs", "1"]) == 130
    err = capsys.readouterr().err
    assert "interrupted; 1 students' results are written" in err and "grades.csv was not rewritten" in err
    assert "the previous one is intact" in err and "--resume" in err
