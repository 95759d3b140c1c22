"""The pytest plugin behind the hidden suite: adds --submission and a `graded` fixture.

Installed as a pytest11 entry point, so the option exists wherever the package is installed. The fixture
grades the submission once, through the same sandboxed worker as `adam-hw grade`.
"""

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from autograder.config import DEFAULT, GradeConfig
from autograder.discover import Submission, discover
from autograder.errors import UsageError

if TYPE_CHECKING:  # the fixture imports the grader when it runs, not when pytest loads the plugin
    from autograder.results import SubmissionResult


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("adam-hw", "the second-moment assignment's hidden checks")
    group.addoption("--submission", metavar="PATH", help="the student's second_moment.py to check")
    group.addoption(
        "--submission-timeout",
        type=float,
        default=DEFAULT.timeout,
        metavar="SECONDS",
        help=f"longest one call into student code may run (default {DEFAULT.timeout:g})",
    )


HIDDEN = Path(__file__).resolve().parent


def _submission(config: pytest.Config) -> Submission:
    """The one submission --submission names; pytest.UsageError (exit 4, one message) when there is none."""
    path = config.getoption("--submission")
    if not path:
        raise pytest.UsageError("the hidden checks need --submission PATH (a student's second_moment.py)")
    try:
        (submission,) = discover([path]) if Path(path).is_file() else (None,)
    except UsageError as err:
        raise pytest.UsageError(str(err)) from None
    if submission is None:
        raise pytest.UsageError(f"--submission must be a .py file, got {path}")
    return submission


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Checked once here, before any test runs, so a bad --submission is one usage error rather than
    # the same error in every test; only when the hidden checks were collected (the plugin is global).
    if any(Path(str(item.path)).resolve().parent == HIDDEN for item in items):
        _submission(config)


@pytest.fixture(scope="session")
def graded(request: pytest.FixtureRequest) -> "SubmissionResult":
    """The SubmissionResult of the submission named by --submission, graded once per session."""
    from autograder.grading import grade_submission

    submission = _submission(request.config)
    config = GradeConfig(timeout=request.config.getoption("--submission-timeout"), jobs=1)
    return grade_submission(submission, config)
