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


def _grade_source(tmp_path, body):
    from autograder.config import GradeConfig
    from autograder.discover import discover
    from autograder.grading import grade_batch

    path = tmp_path / "second_moment.py"
    path.write_text(
        "import numpy as np\n\n\n"
        + body
        + "\n\ndef bias_correct(v, t, beta2=0.999):\n    return v / (1 - beta2**t)\n"
        + "\n\ndef effective_step(v_hat, alpha=0.001, eps=1e-8):\n    return alpha / (np.sqrt(v_hat) + eps)\n"
    )
    (result,) = grade_batch(discover([path]), GradeConfig(timeout=3.0))
    return result.diagnosis_for("update_v")


def test_code_that_takes_sympy_symbols_has_its_formula_confirmed_by_the_algebra(tmp_path):
    found = _grade_source(tmp_path, "def update_v(v_prev, g, beta2=0.999):\n    return beta2 * v_prev + g**2\n")
    assert found.id == "formula:update_v=beta2*v_prev+g**2"
    assert found.formula.confirmed


def test_a_formula_the_students_own_algebra_contradicts_is_not_named(tmp_path):
    body = (
        "def update_v(v_prev, g, beta2=0.999):\n"
        "    if isinstance(g, np.ndarray) and g.ndim == 1 and g.size == 5:\n"
        "        return beta2 * v_prev + g**2\n"
        "    return beta2 * v_prev + 3 * g**2\n"
    )
    found = _grade_source(tmp_path, body)
    assert found is not None and found.formula is None
