"""The catalogue of known mistakes and the diagnosis that names them, without starting a worker.

A "student" here is a stand-in `call` that answers each check with a catalogue entry's own prediction,
so these tests show the fixed checks tell every mistake apart; tests/test_corpus.py does the same with
real wrong files graded end to end.
"""

import tomllib

import numpy as np
import pytest

from autograder import oracle
from autograder.boundary import Reply
from autograder.cases import CHECKS
from autograder.grading import item_results
from autograder.judge import misconceptions
from autograder.judge.checks import Case
from autograder.judge.diagnosis import describe, diagnose
from autograder.render import gradescope
from autograder.render.feedback import diagnosis_text, render
from autograder.render.text import markdown
from autograder.results import SubmissionResult
from autograder.words import prose
from tests.conftest import SUBMISSIONS

CASES = tuple(c for c in CHECKS if isinstance(c, Case))


def _encode(arr, dtype="float64"):
    """A value as the worker describes it (see sandbox/guest/answers.py encode_value)."""
    arr = np.asarray(arr, dtype=np.float64)
    if arr.ndim == 0:
        return {"kind": "scalar", "type": "float", "dtype": dtype, "value": float(arr)}
    return {"kind": "array", "type": "ndarray", "dtype": dtype, "shape": list(arr.shape), "data": arr.tolist()}


def _answer(case, func, compute, dtype):
    """The worker's reply for a student whose `func` computes `compute(args, kwargs)` -> (result, args_after)."""
    if case.func != func:
        result, after, dtype = case.expected, list(case.args), "float64"
    else:
        result, after = compute(case.args, case.kwargs)
    args_after = [_encode(a) if isinstance(a, (list, np.ndarray)) else None for a in after]
    return Reply("ok", value={"value": _encode(result, dtype), "args_after": args_after})


def _asked(case, request):
    """The case the worker is asked for: a "same" check also asks for its float64 twin (issue #10), which a
    student answers from the twin's own inputs, not from the lists or integers of the first call."""
    twin = case.twin
    return twin if request == twin.request() and request != case.request() else case


def _graded(func, compute, dtype="float64"):
    outcomes = [c.run(lambda request, uses, c=c: _answer(_asked(c, request), func, compute, dtype)) for c in CASES]
    return diagnose(outcomes, CASES)


def _mistaken(mistake):
    def compute(args, kwargs):
        result = mistake.predict(args, kwargs)
        if mistake.mutates is None:
            return result, list(args)
        index = ("v_prev", "g").index(mistake.mutates)
        after = list(args)
        if isinstance(after[index], np.ndarray):
            after[index] = result
        return result, after

    return compute


def test_the_catalogue_holds_at_least_twenty_mistakes_each_explained_with_a_hint():
    assert len(misconceptions.CATALOGUE) >= 20
    for mistake in misconceptions.CATALOGUE:
        assert mistake.title and len(mistake.explanation) > 40 and mistake.hint
        assert mistake.id.startswith(mistake.func + ".")


@pytest.mark.parametrize("mistake", misconceptions.CATALOGUE, ids=lambda m: m.id)
def test_a_student_making_exactly_one_mistake_loses_points_and_gets_that_diagnosis_and_no_other(mistake):
    # A float32 student returns float32 arrays, which is how the checks (and the diagnosis) see it.
    dtype = "float32" if mistake.id.endswith(".float32") else "float64"
    outcomes, diagnoses = _graded(mistake.func, _mistaken(mistake), dtype)
    assert not all(o.passed for o in outcomes)
    assert [(d.func, d.misconception) for d in diagnoses] == [(mistake.func, mistake.id)]
    failed_in_func = [o for o in outcomes if not o.passed]
    assert failed_in_func and all(o.diagnosis == mistake.id for o in failed_in_func)


def test_a_correct_student_gets_no_diagnosis():
    outcomes, diagnoses = _graded(
        "update_v", lambda args, kwargs: (oracle.to_float(oracle.update_v(*args, **kwargs)), list(args))
    )
    assert all(o.passed for o in outcomes)
    assert diagnoses == ()


def test_a_mistake_outside_the_catalogue_is_described_by_the_kind_of_input_that_fails():
    def clipped(args, kwargs):
        v_prev, g = args
        return oracle.to_float(oracle.update_v(v_prev, np.maximum(np.asarray(g, dtype=float), 0.0), **kwargs)), list(
            args
        )

    _, diagnoses = _graded("update_v", clipped)
    assert len(diagnoses) == 1 and diagnoses[0].misconception is None
    assert diagnoses[0].failing_inputs == prose(
        "Your update_v fails exactly on the checks with a negative gradient, and passes every other check."
    )


def test_a_mistake_that_only_shows_for_another_beta2_is_described_that_way():
    def beta_ignored(args, kwargs):
        return oracle.to_float(oracle.bias_correct(*args)) * (1 + 1e-3 * (kwargs.get("beta2", 0.999) != 0.999)), list(
            args
        )

    _, diagnoses = _graded("bias_correct", beta_ignored)
    assert diagnoses[0].failing_inputs == prose(
        "Your bias_correct fails exactly on the checks with a beta2 other than 0.999, and passes every other check."
    )


def test_feedback_names_one_likely_mistake_per_function_with_its_hint_and_results_list_its_id():
    mistake = misconceptions.BY_ID["effective_step.eps_inside_sqrt"]
    outcomes, diagnoses = _graded(mistake.func, _mistaken(mistake))
    result = SubmissionResult(
        "s", "second_moment.py", "0" * 64, item_results(outcomes), "now", 0.0, "test", diagnoses=diagnoses
    )
    text = render(result)
    assert text.count("**Likely mistake:") == 1
    assert diagnosis_text(diagnoses[0]) in text
    assert "Hint: " + mistake.hint in text
    assert gradescope.render(result)["extra_data"]["misconceptions"] == ["effective_step.eps_inside_sqrt"]


def test_no_diagnosis_shows_a_hidden_checks_expected_value():
    hidden = {
        f"{x:.6g}"
        for c in CASES
        if c.hidden and c.expect == "value"
        for x in np.ravel(c.expected)
        if np.isfinite(x) and len(f"{x:.6g}".strip("-0.e")) >= 4
    }
    for mistake in misconceptions.CATALOGUE:
        text = diagnosis_text(describe(mistake.func, mistake.id))
        assert not [value for value in hidden if value in text]


def test_every_catalogue_entry_is_the_diagnosis_of_a_wrong_file_in_the_corpus():
    expected = tomllib.loads((SUBMISSIONS / "wrong" / "expected.toml").read_text(encoding="utf-8"))
    named = set()
    for entry in expected.values():
        ids = entry.get("misconception", [])
        named.update([ids] if isinstance(ids, str) else ids)
    assert named == set(misconceptions.BY_ID)


def test_a_student_whose_code_only_rejects_lists_is_told_so_and_gets_no_named_mistake():
    def call(case):
        if case.func == "effective_step" and isinstance(case.args[0], list):
            return Reply("error", error={"type": "TypeError", "message": "can't multiply sequence by non-int"})
        return _answer(case, "effective_step", lambda args, kwargs: (case.expected, list(args)), "float64")

    _, diagnoses = diagnose([c.run(lambda request, uses, c=c: call(_asked(c, request))) for c in CASES], CASES)
    assert [(d.func, d.misconception) for d in diagnoses] == [("effective_step", None)]
    assert markdown(diagnoses[0].failing_inputs).startswith(
        "Your effective_step fails exactly on the checks with Python lists"
    )


def test_a_function_that_passes_nothing_gets_no_diagnosis_beyond_its_messages():
    def call(case):
        if case.func == "bias_correct":
            return Reply("error", error={"type": "NotImplementedError", "message": ""})
        return _answer(case, "bias_correct", None, "float64")

    _, diagnoses = diagnose([c.run(lambda request, uses, c=c: call(c)) for c in CASES], CASES)
    assert diagnoses == ()
