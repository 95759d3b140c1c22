"""Seeded hidden cases and terms: new cases each term, the page's values always, regrades that reproduce."""

import importlib.util
import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime

import numpy as np
import pytest

from autograder import cli, randomized, release, terms
from autograder.cases import CHECKS
from autograder.discover import Submission
from autograder.grading import grade_submission
from autograder.notebook.lines import case_line
from autograder.rubric import ITEMS_BY_ID
from tests.conftest import ROOT, SUBMISSIONS

SEEDS = range(60)
DRAWN_ITEMS = {"update_v.general", "bias_correct.general", "effective_step.general", "effective_step.small_v_hat"}


def _calls(checks):
    return {c.id: c.call_text for c in checks if hasattr(c, "call_text")}


def _load(path):
    spec = importlib.util.spec_from_file_location(f"submission_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _agrees(module, case):
    args = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in case.args]
    with np.errstate(all="ignore"):
        try:
            got = np.asarray(getattr(module, case.func)(*args, **case.kwargs), dtype=np.float64)
        except Exception:  # noqa: BLE001  a corpus submission's own error is a failed case, as in the grader
            return False
    return got.shape == np.shape(case.expected) and bool(np.allclose(got, case.expected, rtol=1e-6, atol=0.0))


def test_two_terms_draw_different_hidden_cases_and_keep_the_page_values():
    fall, spring = terms.plan("ada", terms.Term("2026-fall")), terms.plan("ada", terms.Term("2027-spring"))
    drawn_fall, drawn_spring = _calls(fall.checks[len(CHECKS) :]), _calls(spring.checks[len(CHECKS) :])
    assert drawn_fall.keys() == drawn_spring.keys()
    assert all(drawn_fall[i] != drawn_spring[i] for i in drawn_fall)
    assert fall.checks[: len(CHECKS)] == spring.checks[: len(CHECKS)] == CHECKS
    page = [c for c in fall.checks if ".page." in c.id]
    assert page and all(c in spring.checks for c in page)
    assert fall.seed != spring.seed


def test_a_term_seed_is_sha256_of_its_name():
    import hashlib

    digest = hashlib.sha256(b"adam-hw term 2027-spring").digest()
    assert terms.term_seed("2027-spring") == int.from_bytes(digest[:6], "big") < 10**15


@pytest.mark.parametrize("seed", SEEDS)
def test_every_drawn_case_is_hidden_unique_and_belongs_to_a_rubric_item(seed):
    drawn = randomized.cases(seed)
    ids = [c.id for c in CHECKS + drawn]
    assert len(ids) == len(set(ids))
    assert {c.item for c in drawn} == DRAWN_ITEMS
    for case in drawn:
        assert case.hidden and case.id.startswith(case.item + ".random_") and case.item in ITEMS_BY_ID
        assert np.all(np.isfinite(case.expected))


def test_drawn_cases_cover_later_steps_other_betas_signs_and_shapes():
    drawn = [c for seed in range(10) for c in randomized.cases(seed)]
    ndims = {np.ndim(a) for c in drawn for a in c.args[:1]}
    assert ndims == {0, 1, 2}
    assert any(isinstance(c.args[0], list) for c in drawn) and any(isinstance(c.args[0], int) for c in drawn)
    assert {c.args[1] for c in drawn if c.func == "bias_correct"} & set(range(3, 4000))
    assert len({c.kwargs.get("beta2") for c in drawn} - {None}) > 10
    grads = np.concatenate([np.ravel(c.args[1]) for c in drawn if c.func == "update_v"])
    assert (grads < 0).any() and (grads == 0).any()


@pytest.mark.parametrize("style", ["plain_operators", "numpy_ufuncs", "lists_and_loops", "in_place_on_copy"])
def test_correct_code_passes_every_drawn_case_for_many_seeds(style):
    module = _load(SUBMISSIONS / "correct" / f"{style}.py")
    failing = [c.call_text for seed in SEEDS for c in randomized.cases(seed) if not _agrees(module, c)]
    assert failing == []


@pytest.mark.parametrize(
    ("mistake", "item"),
    [
        ("missing_pow_t", "bias_correct.general"),
        ("no_square", "update_v.general"),
        ("eps_inside_sqrt", "effective_step.small_v_hat"),
        ("t_from_zero", "bias_correct.general"),
        ("weights_swapped", "update_v.general"),
    ],
)
def test_every_draw_alone_catches_a_wrong_implementation(mistake, item):
    module = _load(SUBMISSIONS / "wrong" / f"{mistake}.py")
    for seed in SEEDS:
        assert not all(_agrees(module, c) for c in randomized.cases(seed) if c.item == item), seed


CORPUS = sorted((SUBMISSIONS / "wrong").glob("*.py")) + sorted((SUBMISSIONS / "correct").glob("*.py"))


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_no_draw_fails_an_item_that_the_fixed_cases_pass(path):
    """So a submission fails the same items every term, and expected.toml holds whatever the term."""
    module = _load(path)
    for item in DRAWN_ITEMS:
        fixed = [c for c in CHECKS if c.item == item and getattr(c, "expect", None) == "value"]
        if not all(_agrees(module, c) for c in fixed):
            continue
        # each drawn case where it counts: lists and integers drawn count in the contract item now (#10)
        failing = [
            (seed, c.call_text)
            for seed in SEEDS
            for c in randomized.graded(seed)
            if c.item == item and not _agrees(module, c)
        ]
        assert failing == [], item


def test_the_same_seed_draws_the_same_cases_in_a_fresh_process():
    code = "from autograder import randomized; print(randomized.fingerprint(randomized.cases(12345)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == randomized.fingerprint(randomized.cases(12345))
    assert randomized.fingerprint(randomized.cases(12346)) != out.stdout.strip()


def test_per_student_seeds_differ_between_students_and_are_stable():
    term = terms.Term("2027-spring", per_student=True)
    seeds = {s: term.seed_for(s) for s in ("ada", "bob", "cy", "dee")}
    assert len(set(seeds.values())) == 4 and term.seed not in seeds.values()
    assert seeds == {s: terms.Term("2027-spring", per_student=True).seed_for(s) for s in seeds}
    assert _calls(terms.plan("ada", term).checks) != _calls(terms.plan("bob", term).checks)
    assert terms.plan("ada", term, per_student=False).seed == term.seed


def test_the_checked_in_manifest_reproduces_its_cases():
    term = terms.read(terms.MANIFEST)
    data = json.loads(terms.MANIFEST.read_text())
    assert data["seed"] == term.seed == terms.term_seed(data["term"])
    assert data["fingerprint"] == randomized.fingerprint(randomized.cases(term.seed))


@pytest.mark.parametrize(("key", "value"), [("seed", 1), ("fingerprint", "0" * 64), ("generator", 99)])
def test_a_hand_edited_manifest_is_refused_with_the_key_named(tmp_path, key, value):
    path = tmp_path / "term.json"
    data = terms.manifest(terms.Term("2027-spring"))
    path.write_text(json.dumps({**data, key: value}))
    with pytest.raises(ValueError, match=key):
        terms.read(path)


@pytest.mark.parametrize("name", ["", " spring", "a\nb", "x" * 65])
def test_a_bad_term_name_is_refused(name):
    with pytest.raises(ValueError, match="term name"):
        terms.Term(name)


def _release_root(tmp_path):
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    return tmp_path


def test_release_term_records_a_new_term_that_release_check_accepts(tmp_path, capsys):
    root = _release_root(tmp_path)
    assert cli.main(["release", "--root", str(root), "--check"]) == 2  # no term recorded yet
    assert cli.main(["release", "--root", str(root), "--term", "2028-fall", "--per-student"]) == 0
    assert "per-student draws reach `adam-hw grade` and Gradescope only" in capsys.readouterr().out
    data = json.loads((root / "autograder" / "term.json").read_text())
    assert (data["term"], data["seed"], data["per_student"]) == ("2028-fall", terms.term_seed("2028-fall"), True)
    assert cli.main(["release", "--root", str(root), "--check"]) == 0
    assert release.term_manifest(root) == (root / "autograder" / "term.json").read_text()  # a plain release keeps it
    # The nbgrader source notebook's hidden tests are the new term's draw (the student's notebook has none).
    source = (root / "solutions" / "second_moment.ipynb").read_text()
    drawn = randomized.graded(terms.term_seed("2028-fall"))
    assert all(json.dumps(case_line(case) + "\n")[1:-1] in source for case in drawn)
    (root / "autograder" / "term.json").write_text(json.dumps({**data, "seed": 7}))
    assert cli.main(["release", "--root", str(root), "--check"]) == 1
    assert "autograder/term.json" in capsys.readouterr().out


def _grade(paths, out, *options):
    cmd = [
        str(ROOT / ".venv" / "bin" / "adam-hw"),
        "grade",
        *map(str, paths),
        "--out",
        str(out),
        "--jobs",
        "2",
        *options,
    ]
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
    return {p.parent.name: json.loads(p.read_text()) for p in out.glob("*/results.json")}


def _stable(results_json):
    """results.json without what changes from run to run by design (the time)."""
    extra = {k: v for k, v in results_json["extra_data"].items() if k != "graded_at"}
    return {**results_json, "execution_time": None, "extra_data": extra}


@pytest.mark.slow
def test_a_regrade_with_the_manifest_reproduces_every_grade(tmp_path):
    paths = [SUBMISSIONS / "wrong" / f"{n}.py" for n in ("int_truncation", "eps_inside_sqrt", "missing_pow_t")]
    paths.append(SUBMISSIONS / "correct" / "lists_and_loops.py")
    first = _grade(paths, tmp_path / "first")
    again = _grade(paths, tmp_path / "again")
    assert (tmp_path / "first" / "grades.csv").read_text() == (tmp_path / "again" / "grades.csv").read_text()
    assert {s: _stable(r) for s, r in first.items()} == {s: _stable(r) for s, r in again.items()}
    term = terms.read(terms.MANIFEST)
    for result in first.values():
        assert (result["extra_data"]["term"], result["extra_data"]["seed"]) == (term.name, term.seed)
        drawn = {c.id for c in terms.checks_for_seed(result["extra_data"]["seed"])}
        assert set(result["extra_data"]["failed_checks"]) <= drawn
    assert any(".random_" in c for c in first["int_truncation"]["extra_data"]["failed_checks"])


@pytest.mark.slow
def test_grade_per_student_records_each_students_own_seed(tmp_path):
    paths = [SUBMISSIONS / "correct" / f"{n}.py" for n in ("plain_operators", "numpy_ufuncs")]
    results = _grade(paths, tmp_path / "out", "--per-student")
    term = terms.read(terms.MANIFEST)
    for student, result in results.items():
        assert result["extra_data"]["seed"] == terms.student_seed(term.seed, student)
        assert result["extra_data"]["per_student"] is True
        assert result["score"] == 100
    assert results["plain_operators"]["extra_data"]["seed"] != results["numpy_ufuncs"]["extra_data"]["seed"]


def test_the_seed_in_results_json_alone_rebuilds_a_students_checks_and_grade(tmp_path):
    from autograder.config import GradeConfig
    from autograder.discover import Submission
    from autograder.grading import grade_submission
    from autograder.render import gradescope

    path = SUBMISSIONS / "wrong" / "int_truncation.py"
    term = terms.Term("2026-fall", per_student=True)
    first = gradescope.render(grade_submission(Submission("ada", path, "py"), GradeConfig(jobs=1), term=term))
    seed = first["extra_data"]["seed"]
    assert seed == terms.student_seed(terms.term_seed("2026-fall"), "ada")
    again = grade_submission(
        Submission("someone-else", path, "py"), GradeConfig(jobs=1), checks=terms.checks_for_seed(seed)
    )
    assert [t["score"] for t in first["tests"]] == [g.score for r in again.items for g in r.groups]
    assert first["score"] == again.score
    assert first["extra_data"]["failed_checks"] == [o.check for r in again.items for o in r.failures]


def test_grading_draws_from_the_term_it_is_given_and_stamps_the_time_of_the_clock_it_is_given(tmp_path):
    missing = Submission("ann", tmp_path, "missing")  # graded without starting a sandbox
    when = datetime(2027, 1, 2, 3, 4, tzinfo=UTC)
    result = grade_submission(missing, term=terms.Term("spring-2027", per_student=True), clock=lambda: when)
    assert result.extra == {
        "term": "spring-2027",
        "seed": terms.student_seed(terms.term_seed("spring-2027"), "ann"),
        "per_student": True,
    }
    assert result.graded_at == "2027-01-02 03:04 UTC"


def test_grading_on_given_checks_reads_no_term(tmp_path, monkeypatch):
    def no_term():
        raise AssertionError("the term manifest was read")

    monkeypatch.setattr(terms, "current", no_term)
    result = grade_submission(Submission("ann", tmp_path, "missing"), checks=CHECKS)
    assert result.extra == {}
