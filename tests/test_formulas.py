"""Formula recovery (autograder/judge/formulas.py): the search names the formula a student's code computes, and
never names anything for correct code. A "student" here is a stand-in answering the diagnosis probes in
this process; tests/test_formula_corpus.py grades real files end to end."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder import oracle
from autograder.boundary import Reply
from autograder.judge import formulas, misconceptions
from autograder.judge.checks import encode_input
from tests.conftest import ROOT
from tests.recovery.measure import same_formula


def _default(text):
    """'f [alpha=0.01]' -> 'default alpha = 0.01', the corpus table's way to say a changed default."""
    name, value = text.split("[")[1].rstrip("]").split("=")
    return f"default {name} = {value}"


def _encode(value):
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return {"kind": "scalar", "type": "float", "dtype": "float64", "value": float(arr)}
    return {"kind": "array", "type": "ndarray", "dtype": "float64", "shape": list(arr.shape), "data": arr.tolist()}


def _replies(func, implementation):
    """What `implementation` sends back on func's probes, as the worker's Replies."""
    out = []
    for probe in formulas.PROBES[func]:
        args, kwargs = probe.args(func)
        with np.errstate(all="ignore"):
            out.append(Reply("ok", {"value": _encode(implementation(*args, **kwargs))}))
    return out


CORRECT = {
    "update_v": [
        lambda v, g, beta2=0.999: v + (1 - beta2) * (np.square(g) - v),
        lambda v, g, beta2=0.999: np.array([beta2 * a + (1 - beta2) * b * b for a, b in zip(v, g)]),
        lambda v, g, beta2=0.999: beta2 * v - (beta2 - 1) * g * g,
    ],
    "bias_correct": [
        lambda v, t, beta2=0.999: v / -np.expm1(t * np.log(beta2)),
        lambda v, t, beta2=0.999: v / (1 - np.prod([beta2] * t)),
        lambda v, t, beta2=0.999: np.array([x / (1 - beta2**t) for x in v.tolist()]),
    ],
    "effective_step": [
        lambda v_hat, alpha=0.001, eps=1e-8: alpha * np.reciprocal(np.sqrt(v_hat) + eps),
        lambda v_hat, alpha=0.001, eps=1e-8: np.array([alpha / (x**0.5 + eps) for x in v_hat]),
        lambda v_hat, alpha=0.001, eps=1e-8: np.exp(np.log(alpha) - np.log(np.sqrt(v_hat) + eps)),
    ],
}


@pytest.mark.parametrize("func", formulas.SIGNATURES)
def test_the_reference_is_never_diagnosed(func):
    assert formulas.recover(func, _replies(func, oracle.FUNCTIONS[func])) is None


@pytest.mark.parametrize(("func", "index"), [(f, i) for f in CORRECT for i in range(len(CORRECT[f]))])
def test_unusual_correct_implementations_are_never_diagnosed(func, index):
    assert formulas.recover(func, _replies(func, CORRECT[func][index])) is None


@pytest.mark.parametrize("func", formulas.SIGNATURES)
def test_no_candidate_class_agrees_with_the_page_on_every_probe(func):
    space = formulas.space(func)
    same_shape = space.scalar == space.reference_scalar
    agree_all = np.all(formulas.agree(space.reference.ravel()[None, :], space.values), axis=1)
    assert not np.any(agree_all & same_shape)


@pytest.mark.parametrize("func", formulas.SIGNATURES)
def test_every_candidate_is_recovered_as_itself_or_as_a_class_that_lists_it(func):
    """Each class's own probe values name that class (or a "one of" holding it), never another alone."""
    space = formulas.space(func)
    length = len(formulas.PROBES[func][0].arrays[formulas.SIGNATURES[func].arrays[0]])
    rng = np.random.default_rng(3)
    for row in rng.choice(len(space.members), size=min(150, len(space.members)), replace=False):
        values = space.values[row].reshape(len(formulas.PROBES[func]), length)
        replies = [Reply("ok", {"value": _encode(v[0] if space.scalar[row] else v)}) for v in values]
        found = formulas.recover(func, replies)
        member = space.members[row][0]
        assert found is not None
        named = [found.named] if found.named else list(found.one_of)
        assert (
            any(
                np.array_equal(
                    space.values[space.members.index(next(m for m in space.members if c in m))],
                    space.values[row],
                    equal_nan=True,
                )
                for c in named
            )
            or member in named
        )


NAMED = [
    ("update_v", lambda v, g, beta2=0.999: beta2 * v + 1 - beta2 * g**2, "beta2*v_prev+1-beta2*g**2"),
    ("update_v", lambda v, g, beta2=0.999: beta2 * v + g**2, "beta2*v_prev+g**2"),
    (
        "update_v",
        lambda v, g, beta2=0.999: beta2 * v + (1 - beta2) * np.mean(g**2),
        "beta2*v_prev+(1-beta2)*mean(g**2)",
    ),
    ("bias_correct", lambda v, t, beta2=0.999: v / (1 - beta2 * t), "v/(1-beta2*t)"),
    ("bias_correct", lambda v, t, beta2=0.999: v / 1 - beta2**t, "v/1-beta2**t"),
    ("bias_correct", lambda v, t, beta2=0.999: v // (1 - beta2**t), "floor(v/(1-beta2**t))"),
    ("effective_step", lambda v, alpha=0.001, eps=1e-8: alpha / np.sqrt(v + eps**2), "alpha/sqrt(v_hat+eps**2)"),
    ("effective_step", lambda v, alpha=0.001, eps=1e-8: alpha / (v**1 / 2 + eps), "alpha/(v_hat/2+eps)"),
    ("effective_step", lambda v, alpha=0.001, eps=1e-8: np.sqrt(v) + eps, "sqrt(v_hat)+eps"),
    (
        "effective_step",
        lambda v, alpha=0.01, eps=1e-8: alpha / (np.sqrt(v) + eps),
        "alpha/(sqrt(v_hat)+eps) [alpha=0.01]",
    ),
    (
        "effective_step",
        lambda v, alpha=0.001, eps=1e-8: np.round(alpha / (np.sqrt(v) + eps), 6),
        "round(alpha/(sqrt(v_hat)+eps),6)",
    ),
]


@pytest.mark.parametrize(("func", "wrong", "text"), NAMED, ids=[t for _, _, t in NAMED])
def test_a_mistake_from_the_issue_is_named_by_its_formula(func, wrong, text):
    found = formulas.recover(func, _replies(func, wrong))
    assert found is not None and found.named is not None
    # the name may be another spelling of the same formula ((1-b)*mean(x) or mean((1-b)*x)): same values
    assert same_formula(
        func, text.replace(" [", "#").split("#")[0] if "[" not in text else _default(text), found.named.id
    )
    assert found.named.id.startswith(f"formula:{func}=")


def test_the_formula_reads_as_unicode_beside_the_page():
    found = formulas.recover(
        "effective_step", _replies("effective_step", lambda v, alpha=0.001, eps=1e-8: alpha / np.sqrt(v + eps**2))
    )
    assert found.named.pretty == "α / √(v̂ + ε²)"
    assert found.reference_pretty == "α / (√v̂ + ε)"


def test_an_error_float32_or_list_on_a_probe_recovers_nothing():
    func = "effective_step"
    replies = _replies(func, lambda v, alpha=0.001, eps=1e-8: alpha / np.sqrt(v))
    assert formulas.recover(func, replies[:-1] + [Reply("error", error={"type": "TypeError"})]) is None
    as32 = [Reply("ok", {"value": {**r.value["value"], "dtype": "float32"}}) for r in replies]
    assert formulas.recover(func, as32) is None
    as_list = [Reply("ok", {"value": {**r.value["value"], "kind": "list"}}) for r in replies]
    assert formulas.recover(func, as_list) is None


@given(st.floats(0.5, 0.9999), st.integers(1, 50))
def test_a_correct_bias_correct_matches_the_reference_for_any_beta2_the_oracle_agrees(beta2, t):
    """The probes' reference values are the exact oracle's (sympy-backed) values, to 1e-12."""
    func = "bias_correct"
    values, _ = formulas.evaluate(func, formulas.REFERENCE[func], formulas.SIGNATURES[func].defaults)
    for row, probe in zip(values, formulas.PROBES[func]):
        args, kwargs = probe.args(func)
        assert np.allclose(row, oracle.to_float(oracle.FUNCTIONS[func](*args, **kwargs)), rtol=1e-12)


def test_a_catalogued_mistake_recovered_by_probes_gets_the_catalogue_entry():
    from autograder.judge.diagnosis import _match_probes

    entry = misconceptions.BY_ID["effective_step.eps_inside_sqrt"]
    replies = _replies("effective_step", entry.wrong)
    assert formulas.recover("effective_step", replies).named.text == "alpha/sqrt(v_hat+eps)"
    assert _match_probes("effective_step", replies) is entry


def test_probe_requests_are_the_same_for_every_call():
    assert formulas.requests("update_v") == formulas.requests("update_v")
    assert all(
        r["args"][0] == encode_input(np.array(formulas.PROBES["update_v"][i].arrays["v_prev"]))
        for i, r in enumerate(formulas.requests("update_v"))
    )


@pytest.mark.parametrize("constant", [0.0, np.nan, np.inf, 1.0])
@pytest.mark.parametrize("func", formulas.SIGNATURES)
def test_a_constant_answer_is_never_named_as_a_formula(func, constant):
    """A stub returning 0, a lookup table or NaN everywhere says nothing about a formula."""
    assert formulas.recover(func, _replies(func, lambda *a, **k: np.full(5, constant))) is None


# -- the built spaces on disk (formulas.SpaceCache) ------------------------------------------------------------


def _same_space(a, b):
    return (
        a.func == b.func
        and a.reference_scalar == b.reference_scalar
        and a.values.tobytes() == b.values.tobytes()
        and a.scalar.tolist() == b.scalar.tolist()
        and list(a.members) == list(b.members)
    )


def test_a_cached_space_reads_back_as_the_space_that_was_built(tmp_path, monkeypatch):
    cache = formulas.SpaceCache(tmp_path / "cache")
    built = formulas.build_space("bias_correct")
    assert cache.load("bias_correct") is None  # nothing cached yet
    cache.save(built)
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700
    read = cache.load("bias_correct")
    assert _same_space(read, built)
    # and a student's probes recover the same candidate from either
    wrong = lambda v, t, beta2=0.999: v / (1 - beta2 * t)  # noqa: E731
    replies = _replies("bias_correct", wrong)
    monkeypatch.setattr(formulas.match, "space", lambda func: read)
    from_cache = formulas.recover("bias_correct", replies)
    monkeypatch.setattr(formulas.match, "space", lambda func: built)
    assert from_cache == formulas.recover("bias_correct", replies) and from_cache.named is not None


def test_a_cache_anyone_else_may_write_or_a_corrupt_file_is_not_read(tmp_path):
    cache = formulas.SpaceCache(tmp_path / "cache")
    cache.save(formulas.build_space("bias_correct"))
    path = cache.path("bias_correct")
    path.chmod(0o666)  # a file another uid could have replaced
    assert cache.load("bias_correct") is None
    path.chmod(0o600)
    (tmp_path / "cache").chmod(0o777)  # a folder another uid could write into
    assert cache.load("bias_correct") is None
    (tmp_path / "cache").chmod(0o700)
    assert cache.load("bias_correct") is not None
    path.write_bytes(path.read_bytes()[:1000])  # cut short
    assert cache.load("bias_correct") is None
    path.write_bytes(b"not a zip file at all")
    assert cache.load("bias_correct") is None


def test_a_folder_that_cannot_be_written_means_building_again_never_an_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    cache = formulas.SpaceCache(blocker / "cache")  # its parent is a file: mkdir fails
    cache.save(formulas.build_space("effective_step"))
    assert cache.load("effective_step") is None


def test_the_cache_file_is_named_by_what_the_space_depends_on(tmp_path, monkeypatch):
    cache = formulas.SpaceCache(tmp_path)
    before = cache.path("update_v")
    formulas.fingerprint.cache_clear()
    monkeypatch.setattr(formulas.cache, "PROBES", {**formulas.PROBES, "update_v": formulas.PROBES["update_v"][:2]})
    try:
        assert cache.path("update_v") != before  # other probes: another file, never a stale space
    finally:
        monkeypatch.undo()
        formulas.fingerprint.cache_clear()
    assert cache.path("update_v") == before


def test_the_cache_key_ignores_comments_docstrings_and_layout_but_not_code():
    source = (ROOT / "autograder" / "judge" / "formulas" / "edits.py").read_text(encoding="utf-8")
    key = formulas.cache.code_key(source)
    reworded = source.replace('"""The edits students make', '"""Edits students make', 1) + "\n# a new comment\n"
    assert formulas.cache.code_key(reworded) == key
    assert formulas.cache.code_key(source.replace("const(3), ONE, const(0.5)", "const(3), ONE")) != key


def test_the_cache_key_reads_every_module_that_builds_the_space():
    here = ROOT / "autograder" / "judge" / "formulas"
    builders = {p.stem for p in here.glob("*.py")} - {"__init__", "cache", "match"}
    assert set(formulas.cache.BUILDERS) == builders
