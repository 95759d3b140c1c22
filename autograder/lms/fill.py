"""Filling an LMS's gradebook export: what each LMS's module with an export (canvas, moodle) implements for
`export` (`Export`), what its `fill` returns (`Filled`), the grade as the file writes it (`points`), and the
file read as the LMS wrote it (`read_csv`; Moodle's grading worksheet is read with it for its times too).

A leaf of the package: `lms/__init__` dispatches to the LMS modules, which import this, never it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from autograder import csvsafe
from autograder.errors import UsageError
from autograder.lms import numbers


@dataclass(frozen=True)
class Filled:
    """What an LMS module's `fill` made of the LMS's file: its rows with the grades entered, how many, the
    LMS ids graded here but absent from the file, the file's students left as they were (`Name (id)`),
    and notes (how the grades were scaled)."""

    rows: list[list[str]]
    filled: int
    unmatched: set[str]
    untouched: list[str]
    notes: list[str]


class Export(Protocol):
    """What an LMS's module with a gradebook export (canvas, moodle) provides to fill it in."""

    def fill(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        scores: Mapping[str, tuple[float, float]],
        assignment: str | None = None,
        decimal: numbers.DecimalMark | None = None,
    ) -> Filled:
        """The file with the assignment's grades filled in from `scores` (LMS id -> (score, max_score)),
        every number read in the file's own locale form (lms.numbers)."""
        ...


def points(score: float, max_score: float, possible: float | None, mark: numbers.DecimalMark = "point") -> str:
    """The grade to enter: the score scaled to the LMS's points possible when it says, as a short number
    with the file's decimal mark."""
    value = score if possible is None else score * possible / max_score
    return numbers.write(value, mark)


def read_csv(path: str | Path, flag: str) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of an LMS's CSV export, every cell a `csvsafe.Raw`: written back as the LMS wrote it."""
    import csv

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{flag}: no such file: {path}")
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except (UnicodeDecodeError, csv.Error) as err:
        raise UsageError(f"{flag}: {path} is not a UTF-8 CSV file ({err})") from None
    if not rows:
        raise UsageError(f"{flag}: {path} is empty")
    raw: list[list[str]] = [[csvsafe.Raw(c) for c in row] for row in rows]
    return raw[0], raw[1:]
