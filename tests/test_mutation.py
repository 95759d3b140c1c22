"""The mutation set-up (tests/mutation/): the equivalent-mutant list is accurate and the judge is the hidden checks.

The full run is `make mutation` (about 5 minutes); these tests keep its pieces honest in seconds.
"""

import json
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from cosmic_ray.mutating import mutate_code
from cosmic_ray.plugins import get_operator

from tests.conftest import ROOT
from tests.mutation import judge, run

EQUIVALENT = run.load_equivalent()


def _mutant(tmp_path, key):
    operator_name, occurrence = key.rsplit("#", 1)
    code = mutate_code(run.REFERENCE.read_text(encoding="utf-8"), get_operator(operator_name)(), int(occurrence))
    path = tmp_path / "second_moment.py"
    path.write_text(code, encoding="utf-8")
    return path


@pytest.mark.parametrize("key", sorted(EQUIVALENT))
def test_every_listed_equivalent_mutant_still_changes_the_line_it_is_listed_with(key):
    operator_name, occurrence = key.rsplit("#", 1)
    assert run.mutated_line(operator_name, int(occurrence)) == EQUIVALENT[key]["line"]
    assert len(EQUIVALENT[key]["reason"]) > 30


def test_the_judge_gives_the_reference_full_marks():
    assert judge.score(run.REFERENCE) == (100, [])


def test_a_listed_equivalent_mutant_keeps_full_marks(tmp_path):
    assert judge.score(_mutant(tmp_path, "core/ReplaceComparisonOperator_Eq_Lt#1")) == (100, [])


def test_squaring_mutated_into_doubling_loses_points_with_the_hidden_checks(tmp_path):
    path = _mutant(tmp_path, "core/ReplaceBinaryOperator_Pow_Mul#0")
    assert "(1.0 - beta2) * g*2" in path.read_text(encoding="utf-8")
    points, failed = judge.score(path)
    assert points < 100 and "update_v.page" in failed


def _runs(*outcomes):
    return [
        (
            {"operator_name": key.rsplit("#", 1)[0], "occurrence": int(key.rsplit("#", 1)[1]), "start_pos": [1, 0]},
            outcome,
        )
        for key, outcome in outcomes
    ]


def test_a_survivor_that_is_not_listed_fails_the_run():
    lines, ok = run.judge(_runs(("core/ReplaceBinaryOperator_Pow_Mul#0", "survived")), {}, partial=True)
    assert not ok and lines[0].startswith("SURVIVED, not listed as equivalent: core/ReplaceBinaryOperator_Pow_Mul#0")


def test_a_listed_mutant_that_is_now_killed_makes_the_list_stale():
    key = "core/ReplaceComparisonOperator_Eq_LtE#0"
    lines, ok = run.judge(_runs((key, "killed")), {key: EQUIVALENT[key]}, partial=True)
    assert not ok and lines[0].startswith(f"STALE entry {key}: listed as equivalent but now killed")


def test_killed_and_listed_mutants_make_a_full_score():
    key = "core/ReplaceComparisonOperator_Eq_LtE#0"
    lines, ok = run.judge(
        _runs((key, "survived"), ("core/NumberReplacer#0", "killed")), {key: EQUIVALENT[key]}, partial=True
    )
    assert ok
    assert lines[-1].endswith("killed / non-equivalent: 1 / 1 = 100%")


def test_the_test_command_reads_back_as_the_same_words_from_a_path_with_spaces_and_quotes(tmp_path):
    work = tmp_path / 'my work\'s "copy"'
    config, _ = run.prepare(work, only=1)
    written = tomllib.loads(config.read_text(encoding="utf-8"))["cosmic-ray"]
    assert written["module-path"] == str(work / "second_moment.py")
    # cosmic-ray splits the command with shlex.split (cosmic_ray.testing.run_tests) before running it.
    assert shlex.split(written["test-command"]) == [
        sys.executable,
        "-m",
        "tests.mutation.judge",
        str(work / "second_moment.py"),
    ]


def test_the_make_target_runs_cosmic_ray_end_to_end_on_a_few_mutants_from_paths_with_spaces(tmp_path):
    # The venv seen through a folder whose name has a space, as in a checkout under "my courses/".
    (tmp_path / "my env").symlink_to(Path(sys.prefix), target_is_directory=True)
    python = tmp_path / "my env" / "bin" / "python"
    work = tmp_path / "my work"
    done = subprocess.run(
        [str(python), "-m", "tests.mutation.run", "--only", "2", "--work", str(work)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "killed / total: " in done.stdout and " / 2 mutants" in done.stdout
    dump = subprocess.run(
        [str(python.with_name("cosmic-ray")), "dump", str(work / "session.sqlite")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    # Killed by the hidden checks' verdict, not by a command that could not start or find its file.
    for line in dump:
        _, result = json.loads(line)
        assert f"{work / 'second_moment.py'}: " in result["output"] and " / 100" in result["output"], result["output"]
