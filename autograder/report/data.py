"""A graded class as plain data, read back from an `adam-hw grade` folder: grades.csv and DIR/<student>/results.json.

Scores and item results come from grades.csv (the gradebook TAs already trust), whose item columns are
found by rubric id, so columns it gains (a status, late) are not mistaken for items. The named
misconceptions come from each listed student's results.json `extra_data["misconceptions"]`, which may be
absent or empty (a student with no diagnosed mistake, or a folder graded before diagnosis existed); a
results.json of a student grades.csv does not list is counted as such and not used.

An item "fails on its own" for a student when it failed and every function its checks call besides its
own task's passed all of that function's items: identity.constant_gradient failing because bias_correct
is wrong is bias_correct's failure, not the identity's (see `prerequisites`).
"""

import csv
import json
from collections import Counter
from collections.abc import Collection, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from statistics import mean, median
from typing import TypedDict

from autograder import csvsafe
from autograder.beyond import rubric as beyond_rubric
from autograder.cases import CHECKS
from autograder.errors import UsageError
from autograder.rubric import FUNCTIONS, ITEMS_BY_ID, RubricItem, items_for

FIXED_COLUMNS = ("student", "score", "max_score")
NO_FILE = "no file found"  # grades.csv's status for a roster student with no submission
GRADER_ERROR = "grader error"  # grades.csv's status for a student whose files could not be written


def prerequisites(item_id: str) -> tuple[str, ...]:
    """The functions an item's checks call besides its own task's: an earlier function it builds on."""
    item = ITEMS_BY_ID.get(item_id)
    used = {name for check in CHECKS if check.item == item_id for name in check.uses}
    return tuple(f for f in FUNCTIONS if f in used and (item is None or f != item.task))


@dataclass(frozen=True)
class ItemStats:
    id: str
    number: str
    title: str
    points: float
    passed: int
    students: int
    own_failures: int = 0  # students who failed it while every prerequisite function passed
    failed_by: tuple[str, ...] = ()  # the students who failed it, sorted (shown only when asked for)

    @property
    def rate(self) -> float:
        return self.passed / self.students if self.students else 0.0


class Summary(TypedDict):
    """The class's scores in a few numbers (0 for each when the class is empty)."""

    students: int
    mean: float
    median: float
    min: float
    max: float
    full_marks: int
    zero: int


@dataclass(frozen=True)
class BeyondData:
    """Part 5 (beyond the page) across the class: only the rows of grades.csv graded with it."""

    students: int  # rows with a part 5 score
    mean: float  # their mean part 5 score
    max_score: float
    counts: tuple[str, ...]  # how its points counted ("task", "bonus"), as the rows say
    items: tuple[ItemStats, ...]  # in part 5's rubric order
    answered: int  # rows whose short written answer is there (a .py's BEYOND_ANSWER)
    misconceptions: tuple[tuple[str, int], ...] = ()  # (id, students), from extra_data.beyond.misconceptions


@dataclass(frozen=True)
class ClassData:
    scores: tuple[float, ...]  # one per row of grades.csv
    max_score: float
    items: tuple[ItemStats, ...]  # in grades.csv's column order
    misconceptions: tuple[tuple[str, int], ...]  # (id, students who made it), most common first
    diagnosed: int  # results.json files that carry the misconceptions key at all
    results_read: int  # results.json files read for students grades.csv lists
    terms: tuple[str, ...]  # the terms the class was graded under
    unnamed: tuple[
        tuple[str, int], ...
    ] = ()  # (function, students whose function failed with no named mistake), in task order
    not_listed: int = 0  # results.json files of students grades.csv does not list (not counted)
    ungraded: int = 0  # rows graded on no item (status "no file found"): left out of the item counts
    beyond: BeyondData | None = None  # part 5, when any row was graded with it

    @property
    def students(self) -> int:
        return len(self.scores)

    def summary(self) -> Summary:
        s = self.scores
        return {
            "students": len(s),
            "mean": mean(s) if s else 0.0,
            "median": median(s) if s else 0.0,
            "min": min(s) if s else 0.0,
            "max": max(s) if s else 0.0,
            "full_marks": sum(1 for x in s if x == self.max_score),
            "zero": sum(1 for x in s if x == 0),
        }


def _number(text: str, where: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        raise UsageError(f"{where}: expected a number, got {text!r}") from None


def read_rows(path: Path) -> list[dict[str, str]]:
    """grades.csv as one dict per row, keyed by column name; UsageError naming a malformed file or row."""
    return read_table(path)[1]


def read_table(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """(header, rows) of grades.csv, each row a dict keyed by column name, each cell unguarded (csvsafe)."""
    if not path.is_file():
        raise UsageError(f"no grades.csv in {path.parent}: give the folder `adam-hw grade --out` wrote")
    try:
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except (UnicodeDecodeError, csv.Error) as err:
        raise UsageError(f"{path} is not a UTF-8 CSV file ({err})") from None
    if not rows or not set(FIXED_COLUMNS) <= set(rows[0]):
        raise UsageError(f"{path}: the header must have the columns {', '.join(FIXED_COLUMNS)}")
    header = rows[0]
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise UsageError(f"{path}, line {line}: {len(row)} cells, expected {len(header)}")
    return header, [dict(zip(header, map(csvsafe.unguard, row))) for row in rows[1:]]


def read_grades(path: Path) -> tuple[tuple[float, ...], float, dict[str, dict[str, bool]], list[str]]:
    """(scores, max_score, {student: {item id: passed}}, item ids) from grades.csv, with UsageError naming a
    malformed file or cell.

    Columns are found by name: the item columns are those named by a rubric item id, in rubric order, so
    columns added later (status, late) or reordered are never taken for items. A blank item cell (a row
    kept from another rubric) means the student was not graded on that item: it is left out of their row;
    a student whose status is "no file found" was graded on no item.
    """
    return _grades(path, *read_table(path))


def _grades(
    path: Path, header: Sequence[str], body: Sequence[Mapping[str, str]]
) -> tuple[tuple[float, ...], float, dict[str, dict[str, bool]], list[str]]:
    """read_grades of the table read_table read from `path`."""
    item_ids = [item_id for item_id in ITEMS_BY_ID if item_id in header]
    scores: list[float] = []
    maxima: set[float] = set()
    passed: dict[str, dict[str, bool]] = {}
    for line, row in enumerate(body, start=2):
        if row.get("status") == GRADER_ERROR:
            raise UsageError(
                f"{path}, line {line}: {row['student']} has status {GRADER_ERROR} (their files could not be "
                "written): run the grade command again with --resume, then the report"
            )
        scores.append(_number(row["score"], f"{path}, line {line}, score"))
        maxima.add(_number(row["max_score"], f"{path}, line {line}, max_score"))
        if row.get("status") == NO_FILE:
            passed[row["student"]] = {}  # nothing of theirs was graded: their zeros say nothing about a topic
            continue
        passed[row["student"]] = {
            item_id: _number(row[item_id], f"{path}, line {line}, {item_id}") == ITEMS_BY_ID[item_id].points
            for item_id in item_ids
            if row[item_id] != ""
        }
    if len(maxima) > 1:
        raise UsageError(f"{path}: rows have different max_score values {sorted(maxima)}")
    return tuple(scores), (maxima.pop() if maxima else 0.0), passed, item_ids


def read_beyond(path: Path, header: Sequence[str], body: Sequence[Mapping[str, str]]) -> BeyondData | None:
    """Part 5's columns of grades.csv at `path` (render/gradebook.BEYOND_COLUMNS), as read_table read them,
    as BeyondData without its named mistakes (read_results has them); None when no row was graded with it."""
    if "beyond_score" not in header:
        return None
    graded = [(line, row) for line, row in enumerate(body, start=2) if row["beyond_score"] != ""]
    if not graded:
        return None
    scores = [_number(row["beyond_score"], f"{path}, line {line}, beyond_score") for line, row in graded]
    maxima = {_number(row["beyond_max"], f"{path}, line {line}, beyond_max") for line, row in graded}
    if len(maxima) > 1:
        raise UsageError(f"{path}: rows have different beyond_max values {sorted(maxima)}")
    passed = {
        row["student"]: {
            item.id: _number(row[item.id], f"{path}, line {line}, {item.id}") == item.points
            for item in beyond_rubric.ITEMS
            if row.get(item.id, "") != ""
        }
        for line, row in graded
    }
    # Its checks run on exact core functions where the student's own fail (follow-through): a failure here
    # is always part 5's own.
    items = tuple(_stats(item, passed) for item in beyond_rubric.ITEMS)
    return BeyondData(
        len(graded),
        mean(scores),
        maxima.pop(),
        tuple(sorted({row.get("beyond_counts", "") for _, row in graded} - {""})),
        items,
        sum(1 for _, row in graded if row.get(beyond_rubric.WRITTEN) == "answered"),
    )


def function_failed(passed: Mapping[str, bool], func: str) -> bool:
    """A student's function failed when any item of its own task did."""
    return any(not passed.get(item.id, True) for item in items_for(func))


def item_stats(passed: Mapping[str, Mapping[str, bool]], item_ids: Iterable[str]) -> tuple[ItemStats, ...]:
    """ItemStats for each rubric item grades.csv has a column for, in rubric order."""
    return tuple(_stats(ITEMS_BY_ID[item_id], passed, prerequisites(item_id)) for item_id in item_ids)


def _stats(item: RubricItem, passed: Mapping[str, Mapping[str, bool]], before: Sequence[str] = ()) -> ItemStats:
    """One item's ItemStats over the students graded on it; a failure is the item's own when none of the
    functions `before` (its prerequisites) failed for that student."""
    graded = [s for s, row in passed.items() if item.id in row]
    failed = tuple(sorted(s for s in graded if not passed[s][item.id]))
    own = sum(1 for s in failed if not any(function_failed(passed[s], f) for f in before))
    return ItemStats(item.id, item.number, item.title, item.points, len(graded) - len(failed), len(graded), own, failed)


@dataclass(frozen=True)
class Diagnosed:
    """What the class's results.json files say (read_results)."""

    misconceptions: tuple[tuple[str, int], ...]  # (id, students), most common first
    diagnosed: int  # files that carry extra_data.misconceptions
    read: int  # files read
    terms: tuple[str, ...]
    named_by: dict[str, set[str]]  # {student: the ids named for them}
    not_listed: int  # files of students grades.csv does not list (not read)
    beyond: tuple[tuple[str, int], ...]  # part 5's named mistakes, as misconceptions


def read_results(folder: Path, listed: Container[str]) -> Diagnosed:
    """What DIR/*/results.json say, for the students in `listed` (grades.csv's)."""
    counts: Counter[str] = Counter()
    beyond_counts: Counter[str] = Counter()
    terms: set[str] = set()
    named_by: dict[str, set[str]] = {}
    diagnosed, read, not_listed = 0, 0, 0
    for path in sorted(folder.glob("*/results.json")):
        if path.parent.name not in listed:
            not_listed += 1  # e.g. a student dropped from the gradebook: their old file is not this class
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as err:
            raise UsageError(f"{path} is not valid JSON: {err}") from None
        extra = data.get("extra_data") if isinstance(data, dict) else None
        if not isinstance(extra, dict):
            raise UsageError(f"{path} has no extra_data object: was it written by `adam-hw grade`?")
        read += 1
        if extra.get("term"):
            terms.add(str(extra["term"]))
        part = extra.get("beyond")
        if isinstance(part, dict) and "misconceptions" in part:
            beyond_counts.update(set(_ids(part["misconceptions"], path, "extra_data.beyond.misconceptions")))
        if "misconceptions" not in extra:
            continue
        named = _ids(extra["misconceptions"], path, "extra_data.misconceptions")
        diagnosed += 1
        counts.update(set(named))  # a student counts once per mistake
        named_by[path.parent.name] = set(named)
    return Diagnosed(
        _ranked(counts), diagnosed, read, tuple(sorted(terms)), named_by, not_listed, _ranked(beyond_counts)
    )


def _ranked(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
    """(id, students), most common first, then by id."""
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _ids(named: object, path: Path, key: str) -> list[str]:
    if not isinstance(named, list) or not all(isinstance(m, str) for m in named):
        raise UsageError(f"{path}: {key} must be a list of ids, got {named!r}")
    return named


def _function_of(misconception_id: str) -> str:
    """The function a diagnosis id is about: `update_v.beta1` or `formula:update_v=...`."""
    if misconception_id.startswith("formula:"):
        return misconception_id[len("formula:") :].split("=", 1)[0]
    return misconception_id.split(".", 1)[0]


def unnamed_failures(
    passed: Mapping[str, Mapping[str, bool]], named_by: Mapping[str, Collection[str]]
) -> tuple[tuple[str, int], ...]:
    """(function, students) for each function: diagnosed students whose function failed with no named mistake."""
    out: list[tuple[str, int]] = []
    for func in FUNCTIONS:
        n = sum(
            1
            for student, ids in named_by.items()
            if function_failed(passed.get(student, {}), func) and not any(_function_of(m) == func for m in ids)
        )
        out.append((func, n))
    return tuple(out)


def read_class(folder: str | Path) -> ClassData:
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"no such folder: {folder}")
    table = read_table(folder / "grades.csv")
    scores, max_score, passed, item_ids = _grades(folder / "grades.csv", *table)
    found = read_results(folder, set(passed))
    part = read_beyond(folder / "grades.csv", *table)
    return ClassData(
        scores,
        max_score,
        item_stats(passed, item_ids),
        found.misconceptions,
        found.diagnosed,
        found.read,
        found.terms,
        unnamed_failures(passed, found.named_by),
        found.not_listed,
        sum(1 for row in passed.values() if not row),
        None if part is None else replace(part, misconceptions=found.beyond),
    )
