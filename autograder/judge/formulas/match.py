"""Asking the student's code and matching its answers: the probe requests, and `recover(func, replies)`,
which names a class only when it is the *only* one that agrees on every probe within `RTOL`; when several
agree it returns them all ("one of ..."), and when none or the page's formula agrees, nothing.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from autograder.judge.checks import encode_input
from autograder.judge.compare import decode
from autograder.judge.formulas.cache import SpaceCache
from autograder.judge.formulas.probes import PROBES
from autograder.judge.formulas.space import RTOL, STRICT_RTOL, Candidate, Space, agree, build_space
from autograder.judge.formulas.trees import REFERENCE, SIGNATURES, Floats, render
from autograder.sandbox.guest import protocol

if TYPE_CHECKING:
    from autograder.boundary import Reply

_LOCK = threading.Lock()


def space(func: str) -> Space:
    """The candidate classes of func: kept for the process, and on disk for the next ones (`SpaceCache`),
    since building them takes seconds; built on first use where no cache holds them. A fact of the
    installation (the code and numpy's version), not of a run: the same for every run, so kept as long as
    the process, and built by one thread at a time (two would each spend the seconds)."""
    with _LOCK:
        return _space(func)


@functools.cache
def _space(func: str) -> Space:
    cache = SpaceCache.default()
    found = cache.load(func) if cache else None
    if found is None:
        found = build_space(func)
        if cache:
            cache.save(found)
    return found


def warm() -> None:
    """Build (or read back) every function's space now: Gradescope's setup.sh does, so each student's
    container finds them in the image's cache."""
    for func in SIGNATURES:
        space(func)


@functools.cache
def requests(func: str) -> tuple[protocol.Message, ...]:
    """The worker requests that call func on each diagnosis probe: the same for every student, so built once."""
    out: list[protocol.Message] = []
    for probe in PROBES[func]:
        args, kwargs = probe.args(func)
        out.append(
            protocol.call_request(
                func,
                [encode_input(a) for a in args],
                {k: encode_input(v) for k, v in kwargs.items()},
                inputs_after=False,
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class Recovery:
    """What the search found for one function: one candidate (`named`), or several classes that agree."""

    func: str
    named: Candidate | None = None
    one_of: tuple[Candidate, ...] = ()
    confirmed: bool = False  # the student's code also ran on sympy symbols, and that algebra agrees

    @property
    def reference_pretty(self) -> str:
        return render(REFERENCE[self.func], unicode=True)


def observed_values(func: str, replies: Sequence[Reply]) -> tuple[Floats, bool] | None:
    """The student's probe values as one float64 vector and whether each probe gave one number;
    None when any probe did not return plain float64 numbers of a usable shape (an error, float32, a list)."""
    length = len(next(iter(PROBES[func][0].arrays.values())))
    rows: list[Floats] = []
    scalars: set[bool] = set()
    for reply in replies:
        value = reply.value.get("value") if reply.ok and isinstance(reply.value, dict) else None
        arr, _ = decode(value)  # why it is not a number does not matter here
        if (
            arr is None  # decode reads only a dict
            or not isinstance(value, dict)
            or value.get("kind") == "list"
            or str(value.get("dtype", "float64")) != "float64"
        ):
            return None
        if arr.shape == ():
            scalars.add(True)
            rows.append(np.full(length, float(arr)))
        elif arr.shape == (length,):
            scalars.add(False)
            rows.append(arr)
        else:
            return None
    if len(scalars) != 1 or len(rows) != len(PROBES[func]):
        return None
    return np.concatenate(rows), scalars.pop()


def recover(func: str, replies: Sequence[Reply]) -> Recovery | None:
    """Match the student's probe replies (worker Replies, in `requests(func)` order) against the space."""
    found = observed_values(func, replies)
    if found is None:
        return None
    values, scalar = found
    sp = space(func)
    if scalar == sp.reference_scalar and np.all(agree(values, sp.reference.ravel())):
        return None  # the page's formula on every probe: whatever failed, it was not the formula
    if not len(sp.values):
        return None
    for rtol in (STRICT_RTOL, RTOL):
        rows = agree(values[None, :], sp.values, rtol)
        matches = np.flatnonzero(np.all(rows, axis=1) & (sp.scalar == scalar))
        if len(matches):
            break
    else:
        return None
    best = sorted((int(i) for i in matches), key=lambda i: (sp.members[i][0].edits, len(sp.members[i][0].text)))
    # Classes that agree with the simplest match within the tolerance are one function as far as any
    # probe can tell (sqrt(|g|)**2 and |g|): name the simplest. Otherwise they are told apart: a class.
    same = np.all(agree(sp.values[best[0]][None, :], sp.values[best], 2 * rtol), axis=1)
    if np.all(same):
        return Recovery(func, named=sp.members[best[0]][0])
    return Recovery(func, one_of=tuple(sp.members[i][0] for i in best))
