"""Built spaces kept on disk, per machine and version: building one takes seconds, reading it back tens of
milliseconds. Plain data only (numpy arrays without pickle, and JSON), keyed by what the space depends on.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import stat
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

from autograder.judge.formulas.probes import PROBES
from autograder.judge.formulas.space import CLASS_BITS, MAX_EDITS, RTOL, Candidate, Space
from autograder.judge.formulas.trees import OTHER_VALUES, REFERENCE, ROUND_DIGITS, SIGNATURES

CACHE_FORMAT = "adam-hw formula space 2"


#: The modules whose code decides what a space holds (the trees and their evaluation, the probes, the
#: edits, the classes); the disk cache and the matching read a space and do not change it.
BUILDERS = ("trees", "probes", "edits", "space")


def code_key(source: str) -> str:
    """A module's code without its comments, docstrings and layout: what it computes, not how it reads."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            body[0] = ast.Pass()  # a docstring
    return ast.dump(tree, include_attributes=False)


@functools.cache
def fingerprint() -> str:
    """The cache key of the formula space: the code that builds it (comments, docstrings and layout aside,
    so editing those keeps every machine's cache), the tables and probes it reads, numpy's version and the
    file format. A cached space is used only under the same key."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for part in (
        CACHE_FORMAT,
        np.__version__,
        *(code_key((here / f"{name}.py").read_text(encoding="utf-8")) for name in BUILDERS),
        repr((SIGNATURES, REFERENCE, OTHER_VALUES, ROUND_DIGITS, PROBES, MAX_EDITS, CLASS_BITS, RTOL)),
    ):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()[:24]


def _tuples(x: object) -> Any:
    """A tree back from JSON: its lists as tuples again (trees are tuples, so they hash and compare)."""
    return tuple(_tuples(e) for e in x) if isinstance(x, list) else x


class _Members(Sequence[list[Candidate]]):
    """A cached space's classes of candidates, each decoded from its JSON only when looked at: a
    diagnosis looks at a handful of the thousands of classes."""

    def __init__(self, func: str, texts: list[str]) -> None:
        self._func, self._texts = func, texts
        self._decoded: dict[int, list[Candidate]] = {}

    def __len__(self) -> int:
        return len(self._texts)

    @overload
    def __getitem__(self, i: int) -> list[Candidate]: ...

    @overload
    def __getitem__(self, i: slice) -> list[list[Candidate]]: ...

    def __getitem__(self, i: int | slice) -> list[Candidate] | list[list[Candidate]]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = range(len(self))[i]  # an IndexError here, as for a list
        if i not in self._decoded:
            self._decoded[i] = [
                Candidate(self._func, _tuples(tree), dict(defaults), int(edits))
                for tree, defaults, edits in json.loads(self._texts[i])
            ]
        return self._decoded[i]


class SpaceCache:
    """Built spaces in a folder of the grader's own (default: $ADAM_HW_CACHE, else $XDG_CACHE_HOME/adam-hw,
    else ~/.cache/adam-hw), one file per function and fingerprint, as plain data (numpy arrays without
    pickle, and JSON): reading one back can give nothing but a space. Used only when the folder is the
    grader's and nobody else may write to it; whatever goes wrong reading a file means building again,
    and a folder that cannot be written means building every time, never an error."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    @classmethod
    def default(cls) -> SpaceCache:
        folder = os.environ.get("ADAM_HW_CACHE")
        if not folder:
            base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
            folder = os.path.join(base, "adam-hw")
        return cls(folder)

    def path(self, func: str) -> Path:
        return self.folder / f"formulas-{func}-{fingerprint()}.npz"

    def _trusted(self, path: Path) -> bool:
        """Whether `path` and its folder are ours and writable by nobody else (the student's uid included)."""
        try:
            for info in (os.stat(self.folder), os.lstat(path)):
                if info.st_uid != os.geteuid() or info.st_mode & 0o022:
                    return False
            return stat.S_ISREG(os.lstat(path).st_mode)
        except OSError:
            return False

    def load(self, func: str) -> Space | None:
        path = self.path(func)
        if not self._trusted(path):
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                texts = json.loads(bytes(data["members"]).decode("utf-8"))
                if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
                    return None
                found = Space(
                    func,
                    data["reference"],
                    bool(data["reference_scalar"]),
                    data["values"],
                    data["scalar"],
                    _Members(func, texts),
                )
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile):
            return None  # unreadable, truncated or not ours: build again
        if len(found.members) != len(found.values) or len(found.scalar) != len(found.values):
            return None
        return found

    def save(self, built: Space) -> None:
        members = [json.dumps([[c.tree, c.defaults, c.edits] for c in m]) for m in built.members]
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".formulas-", suffix=".npz", dir=self.folder)
            with os.fdopen(fd, "wb") as f:
                np.savez_compressed(
                    f,
                    reference=built.reference,
                    reference_scalar=np.array(built.reference_scalar),
                    values=built.values,
                    scalar=built.scalar,
                    members=np.frombuffer(json.dumps(members).encode(), dtype=np.uint8),
                )
            os.replace(tmp, self.path(built.func))
        except OSError:
            return  # a read-only or full disk: this run built it, the next builds it again
