"""LMS round trips: downloads shaped like Canvas's, Moodle's and Gradescope's become student folders and a roster, and grades go back into each LMS's own export."""

import csv
import io
import os
import re
import shlex
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import lms, roster
from autograder.errors import UsageError
from autograder.lms import archive
from tests.conftest import ROOT, SUBMISSIONS

ADAM_HW = Path(sys.executable).with_name("adam-hw")
CORRECT = (SUBMISSIONS / "correct" / "plain_operators.py").read_bytes()
WRONG = (SUBMISSIONS / "wrong" / "missing_pow_t.py").read_bytes()
NOTEBOOK = (ROOT / "assignment" / "second_moment.ipynb").read_bytes()


def adam_hw(*args):
    return subprocess.run([str(ADAM_HW), *map(str, args)], capture_output=True, text=True, timeout=300)


def make_zip(path, files, links=()):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
        for name, target in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, target)
    return path


def read_roster(out):
    return {e.student: e for e in roster.read(out / "roster.csv")}


CANVAS = {
    "leejane_33333_67800_second_moment.py": WRONG,
    "leejane_33333_67892_second_moment-1.py": CORRECT,  # the resubmission: graded, not a second student
    "kimdan_late_44444_67900_second_moment.py": CORRECT,
    "wumei_66666_68001_Homework3.ipynb": NOTEBOOK,
    "parkjo_55555_67950_notes.txt": b"no code, sorry\n",
}


def test_canvas_resubmissions_are_one_student_graded_on_the_latest_attempt(tmp_path):
    out = tmp_path / "subs"
    entries, _ = lms.collect("canvas", make_zip(tmp_path / "canvas.zip", CANVAS), out)
    people = {e.student: e for e in entries}
    assert sorted(people) == ["kimdan_44444", "leejane_33333", "parkjo_55555", "wumei_66666"]
    assert (out / "leejane_33333" / "second_moment.py").read_bytes() == CORRECT
    assert people["leejane_33333"].file == "leejane_33333_67892_second_moment-1.py"
    assert (people["kimdan_44444"].late, people["leejane_33333"].late) == ("yes", "no")
    assert people["wumei_66666"].lms_id == "66666"
    assert (out / "wumei_66666" / "second_moment.ipynb").read_bytes() == NOTEBOOK
    assert not (out / "parkjo_55555").exists() and people["parkjo_55555"].file == ""
    assert read_roster(out) == people


def test_canvas_picks_the_highest_submission_id_whatever_the_order_in_the_zip(tmp_path):
    files = {
        "ab_1_20_second_moment-2.py": CORRECT,
        "ab_1_9_second_moment.py": WRONG,
        "ab_1_15_second_moment-1.py": WRONG,
    }
    lms.collect("canvas", make_zip(tmp_path / "c.zip", files), tmp_path / "out")
    assert (tmp_path / "out" / "ab_1" / "second_moment.py").read_bytes() == CORRECT


def test_moodle_folders_become_students_named_by_name_and_participant_id(tmp_path):
    files = {
        "Jane Doe_12345_assignsubmission_file_/second_moment.py": CORRECT,
        "José Núñez_12346_assignsubmission_file_/work/second_moment.ipynb": NOTEBOOK,
        "Al Smith_12347_assignsubmission_onlinetext_/onlinetext.html": b"<p>see attached</p>",
        "Bo Li_12348_assignsubmission_file_second_moment.py": WRONG,  # "download in folders" off
    }
    out = tmp_path / "subs"
    entries, _ = lms.collect("moodle", make_zip(tmp_path / "moodle.zip", files), out)
    people = {e.student: e for e in entries}
    assert sorted(people) == ["al-smith_12347", "bo-li_12348", "jane-doe_12345", "jose-nunez_12346"]
    assert people["jose-nunez_12346"].name == "José Núñez" and people["jose-nunez_12346"].lms_id == "12346"
    assert (out / "jose-nunez_12346" / "second_moment.ipynb").read_bytes() == NOTEBOOK
    assert (out / "bo-li_12348" / "second_moment.py").read_bytes() == WRONG
    assert not (out / "al-smith_12347").exists()


GRADESCOPE_META = """\
submission_1001:
  :submitters:
  - :name: Ana Lima
    :sid: '9001'
    :email: ana@example.edu
  :created_at: 2027-02-01 10:00:00.000000000 -08:00
  :score: 0.0
submission_1002:
  :submitters:
  - :name: Ben Ng
    :sid: '9003'
    :email: ben@example.edu
  - :name: Cleo Park
    :sid: '9002'
    :email: cleo@example.edu
  :created_at: 2027-02-02 11:00:00.000000000 -08:00
"""


def test_gradescope_uses_names_and_sids_and_gives_each_group_member_the_groups_file(tmp_path):
    files = {
        "assignment_777_export/submission_metadata.yml": GRADESCOPE_META,
        "assignment_777_export/submission_1001/second_moment.py": CORRECT,
        "assignment_777_export/submission_1002/second_moment.py": WRONG,
        "__MACOSX/assignment_777_export/._submission_metadata.yml": b"\0",
    }
    out = tmp_path / "subs"
    entries, _ = lms.collect("gradescope", make_zip(tmp_path / "gs.zip", files), out)
    people = {e.student: e for e in entries}
    assert sorted(people) == ["ana-lima_9001", "ben-ng_9003", "cleo-park_9002"]
    assert people["ana-lima_9001"].name == "Ana Lima" and people["ana-lima_9001"].group == ""
    assert people["ben-ng_9003"].group == people["cleo-park_9002"].group == "9002+9003"
    assert people["ben-ng_9003"].seed_id == people["cleo-park_9002"].seed_id  # one group, one draw
    assert (out / "cleo-park_9002" / "second_moment.py").read_bytes() == WRONG
    assert read_roster(out)["ben-ng_9003"].group == "9002+9003"


def test_a_zip_cannot_write_outside_its_folder_or_plant_a_link(tmp_path):
    files = {
        "../evil_1_2_second_moment.py": CORRECT,
        "/abs_3_4_second_moment.py": CORRECT,
        "ok_5_6_second_moment.py": CORRECT,
    }
    path = make_zip(tmp_path / "bad.zip", files, links=[("lnk_7_8_second_moment.py", "/etc/passwd")])
    entries, _ = lms.collect("canvas", path, tmp_path / "deep" / "out")
    assert [e.student for e in entries] == ["ok_5"]
    assert sorted(p.name for p in (tmp_path / "deep").rglob("*")) == ["ok_5", "out", "roster.csv", "second_moment.py"]
    assert not (tmp_path / "evil_1").exists() and not Path("/abs_3").exists()


def test_a_zip_bomb_is_refused_and_a_huge_member_is_never_read_past_the_cap(tmp_path, monkeypatch):
    big = make_zip(tmp_path / "big.zip", {"ab_1_2_second_moment.py": b"#" * 5_000_000})  # compresses to a few KB
    monkeypatch.setattr(archive, "MAX_TOTAL", 1_000_000)
    with pytest.raises(UsageError, match="zip bomb"):
        archive.members(big)
    monkeypatch.setattr(archive, "MAX_TOTAL", 10**12)
    monkeypatch.setattr(archive, "MAX_FILE", 1_000_000)
    entries, notes = lms.collect("canvas", big, tmp_path / "out")
    assert entries[0].student == "ab_1" and not (tmp_path / "out" / "ab_1").exists()
    assert any("larger than" in n for n in notes)


def test_a_folder_download_is_read_without_following_links(tmp_path):
    src = tmp_path / "download"
    src.mkdir()
    (src / "ab_1_2_second_moment.py").write_bytes(CORRECT)
    (src / "cd_3_4_second_moment.py").symlink_to(ROOT / "solutions" / "second_moment.py")
    entries, _ = lms.collect("canvas", src, tmp_path / "out")
    assert [e.student for e in entries] == ["ab_1"]


def test_collecting_into_a_folder_that_is_not_an_earlier_collect_is_a_usage_error(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "mine.txt").write_text("keep me")
    run = adam_hw("collect", "canvas", ROOT / "examples" / "canvas-download", "--out", tmp_path / "out")
    assert run.returncode == 2 and "--out" in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert (tmp_path / "out" / "mine.txt").read_text() == "keep me"


def test_canvas_round_trip_collect_grade_export_fills_the_assignment_column_by_user_id(tmp_path):
    subs, graded, upload = tmp_path / "subs", tmp_path / "graded", tmp_path / "canvas-import.csv"
    assert adam_hw("collect", "canvas", ROOT / "examples" / "canvas-download", "--out", subs).returncode == 0
    run = adam_hw("grade", subs, "--roster", subs / "roster.csv", "--out", graded)
    assert run.returncode == 0, run.stderr
    export = adam_hw(
        "export",
        "canvas",
        ROOT / "examples" / "canvas-gradebook.csv",
        "--grades",
        graded,
        "--roster",
        subs / "roster.csv",
        "--out",
        upload,
        "--assignment",
        "Second moment",
    )
    assert export.returncode == 0, export.stderr
    with open(upload, newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    original = list(csv.reader(io.StringIO((ROOT / "examples" / "canvas-gradebook.csv").read_text())))
    assert table[0] == original[0] and table[1] == original[1]  # header and Points Possible kept
    by_id = {row[1]: row for row in table[2:]}
    assert by_id["33333"][5] == "20" and by_id["44444"][5] == "20"  # 100/100 scaled to 20 points possible
    assert by_id["55555"][5] == "0"  # no file: 0, as grades.csv says (--blank-missing leaves it blank)
    assert by_id["33333"][6] == "5.00"  # another assignment's column is untouched
    assert "no file found, exported as 0" in export.stdout and "parkjo_55555" in export.stdout


def test_moodle_export_fills_the_grade_of_each_participant(tmp_path):
    graded = tmp_path / "graded"
    graded.mkdir()
    (graded / "grades.csv").write_text(
        "student,score,max_score,status,late\njane-doe_12345,68,100,graded,\nbo-li_12348,0,100,no file found,\n"
    )
    ros = roster.write(
        tmp_path / "roster.csv", [roster.Entry("jane-doe_12345", "12345"), roster.Entry("bo-li_12348", "12348")]
    )
    sheet = tmp_path / "worksheet.csv"
    sheet.write_text(
        "Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
        "Last modified (submission),Last modified (grade),Feedback comments\n"
        "Participant 12345,Jane Doe,jane@example.edu,Submitted for grading,,10.00,Yes,-,-,\n"
        "Participant 12348,Bo Li,bo@example.edu,No submission,,10.00,Yes,-,-,\n",
        encoding="utf-8",
    )
    filled, notes = lms.export("moodle", sheet, graded, ros, tmp_path / "upload.csv")
    rows = list(csv.DictReader((tmp_path / "upload.csv").read_text(encoding="utf-8").splitlines()))
    assert filled == 2
    assert [r["Grade"] for r in rows] == ["6.8", "0"]  # no file: 0 (--blank-missing leaves it blank)
    assert any("bo-li_12348" in n for n in notes)


def test_canvas_export_with_several_assignments_and_no_choice_names_them(tmp_path):
    graded = tmp_path / "graded"
    graded.mkdir()
    (graded / "grades.csv").write_text("student,score,max_score\na_1,50,100\n")
    ros = roster.write(tmp_path / "roster.csv", [roster.Entry("a_1", "1")])
    sheet = tmp_path / "gb.csv"
    sheet.write_text('Student,ID,SIS User ID,SIS Login ID,Section,HW1 (10),HW2 (11)\n"A",1,,,,,\n')
    with pytest.raises(UsageError, match=r"--assignment.*HW1 \(10\); HW2 \(11\)"):
        lms.export("canvas", sheet, graded, ros, tmp_path / "o.csv")
    lms.export("canvas", sheet, graded, ros, tmp_path / "o.csv", assignment="11")
    assert list(csv.reader((tmp_path / "o.csv").read_text().splitlines()))[1] == ["A", "1", "", "", "", "", "50"]


def test_the_example_class_and_download_stay_as_the_readme_describes():
    assert sorted(p.name for p in (ROOT / "examples" / "class").iterdir()) == ["ann.py", "bob.py", "cy.py", "dee"]
    names = sorted(p.name for p in (ROOT / "examples" / "canvas-download").iterdir())
    assert [lms.canvas.parse(archive.Member(Path(n), 0, (), None)) is not None for n in names] == [True] * 4


def test_collects_next_hint_runs_as_printed_and_grades_beside_the_collected_folder(tmp_path):
    work = tmp_path / "my course"
    work.mkdir()
    # Typed from the checkout's top, as the README does: the venv's adam-hw by its relative path.
    venv = os.path.relpath(Path(sys.executable).parent.parent, work)
    collect = subprocess.run(
        [
            f"{venv}/bin/adam-hw",
            "collect",
            "canvas",
            str(ROOT / "examples" / "canvas-download"),
            "--out",
            "fall 2027-subs/",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collect.returncode == 0, collect.stderr
    (hint,) = [line.removeprefix("next: ") for line in collect.stdout.splitlines() if line.startswith("next: ")]
    assert "graded/" not in shlex.split(hint)  # the example class's gradebook is not this class's
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["PATH"] = "/usr/bin:/bin"  # not activated: the hint must name the adam-hw that ran
    ran = subprocess.run(["bash", "-c", hint], cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    graded = {r["student"] for r in csv.DictReader((work / "fall 2027-graded" / "grades.csv").open())}
    assert graded == {e.student for e in roster.read(work / "fall 2027-subs" / "roster.csv")}


def test_export_to_gradescope_says_how_grades_get_there_instead(tmp_path):
    done = adam_hw(
        "export",
        "gradescope",
        tmp_path / "x.csv",
        "--grades",
        tmp_path,
        "--roster",
        tmp_path / "r.csv",
        "--out",
        tmp_path / "o.csv",
    )
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "adam-hw gradescope --out autograder.zip" in line and "canvas" in line and "moodle" in line


# One student's download is theirs to fill: whatever it holds costs only that student, never the class.


@pytest.mark.parametrize("base", ["assignment_777_export/", ""])
def test_a_students_own_submission_metadata_yml_is_their_file_not_gradescopes(tmp_path, base):
    files = {
        f"{base}submission_metadata.yml": GRADESCOPE_META,
        f"{base}submission_1001/second_moment.py": CORRECT,
        f"{base}submission_1001/submission_metadata.yml": "submission_1001:\n  :submitters: []\n",
        f"{base}submission_1002/second_moment.py": WRONG,
        f"{base}submission_1002/sub/submission_metadata.yml": "not: [yaml",
    }
    entries, _ = lms.collect("gradescope", make_zip(tmp_path / "gs.zip", files), tmp_path / "subs")
    assert sorted(e.student for e in entries) == ["ana-lima_9001", "ben-ng_9003", "cleo-park_9002"]
    assert (tmp_path / "subs" / "ana-lima_9001" / "second_moment.py").read_bytes() == CORRECT


@pytest.mark.slow  # about 20 s: 200,001 zip entries written, then listed
def test_one_students_200001_files_skip_that_student_alone_with_a_note(tmp_path):
    path = tmp_path / "moodle.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("Jane Doe_12345_assignsubmission_file_/second_moment.py", CORRECT)
        z.writestr("Bo Li_12348_assignsubmission_file_/second_moment.py", WRONG)
        for i in range(200_001):
            z.writestr(f"Bo Li_12348_assignsubmission_file_/junk/{i}.txt", b"")
    entries, notes = lms.collect("moodle", path, tmp_path / "subs")
    people = {e.student: e for e in entries}
    assert sorted(people) == ["bo-li_12348", "jane-doe_12345"]
    assert people["bo-li_12348"].file == "" and not (tmp_path / "subs" / "bo-li_12348").exists()
    assert (tmp_path / "subs" / "jane-doe_12345" / "second_moment.py").read_bytes() == CORRECT
    (note,) = [n for n in notes if "Bo Li" in n or "bo-li" in n]
    assert "200002 files" in note and str(archive.STUDENT.members) in note


def test_a_students_folder_nested_too_deep_skips_that_student_alone(tmp_path):
    src = tmp_path / "download"
    (src / "Jane Doe_12345_assignsubmission_file_").mkdir(parents=True)
    (src / "Jane Doe_12345_assignsubmission_file_" / "second_moment.py").write_bytes(CORRECT)
    deep = src / "Bo Li_12348_assignsubmission_file_"
    for _ in range(archive.STUDENT.depth + 1):
        deep = deep / "d"
    deep.mkdir(parents=True)
    (deep / "second_moment.py").write_bytes(WRONG)
    deeper = src / "Al Smith_12347_assignsubmission_file_"  # deeper than the walk goes: never listed whole
    (deeper / "second_moment.py").parent.mkdir(parents=True)
    (deeper / "second_moment.py").write_bytes(CORRECT)
    for _ in range(archive.WALK_DEPTH * 2):
        deeper = deeper / "d"
    deeper.mkdir(parents=True)
    entries, notes = lms.collect("moodle", src, tmp_path / "subs")
    people = {e.student: e for e in entries}
    assert sorted(people) == ["al-smith_12347", "bo-li_12348", "jane-doe_12345"]
    assert people["bo-li_12348"].file == people["al-smith_12347"].file == ""
    assert (tmp_path / "subs" / "jane-doe_12345" / "second_moment.py").read_bytes() == CORRECT
    assert sum(f"{archive.STUDENT.depth} folders deep" in n for n in notes) == 2


def test_one_students_bytes_over_the_limit_skip_that_student_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "STUDENT", archive.Limits(bytes=1_000_000))
    files = {
        "ab_1_2_second_moment.py": CORRECT,
        "cd_3_4_second_moment.py": CORRECT,
        "cd_3_5_data.bin": b"0" * 2_000_000,
    }
    entries, notes = lms.collect("canvas", make_zip(tmp_path / "c.zip", files), tmp_path / "subs")
    assert {e.student: e.file for e in entries} == {"ab_1": "ab_1_2_second_moment.py", "cd_3": ""}
    assert any("cd_3" in n and "1000000 bytes" in n for n in notes)


def test_a_folder_download_is_bounded_as_a_whole_like_a_zip(tmp_path, monkeypatch):
    src = tmp_path / "download"
    src.mkdir()
    for i in range(11):
        (src / f"s{i}_{i}_1_second_moment.py").write_bytes(CORRECT)
    monkeypatch.setattr(archive, "MAX_MEMBERS", 10)
    with pytest.raises(UsageError, match="more than 10"):
        archive.members(src)


def test_the_readme_states_the_download_limits_the_code_applies():
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    gib = 1024**3
    stated = [
        f"more than {archive.STUDENT.members:,} files or {archive.STUDENT.bytes // gib} GB",
        f"more than {archive.STUDENT.depth} folders below their own",
        f"more than {archive.MAX_MEMBERS:,} entries or {archive.MAX_TOTAL // gib} GB",
        f"read up to {archive.MAX_FILE // 2**20} MB at most",
    ]
    assert [s for s in stated if s not in text] == []


# -- numbers in an LMS's file: every locale form, and never a wrong grade quietly ---------------------------

MOODLE_HEADER = (
    "Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,"
    "Last modified (submission),Last modified (grade),Feedback comments\n"
)


def _moodle(tmp_path, maximum="10.00", header=MOODLE_HEADER, rows=None):
    graded = tmp_path / "graded"
    graded.mkdir(exist_ok=True)
    (graded / "grades.csv").write_text(
        "student,score,max_score,status,late\njane-doe_12345,68,100,graded,\nbo-li_12348,0,100,no file found,\n"
    )
    ros = roster.write(
        tmp_path / "roster.csv", [roster.Entry("jane-doe_12345", "12345"), roster.Entry("bo-li_12348", "12348")]
    )
    sheet = tmp_path / "worksheet.csv"
    body = rows or [
        f'Participant 12345,Jane Doe,jane@example.edu,Submitted for grading,,"{maximum}",Yes,-,-,\n',
        f'Participant 12348,Bo Li,bo@example.edu,No submission,,"{maximum}",Yes,-,-,\n',
        f'Participant 12349,Al Smith,al@example.edu,No submission,,"{maximum}",Yes,-,-,\n',
    ]
    sheet.write_text(header + "".join(body), encoding="utf-8")
    return sheet, graded, ros


def _grades_written(path):
    return [r["Grade"] for r in csv.DictReader(path.read_text(encoding="utf-8").splitlines())]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10.00", 10.0),
        ("10,00", 10.0),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1 234,5", 1234.5),
        ("1\u202f234,5", 1234.5),
        ("0,125", 0.125),
        ("20", 20.0),
        ("1.234.567", 1234567.0),
    ],
)
def test_a_number_in_any_of_the_lms_locale_forms_is_read_as_meant(text, value):
    assert lms.numbers.parse(text, "Maximum Grade, line 2") == value


@pytest.mark.parametrize(("text", "comma", "point"), [("1,234", 1.234, 1234.0), ("1.234", 1234.0, 1.234)])
def test_an_ambiguous_number_is_an_error_naming_the_column_unless_the_decimal_mark_is_given(text, comma, point):
    with pytest.raises(UsageError, match=r"Maximum Grade, line 2.*--decimal"):
        lms.numbers.parse(text, "Maximum Grade, line 2")
    assert lms.numbers.parse(text, "x", "comma") == comma
    assert lms.numbers.parse(text, "x", "point") == point


@pytest.mark.parametrize("text", ["ten", "1,2,3", "1.2.3,4,5", "", "--1", "1,23,456"])
def test_an_unreadable_number_is_an_error_naming_the_column(text):
    with pytest.raises(UsageError, match="Maximum Grade, line 2"):
        lms.numbers.parse(text, "Maximum Grade, line 2")


def test_a_decimal_comma_worksheet_gets_grades_scaled_to_its_maximum_and_written_its_way(tmp_path):
    sheet, graded, ros = _moodle(tmp_path, maximum="10,00")
    filled, _ = lms.export("moodle", sheet, graded, ros, tmp_path / "upload.csv")
    assert filled >= 1 and _grades_written(tmp_path / "upload.csv")[0] == "6,8"  # not 68 (Moodle skips > max)


def test_an_ambiguous_maximum_grade_is_refused_unless_decimal_is_given(tmp_path, capsys):
    from autograder.cli import main

    sheet, graded, ros = _moodle(tmp_path, maximum="1,000")
    args = ["export", "moodle", str(sheet), "--grades", str(graded), "--roster", str(ros), "--out"]
    assert main([*args, str(tmp_path / "u.csv")]) == 2
    err = capsys.readouterr().err
    assert "Maximum Grade" in err and "--decimal" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "u.csv").exists()
    assert main([*args, str(tmp_path / "u.csv"), "--decimal", "point"]) == 0
    assert _grades_written(tmp_path / "u.csv")[0] == "680"


@pytest.mark.parametrize("column", ["Maximum Grade", "Last modified (grade)", "Identifier", "Grade"])
def test_a_worksheet_missing_a_column_moodles_upload_needs_is_an_error_naming_it(tmp_path, column):
    header = MOODLE_HEADER.replace(f",{column}", "") if column != "Identifier" else MOODLE_HEADER[11:]
    rows = ["Participant 12345,Jane Doe,jane@example.edu,Submitted for grading,,10.00,Yes,-,-\n"]
    sheet, graded, ros = _moodle(tmp_path, header=header, rows=rows)
    with pytest.raises(UsageError, match=re.escape(repr(column))):
        lms.export("moodle", sheet, graded, ros, tmp_path / "upload.csv")
    assert not (tmp_path / "upload.csv").exists()


def test_an_unreadable_points_possible_is_an_error_naming_it(tmp_path):
    graded = tmp_path / "graded"
    graded.mkdir()
    (graded / "grades.csv").write_text("student,score,max_score\na_1,50,100\n")
    ros = roster.write(tmp_path / "roster.csv", [roster.Entry("a_1", "1")])
    sheet = tmp_path / "gb.csv"
    sheet.write_text("Student,ID,SIS User ID,SIS Login ID,Section,HW (10)\n    Points Possible,,,,,twenty\nA,1,,,,\n")
    with pytest.raises(UsageError, match=r"Points Possible.*HW \(10\).*twenty"):
        lms.export("canvas", sheet, graded, ros, tmp_path / "o.csv")


def test_an_export_that_fills_nothing_is_an_error_naming_the_fix_and_writes_nothing(tmp_path):
    graded = tmp_path / "graded"
    graded.mkdir()
    (graded / "grades.csv").write_text("student,score,max_score,status,late\nzed_9,50,100,graded,\n")
    ros = roster.write(tmp_path / "roster.csv", [roster.Entry("zed_9", "9")])
    with pytest.raises(UsageError, match="--roster"):
        lms.export("canvas", ROOT / "examples" / "canvas-gradebook.csv", graded, ros, tmp_path / "o.csv", "67800")
    assert not (tmp_path / "o.csv").exists()


def test_the_export_lists_every_lms_row_it_left_blank(tmp_path):
    sheet, graded, ros = _moodle(tmp_path)
    _, notes = lms.export("moodle", sheet, graded, ros, tmp_path / "upload.csv")
    assert any(n.startswith("left blank") and "Al Smith (12349)" in n for n in notes)


def test_blank_missing_leaves_a_student_with_no_file_blank_and_says_so(tmp_path):
    sheet, graded, ros = _moodle(tmp_path)
    filled, notes = lms.export("moodle", sheet, graded, ros, tmp_path / "upload.csv", blank_missing=True)
    assert filled == 1 and _grades_written(tmp_path / "upload.csv") == ["6.8", "", ""]
    assert any(n.startswith("no file found, left blank (--blank-missing)") and "bo-li_12348" in n for n in notes)
    lms.export("moodle", sheet, graded, ros, tmp_path / "zero.csv")
    assert _grades_written(tmp_path / "zero.csv") == ["6.8", "0", ""]


def test_gradescope_submission_times_reach_the_roster_with_their_zone(tmp_path):
    files = {
        "submission_metadata.yml": GRADESCOPE_META,
        "submission_1001/second_moment.py": CORRECT,
        "submission_1002/second_moment.py": WRONG,
    }
    lms.collect("gradescope", make_zip(tmp_path / "gs.zip", files), tmp_path / "subs")
    times = {s: e.submitted for s, e in read_roster(tmp_path / "subs").items()}
    assert times == {
        "ana-lima_9001": "2027-02-01T10:00:00-08:00",
        "ben-ng_9003": "2027-02-02T11:00:00-08:00",
        "cleo-park_9002": "2027-02-02T11:00:00-08:00",
    }


def test_canvas_and_moodle_rosters_carry_no_submitted_column(tmp_path):
    lms.collect("canvas", make_zip(tmp_path / "canvas.zip", CANVAS), tmp_path / "subs")
    assert (tmp_path / "subs" / "roster.csv").read_text().splitlines()[0] == "student,lms_id,name,file,late"
