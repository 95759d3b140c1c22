"""The batch always completes (issue 12, item 3): a class folder holding every odd thing a TA may be handed,
built here because git cannot hold most of it, is graded by `adam-hw grade` to the end, with a row and a
reason for each, nothing followed, nothing hung and nothing on the TA's terminal but text.
"""

import csv
import os
import shutil
import stat
import subprocess
import sys
import tracemalloc
from pathlib import Path

from autograder.discover import discover
from tests.conftest import ROOT, SUBMISSIONS

ADAM_HW = str(Path(sys.executable).with_name("adam-hw"))
CORRECT = (SUBMISSIONS / "hostile" / "correct_plain.py").read_text(encoding="utf-8")


def _write(path, text=CORRECT):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _nested(top, depth, leaf="second_moment.py"):
    """`depth` folders named d below `top`, made through directory fds (the path soon outgrows PATH_MAX)."""
    here = os.open(top, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=here)
            inner = os.open("d", os.O_RDONLY, dir_fd=here)
            os.close(here)
            here = inner
        fd = os.open(leaf, os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=here)
        os.write(fd, CORRECT.encode())
        os.close(fd)
    finally:
        os.close(here)


def _odd_class(tmp_path):
    """{student id: (score, a phrase of the reason)} for a class folder with every kind of odd submission."""
    solutions = tmp_path / "solutions"
    shutil.copy(ROOT / "solutions" / "second_moment.py", _write(solutions / "second_moment.py"))
    cls = tmp_path / "class"
    expected = {}
    _write(cls / "alice" / "hw" / "second_moment.py")
    expected["alice"] = (100, None)
    (cls / "mallory").symlink_to(solutions)  # a student folder that is the reference solution's
    expected["mallory"] = (0, "mallory is a symbolic link, not a file")
    (cls / "eve").symlink_to("alice")  # a classmate's folder
    expected["eve"] = (0, "eve is a symbolic link")
    (cls / "copycat.py").symlink_to(cls / "alice" / "hw" / "second_moment.py")
    expected["copycat"] = (0, "copycat.py is a symbolic link")
    (cls / "linked_inside" / "hw").mkdir(parents=True)
    (cls / "linked_inside" / "hw" / "second_moment.py").symlink_to(solutions / "second_moment.py")
    expected["linked_inside"] = (0, "second_moment.py is a symbolic link")
    os.mkfifo(cls / "piped.py")  # opening it to read would wait for a writer forever
    expected["piped"] = (0, "piped.py is a FIFO (named pipe), not a regular file")
    (cls / "piped_folder").mkdir()
    os.mkfifo(cls / "piped_folder" / "second_moment.py")
    expected["piped_folder"] = (0, "FIFO (named pipe)")
    if os.geteuid() == 0:
        os.mknod(cls / "device.py", 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero: endless bytes
        expected["device"] = (0, "device.py is a character device")
    with open(cls / "huge.py", "wb") as f:
        f.truncate(150_000_000)
    expected["huge"] = (0, "huge.py is larger than the 2 MB")
    _write(cls / os.fsdecode(b"jos\xe9.py"))  # unzip leaves a Windows name in Latin-1
    expected["jos%E9"] = (100, None)
    _write(cls / "jos%E9.py")  # what the escaped name looks like, as a real name: another student
    expected["jos%25E9"] = (100, None)
    _write(cls / "\x1b[2J\x1b[31mred.py")
    expected["%1B[2J%1B[31mred"] = (100, None)
    for name in ("grades.csv", "report.html", "report.md", "results.json", "feedback.md"):
        _write(cls / f"{name}.py")
        expected[name.replace(".", "%2E")] = (100, None)
    (cls / "deep").mkdir()
    _nested(cls / "deep", 1500)
    expected["deep"] = (0, "folders more than 16 levels down were not searched")
    _write(cls / "=1+1.py")
    expected["=1+1"] = (100, None)
    return cls, expected


def test_a_class_of_odd_submissions_is_graded_to_the_end_with_a_row_and_a_reason_for_each(tmp_path, request):
    # rm -rf: pytest's own clean-up of old tmp_path folders recurses once per level and would fail later.
    request.addfinalizer(lambda: subprocess.run(["rm", "-rf", str(tmp_path / "class" / "deep")], check=True))
    cls, expected = _odd_class(tmp_path)
    out = tmp_path / "out"
    run = subprocess.run(
        [ADAM_HW, "grade", str(cls), "--out", str(out), "--timeout", "3", "--jobs", "2"],
        capture_output=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    assert b"\x1b" not in run.stdout + run.stderr  # no file name reaches the TA's terminal as control
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {row["student"]: float(row["score"]) for row in csv.DictReader(f)}
    assert rows == {("'" + k if k.startswith("=") else k): v for k, (v, _) in expected.items()}
    for student, (score, reason) in expected.items():
        feedback = (out / student / "feedback.md").read_text(encoding="utf-8")
        assert f"**Score: {score} / 100**" in feedback
        if reason:
            assert reason in feedback
    assert "\x1b" not in "".join(p.read_text(encoding="utf-8") for p in out.rglob("*.md"))
    report = subprocess.run([ADAM_HW, "report", str(out)], capture_output=True, timeout=300)
    assert report.returncode == 0, report.stderr.decode(errors="replace")
    again = subprocess.run(
        [ADAM_HW, "grade", str(cls), "--out", str(out), "--timeout", "3", "--resume"],
        capture_output=True,
        timeout=600,
        text=True,
    )
    assert again.returncode == 0, again.stderr
    assert f"resumed: {len(expected)} kept from the earlier run, 0 graded now" in again.stdout


def test_two_submissions_for_one_student_stop_the_run_before_anything_is_written(tmp_path):
    _write(tmp_path / "mon" / "ada.py")
    _write(tmp_path / "tue" / "ada" / "second_moment.py")
    os.mkfifo(tmp_path / "mon" / "piped.py")
    run = subprocess.run(
        [ADAM_HW, "grade", str(tmp_path / "mon"), str(tmp_path / "tue"), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2 and "two submissions for student 'ada'" in run.stderr
    assert not (tmp_path / "out").exists()


def test_loading_a_150_mb_py_allocates_nothing_like_its_size(tmp_path):
    path = tmp_path / "huge.py"
    with open(path, "wb") as f:
        f.truncate(150_000_000)
    (found,) = discover([path])
    tracemalloc.start()
    try:
        data, why = found.load()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert data == b"" and "larger than" in why
    assert peak < 1_000_000


def test_a_gradescope_upload_with_a_deep_tree_a_fifo_and_a_link_finds_the_regular_file(tmp_path, request):
    from autograder.gradescope.run import find_submission

    upload = tmp_path / "submission"
    (upload / "deep").mkdir(parents=True)
    request.addfinalizer(lambda: subprocess.run(["rm", "-rf", str(upload / "deep")], check=True))
    _nested(upload / "deep", 1500)
    os.mkfifo(upload / "second_moment.py")
    (upload / "b").mkdir()
    (upload / "b" / "second_moment.py").symlink_to(ROOT / "solutions" / "second_moment.py")
    real = _write(upload / "hw" / "a" / "second_moment.py")
    found = find_submission(upload, "123")
    assert (found.path, found.kind) == (real, "py") and found.load()[1] is None
    os.unlink(real)
    found = find_submission(upload, "123")  # only a FIFO and a link left: picked, and refused with the reason
    assert found.load()[0] == b"" and "not graded" in found.load()[1]
