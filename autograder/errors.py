"""The grader's known failures: one home for every error a user can fix.

A `UsageError` is something the person running `adam-hw` can fix (a bad path, option, manifest, roster or
config value): the CLI prints its message on one line and exits 2. Its message says what is wrong and, where
one is involved, names the flag or file it came from. Anything else that escapes is a bug in the grader and
keeps its traceback.
"""


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
