"""Moodle: the assignment's "Download all submissions" and its grading worksheet.

The download is a zip of `Full Name_12345_assignsubmission_file_/...` folders (or, with "Download
submissions in folders" off, files named `Full Name_12345_assignsubmission_file_original.ext`). 12345 is
the participant id, the same number as the worksheet's `Participant 12345` identifier; Moodle replaces
`_` in names with spaces, so the name never holds one. Online-text parts (`assignsubmission_onlinetext_`)
are not code and are skipped. Moodle keeps only a student's latest attempt in the download. The student id
is the name's slug and the participant id (`jane-doe_12345`).

The grading worksheet ("Download grading worksheet", re-imported with "Upload grading worksheet") is a CSV
whose columns include Identifier, Full name, Email address, Status, Grade, Maximum Grade, Grade can be
changed, Last modified (submission), Last modified (grade) and Feedback comments.

The download carries no submission times. The worksheet's "Last modified (submission)" does, written for
people: in the site's language and the downloading user's time zone, with no offset (lms/dates.py). Given
the worksheet and that zone (`collect moodle --worksheet --lms-timezone`), `with_times` reads them into
roster.csv's `submitted` column; otherwise the roster has none, and collect says so.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from autograder.errors import UsageError
from autograder.lms import dates, numbers
from autograder.lms.archive import Member
from autograder.lms.download import Pick, gradable, latest, over_limit, skipped, slug
from autograder.lms.fill import Filled, points, read_csv

WHAT = 'a Moodle "Download all submissions" zip'
PREFIX = re.compile(r"(?P<name>[^_/]+)_(?P<pid>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<rest>.*)")
IDENTIFIER = re.compile(r"Participant (\d+)")


def picks(members: Sequence[Member]) -> tuple[list[Pick], list[str]]:
    notes: list[str] = []
    by_student: dict[tuple[str, str], list[Member]] = {}
    everything: dict[tuple[str, str], list[Member]] = {}  # each student's part, online text included
    for member in members:
        found = PREFIX.fullmatch(member.path.parts[0])
        if not found:
            notes.append(f"{member.path}: not a Moodle file submission (Full Name_id_assignsubmission_file_), skipped")
            continue
        files = by_student.setdefault((found["name"], found["pid"]), [])
        everything.setdefault((found["name"], found["pid"]), []).append(member)
        if found["plugin"] == "file":  # an online-text part is not code, but says the student took part
            files.append(member)
    result: list[Pick] = []
    for (name, pid), files in sorted(by_student.items()):
        reason = over_limit(everything[(name, pid)], below=1)  # depth counts below the student's Moodle folder
        if reason:
            notes.append(skipped(f"{name} ({pid})", reason))
            result.append(Pick(f"{slug(name)}_{pid}", pid, name, None))
            continue
        chosen = latest(gradable(files), key=lambda m: (m.mtime, str(m.path)))
        if chosen is None:
            notes.append(f"{name} ({pid}): no .py or .ipynb file")
        elif len(files) > 1:
            notes.append(f"{name} ({pid}): {len(files)} files, graded {chosen.path.name}")
        result.append(Pick(f"{slug(name)}_{pid}", pid, name, chosen))
    return result, notes


#: The columns Moodle's "Upload grading worksheet" needs, besides the grade: it matches rows by Identifier,
#: scales nothing (a grade above Maximum Grade is skipped), and refuses a grade changed in Moodle since the
#: worksheet was downloaded by comparing Last modified (grade).
REQUIRED = ("Identifier", "Grade", "Maximum Grade", "Last modified (grade)")


def fill(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    scores: Mapping[str, tuple[float, float]],
    assignment: str | None = None,
    decimal: numbers.DecimalMark | None = None,
) -> Filled:
    """The worksheet with the Grade column set from `scores` (participant id -> (score, max_score)), scaled
    to each row's Maximum Grade, read and written in the worksheet's own locale form."""
    for needed in REQUIRED:
        if needed not in header:
            raise UsageError(
                f"LMS_CSV: no {needed!r} column, which Moodle's upload needs: use the worksheet as "
                '"Download grading worksheet" wrote it'
            )
    if assignment:
        raise UsageError("--assignment is for Canvas: a Moodle grading worksheet holds one assignment")
    id_at, grade_at, max_at = header.index("Identifier"), header.index("Grade"), header.index("Maximum Grade")
    name_at = header.index("Full name") if "Full name" in header else id_at
    padded = [list(given) + [""] * (len(header) - len(given)) for given in rows]
    found = [IDENTIFIER.fullmatch(row[id_at].strip()) for row in padded]
    mine = [(line, row, m.group(1)) for line, (row, m) in enumerate(zip(padded, found), start=2) if m]
    possible = {
        line: numbers.parse(row[max_at], f"Maximum Grade (line {line})", decimal)
        for line, row, pid in mine
        if pid in scores
    }
    for line, value in possible.items():
        if value <= 0:
            raise UsageError(f"LMS_CSV: Maximum Grade (line {line}) is {value:g}: a grade cannot be scaled to it")
    mark = numbers.mark_of([row[max_at] for line, row, pid in mine if pid in scores], decimal)
    filled, seen = 0, set[str]()
    untouched: list[str] = []
    for line, row, pid in mine:
        if pid in scores:
            score, maximum = scores[pid]
            row[grade_at] = points(score, maximum, possible[line], mark)
            filled += 1
            seen.add(pid)
        else:
            untouched.append(f"{row[name_at].strip()} ({pid})")
    return Filled(padded, filled, set(scores) - seen, untouched, [])


SUBMITTED = "Last modified (submission)"  # the worksheet's column of each student's submission time
NO_TIMES = "roster.csv gets no submitted times from it (a per-day or per-hour --late needs them: fill them in yourself)"


def with_times(
    picks: Sequence[Pick], worksheet: str | Path | None, zone: ZoneInfo | None
) -> tuple[list[Pick], list[str]]:
    """The picks with their submission times from the grading worksheet's Last modified (submission), read
    in `zone`, and notes. Nothing is read, and a note says why, without the worksheet or the zone, or when
    any of its times is not in the shape Moodle writes (then no reading of the column can be trusted). A
    time that is ambiguous in the zone (a clock change) is left out for that student, with a note."""
    picks = list(picks)
    if worksheet is None:
        return picks, [
            "Moodle's download carries no submission times, so roster.csv has no submitted column: give "
            f"--worksheet (the grading worksheet) and --lms-timezone to read its {SUBMITTED!r}, or fill the "
            "column in yourself (a per-day or per-hour --late needs it)"
        ]
    if zone is None:
        return picks, [
            f"--worksheet: its {SUBMITTED!r} times carry no time zone, so they were not read: give "
            f"--lms-timezone (your Moodle profile's time zone when you downloaded it, e.g. Europe/London); {NO_TIMES}"
        ]
    header, rows = read_csv(worksheet, "--worksheet")
    missing = [column for column in ("Identifier", SUBMITTED) if column not in header]
    if missing:
        return picks, [
            f"--worksheet: {worksheet} has no {missing[0]!r} column (is it the grading worksheet, downloaded "
            f"in English?): {NO_TIMES}"
        ]
    id_at, time_at = header.index("Identifier"), header.index(SUBMITTED)
    times: dict[str, str] = {}
    notes: list[str] = []
    for line, row in enumerate(rows, start=2):
        found = IDENTIFIER.fullmatch(row[id_at].strip()) if len(row) > id_at else None
        if not found or len(row) <= time_at:
            continue
        try:
            when = dates.moodle_time(row[time_at], zone)
        except dates.Unreadable as err:
            return picks, [f"--worksheet: {SUBMITTED!r} could not be read (line {line}: {err}): {NO_TIMES}"]
        except dates.NotOneTime as err:
            notes.append(f"participant {found.group(1)}: {err}: no submission time read for them")
            continue
        if when is not None:
            times[found.group(1)] = when.isoformat()
    timed = [replace(p, submitted=times[p.lms_id]) if p.member and p.lms_id in times else p for p in picks]
    got = sum(1 for p in timed if p.submitted)
    without = [f"{p.student}" for p in timed if p.member and not p.submitted]
    notes.append(f"submission times: {got} from the worksheet's {SUBMITTED!r}, read in {zone} (to the minute)")
    if without:
        notes.append(f"no submission time in the worksheet for {', '.join(without)}")
    return timed, notes
