"""Reading the formula a function returns from its source (sandbox/guest/reading.py, guest side) and confirming it on
the student's own outputs (judge/explain.py)."""

import importlib.util

import numpy as np
import pytest

from autograder.boundary import Reply, Status
from autograder.judge import explain, formulas
from autograder.sandbox.guest import protocol, reading

PAGE_UPDATE_V = ["add", ["mul", ["var", "beta2"], ["var", "v_prev"]], ["mul", ["sub", ["const", 1.0], ["var", "beta2"]], ["pow", ["var", "g"], ["const", 2.0]]]]  # fmt: skip


def _module(tmp_path, source):
    path = tmp_path / "second_moment.py"
    path.write_text("import math\nimport numpy as np\n\n" + source)
    spec = importlib.util.spec_from_file_location("second_moment", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_straight_line_code_reads_through_conversions_helpers_and_a_float_for_a_number(tmp_path):
    module = _module(
        tmp_path,
        "def _f(x):\n    return np.asarray(x, dtype=np.float64).copy()\n\n"
        "def update_v(v_prev, g, beta2=0.999):\n    v_prev, g = _f(v_prev), _f(g)\n"
        "    if not 0 <= beta2 < 1:\n        raise ValueError('beta2')\n"
        "    v = beta2 * v_prev + (1 - beta2) * np.square(g)\n    return float(v) if v.ndim == 0 else v\n",
    )
    found = reading.read(module, "update_v", [])
    assert found["tree"] == PAGE_UPDATE_V and found["params"] == [["v_prev", None], ["g", None], ["beta2", 0.999]]


def test_a_recursive_correction_reads_once_t_is_known_and_compounds(tmp_path):
    module = _module(
        tmp_path,
        "def bias_correct(v, t, beta2=0.999):\n    if t == 1:\n        return v / (1 - beta2)\n"
        "    return bias_correct(v, t - 1, beta2) / (1 - beta2**t)\n",
    )
    assert reading.read(module, "bias_correct", [])["tree"] is None
    at_3 = reading.read(module, "bias_correct", [[1, 3]])["tree"]
    assert explain.render(explain._tuples(at_3)) == "v / (1 − β₂) / (1 − β₂²) / (1 − β₂³)"


def test_a_loop_over_range_t_is_unrolled_only_when_t_is_known(tmp_path):
    module = _module(
        tmp_path,
        "def bias_correct(v, t, beta2=0.999):\n    p = 1.0\n    for _ in range(t):\n        p *= beta2\n"
        "    return v / (1 - p)\n",
    )
    assert "range(t)" in reading.read(module, "bias_correct", [])["why"]
    tree = explain._tuples(reading.read(module, "bias_correct", [[1, 2]])["tree"])
    assert explain.evaluate(tree, {"v": 1.0, "beta2": 0.5}) == pytest.approx(1 / (1 - 0.25))


@pytest.mark.parametrize(("body", "kind"), [("v / (1 - beta2 ^ t)", "xor"), ("v * (1 // (1 - beta2**t))", "floordiv")])
def test_caret_and_floor_division_are_read_as_the_operators_python_has(tmp_path, body, kind):
    module = _module(tmp_path, f"def bias_correct(v, t, beta2=0.999):\n    return {body}\n")
    found = reading.read(module, "bias_correct", [])
    assert kind in str(found["tree"]) and found["source"] == f"return {body}"


def test_reading_never_runs_the_code(tmp_path):
    marker = tmp_path / "ran"
    module = _module(
        tmp_path,
        f"def effective_step(v_hat, alpha=0.001, eps=1e-8):\n    open({str(marker)!r}, 'w')\n    return v_hat\n",
    )
    found = reading.read(module, "effective_step", [])
    assert found["tree"] is None and found["why"] and not marker.exists()


@pytest.mark.parametrize(
    "tree",
    [["os.system", ["var", "v"]], ["add", ["var", "v"]], ["const", float("inf")], ["sqrt"] * 1 + [["var", "v"]] * 2],
)
def test_the_grader_refuses_a_reading_that_is_not_a_tree_of_known_nodes(tree):
    with pytest.raises(protocol.ProtocolError):
        protocol.check_reading({"params": [["v", None]], "tree": tree, "why": "", "source": ""})


def _replies(func, compute):
    """Replies on the diagnosis probes from a plain Python function standing in for the student's."""
    out = []
    for probe in formulas.PROBES[func]:
        args, kwargs = probe.args(func)
        try:
            with np.errstate(all="ignore"):
                value = np.asarray(compute(*args, **kwargs), dtype=np.float64)
        except TypeError as err:
            out.append(Reply(Status.ERROR, None, {"type": "TypeError", "message": str(err)}))
            continue
        out.append(
            Reply(
                Status.OK,
                {"value": {"kind": "array", "dtype": "float64", "shape": list(value.shape), "data": value.tolist()}},
            )
        )
    return out


def _read(tree, params):
    return [Reply(Status.OK, {"reading": {"params": params, "tree": tree, "why": "", "source": ""}})]


def test_a_reading_is_confirmed_only_where_it_gives_the_student_s_own_outputs():
    params = [["v_prev", None], ["g", None], ["beta2", 0.999]]
    right = _replies("update_v", lambda v, g, beta2=0.999: beta2 * v + (1 - beta2) * g**2)
    # np.sqrt monkeypatched at import, say: the code reads like the page, but computes something else
    other = _replies("update_v", lambda v, g, beta2=0.999: beta2 * v + (1 - beta2) * abs(g))
    assert explain.read("update_v", _read(PAGE_UPDATE_V, params), right).confirmed
    assert not explain.read("update_v", _read(PAGE_UPDATE_V, params), other).confirmed


def test_a_swapped_signature_is_a_signature_and_its_body_the_page_s_formula():
    params = [["g", None], ["v_prev", None], ["beta2", 0.999]]
    student = _replies("update_v", lambda g, v, beta2=0.999: beta2 * v + (1 - beta2) * g**2)
    found = explain.read("update_v", _read(PAGE_UPDATE_V, params), student)
    assert found.confirmed and found.signature_differs and found.tree == explain._tuples(PAGE_UPDATE_V)
    assert explain.render(explain.in_stub_names(found, found.tree)) == "β₂·g + (1 − β₂)·v²"
