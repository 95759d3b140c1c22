"""The table of the three functions (autograder/functions.py) is what the reference, the stub, the oracle and
the catalogue of mistakes declare, and its worked steps give the page's printed figures."""

import ast
import inspect
from decimal import Decimal

import pytest

from autograder import functions, oracle, page
from autograder.judge import misconceptions
from tests.conftest import ROOT, load_reference

REFERENCE = load_reference()


def _declared(signature):
    """[(name, default or None)] of a signature, in order."""
    return [
        (p.name, None if p.default is inspect.Parameter.empty else p.default) for p in signature.parameters.values()
    ]


def _table(function):
    return [(p.name, p.default) for p in function.parameters]


@pytest.mark.parametrize("function", functions.TABLE, ids=lambda f: f.name)
def test_the_reference_declares_each_function_as_the_table_does(function):
    assert _declared(inspect.signature(getattr(REFERENCE, function.name))) == _table(function)


@pytest.mark.parametrize("function", functions.TABLE, ids=lambda f: f.name)
def test_the_students_stub_declares_each_function_as_the_table_does(function):
    # The stub is generated from the reference; reading it as text checks what students are actually given.
    tree = ast.parse((ROOT / "assignment" / "second_moment.py").read_text(encoding="utf-8"))
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function.name)
    names = [a.arg for a in node.args.args]
    defaults = [None] * (len(names) - len(node.args.defaults)) + [ast.literal_eval(d) for d in node.args.defaults]
    assert list(zip(names, defaults)) == _table(function)


@pytest.mark.parametrize("function", functions.TABLE, ids=lambda f: f.name)
def test_the_exact_oracle_declares_each_function_as_the_table_does(function):
    assert _declared(inspect.signature(oracle.FUNCTIONS[function.name])) == _table(function)


@pytest.mark.parametrize("mistake", misconceptions.CATALOGUE, ids=lambda m: m.id)
def test_every_catalogued_mistake_takes_its_functions_parameters_and_defaults(mistake):
    assert _declared(inspect.signature(mistake.wrong)) == _table(functions.BY_NAME[mistake.func])


def test_the_table_lists_the_functions_in_task_order_and_their_defaults_are_the_pages_constants():
    assert functions.NAMES == ("update_v", "bias_correct", "effective_step")
    assert functions.UPDATE_V.defaults == {"beta2": page.BETA2}
    assert functions.BIAS_CORRECT.defaults == {"beta2": page.BETA2}
    assert functions.EFFECTIVE_STEP.defaults == {"alpha": page.ALPHA, "eps": page.EPS}
    assert functions.BIAS_CORRECT.parameter("t").kind == "count"


def test_defaults_are_shown_as_the_page_writes_them():
    shown = [p.shown for f in functions.TABLE for p in f.hyperparameters]
    assert shown == ["0.999", "0.999", "0.001", "1e-8"]


def _matches_printed(value, figure):
    shown = Decimal(figure.printed)
    return abs(Decimal(repr(value)) - shown) <= Decimal(5).scaleb(shown.adjusted() - figure.digits)


@pytest.mark.parametrize("function", functions.TABLE, ids=lambda f: f.name)
def test_the_worked_steps_through_the_reference_give_every_figure_the_page_prints(function):
    printed = [f for f in page.FIGURES if f.quantity == function.returns]
    worked = [w for w in function.worked if w.figure is not None]
    assert len(worked) == len(printed)
    assert {w.figure for w in worked} == set(printed)
    for w in worked:
        assert _matches_printed(getattr(REFERENCE, function.name)(*w.args), w.figure), (function.name, w)


def test_the_worked_steps_chain_from_one_function_to_the_next():
    """update_v's result at step t is bias_correct's input at t, whose result is effective_step's input."""
    for p, t in ((1, 1), (1, 2), (1, 3), (2, 1), (2, 2)):
        update = next(w for w in functions.UPDATE_V.worked if (w.parameter, w.t) == (p, t))
        bias = next(w for w in functions.BIAS_CORRECT.worked if (w.parameter, w.t) == (p, t))
        step = next(w for w in functions.EFFECTIVE_STEP.worked if (w.parameter, w.t) == (p, t))
        assert REFERENCE.update_v(*update.args) == bias.args[0]
        assert bias.args[1] == t
        assert REFERENCE.bias_correct(*bias.args) == step.args[0]


def test_bind_fills_the_defaults_in_parameter_order():
    bound = functions.EFFECTIVE_STEP.bind((4.0,), {"eps": 0.5})
    assert list(bound.items()) == [("v_hat", 4.0), ("alpha", page.ALPHA), ("eps", 0.5)]
    assert functions.BIAS_CORRECT.bind((0.1, 2, 0.9), {}) == {"v": 0.1, "t": 2, "beta2": 0.9}


@pytest.mark.parametrize(
    ("args", "kwargs", "words"),
    [
        ((0.1,), {}, "missing 'g'"),
        ((0.1, 1.0), {"beta": 0.9}, "no parameter 'beta'"),
        ((0.1, 1.0, 0.9), {"beta2": 0.9}, "'beta2' twice"),
        ((0.1, 1.0, 0.9, 4), {}, "takes 3 arguments"),
    ],
)
def test_bind_refuses_a_call_the_function_would_refuse_and_names_the_parameter(args, kwargs, words):
    with pytest.raises(TypeError, match=words):
        functions.UPDATE_V.bind(args, kwargs)


def test_running_v_is_update_v_applied_step_by_step():
    gradients = (10.0, -0.2, 0.0, 3.5)
    v, expected = page.V0, []
    for g in gradients:
        v = REFERENCE.update_v(v, g, 0.9)
        expected.append(v)
    assert functions.running_v(gradients, 0.9) == expected


def test_the_students_readme_shows_each_signature_from_the_table():
    from autograder.release import student_readme

    readme = student_readme()
    assert [f.signature for f in functions.TABLE] == [
        "update_v(v_prev, g, beta2=0.999)",
        "bias_correct(v, t, beta2=0.999)",
        "effective_step(v_hat, alpha=0.001, eps=1e-8)",
    ]
    assert all(f"`{f.signature}`" in readme for f in functions.TABLE)
    assert "{signature:" not in readme


@pytest.mark.parametrize("mistake", [m for m in misconceptions.CATALOGUE if ".ignores_" in m.id], ids=lambda m: m.id)
def test_a_hard_coded_default_mistake_names_the_defaults_the_table_gives(mistake):
    # The catalogue's words are written for students with the page's numbers in them; this keeps them true.
    for p in functions.BY_NAME[mistake.func].hyperparameters:
        assert p.shown in mistake.title or p.shown in mistake.explanation, (mistake.id, p.name)
