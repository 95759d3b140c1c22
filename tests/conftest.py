"""Shared fixtures: the repository's folders, and grading a folder of submissions once per module."""

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import settings

from autograder.results import SubmissionResult, empty_items
from autograder.sandbox.guest import landlock
from autograder.words import prose

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "tests" / "submissions"

# Property tests run the same examples on every machine (derandomize) and few enough to keep `make test`
# fast; HYPOTHESIS_PROFILE=thorough explores more when hunting a bug.
settings.register_profile("adam-hw", derandomize=True, database=None, max_examples=30, deadline=None)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "adam-hw"))


def result_of(**fields: Any) -> SubmissionResult:
    """A SubmissionResult with nothing graded (for tests of what renders it); `fields` replace the defaults."""
    defaults: dict[str, Any] = {
        "student": "ada",
        "path": "ada.py",
        "sha256": "0" * 64,
        "items": empty_items(prose("x")),
        "graded_at": "now",
        "seconds": 0.0,
        "isolation": "basic",
    }
    return SubmissionResult(**{**defaults, **fields})


def load_reference() -> ModuleType:
    """solutions/second_moment.py, loaded fresh under its own name (never as the student's module)."""
    spec = importlib.util.spec_from_file_location("reference_second_moment", ROOT / "solutions" / "second_moment.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Tests that apply Landlock themselves: skipped, saying why, on a kernel without it.
needs_landlock = pytest.mark.skipif(landlock.abi() < 1, reason=f"no Landlock here: {landlock.unavailable_reason()}")

NEEDS_ROOT = (
    "needs root: isolation level 'os' (a uid of its own, mount/pid/net namespaces) or becoming the user nobody; "
    "run `make test` as root, as CI and Gradescope do"
)


#: The test files that take longest (real nbgrader, whole batches, a venv), longest first (measured with
#: `pytest -n 2 --durations=0`, summed per file). They are collected
#: first, so that `make test`'s workers (whole files each) start on them and no long file is left for the end
#: while the other worker idles. Only the order changes; a file not listed keeps its place after these.
LONGEST_FIRST = (
    "test_gradescope.py",
    "test_nbgrader_flow.py",
    "test_readme.py",
    "test_gradebook.py",
    "test_hostile.py",
    "test_report.py",
    "test_corpus.py",
    "test_terms.py",
    "test_grading_model.py",
    "test_cli.py",
    "test_hidden_suite.py",
    "test_sandbox_invariants.py",
    "test_release.py",
    "test_mutation.py",
    "test_intake.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest files first (LONGEST_FIRST). Tests marked `root` skip, saying why (the marker's own
    reason, else NEEDS_ROOT), for a developer without root (they still run on CI)."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: within a file, the file's order
    if os.geteuid() == 0:
        return
    for item in items:
        marker = item.get_closest_marker("root")
        if marker:
            item.add_marker(
                pytest.mark.skip(reason="needs root: " + marker.kwargs["reason"] if marker.kwargs else NEEDS_ROOT)
            )


@pytest.fixture(scope="session")
def root():
    return ROOT


def pytest_configure(config):
    """The formula spaces (autograder/judge/formulas.py) are built once per test session, into a folder of its
    own, and every grader the tests start (in this process or as `adam-hw`) reads them from there: the
    tests neither read a developer's ~/.cache nor leave anything in it."""
    if "ADAM_HW_CACHE" not in os.environ:
        os.environ["ADAM_HW_CACHE"] = config._adam_hw_cache = tempfile.mkdtemp(prefix="adam-hw-test-cache-")


def pytest_unconfigure(config):
    made = getattr(config, "_adam_hw_cache", None)
    if made:
        shutil.rmtree(made, ignore_errors=True)
        del os.environ["ADAM_HW_CACHE"]
