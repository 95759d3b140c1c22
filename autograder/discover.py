"""Finding submissions: which files under the paths a TA gives are whose.

- a `.py` (or `.ipynb`) file is one submission; the student id is its name without the extension;
- in a folder, each `.py` / `.ipynb` directly inside is one submission, and each subfolder is one student
  (id = the folder's name) whose `second_moment.py` (or, failing that, `.ipynb`) is found anywhere inside,
  so nbgrader's `submitted/<student>/<assignment>/` layout works when given `submitted/`.

Whatever a folder holds, the batch completes: every submission found gets a row in grades.csv. What a
student controls is never followed or trusted:

- no symbolic link is followed below the paths the TA gave (`subs/mallory -> ../solutions` or `-> alice`
  is graded as the link it is: zero, with the reason); nor is one taken as a student's file;
- only a regular file is read, and only up to MAX_BYTES (a FIFO, a device or a 150 MB file is a zero
  with a reason, never a hang or a gigabyte of memory); `Submission.load` decides, at the moment of reading;
- a student folder is searched MAX_DEPTH folders deep and MAX_ENTRIES entries wide, without recursion;
- a name becomes a student id with `student_id`: a name that is valid text keeps exactly the id it
  always had (ids seed per-student draws and drive --resume), any other is escaped so that it is safe as
  a folder name, a CSV cell and on a terminal, and two different names never share an id.
"""

import hashlib
import os
import re
import stat
import unicodedata
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from autograder.errors import UsageError  # its old home: `from autograder.discover import UsageError` still works
from autograder.notebook.cells import MAX_NOTEBOOK_BYTES
from autograder.printable import terminal

MODULE = "second_moment"
#: What a submission is: a Python file, a notebook, or a student folder with nothing to grade.
SubmissionKind = Literal["py", "ipynb", "missing"]
KINDS: dict[str, SubmissionKind] = {".py": "py", ".ipynb": "ipynb"}
#: Largest file read, per kind. A hand-written second_moment.py is a few kB; a notebook carries outputs.
MAX_BYTES: dict[str, int] = {"py": 2_000_000, "ipynb": MAX_NOTEBOOK_BYTES}
MAX_DEPTH = 16  # folders below a student's folder that are searched (nbgrader's layout needs 1)
MAX_ENTRIES = 20_000  # files and folders looked at in one student's folder
#: Names in the --out folder that are not student folders (autograder/outdir.py and `adam-hw report`
#: write them there), and the names of a student's own files in it. A student with one of these names
#: is graded all the same, under an escaped id.
RESERVED = frozenset(
    {
        "grades.csv",
        "late-policy.json",
        "report.md",
        "report.html",
        "report-scores.png",
        "report-items.png",
        "report-misconceptions.png",
        "results.json",
        "feedback.md",
    }
)
_RESERVED_FOLDED = frozenset(name.casefold() for name in RESERVED)  # a TA's disk may ignore case
#: Characters escaped in an id: control (ANSI's ESC, newline), format (bidi overrides that reorder a
#: terminal line), surrogates (bytes that are not UTF-8) and line/paragraph separators.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_NAME_MAX = 255  # bytes in one file name (Linux, macOS): an id is a folder in --out
_LONG = "%2F"  # marks a shortened id; "/" is never in a file name, so no escape produces it


def _unsafe(char: str) -> bool:
    return unicodedata.category(char) in _UNSAFE_CATEGORIES


def student_id(name: str) -> str:
    """The student id for a file or folder name (a str as os gives it, undecodable bytes as surrogates).

    A name that is valid UTF-8 without control or format characters, holds no "%" followed by two hex
    digits, and is not RESERVED (nor "." or ".."), is its own id, as it always was. Any other name is
    escaped: each unsafe character, each "%" and each byte that is not UTF-8 becomes %XX (its UTF-8 bytes),
    and in a reserved name each "." does (grades.csv -> grades%2Ecsv). The escaped id percent-decodes back
    to the name, and always holds a %XX that a kept id cannot, so no two names share an id. An escaped id
    longer than a file name may be is cut and ends with %2F and a hash of the whole name.
    """
    text = os.fsencode(name).decode("utf-8", "surrogateescape")
    reserved = text.casefold() in _RESERVED_FOLDED or text in (".", "..")
    if not reserved and not _ESCAPE.search(text) and not any(_unsafe(c) for c in text):
        return text
    out = []
    for k, char in enumerate(text):
        if 0xDC80 <= ord(char) <= 0xDCFF:  # a byte that is not UTF-8, as surrogateescape keeps it
            out.append(f"%{ord(char) - 0xDC00:02X}")
        elif char == "%" or _unsafe(char) or (reserved and (char == "." or (k == 0 and "." not in text))):
            out.append("".join(f"%{b:02X}" for b in char.encode("utf-8", "surrogatepass")))
        else:
            out.append(char)
    escaped = "".join(out)
    if len(escaped.encode("utf-8")) <= _NAME_MAX:
        return escaped
    digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:32]
    head = escaped[:150]
    head = head[: head.rfind("%")] if "%" in head[-2:] else head  # never split one %XX
    return f"{head}{_LONG}{digest}"


@dataclass(frozen=True)
class Submission:
    """One student's file. kind is "py", "ipynb", or "missing" (a student folder with nothing to grade).

    `note` says why a folder has nothing to grade when the walk stopped short (links not followed, a tree
    too deep or too wide); the grader adds it to the student's feedback.
    """

    student: str
    path: Path
    kind: SubmissionKind
    note: str = ""

    def load(self) -> tuple[bytes, str | None]:
        """(the bytes that are graded, None), or (b"", why nothing is graded) for anything that is not a
        regular file of at most MAX_BYTES: a symbolic link (never followed: it could point at the reference
        solution on the grading machine), a FIFO (it would block), a device, a socket, a huge file.

        The file is checked with lstat, opened without following a link and without blocking, and checked
        again on the open descriptor, so what is read is what was checked.
        """
        name = self.path.name
        try:
            before = os.lstat(self.path)
        except OSError as err:  # gone, unreadable, a path too long: the student's file, not a grader bug
            return b"", f"{name} could not be read ({err.strerror}), so it was not graded."
        if stat.S_ISLNK(before.st_mode):
            return b"", f"{name} is a symbolic link, not a file, so it was not graded: submit the file itself."
        if self.kind == "missing":
            return b"", None
        if not stat.S_ISREG(before.st_mode):
            return (
                b"",
                f"{name} is {_what(before.st_mode)}, not a regular file, so it was not graded: submit the file itself.",
            )
        limit = MAX_BYTES[self.kind]
        too_big = (
            f"{name} is larger than the {limit / 1e6:g} MB a {self.kind} submission may be, so it was not "
            "graded" + ("." if self.kind == "py" else ": clear the outputs and save again.")
        )
        if before.st_size > limit:
            return b"", too_big
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self.path, flags)
        except OSError as err:
            return b"", f"{name} could not be read ({err.strerror}), so it was not graded."
        with os.fdopen(fd, "rb") as f:
            now = os.fstat(fd)
            if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (before.st_dev, before.st_ino):
                return b"", f"{name} changed while it was being read, so it was not graded."
            data = f.read(limit + 1)
        if len(data) > limit:
            return b"", too_big
        return data, None

    #: What per-student draws are seeded from when not the student id: the LMS id a roster gives, so a
    #: student renamed in the LMS keeps their cases (autograder/roster.py).
    seed_id: str | None = None

    def content(self) -> bytes:
        """The bytes that are graded: the file's own, or none (see `load`)."""
        return self.load()[0]

    def sha256(self) -> str:
        return hashlib.sha256(self.content()).hexdigest()


def _what(mode: int) -> str:
    for test, words in (
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return words
    return "not a file"


def _skipped(name: str) -> bool:
    return name.startswith(".") or name == "__pycache__"


def walk(folder: str | Path) -> tuple[list[tuple[Path, bool]], list[str]]:
    """(files, notes) below a student's folder: files is [(path, regular)] for every entry that is not a
    folder (a symbolic link, FIFO or device is listed with regular False, never opened), in breadth-first
    order by name; notes says where the walk stopped short, in a student's words.

    The walk uses a queue (no recursion, whatever the depth), never enters a symbolic link, skips hidden
    names and __pycache__, and stops at MAX_DEPTH folders down and after MAX_ENTRIES entries.
    """
    files: list[tuple[Path, bool]] = []
    notes: list[str] = []
    queue = deque([(Path(folder), 0)])
    seen, links, deep = 0, 0, 0
    while queue and seen <= MAX_ENTRIES:
        here, depth = queue.popleft()
        try:
            with os.scandir(here) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except OSError as err:
            notes.append(f"a folder could not be read ({err.strerror})")
            continue
        for entry in listed:
            seen += 1
            if seen > MAX_ENTRIES:
                notes.append(f"only the first {MAX_ENTRIES} files and folders in it were looked at")
                break
            if _skipped(entry.name):
                continue
            is_link = entry.is_symlink()
            if not is_link and entry.is_dir(follow_symlinks=False):
                if depth < MAX_DEPTH:
                    queue.append((Path(entry.path), depth + 1))
                else:
                    deep += 1
                continue
            links += is_link
            files.append((Path(entry.path), not is_link and entry.is_file(follow_symlinks=False)))
    if links:
        notes.append(f"{links} symbolic link(s) in it were not followed")
    if deep:
        notes.append(f"folders more than {MAX_DEPTH} levels down were not searched")
    return files, notes


def _in_folder(folder: Path) -> Submission:
    """The file to grade in one student's folder, preferring second_moment.py, then second_moment.ipynb,
    then any notebook; among several, a regular file before anything else, then the first by path."""
    wanted = (f"{MODULE}.py", f"{MODULE}.ipynb")
    files, notes = walk(folder)
    candidates = [
        (wanted.index(path.name) if path.name in wanted else 2, not regular, path.relative_to(folder).parts, path)
        for path, regular in files
        if path.name in wanted or path.suffix == ".ipynb"
    ]
    if candidates:
        path = min(candidates)[3]
        return Submission(student_id(folder.name), path, KINDS[path.suffix])
    return Submission(student_id(folder.name), folder, "missing", "; ".join(notes))


def _top_level(raw: str | Path) -> list[Submission | Path]:
    """The submissions a path the TA typed stands for. The TA's own path may be a symbolic link (to a
    folder of submissions); below it, nothing is followed."""
    path = Path(raw)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        raise UsageError(f"no such file or folder: {terminal(str(raw))}") from None
    if stat.S_ISDIR(mode) or (stat.S_ISLNK(mode) and path.is_dir()):
        return _in_class_folder(path)
    if path.suffix not in KINDS:
        raise UsageError(f"not a .py or .ipynb file: {terminal(str(raw))}")
    return [Submission(student_id(path.stem), path, KINDS[path.suffix])]


def _in_class_folder(path: Path) -> list[Submission | Path]:
    found: list[Submission | Path] = []
    try:
        with os.scandir(path) as entries:
            listed = sorted(entries, key=lambda e: e.name)
    except OSError as err:
        raise UsageError(f"cannot list the folder {terminal(str(path))}: {err.strerror}") from None
    for entry in listed:
        if _skipped(entry.name):
            continue
        child = Path(entry.path)
        if entry.is_symlink():
            # `mallory -> alice` or `-> ../solutions`: a row for mallory, graded as the link it is. A link
            # that would not be a submission if it were followed (notes -> README.txt) is skipped, as its
            # target would be.
            if child.suffix in KINDS:
                found.append(Submission(student_id(child.stem), child, KINDS[child.suffix]))
            elif child.is_dir():
                found.append(Submission(student_id(child.name), child, "missing"))
        elif entry.is_dir(follow_symlinks=False):
            found.append(child)
        elif child.suffix in KINDS:  # a regular file, or a FIFO or device: `load` refuses those
            found.append(Submission(student_id(child.stem), child, KINDS[child.suffix]))
    return found


def check_out(paths: Iterable[str | Path], out: str | Path, flag: str = "--out") -> None:
    """UsageError when the gradebook folder `out` is a submissions folder the TA gave, or above one (or
    above a file given): the gradebook would land among the submissions, and the next run of that folder
    would take its student folders for students. An `out` inside a submissions folder is allowed, and
    `discover` leaves it out (its `exclude`)."""
    where = Path(out).resolve()
    for raw in paths:
        given = Path(raw).resolve()
        folder = given if given.is_dir() else given.parent
        if where == folder or where in folder.parents:
            what = "the folder" if where == folder else "above the folder"
            what += " holding the submission" if folder != given else " of submissions"
            raise UsageError(
                f"{flag} {terminal(str(out))} is {what} {terminal(str(raw))}: give a folder outside it, e.g. graded/"
            )


def discover(paths: Iterable[str | Path], exclude: Iterable[str | Path] = ()) -> list[Submission]:
    """The submissions under `paths`, sorted by student id. Raises UsageError for a bad path or a clash.

    Folders in `exclude` are never taken for a student: the grader's own --out folder, when a TA keeps
    it beside the submissions, would otherwise come back on the next run as a student with nothing to grade.
    """
    skip = {Path(p).resolve() for p in exclude}
    found: list[Submission] = []
    for raw in paths:
        for item in _top_level(raw):
            if isinstance(item, Path):  # a student's folder: searched only if it is not --out
                if item.resolve() not in skip:
                    found.append(_in_folder(item))
            else:
                found.append(item)
    by_id: dict[str, Submission] = {}
    for sub in found:
        if sub.student in by_id:
            raise UsageError(
                f"two submissions for student {terminal(sub.student)!r}: "
                f"{terminal(str(by_id[sub.student].path))} and {terminal(str(sub.path))}"
            )
        by_id[sub.student] = sub
    return [by_id[k] for k in sorted(by_id)]
