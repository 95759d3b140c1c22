"""Reading an LMS's download: what each LMS's module (canvas, moodle, gradescope) implements for `collect`
(`Download`), what it returns (`Pick`, one per student), and the helpers all three read names with.

A leaf of the package: `lms/__init__` dispatches to the LMS modules, which import this, never it.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from autograder.discover import KINDS, MODULE
from autograder.lms import archive

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison


@dataclass(frozen=True)
class Pick:
    """One student's latest attempt in a download."""

    student: str
    lms_id: str
    name: str
    member: archive.Member | None  # None: the student is in the download but sent no .py or .ipynb
    late: str = ""  # "yes", "no", or "" when the LMS does not say
    group: str = ""
    submitted: str = ""  # the submission's time, ISO 8601 with its zone, where the LMS gives one


def slug(text: str) -> str:
    """A name as a safe, readable piece of a student id: ASCII letters, digits and `-`, lower case."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "student"


def gradable(members: Iterable[archive.Member]) -> list[archive.Member]:
    """The members that could be the submission: .py and .ipynb files."""
    return [m for m in members if m.path.suffix in KINDS and not m.cut]


def over_limit(members: Sequence[archive.Member], below: int = 0) -> str | None:
    """Why one student's part of the download is not collected (archive.STUDENT), or None when it is within
    the limits. Depth counts the folders below the student's own: the first `below` folders of each path
    are the LMS's (Moodle's per-student folder; Gradescope's export and submission folders)."""
    limits = archive.STUDENT
    if len(members) > limits.members:
        return f"{len(members)} files, more than {limits.members}"
    size = sum(m.size for m in members)
    if size > limits.bytes:
        return f"{size} bytes, more than {limits.bytes} bytes"
    if any(m.cut or len(m.path.parts) - 1 - below > limits.depth for m in members):
        return f"files more than {limits.depth} folders deep"
    return None


def skipped(student: str, reason: str) -> str:
    """The note for a student over a limit: what was found, and what grading will say."""
    return f"{student}: {reason}: not collected (status: no file found)"


def named(member: archive.Member) -> bool:
    """Whether the file is second_moment.py / .ipynb, allowing an LMS's `-N` suffix for a resubmission."""
    return re.fullmatch(rf"{MODULE}(-\d+)?", member.path.stem) is not None


def latest(
    candidates: Sequence[archive.Member], key: Callable[[archive.Member], "SupportsRichComparison"]
) -> archive.Member | None:
    """The file to grade among one student's: those named second_moment first, then the latest by key."""
    preferred = [m for m in candidates if named(m)] or candidates
    return max(preferred, key=key) if preferred else None


class Download(Protocol):
    """What each LMS's module (canvas, moodle, gradescope) provides to read its download."""

    WHAT: str  # the download in words, for "is it ...?"

    def picks(self, members: Sequence[archive.Member]) -> tuple[list[Pick], list[str]]:
        """(each student's latest attempt, notes) from the download's members."""
        ...
