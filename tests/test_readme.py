"""The README's TA and instructor commands run as written, from the checkout's top folder, on a fresh copy."""

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest

from tests.conftest import ROOT

#: The pages whose command blocks are tested: the README and every page of docs/.
PAGES = ("README.md", *sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")))
#: A fenced block with no language (or a shell's) holds commands; one marked `text`, `python`, ... does not.
SHELL = ("", "sh", "bash", "console")
#: The README sections whose code blocks are the TA's and the instructor's (a `###` belongs to its `##`).
SECTIONS = ("Two commands", "For TAs", "For instructors")
#: Commands the test does not run, by how they start, and why. Everything else in those sections runs.
SKIPPED = {
    "make demo": "creates .venv with pip, which needs the network (the copy borrows this test's environment)",
    "make test": "creates .venv with pip, which needs the network; and it is this very test suite",
    ".venv/bin/adam-hw collect moodle": "needs a real Moodle download (tests/test_lms.py covers the format)",
    ".venv/bin/adam-hw collect gradescope": "needs a real Gradescope export (tests/test_lms.py covers the format)",
    ".venv/bin/adam-hw export moodle": "needs a real Moodle grading worksheet (tests/test_lms.py covers the format)",
}
#: How a command may start: the venv's own commands, or a shell step; plain `adam-hw` only after activation.
STARTS = (".venv/bin/", "make ", ". .venv/bin/activate", "cd ", "mkdir ", "cp ", "nbgrader ")


@dataclass(frozen=True)
class Block:
    """One fenced block of commands: the page, the `##` section it is under, and its command lines."""

    page: str
    section: str
    commands: tuple[str, ...]


def command_blocks():
    """Every block of commands in PAGES, in page order (comments and blank lines left out)."""
    found = []
    for page in PAGES:
        section, lines, shell = "", None, False
        for line in (ROOT / page).read_text(encoding="utf-8").splitlines():
            if lines is None and line.startswith("## "):
                section = line[3:].strip()
            elif line.startswith("```"):
                if lines is None:
                    lines, shell = [], line[3:].strip() in SHELL
                else:
                    if shell:
                        found.append(Block(page, section, tuple(lines)))
                    lines = None
            elif lines is not None:
                command = line.split("  #")[0].strip()
                if command and not command.startswith("#"):
                    lines.append(command)
    return found


def blocks():
    """(section, [command lines]) for every README block in SECTIONS, in README order."""
    return [(b.section, list(b.commands)) for b in command_blocks() if b.page == "README.md" and b.section in SECTIONS]


def _make_writes(target):
    """What `make TARGET` writes in the checkout, read from where it is defined."""
    if target == "demo":
        return re.search(r"^DEMO_OUT := (\S+)", (ROOT / "Makefile").read_text(), re.MULTILINE).group(1) + "/"
    if target == "mutation":
        from tests.mutation import run

        return f"{run.WORK.relative_to(ROOT)}/"
    return None


def written_paths(block):
    """The paths, from the checkout's top, that a block's commands write: each `--out` (a folder unless it
    names a .csv or .zip), the folder `report` and `nbgrader-course` write into, `mkdir` and `cp` targets,
    the folder nbgrader runs in (it writes there), pytest's cache and what `make` targets write."""
    cwd, paths = PurePosixPath("."), set()

    def add(path, folder):
        full = os.path.normpath(cwd / path)
        paths.add(full + "/" if folder else full)

    for command in block.commands:
        words = shlex.split(command)
        if words[0] == "cd":
            cwd = PurePosixPath(os.path.normpath(cwd / words[1]))
        elif words[0] == "nbgrader":
            add(".", True)
        elif words[0] == "pytest" or words[0].endswith("/pytest"):
            add(".pytest_cache", True)
        elif words[0] == "mkdir":
            for word in words[1:]:
                if not word.startswith("-"):
                    add(word, True)
        elif words[0] == "cp":
            add(words[-1], True)
        elif words[0] == "make" and _make_writes(words[1]):
            add(_make_writes(words[1]), True)
        for flag, folder_after in (("--out", None), ("report", True), ("nbgrader-course", True)):
            if flag in words[:-1]:
                target = words[words.index(flag) + 1]
                add(target, folder_after or PurePosixPath(target).suffix not in (".csv", ".zip"))
    return paths


def test_every_path_the_readmes_and_docs_commands_write_is_kept_out_of_git():
    paths = sorted({path for block in command_blocks() for path in written_paths(block)})
    assert "graded/" in paths and "autograder.zip" in paths  # the derivation finds the gradebook and the zip
    tracked = subprocess.run(["git", "ls-files", "--", *paths], cwd=ROOT, capture_output=True, text=True).stdout
    assert not tracked.strip(), f"the commands write into files git tracks:\n{tracked}"
    shown = subprocess.run(["git", "check-ignore", "--", *paths], cwd=ROOT, capture_output=True, text=True)
    assert shown.returncode in (0, 1), shown.stderr  # 1: none ignored; 128: not a git checkout, a fatal error
    ignored = set(shown.stdout.splitlines())
    assert [p for p in paths if p not in ignored] == [], "add them to .gitignore (they may hold student data)"


def skipped(command):
    return next((why for start, why in SKIPPED.items() if command.startswith(start)), None)


def test_every_ta_and_instructor_command_says_which_adam_hw_it_runs():
    for section, commands in blocks():
        active = False
        for command in commands:
            active = active or command == ". .venv/bin/activate"
            if not active:
                assert command.startswith(STARTS), f"{section}: {command!r} does not run as written from the checkout"


def test_the_skip_list_names_only_commands_the_readme_has():
    commands = [c for _, block in blocks() for c in block]
    for start in SKIPPED:
        assert any(c.startswith(start) for c in commands), f"{start!r} is no longer in the README: drop it from SKIPPED"


def test_the_readme_never_suggests_installing_from_a_registry():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert not re.search(r"pip install '?adam-hw\[", text)
    assert "pip install -e '.[nbgrader]'" in text


def _anchor(heading):
    """GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped, spaces as `-`."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_in_the_readme_and_docs_names_a_file_and_heading_the_checkout_has():
    pages = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
    pages.append(ROOT / "changelog.d" / "README.md")
    checked = 0
    for page in pages:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+://", target):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            assert linked.exists(), f"{page.relative_to(ROOT)} links to {target}: no such file"
            if anchor:
                lines = linked.read_text(encoding="utf-8").splitlines()
                anchors = {_anchor(line.lstrip("#")) for line in lines if line.startswith("#")}
                assert anchor in anchors, f"{page.relative_to(ROOT)} links to {target}: no such heading"
            checked += 1
    assert checked >= 10


def _fresh_copy(tmp_path):
    """The checkout without its environment, outputs or history, using this test's environment as .venv."""
    copy = tmp_path / "adam-hw"
    anywhere = shutil.ignore_patterns("__pycache__", "*.egg-info", ".pytest_cache", ".hypothesis")
    outputs = re.compile(r"\.venv|\.git|build|graded.*|course|canvas-(subs|graded|import\.csv)|autograder\.zip")

    def ignore(folder, names):  # what the README's commands write, at the top only (examples/ has a canvas-*)
        top = {n for n in names if Path(folder) == ROOT and outputs.fullmatch(n)}
        return top | anywhere(folder, names)

    shutil.copytree(ROOT, copy, ignore=ignore)
    (copy / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return copy


@pytest.mark.slow
def test_the_readmes_ta_and_instructor_blocks_run_as_written_on_a_fresh_copy(tmp_path, capsys):
    copy = _fresh_copy(tmp_path)
    # The copy's own code, not this checkout's, is what its commands import (the environment is shared).
    env = {**os.environ, "PYTHONPATH": str(copy)}
    env.pop("VIRTUAL_ENV", None)
    ran, skips = 0, []
    for section, commands in blocks():
        script = []
        for command in commands:
            why = skipped(command)
            if why:
                skips.append(f"{command}: {why}")
            else:
                script.append(command)
        if not script:
            continue
        run = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", "\n".join(script)],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert run.returncode == 0, (
            f"README, {section}:\n" + "\n".join(script) + f"\n--- stdout\n{run.stdout}\n--- stderr\n{run.stderr}"
        )
        ran += len(script)
    with capsys.disabled():
        print(f"\nREADME: ran {ran} commands; skipped {len(skips)}:\n  " + "\n  ".join(skips))
    # What the commands were for: the gradebook, the LMS round trip, the report and the zip exist.
    assert "status" in (copy / "graded" / "grades.csv").read_text().splitlines()[0]
    assert (copy / "canvas-import.csv").is_file() and (copy / "autograder.zip").is_file()
    assert (copy / "graded" / "report.html").is_file()
    assert "ann" in (copy / "graded-notebooks" / "grades.csv").read_text()
    assert ran >= 20
