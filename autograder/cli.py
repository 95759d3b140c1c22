"""`adam-hw`: a thin command line over the plain API. Defaults come from `autograder.config`.

Exit codes: 0 when the command did its job (every submission got a grade, even zero); 2 with a one-line
message for a bad path or option; anything else is a bug in the grader and prints its traceback.
"""

import argparse
import atexit
import difflib
import os
import shlex
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from autograder.config import DEFAULT, ISOLATIONS, GradeConfig
from autograder.errors import ConfigError, UsageError
from autograder.sandbox import budget

if TYPE_CHECKING:  # the commands import what they use when they run: `adam-hw --help` stays quick
    from zoneinfo import ZoneInfo

    from autograder.discover import Submission
    from autograder.grading import ClassRun
    from autograder.late import LatePolicy
    from autograder.terms import Term

Number = TypeVar("Number", int, float)

#: The flag each GradeConfig field comes from, so a bad value is reported by the name the user typed.
CONFIG_FLAGS = {"timeout": "--timeout", "jobs": "--jobs", "memory_mb": "--memory", "isolation": "--isolation"}


def _number(flag: str, kind: Callable[[str], Number]) -> Callable[[str], Number]:
    """An argparse type that only parses: the range is checked once, by GradeConfig (see _config)."""
    what = "a number of seconds" if kind is float else "a whole number"

    def parse(text: str) -> Number:
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{flag} must be {what}, got {text!r}") from None

    return parse


def _config(args: argparse.Namespace) -> GradeConfig:
    """The run's GradeConfig, validated before anything starts; a bad value names its flag."""
    try:
        return GradeConfig(
            timeout=args.timeout,
            jobs=args.jobs,
            memory_mb=args.memory,
            per_student=args.per_student,
            isolation=args.isolation,
        )
    except ConfigError as err:
        raise UsageError(f"{CONFIG_FLAGS.get(err.field, err.field)} {err.problem}") from None


#: The flag each LatePolicy field comes from.
LATE_FLAGS = {"kind": "--late", "cap": "--late-cap", "grace": "--grace", "due": "--due"}


def _late_policy(args: argparse.Namespace) -> "LatePolicy | None":
    """The run's late policy, validated before anything starts; None when no late flag was given (the
    gradebook keeps its own). A bad value names its flag."""
    from autograder import late

    if args.late is None and args.late_cap is None and args.grace is None and args.due is None:
        return None
    try:
        kind, percent = late.rule(args.late or "none")
    except ValueError as err:
        raise UsageError(f"--late {err}") from None
    try:
        grace = late.duration(args.grace) if args.grace is not None else late.NONE.grace
    except ValueError as err:
        raise UsageError(f"--grace {err}") from None
    try:
        due = late.timestamp(args.due) if args.due is not None else None
    except ValueError as err:
        raise UsageError(
            f"--due must be an ISO 8601 time with its time zone (e.g. 2027-02-01T23:59-08:00): {err}"
        ) from None
    try:
        return late.LatePolicy(kind, percent, late.NONE.cap if args.late_cap is None else args.late_cap, grace, due)
    except ConfigError as err:
        raise UsageError(f"{LATE_FLAGS.get(err.field, err.field)} {err.problem}") from None


def _out_folder(text: str, flag: str = "--out") -> Path:
    out = Path(text)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{flag} must be a folder, got the file {text}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"{flag}: cannot create the folder {text}: {err.strerror}") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise UsageError(f"{flag}: the folder {text} is not writable")
    return out


def _check_late(
    policy: "LatePolicy",
    args: argparse.Namespace,
    submissions: Sequence["Submission"],
    flags: dict[str, str],
    times: dict[str, str],
) -> None:
    """UsageError, before anything is graded, when the policy cannot be applied as asked."""
    from autograder import late

    if args.roster is None and not (Path(args.out) / "grades.csv").is_file():
        raise UsageError(
            "--roster is needed by --late, for the late flags or submission times: give roster.csv (collect writes one)"
        )
    students = {
        s.student: (flags.get(s.student, ""), times.get(s.student, "")) for s in submissions if s.kind != "missing"
    }
    timeless = late.check(policy, {s: v for s, v in students.items() if args.roster is not None})
    if timeless:
        shown = ", ".join(timeless[:5]) + (f" and {len(timeless) - 5} more" if len(timeless) > 5 else "")
        raise UsageError(
            f"--late {args.late} needs the submission time of every student who may be late, and --roster gives "
            f"none for {shown} (Canvas download names carry only late_; Moodle's come from `collect moodle --worksheet "
            "--lms-timezone`): add a submitted column "
            "(ISO 8601, e.g. 2027-02-01T23:59-08:00), or use --late zero"
        )


def cmd_grade(args: argparse.Namespace) -> int:
    from autograder import roster
    from autograder.discover import check_out, discover
    from autograder.sandbox.pool import default_pool

    config = _config(args)  # before any sandbox starts
    policy = _late_policy(args)
    check_out(args.paths, args.out)  # before anything is written
    entries = roster.read(args.roster) if args.roster else None
    submissions = discover(args.paths, exclude=[args.out])
    late: dict[str, str] = {}
    times: dict[str, str] = {}
    unlisted: list[str] = []
    if entries is not None:
        submissions, late, unlisted = roster.apply(entries, submissions, Path(args.roster).parent)
        times = roster.times(entries)
    if policy is not None:
        _check_late(policy, args, submissions, late, times)
    if not submissions:
        raise UsageError(f"no submissions found in {' '.join(args.paths)}")
    # The sandboxes import numpy and sympy while this process imports the grader: a student waits less.
    pool = default_pool()
    pool.prestart(config.isolation, min(config.jobs, len(submissions)))
    from autograder import grading, terms
    from autograder.render import summary
    from autograder.sandbox.host import isolation

    try:
        level = isolation(config, pool)
    except ValueError as err:  # "os" asked for without root
        raise UsageError(f"--isolation: {err}") from None
    term = terms.current()  # a manifest that does not reproduce is a usage error (one line, exit 2)
    out = _out_folder(args.out)
    tty = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if tty:
            sys.stderr.write(summary.progress(done, total))
            sys.stderr.flush()

    try:
        run = grading.grade_class(
            submissions,
            out,
            config,
            resume=args.resume,
            late=late,
            term=term,
            on_progress=progress,
            pool=pool,
            regrade_all=args.regrade_all,
            submitted=times,
            policy=policy,
        )
    except KeyboardInterrupt as stop:
        done_now = len(list(out.glob("*/record.json")))
        unwritten = [n for n in getattr(stop, "__notes__", ()) if n.startswith(grading.GRADEBOOK_UNWRITTEN)]
        where = f"but {unwritten[0]} (the previous one is intact)" if unwritten else "and in its grades.csv"
        print(
            f"\nadam-hw: interrupted; {done_now} students' results are written in {out} ({where}): "
            "run the same command with --resume to grade the rest",
            file=sys.stderr,
        )
        return 130
    if tty:
        sys.stderr.write("\n")
    print(summary.render(run.rows, out, level, run.seconds, run.kept_students))
    if not run.gradebook_error:
        print(
            f"grades.csv lists {len(run.gradebook)} students: this run's {len(run.rows)} and any graded earlier into {out}"
        )
    for student, why in run.unwritten:
        print(f"note: {student}: {why}")
    if unlisted:
        print(f"not on the roster, graded all the same: {', '.join(unlisted)}")
    for note in run.notes:
        print(f"note: {note}")
    if args.resume:
        print(f"resumed: {run.kept} kept from the earlier run, {run.graded} graded now")
    if run.policy != "none":
        print(f"late policy: {run.policy} (grades.csv's final_score; see docs/late-policy.md)")
    if run.gradebook_error or run.unwritten:
        print(f"adam-hw: {_disk_line(run, out)}", file=sys.stderr)
        return 2
    return 0


def _disk_line(run: "ClassRun", out: Path) -> str:
    """The one line that closes a run the disk refused: what was not written, and the fix."""
    students = [student for student, _ in run.unwritten]
    shown = ", ".join(students[:5]) + (f" and {len(students) - 5} more" if len(students) > 5 else "")
    parts = []
    if run.gradebook_error:
        parts.append(f"{run.gradebook_error}; the previous grades.csv is intact")
    if students:
        where = "" if run.gradebook_error else "; grades.csv lists them as grader error"
        parts.append(f"the files of {shown} could not be written to {out}{where}")
    return "; ".join(parts) + f": {run.disk_fix}, then run the same command with --resume"


def cmd_collect(args: argparse.Namespace) -> int:
    from autograder import lms, roster

    zone = _time_zone(args.lms_timezone) if args.lms_timezone else None
    entries, notes = lms.collect(args.lms, Path(args.src), _out_folder(args.out), args.worksheet, zone)
    for note in notes:
        print(f"note: {note}")
    print(f"{roster.collected(entries, args.out)}; roster: {Path(args.out) / 'roster.csv'}")
    out = Path(args.out)
    graded = out.with_name(out.name.removesuffix("-subs") + "-graded")  # canvas-subs/ -> canvas-graded/
    words = ["grade", f"{args.out}", "--roster", str(out / "roster.csv"), "--out", f"{graded}/"]
    print(f"next: {_this_command()} {shlex.join(words)}")
    return 0


def _time_zone(name: str) -> "ZoneInfo":
    """--lms-timezone's zone, by its IANA name; UsageError naming the flag otherwise."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"--lms-timezone: no time zone named {name!r} (give an IANA name, e.g. Europe/London or America/New_York)"
        ) from None


def _this_command() -> str:
    """This very adam-hw, as typed again from the same folder: plain `adam-hw` only when it is the one on PATH."""
    ran = sys.argv[0]
    if Path(ran).name != "adam-hw":  # `python -m autograder`
        return f"{shlex.quote(sys.executable)} -m autograder"
    on_path = shutil.which("adam-hw")
    if on_path and Path(on_path).resolve() == Path(ran).resolve():
        return "adam-hw"
    return shlex.quote(ran)


def cmd_export(args: argparse.Namespace) -> int:
    from autograder import lms

    if args.lms == "gradescope":  # Gradescope imports no scores file for a programming assignment
        raise UsageError(
            "LMS: Gradescope takes no grades file back: grade there with the autograder "
            "(`adam-hw gradescope --out autograder.zip`, see README, Gradescope), or export to canvas or "
            "moodle from their own download"
        )
    if Path(args.out).is_dir():
        raise UsageError(f"--out must name a .csv file, got the folder {args.out}")
    _out_folder(str(Path(args.out).parent))
    filled, notes = lms.export(
        args.lms,
        Path(args.lms_csv),
        Path(args.grades),
        Path(args.roster),
        Path(args.out),
        args.assignment,
        args.decimal,
        args.blank_missing,
    )
    for note in notes:
        print(f"note: {note}")
    print(
        f"wrote {args.out}: {filled} grades filled in; import it into {args.lms.capitalize()} "
        "(see README, LMS round trips)"
    )
    return 0


def cmd_drop(args: argparse.Namespace) -> int:
    from autograder import outdir

    rows, _ = outdir.drop(Path(args.dir), args.students)
    print(f"dropped {', '.join(args.students)}; {Path(args.dir) / 'grades.csv'} now lists {len(rows)} students")
    return 0


def _release_term(args: argparse.Namespace, root: Path) -> "Term | None":
    """The Term `release` should record: None keeps the manifest's; --term / --per-student change it."""
    from autograder import terms
    from autograder.release import TERM_MANIFEST

    manifest = root / TERM_MANIFEST
    part = getattr(args, "with_part", None)
    points = getattr(args, "beyond_points", None)
    if points is not None and part == "none":
        raise UsageError("--beyond-points: part 5 is turned off by --with none")
    if args.term is None and args.per_student is None and part is None and points is None:
        if not manifest.is_file():
            raise UsageError(f"no term recorded yet in {manifest}: pass --term NAME (e.g. --term 2027-spring)")
        return None
    try:
        name = args.term if args.term is not None else terms.recorded(manifest).name
        per_student = args.per_student
        if per_student is None:
            per_student = terms.recorded(manifest).per_student if manifest.is_file() else False
        beyond = terms.recorded(manifest).beyond if manifest.is_file() else ""
        if part == "none":
            beyond = ""
        elif part == "beyond" or points is not None:
            if part is None and not beyond:
                raise UsageError("--beyond-points: part 5 is off in the manifest: add --with beyond")
            beyond = points or beyond or "task"
        return terms.Term(name, per_student, beyond)
    except ValueError as err:  # a bad name or an unreadable manifest, named by the message
        raise UsageError(f"--term: {err}") from None


def cmd_release(args: argparse.Namespace) -> int:
    from autograder import release, terms

    root = Path(args.root)
    if not (root / "solutions" / "second_moment.py").is_file():
        raise UsageError(f"--root must hold solutions/second_moment.py, got {args.root}")
    term = _release_term(args, root)
    if args.check:
        stale = release.check(root, term)
        if stale:
            print("assignment files differ from what solutions/ generates (run `adam-hw release`):")
            for rel in stale:
                print(f"  {rel}")
            return 1
        print("release is up to date")
        return 0
    for path, status in release.write(root, term):
        print(f"{status} {path}")
    recorded = term or terms.recorded(root / release.TERM_MANIFEST)
    if recorded.per_student:
        print(
            f"note: term {recorded.name} draws per student; the nbgrader notebook holds the term's shared draw "
            "(one notebook cannot hold a draw per student), so per-student draws reach `adam-hw grade` and Gradescope only"
        )
    return 0


def cmd_gradescope(args: argparse.Namespace) -> int:
    from autograder import gradescope

    out = Path(args.out)
    if out.suffix != ".zip" or out.is_dir():
        raise UsageError(f"--out must name a .zip file, got {args.out}")
    _out_folder(str(out.parent))
    names = gradescope.build(out)
    print(f"wrote {out} ({len(names)} files): upload it as the assignment's autograder (see README, Gradescope)")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from autograder import report

    written = report.write(Path(args.dir), students=args.students)
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_nbgrader_course(args: argparse.Namespace) -> int:
    from autograder.notebook import course

    root = Path(args.root)
    if not (root / "solutions" / "notebook_text.md").is_file():
        raise UsageError(f"--root must hold solutions/notebook_text.md, got {args.root}")
    target = _out_folder(args.dir, flag="DIR")
    for path in course.write(target, root):
        print(f"wrote {path}")
    print(f"next: cd {target} && nbgrader generate_assignment second_moment (see README, For TAs)")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line (the contract: exit 2 with a one-line message), not the usage
    block, and names the flag the user typed: no abbreviations (`--time 5` was taken for --timeout, and an
    error about it named --timeout), and an unknown flag is named before a missing one (`--outt` said
    "--out is required")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self._given: list[str] = []

    def parse_known_args(  # type: ignore[override]  # typeshed's overloads; same signature at run time
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self._given = list(sys.argv[1:] if args is None else args)
        parsed, extras = super().parse_known_args(args, namespace)
        if self._subparsers is None and self._unknown_option() is not None:  # a command's parser names it
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras

    def _unknown_option(self) -> str | None:
        """The first flag in this parser's own arguments that it does not know, as typed."""
        for token in self._given:
            if token == "--":
                break
            if not token.startswith("-") or self._negative_number_matcher.match(token):
                if self._subparsers is not None:  # the command's name: the rest is the command's parser's
                    break
                continue
            name = token.split("=", 1)[0]
            if name not in self._option_string_actions:
                return name
        return None

    def error(self, message: str) -> NoReturn:
        unknown = self._unknown_option()
        if unknown is not None:
            meant = difflib.get_close_matches(
                unknown, [o for o in self._option_string_actions if o.startswith("--")], 1
            )
            message = f"unknown option {unknown}" + (f" (did you mean {meant[0]}?)" if meant else "")
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    # Subcommands' parsers are made by add_parser with the parent's class, so they get _Parser too.
    parser = _Parser(prog="adam-hw", description="Grade and release the second-moment assignment.")
    sub = parser.add_subparsers(dest="command", required=True)

    grade = sub.add_parser("grade", help="grade .py and .ipynb submissions into a gradebook folder")
    grade.add_argument(
        "paths", nargs="+", metavar="PATH", help="a .py or .ipynb file, or a folder of them / of student folders"
    )
    grade.add_argument("--out", required=True, metavar="DIR", help="where grades.csv and DIR/<student>/ go")
    grade.add_argument(
        "--timeout",
        type=_number("--timeout", float),
        default=DEFAULT.timeout,
        metavar="SECONDS",
        help=f"{budget.TIMEOUT_MEANS} (default {DEFAULT.timeout:g})",
    )
    grade.add_argument(
        "--jobs",
        type=_number("--jobs", int),
        default=DEFAULT.jobs,
        metavar="N",
        help=f"submissions graded at once (default: the number of CPUs, here {DEFAULT.jobs})",
    )
    grade.add_argument(
        "--memory",
        type=_number("--memory", int),
        default=DEFAULT.memory_mb,
        metavar="MB",
        help=f"memory limit of the process running student code (default {DEFAULT.memory_mb})",
    )
    grade.add_argument(
        "--per-student",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="draw each student's randomised cases from term + student id (default: as autograder/term.json says)",
    )
    grade.add_argument(
        "--isolation",
        choices=ISOLATIONS,
        default=DEFAULT.isolation,
        help="how student code is isolated: os (root: own uid and namespaces), basic (rlimits, session, temp "
        f"folder), auto = os when possible (default {DEFAULT.isolation})",
    )
    grade.add_argument(
        "--resume",
        action="store_true",
        help="after an interrupted run into the same --out: keep the results it wrote for unchanged files, grade the rest",
    )
    grade.add_argument(
        "--late",
        metavar="RULE",
        help="the late policy: none, zero, PERCENT%%/day or PERCENT%%/hour (e.g. 10%%/day), kept in the gradebook "
        "for later runs; grades.csv's final_score follows it and export sends it (default: the gradebook's, "
        "else none; see docs/late-policy.md)",
    )
    grade.add_argument(
        "--due",
        metavar="TIME",
        help="the due date, ISO 8601 with its time zone (e.g. 2027-02-01T23:59-08:00); needed by a per-day "
        "or per-hour --late, which reads the roster's submitted times",
    )
    grade.add_argument("--grace", metavar="DURATION", help="late by no more than this is on time (e.g. 15m, 2h)")
    grade.add_argument(
        "--late-cap",
        type=_number("--late-cap", float),
        metavar="PERCENT",
        help="the most a per-day or per-hour --late takes off, in percent of the score (default 100)",
    )
    grade.add_argument(
        "--regrade-all",
        action="store_true",
        help="grade every student of --out again on this run's cases, when its rows were graded on others "
        "(another term, --per-student setting or rubric); without it such a run is refused: one term per gradebook",
    )
    grade.add_argument(
        "--roster",
        metavar="CSV",
        help="roster.csv (`adam-hw collect` writes one): every student on it gets a row, those with no "
        "submission with status `no file found`; its lms_id seeds per-student draws and its late column fills grades.csv's",
    )
    grade.set_defaults(run=cmd_grade)

    collect = sub.add_parser("collect", help="turn an LMS's download into DIR/<student>/ folders and DIR/roster.csv")
    collect.add_argument("lms", choices=("canvas", "moodle", "gradescope"), help="which LMS the download is from")
    collect.add_argument("src", metavar="SRC", help="the download: a .zip file or the folder it unpacks to")
    collect.add_argument("--out", required=True, metavar="DIR", help="where the student folders and roster.csv go")
    collect.add_argument(
        "--worksheet",
        metavar="CSV",
        help="moodle: the assignment's grading worksheet, whose 'Last modified (submission)' gives roster.csv's "
        "submitted times (read only with --lms-timezone; see docs/late-policy.md)",
    )
    collect.add_argument(
        "--lms-timezone",
        metavar="ZONE",
        help="moodle: the time zone the worksheet's times are in (your Moodle profile's when you downloaded it), "
        "as an IANA name, e.g. Europe/London",
    )
    collect.set_defaults(run=cmd_collect)

    export = sub.add_parser("export", help="fill the LMS's own gradebook export with the grades, for re-import")
    export.add_argument(
        "lms",
        choices=("canvas", "moodle", "gradescope"),
        help="which LMS the file is from (gradescope only says how its grades are returned)",
    )
    export.add_argument(
        "lms_csv",
        metavar="LMS_CSV",
        help="the LMS's export: Canvas Grades > Export (CSV), or Moodle's grading worksheet (CSV)",
    )
    export.add_argument("--grades", required=True, metavar="DIR", help="the `adam-hw grade --out` folder")
    export.add_argument("--roster", required=True, metavar="CSV", help="the roster.csv `adam-hw collect` wrote")
    export.add_argument("--out", required=True, metavar="CSV", help="the file to write and import into the LMS")
    export.add_argument(
        "--assignment",
        metavar="NAME",
        help="Canvas: the assignment column, by its name or id (needed when the file has several)",
    )
    export.add_argument(
        "--decimal",
        choices=("point", "comma"),
        help="the decimal mark of the LMS file's numbers, when one could be read either way (1,234: a "
        "thousand or 1.234); by default told from each number (10,00 and 10.00 both read as ten)",
    )
    export.add_argument(
        "--blank-missing",
        action="store_true",
        help="leave the cell of a student with no file (status `no file found`) blank, as the LMS's "
        "'no grade yet'; by default they get 0, as grades.csv says",
    )
    export.set_defaults(run=cmd_export)

    drop = sub.add_parser("drop", help="remove students' rows (and their folders) from a gradebook folder")
    drop.add_argument("dir", metavar="DIR", help="an `adam-hw grade --out` folder")
    drop.add_argument("students", nargs="+", metavar="STUDENT", help="the student ids to drop, as in grades.csv")
    drop.set_defaults(run=cmd_drop)

    release = sub.add_parser("release", help="write assignment/ and rubric.md from solutions/")
    release.add_argument("--check", action="store_true", help="exit 1 if the files differ from what would be written")
    release.add_argument(
        "--term",
        metavar="NAME",
        help="draw new randomised hidden cases for this term (seed = sha256 of NAME) and record it in autograder/term.json",
    )
    release.add_argument(
        "--per-student",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="record in the manifest that every student gets their own draw (seed from term and student id)",
    )
    release.add_argument(
        "--with",
        dest="with_part",
        choices=("beyond", "none"),
        default=None,
        help="turn the optional part 5, beyond the page, on (beyond) or off (none) and record it in the term "
        "manifest; default: as the manifest records it (a manifest without it: off)",
    )
    release.add_argument(
        "--beyond-points",
        choices=("task", "bonus"),
        default=None,
        help="how part 5's points count: task (default: its own score, apart from the core 100) or bonus "
        "(added to the core score for final_score, capped at the core's maximum)",
    )
    release.add_argument(
        "--root",
        default=str(Path(__file__).resolve().parent.parent),
        metavar="DIR",
        help="the repository holding solutions/ and assignment/ (default: this checkout)",
    )
    release.set_defaults(run=cmd_release)

    course = sub.add_parser("nbgrader-course", help="write an nbgrader course folder: nbgrader_config.py and source/")
    course.add_argument("dir", metavar="DIR", help="the course folder to create or update (student work in it is kept)")
    course.add_argument(
        "--root",
        default=str(Path(__file__).resolve().parent.parent),
        metavar="DIR",
        help="the repository holding solutions/ (default: this checkout)",
    )
    course.set_defaults(run=cmd_nbgrader_course)

    gradescope = sub.add_parser(
        "gradescope", help="build the Gradescope autograder zip (setup.sh, run_autograder, grader)"
    )
    gradescope.add_argument("--out", required=True, metavar="ZIP", help="where to write the zip, e.g. autograder.zip")
    gradescope.set_defaults(run=cmd_gradescope)

    report = sub.add_parser("report", help="write DIR/report.md, report.html and charts for a graded class")
    report.add_argument("dir", metavar="DIR", help="an `adam-hw grade --out` folder (grades.csv and DIR/<student>/)")
    report.add_argument(
        "--students",
        action="store_true",
        help="also list the students who failed each item (off by default, so the report can be shared without names)",
    )
    report.set_defaults(run=cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)  # one of the cmd_* above
        return code
    except UsageError as err:
        from autograder.render.text import terminal

        print(f"adam-hw: {terminal(str(err))}", file=sys.stderr)  # it may quote a student's file name
        return 2
    except BrokenPipeError:
        # The reader went away (`adam-hw grade ... | head`); every file was already written. Point stdout
        # at /dev/null so Python's exit flush does not raise again, as the Python docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def run() -> NoReturn:
    """The `adam-hw` command and `python -m autograder`: main(), then leave at once (see `leave`)."""
    leave(main())


def leave(code: int) -> NoReturn:
    """Exit with `code` without Python's own shutdown, which frees numpy's, sympy's and the run's objects one
    by one (a quarter of a second after every run). What must happen at exit runs first: the exit
    handlers (the sandbox pool stops its processes there), then the flush of what was printed."""
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # the reader went away, or the stream was closed
            pass
    os._exit(code)
