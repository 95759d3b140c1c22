"""LMS round trips: `adam-hw collect` turns an LMS's download into one folder per student and a roster;
`adam-hw export` fills the LMS's own gradebook export with the grades, for re-import.

One module per LMS (`canvas.py`, `moodle.py`, `gradescope.py`), each reading its download's names as the
LMS writes them (see each module's docstring); `archive.py` reads a download safely, folder or zip. What
they implement and share is in two leaves below them: `download.py` (`Download`, `Pick` and the helpers
that read a download's names) and `fill.py` (`Export`, `Filled`, `points`). This module only dispatches:
it imports the LMS modules, and none of them imports it.
"""

import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

from autograder import csvsafe, roster
from autograder.discover import MODULE
from autograder.errors import UsageError
from autograder.lms import archive, canvas, gradescope, moodle, numbers
from autograder.lms.download import Download
from autograder.lms.fill import Export, read_csv

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo


def _parsers() -> dict["LmsName", Download]:
    return {"canvas": canvas, "moodle": moodle, "gradescope": gradescope}


LmsName = Literal["canvas", "moodle", "gradescope"]
LMS_NAMES: tuple[LmsName, ...] = get_args(LmsName)


def collect(
    lms: LmsName,
    src: str | Path,
    out: str | Path,
    worksheet: str | Path | None = None,
    zone: "ZoneInfo | None" = None,
) -> tuple[list[roster.Entry], list[str]]:
    """Read the download at `src` (folder or zip) and write `out/<student>/second_moment.<ext>` for each
    student's latest attempt, and `out/roster.csv`. Returns (entries, notes). Moodle's download has no
    submission times: its grading `worksheet`, read in the time zone `zone`, gives them (moodle.with_times)."""
    parser = _parsers()[lms]
    if lms != "moodle" and (worksheet is not None or zone is not None):
        raise UsageError("--worksheet and --lms-timezone are for moodle (its download carries no submission times)")
    if zone is not None and worksheet is None:
        raise UsageError("--lms-timezone reads the times of --worksheet: give Moodle's grading worksheet too")
    picks, notes = parser.picks(archive.members(src))
    if lms == "moodle":
        picks, timed = moodle.with_times(picks, worksheet, zone)
        notes += timed
    counts = Counter(p.student for p in picks)
    clash = sorted(s for s, n in counts.items() if n > 1)
    if clash:
        raise UsageError(f"SRC: two students would get the id {clash[0]!r}: is the download from one assignment?")
    if not picks:
        raise UsageError(f"SRC: no {lms} submissions found in {src} (is it {parser.WHAT}?)")
    out = Path(out)
    if out.exists() and (not out.is_dir() or out.is_symlink()):
        raise UsageError(f"--out must be a folder, got {out}")
    old_roster = out / "roster.csv"
    if out.is_dir() and any(out.iterdir()):
        if not old_roster.is_file():
            raise UsageError(
                f"--out: {out} is not empty and holds no roster.csv from an earlier collect: give a new folder"
            )
        for entry in roster.read(old_roster, flag="--out"):  # collecting again replaces the earlier download
            folder = out / entry.student
            if folder.is_dir() and not folder.is_symlink():
                shutil.rmtree(folder)
    entries: list[roster.Entry] = []
    for pick in sorted(picks, key=lambda p: p.student):
        data = pick.member.read() if pick.member is not None else None
        if pick.member is not None and data is None:
            notes.append(
                f"{pick.student}: {pick.member.path} is larger than {archive.MAX_FILE // 2**20} MB, "
                "not copied (status: no file found)"
            )
        if (
            pick.member is not None and data is not None
        ):  # else no folder: `grade --roster` gives the row status "no file found"
            folder = out / pick.student
            if folder.is_symlink():
                raise UsageError(f"--out: {folder} is a symbolic link: give a new folder")
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{MODULE}{pick.member.path.suffix}").write_bytes(data)
        original = pick.member.path.name if pick.member else ""
        entries.append(
            roster.Entry(pick.student, pick.lms_id, pick.name, original, pick.late, pick.group, pick.submitted)
        )
    roster.write(old_roster, entries)
    return entries, notes


@dataclass(frozen=True)
class Grades:
    """What the gradebook gives an export: lms_id -> (score, max_score) to enter, the roster's students
    graded here with no file (entered as 0, or left blank with --blank-missing), and those with no row."""

    scores: dict[str, tuple[float, float]]
    missing: list[str]
    ungraded: list[str]


def graded_scores(graded: str | Path, roster_path: str | Path, blank_missing: bool = False) -> Grades:
    """The grades to export for the roster's students from `graded`'s grades.csv: each final score (after
    the late policy), out of max_score. A student with no file
    (status `no file found`) gets 0, as grades.csv says, unless `blank_missing`; a student grades.csv
    does not list gets nothing."""
    from autograder.report.data import read_rows

    entries = roster.read(roster_path)
    rows = {r["student"]: r for r in read_rows(Path(graded) / "grades.csv")}
    grades = Grades({}, [], [])
    for e in entries:
        row = rows.get(e.student)
        if not e.lms_id:
            raise UsageError(f"--roster: {roster_path}: student {e.student!r} has no lms_id to match the LMS's file by")
        if row is None or row.get("status") == "grader error":  # no grade yet (a grader error: see grade --resume)
            grades.ungraded.append(e.student)
            continue
        if row.get("status") == "no file found":
            grades.missing.append(e.student)
            if blank_missing:
                continue
        where = f"{Path(graded) / 'grades.csv'}, {e.student!r}"
        # The final score, after the late policy (autograder/late.py); a grades.csv from before it has none.
        final = row.get("final_score") or row["score"]
        score, maximum = _ours(final, f"{where}'s final_score"), _ours(row["max_score"], where)
        if score > maximum:  # the grader never writes one (part 5 as a bonus is capped): an edited file
            raise UsageError(
                f"{where}'s final_score {final} is above its max_score {row['max_score']}: grade the student again"
            )
        grades.scores[e.lms_id] = (score, maximum)
    return grades


def _ours(text: str, where: str) -> float:
    """A number of grades.csv's (the grader writes them with a point, never in a locale's form)."""
    try:
        return float(text)
    except ValueError:
        raise UsageError(f"{where} is {text!r}, not a number: grade the student again") from None


def export(
    lms: Literal["canvas", "moodle"],
    lms_csv: str | Path,
    graded: str | Path,
    roster_path: str | Path,
    out: str | Path,
    assignment: str | None = None,
    decimal: numbers.DecimalMark | None = None,
    blank_missing: bool = False,
) -> tuple[int, list[str]]:
    """Write `out`: the LMS's own export `lms_csv` with this assignment's grades filled in, matched by LMS id.
    Returns (filled, notes). UsageError, and nothing written, when a number in the file cannot be read as
    meant, a column the LMS's import needs is missing, or nothing would be filled."""
    grades = graded_scores(graded, roster_path, blank_missing)
    scores = grades.scores
    header, rows = read_csv(lms_csv, "LMS_CSV")
    exports: dict[str, Export] = {"canvas": canvas, "moodle": moodle}
    done = exports[lms].fill(header, rows, scores, assignment, decimal)
    if not done.filled:
        raise UsageError(
            f"LMS_CSV: none of the {len(scores)} students graded in {graded} is in {lms_csv} by LMS id (nothing "
            "to export): give the export of the course the download came from, and --roster the roster.csv "
            "`adam-hw collect` wrote for that download"
        )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(csvsafe.render([header, *done.rows]), encoding="utf-8")  # the LMS's cells are Raw: unchanged
    notes = list(done.notes)
    if grades.missing:
        how = "left blank (--blank-missing)" if blank_missing else "exported as 0 (--blank-missing leaves them blank)"
        notes.append(f"no file found, {how}: {', '.join(grades.missing)}")
    if grades.ungraded:
        notes.append(f"no grade in {graded} (left as they were): {', '.join(grades.ungraded)}")
    if done.unmatched:
        notes.append(f"graded but not in {lms_csv} (not exported): LMS ids {', '.join(sorted(done.unmatched))}")
    if done.untouched:
        notes.append(
            f"left blank or as they were in {out}: {len(done.untouched)} of the file's students: "
            + ", ".join(done.untouched)
        )
    return done.filled, notes
