"""`make lint` refuses an import circle anywhere in the grader, TYPE_CHECKING imports included: lint-imports runs
the `no_circles` contract of dev/import_circles.py, which sees what the layers contract cannot (a package and
its own modules, or modules of one layer, importing each other round a circle)."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

CONFIG = """\
[tool.importlinter]
root_package = "planted"
exclude_type_checking_imports = false
contract_types = ["no_circles: dev.import_circles.NoCircles"]

[[tool.importlinter.contracts]]
name = "No import circles"
type = "no_circles"
"""

#: Each planted circle: the files that make it, beside a package that is acyclic without them.
CIRCLES = {
    # the lms circle issue 23 found: a package dispatches to its modules, which import helpers back from it
    "a package and its own modules": {"lms/canvas.py": "from planted.lms import slug\n"},
    # results and judge, through an import only a type checker follows
    "modules through a TYPE_CHECKING import": {
        "results.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from planted.judge import checks\n"
    },
}


def lint(tmp_path: Path, extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """lint-imports run on a small package `planted`, acyclic but for the `extra` files."""
    files = {
        "__init__.py": "",
        "lms/__init__.py": "from planted.lms import canvas\n\n\ndef slug(text: str) -> str:\n    return text\n",
        "lms/canvas.py": "",
        "judge/__init__.py": "",
        "judge/checks.py": "from planted import results\n",
        "results.py": "",
        **extra,
    }
    for name, text in files.items():
        path = tmp_path / "planted" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tmp_path / "pyproject.toml")],
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_acyclic_package_keeps_the_contract(tmp_path: Path) -> None:
    done = lint(tmp_path, {})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No import circles KEPT" in done.stdout


@pytest.mark.parametrize("kind", CIRCLES)
def test_a_planted_circle_breaks_the_contract_and_is_shown_import_by_import(tmp_path: Path, kind: str) -> None:
    done = lint(tmp_path, CIRCLES[kind])
    assert done.returncode == 1, done.stdout + done.stderr
    assert "No import circles BROKEN" in done.stdout
    if kind == "a package and its own modules":
        assert "planted.lms -> planted.lms.canvas (l.1)" in done.stdout
        assert "planted.lms.canvas -> planted.lms (l.1)" in done.stdout
    else:
        assert "planted.judge.checks -> planted.results (l.1)" in done.stdout
        assert "planted.results -> planted.judge.checks (l.4)" in done.stdout


def test_the_grader_is_held_to_the_contract_with_type_checking_imports_counted() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    assert config["exclude_type_checking_imports"] is False
    assert "no_circles: dev.import_circles.NoCircles" in config["contract_types"]
    assert [c for c in config["contracts"] if c["type"] == "no_circles"]
