"""A graded class as plain data, read back from an `adam-hw grade` folder: grades.csv and DIR/<student>/results.json.

Scores and item results come from grades.csv (the gradebook TAs already trust); the named misconceptions
come from each results.json's `extra_data["misconceptions"]`, which may be absent or empty (a student
with no diagnosed mistake, or a folder graded before diagnosis existed).
"""

import csv
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from statistics import mean, median

from autograder.discover import UsageError
from autograder.rubric import FUNCTIONS, ITEMS_BY_ID

FIXED_COLUMNS = ("student", "score", "max_score")


@dataclass(frozen=True)
class ItemStats:
    id: str
    number: str
    title: str
    points: float
    passed: int
    students: int

    @property
    def rate(self):
        return self.passed / self.students if self.students else 0.0


@dataclass(frozen=True)
class ClassData:
    scores: tuple  # one per row of grades.csv
    max_score: float
    items: tuple  # ItemStats, in grades.csv's column order
    misconceptions: tuple  # (id, students who made it), most common first
    diagnosed: int  # results.json files that carry the misconceptions key at all
    results_read: int
    terms: tuple  # the terms the class was graded under
    undiagnosed: tuple = ()  # (function, students whose failure in it has no name), most common first

    @property
    def students(self):
        return len(self.scores)

    def summary(self):
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


def _number(text, where):
    try:
        return float(text)
    except (TypeError, ValueError):
        raise UsageError(f"{where}: expected a number, got {text!r}") from None


def read_grades(path):
    """(scores, max_score, items) from grades.csv, with UsageError naming a malformed file or cell."""
    if not path.is_file():
        raise UsageError(f"no grades.csv in {path.parent}: give the folder `adam-hw grade --out` wrote")
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows or tuple(rows[0][:3]) != FIXED_COLUMNS:
        raise UsageError(f"{path}: the first columns must be {', '.join(FIXED_COLUMNS)}")
    header, body = rows[0], rows[1:]
    item_ids = header[3:]
    scores, maxima, passed = [], set(), Counter[str]()
    for line, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise UsageError(f"{path}, line {line}: {len(row)} cells, expected {len(header)}")
        scores.append(_number(row[1], f"{path}, line {line}, score"))
        maxima.add(_number(row[2], f"{path}, line {line}, max_score"))
        for item_id, cell in zip(item_ids, row[3:]):
            got = _number(cell, f"{path}, line {line}, {item_id}")
            item = ITEMS_BY_ID.get(item_id)
            if (got == item.points) if item else got > 0:
                passed[item_id] += 1
    if len(maxima) > 1:
        raise UsageError(f"{path}: rows have different max_score values {sorted(maxima)}")
    items = tuple(
        ItemStats(
            i, ITEMS_BY_ID[i].number if i in ITEMS_BY_ID else "", ITEMS_BY_ID[i].title if i in ITEMS_BY_ID else i,
            ITEMS_BY_ID[i].points if i in ITEMS_BY_ID else 0, passed[i], len(body),
        )
        for i in item_ids
    )
    return tuple(scores), (maxima.pop() if maxima else 0.0), items


def read_results(folder):
    """(misconception counts, files with the key, files read, terms) from DIR/*/results.json."""
    counts, diagnosed, read, terms = Counter[str](), 0, 0, set()
    undiagnosed = Counter[str]()
    for path in sorted(folder.glob("*/results.json")):
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
        if "misconceptions" not in extra:
            continue
        named = extra["misconceptions"]
        if not isinstance(named, list) or not all(isinstance(m, str) for m in named):
            raise UsageError(f"{path}: extra_data.misconceptions must be a list of ids, got {named!r}")
        diagnosed += 1
        counts.update(set(named))  # a student counts once per mistake
        undiagnosed.update(_undiagnosed(extra.get("failed_checks"), named))
    ranked = tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    unnamed = tuple(sorted(undiagnosed.items(), key=lambda kv: (-kv[1], kv[0])))
    return ranked, diagnosed, read, tuple(sorted(terms)), unnamed


def _function_of(misconception_id):
    """The function a diagnosis id is about: `update_v.beta1` or `formula:update_v=...`."""
    if misconception_id.startswith("formula:"):
        return misconception_id[len("formula:"):].split("=", 1)[0]
    return misconception_id.split(".", 1)[0]


def _undiagnosed(failed_checks, named):
    """The functions that failed a check with no diagnosis id for them."""
    if not isinstance(failed_checks, list):
        return set()
    failed = {c.split(".", 1)[0] for c in failed_checks if isinstance(c, str)} & set(FUNCTIONS)
    return failed - {_function_of(m) for m in named}


def read_class(folder):
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"no such folder: {folder}")
    scores, max_score, items = read_grades(folder / "grades.csv")
    misconceptions, diagnosed, read, terms, undiagnosed = read_results(folder)
    return ClassData(scores, max_score, items, misconceptions, diagnosed, read, terms, undiagnosed)
