"""The late policy: one typed object, validated once, applied to a gradebook row when grades.csv is written.

Forms (docs/late-policy.md says more): `none` (the default: the final score is the score), `zero` (a late
submission scores 0), and a percentage of the score taken off per day or per hour late (`10%/day`,
`2%/hour`), at most `cap` percent in all. A submission within `grace` of the due date is on time; past it,
the periods are counted from the due date itself, each started one counting whole.

A student is late by their submission time (roster.csv's `submitted`, which `collect gradescope` fills)
and the due date when both are known, else by roster.csv's `late` flag (`collect canvas` fills it from
the download's `late_`, which carries no time). A per-day or per-hour policy needs the time: `check`
refuses, before anything is graded, a late student without one. A student with no file loses nothing.
"""

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args

from autograder.errors import ConfigError
from autograder.results import GradebookRow

Kind = Literal["none", "zero", "per-day", "per-hour"]
KINDS: tuple[Kind, ...] = get_args(Kind)
PERIOD: dict[Kind, timedelta] = {"per-day": timedelta(days=1), "per-hour": timedelta(hours=1)}
_RULE = re.compile(r"(?P<percent>\d+(?:\.\d+)?)%/(?P<unit>day|hour)")
_DURATION = re.compile(r"(?P<n>\d+(?:\.\d+)?)(?P<unit>[smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


@dataclass(frozen=True)
class LatePolicy:
    """How lateness changes a score. `percent` is taken off per period (per-day, per-hour), at most `cap`
    in all; `grace` after `due` is still on time; `due` is the due date, with its time zone."""

    kind: Kind = "none"
    percent: float = 0.0
    cap: float = 100.0
    grace: timedelta = timedelta(0)
    due: datetime | None = None

    def __post_init__(self) -> None:
        # ConfigError names the field; the CLI turns it into its flag (cli.LATE_FLAGS).
        if self.kind not in KINDS:
            raise ConfigError("kind", f"must be none, zero, PERCENT%/day or PERCENT%/hour, got {self.kind!r}")
        if self.kind in PERIOD and not 0 < self.percent <= 100:
            raise ConfigError("kind", f"takes off more than 0% and at most 100% per period, got {self.percent:g}%")
        if not 0 < self.cap <= 100:
            raise ConfigError("cap", f"must be more than 0% and at most 100%, got {self.cap:g}")
        if self.grace < timedelta(0):
            raise ConfigError("grace", f"must not be negative, got {self.grace}")
        if self.due is not None and self.due.utcoffset() is None:
            raise ConfigError(
                "due", f"must say its time zone (e.g. 2027-02-01T23:59-08:00), got {self.due.isoformat()}"
            )
        if self.kind in PERIOD and self.due is None:
            raise ConfigError(
                "due", "is needed by a per-day or per-hour policy: give the due date, e.g. 2027-02-01T23:59Z"
            )
        if self.kind == "none" and (self.cap != 100 or self.grace or self.due):
            raise ConfigError("kind", "is none, so --late-cap, --grace and --due would do nothing: give --late too")

    def describe(self) -> str:
        """The policy in one line, as notes and grades.csv's readers see it."""
        if self.kind == "none":
            return "none"
        rule = "zero" if self.kind == "zero" else f"{self.percent:g}%/{self.kind.removeprefix('per-')}"
        parts = [rule]
        if self.kind in PERIOD and self.cap != 100:
            parts.append(f"at most {self.cap:g}%")
        if self.grace:
            parts.append(f"grace {self.grace}")
        if self.due is not None:
            parts.append(f"due {self.due.isoformat()}")
        return ", ".join(parts)

    def delay(self, submitted: str) -> timedelta | None:
        """How long after the due date `submitted` (ISO 8601) was, when both are known."""
        if not submitted or self.due is None:
            return None
        return timestamp(submitted) - self.due

    def is_late(self, row: GradebookRow) -> bool | None:
        """Whether the row's submission was late: by its time when known, else by its flag (None: unknown)."""
        delay = self.delay(row.submitted)
        if delay is not None:
            return delay > self.grace
        return {"yes": True, "no": False}.get(row.late)

    def apply(self, row: GradebookRow) -> tuple[float, float, str]:
        """(final score, points taken off, late flag for grades.csv) for one row."""
        late = self.is_late(row) if self.kind != "none" else None
        flag = row.late if late is None else ("yes" if late else "no")
        if not late or row.status == "no file found":
            return row.score, 0, flag
        if self.kind == "zero":
            return 0, row.score, flag
        delay = self.delay(row.submitted)
        if delay is None:  # check() refuses this before grading; a row kept from elsewhere is left alone
            return row.score, 0, flag
        periods = math.ceil(delay / PERIOD[self.kind])
        off = min(self.cap, self.percent * periods)
        final = round(row.score * (1 - off / 100), 2)
        return final, round(row.score - final, 2), flag


NONE = LatePolicy()


def timestamp(text: str) -> datetime:
    """An ISO 8601 time with its time zone (`2027-02-01T23:59:00-08:00`, `...Z`); ValueError otherwise."""
    when = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if when.utcoffset() is None:
        raise ValueError(f"{text!r} does not say its time zone (add e.g. -08:00 or Z)")
    return when


def rule(text: str) -> tuple[Kind, float]:
    """(kind, percent) of `--late`'s value; ValueError naming what it takes."""
    if text in ("none", "zero"):
        return ("none" if text == "none" else "zero"), 0.0
    found = _RULE.fullmatch(text.strip())
    if not found:
        raise ValueError(f"must be none, zero, PERCENT%/day or PERCENT%/hour (e.g. 10%/day), got {text!r}")
    return ("per-day" if found["unit"] == "day" else "per-hour"), float(found["percent"])


def duration(text: str) -> timedelta:
    """A duration such as `15m`, `2h`, `1d` or `90s`; ValueError naming what it takes."""
    found = _DURATION.fullmatch(text.strip())
    if not found:
        raise ValueError(f"must be a number with s, m, h or d (e.g. 15m, 2h), got {text!r}")
    return timedelta(**{_UNITS[found["unit"]]: float(found["n"])})


def check(policy: LatePolicy, students: dict[str, tuple[str, str]]) -> list[str]:
    """The students a per-day or per-hour policy cannot be applied to: late by their flag, or of unknown
    lateness, with no submission time (`students` maps each to (late flag, submitted))."""
    if policy.kind not in PERIOD:
        return []
    return sorted(s for s, (late, submitted) in students.items() if not submitted and late != "no")
