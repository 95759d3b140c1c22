"""What one grading run works out once, not once per student: the `Run` that owns it, the typed `Key`s it is
kept under, the identity memo most of it is, and the freeze that makes sharing it safe.

A `Run` is made per grading run and passed in, as the sandbox pool is (`grading.grade_batch`,
`grade_submission` and `sandbox.host.Host` take one, and make a fresh one when none is given, so a single
call still works). It is a store after pytest's `Stash`: each kind of run-level work declares its `Key`
beside the code that uses it (the term's checks in `terms`, the request lines and checked replies in the
host, a case's Outcome in `judge/checks`, the diagnosis's per-case work), the key says how its value is
made, and the value lives as long as the run. Nothing is kept between runs, and nothing here is made at
import. (What is the same for every run, a fact of the installation such as the formula space or the
sandbox's module sources, is no run's: a `functools.cache` function keeps it for the process.)

Most of a class shares the same objects: the checks of a seed are built once per run (`terms.checks_for_seed`),
and the host shares a reply between the students who sent the very same line. What follows from those
objects alone (a request's encoding, a reply's parse, a case's Outcome for a reply, a mistake's prediction
on a case) is worked out for the first student and kept, in a `ByIdentity`, for the rest.

Keys of a `ByIdentity` are ids, not equality: two equal replies in different objects are worked out apart,
and an object is never compared by value (a Case holds numpy arrays). Each value is kept with the objects its
key names, so no id is reused while it is kept. The rule that makes sharing safe, **what is kept is read,
never changed**, is enforced: what the host shares is `frozen` (a change raises TypeError); build a new
one instead (`dataclasses.replace`, or a dict of your own).
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable, Hashable
from typing import Any, Generic, NoReturn, TypeVar

V = TypeVar("V")


class Key(Generic[V]):
    """A typed place in a Run (pytest's `StashKey`): declared beside the code that uses it, with `make`, which
    makes its value for a run on first use. Keys compare by identity: two keys never share a value."""

    __slots__ = ("make", "name")

    def __init__(self, name: str, make: Callable[[], V]) -> None:
        self.name = name
        self.make = make

    def __repr__(self) -> str:
        return f"Key({self.name!r})"


class Run:
    """What one grading run works out once, each value under its `Key` and kept as long as the run: make one
    per run and pass it to every call of that run. Safe to share between a batch's threads."""

    def __init__(self) -> None:
        self._values: dict[Key[Any], Any] = {}
        self._lock = threading.Lock()

    def __getitem__(self, key: Key[V]) -> V:
        """The run's value for `key`, made (`key.make()`) on first use."""
        try:
            value: V = self._values[key]
        except KeyError:
            with self._lock:  # two threads asking at once get one value
                if key not in self._values:
                    self._values[key] = key.make()
                value = self._values[key]
        return value

    def __contains__(self, key: Key[Any]) -> bool:
        """Whether this run has made `key`'s value yet."""
        return key in self._values


class ByIdentity(Generic[V]):
    """Values by key, each kept with the objects whose ids the key holds; emptied when `kept` are held."""

    def __init__(self, kept: int) -> None:
        self._values: dict[Hashable, tuple[tuple[object, ...], V]] = {}
        self._kept = kept

    def get(self, key: Hashable, objects: tuple[object, ...], work: Callable[[], V]) -> V:
        """The value kept under `key` for these very `objects` (`key` holds their ids, and may hold more),
        else work() kept there. What work() raises is not kept."""
        found = self._values.get(key)
        if found is not None and all(map(operator.is_, found[0], objects)):
            return found[1]
        value = work()
        if len(self._values) >= self._kept:
            self._values.clear()
        self._values[key] = (objects, value)
        return value


def _refuse(self: object, *args: object, **kwargs: object) -> NoReturn:
    raise TypeError(
        f"a shared {type(self).__name__} is read, never changed (autograder/memo.py): the students of a run share "
        "it; build a new one instead"
    )


class FrozenDict(dict[str, Any]):
    """A dict that refuses every change: what `frozen` makes of a shared JSON object. Still a dict to read
    (isinstance, json.dumps, ==), so whatever reads replies reads it unchanged."""

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[type, tuple[dict[str, Any]]]:
        return type(self), (dict(self),)  # copy, deepcopy and pickle rebuild it without a change


class FrozenList(list[Any]):
    """A list that refuses every change: what `frozen` makes of a shared JSON array."""

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = clear = extend = insert = pop = remove = reverse = sort = _refuse

    def __reduce__(self) -> tuple[type, tuple[list[Any]]]:
        return type(self), (list(self),)


def frozen(value: V) -> V:
    """`value` (JSON-like: dicts, lists and scalars) with every dict and list in it frozen: made once, where a
    value starts to be shared between students, so that a change anywhere in it raises TypeError."""
    found: Any = value
    if type(found) is dict:
        found = FrozenDict({k: frozen(v) for k, v in found.items()})
    elif type(found) is list:
        found = FrozenList([frozen(v) for v in found])
    made: V = found
    return made
