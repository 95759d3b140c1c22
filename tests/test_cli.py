"""The `adam-hw grade` contract, through the installed command: exit codes, messages and the output folder."""

import csv
import json
import os
import pty
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.cli import build_parser
from autograder.rubric import ITEMS, MAX_SCORE
from tests.conftest import ROOT, SUBMISSIONS

#: Gradescope has one test per check group: (number, item, group) in rubric order.
GROUPS = [(item.group_number(g.name), item, g) for item in ITEMS for g in item.groups]
ITEM_OF_NUMBER = {number: item.id for number, item, _ in GROUPS}

ADAM_HW = Path(sys.executable).with_name("adam-hw")
REFERENCE = ROOT / "solutions" / "second_moment.py"
STUB = ROOT / "assignment" / "second_moment.py"
TEST_FIELDS = {"name", "number", "score", "max_score", "status", "output", "visibility"}

HANGS = """
import numpy as np


def update_v(v_prev, g, beta2=0.999):
    return beta2 * np.asarray(v_prev, dtype=float) + (1 - beta2) * np.asarray(g, dtype=float) ** 2


def bias_correct(v, t, beta2=0.999):
    while True:  # a loop that never ends
        pass


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
"""


def adam_hw(*args, timeout=300):
    return subprocess.run([str(ADAM_HW), *map(str, args)], capture_output=True, text=True, timeout=timeout)


def _copy(src, dst):
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    return dst


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """One run of `adam-hw grade` over a small class: files and student folders; (run, out folder)."""
    base = tmp_path_factory.mktemp("class")
    klass = base / "submissions"
    _copy(REFERENCE, klass / "reference.py")
    _copy(STUB, klass / "stub.py")
    # A student folder: second_moment.py sits deep inside, beside other files that are not graded.
    _copy(SUBMISSIONS / "correct" / "numpy_ufuncs.py", klass / "alice" / "work" / "week3" / "second_moment.py")
    (klass / "alice" / "notes.py").write_text("this is not Python\n", encoding="utf-8")
    _copy(SUBMISSIONS / "wrong" / "missing_pow_t.py", klass / "bob" / "second_moment.py")
    out = base / "graded"
    return adam_hw("grade", klass, "--out", out, "--jobs", 2), out


def _grades(out):
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _results(out, student):
    return json.loads((out / student / "results.json").read_text(encoding="utf-8"))


def test_grading_a_class_exits_0_and_closes_with_a_summary(graded_class):
    run, _ = graded_class
    assert run.returncode == 0, run.stderr
    for student in ("alice", "bob", "reference", "stub"):
        assert student in run.stdout


def test_grades_csv_has_the_contract_header_in_rubric_order(graded_class):
    _, out = graded_class
    contract = ["student", "score", "max_score"] + [item.id for item in ITEMS] + ["status", "late"]
    assert _grades(out)[0] == contract + ["final_score", "late_penalty"]  # new columns go at the end only


def test_grades_csv_has_one_row_per_submission_sorted_by_student(graded_class):
    _, out = graded_class
    assert [row[0] for row in _grades(out)[1:]] == ["alice", "bob", "reference", "stub"]


def test_grades_csv_item_columns_add_up_to_the_score(graded_class):
    _, out = graded_class
    for row in _grades(out)[1:]:
        assert int(row[1]) == sum(int(x) for x in row[3 : 3 + len(ITEMS)])
        assert int(row[2]) == MAX_SCORE
        assert row[-2:] == [row[1], "0"]  # no late policy: the final score is the score


def test_the_reference_scores_100_and_the_stub_0(graded_class):
    _, out = graded_class
    scores = {row[0]: int(row[1]) for row in _grades(out)[1:]}
    assert scores["reference"] == MAX_SCORE == 100
    assert scores["stub"] == 0
    assert _results(out, "reference")["score"] == 100
    assert _results(out, "stub")["score"] == 0


def test_a_second_moment_py_nested_deep_in_a_student_folder_is_found_and_graded(graded_class):
    _, out = graded_class
    data = _results(out, "alice")
    assert data["score"] == 100
    assert not (out / "notes").exists()


def test_results_json_is_in_gradescopes_format_with_one_test_per_check_group(graded_class):
    _, out = graded_class
    for student in ("alice", "bob", "reference", "stub"):
        data = _results(out, student)
        assert isinstance(data["score"], (int, float))
        tests = data["tests"]
        assert [t["number"] for t in tests] == [number for number, _, _ in GROUPS]
        for test, (_, _, group) in zip(tests, GROUPS):
            assert set(test) >= TEST_FIELDS
            assert test["max_score"] == group.points
            assert test["status"] in ("passed", "failed")
            assert test["score"] == (group.points if test["status"] == "passed" else 0)
            assert test["visibility"] in ("visible", "hidden", "after_due_date", "after_published")
            assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert data["score"] == sum(t["score"] for t in tests)


def test_a_wrong_submission_loses_only_the_items_its_mistake_breaks(graded_class):
    _, out = graded_class
    failed = {t["number"] for t in _results(out, "bob")["tests"] if t["status"] == "failed"}
    assert {ITEM_OF_NUMBER[n] for n in failed} == {
        "bias_correct.page",
        "bias_correct.general",
        "identity.constant_gradient",
    }


def test_every_student_gets_a_feedback_page_with_each_items_result_and_points(graded_class):
    _, out = graded_class
    for student in ("alice", "bob", "reference", "stub"):
        text = (out / student / "feedback.md").read_text(encoding="utf-8")
        scores = {}
        for t in _results(out, student)["tests"]:
            scores[ITEM_OF_NUMBER[t["number"]]] = scores.get(ITEM_OF_NUMBER[t["number"]], 0) + t["score"]
        for item in ITEMS:
            assert f"| {item.title} | {scores[item.id]} / {item.points} |" in text, (student, item.id)
    assert "not written yet" in (out / "stub" / "feedback.md").read_text(encoding="utf-8")


def test_grading_again_with_the_out_folder_inside_the_class_folder_adds_no_student(tmp_path):
    klass = tmp_path / "class"
    _copy(REFERENCE, klass / "ada.py")
    for _ in range(2):
        run = adam_hw("grade", klass, "--out", klass / "graded")
        assert run.returncode == 0, run.stderr
    assert [row[0] for row in _grades(klass / "graded")[1:]] == ["ada"]


def test_a_terminal_sees_a_progress_bar_and_a_pipe_does_not(tmp_path, graded_class):
    _copy(REFERENCE, tmp_path / "class" / "ada.py")
    leader, follower = pty.openpty()
    with subprocess.Popen(
        [str(ADAM_HW), "grade", str(tmp_path / "class"), "--out", str(tmp_path / "out")],
        stdout=subprocess.PIPE,
        stderr=follower,
        text=True,
    ) as proc:
        os.close(follower)
        stdout = proc.stdout.read()
        terminal = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the process closed its end of the terminal
                break
            if not chunk:
                break
            terminal += chunk
    os.close(leader)
    assert proc.returncode == 0
    assert "grading [" in terminal.decode() and "1/1" in terminal.decode()
    assert "grading [" not in stdout
    run, _ = graded_class  # stderr was a pipe there
    assert "grading [" not in run.stderr


def test_the_defaults_are_a_5_second_timeout_and_one_job_per_cpu():
    args = build_parser().parse_args(["grade", "x.py", "--out", "o"])
    assert args.timeout == 5.0
    assert args.jobs == len(os.sched_getaffinity(0))


# -- bad paths and options: exit 2 and one line -------------------------------------------------------------


def _one_line_error(run):
    assert run.returncode == 2, run.stdout + run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    return lines[0]


def test_a_missing_path_exits_2_naming_it(tmp_path):
    missing = tmp_path / "nobody.py"
    assert str(missing) in _one_line_error(adam_hw("grade", missing, "--out", tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_a_file_that_is_not_python_exits_2_naming_it(tmp_path):
    essay = tmp_path / "essay.txt"
    essay.write_text("v_t = ...\n", encoding="utf-8")
    assert str(essay) in _one_line_error(adam_hw("grade", essay, "--out", tmp_path / "out"))


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_a_timeout_that_is_not_a_positive_number_exits_2_naming_the_value(tmp_path, value):
    line = _one_line_error(adam_hw("grade", REFERENCE, "--out", tmp_path / "out", f"--timeout={value}"))
    assert "--timeout" in line and value in line


def test_zero_jobs_exits_2_naming_the_value(tmp_path):
    line = _one_line_error(adam_hw("grade", REFERENCE, "--out", tmp_path / "out", "--jobs", "0"))
    assert "--jobs" in line and "0" in line


def test_a_config_value_out_of_range_names_its_flag_and_starts_nothing(tmp_path):
    line = _one_line_error(adam_hw("grade", REFERENCE, "--out", tmp_path / "out", "--memory", "10"))
    assert line == "adam-hw: --memory must be at least 64 MB, got 10"
    assert not (tmp_path / "out").exists()


def test_a_term_manifest_that_does_not_reproduce_is_one_line_and_exit_2(tmp_path, monkeypatch):
    """A copy of the package whose term.json was edited: the grader names the file and what to do."""
    copy = tmp_path / "pkg"
    shutil.copytree(ROOT / "autograder", copy / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    manifest = copy / "autograder" / "term.json"
    data = json.loads(manifest.read_text())
    data["fingerprint"] = "0" * len(str(data["fingerprint"]))
    manifest.write_text(json.dumps(data))
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from autograder.cli import main; sys.exit(main())",
            "grade",
            str(REFERENCE),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=copy,
        env={**os.environ, "PYTHONPATH": str(copy)},
    )
    line = _one_line_error(run)
    assert "term.json" in line and "fingerprint" in line and "Traceback" not in run.stderr


def test_a_roster_without_a_student_column_is_one_line_naming_the_file(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("name,id\nAnn,1\n", encoding="utf-8")
    line = _one_line_error(adam_hw("grade", REFERENCE, "--out", tmp_path / "out", "--roster", roster))
    assert "--roster" in line and str(roster) in line and "student" in line


def test_an_out_folder_that_cannot_be_created_is_one_line_naming_the_flag(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    line = _one_line_error(adam_hw("grade", REFERENCE, "--out", blocker / "graded"))
    assert "--out" in line


def test_two_submissions_with_one_student_id_exit_2_naming_both_files(tmp_path):
    first = _copy(REFERENCE, tmp_path / "monday" / "a.py")
    second = _copy(REFERENCE, tmp_path / "tuesday" / "a.py")
    line = _one_line_error(adam_hw("grade", tmp_path / "monday", tmp_path / "tuesday", "--out", tmp_path / "out"))
    assert str(first) in line and str(second) in line


# -- a function that never returns ---------------------------------------------------------------------------


@pytest.mark.alone
def test_a_hanging_function_costs_only_the_items_that_need_it_and_bounded_time(tmp_path):
    submission = tmp_path / "hangs.py"
    submission.write_text(HANGS, encoding="utf-8")
    start = time.monotonic()
    run = adam_hw("grade", submission, "--out", tmp_path / "out", "--timeout", "1", timeout=120)
    elapsed = time.monotonic() - start
    assert run.returncode == 0, run.stderr
    tests = _results(tmp_path / "out", "hangs")["tests"]
    failed = {ITEM_OF_NUMBER[t["number"]] for t in tests if t["status"] == "failed"}
    # Nothing for nothing: a bias_correct that never returns earns its contract item no points either.
    assert failed == {
        "bias_correct.page",
        "bias_correct.general",
        "bias_correct.contract",
        "identity.constant_gradient",
    }
    assert "did not finish in time" in (tmp_path / "out" / "hangs" / "feedback.md").read_text(encoding="utf-8")
    # At most about (functions + 1) x timeout for the submission, plus start-up: not a speed target.
    assert elapsed < 15, elapsed


@pytest.mark.parametrize(
    "command",
    [
        ["nbgrader-course", "{blocked}/course"],
        ["gradescope", "--out", "{blocked}/autograder.zip"],
        ["collect", "canvas", str(ROOT / "examples" / "canvas-download"), "--out", "{blocked}/subs"],
        ["report", "{tmp}/nowhere"],
        ["drop", "{tmp}/nowhere", "ann"],
        [
            "export",
            "canvas",
            "{tmp}/none.csv",
            "--grades",
            "{tmp}",
            "--roster",
            "{tmp}/roster.csv",
            "--out",
            "{tmp}/o.csv",
        ],
        ["collect", "moodle", "{tmp}/missing.zip", "--out", "{tmp}/subs"],
    ],
    ids=lambda c: c[0] + ("-" + c[1] if not c[1].startswith("{") else ""),
)
def test_every_command_says_what_to_fix_in_one_line_when_a_path_is_bad(tmp_path, command):
    blocked = tmp_path / "a-file"
    blocked.write_text("")  # a file where a folder should be created
    args = [a.format(blocked=blocked, tmp=tmp_path) for a in command]
    line = _one_line_error(adam_hw(*args))
    assert line.startswith("adam-hw: ") and "Traceback" not in line


def test_a_bad_config_value_is_reported_before_any_sandbox_starts(tmp_path, monkeypatch, capsys):
    from autograder.cli import main
    from autograder.sandbox import pool

    def no_sandbox():
        raise AssertionError("a sandbox pool was asked for before the config was validated")

    monkeypatch.setattr(pool, "default_pool", no_sandbox)
    assert main(["grade", str(REFERENCE), "--out", str(tmp_path / "out"), "--timeout", "0"]) == 2
    assert capsys.readouterr().err.strip() == "adam-hw: --timeout must be > 0 seconds, got 0"


def test_the_command_leaves_after_its_exit_handlers_and_with_what_it_printed(tmp_path):
    """cli.leave, how `adam-hw` ends: the exit handlers (the sandbox pool's) run, what was printed is
    flushed, and the exit code is main's, without Python's own slow shutdown."""
    marker = tmp_path / "handler-ran"
    script = (
        "import atexit, sys; from autograder.cli import leave; "
        f"atexit.register(lambda: open({str(marker)!r}, 'w').write('yes')); "
        "print('printed, not yet flushed', end=''); leave(3)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 3
    assert done.stdout == "printed, not yet flushed"
    assert marker.read_text() == "yes"


@pytest.mark.parametrize(
    ("argv", "typed", "meant"),
    [
        (["grade", "x.py", "--outt", "o"], "--outt", "--out"),  # argparse said "--out is required"
        (["grade", "x.py", "--out", "o", "--time", "5"], "--time", "--timeout"),  # was taken for --timeout
        (["grade", "x.py", "--out", "o", "--resum"], "--resum", "--resume"),
        (["export", "canvas", "f.csv", "--grade", "g", "--roster", "r", "--out", "o"], "--grade", "--grades"),
    ],
)
def test_a_mistyped_or_shortened_flag_is_named_as_typed_with_the_flag_meant(argv, typed, meant, capsys):
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(argv)
    err = capsys.readouterr().err.strip()
    assert stopped.value.code == 2 and len(err.splitlines()) == 1
    assert f"unknown option {typed}" in err and f"did you mean {meant}?" in err and "required" not in err


def test_a_mistyped_command_is_not_blamed_on_its_flags(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["gradee", "x.py", "--out", "o"])
    err = capsys.readouterr().err
    assert "gradee" in err and "unknown option" not in err


@pytest.mark.parametrize("where", ["the folder", "above it", "the file's folder"])
def test_an_out_folder_that_is_the_submissions_folder_or_above_it_is_refused_before_anything_is_written(
    tmp_path, where
):
    klass = tmp_path / "term" / "class"
    _copy(REFERENCE, klass / "ada.py")
    path, out = {
        "the folder": (klass, klass),
        "above it": (klass, tmp_path / "term"),
        "the file's folder": (klass / "ada.py", klass),
    }[where]
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    line = _one_line_error(adam_hw("grade", path, "--out", out))
    assert line.startswith("adam-hw: --out ") and "outside" in line
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
