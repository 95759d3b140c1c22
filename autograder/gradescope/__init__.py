"""`adam-hw gradescope`: the autograder zip Gradescope builds its image from.

The zip holds, at its top, `setup.sh` (installs Python >= 3.11, numpy, sympy and IPython on Gradescope's Ubuntu
image), `run_autograder` (grades one submission with `autograder.gradescope.run`), `requirements.txt`
(the grader's runtime dependencies, read from the installed package's metadata, so they are defined once
in pyproject.toml) and the `autograder/` package source with its term manifest. Not `solutions/`, not the
tests: nothing a grader does not need. Entries are sorted and dated 1980-01-01, so the same checkout
always builds the same bytes.
"""

import zipfile
from importlib import metadata, resources
from pathlib import Path

from autograder import terms

PACKAGE = Path(__file__).resolve().parent.parent
SCRIPTS = ("setup.sh", "run_autograder")
_EPOCH = (1980, 1, 1, 0, 0, 0)
_SKIP_PARTS = {"__pycache__"}


def requirements() -> str:
    """The grader's runtime dependencies (no extras), one per line."""
    needs = [r for r in metadata.requires("adam-hw") or () if "extra ==" not in r]
    return "\n".join(sorted(r.split(";")[0].strip() for r in needs)) + "\n"


def package_files() -> dict[str, Path]:
    """{name in the zip: path} for every file of the autograder package (no caches, compiled or hidden files)."""
    files = {}
    for path in sorted(PACKAGE.rglob("*")):
        rel = path.relative_to(PACKAGE.parent)
        skipped = any(part in _SKIP_PARTS or part.startswith(".") for part in rel.parts)
        if path.is_file() and not skipped and path.suffix not in (".pyc", ".pyo"):
            files[rel.as_posix()] = path
    return files


def _add(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    archive.writestr(info, data)


def build(out: str | Path) -> list[str]:
    """Write the autograder zip to `out`; returns the names it holds. The term manifest must be valid."""
    terms.read(terms.MANIFEST)  # a stale or edited manifest must stop the build, not every student's run
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    names = []
    with zipfile.ZipFile(out, "w") as archive:
        for script in SCRIPTS:
            text = resources.files("autograder.gradescope").joinpath("templates", script).read_bytes()
            _add(archive, script, text, executable=True)
            names.append(script)
        _add(archive, "requirements.txt", requirements().encode())
        names.append("requirements.txt")
        for name, path in package_files().items():
            _add(archive, name, path.read_bytes())
            names.append(name)
    return names
