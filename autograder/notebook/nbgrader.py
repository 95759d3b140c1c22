"""Running stock nbgrader on the source notebook: `generate_assignment` in a throwaway course folder.

nbgrader is an optional extra (`pip install -e '.[nbgrader]'` in the checkout), needed by instructors only: it is found
and run here, as its own command-line program, and never imported by the grader. The command runs with
`--no-db` (no gradebook, so no alembic and no database timestamps), and what it writes is normalised the
way nbformat saves notebooks, so the release is the same bytes on every run.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from autograder.errors import UsageError

ASSIGNMENT = "second_moment"
NOTEBOOK = "second_moment.ipynb"


class NbgraderMissing(UsageError):
    """nbgrader is not installed where this Python can run it (the CLI says so on one line and exits 2)."""


def command() -> list[str]:
    """How to run nbgrader: the `nbgrader` script beside this Python, else the one on PATH."""
    beside = Path(sys.executable).with_name("nbgrader")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("nbgrader")
    if found:
        return [found]
    raise NbgraderMissing(
        "nbgrader is not installed: run `.venv/bin/pip install -e '.[nbgrader]'` in the adam-hw checkout (instructors only)"
    )


def environment() -> dict[str, str]:
    """The environment for nbgrader: this Python's bin folder first on PATH (nbgrader runs `alembic` from it)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def run(args: Sequence[str], cwd: str | Path) -> subprocess.CompletedProcess[str]:
    """Run `nbgrader ARGS` in cwd; RuntimeError with its output if it fails."""
    done = subprocess.run(command() + list(args), cwd=cwd, env=environment(), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"`nbgrader {' '.join(args)}` failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done


def normalise(text: str) -> str:
    """A notebook's text as build.render writes it: sorted keys, one-space indent, a final newline."""
    return json.dumps(json.loads(text), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def generate_assignment(source_text: str) -> str:
    """The student's notebook: nbgrader's release of the source notebook (solutions and hidden tests removed)."""
    with tempfile.TemporaryDirectory(prefix="adam-hw-nbgrader-") as tmp:
        course = Path(tmp)
        (course / "source" / ASSIGNMENT).mkdir(parents=True)
        (course / "source" / ASSIGNMENT / NOTEBOOK).write_text(source_text, encoding="utf-8")
        (course / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.root = '.'\n", encoding="utf-8")
        run(["generate_assignment", ASSIGNMENT, "--no-db", "--force"], cwd=course)
        return normalise((course / "release" / ASSIGNMENT / NOTEBOOK).read_text(encoding="utf-8"))
