"""The Gradescope zip, unpacked into a temp /autograder and run like Gradescope runs it, on four submissions."""

import dataclasses
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile

import pytest

from autograder import cli, gradescope
from autograder.config import GradeConfig
from autograder.discover import Submission
from autograder.gradescope.run import find_submission, isolation_text, student_id, write_results
from autograder.grading import grade_submission
from autograder.judge.misconceptions import BY_ID
from autograder.render import feedback
from autograder.render import gradescope as results_json
from autograder.rubric import ITEMS, MAX_SCORE
from tests.conftest import ROOT, SUBMISSIONS

VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
FORGED = {"score": 100.0, "tests": [{"name": "everything", "score": 100, "max_score": 100}]}

FORGER = '''
"""Forges: its own results.json, a rewritten grader, fake JSON on stdout, and an exit 0."""
import json, os, sys
ROOT = {root!r}
for target in (ROOT + "/results/results.json", "/autograder/results/results.json"):
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as f:
            json.dump({forged!r}, f)
    except OSError:
        pass
try:
    with open(ROOT + "/source/autograder/render/gradescope.py", "a") as f:
        f.write("\\nrender = lambda result: {forged!r}\\n")
except OSError:
    pass
print(json.dumps({forged!r}))


def update_v(v_prev, g, beta2=0.999):
    return 0.0


def bias_correct(v, t, beta2=0.999):
    sys.exit(0)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    os._exit(0)
'''


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("zip") / "autograder.zip"
    assert cli.main(["gradescope", "--out", str(out)]) == 0
    return out


def _run(bundle, root, files, metadata=None, args=(), env_root=None, cwd=None):
    """Unpack like Gradescope (zip -> root/source, run_autograder -> root/), then run it; returns results.json.

    env_root is what AUTOGRADER_ROOT says (default: root itself), read from cwd."""
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)
    (root / "submission").mkdir()
    for name, text in files.items():
        (root / "submission" / name).write_text(text)
    if metadata is not None:
        (root / "submission_metadata.json").write_text(json.dumps(metadata))
    env = {
        "PATH": f"{ROOT / '.venv' / 'bin'}:/usr/bin:/bin",
        "AUTOGRADER_ROOT": str(env_root or root),
        "LANG": "C.UTF-8",
    }
    proc = subprocess.run(
        [str(root / "run_autograder"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads((root / "results" / "results.json").read_text()), proc


def _assert_valid(results):
    """A results.json Gradescope accepts, whose total is the sum of its tests."""
    assert isinstance(results["score"], (int, float))
    assert results["visibility"] in VISIBILITIES and results["stdout_visibility"] in VISIBILITIES
    assert [t["number"] for t in results["tests"]] == [item.group_number(g.name) for item in ITEMS for g in item.groups]
    for test in results["tests"]:
        assert test["visibility"] in VISIBILITIES and 0 <= test["score"] <= test["max_score"]
    assert results["score"] == sum(t["score"] for t in results["tests"])


def _grader_score(path):
    return grade_submission(Submission("submission", path, "py"), GradeConfig(jobs=1)).score


def test_the_zip_has_the_scripts_at_its_top_and_the_grader_but_no_solutions(bundle):
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in archive.infolist()}
        requirements = archive.read("requirements.txt").decode().split()
    assert names[:3] == ["setup.sh", "run_autograder", "requirements.txt"]
    assert all(modes[s] & stat.S_IXUSR for s in ("setup.sh", "run_autograder"))
    assert {"autograder/grading.py", "autograder/term.json", "autograder/gradescope/run.py"} <= set(names)
    assert not [n for n in names if n.startswith(("solutions/", "tests/")) or "__pycache__" in n or n.endswith(".pyc")]
    assert sorted(r.split(">")[0] for r in requirements) == ["ipython", "numpy", "sympy"]


def test_the_same_checkout_builds_the_same_zip(bundle, tmp_path):
    gradescope.build(tmp_path / "again.zip")
    assert (tmp_path / "again.zip").read_bytes() == bundle.read_bytes()


def test_gradescope_out_must_be_a_zip(tmp_path, capsys):
    assert cli.main(["gradescope", "--out", str(tmp_path / "autograder.tar")]) == 2
    assert "--out must name a .zip file" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "path", "score"),
    [
        ("correct", SUBMISSIONS / "correct" / "plain_operators.py", MAX_SCORE),
        ("partly_wrong", SUBMISSIONS / "wrong" / "missing_pow_t.py", 70),
        ("stub", ROOT / "assignment" / "second_moment.py", 0),
    ],
)
def test_run_autograder_writes_the_graders_results(bundle, tmp_path, name, path, score):
    results, proc = _run(bundle, tmp_path / "autograder", {"second_moment.py": path.read_text()})
    _assert_valid(results)
    assert results["score"] == score == _grader_score(path)
    assert results["extra_data"]["term"] and isinstance(results["extra_data"]["seed"], int)
    assert f"{score}/{MAX_SCORE}" in proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize(("notebook", "score"), [("correct", MAX_SCORE), ("abs_gradient", 70)])
def test_run_autograder_grades_an_uploaded_notebook(bundle, tmp_path, notebook, score):
    text = (SUBMISSIONS / "notebooks" / f"{notebook}.ipynb").read_text()
    results, _ = _run(bundle, tmp_path / "autograder", {"second_moment.ipynb": text})
    _assert_valid(results)
    assert results["score"] == score


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ["auto", "basic"])
def test_a_forging_submission_gets_the_graders_score_not_its_own(bundle, tmp_path, isolation):
    root = tmp_path / "autograder"
    source = FORGER.format(root=str(root), forged=FORGED)
    results, proc = _run(bundle, root, {"second_moment.py": source}, args=("--isolation", isolation))
    _assert_valid(results)
    forger = tmp_path / "forger.py"
    forger.write_text(source.replace(str(root), str(tmp_path / "elsewhere")))
    assert results["score"] == _grader_score(forger) < MAX_SCORE
    assert results["tests"] != FORGED["tests"]
    assert json.dumps(FORGED) not in proc.stdout  # what student code prints never reaches run_autograder's stdout


@pytest.mark.slow
def test_hidden_items_show_after_the_due_date_and_public_ones_at_once(bundle, tmp_path):
    path = SUBMISSIONS / "wrong" / "missing_pow_t.py"
    results, _ = _run(bundle, tmp_path / "autograder", {"second_moment.py": path.read_text()})
    by_number = {t["number"]: t["visibility"] for t in results["tests"]}
    assert by_number["1.1.1"] == by_number["2.1.1"] == "visible"  # groups with a public check
    assert by_number["2.2.3"] == by_number["4.2.1"] == "after_due_date"  # only hidden checks
    assert results["stdout_visibility"] == "hidden"


@pytest.mark.slow
def test_the_gradescope_user_ids_are_the_student_id_a_per_student_seed_comes_from(bundle, tmp_path):
    path = SUBMISSIONS / "correct" / "numpy_ufuncs.py"
    metadata = {"users": [{"id": 4321, "email": "b@example.edu"}, {"id": 1234, "email": "a@example.edu"}]}
    results, _ = _run(bundle, tmp_path / "autograder", {"second_moment.py": path.read_text()}, metadata)
    assert results["extra_data"]["student"] == "1234+4321"


@pytest.mark.parametrize("planted", ["file", "symlink", "folder"])
def test_results_json_replaces_whatever_a_submission_planted_there(tmp_path, planted):
    """Where the sandbox lets student code write (a same-uid level), a planted results.json is replaced."""
    target = tmp_path / "results" / "results.json"
    target.parent.mkdir()
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(json.dumps(FORGED))
    if planted == "file":
        target.write_text(json.dumps(FORGED))
    elif planted == "symlink":
        target.symlink_to(elsewhere)
    else:
        (target / "nested").mkdir(parents=True)
    path = SUBMISSIONS / "wrong" / "missing_pow_t.py"
    write_results(target, grade_submission(Submission("submission", path, "py"), GradeConfig(jobs=1)))
    assert target.is_file() and not target.is_symlink()
    assert json.loads(target.read_text())["score"] == 70
    assert json.loads(elsewhere.read_text()) == FORGED  # a symlink's target is not written through


def test_the_submission_file_is_found_by_name_then_by_being_the_only_one(tmp_path):
    (tmp_path / "notes.txt").write_text("")
    (tmp_path / "hw.py").write_text("")
    assert find_submission(tmp_path, "s").path.name == "hw.py"
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "second_moment.ipynb").write_text("{}")
    assert find_submission(tmp_path, "s").kind == "ipynb"
    (tmp_path / "second_moment.py").write_text("")
    assert find_submission(tmp_path, "s").path == tmp_path / "second_moment.py"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert find_submission(empty, "s").kind == "missing"


def test_a_group_submission_gets_one_stable_id_whatever_the_order(tmp_path):
    path = tmp_path / "meta.json"
    path.write_text(json.dumps({"users": [{"id": 9}, {"id": 10}]}))
    first = student_id(path)
    path.write_text(json.dumps({"users": [{"id": 10}, {"id": 9}]}))
    assert student_id(path) == first == "10+9"
    assert student_id(tmp_path / "missing.json") == "submission"


@pytest.mark.slow
def test_setup_sh_builds_a_venv_that_run_autograder_uses_without_the_projects_python(bundle, tmp_path):
    """setup.sh with apt-get stubbed (this is not Gradescope's image) but a real venv and pip install."""
    fakebin = tmp_path / "bin"
    fakebin.mkdir()
    (fakebin / "apt-get").write_text('#!/bin/sh\necho "apt-get $*" >> "$(dirname "$0")/apt.log"\n')
    (fakebin / "apt-get").chmod(0o755)
    (fakebin / "python3").symlink_to(sys._base_executable)  # a Python >= 3.11 that is not the project's venv
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    env = {
        "PATH": f"{fakebin}:/usr/bin:/bin",
        "AUTOGRADER_ROOT": str(root),
        "LANG": "C.UTF-8",
        "HOME": os.environ.get("HOME", str(tmp_path)),
    }  # pip's cache
    setup = subprocess.run(
        ["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True, timeout=600
    )
    assert setup.returncode == 0, setup.stderr
    assert "install -y -q python3 python3-venv python3-pip" in (fakebin / "apt.log").read_text()
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)  # zipfile does not restore modes; Gradescope's unzip does
    (root / "submission").mkdir()
    shutil.copy(SUBMISSIONS / "correct" / "numpy_ufuncs.py", root / "submission" / "second_moment.py")
    env["PATH"] = "/usr/bin:/bin"  # no python3 of ours: run_autograder must pick /autograder/venv
    proc = subprocess.run([str(root / "run_autograder")], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((root / "results" / "results.json").read_text())["score"] == MAX_SCORE


@pytest.mark.slow
@pytest.mark.root(reason="run_autograder locks the bundle away from the sandbox uid only as root")
def test_run_autograder_as_root_makes_the_bundle_unreadable_to_the_sandbox_uid_and_says_which_layers_held(
    bundle, tmp_path
):
    root = tmp_path / "autograder"
    attack = (SUBMISSIONS / "hostile" / "walk_for_oracle.py").read_text()
    results, proc = _run(bundle, root, {"second_moment.py": attack}, args=("--isolation", "basic"))
    assert results["score"] == 0
    assert stat.S_IMODE((root / "source").stat().st_mode) & 0o077 == 0
    assert stat.S_IMODE((root / "source" / "autograder" / "oracle.py").stat().st_mode) & 0o077 == 0
    isolation = results["extra_data"]["isolation"]
    assert isolation.startswith("basic: a dedicated uid")
    assert f"isolation: {isolation}" in proc.stdout
    from autograder.sandbox.guest import landlock

    assert (f"landlock ABI {landlock.abi()}" if landlock.abi() else "no landlock") in isolation


def test_a_relative_autograder_root_is_read_from_where_run_autograder_starts(bundle, tmp_path):
    path = SUBMISSIONS / "wrong" / "missing_pow_t.py"
    results, proc = _run(
        bundle, tmp_path / "autograder", {"second_moment.py": path.read_text()}, env_root="autograder", cwd=tmp_path
    )
    _assert_valid(results)
    assert 0 < results["score"] == _grader_score(path) < MAX_SCORE  # the bug wrote elsewhere and scored 0
    assert not (tmp_path / "autograder" / "source" / "autograder" / "results").exists()
    assert f"isolation: {results['extra_data']['isolation']}" in proc.stdout


def _graded(path, kind="py"):
    return grade_submission(Submission("submission", path, kind), GradeConfig(jobs=1))


def test_every_failed_test_carries_its_functions_likely_mistake_and_hint():
    result = _graded(SUBMISSIONS / "wrong" / "eps_inside_sqrt.py")
    mistake = BY_ID["effective_step.eps_inside_sqrt"]
    tests = results_json.render(result)["tests"]
    failed = [t for t in tests if t["status"] == "failed"]
    assert failed and {t["tags"][0] for t in failed} == {"effective_step"}
    for test in failed:
        assert f"Likely mistake: {mistake.title}." in test["output"] and f"Hint: {mistake.hint}" in test["output"]
    for test in tests:
        if test["status"] == "passed":
            assert "Likely mistake" not in test["output"]
    assert f"Hint: {mistake.hint}" in feedback.render(result)  # the same words as feedback.md


def test_what_the_code_printed_is_in_a_code_block_it_cannot_close(tmp_path):
    source = (SUBMISSIONS / "correct" / "plain_operators.py").read_text()
    path = tmp_path / "second_moment.py"
    path.write_text('print("hello ```\\n# not a heading")\n' + source)
    output = results_json.render(_graded(path))["output"]
    block = output[output.index("What your code printed") :]
    assert "hello ```" in block and "\n````\n" in block  # a fence longer than the student's backticks
    assert block.count("````") == 2


def test_the_always_visible_summary_counts_only_the_tests_visible_before_the_due_date():
    result = _graded(SUBMISSIONS / "wrong" / "missing_pow_t.py")
    rendered = results_json.render(result)
    shown = [t for t in rendered["tests"] if t["visibility"] == "visible"]
    later = [t for t in rendered["tests"] if t["visibility"] != "visible"]
    assert shown and later
    got = sum(t["score"] for t in shown)
    assert f"Tests shown now: {got:g} / {sum(t['max_score'] for t in shown):g} points." in rendered["output"]
    assert f"{len(later)} more test(s)" in rendered["output"]
    assert f"{result.score:g} /" not in rendered["output"] or result.score == got  # the total stays hidden
    assert rendered["output_format"] == rendered["test_output_format"] == "md"


def _notebook_with(tmp_path, cell_number, source):
    notebook = json.loads((SUBMISSIONS / "notebooks" / "correct.ipynb").read_text())
    notebook["cells"][cell_number - 1]["source"] = source
    path = tmp_path / "second_moment.ipynb"
    path.write_text(json.dumps(notebook))
    return path


def test_a_syntax_error_in_a_notebook_cell_is_named_where_its_function_is_missing(tmp_path):
    broken = "def bias_correct(v, t, beta2=0.999):\n    return v / (1 - beta2**t\n"
    result = _graded(_notebook_with(tmp_path, 4, broken), "ipynb")
    assert result.undefined["bias_correct"]["cell"] == 4
    assert set(result.undefined) == {"bias_correct"}
    tests = results_json.render(result)["tests"]
    assert any(t["tags"][0] == "bias_correct" for t in tests)
    for test in tests:
        if test["tags"][0] == "bias_correct":
            assert test["status"] == "failed"
            assert (
                "bias_correct was never defined:** cell 4, where you wrote it, stopped with SyntaxError on line 2"
                in test["output"]
            )
        else:
            assert "never defined" not in test["output"]
    assert "cell 4, where you wrote it, stopped with SyntaxError" in feedback.render(result)


def test_a_cell_that_raises_after_defining_its_function_is_not_blamed(tmp_path):
    source = (SUBMISSIONS / "notebooks" / "correct.ipynb").read_text()
    cell = "".join(json.loads(source)["cells"][3]["source"]) + "\n1 / 0\n"
    result = _graded(_notebook_with(tmp_path, 4, cell), "ipynb")
    assert result.score == MAX_SCORE and result.undefined == {}


def test_run_autograder_prints_the_isolation_and_any_layers_the_result_records():
    result = _graded(SUBMISSIONS / "correct" / "plain_operators.py")
    assert isolation_text(result).splitlines()[0] == f"isolation: {result.isolation}"
    layered = dataclasses.replace(result, extra={**result.extra, "layers": {"landlock": "held"}})
    assert "  landlock: held" in isolation_text(layered)
