"""Work done once per grading run, not once per student: values kept by the identity of the objects they
were worked out from.

Most of a class shares the same objects: the checks of a term are built once (`terms.checks_for_seed`),
and the host shares a reply between the students who sent the very same line (`host._checked`). What
follows from those objects alone (a request's encoding, a reply's parse, a case's Outcome for a reply, a
mistake's prediction on a case) is worked out for the first student and kept for the rest.

Keys are ids, not equality: two equal replies in different objects are worked out apart, and an object
never compared by value (a Case holds numpy arrays). Each value is kept with the objects its key names,
so no id is reused while it is kept. The rule that makes sharing safe: **what is kept is read, never
changed** (build a new one with `dataclasses.replace`).
"""

import operator
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


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
