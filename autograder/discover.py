"""Finding submissions: which files under the paths a TA gives are whose.

- a `.py` (or `.ipynb`) file is one submission; the student id is its name without the extension;
- in a folder, each `.py` / `.ipynb` directly inside is one submission, and each subfolder is one student
  (id = the folder's name) whose `second_moment.py` (or, failing that, `.ipynb`) is found anywhere inside,
  so nbgrader's `submitted/<student>/<assignment>/` layout works when given `submitted/`.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

MODULE = "second_moment"
#: What a submission is: a Python file, a notebook, or a student folder with nothing to grade.
SubmissionKind = Literal["py", "ipynb", "missing"]
KINDS: dict[str, SubmissionKind] = {".py": "py", ".ipynb": "ipynb"}
#: Names in the --out folder that are not student folders (autograder/outdir.py writes them there).
RESERVED = frozenset({"grades.csv"})


class UsageError(ValueError):
    """A bad path or option: the CLI prints it on one line and exits 2."""


@dataclass(frozen=True)
class Submission:
    """One student's file (or, when kind is "missing", the student's folder with nothing to grade in it)."""

    student: str
    path: Path
    kind: SubmissionKind

    def content(self):
        """The bytes that are graded: the file's own, or none for a folder or a symbolic link, which is never
        followed (it could point at the reference solution on the grading machine)."""
        return self.path.read_bytes() if self.path.is_file() and not self.path.is_symlink() else b""

    def sha256(self):
        return hashlib.sha256(self.content()).hexdigest()


def _skipped(path):
    return path.name.startswith(".") or path.name == "__pycache__"


def _in_folder(folder):
    """The file to grade in one student's folder, preferring second_moment.py, then any notebook."""
    for pattern in (f"{MODULE}.py", f"{MODULE}.ipynb", "*.ipynb"):
        found = sorted(
            p for p in folder.rglob(pattern)
            if not any(part.startswith(".") or part == "__pycache__" for part in p.relative_to(folder).parts)
        )
        if found:
            return Submission(folder.name, found[0], KINDS[found[0].suffix])
    return Submission(folder.name, folder, "missing")


def discover(paths, exclude=()):
    """The submissions under `paths`, sorted by student id. Raises UsageError for a bad path or a clash.

    Folders in `exclude` are never taken for a student: the grader's own --out folder, when a TA keeps
    it beside the submissions, would otherwise come back on the next run as a student with nothing to grade.
    """
    skip = {Path(p).resolve() for p in exclude}
    found = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"no such file or folder: {raw}")
        if path.is_file():
            if path.suffix not in KINDS:
                raise UsageError(f"not a .py or .ipynb file: {raw}")
            found.append(Submission(path.stem, path, KINDS[path.suffix]))
            continue
        for child in sorted(path.iterdir()):
            if _skipped(child) or child.resolve() in skip:
                continue
            if child.is_dir():
                found.append(_in_folder(child))
            elif child.suffix in KINDS:
                found.append(Submission(child.stem, child, KINDS[child.suffix]))
    by_id: dict[str, Submission] = {}
    for sub in found:
        if sub.student in RESERVED:
            raise UsageError(
                f"the student id {sub.student!r} (from {sub.path}) is a file the gradebook folder needs; rename it"
            )
        if sub.student in by_id:
            raise UsageError(
                f"two submissions for student {sub.student!r}: {by_id[sub.student].path} and {sub.path}"
            )
        by_id[sub.student] = sub
    return [by_id[k] for k in sorted(by_id)]
