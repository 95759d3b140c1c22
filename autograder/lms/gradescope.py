"""Gradescope: "Export Submissions" of a programming assignment.

The export holds `submission_metadata.yml` beside one `submission_<id>/` folder per submission (often
inside an `assignment_<id>_export/` folder). The metadata is read only there, where Gradescope writes it: a
file of that name inside a submission is the student's. The metadata maps each folder to its `:submitters:`, each with
`:name:`, `:sid:` (the student id the course set) and `:email:`; a group submission lists every member.
Every member of a group gets their own folder holding the group's file, and the roster's `group` column
holds the members' SIDs joined with `+` (so they share one draw of hidden cases). The student id is the
name's slug and the SID (`jane-doe_12345`); without a SID, the email's local part. Each submission's
`:created_at:` (`2027-02-01 10:00:00.000000000 -08:00`) goes to the roster's `submitted` column, for the
late policy; the export holds no late flag of its own.
"""

import re
from collections.abc import Sequence
from datetime import datetime

from autograder.errors import UsageError
from autograder.lms.archive import Member
from autograder.lms.download import Pick, gradable, latest, over_limit, skipped, slug

WHAT = 'a Gradescope "Export Submissions" zip with submission_metadata.yml'
METADATA = "submission_metadata.yml"
EXPORT = re.compile(r"assignment_\d+_export")


def _load(member: Member) -> dict[object, object]:
    try:
        import yaml
    except ImportError:
        raise UsageError(
            "reading Gradescope's submission_metadata.yml needs PyYAML: "
            "run `.venv/bin/pip install -e '.[lms]'` in the adam-hw checkout"
        ) from None
    try:
        data = yaml.safe_load(member.read())
    except yaml.YAMLError as err:
        raise UsageError(f"SRC: {member.path} is not valid YAML ({err})") from None
    if not isinstance(data, dict):
        raise UsageError(f"SRC: {member.path} is not Gradescope's submission metadata (expected a mapping)")
    return data


def _submitters(entry: object, where: object) -> list[dict[object, object]]:
    people = entry.get(":submitters") if isinstance(entry, dict) else None
    if not isinstance(people, list) or not people or not all(isinstance(p, dict) for p in people):
        raise UsageError(f"SRC: {where} has no :submitters list in {METADATA}")
    return people


def _metadata(members: Sequence[Member]) -> Member:
    """Gradescope's own submission_metadata.yml: at the export's top or in its assignment_<id>_export/ folder,
    where Gradescope writes it; a file of that name inside a submission is the student's, not Gradescope's."""
    found = [
        m
        for m in members
        if m.path.name == METADATA
        and (len(m.path.parts) == 1 or (len(m.path.parts) == 2 and EXPORT.fullmatch(m.path.parts[0])))
    ]
    if len(found) != 1:
        raise UsageError(
            f"SRC: expected one {METADATA} at the export's top or in its assignment_<id>_export/ folder, "
            f"found {len(found)}"
        )
    return found[0]


def _created(entry: object, where: object) -> str:
    """The submission's `:created_at:` as ISO 8601 with its zone ("" when the metadata has none). PyYAML
    reads Gradescope's form as a timestamp; a string is read as Gradescope writes it."""
    value = entry.get(":created_at") if isinstance(entry, dict) else None
    if value is None:
        return ""
    if isinstance(value, str):
        found = re.fullmatch(r"(\S+) (\d\d:\d\d:\d\d)(?:\.(\d+))? ?([+-]\d\d:?\d\d|Z)", value.strip())
        if not found:
            raise UsageError(f"SRC: {where}'s :created_at: in {METADATA} is not a time: {value!r}")
        fraction = f".{found[3][:6]}" if found[3] and int(found[3]) else ""
        value = datetime.fromisoformat(f"{found[1]}T{found[2]}{fraction}{found[4].replace('Z', '+00:00')}")
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise UsageError(f"SRC: {where}'s :created_at: in {METADATA} has no time zone: {value!r}")
    return value.isoformat()


def picks(members: Sequence[Member]) -> tuple[list[Pick], list[str]]:
    meta = _metadata(members)
    base = meta.path.parent
    data = _load(meta)
    by_folder: dict[str, list[Member]] = {}  # each submission folder's members, whatever they are
    for m in members:
        if m.path.is_relative_to(base) and len(m.path.relative_to(base).parts) > 1:
            by_folder.setdefault(m.path.relative_to(base).parts[0], []).append(m)
    notes: list[str] = []
    result: list[Pick] = []
    for folder, entry in sorted(data.items(), key=lambda kv: str(kv[0])):
        people = _submitters(entry, folder)
        mine = by_folder.get(str(folder), [])
        reason = over_limit(mine, below=len(base.parts) + 1)  # depth counts below submission_<id>/
        chosen = None if reason else latest(gradable(mine), key=lambda m: (m.mtime, str(m.path)))
        if reason:
            notes.append(skipped(str(folder), reason))
        sids = [str(p.get(":sid") or "").strip() for p in people]
        group = "+".join(sorted(s for s in sids if s)) if len(people) > 1 else ""
        for person, sid in zip(people, sids):
            name = str(person.get(":name") or "").strip()
            email = str(person.get(":email") or "").strip()
            key = sid or email.split("@")[0] or str(folder)
            student = f"{slug(name or key)}_{slug(key)}" if name else slug(key)
            if chosen is None and not reason:
                notes.append(f"{folder}: no .py or .ipynb file for {name or key}")
            result.append(Pick(student, sid, name, chosen, "", group, _created(entry, folder)))
    return result, notes
