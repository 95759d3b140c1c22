"""Canvas: "Download Submissions" and the gradebook's CSV export.

A download is a flat zip whose names are `name_[late_]userid_submissionid_original.ext`: `name` is the
student's sortable name run together (`leejane`), `late` marks a late submission, `userid` is the Canvas
user id (the `ID` column of the gradebook export), and a resubmission whose file name clashes gets
`-N` before the extension (`second_moment-1.py`). The student id is `name_userid`; their latest attempt
is the highest submission id, then the highest N.

The gradebook export (Grades > Export) has the columns Student, ID, SIS User ID, SIS Login ID, Section
(some instances add Integration ID), then one column per assignment named `Assignment name (assignment id)`,
then Canvas's own totals; a second row may say `Points Possible`. Re-import takes the same file with the
assignment's column changed.
"""

import re
from collections.abc import Mapping, Sequence

from autograder.errors import UsageError
from autograder.lms import numbers
from autograder.lms.archive import Member
from autograder.lms.download import Pick, gradable, latest, over_limit, skipped, slug
from autograder.lms.fill import Filled, points

WHAT = 'a Canvas "Download Submissions" zip'
NAME = re.compile(r"(?P<name>[^/]+?)_(?:(?P<late>late)_)?(?P<uid>\d+)_(?P<sid>\d+)_(?P<original>.+)", re.IGNORECASE)
ID_COLUMN = "ID"
STUDENT_COLUMN = "Student"
FIXED = ("Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Section")
ASSIGNMENT = re.compile(r".+ \((\d+)\)")
#: A download file's name: (name, late, Canvas user id, submission id, resubmission N).
Parsed = tuple[str, bool, str, int, int]


def parse(member: Member) -> Parsed | None:
    """(name, late, uid, submission id, N) of a download file's name, or None when it is not Canvas's."""
    found = NAME.fullmatch(member.path.name)
    if not found:
        return None
    resubmitted = re.search(r"-(\d+)$", member.path.stem)
    return (
        found["name"],
        bool(found["late"]),
        found["uid"],
        int(found["sid"]),
        int(resubmitted.group(1)) if resubmitted else 0,
    )


def _parsed(member: Member) -> Parsed:
    """parse() of a member already grouped by picks(), which keeps only the ones that parse."""
    parsed = parse(member)
    if parsed is None:
        raise ValueError(f"{member.path} is not a Canvas download name")
    return parsed


def picks(members: Sequence[Member]) -> tuple[list[Pick], list[str]]:
    notes: list[str] = []
    by_student: dict[tuple[str, str], list[Member]] = {}
    for member in members:
        parsed = parse(member)
        if parsed is None:
            notes.append(f"{member.path}: not a Canvas download name (name_userid_submissionid_file), skipped")
            continue
        name, _, uid, _, _ = parsed
        by_student.setdefault((slug(name), uid), []).append(member)
    found: list[Pick] = []
    for (name, uid), files in by_student.items():
        reason = over_limit(files)
        if reason:
            notes.append(skipped(f"{name}_{uid}", reason))
            found.append(Pick(f"{name}_{uid}", uid, "", None, "yes" if any(_parsed(m)[1] for m in files) else "no"))
            continue
        chosen = latest(gradable(files), key=lambda m: _parsed(m)[3:])
        if chosen is None:
            notes.append(f"{name}_{uid}: no .py or .ipynb file among {', '.join(m.path.name for m in files)}")
        elif len(files) > 1:
            notes.append(f"{name}_{uid}: {len(files)} files, graded the latest: {chosen.path.name}")
        late = any(_parsed(m)[1] for m in files) if chosen is None else _parsed(chosen)[1]
        found.append(Pick(f"{name}_{uid}", uid, "", chosen, "yes" if late else "no"))
    return found, notes


def assignment_column(header: Sequence[str], assignment: str | None) -> int:
    """The index of the assignment's column: `assignment` names it (whole, or its name or id), or it is
    the only `Name (id)` column."""
    columns = [i for i, c in enumerate(header) if c not in FIXED and ASSIGNMENT.fullmatch(c)]
    if assignment:
        wanted = [
            i
            for i in columns
            if assignment in (header[i], header[i].rsplit(" (", 1)[0], header[i].rsplit(" (", 1)[1].rstrip(")"))
        ]
        if len(wanted) != 1:
            raise UsageError(
                f"--assignment {assignment!r} names {len(wanted)} of the file's assignment columns: "
                + "; ".join(header[i] for i in columns)
            )
        return wanted[0]
    if len(columns) != 1:
        raise UsageError(
            "--assignment: the file has "
            + str(len(columns))
            + " assignment columns; name one: "
            + "; ".join(header[i] for i in columns)
        )
    return columns[0]


def fill(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    scores: Mapping[str, tuple[float, float]],
    assignment: str | None = None,
    decimal: numbers.DecimalMark | None = None,
) -> Filled:
    """The file with the assignment's column set from `scores` (Canvas user id -> (score, max_score)),
    scaled to the Points Possible row (read in the file's locale form; without that row, the score is
    entered as it is, out of max_score, and a note says so)."""
    for needed in (STUDENT_COLUMN, ID_COLUMN):
        if needed not in header:
            raise UsageError(f"LMS_CSV: no {needed!r} column: is it Canvas's gradebook export (Grades > Export)?")
    column, id_at, name_at = (
        assignment_column(header, assignment),
        header.index(ID_COLUMN),
        header.index(STUDENT_COLUMN),
    )
    possible = None
    notes: list[str] = []
    seen_numbers: list[str] = []
    for line, row in enumerate(rows, start=2):
        if len(row) > max(column, name_at) and row[name_at].strip() == "Points Possible":
            where = f"the Points Possible row's {header[column]!r} cell (line {line})"
            possible = numbers.parse(row[column], where, decimal)
            seen_numbers.append(row[column])
            if possible <= 0:
                raise UsageError(f"LMS_CSV: {where} is {row[column]!r}: a grade cannot be scaled to it")
    if possible is None:
        notes.append(f"no Points Possible row: grades entered out of each student's max_score in {header[column]!r}")
    mark = numbers.mark_of(seen_numbers, decimal)
    filled, seen = 0, set[str]()
    out: list[list[str]] = []
    untouched: list[str] = []
    for given in rows:
        row = list(given) + [""] * (len(header) - len(given))
        uid = row[id_at].strip()
        if uid in scores:
            score, maximum = scores[uid]
            row[column] = points(score, maximum, possible, mark)
            filled += 1
            seen.add(uid)
        elif uid:
            untouched.append(f"{row[name_at].strip()} ({uid})")
        out.append(row)
    return Filled(out, filled, set(scores) - seen, untouched, notes)
