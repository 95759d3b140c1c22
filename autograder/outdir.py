"""The output folder is the gradebook: DIR/grades.csv and DIR/<student>/{feedback.md,results.json,record.json}.

- Every file is written to a temporary name beside it and renamed into place, so an interrupted run never
  leaves half a file.
- `record.json` is the project's own small record of one student's grading (written last, so its presence
  means the student's folder is complete): their gradebook row, and what they were graded on (the file's
  sha256, the term and seed, the rubric). `--resume` reads it, never results.json (Gradescope's format).
- grades.csv is rendered from every record in the folder, under a lock on the folder, whenever a run ends:
  grading a subset (one late student, a regrade) replaces only those rows.
- A record that is unreadable, corrupt or written by something else is not trusted: its student is graded
  again by the next run that includes them, and left out of grades.csv (with a note) until then.
"""

import fcntl
import json
import os
import shutil
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from autograder.errors import UsageError
from autograder.render import feedback, gradebook, gradescope
from autograder.results import STATUSES, GradebookRow, SubmissionResult
from autograder.rubric import ITEMS

GRADES = "grades.csv"
RECORD = "record.json"
RECORD_FORMAT = "adam-hw gradebook record 1"


def atomic_write(path: str | Path, text: str) -> None:
    """Write text to path via a temporary file renamed into place, with the mode a plain open() gives
    (0666 less the umask, applied by the kernel): the TA's colleagues can read the gradebook and report.
    The folder is made when it does not exist yet."""
    path = Path(path)
    # One temporary name per process and thread: two writers never share one, and O_EXCL never follows a link.
    tmp = path.parent / f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp"
    fd = _create(tmp)
    try:
        try:
            view = memoryview(text.encode("utf-8"))
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
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


def rubric_key() -> list[object]:
    """The rubric a record was graded on: item ids, points and check groups, in order."""
    return [[item.id, item.points, [[g.name, g.points] for g in item.groups]] for item in ITEMS]


@dataclass(frozen=True)
class Record:
    """One student's record.json: their gradebook row and what decides whether --resume may keep it."""

    row: GradebookRow
    sha256: str
    term: str | None
    seed: int | None
    rubric: list[object]  # as rubric_key() gives it, or as JSON read it back

    def fits(self, sha256: str, term: str | None, seed: int | None) -> bool:
        """Whether this record is the grading of these very bytes on these cases and this rubric."""
        return (self.sha256, self.term, self.seed, self.rubric) == (sha256, term, seed, rubric_key())

    def to_json(self) -> str:
        """One line (written per student): asdict would deep-copy the rubric for nothing."""
        fields = {"row": asdict(self.row), "sha256": self.sha256, "term": self.term, "seed": self.seed}
        return json.dumps({"format": RECORD_FORMAT, **fields, "rubric": self.rubric}) + "\n"


def record_of(result: SubmissionResult, late: str = "") -> Record:
    extra = result.extra or {}
    return Record(GradebookRow.of(result, late), result.sha256, extra.get("term"), extra.get("seed"), rubric_key())


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_record(text: str, student: str) -> Record | None:
    """The Record in `text` if it is one of ours, for this student, and well formed; else None."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
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
    ):
        return None
    gradebook_row = GradebookRow(student, row["score"], row["max_score"], items, row["status"], row["late"])
    return Record(gradebook_row, data["sha256"], data.get("term"), data.get("seed"), data["rubric"])


def read_record(out_dir: str | Path, student: str) -> Record | None:
    """The student's Record, or None when there is none or it cannot be trusted (see the module docstring)."""
    path = Path(out_dir) / student / RECORD
    try:
        if path.is_symlink() or not path.is_file():
            return None
        return parse_record(path.read_text(encoding="utf-8"), student)
    except (OSError, UnicodeDecodeError):
        return None


def write_submission(out_dir: str | Path, result: SubmissionResult, late: str = "") -> Record:
    """Write one student's feedback.md, results.json and, last, record.json; return the Record."""
    folder = Path(out_dir) / result.student
    atomic_write(folder / "feedback.md", feedback.render(result))
    atomic_write(folder / "results.json", gradescope.text(result))
    record = record_of(result, late)
    atomic_write(folder / RECORD, record.to_json())
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


def read_gradebook(out_dir: str | Path) -> tuple[list[GradebookRow], list[str]]:
    """(rows, notes): the row of every student folder with a trusted record, and a note for each folder
    that holds a record this grader cannot trust (it is left out until that student is graded again)."""
    rows: list[GradebookRow] = []
    notes: list[str] = []
    folder = Path(out_dir)
    if not folder.is_dir():
        return rows, notes
    for path in sorted(folder.glob(f"*/{RECORD}")):
        student = path.parent.name
        record = read_record(folder, student)
        if record is None:
            notes.append(
                f"{path} is not a record this grader wrote: {student!r} is left out of {GRADES} until graded again"
            )
        else:
            rows.append(record.row)
    return rows, notes


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
    out_dir: str | Path, results: Iterable[SubmissionResult] = ()
) -> tuple[list[GradebookRow], list[str]]:
    """Write the records of `results` (SubmissionResults not yet written), then grades.csv from every record
    in the folder. Returns (rows, notes) as read_gradebook does."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for result in results:
        atomic_write(out / result.student / RECORD, record_of(result).to_json())
    with locked(out):
        rows, notes = read_gradebook(out)
        atomic_write(out / GRADES, gradebook.render(rows))
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
    return write_gradebook(out)
