"""The grader's known failures: one home for every error a user can fix.

A `UsageError` is something the person running `adam-hw` can fix (a bad path, option, manifest, roster or
config value): the CLI prints its message on one line and exits 2. Its message says what is wrong and, where
one is involved, names the flag or file it came from. Anything else that escapes is a bug in the grader and
keeps its traceback.
"""

import errno
import os
from typing import ClassVar


class UsageError(ValueError):
    """A bad path, option, manifest or config value: printed on one line, exit 2."""


class ConfigError(UsageError):
    """A GradeConfig field with a bad value. `field` is the dataclass field, so the CLI can name its flag."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field} {problem}")


class ManifestError(UsageError):
    """autograder/term.json is missing, unreadable, or does not reproduce the cases it records."""


class DiskError(UsageError):
    """Writing a file failed because of its disk: full (ENOSPC), over quota (EDQUOT), failing (EIO) or
    read-only (EROFS). The grader's code is not at fault and nothing was half written (see
    outdir.atomic_write); the message says what failed and how to fix it."""

    #: The disk's errors, each in words and with what fixes it.
    KINDS: ClassVar[dict[int, tuple[str, str]]] = {
        errno.ENOSPC: ("the disk is full", "free space on that disk"),
        errno.EDQUOT: ("the disk quota is used up", "free space in your quota"),
        errno.EIO: ("the disk reported an I/O error", "check that disk (dmesg), or move the folder to a sound one"),
        errno.EROFS: ("the file system is read-only", "make that file system writable"),
    }

    def __init__(self, path: str, error: OSError) -> None:
        self.path = path
        self.errno = error.errno if error.errno in self.KINDS else errno.EIO
        self.strerror = error.strerror or os.strerror(self.errno)
        self.what, self.fix = self.KINDS[self.errno]
        super().__init__(f"cannot write {path} ({self.strerror}: {self.what}): {self.fix}, then run the command again")

    @classmethod
    def covers(cls, error: OSError) -> bool:
        """Whether `error` is the disk's, not the grader's own (a bad path, a permission)."""
        return error.errno in cls.KINDS
