"""Terms: which randomised hidden cases a submission is graded on, and the manifest that pins them down.

`adam-hw release --term NAME` writes `autograder/term.json` (generated; never edit it by hand): the term's
name, the seed derived from it, whether the cases vary per student, the generator's version, and a
fingerprint of the cases the term seed draws. The grader reads that manifest, so a regrade months later
draws every case again exactly, and refuses to grade (loudly) if the generator no longer reproduces the
fingerprint. A submission is graded on the fixed cases in `autograder.cases` (the page's worked values
among them) plus the cases drawn from its seed: the term's seed, or, per student, a seed derived from
the term's seed and the student id. The seed and term go into each results.json (`extra_data`).
"""

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from autograder import randomized
from autograder.beyond import PART
from autograder.beyond import cases as beyond_cases
from autograder.beyond.rubric import COUNTS
from autograder.cases import CHECKS
from autograder.errors import ManifestError
from autograder.judge.checks import Check
from autograder.memo import ByIdentity, Key, Run

MANIFEST = Path(__file__).with_name("term.json")
MAX_NAME = 64
GENERATED = "by `adam-hw release --term NAME`; do not edit by hand"


def _seed(text: str) -> int:
    """A 48-bit seed from sha256: at most 15 digits, so JSON readers (2**53) and spreadsheets keep it exact."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:6], "big")


def term_seed(name: str) -> int:
    return _seed(f"adam-hw term {name}")


def student_seed(seed: int, student: str) -> int:
    return _seed(f"adam-hw student {seed} {student}")


def check_name(name: object) -> str:
    """The term name, or ValueError naming what is wrong with it."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"a term name must be a non-empty string, got {name!r}")
    if len(name) > MAX_NAME or not name.isprintable() or name != name.strip():
        raise ValueError(
            f"a term name must be printable, without outer spaces, at most {MAX_NAME} characters, got {name!r}"
        )
    return name


@dataclass(frozen=True)
class Term:
    """One term's draw of hidden cases; per_student gives every student a draw of their own. `beyond` says
    whether the optional part 5 is on and how its points count ("task" or "bonus", autograder/beyond/rubric.py;
    "" is off, and a manifest without the field is a term without the part)."""

    name: str
    per_student: bool = False
    beyond: str = ""

    def __post_init__(self) -> None:
        check_name(self.name)
        if self.beyond and self.beyond not in COUNTS:
            raise ValueError(f"the {PART} part's points count as one of {', '.join(COUNTS)}, got {self.beyond!r}")

    @property
    def seed(self) -> int:
        return term_seed(self.name)

    def seed_for(self, student: str, per_student: bool | None = None) -> int:
        """The seed a student's cases are drawn from; per_student=None follows the term."""
        own = self.per_student if per_student is None else per_student
        return student_seed(self.seed, student) if own else self.seed


@dataclass(frozen=True)
class Plan:
    """What one submission is graded on, and what results.json records about it."""

    checks: tuple[Check, ...]
    term: str
    seed: int
    per_student: bool
    beyond: tuple[Check, ...] = ()  # the part's checks, when the term turns it on
    beyond_counts: str = ""  # how its points count: "task", "bonus", or "" (off)

    @property
    def extra(self) -> dict[str, Any]:
        return {"term": self.term, "seed": self.seed, "per_student": self.per_student}


#: The checks of the seeds a grading run has drawn, for its next students of the same seed (a class without
#: per-student draws has one seed; per-student draws keep the last few).
_CHECKS: Key[ByIdentity[tuple[Check, ...]]] = Key("the checks of each seed", lambda: ByIdentity(kept=8))


def checks_for_seed(seed: int, run: Run | None = None) -> tuple[Check, ...]:
    """The fixed checks followed by the cases drawn from `seed`. Kept in `run` for its next students of the
    same seed: checks are immutable, and their expected values and requests are then computed once per
    run, not per student (and what the run keeps by their identity, memo.py, is found again)."""

    def draw() -> tuple[Check, ...]:
        checks: tuple[Check, ...] = CHECKS + randomized.graded(seed)
        return checks

    return draw() if run is None else run[_CHECKS].get(seed, (), draw)


def seed_of(student: str, term: Term, per_student: bool | None = None) -> tuple[int, bool]:
    """(seed, per_student) for one student: the one place that decides which cases a student gets, for
    grading and for `--resume` alike. `student` is the id draws are seeded from (a roster's LMS id)."""
    own = term.per_student if per_student is None else per_student
    return term.seed_for(student, own), own


def plan(student: str, term: Term, per_student: bool | None = None, run: Run | None = None) -> Plan:
    """What `student` is graded on; `run` keeps the checks of each seed for the run's next students."""
    seed, own = seed_of(student, term, per_student)
    # Part 5's checks, when the term turns it on: a few, built in milliseconds, so not kept in the run.
    beyond = beyond_cases.checks_for_seed(seed) if term.beyond else ()
    return Plan(checks_for_seed(seed, run), term.name, seed, own, beyond, term.beyond)


def _beyond_manifest(term: Term) -> dict[str, Any]:
    drawn = beyond_cases.drawn(term.seed)
    return {
        "points": term.beyond,
        "generator": beyond_cases.VERSION,
        "cases": len(drawn),
        "fingerprint": beyond_cases.fingerprint(drawn),
    }


def manifest(term: Term) -> dict[str, Any]:
    """The manifest for a term, as a dict (see the module docstring). The `beyond` field is there only when
    the term turns the part on, so a term without it writes the manifest it always wrote."""
    drawn = randomized.cases(term.seed)
    data: dict[str, Any] = {
        "generated": GENERATED,
        "term": term.name,
        "seed": term.seed,
        "per_student": term.per_student,
        "generator": randomized.VERSION,
        "cases": len(drawn),
        "fingerprint": randomized.fingerprint(drawn),
    }
    if term.beyond:
        data[PART] = _beyond_manifest(term)
    return data


def manifest_text(term: Term) -> str:
    return json.dumps(manifest(term), indent=2) + "\n"


def _load(path: str | Path) -> tuple[Term, dict[str, Any]]:
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"no term manifest at {path}: run `adam-hw release --term NAME`")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as err:
        raise ManifestError(f"{path} is not valid JSON ({err}): run `adam-hw release --term NAME`") from None
    if not isinstance(data, dict) or not isinstance(data.get("per_student"), bool):
        raise ManifestError(f"{path} is not a term manifest: run `adam-hw release --term NAME`")
    part = data.get(PART)
    if part is not None and not (isinstance(part, dict) and part.get("points") in COUNTS):
        raise ManifestError(f"{path}: its {PART!r} field is not one `adam-hw release --with {PART}` writes")
    try:
        term = Term(check_name(data.get("term")), data["per_student"], part["points"] if part else "")
    except ValueError as err:
        raise ManifestError(f"{path}: {err}: run `adam-hw release --term NAME`") from None
    return term, data


def recorded(path: str | Path = MANIFEST) -> Term:
    """The Term a manifest names, without checking the rest (for `release`, which rewrites it)."""
    return _load(path)[0]


def read(path: str | Path = MANIFEST) -> Term:
    """The Term a manifest records, after checking it reproduces: ManifestError (a usage error) saying what does not."""
    term, data = _load(path)
    expected = manifest(term)
    for key in ("seed", "generator", "cases", "fingerprint"):
        if data.get(key) != expected[key]:
            raise ManifestError(
                f"{path}: {key} is {data.get(key)!r} but this grader draws {expected[key]!r} for term "
                f"{term.name!r}, so it would not grade the cases that term was graded on (was the manifest edited, "
                "or autograder/randomized.py changed?). Grade with the commit that wrote the manifest, or run "
                "`adam-hw release --term NAME` for a new term."
            )
    if term.beyond and data[PART] != expected[PART]:
        raise ManifestError(
            f"{path}: the {PART} part's draw is not what this grader draws for term {term.name!r} (was the "
            "manifest edited, or autograder/beyond/cases.py changed?): grade with the commit that wrote it"
        )
    return term


@cache
def current() -> Term:
    """The term in autograder/term.json, read and checked once per process: a fact of the installation (its
    manifest), the same for every run."""
    return read(MANIFEST)
