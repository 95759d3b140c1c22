"""roster.csv: who is enrolled, as `adam-hw collect` writes it and `adam-hw grade --roster` reads it.

Columns: `student` (the id used everywhere: the folder name in the submissions and in the gradebook),
`lms_id` (the LMS's own id for the student: Canvas user id, Moodle participant id, Gradescope SID),
`name` (where known), `file` (the file the student submitted, as the LMS named it), `late` (`yes`, `no`,
or empty when the LMS does not say). Only `student` is required; a hand-written roster of ids works.
An optional `group` column (Gradescope group submissions) holds the group's LMS ids joined with `+`, and
an optional `submitted` column the submission's time, ISO 8601 with its time zone (`collect gradescope`
fills it; the late policy reads it, see docs/late-policy.md).
"""

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from autograder import csvsafe
from autograder.discover import Submission
from autograder.errors import UsageError
from autograder.late import timestamp

COLUMNS = ("student", "lms_id", "name", "file", "late")
OPTIONAL = ("group", "submitted")  # written only when some entry has one
LATE_VALUES = ("yes", "no", "")


@dataclass(frozen=True)
class Entry:
    student: str
    lms_id: str = ""
    name: str = ""
    file: str = ""
    late: str = ""
    group: str = ""
    submitted: str = ""

    @property
    def seed_id(self) -> str:
        """What this student's per-student draw is seeded from: the group's or their own LMS id when the
        roster has one (so a student renamed in the LMS keeps their cases), else the student id."""
        return self.group or self.lms_id or self.student


def read(path: str | Path, flag: str = "--roster") -> list[Entry]:
    """The entries of a roster.csv, in file order; UsageError naming the file and line of a bad one."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{flag}: no such file: {path}")
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
        header: list[str] = [str(k) for k in rows[0]] if rows else []
    except (UnicodeDecodeError, csv.Error) as err:
        raise UsageError(f"{flag}: {path} is not a UTF-8 CSV file ({err})") from None
    if not rows:
        raise UsageError(f"{flag}: {path} has no students (it needs a header row with a `student` column)")
    if "student" not in header:
        raise UsageError(f"{flag}: {path} has no `student` column (columns: {', '.join(map(str, header))})")
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        values = {key: csvsafe.unguard((row.get(key) or "").strip()) for key in (*COLUMNS, *OPTIONAL)}
        if not values["student"]:
            raise UsageError(f"{flag}: {path}, line {line}: the student cell is empty")
        if values["late"].lower() not in LATE_VALUES:
            raise UsageError(f"{flag}: {path}, line {line}: late must be yes, no or empty, got {values['late']!r}")
        values["late"] = values["late"].lower()
        if values["submitted"]:
            try:
                timestamp(values["submitted"])
            except ValueError as err:
                raise UsageError(
                    f"{flag}: {path}, line {line}: submitted must be an ISO 8601 time with its time zone: {err}"
                ) from None
        if values["student"] in seen:
            raise UsageError(
                f"{flag}: {path}: student {values['student']!r} is on lines {seen[values['student']]} and {line}"
            )
        seen[values["student"]] = line
        entries.append(Entry(**values))
    return entries


def write(path: str | Path, entries: Sequence[Entry]) -> Path:
    """Write roster.csv (the `group` and `submitted` columns only when some entry has one)."""
    columns = COLUMNS + tuple(c for c in OPTIONAL if any(getattr(e, c) for e in entries))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Every cell comes from the LMS or a student (an id, a name, a file name): csvsafe guards each one.
    text = csvsafe.render([columns, *([getattr(e, c) for c in columns] for e in entries)])
    path.write_text(text, encoding="utf-8")
    return path


def apply(
    entries: Sequence[Entry], submissions: Iterable[Submission], folder: str | Path
) -> tuple[list[Submission], dict[str, str], list[str]]:
    """(submissions, late, unlisted) for grading with a roster (`times` gives their submission times).

    - every roster student is graded: one with no submission gets a "missing" one (status "no file found");
    - a student with an LMS id is seeded from it (Entry.seed_id);
    - late maps each roster student to their late flag;
    - unlisted names the submissions found that are not on the roster (graded all the same).
    """
    by_student = {sub.student: sub for sub in submissions}
    on_roster = {e.student for e in entries}
    graded = []
    for e in entries:
        # A roster student with no submission: "missing", pointed at the roster's own folder (which exists,
        # so nothing of theirs is ever looked for elsewhere); the note reaches their feedback.
        sub = by_student.get(e.student) or Submission(
            e.student,
            Path(folder),
            "missing",
            note=f"{e.student} is on the roster, but no submission of theirs was found.",
        )
        graded.append(replace(sub, seed_id=e.seed_id if e.seed_id != e.student else sub.seed_id))
    unlisted = sorted(s for s in by_student if s not in on_roster)
    graded += [by_student[s] for s in unlisted]
    late = {e.student: e.late for e in entries}
    return sorted(graded, key=lambda s: s.student), late, unlisted


def collected(entries: Sequence[Entry], into: str | Path) -> str:
    """What a collect brought in, each count by what it counts: a group's one file, copied to every member's
    folder, is one submission; a student in the download with no code is not one."""
    sent = [e for e in entries if e.file]
    submissions = {e.group or e.student for e in sent}
    groups = {e.group for e in sent if e.group}
    line = f"collected {len(submissions)} submissions"
    line += f" ({len(groups)} of them a group's)" if groups else ""
    line += f" from {len(entries)} students into {into}"
    missing = len(entries) - len(sent)
    return line + (f" ({missing} sent no .py or .ipynb)" if missing else "")


def times(entries: Iterable[Entry]) -> dict[str, str]:
    """student -> the submission time the roster gives ("" when it gives none)."""
    return {e.student: e.submitted for e in entries}
