"""autograder/memo.py: a grading run's store (Run, Key), values kept by the identity of the objects they were
worked out from, and the freeze that makes what a run's students share read-only."""

import copy
import json
import pickle
import threading

import numpy as np
import pytest

from autograder.boundary import Reply, Status
from autograder.cases import CHECKS
from autograder.judge.checks import Case
from autograder.memo import ByIdentity, FrozenList, Key, Run, frozen
from autograder.sandbox import host


def test_a_key_s_value_is_made_once_per_run_and_never_shared_between_runs():
    made: list[int] = []
    key: Key[list[int]] = Key("test: made", lambda: made.append(1) or [len(made)])
    first, second = Run(), Run()
    assert key not in first
    assert first[key] is first[key] == [1]
    assert key in first
    assert second[key] == [2] and second[key] is not first[key]
    assert made == [1, 1]


def test_two_keys_of_the_same_name_are_two_places():
    one, other = Key("same", list), Key("same", list)
    run = Run()
    run[one].append("x")
    assert run[other] == []


def test_threads_asking_a_run_at_once_get_one_value():
    key: Key[object] = Key("test: one object", object)
    run, seen = Run(), []
    threads = [threading.Thread(target=lambda: seen.append(run[key])) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(value) for value in seen}) == 1


def test_a_value_is_kept_for_the_very_objects_and_worked_out_again_for_equal_ones():
    memo: ByIdentity[int] = ByIdentity(kept=10)
    calls: list[int] = []

    def work(n: int) -> int:
        calls.append(n)
        return n * n

    one, twin = [3], [3]  # equal, not the same object
    assert memo.get(id(one), (one,), lambda: work(one[0])) == 9
    assert memo.get(id(one), (one,), lambda: work(one[0])) == 9
    assert calls == [3]
    assert memo.get(id(twin), (twin,), lambda: work(twin[0])) == 9
    assert calls == [3, 3]


def test_a_key_whose_objects_are_gone_is_not_answered_for_new_ones():
    """The key holds ids only; the kept objects are compared by identity, so a reused key (an id freed and
    given again, or the same key for other objects) is worked out afresh."""
    memo: ByIdentity[str] = ByIdentity(kept=10)
    first, second = object(), object()
    assert memo.get("key", (first,), lambda: "first") == "first"
    assert memo.get("key", (second,), lambda: "second") == "second"
    assert memo.get("key", (second,), lambda: "never") == "second"


def test_what_raises_is_not_kept_and_a_full_memo_starts_again():
    memo: ByIdentity[int] = ByIdentity(kept=2)
    thing = object()

    def fails() -> int:
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        memo.get("bad", (thing,), fails)
    assert memo.get("bad", (thing,), lambda: 1) == 1
    memo.get("b", (thing,), lambda: 2)
    memo.get("c", (thing,), lambda: 3)  # the third: the memo was full, and is emptied first
    assert memo.get("bad", (thing,), lambda: 4) == 4
    assert memo.get("c", (thing,), lambda: 5) == 3


# -- what is kept is read, never changed: enforced ---------------------------------------------------------


def test_a_frozen_value_refuses_every_change_and_reads_as_the_plain_one():
    plain = {"ok": True, "value": {"shape": [2], "data": [1.0, 2.0]}, "args_after": None}
    shared = frozen(plain)
    assert shared == plain and isinstance(shared, dict) and isinstance(shared["value"]["data"], list)
    assert json.dumps(shared) == json.dumps(plain)
    for change in (
        lambda: shared.__setitem__("ok", False),
        lambda: shared.pop("ok"),
        lambda: shared.update(ok=False),
        lambda: shared.setdefault("new", 1),
        lambda: shared["value"].clear(),
        lambda: shared["value"]["data"].append(3.0),
        lambda: shared["value"]["data"].__setitem__(0, 9.0),
        lambda: shared["value"]["shape"].sort(),
    ):
        with pytest.raises(TypeError, match="read, never changed"):
            change()
    assert shared == plain
    for again in (copy.copy(shared), copy.deepcopy(shared), pickle.loads(pickle.dumps(shared))):
        assert again == plain and type(again["value"]["data"]) is FrozenList


def _case_reply() -> tuple[Case, bytes]:
    """A fixed case on an array, and the line a right answer to it comes back as."""
    case = next(c for c in CHECKS if isinstance(c, Case) and c.expect == "value" and np.ndim(c.expected) == 1)
    value = {"kind": "array", "type": "ndarray", "dtype": "float64", "shape": [len(case.expected)]}
    line = json.dumps(
        {"ok": True, "value": {**value, "data": case.expected.tolist()}, "args_after": [None] * len(case.args)}
    )
    return case, line.encode()


def test_the_reply_the_host_shares_between_a_run_s_students_cannot_be_changed():
    case, line = _case_reply()
    run = Run()
    shared = host._checked(run, case.request(), line)
    assert host._checked(run, case.request(), line) is shared  # the next student's very reply
    assert host._checked(Run(), case.request(), line) is not shared  # another run's is its own
    with pytest.raises(TypeError):
        shared["value"]["data"][0] = 0.0


def test_an_outcome_shared_between_a_run_s_students_cannot_be_changed():
    case, line = _case_reply()
    run = Run()
    reply = Reply(Status.OK, value=host._checked(run, case.request(), line))
    outcome = case.run(lambda request, uses: reply, run)
    assert outcome.passed and case.run(lambda request, uses: reply, run) is outcome
    with pytest.raises(TypeError):
        outcome.returned["value"] = None
    failed = case.run(lambda request, uses: Reply(Status.ERROR, error={"type": "ValueError", "message": "no"}), run)
    with pytest.raises(TypeError):
        failed.returned["error"]["message"] = "changed"
