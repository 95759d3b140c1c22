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
from autograder.lms import Pick, gradable, latest, over_limit, points, skipped, slug
from autograder.lms.archive import Member

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


def fill(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    scores: Mapping[str, tuple[float, float]],
    assignment: str | None = None,
) -> tuple[list[list[str]], int, set[str]]:
    """(rows, filled, unmatched participant ids) with the Grade column set from `scores` (participant id ->
    (score, max_score)), scaled to each row's Maximum Grade."""
    for needed in ("Identifier", "Grade"):
        if needed not in header:
            raise UsageError(f"LMS_CSV: no {needed!r} column: is it Moodle's grading worksheet?")
    if assignment:
        raise UsageError("--assignment is for Canvas: a Moodle grading worksheet holds one assignment")
    id_at, grade_at = header.index("Identifier"), header.index("Grade")
    max_at = header.index("Maximum Grade") if "Maximum Grade" in header else None
    filled, seen = 0, set[str]()
    out: list[list[str]] = []
    for given in rows:
        row = list(given) + [""] * (len(header) - len(given))
        found = IDENTIFIER.fullmatch(row[id_at].strip())
        if found and found.group(1) in scores:
            try:
                possible = float(row[max_at]) if max_at is not None else None
            except ValueError:
                possible = None
            score, maximum = scores[found.group(1)]
            row[grade_at] = points(score, maximum, possible)
            filled += 1
            seen.add(found.group(1))
        out.append(row)
    return out, filled, set(scores) - seen
