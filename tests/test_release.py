"""`adam-hw release`: assignment/ is exactly what solutions/ generates, and it gives nothing away."""

import ast
import inspect
import json
import re
import shutil
import subprocess
import sys
import types
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from autograder import cli, release
from autograder.cases import CHECKS
from autograder.judge.checks import Case
from autograder.page import FIGURES
from autograder.release import stubs
from autograder.rubric import FUNCTIONS
from tests.conftest import ROOT

ASSIGNMENT = ROOT / "assignment"
SOLUTION = ROOT / "solutions" / "second_moment.py"
ADAM_HW = Path(sys.executable).with_name("adam-hw")


def _assignment_texts():
    """{file: text} for every file under assignment/; a notebook also yields its cells' joined sources."""
    texts = {}
    for path in sorted(p for p in ASSIGNMENT.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        text = path.read_text(encoding="utf-8")
        texts[path.relative_to(ROOT).as_posix()] = text
        if path.suffix == ".ipynb":
            cells = json.loads(text)["cells"]
            texts[f"{path.relative_to(ROOT).as_posix()} (cells)"] = "\n".join("".join(c["source"]) for c in cells)
    return texts


def _code_sources():
    """(name, Python source) for every .py file and every code cell of a notebook under assignment/."""
    for path in sorted(ASSIGNMENT.rglob("*.py")):
        yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")
    for path in sorted(ASSIGNMENT.rglob("*.ipynb")):
        for n, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            if cell["cell_type"] == "code":
                # IPython magics and shell escapes are not Python; they import nothing of ours either way.
                lines = [ln for ln in "".join(cell["source"]).splitlines() if not ln.lstrip().startswith(("%", "!"))]
                yield f"{path.relative_to(ROOT).as_posix()} cell {n}", "\n".join(lines)


def _solution_lines(source):
    body, inside = [], False
    for line in source.splitlines():
        if line.strip() == stubs.BEGIN:
            inside = True
        elif line.strip() == stubs.END:
            inside = False
        elif inside and line.strip():
            body.append(line.strip())
    return body


def _significant_digits(text):
    return len(Decimal(text).normalize().as_tuple().digits)


def _formats(x):
    return {repr(float(x)), f"{x:.6g}", f"{x:.10g}"}


def _numbers(values):
    return np.asarray(values, dtype=np.float64).ravel().tolist()


def _hidden_value_strings():
    """{text: case id} for the hidden cases' expected values as a student could find them written down.

    Not secret, so not listed: what a public case also expects, what the course page prints, and any
    input of a case (feedback shows a check's call, inputs included). Strings of fewer than 4
    significant digits ("0.1", "100") are everywhere and prove nothing.
    """
    value_cases = [c for c in CHECKS if isinstance(c, Case) and c.expect == "value"]
    public = set().union(*(_formats(x) for c in value_cases if not c.hidden for x in _numbers(c.expected)))
    printed = {f.printed for f in FIGURES}
    inputs = set()
    for c in CHECKS:
        if isinstance(c, Case):
            for arg in list(c.args) + list(c.kwargs.values()):
                inputs |= set().union(*(_formats(x) for x in _numbers(arg))) if np.size(arg) else set()
    secret = {}
    for case in value_cases:
        if not case.hidden:
            continue
        for x in _numbers(case.expected):
            for text in _formats(x) - public - printed - inputs:
                if _significant_digits(text) >= 4:
                    secret.setdefault(text, case.id)
    return secret


def test_the_release_on_disk_is_what_solutions_generates():
    assert release.check(ROOT) == []


def test_stripping_replaces_every_solution_region_with_a_stub_naming_its_task():
    source = SOLUTION.read_text(encoding="utf-8")
    stub = release.strip_solutions(source)
    assert stubs.BEGIN not in stub and stubs.END not in stub
    assert stub.count("# YOUR CODE HERE") == source.count(stubs.BEGIN) == len(FUNCTIONS)
    module = types.ModuleType("stub")
    exec(compile(stub, "stub.py", "exec"), module.__dict__)
    reference = types.ModuleType("reference")
    exec(compile(source, "reference.py", "exec"), reference.__dict__)
    for task in FUNCTIONS:
        func = getattr(module, task)
        assert inspect.signature(func) == inspect.signature(getattr(reference, task))
        assert func.__doc__ == getattr(reference, task).__doc__
        args = [0.1] * sum(p.default is inspect.Parameter.empty for p in inspect.signature(func).parameters.values())
        with pytest.raises(NotImplementedError, match=rf"^{task}: not implemented yet"):
            func(*args)


def test_the_generated_stub_file_is_the_stripped_solution():
    assert (ASSIGNMENT / "second_moment.py").read_text(encoding="utf-8") == release.strip_solutions(
        SOLUTION.read_text(encoding="utf-8")
    )


@pytest.mark.parametrize(
    ("source", "words"),
    [
        pytest.param("def update_v(v):\n    ### BEGIN SOLUTION\n    return v\n", "never closed", id="unclosed"),
        pytest.param("def update_v(v):\n    return v\n    ### END SOLUTION\n", "without", id="end without begin"),
        pytest.param(
            "def update_v(v):\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    return v\n    ### END SOLUTION\n",
            "unexpected",
            id="nested",
        ),
        pytest.param("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "unexpected", id="outside a function"),
        pytest.param(
            "def _helper(v):\n    ### BEGIN SOLUTION\n    return v\n    ### END SOLUTION\n",
            "'_helper', which is not a task",
            id="in a function that is not a task",
        ),
    ],
)
def test_stripping_rejects_unbalanced_or_misplaced_markers(source, words):
    with pytest.raises(ValueError, match=words):
        release.strip_solutions(source)


@pytest.mark.parametrize("line", _solution_lines(SOLUTION.read_text(encoding="utf-8")))
def test_no_solution_line_appears_under_assignment(line):
    leaks = [name for name, text in _assignment_texts().items() if line in text]
    assert leaks == [], f"{line!r} appears in {leaks}"


NUMBER = re.compile(r"(?<![\w.])[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?")


def _leaks(texts, secret):
    """(file, number as written, hidden case id) for every hidden answer written out in `texts`."""
    leaks = set()
    for name, body in texts.items():
        for token in NUMBER.findall(body):
            # A number written out in full is a leak when it, or its first 10 digits, is a hidden answer.
            for text in {token, f"{float(token):.10g}"} & set(secret):
                leaks.add((name, token, secret[text]))
    return sorted(leaks)


def test_the_leak_finder_finds_a_hidden_answer_written_at_full_or_ten_digit_precision():
    secret = _hidden_value_strings()
    texts = {"a": "v_hat = 50.22541270569214", "b": "about 50.225412706 or so", "c": "9.99999999e-05 and 0.2439"}
    assert [(name, case) for name, _, case in _leaks(texts, secret)] == [
        ("a", "bias_correct.general.later_steps.t10"),
        ("b", "bias_correct.general.later_steps.t10"),
    ]


def test_no_hidden_expected_value_appears_under_assignment():
    secret = _hidden_value_strings()
    assert len(secret) > 20  # the check below must have something to look for
    leaks = _leaks(_assignment_texts(), secret)
    assert not leaks, "hidden answers under assignment/:\n" + "\n".join(map(str, leaks))


def test_nothing_under_assignment_imports_the_grader_or_the_solutions():
    seen = 0
    for name, source in _code_sources():
        for node in ast.walk(ast.parse(source, filename=name)):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                "__import__",
                "import_module",
            ):
                modules = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            else:
                continue
            seen += 1
            assert not [m for m in modules if re.match(r"(autograder|solutions)(\.|$)", m)], (name, modules)
    assert seen >= 2  # numpy and pytest at least: the walk really read the files


def test_release_check_exits_1_naming_a_hand_edited_assignment_file(tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".venv", ".git", "build", "__pycache__", ".pytest_cache", ".hypothesis", "tests"),
    )
    stub = copy / "assignment" / "second_moment.py"
    stub.write_text(stub.read_text(encoding="utf-8") + "\n# a TA's quick fix\n", encoding="utf-8")
    run = subprocess.run(
        [str(ADAM_HW), "release", "--check", "--root", str(copy)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 1, run.stdout + run.stderr
    listed = [line.strip() for line in run.stdout.splitlines()[1:]]
    assert listed == ["assignment/second_moment.py"]


def test_release_says_unchanged_for_files_it_did_not_change(tmp_path, capsys):
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "solutions", root / "solutions")
    assert cli.main(["release", "--root", str(root), "--term", "2029-spring"]) == 0
    first = capsys.readouterr().out.splitlines()
    assert first and all(line.startswith("wrote ") for line in first)
    stub = root / "assignment" / "second_moment.py"
    stub.write_text("# a TA's quick fix\n", encoding="utf-8")
    before = (root / "rubric.md").stat().st_mtime_ns
    assert cli.main(["release", "--root", str(root)]) == 0
    again = capsys.readouterr().out.splitlines()
    assert [line for line in again if line.startswith("wrote ")] == [f"wrote {stub}"]
    assert len([line for line in again if line.startswith("unchanged ")]) == len(first) - 1
    assert (root / "rubric.md").stat().st_mtime_ns == before  # an unchanged file is not even rewritten
