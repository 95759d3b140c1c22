"""Every command block of the README and docs/ runs as written, from the top of a fresh clone whose path has a
space (the students' block from a copy of assignment/ alone), and leaves git nothing to take."""

import csv
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest

from autograder import roster
from tests.conftest import ROOT

#: The pages whose command blocks are tested: the README and every page of docs/.
PAGES = ("README.md", *sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")))
#: A fenced block with no language (or a shell's) holds commands; one marked `text`, `python`, ... does not.
SHELL = ("", "sh", "bash", "console")
#: The README section a student reads: run from a copy of assignment/ alone, as a student has it.
STUDENTS = "For students"
#: Commands the test does not run, by how they start, and why. Everything else runs.
SKIPPED = {
    "make test": "it is this very test suite (and creates .venv with pip, which needs the network)",
    "make mutation": "about 5 minutes; tests/test_mutation.py runs it end to end on two mutants, from paths with spaces",
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
            elif line.lstrip().startswith("```"):  # a block inside a list item is indented
                if lines is None:
                    lines, shell = [], line.lstrip()[3:].strip() in SHELL
                else:
                    if shell:
                        found.append(Block(page, section, tuple(lines)))
                    lines = None
            elif lines is not None:
                command = line.split("  #")[0].strip()
                if command and not command.startswith("#"):
                    lines.append(command)
    return found


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


def skipped(command, table=SKIPPED):
    """Why the command is not run, or None."""
    return next((why for start, why in table.items() if command.startswith(start)), None)


def test_every_command_for_tas_and_instructors_says_which_adam_hw_it_runs():
    for block in command_blocks():
        active = block.section == STUDENTS  # a student has no checkout: their pytest is their own
        for command in block.commands:
            active = active or command == ". .venv/bin/activate"
            if not active:
                assert command.startswith(STARTS), f"{block.page}, {block.section}: {command!r} does not run as written"


def test_the_skip_list_names_only_commands_the_readme_and_docs_have():
    commands = [c for block in command_blocks() for c in block.commands]
    for start in SKIPPED:
        assert any(c.startswith(start) for c in commands), f"{start!r} is no longer in README or docs: drop it"


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


#: A path into the package a page names (`autograder/judge/checks.py`); not Gradescope's `/autograder/...`,
#: a folder of its machine.
PACKAGE_PATH = re.compile(r"(?<![\w/.~$-])autograder/[\w./-]*[\w/]")
#: A module or folder in docs/modules.md's table, written from inside autograder/ (`judge/checks.py`, `render/`).
MODULE = re.compile(r"`([\w/]+(?:\.py|/))`")


def test_every_autograder_path_the_readme_and_docs_name_exists():
    named = [(page, path) for page in PAGES for path in PACKAGE_PATH.findall((ROOT / page).read_text(encoding="utf-8"))]
    assert len(named) >= 5
    assert [(page, path) for page, path in named if not (ROOT / path).exists()] == []


def test_the_one_module_table_names_only_modules_that_exist_and_leaves_none_out():
    rows = [
        line
        for line in (ROOT / "docs" / "modules.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| `")
    ]
    named = {path for row in rows for path in MODULE.findall(row)}
    assert [path for path in sorted(named) if not (ROOT / "autograder" / path).exists()] == []
    package = ROOT / "autograder"
    modules = [p.relative_to(package) for p in package.rglob("*.py") if "templates" not in p.parts]
    left_out = [
        str(m)
        for m in modules
        if m.name not in ("__init__.py", "__main__.py")
        and str(m) not in named
        and not any(f"{parent}/" in named for parent in m.parents if str(parent) != ".")
    ]
    assert left_out == []
    for page in ("README.md", "docs/ARCHITECTURE.md"):  # the one table, linked, not repeated
        text = (ROOT / page).read_text(encoding="utf-8")
        assert "modules.md)" in text and "| module |" not in text, page


def test_the_layers_architecture_quotes_are_the_ones_lint_imports_checks():
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"][
        "contracts"
    ]
    (layers,) = [c["layers"] for c in contracts if c["type"] == "layers"]
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    quoted = re.search(r"```toml\n(layers = \[.*?\])\n```", text, flags=re.S)
    assert quoted is not None, "docs/ARCHITECTURE.md quotes the layers in a toml block"
    assert tomllib.loads(quoted.group(1))["layers"] == layers


def _git(folder, *args):
    return subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True, text=True).stdout


def _fresh_clone(tmp_path):
    """What a clone of this tree would hold (its tracked and new files, uncommitted edits included), committed
    in a new repository under a path with a space, with this test's environment as its .venv."""
    clone = tmp_path / "my courses" / "adam-hw"
    files = _git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():  # a file deleted but not yet committed is left out
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    _git(clone.parent, "init", "-q", clone.name)
    _git(clone, "add", "-A")
    _git(clone, "-c", "user.name=test", "-c", "user.email=test@example.invalid", "commit", "-q", "-m", "tree")
    (clone / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    (clone / ".git" / "info").mkdir(exist_ok=True)
    with (clone / ".git" / "info" / "exclude").open("a") as f:  # a link, which .gitignore's `.venv/` does not match
        f.write("/.venv\n")
    stamp = Path(sys.prefix) / ".installed-stamp"
    if stamp.exists():  # make's venv rule is satisfied, as in the checkout this environment was made for
        older = stamp.stat().st_mtime - 1
        os.utime(clone / "pyproject.toml", (older, older))
    return clone


def _student_copy(tmp_path, clone):
    """assignment/ as a student has it, alone in a folder of theirs, with the stub worked out (the reference)."""
    home = tmp_path / "a student's laptop"
    shutil.copytree(clone / "assignment", home / "assignment")
    shutil.copy(clone / "solutions" / "second_moment.py", home / "assignment" / "second_moment.py")
    return home


@pytest.mark.slow
def test_every_command_block_of_the_readme_and_docs_runs_as_written_in_a_fresh_clone(tmp_path, capsys):
    clone = _fresh_clone(tmp_path)
    not_run = dict(SKIPPED)
    if not (Path(sys.prefix) / ".installed-stamp").exists():
        not_run["make demo"] = (
            "this environment was not made by make (no .venv/.installed-stamp): make would rebuild it"
        )
    # The clone's own code, not this checkout's, is what its commands import (the environment is shared).
    env = {**os.environ, "PYTHONPATH": str(clone)}
    env.pop("VIRTUAL_ENV", None)
    ran, skips = 0, []
    for block in command_blocks():
        script = []
        for command in block.commands:
            why = skipped(command, not_run)
            if why:
                skips.append(f"{command}: {why}")
            else:
                script.append(command)
        if not script:
            continue
        cwd, block_env = clone, env
        if block.section == STUDENTS:  # numpy and pytest on PATH, and no checkout
            cwd = _student_copy(tmp_path, clone)
            block_env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
            block_env.pop("PYTHONPATH", None)
        run = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", "\n".join(script)],
            cwd=cwd,
            env=block_env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert run.returncode == 0, (
            f"{block.page}, {block.section}:\n"
            + "\n".join(script)
            + f"\n--- stdout\n{run.stdout}\n--- stderr\n{run.stderr}"
        )
        ran += len(script)
    with capsys.disabled():
        print(f"\nREADME and docs/: ran {ran} commands; skipped {len(skips)}:\n  " + "\n  ".join(skips))
    # What the commands were for: the gradebooks, each LMS round trip, the report and the zip exist.
    assert "status" in (clone / "graded" / "grades.csv").read_text().splitlines()[0]
    assert (clone / "canvas-import.csv").is_file() and (clone / "autograder.zip").is_file()
    assert (clone / "graded-report" / "report.html").is_file() and (
        clone / "gradescope-graded" / "report.html"
    ).is_file()
    assert "ann" in (clone / "graded-notebooks" / "grades.csv").read_text()
    uploaded = csv.DictReader((clone / "moodle-upload.csv").open(encoding="utf-8"))
    grades = {row["Identifier"].removeprefix("Participant "): row["Grade"] for row in uploaded}
    entries = roster.read(clone / "moodle-subs" / "roster.csv")
    sent_code = {e.lms_id for e in entries if e.file}
    no_code = {e.lms_id for e in entries if not e.file}
    assert sent_code and no_code  # the example has both
    # a grade for each participant who sent code, and 0 (not a blank) for one who sent none: missing work
    assert all(grades[i] for i in sent_code) and {grades[i] for i in no_code} == {"0"}
    groups = {e.group for e in roster.read(clone / "gradescope-subs" / "roster.csv")}
    assert len(groups - {""}) == 1  # the example's group of two shares one group id
    assert ran >= 30
    # Everything they wrote is ignored by git: students' code, names and grades never get committed.
    status = _git(clone, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert [line for line in status if line.startswith("??")] == []
