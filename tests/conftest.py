"""Shared fixtures: the repository's folders, and grading a folder of submissions once per module."""

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "tests" / "submissions"

# Property tests run the same examples on every machine (derandomize) and few enough to keep `make test`
# fast; HYPOTHESIS_PROFILE=thorough explores more when hunting a bug.
settings.register_profile("adam-hw", derandomize=True, database=None, max_examples=30, deadline=None)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "adam-hw"))


def load_reference() -> ModuleType:
    """solutions/second_moment.py, loaded fresh under its own name (never as the student's module)."""
    spec = importlib.util.spec_from_file_location("reference_second_moment", ROOT / "solutions" / "second_moment.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


NEEDS_ROOT = (
    "needs root: isolation level 'os' (a uid of its own, mount/pid/net namespaces) or becoming the user nobody; "
    "run `make test` as root, as CI and Gradescope do"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `root` skip, saying why, for a developer without root (they still run on CI)."""
    if os.geteuid() == 0:
        return
    for item in items:
        if item.get_closest_marker("root"):
            item.add_marker(pytest.mark.skip(reason=NEEDS_ROOT))


@pytest.fixture(scope="session")
def root():
    return ROOT
