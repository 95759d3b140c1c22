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
"""

import re
from collections.abc import Mapping, Sequence

from autograder.errors import UsageError
from autograder.lms import numbers
from autograder.lms.archive import Member
from autograder.lms.download import Pick, gradable, latest, over_limit, skipped, slug
from autograder.lms.fill import Filled, points

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
