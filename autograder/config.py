"""The grader's settings: one typed object, its defaults defined here once; the CLI reads them from here."""

import os
from dataclasses import dataclass, field
from typing import Literal, get_args

from autograder.errors import ConfigError

#: How student code is isolated: "os" (root: own uid and namespaces), "basic" (what any user can do), or
#: "auto": "os" when possible. The CLI's choices and the sandbox pool's levels are these.
Isolation = Literal["auto", "os", "basic"]
ISOLATIONS: tuple[Isolation, ...] = get_args(Isolation)


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@dataclass(frozen=True)
class GradeConfig:
    """How to grade: limits on student code and how many submissions run at once."""

    timeout: float = 5.0  # seconds one call into student code may run: sandbox/budget.py derives every limit from it
    jobs: int = field(default_factory=_cpus)  # submissions graded at once
    memory_mb: int = 1024  # memory one submission's processes hold together (sandbox/budget.py says how)
    disk_mb: int = 256  # what one submission may write in all: its tmpfs
    processes: int = 64  # processes one submission may have at once
    file_size_mb: int = 16  # largest file (its captured output included) the worker may write
    output_keep_kb: int = 4  # of the student's printed output, keep this much from the start and the end
    isolation: Isolation = "auto"
    per_student: bool | None = None  # draw randomised cases per student; None follows autograder/term.json

    def __post_init__(self) -> None:
        # The one place these values are checked: ConfigError names the field, and the CLI its flag.
        if not self.timeout > 0:
            raise ConfigError("timeout", f"must be > 0 seconds, got {self.timeout:g}")
        if self.jobs < 1:
            raise ConfigError("jobs", f"must be >= 1, got {self.jobs}")
        if self.isolation not in ISOLATIONS:
            raise ConfigError("isolation", f"must be auto, os or basic, got {self.isolation!r}")
        if self.memory_mb < 64:
            raise ConfigError("memory_mb", f"must be at least 64 MB, got {self.memory_mb}")
        if self.disk_mb < 1:
            raise ConfigError("disk_mb", f"must be at least 1 MB, got {self.disk_mb}")
        if self.processes < 1:
            raise ConfigError("processes", f"must be >= 1, got {self.processes}")


DEFAULT = GradeConfig()
