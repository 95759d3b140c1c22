"""LMS round trips: `adam-hw collect` turns an LMS's download into one folder per student and a roster;
`adam-hw export` fills the LMS's own gradebook export with the grades, for re-import.

One module per LMS (`canvas.py`, `moodle.py`, `gradescope.py`), each reading its download's names as the
LMS writes them (see each module's docstring); `archive.py` reads a download safely, folder or zip.
"""

import re
import shutil
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, get_args

from autograder import csvsafe, roster
from autograder.discover import KINDS, MODULE
from autograder.errors import UsageError
from autograder.lms import archive, numbers

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from _typeshed import SupportsRichComparison


@dataclass(frozen=True)
class Pick:
    """One student's latest attempt in a download."""

    student: str
    lms_id: str
    name: str
    member: archive.Member | None  # None: the student is in the download but sent no .py or .ipynb
    late: str = ""  # "yes", "no", or "" when the LMS does not say
    group: str = ""
    submitted: str = ""  # the submission's time, ISO 8601 with its zone, where the LMS gives one


def slug(text: str) -> str:
    """A name as a safe, readable piece of a student id: ASCII letters, digits and `-`, lower case."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "student"


def gradable(members: Iterable[archive.Member]) -> list[archive.Member]:
    """The members that could be the submission: .py and .ipynb files."""
    return [m for m in members if m.path.suffix in KINDS and not m.cut]


def over_limit(members: Sequence[archive.Member], below: int = 0) -> str | None:
    """Why one student's part of the download is not collected (archive.STUDENT), or None when it is within
    the limits. Depth counts the folders below the student's own: the first `below` folders of each path
    are the LMS's (Moodle's per-student folder; Gradescope's export and submission folders)."""
    limits = archive.STUDENT
    if len(members) > limits.members:
        return f"{len(members)} files, more than {limits.members}"
    size = sum(m.size for m in members)
    if size > limits.bytes:
        return f"{size} bytes, more than {limits.bytes} bytes"
    if any(m.cut or len(m.path.parts) - 1 - below > limits.depth for m in members):
        return f"files more than {limits.depth} folders deep"
    return None


def skipped(student: str, reason: str) -> str:
    """The note for a student over a limit: what was found, and what grading will say."""
    return f"{student}: {reason}: not collected (status: no file found)"


def named(member: archive.Member) -> bool:
    """Whether the file is second_moment.py / .ipynb, allowing an LMS's `-N` suffix for a resubmission."""
    return re.fullmatch(rf"{MODULE}(-\d+)?", member.path.stem) is not None


def latest(
    candidates: Sequence[archive.Member], key: Callable[[archive.Member], "SupportsRichComparison"]
) -> archive.Member | None:
    """The file to grade among one student's: those named second_moment first, then the latest by key."""
    preferred = [m for m in candidates if named(m)] or candidates
    return max(preferred, key=key) if preferred else None


class Download(Protocol):
    """What each LMS's module (canvas, moodle, gradescope) provides to read its download."""

    WHAT: str  # the download in words, for "is it ...?"

    def picks(self, members: Sequence[archive.Member]) -> tuple[list[Pick], list[str]]:
        """(each student's latest attempt, notes) from the download's members."""
        ...


@dataclass(frozen=True)
class Filled:
    """What an LMS module's `fill` made of the LMS's file: its rows with the grades entered, how many, the
    LMS ids graded here but absent from the file, the file's students left as they were (`Name (id)`),
    and notes (how the grades were scaled)."""

    rows: list[list[str]]
    filled: int
    unmatched: set[str]
    untouched: list[str]
    notes: list[str]


class Export(Protocol):
    """What an LMS's module with a gradebook export (canvas, moodle) provides to fill it in."""

    def fill(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        scores: Mapping[str, tuple[float, float]],
        assignment: str | None = None,
        decimal: numbers.DecimalMark | None = None,
    ) -> Filled:
        """The file with the assignment's grades filled in from `scores` (LMS id -> (score, max_score)),
        every number read in the file's own locale form (lms.numbers)."""
        ...


def _parsers() -> dict["LmsName", Download]:
    from autograder.lms import canvas, gradescope, moodle

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
        from autograder.lms import moodle

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


def read_csv(path: str | Path, flag: str) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of an LMS's CSV export, every cell a `csvsafe.Raw`: written back as the LMS wrote it."""
    import csv

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{flag}: no such file: {path}")
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except (UnicodeDecodeError, csv.Error) as err:
        raise UsageError(f"{flag}: {path} is not a UTF-8 CSV file ({err})") from None
    if not rows:
        raise UsageError(f"{flag}: {path} is empty")
    raw: list[list[str]] = [[csvsafe.Raw(c) for c in row] for row in rows]
    return raw[0], raw[1:]


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


def points(score: float, max_score: float, possible: float | None, mark: numbers.DecimalMark = "point") -> str:
    """The grade to enter: the score scaled to the LMS's points possible when it says, as a short number
    with the file's decimal mark."""
    value = score if possible is None else score * possible / max_score
    return numbers.write(value, mark)


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
    from autograder.lms import canvas, moodle

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
