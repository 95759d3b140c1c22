"""`make bench`: how fast `adam-hw grade` grades a class, with isolation on, side by side with nbgrader.

It builds a synthetic class (correct submissions in several styles, known mistakes, untouched stubs, one
submission that hangs and one memory bomb, all taken from tests/submissions/ and assignment/), as .py files
and as nbgrader notebooks, then measures with the real command line:
  - .py classes of each size in --sizes: submissions per second, median and 95th-percentile seconds per
    submission (results.json's execution_time), the grader's own peak memory, and how time grows;
  - the formula search space: how long it takes to have it, and whether it was built or read from the
    cache (built once per machine and version, before the classes are timed);
  - one .py end to end (`adam-hw grade one.py`, imports and sandbox start included), best and median of 3;
  - the notebooks with `adam-hw grade` and with real `nbgrader autograde` (same per-cell timeout), the
    ratio of their times, and whether every student's total agrees; then again on an ordinary class
    (no hang, no memory bomb), since those two set most of adam-hw's wall time on a small class.
The figures go to the terminal and to --json (default build/bench/bench.json). Targets are reported,
never asserted: this is a benchmark, not a test.
"""

import argparse
import ast
import csv
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "tests" / "submissions"
#: run inside the grader process: the command line itself, then its own peak memory (not its sandboxes'), then
#: the command's own quick exit (cli.leave).
GRADER = (
    "import json, resource, sys; from autograder.cli import leave, main; code = main(sys.argv[2:]); "
    "stats = open(sys.argv[1], 'w'); json.dump({'maxrss_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}, stats); "
    "stats.close(); leave(code)"
)
TIMEOUT = 5.0  # adam-hw's default per-call timeout; nbgrader gets the same per cell
NOTEBOOK_MEMORY = 4 << 30  # nbgrader has no memory limit of its own: without one the memory bomb takes the machine


def sources():
    """[(kind, path)]: the synthetic class is these files, in rotation (hang and memory bomb once each)."""
    correct = sorted((SUBMISSIONS / "correct").glob("*.py"))
    wrong = sorted((SUBMISSIONS / "wrong").glob("*.py"))
    stub = ROOT / "assignment" / "second_moment.py"
    rotation = [("correct", p) for p in correct] * 3 + [("mistake", p) for p in wrong] + [("stub", stub)]
    hostile = [
        ("hang", SUBMISSIONS / "hostile" / "loop_in_one_function.py"),
        ("memory_bomb", SUBMISSIONS / "hostile" / "memory_bomb.py"),
    ]
    return rotation, hostile


def make_class(n, hostile=True):
    """n (student id, kind, source text): the hostile two first (unless hostile=False), then the rotation."""
    rotation, bad = sources()
    bad = bad if hostile else []
    chosen = (bad + [rotation[i % len(rotation)] for i in range(max(0, n - len(bad)))])[:n]
    return [(f"s{i:05d}", kind, path.read_text(encoding="utf-8")) for i, (kind, path) in enumerate(chosen)]


def write_py(folder, students):
    folder.mkdir(parents=True)
    for student, _, text in students:
        (folder / f"{student}.py").write_text(f"# bench student {student}\n{text}", encoding="utf-8")


def notebook_for(release, text):
    """The released notebook with the student's whole file in the update_v solution cell (the other two
    solution cells then only say so): any file, helpers and imports included, becomes a notebook."""
    notebook = json.loads(release)
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id == "update_v" and text is not None:
            cell["source"] = text
        elif grade_id in ("bias_correct", "effective_step") and text is not None:
            cell["source"] = "# defined in the first solution cell\n"
    return json.dumps(notebook, indent=1)


def stub_text(text):
    """None for the untouched stub (the student left the release as it was)."""
    tree = ast.parse(text)
    stubs = [f for f in tree.body if isinstance(f, ast.FunctionDef) and "NotImplementedError" in ast.unparse(f)]
    return None if len(stubs) == 3 else text


def run_grader(paths, out, jobs, extra=()):
    """`adam-hw grade` in a fresh Python: (wall seconds, grader peak MB, stdout)."""
    stats = out.with_suffix(".stats.json")
    command = [
        sys.executable,
        "-c",
        GRADER,
        str(stats),
        "grade",
        *map(str, paths),
        "--out",
        str(out),
        "--jobs",
        str(jobs),
        *extra,
    ]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"adam-hw grade failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    peak_mb = json.loads(stats.read_text())["maxrss_kb"] / 1024
    return seconds, peak_mb, done.stdout


def per_submission(out):
    times = sorted(json.loads(p.read_text())["execution_time"] for p in out.glob("*/results.json"))
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95


def totals(grades_csv, id_column, score_column):
    with open(grades_csv, newline="", encoding="utf-8") as f:
        return {row[id_column]: float(row[score_column]) for row in csv.DictReader(f)}


def bench_py(work, sizes, jobs):
    rows = []
    for n in sizes:
        folder, out = work / f"py{n}", work / f"py{n}-out"
        write_py(folder, make_class(n))
        seconds, peak_mb, _ = run_grader([folder], out, jobs)
        median, p95 = per_submission(out)
        rows.append(
            {
                "n": n,
                "jobs": jobs,
                "seconds": round(seconds, 2),
                "per_second": round(n / seconds, 1),
                "median_s": round(median, 3),
                "p95_s": round(p95, 3),
                "grader_peak_mb": round(peak_mb, 1),
            }
        )
        print(
            f"  .py  N={n:<5} {seconds:7.2f} s  {n / seconds:6.1f}/s  median {median:.3f} s  "
            f"p95 {p95:.3f} s  grader peak {peak_mb:.0f} MB",
            flush=True,
        )
    return rows


def formula_space():
    """Seconds to have the formula search space (autograder/judge/formulas.py) ready, and whether it was built
    now or read from the cache: it is built once per machine and version, so a first run ever pays it once."""
    code = (
        "import json, time; from autograder.judge import formulas; "
        "cached = all(formulas.SpaceCache.default().path(f).is_file() for f in formulas.SIGNATURES); "
        "t = time.perf_counter(); formulas.warm(); "
        "print(json.dumps({'seconds': round(time.perf_counter() - t, 3), 'built': not cached}))"
    )
    found = json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)
    how = "built now (once per machine and version)" if found["built"] else "read from the cache"
    print(f"  formula search space: {found['seconds']:.2f} s, {how}", flush=True)
    return found


def bench_one(work):
    one = work / "one.py"
    one.write_text((SUBMISSIONS / "correct" / "plain_operators.py").read_text(encoding="utf-8"), encoding="utf-8")
    adam_hw = str(Path(sys.executable).with_name("adam-hw"))
    times = []
    for i in range(3):
        start = time.perf_counter()
        subprocess.run(
            [adam_hw, "grade", str(one), "--out", str(work / f"one-out{i}")], check=True, capture_output=True
        )
        times.append(time.perf_counter() - start)
    print(f"  one .py end to end: best {min(times):.2f} s, median {statistics.median(times):.2f} s", flush=True)
    return {"best_s": round(min(times), 3), "median_s": round(statistics.median(times), 3)}


def bench_notebooks(work, n, jobs, hostile=True):
    """Both graders on the same n notebooks; hostile=False leaves out the hang and the memory bomb, whose
    timeouts (paid by both graders) otherwise set most of adam-hw's wall time."""
    from autograder.notebook import course, nbgrader

    label = "" if hostile else " ordinary"
    folder = work / ("course" if hostile else "course-ordinary")
    course.write(folder, ROOT)
    with open(folder / "nbgrader_config.py", "a", encoding="utf-8") as f:
        f.write(
            f"\n# bench: the same per-cell timeout as adam-hw's per-call timeout\nc.Execute.timeout = {TIMEOUT:g}\n"
        )
    nbgrader.run(["generate_assignment", "second_moment", "--force"], cwd=folder)
    release = (folder / "release" / "second_moment" / "second_moment.ipynb").read_text(encoding="utf-8")
    students = make_class(n, hostile)
    for student, _, text in students:
        target = folder / "submitted" / student / "second_moment" / "second_moment.ipynb"
        target.parent.mkdir(parents=True)
        target.write_text(notebook_for(release, stub_text(text)), encoding="utf-8")

    out = work / ("nb-out" if hostile else "nb-ordinary-out")
    ours, peak_mb, _ = run_grader([folder / "submitted"], out, jobs)
    median, p95 = per_submission(out)
    print(
        f"  .ipynb{label} adam-hw   N={n:<4} {ours:7.2f} s  {n / ours:6.1f}/s  median {median:.3f} s  p95 {p95:.3f} s",
        flush=True,
    )

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (NOTEBOOK_MEMORY, NOTEBOOK_MEMORY))

    start = time.perf_counter()
    done = subprocess.run(
        nbgrader.command() + ["autograde", "second_moment"],
        cwd=folder,
        env=nbgrader.environment(),
        capture_output=True,
        text=True,
        preexec_fn=limit_memory,
    )
    theirs = time.perf_counter() - start
    if done.returncode != 0:
        print(f"  (nbgrader autograde exited {done.returncode}; its export is still compared)")
    nbgrader.run(["export"], cwd=folder)
    print(f"  .ipynb{label} nbgrader  N={n:<4} {theirs:7.2f} s  {n / theirs:6.1f}/s", flush=True)

    adam = totals(out / "grades.csv", "student", "score")
    nbg = totals(folder / "grades.csv", "student_id", "score")
    disagree = {s: (adam.get(s), nbg.get(s)) for s in sorted(set(adam) | set(nbg)) if adam.get(s) != nbg.get(s)}
    print(
        f"  totals agree for {len(adam) - len(disagree)}/{len(adam)} students; ratio nbgrader/adam-hw "
        f"{theirs / ours:.1f}x",
        flush=True,
    )
    for student, (a, b) in list(disagree.items())[:10]:
        print(f"    {student}: adam-hw {a}, nbgrader {b}")
    return {
        "n": n,
        "jobs": jobs,
        "hostile": hostile,
        "adam_hw_s": round(ours, 2),
        "nbgrader_s": round(theirs, 2),
        "ratio": round(theirs / ours, 1),
        "median_s": round(median, 3),
        "p95_s": round(p95, 3),
        "grader_peak_mb": round(peak_mb, 1),
        "totals_agree": not disagree,
        "disagreements": {s: list(v) for s, v in disagree.items()},
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,400,2000", help="class sizes for .py (default 200,400,2000)")
    parser.add_argument("--notebooks", type=int, default=40, help="notebooks graded by both (0: skip nbgrader)")
    parser.add_argument(
        "--hostile",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="compare on notebooks with the hang and the memory bomb (default on; their timeouts set most of the time)",
    )
    parser.add_argument(
        "--ordinary",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also compare on notebooks without the hang and the memory bomb (default on)",
    )
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--work", default=str(ROOT / "build" / "bench"), help="scratch folder (emptied first)")
    parser.add_argument("--json", default=None, help="where the figures go (default WORK/bench.json)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    print(
        f"adam-hw bench on {os.cpu_count()} CPUs, {platform.python_version()}, --jobs {args.jobs}, "
        f"timeout {TIMEOUT:g} s, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    figures = {"cpus": os.cpu_count(), "load_average_at_start": round(os.getloadavg()[0], 2)}
    figures["formula_space"] = formula_space()  # before the classes, so they are timed as every later run is
    figures["one"] = bench_one(work)
    figures["py"] = bench_py(work, sizes, args.jobs)
    if len(sizes) >= 2 and sizes[-1] >= 10 * sizes[0]:
        small, big = figures["py"][0], figures["py"][-1]
        growth = big["seconds"] / small["seconds"]
        figures["growth"] = {
            "from": small["n"],
            "to": big["n"],
            "time_ratio": round(growth, 2),
            "size_ratio": big["n"] / small["n"],
        }
        print(
            f"  growth: N={small['n']} -> {big['n']} took {growth:.2f}x the time "
            f"({big['n'] / small['n']:g}x the submissions)"
        )
    if args.notebooks:
        if args.hostile:
            figures["notebooks"] = bench_notebooks(work, args.notebooks, args.jobs)
        if args.ordinary:
            figures["notebooks_ordinary"] = bench_notebooks(work, args.notebooks, args.jobs, hostile=False)
    path = Path(args.json) if args.json else work / "bench.json"
    path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"figures: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
