"""Part 5, beyond the page: off, every generated file is what a release without it writes; on, it is
released, graded and exported like the core, its points apart, and every figure its prose quotes is the oracle's."""

import json
import math
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import sympy

from autograder import lms, outdir, terms
from autograder.beyond import oracle, rubric, spec
from autograder.beyond.cases import FIXED, checks_for_seed, drawn
from autograder.errors import ManifestError, UsageError
from autograder.lms import fill
from autograder.notebook import beyond as notebook_beyond
from autograder.notebook import course
from autograder.render import gradebook
from autograder.results import BeyondRow, GradebookRow
from tests.conftest import ROOT

ADAM_HW = Path(sys.executable).with_name("adam-hw")
GENERATED = [
    "assignment/second_moment.py",
    "assignment/test_second_moment.py",
    "assignment/README.md",
    "assignment/second_moment.ipynb",
    "solutions/second_moment.ipynb",
    "rubric.md",
    "autograder/term.json",
]


def _root(tmp_path, name):
    """A release root: solutions/, the term manifest and assignment/ as this checkout has them."""
    root = tmp_path / name
    shutil.copytree(ROOT / "solutions", root / "solutions")
    shutil.copytree(ROOT / "assignment", root / "assignment")
    (root / "autograder").mkdir()
    shutil.copy(ROOT / "autograder" / "term.json", root / "autograder" / "term.json")
    shutil.copy(ROOT / "rubric.md", root / "rubric.md")
    return root


def _release(root, *flags):
    done = subprocess.run([ADAM_HW, "release", "--root", str(root), *flags], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_a_release_with_the_part_off_is_byte_for_byte_a_release_without_the_flag(tmp_path):
    plain, off, back = _root(tmp_path, "plain"), _root(tmp_path, "off"), _root(tmp_path, "back")
    _release(plain)
    _release(off, "--with", "none")
    _release(back, "--with", "beyond")
    _release(back, "--with", "none")
    committed = _files(_root(tmp_path, "committed"))  # what main released: release-check holds it to solutions/
    assert _files(plain) == committed
    assert _files(off) == committed
    assert _files(back) == committed


def test_a_manifest_without_the_part_is_a_term_without_it_and_still_verifies(tmp_path):
    data = json.loads((ROOT / "autograder" / "term.json").read_text(encoding="utf-8"))
    assert "beyond" not in data
    path = tmp_path / "term.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert terms.read(path) == terms.Term(data["term"], data["per_student"])
    assert terms.read(path).beyond == ""


def test_a_manifest_with_the_part_records_how_it_counts_and_its_draw(tmp_path):
    term = terms.Term("2027-spring", False, "bonus")
    path = tmp_path / "term.json"
    path.write_text(terms.manifest_text(term), encoding="utf-8")
    assert terms.read(path) == term
    data = json.loads(path.read_text(encoding="utf-8"))
    data["beyond"]["fingerprint"] = "0" * 64
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ManifestError, match="beyond part's draw"):
        terms.read(path)
    data["beyond"] = {"points": "lots"}
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ManifestError, match="not one `adam-hw release --with beyond` writes"):
        terms.read(path)


def test_the_nbgrader_course_is_unchanged_off_and_holds_part_5_on():
    off = course.files(ROOT)
    assert off == course.files(ROOT, terms.current())
    assert "setup-beyond" not in off[f"source/{course.ASSIGNMENT}/{course.NOTEBOOK}"]
    on = course.files(ROOT, terms.Term(terms.current().name, False, "task"))
    cells = json.loads(on[f"source/{course.ASSIGNMENT}/{course.NOTEBOOK}"])["cells"]
    graded = {c["metadata"]["nbgrader"]["grade_id"]: c for c in cells if c["metadata"].get("nbgrader", {}).get("grade")}
    # nbgrader parity: one autograded cell per group with the group's points; the written answer by hand
    for item in rubric.ITEMS:
        for group in item.groups:
            assert graded[f"{item.id}.{group.name}".replace(".", "-")]["metadata"]["nbgrader"]["points"] == group.points
    written = graded["beyond-written"]
    assert written["cell_type"] == "markdown" and written["metadata"]["nbgrader"]["solution"]
    auto = sum(
        c["metadata"]["nbgrader"]["points"]
        for gid, c in graded.items()
        if gid.startswith("beyond-") and gid != "beyond-written"
    )
    assert auto == rubric.MAX_SCORE


def test_the_gradescope_zip_carries_the_manifest_as_released(tmp_path):
    from autograder import gradescope

    out = tmp_path / "autograder.zip"
    gradescope.build(out)
    with zipfile.ZipFile(out) as archive:
        carried = archive.read("autograder/term.json")
    main = subprocess.run(["git", "-C", str(ROOT), "show", "main:autograder/term.json"], capture_output=True)
    assert carried == (ROOT / "autograder" / "term.json").read_bytes()
    if main.returncode == 0:  # the part off: the manifest main wrote, byte for byte
        assert carried == main.stdout


# -- the oracle, and every figure of the prose -------------------------------------------------------------


def test_the_issues_figures_are_the_oracles():
    figures = oracle.figures()
    assert (figures["ratio_t2"], figures["ratio_t3"]) == ("69.85", "46.89")
    assert figures["half_life"] == "692.8" and round(float(figures["half_life"])) == 693
    assert figures["share_1000"] == "63.2%"
    assert figures["eps_cap"] == "1e5"
    assert (figures["adam_loss"], figures["adam_turned_loss"], figures["sgd_loss"]) == ("2.6e-09", "0.027", "2.3e-04")
    assert figures["sgd_turned_loss"] == figures["sgd_loss"]
    assert figures["no_correction"] == f"{math.sqrt(1000):.1f}"
    assert figures["move_t1"] == "0.001"


def test_every_figure_in_the_prose_is_filled_in_from_the_oracle():
    text = (ROOT / "solutions" / "beyond_text.md").read_text(encoding="utf-8")
    body = text.split("<!-- cell:", 1)[1]
    filled = notebook_beyond.fill(body)
    assert "{{" not in filled
    for name, value in oracle.figures().items():
        if "{{" + name + "}}" in body:
            assert value in filled


def test_the_expectation_of_v_t_is_derived_from_the_closed_form():
    beta2 = sympy.Symbol("beta2", positive=True)
    s = sympy.Symbol("s", positive=True)
    t = sympy.Symbol("t", integer=True, positive=True)
    assert sympy.simplify(oracle.derived_expectation() - (1 - beta2**t) * s) == 0
    mean_v, mean_v_hat = oracle.expectation(10, 0.999)
    assert float(mean_v) == pytest.approx(1 - 0.999**10, rel=1e-15)
    assert mean_v_hat == 1


def test_exact_oracle_values_match_closed_forms():
    assert float(oracle.half_life(0.9)) == pytest.approx(math.log(2) / -math.log(0.9), rel=1e-14)
    assert float(oracle.eps_matters_below(1e-8, 0.01)) == pytest.approx(9.801e-13, rel=1e-12)
    assert oracle.eps_cap(0.001, 1e-8) == pytest.approx(1e5)
    ratios = [float(r) for r in oracle.rate_ratios([10, 12, 8], [0.1, -0.2, 0.3], 0.999, 0.001, 1e-8)]
    assert ratios[0] == pytest.approx(100, rel=1e-6)


def test_scaling_every_gradient_leaves_the_moves_unchanged_while_eps_is_small():
    g = np.array([[10.0, 0.1], [12.0, -0.2], [8.0, 0.3]])
    base = oracle.adam_moves(g, 0.9, 0.999, 0.001, 1e-8).astype(float)
    assert np.allclose(oracle.adam_moves(1000 * g, 0.9, 0.999, 0.001, 1e-8).astype(float), base, rtol=1e-6)
    tiny = oracle.adam_moves(1e-6 * g, 0.9, 0.999, 0.001, 1e-8).astype(float)
    assert not np.allclose(tiny, base, rtol=1e-2)  # eps's ceiling: the invariance ends where eps bites


def test_turning_the_bathtub_changes_adam_but_not_gradient_descent():
    turned = spec.BATHTUB.rotated(spec.TURN)
    assert oracle.sgd_losses(turned)[-1] == pytest.approx(oracle.sgd_losses(spec.BATHTUB)[-1], rel=1e-9)
    assert oracle.adam_losses(turned)[-1] > 1e6 * oracle.adam_losses(spec.BATHTUB)[-1]


def test_a_correct_monte_carlo_run_is_inside_every_spread():
    from autograder.beyond.checks import _judge_means

    for check in checks_for_seed(terms.current().seed):
        if check.judge != "means":
            continue
        rng = np.random.default_rng(0)
        t, beta2 = check.args[0], check.kwargs["beta2"]
        v = np.zeros(check.kwargs["runs"])
        for _ in range(t):
            v = beta2 * v + (1 - beta2) * rng.standard_normal(v.size) ** 2
        got = {
            "kind": "array",
            "type": "ndarray",
            "dtype": "float64",
            "shape": [2],
            "data": [v.mean(), v.mean() / (1 - beta2**t)],
        }
        assert _judge_means(got, *check.expected) is None


def test_every_hidden_kind_has_a_public_check_and_the_draw_is_hidden_and_per_term():
    public = {(c.item, c.judge) for c in FIXED if not c.hidden}
    assert {(c.item, c.judge) for c in FIXED + drawn(1)} <= public
    assert all(c.hidden for c in drawn(1))
    assert [c.args for c in drawn(1)] != [c.args for c in drawn(2)]


def test_the_reference_signatures_match_the_table():
    import ast

    tree = ast.parse((ROOT / "solutions" / "beyond.py").read_text(encoding="utf-8"))
    found = {n.name: [a.arg for a in n.args.args] for n in tree.body if isinstance(n, ast.FunctionDef)}
    assert found == {f.name: list(f.names) for f in spec.TABLE}


# -- the gradebook and export ------------------------------------------------------------------------------


def _row(student, core, part, counts):
    items = dict.fromkeys(gradebook.CONTRACT[3:-2], 0)
    return GradebookRow(
        student, core, 100, items, "graded", beyond=BeyondRow(part, 18, {"beyond.bias": 3}, counts, "answered")
    )


def test_part_5_columns_come_after_every_existing_column_and_only_when_graded():
    plain = GradebookRow("ann", 90, 100, {}, "graded")
    assert gradebook.render([plain]).splitlines()[0].split(",") == list(gradebook.COLUMNS)
    header = gradebook.render([plain, _row("bob", 80, 10, "task")]).splitlines()[0].split(",")
    assert header[: len(gradebook.COLUMNS)] == list(gradebook.COLUMNS)
    assert header[len(gradebook.COLUMNS) :] == list(gradebook.BEYOND_COLUMNS)
    assert header[-1] == rubric.WRITTEN


def test_as_a_task_the_part_leaves_the_final_score_alone_and_as_a_bonus_it_is_capped():
    lines = gradebook.render([_row("ann", 95, 18, "task"), _row("bob", 95, 18, "bonus"), _row("cy", 70, 10, "bonus")])
    rows = {r.split(",")[0]: dict(zip(lines.splitlines()[0].split(","), r.split(","))) for r in lines.splitlines()[1:]}
    assert (rows["ann"]["score"], rows["ann"]["final_score"], rows["ann"]["beyond_score"]) == ("95", "95", "18")
    assert (rows["bob"]["score"], rows["bob"]["final_score"]) == ("95", "100")
    assert rows["cy"]["final_score"] == "80"


def test_a_record_with_part_5_reads_back_and_one_without_is_as_it_always_was():
    row = _row("ann", 95, 18, "bonus")
    record = outdir.Record(row, "0" * 64, "t", 1, outdir.rubric_key("bonus"))
    assert outdir.parse_record(record.to_json(), "ann") == record
    plain = outdir.Record(GradebookRow("ann", 1, 100, {}, "graded"), "0" * 64, "t", 1, outdir.rubric_key())
    assert '"beyond"' not in plain.to_json()


def test_export_never_sends_a_grade_above_the_lms_maximum(tmp_path):
    graded = tmp_path / "graded"
    graded.mkdir()
    (graded / "grades.csv").write_text(gradebook.render([_row("ann", 100, 18, "bonus"), _row("bob", 90, 18, "bonus")]))
    (tmp_path / "roster.csv").write_text("student,lms_id\nann,1\nbob,2\n", encoding="utf-8")
    grades = lms.graded_scores(graded, tmp_path / "roster.csv")
    assert all(score <= maximum for score, maximum in grades.scores.values())
    assert grades.scores == {"1": (100.0, 100.0), "2": (100.0, 100.0)}
    assert float(fill.points(*grades.scores["1"], possible=20)) <= 20


def test_every_figure_docs_beyond_quotes_is_the_oracles():
    f = oracle.figures()
    text = (ROOT / "docs" / "beyond.md").read_text(encoding="utf-8")
    quoted = [
        f"α/ε = {f['eps_cap']}",
        f"below v̂ = {f['eps_below']}",
        f"the half-life is {f['half_life']} steps",
        f"the last 1000 carry {f['share_1000']}",
        f"{f['ratio_t1']}, then {f['ratio_t2']} and {f['ratio_t3']}",
        f"is {f['move_t1']} for both parameters",
        f"Adam reaches {f['adam_loss']} on (x² + 100y²)/2 in {f['steps']} steps, but {f['adam_turned_loss']}",
        f"gradient descent reaches {f['sgd_loss']} both ways",
        f"about once in {f['mc_per_mean']}",
        f"below {f['target']} within one step of the reference's ({f['reach_adam']} for Adam, {f['reach_sgd']} for gradient",
        f"beyond_max` ({rubric.MAX_SCORE})",
    ]
    for phrase in quoted:
        assert phrase in text
    assert f["sgd_turned_loss"] == f["sgd_loss"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"its {rubric.MAX_SCORE} points are a task of their own" in readme


def test_the_rubric_and_the_students_readme_quote_the_oracle():
    f = oracle.figures()
    words = " ".join(item.description for item in rubric.ITEMS)
    for phrase in (
        f"({f['eps_cap']} at the defaults)",
        f"about {round(float(f['half_life']))} steps at 0.999, not {f['time_constant']}",
        f"({f['share_1000']} for n = 1000)",
        f"{round(float(f['ratio_t1']))}, {f['ratio_t2']}, {f['ratio_t3']}",
        f"gives {f['move_t1']} for both",
    ):
        assert phrase in words
    from autograder.release import beyond as release_beyond

    readme = release_beyond.readme("", terms.Term("t", False, "task"))
    assert f"its half-life is about {round(float(f['half_life']))}" in readme


def test_export_refuses_a_gradebook_whose_final_score_is_above_its_maximum(tmp_path):
    graded = tmp_path / "graded"
    graded.mkdir()
    text = gradebook.render([_row("ann", 100, 18, "bonus")])
    header, line = text.splitlines()
    cells = dict(zip(header.split(","), line.split(",")))
    cells["final_score"] = "118"  # as a hand edit, or a grader that added the bonus uncapped, would have it
    (graded / "grades.csv").write_text(header + "\n" + ",".join(cells.values()) + "\n", encoding="utf-8")
    (tmp_path / "roster.csv").write_text("student,lms_id\nann,1\n", encoding="utf-8")
    with pytest.raises(UsageError, match="above its max_score"):
        lms.graded_scores(graded, tmp_path / "roster.csv")


def test_release_flags_for_part_5_are_usage_errors_when_they_contradict(tmp_path, capsys):
    from autograder.cli import main

    root = _root(tmp_path, "flags")
    assert main(["release", "--root", str(root), "--with", "none", "--beyond-points", "bonus"]) == 2
    assert "--beyond-points" in capsys.readouterr().err
    assert main(["release", "--root", str(root), "--beyond-points", "bonus"]) == 2
    assert "add --with beyond" in capsys.readouterr().err


def test_beyond_points_alone_changes_how_a_term_with_the_part_counts(tmp_path):
    root = _root(tmp_path, "points")
    (root / "autograder" / "term.json").write_text(terms.manifest_text(terms.Term(terms.current().name, False, "task")))
    from autograder.cli import _release_term, build_parser

    args = build_parser().parse_args(["release", "--root", str(root), "--beyond-points", "bonus"])
    assert _release_term(args, root) == terms.Term(terms.current().name, False, "bonus")
    args = build_parser().parse_args(["release", "--root", str(root)])
    assert _release_term(args, root) is None  # a plain release keeps what the manifest records
