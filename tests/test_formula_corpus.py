"""Formula recovery end to end on tests/submissions/uncatalogued/: 57 wrong files written from the page before
the search existed (named.toml says what each computes) and 2 unusual correct ones."""

import json

import pytest

from autograder.render import gradescope
from tests.conftest import SUBMISSIONS
from tests.recovery.measure import measure, summary

FOLDER = SUBMISSIONS / "uncatalogued"


@pytest.fixture(scope="module")
def figures():
    return summary(measure(FOLDER))


def test_nothing_is_falsely_named_on_the_uncatalogued_corpus(figures):
    assert figures["false_files"] == {}


def test_at_least_four_in_five_uncatalogued_mistakes_are_named(figures):
    assert figures["wrong_files"] >= 40
    assert figures["named"] >= 0.8 * figures["wrong_files"], figures["unnamed"]


def test_results_json_carries_a_stable_formula_id_and_the_formula_in_markdown():
    from autograder.config import GradeConfig
    from autograder.discover import discover
    from autograder.grading import grade_batch

    (result,) = grade_batch(discover([FOLDER / "es_eps_squared_in_root.py"]), GradeConfig(timeout=3.0))
    data = json.loads(json.dumps(gradescope.render(result)))
    assert data["extra_data"]["misconceptions"] == ["formula:effective_step=alpha/sqrt(v_hat+eps**2)"]
    outputs = "\n".join(t["output"] for t in data["tests"])
    assert "Your effective_step behaves like **α / √(v̂ + ε²)**; the page has **α / (√v̂ + ε)**." in outputs
    assert outputs.count("behaves like") == 1
