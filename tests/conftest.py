"""Shared fixtures: the repository's folders, and grading a folder of submissions once per module."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "tests" / "submissions"


@pytest.fixture(scope="session")
def root():
    return ROOT
