"""The output folder is the gradebook: regrades replace only their rows, every student keeps a row, resume trusts only our record."""

import csv
import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import outdir
from autograder.render.gradebook import COLUMNS
from autograder.report.data import read_grades
from autograder.rubric import ITEMS
from tests.conftest import ROOT, SUBMISSIONS

ADAM_HW = Path(sys.executable).with_name("adam-hw")
REFERENCE = ROOT / "solutions" / "second_moment.py"


def adam_hw(*args):
    return subprocess.run([str(ADAM_HW), *map(str, args)], capture_output=True, text=True, timeout=300)


def rows(out):
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


@pytest.fixture(autouse=True)
def own_key(tmp_path, monkeypatch):
    """Each test's grader signs with a key of its own (outdir keeps it in $XDG_STATE_HOME/adam-hw/)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def klass(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(REFERENCE, subs / "ann.py")
    shutil.copy(SUBMISSIONS / "wrong" / "missing_pow_t.py", subs / "bob.py")
    shutil.copy(ROOT / "assignment" / "second_moment.py", subs / "cy.py")
    return subs


def test_the_header_keeps_the_old_columns_in_order_and_adds_new_ones_only_at_the_end():
    expected = ("student", "score", "max_score", *(i.id for i in ITEMS), "status", "late")
    assert COLUMNS[: len(expected)] == expected
    assert COLUMNS[len(expected) :] == ("final_score", "late_penalty")


def test_regrading_one_student_replaces_only_their_row(klass, tmp_path):
    out = tmp_path / "graded"
    assert adam_hw("grade", klass, "--out", out).returncode == 0
    before = rows(out)
    shutil.copy(REFERENCE, klass / "bob.py")  # bob fixes his file and is regraded alone
    run = adam_hw("grade", klass / "bob.py", "--out", out)
    assert run.returncode == 0, run.stderr
    after = rows(out)
    assert sorted(after) == ["ann", "bob", "cy"]
    assert after["ann"] == before["ann"] and after["cy"] == before["cy"]
    assert float(before["bob"]["score"]) < 100 and after["bob"]["score"] == "100"
    assert "grades.csv lists 3 students" in run.stdout


def test_status_tells_a_missing_file_from_a_stub_and_a_file_that_does_not_load(tmp_path):
    subs = tmp_path / "subs"
    (subs / "dan").mkdir(parents=True)  # a folder with nothing to grade
    shutil.copy(ROOT / "assignment" / "second_moment.py", subs / "stub.py")
    (subs / "broken.py").write_text("def update_v(:\n", encoding="utf-8")
    out = tmp_path / "graded"
    assert adam_hw("grade", subs, "--out", out).returncode == 0
    status = {s: r["status"] for s, r in rows(out).items()}
    assert status == {"dan": "no file found", "stub": "graded", "broken": "load error"}


def test_a_roster_gives_every_enrolled_student_a_row_and_its_late_flags(klass, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "student,lms_id,name,file,late\nann,101,Ann,,no\nbob,102,Bob,,yes\nzoe,103,Zoe,,\n", encoding="utf-8"
    )
    out = tmp_path / "graded"
    run = adam_hw("grade", klass, "--roster", roster, "--out", out)
    assert run.returncode == 0, run.stderr
    table = rows(out)
    assert table["zoe"]["status"] == "no file found" and table["zoe"]["score"] == "0"
    assert (table["ann"]["late"], table["bob"]["late"], table["zoe"]["late"]) == ("no", "yes", "")
    assert table["cy"]["late"] == ""  # found but not on the roster: graded all the same, and said so
    assert "not on the roster, graded all the same: cy" in run.stdout
    assert "4 students: 3 graded, 1 with no file found · this run graded 3 files in" in run.stdout
    # A regrade without the roster keeps the late flag the record had.
    assert adam_hw("grade", klass / "bob.py", "--out", out).returncode == 0
    assert rows(out)["bob"]["late"] == "yes"


def test_per_student_draws_follow_the_lms_id_so_a_renamed_student_keeps_their_cases(klass, tmp_path):
    seeds = []
    for name in ("bob", "robert"):
        subs = tmp_path / name
        subs.mkdir()
        shutil.copy(klass / "bob.py", subs / f"{name}.py")
        roster = subs / "roster.csv"
        roster.write_text(f"student,lms_id\n{name},4242\n", encoding="utf-8")
        out = tmp_path / f"out-{name}"
        assert adam_hw("grade", subs, "--roster", roster, "--per-student", "--out", out).returncode == 0
        seeds.append(json.loads((out / name / "results.json").read_text())["extra_data"]["seed"])
    assert seeds[0] == seeds[1]


@pytest.mark.parametrize(
    "damage",
    [
        "{not json",
        "[]",
        '{"format": "adam-hw gradebook record 1"}',
        "",
        '{"format": "someone else"}',
        "[" * 100_000,
    ],
)
def test_resume_grades_again_a_student_whose_record_is_corrupt_or_foreign_and_never_crashes(klass, tmp_path, damage):
    out = tmp_path / "graded"
    assert adam_hw("grade", klass, "--out", out).returncode == 0
    before = rows(out)
    (out / "bob" / "record.json").write_text(damage, encoding="utf-8")
    run = adam_hw("grade", klass, "--out", out, "--resume")
    assert run.returncode == 0, run.stderr
    assert "resumed: 2 kept from the earlier run, 1 graded now" in run.stdout
    assert rows(out) == before


def test_resume_never_reads_results_json(klass, tmp_path):
    out = tmp_path / "graded"
    assert adam_hw("grade", klass, "--out", out).returncode == 0
    (out / "ann" / "results.json").write_text("garbage", encoding="utf-8")
    run = adam_hw("grade", klass, "--out", out, "--resume")
    assert "resumed: 3 kept from the earlier run, 0 graded now" in run.stdout
    assert "3 students: 3 graded · this run graded 0 files in" in run.stdout


def test_a_corrupt_record_of_a_student_not_in_this_run_is_rebuilt_or_left_out_with_a_note(klass, tmp_path):
    out = tmp_path / "graded"
    assert adam_hw("grade", klass, "--out", out).returncode == 0
    before = rows(out)
    (out / "cy" / "record.json").write_text("{", encoding="utf-8")
    run = adam_hw("grade", klass / "ann.py", "--out", out)
    assert run.returncode == 0, run.stderr
    assert rows(out) == before  # rebuilt from cy's signed results.json
    assert "note: cy: record.json was damaged; the row was rebuilt" in run.stdout
    (out / "cy" / "record.json").write_text("{", encoding="utf-8")
    (out / "cy" / "results.json").write_text("{", encoding="utf-8")
    run = adam_hw("grade", klass / "ann.py", "--out", out)
    assert sorted(rows(out)) == ["ann", "bob"]
    assert "cy" in run.stdout and "until graded again" in run.stdout


def test_drop_removes_a_students_row_and_folder_and_refuses_an_unknown_one(klass, tmp_path):
    out = tmp_path / "graded"
    assert adam_hw("grade", klass, "--out", out).returncode == 0
    run = adam_hw("drop", out, "cy")
    assert run.returncode == 0, run.stderr
    assert sorted(rows(out)) == ["ann", "bob"] and not (out / "cy").exists()
    refused = adam_hw("drop", out, "ann", "nobody")
    assert refused.returncode == 2 and "nobody" in refused.stderr
    assert sorted(rows(out)) == ["ann", "bob"]  # nothing dropped when one name is wrong


def test_the_report_reads_item_columns_by_rubric_id_not_position(tmp_path):
    reordered = ["late", "status", *reversed([i.id for i in ITEMS]), "max_score", "score", "student"]
    cells = {"late": "yes", "status": "graded", "max_score": "100", "score": "100", "student": "ann"}
    cells.update({i.id: str(i.points) for i in ITEMS})
    (tmp_path / "grades.csv").write_text(",".join(reordered) + "\n" + ",".join(cells[c] for c in reordered) + "\n")
    scores, max_score, passed, item_ids = read_grades(tmp_path / "grades.csv")
    assert scores == (100.0,) and max_score == 100.0
    assert item_ids == [i.id for i in ITEMS]
    assert passed == {"ann": {i.id: True for i in ITEMS}}


def test_a_record_round_trips_and_anything_else_is_not_trusted(klass, tmp_path):
    out = tmp_path / "graded"
    assert adam_hw("grade", klass / "ann.py", "--out", out).returncode == 0
    record = outdir.read_record(out, "ann")
    assert record is not None and record.row.score == 100
    assert outdir.parse_record(record.to_json(), "ann") == record
    assert outdir.parse_record(record.to_json(), "bob") is None  # a record copied into another student's folder
    data = json.loads(record.to_json())
    data["row"]["score"] = "100"
    assert outdir.parse_record(json.dumps(data), "ann") is None
    signed = json.loads((out / "ann" / "record.json").read_text())
    (out / "ann" / "record.json").write_text(json.dumps(signed, indent=2, sort_keys=True))  # spacing is not content
    assert outdir.read_record(out, "ann") == record
    signed["row"]["items"][ITEMS[0].id] -= 1  # but every value is
    (out / "ann" / "record.json").write_text(json.dumps(signed))
    assert outdir.read_record(out, "ann") is None


def test_the_closing_line_counts_each_status_and_what_this_run_graded_and_kept(tmp_path):
    from autograder.render import summary
    from autograder.results import GradebookRow

    rows = [
        GradebookRow("ann", 100, 100, {}, "graded"),
        GradebookRow("bob", 0, 100, {}, "load error"),
        GradebookRow("zoe", 0, 100, {}, "no file found"),
        GradebookRow("cy", 50, 100, {}, "graded"),
    ]
    line = summary.render(rows, tmp_path, "basic", 2.0, kept={"cy"}).splitlines()[-3]
    assert line.startswith(
        "4 students: 2 graded, 1 with no file found, 1 with a load error · "
        "this run graded 2 files in 2.0 s and kept 1 from the earlier run · "
    )
    resumed = summary.render(rows[:1], tmp_path, "basic", 0.0, kept={"ann"}).splitlines()[-3]
    assert "this run graded 0 files in 0.0 s and kept 1 from the earlier run" in resumed
    assert "1 graded in" not in resumed


def test_collect_counts_a_group_submission_once_and_says_who_sent_no_code(tmp_path, capsys):
    from autograder.cli import main
    from tests.test_lms import CORRECT, GRADESCOPE_META, WRONG, make_zip

    files = {
        "submission_metadata.yml": GRADESCOPE_META,
        "submission_1001/second_moment.py": CORRECT,
        "submission_1002/second_moment.py": WRONG,
    }
    assert main(["collect", "gradescope", str(make_zip(tmp_path / "gs.zip", files)), "--out", str(tmp_path / "s")]) == 0
    out = capsys.readouterr().out
    assert "collected 2 submissions (1 of them a group's) from 3 students" in out


@pytest.mark.parametrize(
    "lost",
    [
        ("grades.csv",),
        ("ann/feedback.md",),
        ("ann/results.json",),
        ("ann/record.json",),
        ("ann/record.json", "ann/results.json"),
    ],
    ids="+".join,
)
def test_removing_any_file_of_a_gradebook_loses_no_row_without_saying_so(klass, tmp_path, lost):
    out = tmp_path / "graded"
    assert adam_hw("grade", klass, "--out", out).returncode == 0
    before = rows(out)
    for name in lost:
        (out / name).unlink()
    run = adam_hw("grade", klass / "bob.py", "--out", out)  # anyone's regrade rewrites grades.csv
    assert run.returncode == 0, run.stderr
    after = rows(out)
    notes = [line for line in run.stdout.splitlines() if line.startswith("note: ") and "ann" in line]
    if lost == ("grades.csv",):
        assert after == before and notes == []
    elif lost == ("ann/record.json", "ann/results.json"):
        assert sorted(after) == ["bob", "cy"]
        assert len(notes) == 1 and "was in grades.csv" in notes[0] and "graded again" in notes[0]
    else:
        assert after == before
        assert len(notes) == 1 and lost[0].split("/")[1] in notes[0]
        if lost == ("ann/record.json",):
            assert outdir.read_record(out, "ann") is not None  # written back from the signed results.json
            again = adam_hw("grade", klass / "bob.py", "--out", out)
            assert not any(line.startswith("note: ") and "ann" in line for line in again.stdout.splitlines())


def test_a_forged_results_json_gets_a_note_and_never_a_row(klass, tmp_path):
    out = tmp_path / "graded"
    assert adam_hw("grade", klass, "--out", out).returncode == 0
    (out / "bob" / "record.json").unlink()
    forged = json.loads((out / "ann" / "results.json").read_text())  # a 100, signed for ann
    (out / "bob" / "results.json").write_text(json.dumps(forged))  # copied into bob's folder
    (out / "mallory").mkdir()
    sealed = forged["extra_data"]["gradebook"]
    sealed["record"] = sealed["record"].replace('"ann"', '"mallory"')  # renamed: the signature no longer holds
    (out / "mallory" / "results.json").write_text(json.dumps(forged))
    run = adam_hw("grade", klass / "cy.py", "--out", out)
    assert run.returncode == 0, run.stderr
    assert sorted(rows(out)) == ["ann", "cy"]
    for student in ("bob", "mallory"):
        assert any(f"{student}/results.json is not one this grader signed" in line for line in run.stdout.splitlines())


def test_a_forged_record_json_never_makes_a_row(klass, tmp_path):
    out = tmp_path / "graded"
    assert adam_hw("grade", klass, "--out", out).returncode == 0
    before = rows(out)
    record = json.loads((out / "bob" / "record.json").read_text())
    record["row"]["score"] = 100  # bob gives himself full marks, in a record of the right form
    record["row"]["items"] = dict.fromkeys(record["row"]["items"], 100)
    (out / "bob" / "record.json").write_text(json.dumps(record))
    (out / "mallory").mkdir()
    record["row"]["student"] = "mallory"  # and a student who never submitted makes one up
    (out / "mallory" / "record.json").write_text(json.dumps(record))
    run = adam_hw("grade", klass / "cy.py", "--out", out)
    assert run.returncode == 0, run.stderr
    assert rows(out) == before  # bob's row comes back from his signed results.json; mallory has none
    notes = [line for line in run.stdout.splitlines() if line.startswith("note: ")]
    assert any("bob: record.json was not signed by this grader" in n and "rebuilt" in n for n in notes), notes
    assert any("mallory" in n and "left out" in n for n in notes), notes
    resumed = adam_hw("grade", klass, "--out", out, "--resume")
    assert "resumed: 3 kept from the earlier run, 0 graded now" in resumed.stdout  # bob's record written back
    assert rows(out) == before


def test_a_results_json_signed_with_another_key_is_not_trusted(klass, tmp_path, monkeypatch):
    out = tmp_path / "graded"
    assert adam_hw("grade", klass / "ann.py", "--out", out).returncode == 0
    (out / "ann" / "record.json").unlink()
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "another-machine"))
    rows_read, notes = outdir.read_gradebook(out)
    assert rows_read == [] and any("not one this grader signed" in n for n in notes)


def _one_line_error(run):
    assert run.returncode == 2, run.stdout + run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    return lines[0]


def test_grading_into_a_gradebook_of_another_term_is_refused_in_one_line_naming_the_term(klass, tmp_path):
    out = tmp_path / "graded"
    assert adam_hw("grade", klass, "--out", out).returncode == 0
    record = outdir.read_record(out, "ann")
    last_term = dataclasses.replace(record, term="2026-fall")  # ann was graded last term, by this grader
    (out / "ann" / "record.json").write_text(outdir.record_text(last_term))
    before = (out / "grades.csv").read_text()
    line = _one_line_error(adam_hw("grade", klass / "bob.py", "--out", out))
    assert "ann" in line and "term 2026-fall" in line and "--regrade-all" in line
    assert (out / "grades.csv").read_text() == before


def test_switching_to_per_student_draws_in_one_gradebook_needs_regrade_all_with_every_students_file(klass, tmp_path):
    out = tmp_path / "graded"
    assert adam_hw("grade", klass, "--out", out).returncode == 0
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    line = _one_line_error(adam_hw("grade", klass / "bob.py", "--per-student", "--out", out))
    assert "per-student" in line and "--regrade-all" in line
    line = _one_line_error(adam_hw("grade", klass / "bob.py", "--per-student", "--regrade-all", "--out", out))
    assert "ann" in line and "cy" in line and "--regrade-all" in line
    assert {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before  # nothing written
    run = adam_hw("grade", klass, "--per-student", "--regrade-all", "--out", out)
    assert run.returncode == 0, run.stderr
    for student in ("ann", "bob", "cy"):
        assert json.loads((out / student / "results.json").read_text())["extra_data"]["per_student"] is True


def test_a_signing_key_that_cannot_be_made_stops_the_run_before_grading_in_one_line(klass, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    run = adam_hw("grade", klass, "--out", tmp_path / "graded")
    line = _one_line_error(run)
    assert "XDG_STATE_HOME" in line and str(blocker) in line
    assert not list((tmp_path / "graded").glob("*/results.json"))


def test_a_late_flag_refreshed_by_resume_is_signed_into_results_json_too(klass, tmp_path):
    out = tmp_path / "graded"
    roster = tmp_path / "roster.csv"
    roster.write_text("student,lms_id,late\nann,1,no\nbob,2,no\ncy,3,no\n", encoding="utf-8")
    assert adam_hw("grade", klass, "--roster", roster, "--out", out).returncode == 0
    roster.write_text("student,lms_id,late\nann,1,no\nbob,2,yes\ncy,3,no\n", encoding="utf-8")
    run = adam_hw("grade", klass, "--roster", roster, "--out", out, "--resume")
    assert "resumed: 3 kept from the earlier run, 0 graded now" in run.stdout
    assert outdir.read_record(out, "bob").row.late == "yes"
    assert outdir.read_sealed(out, "bob") == outdir.read_record(out, "bob")  # the signed copy says the same
    (out / "bob" / "record.json").unlink()
    assert adam_hw("grade", klass / "ann.py", "--out", out).returncode == 0
    assert rows(out)["bob"]["late"] == "yes"  # rebuilt from results.json, with the refreshed flag
