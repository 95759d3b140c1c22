"""Feedback never prints a hidden case's expected value, on every wrong submission in the corpus."""

import json
import re
import threading
from decimal import Decimal
from typing import ClassVar

import numpy as np
import pytest

from autograder import grading
from autograder.cases import CHECKS
from autograder.config import GradeConfig
from autograder.discover import discover
from autograder.judge.checks import Case
from autograder.judge.compare import decode, show
from autograder.page import FIGURES
from autograder.render import feedback, gradescope
from autograder.render.text import markdown
from autograder.sandbox.host import Host
from tests.conftest import SUBMISSIONS

HIDDEN_VALUE_CASES = {c.id: c for c in CHECKS if isinstance(c, Case) and c.hidden and c.expect == "value"}


def _key(request):
    return json.dumps(request, sort_keys=True)


class RecordingHost(Host):
    """The real host, keeping each reply so a test can see what the student's code returned."""

    replies: ClassVar[dict[str, dict]] = {}  # submission path -> {request as JSON: Reply}
    lock = threading.Lock()

    def __init__(self, source, *args, **kwargs):
        super().__init__(source, *args, **kwargs)
        with self.lock:
            self.mine = self.replies.setdefault(str(source), {})

    def call(self, request, uses):
        reply = super().call(request, uses)
        self.mine[_key(request)] = reply
        return reply


@pytest.fixture(scope="module")
def wrong(tmp_path_factory):
    """[(SubmissionResult, {request: Reply})] for every file in tests/submissions/wrong/, graded once."""
    results = grading.grade_batch(discover([SUBMISSIONS / "wrong"]), GradeConfig(timeout=3.0), host=RecordingHost)
    return [(r, RecordingHost.replies[r.path]) for r in results]


def _students_value(reply):
    """The student's returned value as feedback shows it, or None when it was not a number."""
    if reply is None or not reply.ok:
        return None
    arr, problem = decode(reply.value.get("value"))
    return None if problem else show(arr)


def _failing_hidden_value_outcomes(wrong):
    for result, replies in wrong:
        for item in result.items:
            for outcome in item.failures:
                case = HIDDEN_VALUE_CASES.get(outcome.check)
                if case is not None:
                    yield result, outcome, case, replies.get(_key(case.request()))


def _shows(text, rendering):
    """True when `rendering` stands in `text` as a whole number ("0.1" is not in "0.1119")."""
    return re.search(rf"(?<![\w.]){re.escape(rendering)}(?![\w.]*\d)", text) is not None


#: The coarse bands' own words (compare.how_far): their numbers are fixed, not the case's answer.
BANDS = re.compile(
    r"\d+ to \d+ times|by less than a factor of 2|more than 1000 times|3 or more significant digits|"
    r"the 6 the grader asks for|within 10%|agree to 3 digits"
)


def _problem(outcome, case):
    """The part of a check's message that is about the result: its call and inputs are not secret."""
    prefix = f"`{case.call_text}` ({case.about}) "
    message = markdown(outcome.message)
    text = message[len(prefix) :] if message.startswith(prefix) else message
    return BANDS.sub("", text)


def test_shows_matches_whole_numbers_only():
    assert _shows("returned 0.1, which", "0.1") and _shows("[0.1, 2]", "0.1")
    assert not _shows("returned 0.1119, which", "0.1") and not _shows("returned 10.5", "10")


def test_the_corpus_fails_many_hidden_value_cases(wrong):
    # The secrecy checks below are only as good as the number of failures they look at.
    assert len(wrong) >= 12
    assert len(list(_failing_hidden_value_outcomes(wrong))) >= 50


def test_the_recording_worker_saw_every_failing_cases_call(wrong):
    loaded = [(r, o, c, reply) for r, o, c, reply in _failing_hidden_value_outcomes(wrong) if r.load_error is None]
    assert loaded and all(reply is not None for *_, reply in loaded)


def test_a_failing_hidden_case_message_never_shows_its_expected_value(wrong):
    leaks = []
    for result, outcome, case, reply in _failing_hidden_value_outcomes(wrong):
        expected, theirs = show(case.expected), _students_value(reply)
        if _shows(_problem(outcome, case), expected) and not (theirs is not None and _shows(theirs, expected)):
            leaks.append((result.student, case.id, expected, markdown(outcome.message)))
    assert leaks == []


def _not_secret():
    """Renderings anyone may see: public expected values, the page's printed figures, and every case's
    inputs (feedback shows a failing check's call, and one step's answer is the next step's input)."""

    def renderings(x):
        return {f"{v:.6g}" for v in np.asarray(x, dtype=np.float64).ravel()}

    seen = {f.printed for f in FIGURES}
    for c in CHECKS:
        if isinstance(c, Case):
            for arg in list(c.args) + list(c.kwargs.values()):
                seen |= renderings(arg)
            if not c.hidden and c.expect == "value":
                seen |= renderings(c.expected)
    return seen


def test_feedback_and_results_json_never_show_a_failing_hidden_expected_value(wrong):
    """The whole page a student reads, diagnosis and hints included, not only the check's own line."""
    public = _not_secret()
    leaks = []
    for result, _outcome, case, reply in _failing_hidden_value_outcomes(wrong):
        theirs = _students_value(reply) or ""
        texts = {
            "feedback.md": BANDS.sub("", feedback.render(result)),
            "results.json": BANDS.sub("", json.dumps(gradescope.render(result))),
        }
        for value in np.asarray(case.expected, dtype=np.float64).ravel():
            expected = f"{value:.6g}"
            # Fewer than 4 significant digits ("10", "0.01") turn up on any page by chance.
            if (
                expected in public
                or _shows(theirs, expected)
                or len(Decimal(expected).normalize().as_tuple().digits) < 4
            ):
                continue
            leaks += [
                (result.student, case.id, expected, name) for name, text in texts.items() if _shows(text, expected)
            ]
    assert leaks == []
