"""`adam-hw`: a thin command line over the plain API. Defaults come from `autograder.config`.

Exit codes: 0 when the command did its job (every submission got a grade, even zero); 2 with a one-line
message for a bad path or option; anything else is a bug in the grader and prints its traceback.
"""

import argparse
import os
import sys
import time
from pathlib import Path

from autograder.config import DEFAULT, GradeConfig
from autograder.discover import UsageError


def _positive_float(name):
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number of seconds, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{name} must be > 0, got {text}")
        return value

    return parse


def _positive_int(name):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number, got {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"{name} must be >= 1, got {text}")
        return value

    return parse


def cmd_grade(args):
    from autograder.discover import discover
    from autograder.sandbox.pool import default_pool

    submissions = discover(args.paths, exclude=[args.out])
    if not submissions:
        raise UsageError(f"no submissions found in {' '.join(args.paths)}")
    # The sandboxes import numpy and sympy while this process imports the grader: a student waits less.
    pool = default_pool()
    pool.prestart(args.isolation, min(args.jobs, len(submissions)))
    from autograder import grading, outdir
    from autograder.render import summary
    from autograder.sandbox import isolation

    try:
        config = GradeConfig(timeout=args.timeout, jobs=args.jobs, memory_mb=args.memory, per_student=args.per_student,
            isolation=args.isolation,
        )
    except ValueError as err:  # the config's own validation names the bad value
        raise UsageError(str(err)) from None
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out must be a folder, got the file {args.out}")
    try:
        level = isolation(config, pool)
    except ValueError as err:  # "os" asked for without root
        raise UsageError(str(err)) from None
    # --resume: keep what an interrupted run already wrote for these very files; grade only the rest.
    previous = [None] * len(submissions)
    if args.resume:
        from autograder import terms

        term = terms.current()
        previous = [
            outdir.previous_result(out, sub, term.name, term.seed_for(sub.student, config.per_student))
            for sub in submissions
        ]
    todo = [sub for sub, old in zip(submissions, previous) if old is None]
    tty = sys.stderr.isatty()
    done = len(submissions) - len(todo)
    start = time.monotonic()

    def on_result(result):
        nonlocal done
        outdir.write_submission(out, result)
        done += 1
        if tty:
            sys.stderr.write(summary.progress(done, len(submissions)))
            sys.stderr.flush()

    try:
        graded = grading.grade_batch(todo, config, on_result=on_result, keep=outdir.slim, pool=pool)
    except KeyboardInterrupt:
        done_now = len(list(out.glob("*/results.json")))
        print(f"\nadam-hw: interrupted; {done_now} students' results are written in {out}: run the same "
              "command with --resume to grade the rest", file=sys.stderr)
        return 130
    results = [old for old in previous if old is not None] + graded
    if tty:
        sys.stderr.write("\n")
    outdir.write_gradebook(out, results)
    print(summary.render(results, out, level, time.monotonic() - start))
    if args.resume:
        print(f"resumed: {len(submissions) - len(todo)} kept from the earlier run, {len(todo)} graded now")
    return 0


def _release_term(args, root):
    """The Term `release` should record: None keeps the manifest's; --term / --per-student change it."""
    from autograder import terms
    from autograder.release import TERM_MANIFEST

    manifest = root / TERM_MANIFEST
    if args.term is None and args.per_student is None:
        if not manifest.is_file():
            raise UsageError(f"no term recorded yet in {manifest}: pass --term NAME (e.g. --term 2027-spring)")
        return None
    try:
        name = args.term if args.term is not None else terms.recorded(manifest).name
        per_student = args.per_student
        if per_student is None:
            per_student = terms.recorded(manifest).per_student if manifest.is_file() else False
        return terms.Term(name, per_student)
    except ValueError as err:  # a bad name or an unreadable manifest, named by the message
        raise UsageError(f"--term: {err}") from None


def cmd_release(args):
    from autograder import release, terms

    root = Path(args.root)
    if not (root / "solutions" / "second_moment.py").is_file():
        raise UsageError(f"--root must hold solutions/second_moment.py, got {args.root}")
    term = _release_term(args, root)
    if args.check:
        stale = release.check(root, term)
        if stale:
            print("assignment files differ from what solutions/ generates (run `adam-hw release`):")
            for path in stale:
                print(f"  {path}")
            return 1
        print("release is up to date")
        return 0
    for path, status in release.write(root, term):
        print(f"{status} {path}")
    recorded = term or terms.recorded(root / release.TERM_MANIFEST)
    if recorded.per_student:
        print(f"note: term {recorded.name} draws per student; the nbgrader notebook holds the term's shared draw "
              "(one notebook cannot hold a draw per student), so per-student draws reach `adam-hw grade` and Gradescope only")
    return 0


def cmd_gradescope(args):
    from autograder import gradescope

    out = Path(args.out)
    if out.suffix != ".zip" or out.is_dir():
        raise UsageError(f"--out must name a .zip file, got {args.out}")
    names = gradescope.build(out)
    print(f"wrote {out} ({len(names)} files): upload it as the assignment's autograder (see README, Gradescope)")
    return 0


def cmd_report(args):
    from autograder import report

    written = report.write(Path(args.dir), students=args.students)
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_nbgrader_course(args):
    from autograder.notebook import course

    root = Path(args.root)
    if not (root / "solutions" / "notebook_text.md").is_file():
        raise UsageError(f"--root must hold solutions/notebook_text.md, got {args.root}")
    target = Path(args.dir)
    if target.exists() and not target.is_dir():
        raise UsageError(f"DIR must be a folder, got the file {args.dir}")
    for path in course.write(target, root):
        print(f"wrote {path}")
    print(f"next: cd {target} && nbgrader generate_assignment second_moment (see README, For TAs)")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line (the contract: exit 2 with a one-line message), not the usage block."""

    def error(self, message):
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def build_parser():
    # Subcommands' parsers are made by add_parser with the parent's class, so they get _Parser too.
    parser = _Parser(prog="adam-hw", description="Grade and release the second-moment assignment.")
    sub = parser.add_subparsers(dest="command", required=True)

    grade = sub.add_parser("grade", help="grade .py and .ipynb submissions into a gradebook folder")
    grade.add_argument("paths", nargs="+", metavar="PATH", help="a .py or .ipynb file, or a folder of them / of student folders")
    grade.add_argument("--out", required=True, metavar="DIR", help="where grades.csv and DIR/<student>/ go")
    grade.add_argument(
        "--timeout", type=_positive_float("--timeout"), default=DEFAULT.timeout, metavar="SECONDS",
        help=f"longest one call into student code may run (default {DEFAULT.timeout:g})",
    )
    grade.add_argument(
        "--jobs", type=_positive_int("--jobs"), default=DEFAULT.jobs, metavar="N",
        help=f"submissions graded at once (default: the number of CPUs, here {DEFAULT.jobs})",
    )
    grade.add_argument(
        "--memory", type=_positive_int("--memory"), default=DEFAULT.memory_mb, metavar="MB",
        help=f"memory limit of the process running student code (default {DEFAULT.memory_mb})",
    )
    grade.add_argument(
        "--per-student", action=argparse.BooleanOptionalAction, default=None,
        help="draw each student's randomised cases from term + student id (default: as autograder/term.json says)",
    )
    grade.add_argument(
        "--isolation", choices=("auto", "os", "basic"), default=DEFAULT.isolation,
        help="how student code is isolated: os (root: own uid and namespaces), basic (rlimits, session, temp "
        f"folder), auto = os when possible (default {DEFAULT.isolation})",
    )
    grade.add_argument(
        "--resume", action="store_true",
        help="after an interrupted run into the same --out: keep the results it wrote for unchanged files, grade the rest",
    )
    grade.set_defaults(run=cmd_grade)

    release = sub.add_parser("release", help="write assignment/ and rubric.md from solutions/")
    release.add_argument("--check", action="store_true", help="exit 1 if the files differ from what would be written")
    release.add_argument(
        "--term", metavar="NAME",
        help="draw new randomised hidden cases for this term (seed = sha256 of NAME) and record it in autograder/term.json",
    )
    release.add_argument(
        "--per-student", action=argparse.BooleanOptionalAction, default=None,
        help="record in the manifest that every student gets their own draw (seed from term and student id)",
    )
    release.add_argument(
        "--root", default=str(Path(__file__).resolve().parent.parent), metavar="DIR",
        help="the repository holding solutions/ and assignment/ (default: this checkout)",
    )
    release.set_defaults(run=cmd_release)

    course = sub.add_parser("nbgrader-course", help="write an nbgrader course folder: nbgrader_config.py and source/")
    course.add_argument("dir", metavar="DIR", help="the course folder to create or update (student work in it is kept)")
    course.add_argument(
        "--root", default=str(Path(__file__).resolve().parent.parent), metavar="DIR",
        help="the repository holding solutions/ (default: this checkout)",
    )
    course.set_defaults(run=cmd_nbgrader_course)

    gradescope = sub.add_parser("gradescope", help="build the Gradescope autograder zip (setup.sh, run_autograder, grader)")
    gradescope.add_argument("--out", required=True, metavar="ZIP", help="where to write the zip, e.g. autograder.zip")
    gradescope.set_defaults(run=cmd_gradescope)

    report = sub.add_parser("report", help="write DIR/report.md, report.html and charts for a graded class")
    report.add_argument("dir", metavar="DIR", help="an `adam-hw grade --out` folder (grades.csv and DIR/<student>/)")
    report.add_argument(
        "--students", action="store_true",
        help="also list the students who failed each item (off by default, so the report can be shared without names)",
    )
    report.set_defaults(run=cmd_report)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except UsageError as err:
        from autograder.render.text import terminal

        print(f"adam-hw: {terminal(str(err))}", file=sys.stderr)  # it may quote a student's file name
        return 2
    except BrokenPipeError:
        # The reader went away (`adam-hw grade ... | head`); every file was already written. Point stdout
        # at /dev/null so Python's exit flush does not raise again, as the Python docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
