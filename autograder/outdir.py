"""The output folder is the gradebook: DIR/grades.csv and DIR/<student>/{feedback.md,results.json,record.json}.

- Every file is written to a temporary name beside it and renamed into place, so an interrupted run never
  leaves half a file.
- `record.json` is the project's own small record of one student's grading (written last, so its presence
  means the student's folder is complete): their gradebook row, and what they were graded on (the file's
  sha256, the term and seed, the rubric). `--resume` reads it, never results.json (Gradescope's format).
- grades.csv is rendered from every record in the folder, under a lock on the folder, whenever a run ends:
  grading a subset (one late student, a regrade) replaces only those rows.
- grades.csv is derived from every student folder on disk, never from one file alone. record.json is
  signed (HMAC-SHA256) with a key of the TA's own (`key_path()`, 0600, made on the first run), and
  results.json carries a signed copy of it: a student whose record.json is lost, damaged or not signed by
  this grader keeps their row, rebuilt from results.json and its record written back, with a note. A
  record.json or results.json this grader did not sign (a student's forgery, where their code could write
  to the output folder, or one signed on another machine) gets a note and never a row. The key is out of
  the student's reach where the sandbox keeps them from the TA's files (level os: another uid; basic:
  Landlock reads only system and Python folders).
- A record that is unreadable, corrupt or written by something else is not trusted: its student is graded
  again by the next run that includes them, and left out of grades.csv (with a note) until then. A student
  the old grades.csv listed and the new one cannot is named in a note, and so is a folder missing its
  feedback.md or results.json (the row stands; grading the student again writes them).
"""

import csv
import fcntl
import functools
import hashlib
import hmac
import json
import os
import secrets
import shutil
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType

from autograder import csvsafe, randomized, terms
from autograder.errors import DiskError, UsageError
from autograder.late import NONE, PERIOD, LatePolicy, timestamp
from autograder.render import feedback, gradebook, gradescope
from autograder.results import STATUSES, BeyondRow, GradebookRow, SubmissionResult
from autograder.rubric import GRADING_MODEL, ITEMS

GRADES = "grades.csv"
RECORD = "record.json"
RESULTS = "results.json"
FEEDBACK = "feedback.md"
RECORD_FORMAT = "adam-hw gradebook record 1"
SEAL = "gradebook"  # results.json's extra_data key for the signed copy of the record
SIGNATURE = "hmac"  # record.json's key for its own signature
UNSIGNED = "not signed by this grader"  # a well-formed record.json whose signature does not hold
KEY_BYTES = 32
MAX_RESULTS = 64 * 2**20  # a results.json read back is a few kB; a forged one may be anything


def atomic_write(path: str | Path, text: str) -> None:
    """Write text to path via a temporary file renamed into place, with the mode a plain open() gives
    (0666 less the umask, applied by the kernel): the TA's colleagues can read the gradebook and report.
    The folder is made when it does not exist yet. When the write fails, the file at `path` is as it was
    (the temporary one is removed); a disk that is full, over quota, failing or read-only raises
    `errors.DiskError`, which says so and names the fix."""
    path = Path(path)
    # One temporary name per process and thread: two writers never share one, and O_EXCL never follows a link.
    tmp = path.parent / f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        fd = _create(tmp)
    except OSError as err:
        if DiskError.covers(err):
            raise DiskError(str(path), err) from None
        raise
    try:
        try:
            view = memoryview(text.encode("utf-8"))
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as err:
        with suppress(OSError):  # a disk too broken to unlink: the error that matters is the one raised
            os.unlink(tmp)
        if isinstance(err, OSError) and DiskError.covers(err):
            raise DiskError(str(path), err) from None
        raise


def _create(tmp: Path) -> int:
    """A new file at `tmp`, open for writing (its folder made first if need be)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        return os.open(tmp, flags, 0o666)
    except FileNotFoundError:  # a new folder (asked for only then: a system call less per file)
        tmp.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # left by a run of the same pid that was killed mid-write
        os.unlink(tmp)
    return os.open(tmp, flags, 0o666)


def rubric_key(beyond: str = "") -> list[object]:
    """The rubric a record was graded on: the grading model's version, then item ids, points and check
    groups, in order (part 5's after the core's, and how its points count, when the term turns it on). A
    record of another model is graded again by --resume."""
    from autograder.beyond import rubric as part

    chosen = ITEMS + (part.ITEMS if beyond else ())
    items: list[object] = [[item.id, item.points, [[g.name, g.points] for g in item.groups]] for item in chosen]
    return [["grading model", GRADING_MODEL], *items] + ([["beyond", beyond]] if beyond else [])


@dataclass(frozen=True)
class Record:
    """One student's record.json: their gradebook row and what decides whether --resume may keep it."""

    row: GradebookRow
    sha256: str
    term: str | None
    seed: int | None
    rubric: list[object]  # as rubric_key() gives it, or as JSON read it back
    per_student: bool | None = None  # None: a record from before it was kept (told from the seed)
    fingerprint: str | None = None  # of the term's draw when graded (randomized.fingerprint); None: unknown

    def fits(self, sha256: str, term: str | None, seed: int | None, beyond: str = "") -> bool:
        """Whether this record is the grading of these very bytes on these cases and this rubric."""
        return (self.sha256, self.term, self.seed, self.rubric) == (sha256, term, seed, rubric_key(beyond))

    def other_cases(self, term: str, per_student: bool, fingerprint: str, beyond: str = "") -> str | None:
        """What differs between the cases this record was graded on and a run's (term, per-student draws or
        the term's shared draw, the draw's fingerprint, the rubric), in words; None when nothing does. A
        record with no term (graded on checks given to the API) is not compared; per-student seeds differ
        by design."""
        if self.term is None:
            return None
        if self.term != term:
            return f"term {self.term}"
        own = self.per_student
        if own is None and self.seed is not None:
            own = self.seed != terms.term_seed(self.term)
        if own is not None and own != per_student:
            return "per-student draws" if own else "the term's shared draw"
        if self.fingerprint is not None and self.fingerprint != fingerprint:
            return f"another draw of term {self.term} (its fingerprint changed: autograder/randomized.py)"
        if self.rubric != rubric_key(beyond):
            return "another rubric"
        return None

    def to_data(self) -> dict[str, object]:
        """The record as JSON data: asdict would deep-copy the rubric for nothing."""
        row = asdict(self.row)
        if row["beyond"] is None:  # part 5 off: the record as it always was
            del row["beyond"]
        fields = {"row": row, "sha256": self.sha256, "term": self.term, "seed": self.seed}
        cases = {"per_student": self.per_student, "fingerprint": self.fingerprint}
        return {"format": RECORD_FORMAT, **fields, **cases, "rubric": self.rubric}

    def to_json(self) -> str:
        """One line (written per student)."""
        return json.dumps(self.to_data()) + "\n"


@functools.cache
def fingerprint(term: str) -> str:
    """The fingerprint of the cases this grader draws for the term `term` (its shared draw): worked out
    once per term, since every student's record carries it (working it out judged every case again)."""
    return randomized.fingerprint(randomized.cases(terms.term_seed(term)))


def record_of(result: SubmissionResult, late: str = "", submitted: str = "") -> Record:
    extra = result.extra or {}
    term = extra.get("term")
    per_student = extra.get("per_student")
    return Record(
        GradebookRow.of(result, late, submitted),
        result.sha256,
        term,
        extra.get("seed"),
        rubric_key(result.beyond.counts if result.beyond is not None else ""),
        per_student if isinstance(per_student, bool) else None,
        fingerprint(term) if isinstance(term, str) else None,
    )


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_record(text: str, student: str) -> Record | None:
    """The Record in `text` if it is one of ours, for this student, and well formed; else None."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return _record_in(data, student)


def _record_in(data: object, student: str) -> Record | None:
    """The Record that parsed JSON `data` holds, as parse_record says."""
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT:
        return None
    row = data.get("row")
    if not isinstance(row, dict) or row.get("student") != student:
        return None
    items = row.get("items")
    if not (
        _number(row.get("score"))
        and _number(row.get("max_score"))
        and row.get("status") in STATUSES
        and isinstance(row.get("late"), str)
        and isinstance(items, dict)
        and all(isinstance(k, str) and _number(v) for k, v in items.items())
        and isinstance(data.get("sha256"), str)
        and isinstance(data.get("rubric"), list)
        and (data.get("term") is None or isinstance(data.get("term"), str))
        and (data.get("seed") is None or (_number(data.get("seed")) and float(data["seed"]).is_integer()))
        and (data.get("per_student") is None or isinstance(data.get("per_student"), bool))
        and (data.get("fingerprint") is None or isinstance(data.get("fingerprint"), str))
    ):
        return None
    submitted = row.get("submitted", "")
    if not isinstance(submitted, str):
        return None
    ok, beyond = _beyond_row(row.get("beyond"))
    if not ok:
        return None
    gradebook_row = GradebookRow(
        student, row["score"], row["max_score"], items, row["status"], row["late"], submitted, beyond
    )
    cases = (data.get("per_student"), data.get("fingerprint"))
    return Record(gradebook_row, data["sha256"], data.get("term"), data.get("seed"), data["rubric"], *cases)


def _beyond_row(data: object) -> tuple[bool, BeyondRow | None]:
    """(well formed, part 5's row of a record): (True, None) when there is none."""
    if data is None:
        return True, None
    if not isinstance(data, dict):
        return False, None
    items = data.get("items")
    if not (
        _number(data.get("score"))
        and _number(data.get("max_score"))
        and isinstance(items, dict)
        and all(isinstance(k, str) and _number(v) for k, v in items.items())
        and data.get("counts") in ("task", "bonus")
        and data.get("written") in ("", "answered", "blank")
    ):
        return False, None
    return True, BeyondRow(data["score"], data["max_score"], items, data["counts"], data["written"])


def read_record(out_dir: str | Path, student: str) -> Record | None:
    """The student's Record, or None when there is none or it cannot be trusted (see the module docstring)."""
    return _read_record(out_dir, student)[0]


def _read_record(out_dir: str | Path, student: str) -> tuple[Record | None, str]:
    """(the student's Record, "") or (None, why not, in words: "missing", "damaged" or "not signed by this
    grader")."""
    path = Path(out_dir) / student / RECORD
    try:
        if path.is_symlink() or not path.is_file():
            return None, "missing" if not path.is_symlink() else "damaged"
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None, "damaged"
    signature = data.pop(SIGNATURE, None) if isinstance(data, dict) else None
    record = _record_in(data, student)
    if record is None:
        return None, "damaged"
    key = _key(create=False)
    if (
        not isinstance(signature, str)
        or key is None
        or not hmac.compare_digest(_sign(key, _canonical(data)), signature)
    ):
        return None, UNSIGNED
    return record, ""


def _canonical(data: dict[str, object]) -> str:
    """The text a record's signature is of: its parsed JSON written one way, so that reading it back and
    writing it again gives the same text whatever spacing or key order the file has."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def record_text(record: Record) -> str:
    """record.json's text for `record`: the record, signed with the TA's key (made when missing)."""
    key = _key(create=True)
    assert key is not None  # made when missing
    data = record.to_data()  # JSON writes its tuples as lists: the same text as once read back
    return json.dumps({**data, SIGNATURE: _sign(key, _canonical(data))}) + "\n"


def key_path() -> Path:
    """The TA's signing key: $XDG_STATE_HOME/adam-hw/gradebook.key (~/.local/state by default)."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "adam-hw" / "gradebook.key"


def ensure_key() -> None:
    """Make the signing key now if there is none yet: a run that cannot is a usage error before grading."""
    _key(create=True)


def _key(create: bool) -> bytes | None:
    """The signing key; made (0600, in a 0700 folder) when `create` and there is none yet, else None."""
    path = key_path()
    try:
        try:
            key = path.read_bytes()
        except FileNotFoundError:
            if not create:
                return None
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
            except FileExistsError:  # another run made it meanwhile
                key = path.read_bytes()
            else:
                with os.fdopen(fd, "wb") as f:
                    f.write(secrets.token_bytes(KEY_BYTES))
                key = path.read_bytes()
    except OSError as err:
        raise UsageError(
            f"cannot use the gradebook's signing key {path} ({err.strerror}): set XDG_STATE_HOME to a writable folder"
        ) from None
    if len(key) != KEY_BYTES:
        raise UsageError(f"{path} is not a signing key adam-hw wrote ({len(key)} bytes): move it away and grade again")
    return key


def _sign(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def write_submission(out_dir: str | Path, result: SubmissionResult, late: str = "", submitted: str = "") -> Record:
    """Write one student's feedback.md, results.json (with the signed record) and, last, record.json;
    return the Record."""
    folder = Path(out_dir) / result.student
    record = record_of(result, late, submitted)
    text = record.to_json()
    key = _key(create=True)
    assert key is not None  # made when missing
    atomic_write(folder / FEEDBACK, feedback.render(result))
    atomic_write(folder / RESULTS, gradescope.text(result, {SEAL: {"record": text, "hmac": _sign(key, text)}}))
    atomic_write(folder / RECORD, record_text(record))
    return record


def write_results(path: str | Path, result: SubmissionResult) -> None:
    """Gradescope's results.json at `path` alone, replacing whatever is there (a forged file, a symlink, a
    folder): what run_autograder writes last, after the student's code has had the machine."""
    path = Path(path)
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
    atomic_write(path, gradescope.text(result))


def read_sealed(out_dir: str | Path, student: str) -> Record | None:
    """The record signed into the student's results.json, or None when there is none this grader signed
    (no results.json, a damaged or forged one, a copy from another student's folder, another key)."""
    sealed = _sealed(out_dir, student)
    return sealed[1] if sealed else None


def _sealed(out_dir: str | Path, student: str) -> tuple[dict[str, object], Record] | None:
    """(results.json as JSON, the record signed into it), read once, or None as read_sealed says."""
    path = Path(out_dir) / student / RESULTS
    try:
        if path.is_symlink() or not path.is_file():
            return None
        with path.open("rb") as f:
            raw = f.read(MAX_RESULTS + 1)
        data = json.loads(raw.decode("utf-8")) if len(raw) <= MAX_RESULTS else None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    extra = data.get("extra_data") if isinstance(data, dict) else None
    seal = extra.get(SEAL) if isinstance(extra, dict) else None
    if not isinstance(seal, dict) or not isinstance(seal.get("record"), str) or not isinstance(seal.get("hmac"), str):
        return None
    key = _key(create=False)
    if key is None or not hmac.compare_digest(_sign(key, seal["record"]), seal["hmac"]):
        return None
    record = parse_record(seal["record"], student)
    return (data, record) if isinstance(data, dict) and record is not None else None


def refresh(out_dir: str | Path, record: Record, late: str, submitted: str) -> Record:
    """The student's record with a new late flag and submission time (a roster changed since they were
    graded), written to record.json and signed into results.json: the signed copy, which rebuilds a lost
    record.json, always says what record.json says. A results.json this grader did not sign is left as it
    is (scan says so). DiskError as atomic_write raises it."""
    new = replace(record, row=replace(record.row, late=late, submitted=submitted))
    folder = Path(out_dir) / record.row.student
    text = new.to_json()
    sealed = _sealed(out_dir, record.row.student)
    if sealed is not None:
        results, _ = sealed
        key = _key(create=True)
        assert key is not None  # made when missing
        extra = results["extra_data"]
        assert isinstance(extra, dict)  # _sealed read the seal from it
        extra[SEAL] = {"record": text, "hmac": _sign(key, text)}
        atomic_write(folder / RESULTS, gradescope.layout(results))
    atomic_write(folder / RECORD, record_text(new))
    return new


def discard(out_dir: str | Path, student: str) -> None:
    """Remove this grader's files from a student's folder after some of theirs could not be written
    (record.json first): the disk then vouches for no row of theirs, neither an older grading nor half
    of this one, and the next run (--resume) grades them again. Removing needs no free space."""
    folder = Path(out_dir) / student
    if folder.is_symlink():
        return
    for name in (RECORD, RESULTS, FEEDBACK):
        with suppress(OSError):  # not there, or a disk too broken to unlink: the run ends with its fix anyway
            (folder / name).unlink()


@dataclass(frozen=True)
class Scan:
    """What the gradebook folder holds: a row per student it can vouch for, a note for everything else,
    and the records rebuilt from a signed results.json (written back by write_gradebook)."""

    records: list[Record]
    notes: list[str]
    rebuilt: list[Record]
    noted: set[str]  # the students a note is about

    @property
    def rows(self) -> list[GradebookRow]:
        return [r.row for r in self.records]


def scan(out_dir: str | Path) -> Scan:
    """Every student folder of the gradebook, read as the module docstring says."""
    found = Scan([], [], [], set())
    folder = Path(out_dir)
    if not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_dir():
            continue
        before = len(found.notes)
        _scan_folder(path, found)
        if len(found.notes) > before:
            found.noted.add(path.name)
    return found


def _scan_folder(path: Path, found: Scan) -> None:
    """One student folder's row or note, added to `found`."""
    student = path.name
    if path.is_symlink():
        found.notes.append(f"{path} is a symbolic link, not a student folder: left out of {GRADES}")
        return
    record, why = _read_record(path.parent, student)
    if record is not None:
        found.records.append(record)
        lost = [name for name in (FEEDBACK, RESULTS) if not (path / name).is_file()]
        if lost:
            found.notes.append(
                f"{student}: {' and '.join(lost)} missing (the row stands, from {RECORD}): "
                f"grade {student} again to write it"
            )
        return
    had_record = why != "missing"
    sealed = read_sealed(path.parent, student)
    if sealed is not None:
        found.records.append(sealed)
        found.rebuilt.append(sealed)
        found.notes.append(
            f"{student}: {RECORD} was {why}; the row was rebuilt from {RESULTS}, which this grader signed, "
            f"and {RECORD} written back"
        )
    elif (path / RESULTS).exists():
        found.notes.append(
            f"{student}/{RESULTS} is not one this grader signed (forged, damaged, or signed on another "
            f"machine){' and its ' + RECORD + ' is not ours either' if had_record else ''}: "
            f"{student!r} is left out of {GRADES} until graded again"
        )
    elif had_record:
        found.notes.append(
            f"{path / RECORD} is not a record this grader wrote: {student!r} is left out of {GRADES} until graded again"
        )


def other_cases(out_dir: str | Path, term: str, per_student: bool, beyond: str = "") -> list[tuple[str, str]]:
    """(student, what differs) for every row of the gradebook graded on other cases than `term` with
    `per_student` draws, this grader's draw and rubric (see Record.other_cases)."""
    now = fingerprint(term)
    found = [(r.row.student, r.other_cases(term, per_student, now, beyond)) for r in scan(out_dir).records]
    return [(student, why) for student, why in found if why is not None]


def read_gradebook(out_dir: str | Path) -> tuple[list[GradebookRow], list[str]]:
    """(rows, notes): the row of every student folder this grader can vouch for, and a note for each
    folder it cannot (see `scan`)."""
    found = scan(out_dir)
    return found.rows, found.notes


def _listed(path: Path) -> tuple[set[str], str | None]:
    """(the students grades.csv lists, None), or (set(), why it could not be read)."""
    try:
        with path.open(newline="", encoding="utf-8") as f:
            table = list(csv.reader(f))
    except FileNotFoundError:
        return set(), None
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        return set(), str(err)
    if not table or "student" not in table[0]:
        return set(), "it has no student column"
    at = table[0].index("student")
    return {csvsafe.unguard(row[at]) for row in table[1:] if len(row) > at}, None


POLICY = "late-policy.json"
POLICY_FORMAT = "adam-hw late policy 1"


def _policy_json(policy: LatePolicy) -> str:
    due = policy.due.isoformat() if policy.due else None
    fields = {"kind": policy.kind, "percent": policy.percent, "cap": policy.cap}
    return json.dumps({"format": POLICY_FORMAT, **fields, "grace": policy.grace.total_seconds(), "due": due}) + "\n"


def read_policy(out_dir: str | Path) -> LatePolicy | None:
    """The late policy the gradebook's grades.csv was last written under, or None when none was set.
    A damaged one is a usage error: its final scores would be guessed."""
    path = Path(out_dir) / POLICY
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != POLICY_FORMAT:
            raise ValueError("not a late policy adam-hw wrote")
        due = data["due"]
        return LatePolicy(
            data["kind"],
            float(data["percent"]),
            float(data["cap"]),
            timedelta(seconds=float(data["grace"])),
            timestamp(due) if due else None,
        )
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as err:
        raise UsageError(f"{path} is damaged ({err}): grade again with the --late flags that were meant") from None


@contextmanager
def locked(out_dir: str | Path) -> Iterator[None]:
    """Hold an exclusive lock on the gradebook folder (two runs into one --out never interleave grades.csv)."""
    fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def write_gradebook(
    out_dir: str | Path,
    results: Iterable[SubmissionResult] = (),
    forget: Iterable[str] = (),
    policy: LatePolicy | None = None,
    unwritten: Mapping[str, GradebookRow] = MappingProxyType({}),
) -> tuple[list[GradebookRow], list[str]]:
    """Write the records of `results` (SubmissionResults not yet written), then grades.csv from every student
    folder, its final scores under the late `policy` (None: the one the gradebook has, else none; a new
    one is kept in late-policy.json, applied to every row, and said in a note). Returns (rows, notes) as
    read_gradebook does, with a note for each student the old grades.csv listed and the new one does not
    (but those in `forget`, dropped on purpose).

    `unwritten` holds the rows (status `grader error`) of students whose files this run could not write:
    they replace whatever their folders hold. When grades.csv (or a new late policy) cannot be written,
    DiskError, and the previous grades.csv is left as it was."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for result in results:
        atomic_write(out / result.student / RECORD, record_text(record_of(result)))
    with locked(out):
        found = scan(out)
        notes = list(found.notes)
        for record in found.rebuilt:
            try:
                atomic_write(out / record.row.student / RECORD, record_text(record))
            except DiskError as err:  # the row stands all the same, from the signed results.json
                notes.append(f"{record.row.student}: {RECORD} could not be written back ({err.strerror}: {err.what})")
        before, unreadable = _listed(out / GRADES)
        if unreadable:
            notes.append(f"the old {GRADES} could not be read ({unreadable}): rewritten from the student folders")
        listed = {r.row.student for r in found.records} | set(unwritten)
        for student in sorted(before - listed - found.noted - set(forget)):
            notes.append(
                f"{student} was in {GRADES}, but {out / student} holds no {RECORD} or {RESULTS} this grader can "
                f"vouch for: left out until graded again"
            )
        rows = [r for r in found.rows if r.student not in unwritten] + list(unwritten.values())
        kept = read_policy(out)
        use = policy or kept or NONE
        if policy is not None and policy != (kept or NONE):
            old = kept or NONE
            changed = sum(1 for r in rows if old.apply(r)[:2] != policy.apply(r)[:2])
            what = f"changed from {old.describe()} to" if kept is not None else "set:"
            notes.append(
                f"late policy {what} {policy.describe()}: applied to every row "
                f"({changed} final score{'' if changed == 1 else 's'} changed)"
            )
            atomic_write(out / POLICY, _policy_json(policy))
        if use.kind in PERIOD:
            timeless = sorted(r.student for r in rows if r.late == "yes" and not r.submitted)
            if timeless:
                notes.append(
                    f"late by their flag with no submission time, so {use.describe()} took nothing off: "
                    f"{', '.join(timeless)} (add their submitted time to roster.csv and grade them again)"
                )
        atomic_write(out / GRADES, gradebook.render(rows, use))
    return rows, notes


def drop(out_dir: str | Path, students: Sequence[str]) -> tuple[list[GradebookRow], list[str]]:
    """Remove these students' folders from the gradebook folder and rewrite grades.csv without them."""
    out = Path(out_dir)
    if not (out / GRADES).is_file():
        raise UsageError(f"no {GRADES} in {out_dir}: give the folder `adam-hw grade --out` wrote")
    for student in students:
        folder = out / student
        if student in (".", "..") or "/" in student or folder.is_symlink() or not (folder / RECORD).is_file():
            raise UsageError(f"STUDENT: {student!r} has no graded folder in {out_dir} (nothing dropped)")
    for student in students:
        shutil.rmtree(out / student)
    return write_gradebook(out, forget=students)
