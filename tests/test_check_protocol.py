"""Every kind of check implements checks.Check, and a new kind is graded, built into the notebook and
passed by the diagnosis without any change to the grader (nothing asks which kind a check is)."""

from dataclasses import dataclass

import numpy as np
import pytest

from autograder import terms
from autograder.cases import CHECKS
from autograder.config import GradeConfig
from autograder.discover import Submission
from autograder.grading import grade_submission
from autograder.judge.checks import Check, reply_problem
from autograder.notebook import build
from autograder.render.text import markdown
from autograder.results import Outcome
from autograder.sandbox.guest import protocol
from autograder.words import EMPTY, prose, words
from tests.conftest import ROOT, SUBMISSIONS


@dataclass(frozen=True)
class ScalingCheck:
    """A kind of check the grader has never seen: doubling alpha doubles every step."""

    id: str = "effective_step.general.alpha_eps.doubling"
    item: str = "effective_step.general"
    group: str = "alpha_eps"
    about: str = "doubling alpha doubles the step"
    hidden: bool = True
    v_hat: float = 4.0
    alpha: float = 0.003
    uses: tuple[str, ...] = ("effective_step",)

    @property
    def fixed_call(self):
        return None

    @property
    def unrolled(self):
        return None

    def _request(self, alpha):
        return protocol.call_request("effective_step", [self.v_hat], {"alpha": alpha})

    def requests(self):
        return [(self._request(self.alpha), self.uses), (self._request(2 * self.alpha), self.uses)]

    def run(self, call, shared=None):
        once, twice = (call(request, uses) for request, uses in self.requests())
        problem = next((reply_problem(r, "effective_step") for r in (once, twice) if not r.ok), None)
        if problem is None:
            a, b = (np.ravel(r.value["value"].get("data", r.value["value"].get("value"))) for r in (once, twice))
            problem = None if np.allclose(b, 2 * a, rtol=1e-9) else prose("does not double its step when alpha doubles")
        message = EMPTY if problem is None else words(f"{self.about}: ", problem, ".")
        return Outcome(self.id, self.item, problem is None, self.hidden, self.about, message, group=self.group)

    def notebook_lines(self):
        line = (
            f"assert check_value({self.about!r}, run(effective_step, {self.v_hat!r}, alpha={2 * self.alpha!r}), "
            f"2 * run(effective_step, {self.v_hat!r}, alpha={self.alpha!r}))"
        )
        return [], [line]


NEW = ScalingCheck()


def test_every_check_of_a_term_and_a_new_kind_implement_the_check_protocol():
    checks = terms.checks_for_seed(terms.current().seed) + (NEW,)
    assert {type(c).__name__ for c in checks} >= {"Case", "ClosedFormCheck", "ConstantGradientCheck", "ScalingCheck"}
    assert all(isinstance(c, Check) for c in checks)


def test_a_new_kind_goes_into_its_group_s_notebook_cell_with_its_own_lines():
    cells = {
        c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"])
        for c in build.tests_cells(NEW.item, CHECKS + (NEW,))
    }
    hidden = cells["effective_step-general-alpha_eps"].partition(build.BEGIN_HIDDEN)[2]
    assert NEW.notebook_lines()[1][0] in hidden
    assert not any(NEW.about in source for gid, source in cells.items() if gid != "effective_step-general-alpha_eps")


@pytest.mark.parametrize(
    ("path", "passes"),
    [(ROOT / "solutions" / "second_moment.py", True), (SUBMISSIONS / "wrong" / "hardcoded_constants.py", False)],
)
def test_a_new_kind_is_graded_and_diagnosed_beside_the_others_without_any_change_to_the_grader(path, passes):
    result = grade_submission(Submission("s", path, "py"), GradeConfig(jobs=1), checks=CHECKS + (NEW,))
    item = result.item(NEW.item)
    mine = [o for o in item.outcomes if o.check == NEW.id]
    assert len(mine) == 1 and mine[0].passed is passes
    assert mine[0].message == (EMPTY if passes else prose(f"{NEW.about}: does not double its step when alpha doubles."))
    # Its group earns its points only when it passes too; the diagnosis ran and names the function's mistake.
    group = next(g for g in item.groups if g.name == NEW.group)
    assert NEW.id in {o.check for o in group.outcomes}
    assert (group.score == group.points) is passes
    if not passes:
        assert "effective_step" in {d.func for d in result.diagnoses}


def test_a_case_judges_a_shared_reply_once_and_every_other_reply_afresh():
    """Case.run hands the Outcome it worked out for a reply the host shares between a run's students (the
    very same object) to the next student of that run with that reply; an equal reply in another object,
    another reply, or the same one in another run, is judged on its own, and comes out the same or
    differently as its values say."""
    from autograder.boundary import Reply, Status
    from autograder.judge.checks import Case
    from autograder.memo import Run

    case = Case("update_v.page.x", "update_v.page", "update_v", (0.0, 10.0), "a test input", group="page")

    def reply(value):
        return Reply(Status.OK, value={"ok": True, "value": value, "args_after": [None, None]})

    right = {"kind": "scalar", "type": "float", "dtype": "float64", "value": 0.1}  # (1 - 0.999) * 10**2
    shared, run = reply(right), Run()
    first = case.run(lambda request, uses: shared, run)
    assert first.passed and case.run(lambda request, uses: shared, run) is first
    fresh = case.run(lambda request, uses: reply(dict(right)), run)
    assert fresh == first and fresh is not first
    again = case.run(lambda request, uses: shared, Run())
    assert again == first and again is not first
    wrong = case.run(lambda request, uses: reply({**right, "value": 0.2}), run)
    assert not wrong.passed and "returned 0.2" in markdown(wrong.message)
