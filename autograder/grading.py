"""The plain API: grade one submission, or a batch, into `SubmissionResult`s.

Student code runs only in the sandbox's guest (autograder.sandbox); everything here is the grader's own code, so
an exception raised here is a bug in the grader and is left to propagate, loudly, rather than turned
into a zero for a student.
"""

import errno
import hashlib
import os
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from autograder import functions, outdir, terms
from autograder.beyond import run as beyond_run
from autograder.beyond import spec as beyond_spec
from autograder.boundary import Reply
from autograder.config import DEFAULT, GradeConfig
from autograder.discover import Submission
from autograder.errors import DiskError, UsageError
from autograder.judge import explain, formulas, loading
from autograder.judge.checks import Case, Check
from autograder.judge.diagnosis import diagnose, failing_functions
from autograder.late import NONE, LatePolicy
from autograder.memo import Run
from autograder.notebook.replay import CellReplay
from autograder.results import (
    GradebookRow,
    ItemResult,
    Outcome,
    SubmissionResult,
    empty_items,
    grader_load_error,
)
from autograder.rubric import FUNCTIONS, ITEMS
from autograder.sandbox.host import GuestStartError, Host, isolation
from autograder.sandbox.pool import SandboxPool, default_pool
from autograder.words import student

#: What a result's `graded_at` is read from: passed in, so a test or a regrade can fix the time.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def counts_alone(check: Check, vouched: Collection[str] = ()) -> bool:
    """A value check that earns its function a place on its own: one fixed call beyond the page, not passed
    by returning an input unchanged, that no student could have copied. A public check's expected value is
    in the student's own test_second_moment.py (a table of the public answers passes it), so it counts only
    when its nearby inputs pass too (`vouched`: see `nearby`)."""
    call = check.fixed_call
    return (
        call is not None
        and (check.hidden or check.id in vouched)
        and not check.item.endswith(".page")
        and not call.passed_by_an_input
    )


def earners(outcomes: Sequence[Outcome], checks: Sequence[Any] = (), vouched: Collection[str] = ()) -> set[str]:
    """The functions that earned something from their own maths: a whole value group, or a value check
    beyond the page's inputs that returning an input would not pass and no student could copy (a hidden
    one, or a public one whose nearby inputs pass too: `vouched`). A function that raises, or returns a
    constant, NaN, its input or a table of the page's or the public checks' answers, earns none (nothing
    for nothing)."""
    earned = set()
    by_id = {c.id: c for c in checks}
    for item in ITEMS:
        if item.kind != "value":
            continue
        mine = [o for o in outcomes if o.item == item.id]
        groups = {g.name: [o for o in mine if o.group == g.name] for g in item.groups}
        if any(group and all(o.passed for o in group) for group in groups.values()):
            earned.add(item.task)
        if any(o.passed and o.check in by_id and counts_alone(by_id[o.check], vouched) for o in mine):
            earned.add(item.task)
    return earned


#: How `nearby` moves a public check's numbers: by this factor (a zero to NEARBY_ZERO), far beyond the
#: tolerance; the same formula holds there (the same beta2, alpha and eps; t unchanged).
NEARBY_FACTOR, NEARBY_ZERO = 1.0625, 0.015625


def nearby(case: Case) -> Case:
    """A public value check's call with its numbers moved a little: hidden, so no table holds its answer."""
    kinds = [p.kind for p in functions.BY_NAME[case.func].parameters]

    def moved(i: int, x: object) -> object:
        if kinds[i] == "count" or isinstance(x, bool) or not isinstance(x, (int, float, np.ndarray)):
            return x
        arr = np.asarray(x, dtype=np.float64)
        out = np.where(arr == 0, NEARBY_ZERO, arr * NEARBY_FACTOR)
        return out if isinstance(x, np.ndarray) else float(out)

    args = tuple(moved(i, a) for i, a in enumerate(case.args))
    return replace(case, id=case.id + ".nearby", args=args, hidden=True)


def to_vouch(outcomes: Sequence[Outcome], checks: Sequence[Check]) -> dict[str, Case]:
    """{public check id: its `nearby` call} for the passed public value checks that would decide whether
    their function earns anything (it earns nothing from hidden checks alone). A correct function earns
    from its hidden checks, so it costs no extra call."""
    by_id = {c.id: c for c in checks}
    earned = earners(outcomes, checks)
    out = {}
    for o in outcomes:
        check = by_id.get(o.check)
        call = check.fixed_call if check is not None else None
        if check is None or call is None or check.hidden or not o.passed or call.expect != "value":
            continue
        if call.func not in earned and counts_alone(check, vouched=(check.id,)):
            out[check.id] = nearby(call)
    return out


def item_results(
    outcomes: Sequence[Outcome], checks: Sequence[Any] = (), vouched: Collection[str] = ()
) -> tuple[ItemResult, ...]:
    """The rubric's items, in order, each with its own outcomes (void when its function earned nothing)."""
    earned = earners(outcomes, checks, vouched)
    return tuple(
        ItemResult(
            item,
            tuple(o for o in outcomes if o.item == item.id),
            void=""
            if not item.gate or item.gate in earned
            else f"your {item.gate} passed none of its own value checks, so this item earns nothing (nothing for nothing)",
        )
        for item in ITEMS
    )


def grade_submission(
    submission: Submission,
    config: GradeConfig = DEFAULT,
    checks: Sequence[Any] | None = None,
    term: terms.Term | None = None,
    *,
    pool: SandboxPool | None = None,
    host: Callable[..., Host] = Host,
    clock: Clock = utc_now,
    hand_back: bool = False,
    run: Run | None = None,
) -> SubmissionResult:
    """Grade one `discover.Submission` and return its SubmissionResult.

    By default (checks=None) the checks are the fixed cases plus the cases drawn for this submission
    from `term` (default: the manifest autograder/term.json, read only then); its term and seed go into
    `extra`. Given `checks`, the submission is graded on exactly those and no term is read.
    `clock` stamps `graded_at`. `pool` lends the sandbox processes (default: `sandbox.default_pool()`); `host` makes the grader's side
    of the submission, called as `sandbox.Host` is (a test may pass one that records every reply). `run` keeps
    what the grading run works out once, for the run's next submissions (`memo.Run`; default: a fresh one).
    Every process of the submission is dead when this returns; with `hand_back`, once its sandbox serves
    anyone else (grade_batch, which settles them all before it returns: the next student starts meanwhile).
    """
    start = time.monotonic()
    run = run or Run()
    part: Sequence[Check] = ()  # part 5's checks (autograder/beyond/), when the term turns it on
    counts = ""
    if checks is None:
        plan = terms.plan(submission.seed_id or submission.student, term or terms.current(), config.per_student, run)
        extra: dict[str, Any] = plan.extra
        checks = plan.checks
        part, counts = plan.beyond, plan.beyond_counts
    else:
        extra = {}
    # Only a regular file of the student's own is read (discover.Submission.load): a symbolic link (it
    # could point at the reference solution), a FIFO, a device or a huge file is graded as nothing.
    data, refused = submission.load()
    common: dict[str, Any] = {  # what every SubmissionResult of this submission holds
        "student": submission.student,
        "path": str(submission.path),
        "sha256": hashlib.sha256(data).hexdigest(),
        "graded_at": clock().astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "isolation": isolation(config, pool),
        "extra": extra,
    }
    if counts:  # every result of this submission carries part 5's, graded or not
        common["beyond"] = beyond_run.empty(counts, "the submission could not be graded")
    # These messages name the student's file, so each is student text (escaped whole) in the outcomes.
    if refused:
        return SubmissionResult(
            items=empty_items(student(refused)),
            seconds=0.0,
            load_error=grader_load_error("Unsupported", refused),
            **common,
        )
    if submission.kind == "missing":
        message = "No second_moment.py was found in this folder, so there was nothing to grade"
        message += f" ({submission.note})." if submission.note else "."
        return SubmissionResult(
            items=empty_items(student(message)), seconds=0.0, load_error=grader_load_error("Missing", message), **common
        )
    # A notebook is read, and its cells transformed, in the guest: never here (STYLE.md item 28).
    loader = CellReplay() if submission.kind == "ipynb" else None
    # Part 5's functions are graded functions of the host too (its budget grows by theirs); off, the call is as ever.
    # The guest gets the bytes that were checked and hashed, not the path opened again.
    graded_functions = FUNCTIONS + beyond_spec.NAMES if part else FUNCTIONS
    with host(
        submission.path, config, graded_functions, loader=loader, pool=pool, data=data, hand_back=hand_back, run=run
    ) as guest:
        # Every fixed-input call goes to the guest in one write, not one round trip each (same order,
        # same time budget); the checks then find their replies waiting.
        guest.prefetch([pair for check in checks for pair in check.requests()])
        outcomes = [check.run(guest.call, run) for check in checks]
        near = to_vouch(outcomes, checks)
        guest.prefetch([pair for case in near.values() for pair in case.requests()])
        vouched = {check_id for check_id, case in near.items() if case.run(guest.call, run).passed}
        probes, reads = _probe(guest, failing_functions(outcomes, checks))
        if part:
            guest.prefetch(beyond_run.requests(part))
            common["beyond"] = beyond_run.grade(guest.call, part, counts, run, notebook=loader is not None)
        output = guest.output(loading.cell_note)
        load_error = None if guest.load_error is None else loading.load_error(guest.load_error)
        undefined = (
            {}
            if loader is None
            else loading.undefined_by_errors(loader.cells, loading.cell_errors(loader.errors), guest.available)
        )
    outcomes, diagnoses = diagnose(outcomes, checks, probes, run, reads)
    return SubmissionResult(
        items=item_results(outcomes, checks, vouched),
        seconds=time.monotonic() - start,
        load_error=load_error,
        output=output,
        diagnoses=diagnoses,
        undefined=undefined,
        **common,
    )


def _probe(guest: Host, functions: Iterable[str]) -> tuple[dict[str, list[Reply]], dict[str, list[Reply]]]:
    """The student's replies on the fixed diagnosis probes (formulas.PROBES) of each failing function, and
    the guest's readings of its code (explain.requests: read, never run).

    Only functions that failed a check are called again, so a correct submission costs nothing extra.
    """
    funcs = list(functions)
    asked = {func: formulas.requests(func) for func in funcs}
    read = {func: explain.requests(func) for func in funcs}
    guest.prefetch(
        [(request, (func,)) for table in (asked, read) for func, requests in table.items() for request in requests]
    )
    probes = {func: [guest.call(request, (func,)) for request in requests] for func, requests in asked.items()}
    return probes, {func: [guest.call(request, (func,)) for request in requests] for func, requests in read.items()}


def grade_batch(
    submissions: Sequence[Submission],
    config: GradeConfig = DEFAULT,
    on_result: Callable[[SubmissionResult], object] | None = None,
    keep: Callable[[SubmissionResult], Any] | None = None,
    *,
    pool: SandboxPool | None = None,
    host: Callable[..., Host] = Host,
    term: terms.Term | None = None,
    clock: Clock = utc_now,
    run: Run | None = None,
    on_disk_error: Callable[[Submission, DiskError], object] | None = None,
) -> list[Any]:
    """Grade many submissions, `config.jobs` at a time; call on_result(result) as each finishes.
    `pool`, `host`, `term`, `clock` and `run` (default: a fresh `memo.Run` for the batch) are passed to every
    `grade_submission`.

    With `on_disk_error`, a submission whose guest could not start because the sandboxes' temporary
    folder is full (`sandbox_disk_full`) is passed to it, with the DiskError, and the batch goes on (its
    result is None); without, or for any other failure to start, the error stops the batch.

    Returns the results in the order of `submissions`, each passed through keep(result) first when given
    (the CLI keeps only what the gradebook needs once a student's files are written: a class of
    thousands then fits in little memory).
    """
    kept: list[Any] = [None] * len(submissions)
    run = run or Run()
    threads = ThreadPoolExecutor(max_workers=config.jobs)
    try:
        index = {
            threads.submit(
                grade_submission, sub, config, None, term, pool=pool, host=host, clock=clock, hand_back=True, run=run
            ): i
            for i, sub in enumerate(submissions)
        }
        # as_completed drops each future once it is yielded; popping it here lets its result go too.
        for future in as_completed(list(index)):
            at = index.pop(future)
            try:
                result = future.result()  # a grader bug re-raises here and stops the batch loudly
            except GuestStartError as err:
                full = sandbox_disk_full(err.no_room) if on_disk_error else None
                if on_disk_error is None or full is None:
                    raise
                on_disk_error(submissions[at], full)
                continue
            if on_result:
                on_result(result)
            kept[at] = keep(result) if keep else result
    except BaseException:
        # Ctrl-C or a grader bug: stop now (only the submissions already running finish), don't grade the rest.
        threads.shutdown(wait=False, cancel_futures=True)
        raise
    threads.shutdown()
    (pool or default_pool()).settle()  # every student's processes are dead before this returns
    return kept


#: The note an exception that stopped grade_class carries when grades.csv could not be written after it.
GRADEBOOK_UNWRITTEN = "grades.csv was not rewritten"


#: Where a sandbox at level basic makes each guest's folder, the student's file copied in first
#: (sandbox/guest/mounts.setup_basic: the temporary folder of pool.ENV, which names none), and the room
#: below which a guest that could not start is put down to that disk being full.
SANDBOX_TMP, SANDBOX_ROOM = "/tmp", 1 << 20


def sandbox_disk_full(said: bool = False) -> DiskError | None:
    """A DiskError when a guest could not start for a full disk, as a classmate's file can fill the
    sandboxes' temporary folder at level basic: the disk's fault, not a bug of the grader's. `said`: the
    guest said so (GuestStartError.no_room); else it counts when that folder is (nearly) full now. Else None."""
    try:
        st = os.statvfs(SANDBOX_TMP)
    except OSError:
        st = None
    if not said and (st is None or st.f_bavail * st.f_frsize >= SANDBOX_ROOM):
        return None
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return DiskError(f"{SANDBOX_TMP} (where the sandbox copies the student's file)", full)


@dataclass(frozen=True)
class ClassRun:
    """What grade_class did: this run's rows (kept and graded now) and the whole gradebook as written."""

    rows: tuple[GradebookRow, ...]  # results.GradebookRow of every submission of this run, in the order given
    kept: int  # of those, kept from an earlier run by --resume
    gradebook: tuple[GradebookRow, ...]  # every row grades.csv now holds (other students graded earlier included)
    notes: tuple[str, ...]  # records in the folder this grader could not trust (see autograder/outdir.py)
    seconds: float
    kept_students: frozenset[str] = frozenset()  # the students whose rows --resume kept
    policy: str = "none"  # the late policy grades.csv was written under, in words
    # The disk's refusals (errors.DiskError): (student, why) for each student whose files could not be
    # written (their row: status `grader error`); why grades.csv could not be rewritten ("" when it was:
    # else the previous one is intact and `gradebook` is empty); and what fixes the disk, in words.
    unwritten: tuple[tuple[str, str], ...] = ()
    gradebook_error: str = ""
    disk_fix: str = ""

    @property
    def graded(self) -> int:
        """Files graded now: the rows not kept, but for students with no file (nothing was graded)."""
        return sum(1 for r in self.rows if r.student not in self.kept_students and r.status != "no file found")


def _names(students: Sequence[str]) -> str:
    shown = ", ".join(students[:3])
    return shown + (f" and {len(students) - 3} more" if len(students) > 3 else "")


def _one_term(
    out: Path, submissions: Sequence[Submission], term: terms.Term, per_student: bool | None, regrade_all: bool
) -> set[str]:
    """The students of `out` graded on other cases than this run's; UsageError unless `regrade_all` and
    each of them is among `submissions`."""
    own = term.per_student if per_student is None else per_student
    others = outdir.other_cases(out, term.name, own, term.beyond)
    if not others:
        return set()
    students = [student for student, _ in others]
    why = others[0][1]
    this_run = f"term {term.name}, " + ("per-student draws" if own else "the term's shared draw")
    if not regrade_all:
        raise UsageError(
            f"--out {out} holds {len(students)} students graded on other cases ({_names(students)}: {why}; this "
            f"run: {this_run}): add --regrade-all to grade them all again on this run's cases, or give a new --out"
        )
    given = {sub.student for sub in submissions}
    absent = [student for student in students if student not in given]
    if absent:
        raise UsageError(
            f"--regrade-all: {_names(absent)} in --out {out} were graded on other cases ({why}) and are not among "
            f"the paths given: give their files too, or `adam-hw drop {out} {' '.join(absent)}`"
        )
    return set(students)


def grade_class(
    submissions: Sequence[Submission],
    out: str | Path,
    config: GradeConfig = DEFAULT,
    *,
    resume: bool = False,
    late: dict[str, str] | None = None,
    term: terms.Term | None = None,
    on_progress: Callable[[int, int], object] | None = None,
    pool: SandboxPool | None = None,
    regrade_all: bool = False,
    submitted: dict[str, str] | None = None,
    policy: LatePolicy | None = None,
    run: Run | None = None,
) -> ClassRun:
    """Grade `submissions` into the gradebook folder `out` (autograder/outdir.py) and rewrite its grades.csv.

    - `resume`: a student whose record says these very bytes were graded on the same cases and rubric is
      kept, not graded again; a missing, corrupt or foreign record means grading again, never an error.
    - `late`: student -> "yes" / "no" / "" from a roster; a student it does not name keeps their record's flag.
      `submitted` (student -> ISO 8601 time) likewise.
    - `policy`: the late policy grades.csv's final scores follow (None: the gradebook's own, see outdir).
    - `on_progress(done, total)` after each student.
    - One term per gradebook: when `out` holds rows graded on other cases (another term, per-student
      setting, draw or rubric), UsageError before anything is written, unless `regrade_all`, which grades
      them all again (their files must be among `submissions`; --resume keeps none of them).
    - `pool` and `run` go to `grade_batch`.

    Students already in `out` but not in `submissions` keep their rows. On Ctrl-C (or a grader bug) grades.csv
    is still written for every student finished, then the exception propagates.

    A disk that refuses a write (errors.DiskError: full, over quota, failing, read-only) stops nothing: a
    student whose files cannot be written gets a `grader error` row, and nothing of theirs is left on disk
    for --resume to trust; a grades.csv that cannot be rewritten is left as it was. ClassRun says which.
    """
    out = Path(out)
    term = term or terms.current()
    late = late or {}
    start = time.monotonic()
    stale = _one_term(out, submissions, term, config.per_student, regrade_all)
    outdir.ensure_key()  # results.json is signed with it: a key that cannot be made stops the run now
    previous = {sub.student: outdir.read_record(out, sub.student) for sub in submissions}

    times = submitted or {}

    def late_for(student: str) -> str:
        old = previous[student]
        return late.get(student, old.row.late if old else "")

    def time_for(student: str) -> str:
        old = previous[student]
        return times.get(student, old.row.submitted if old else "")

    rows: dict[str, GradebookRow] = {}
    todo = []
    failed: dict[str, DiskError] = {}

    def unwritten(student: str, err: DiskError) -> None:
        """The disk refused the student's files: a grader error row, and nothing of theirs left on disk."""
        outdir.discard(out, student)
        failed[student] = err
        rows[student] = GradebookRow.unwritten(student, late_for(student), time_for(student))

    for sub in submissions:
        old = previous[sub.student]
        seed, _ = terms.seed_of(sub.seed_id or sub.student, term, config.per_student)
        if (
            resume
            and old is not None
            and sub.student not in stale
            and old.fits(sub.sha256(), term.name, seed, term.beyond)
        ):
            if (old.row.late, old.row.submitted) != (late_for(sub.student), time_for(sub.student)):
                try:
                    old = outdir.refresh(out, old, late_for(sub.student), time_for(sub.student))
                except DiskError as err:
                    unwritten(sub.student, err)
                    continue
            rows[sub.student] = old.row
        else:
            todo.append(sub)
    kept = len(rows) - len(failed)
    kept_students = set(rows) - set(failed)

    def finished(result: SubmissionResult) -> None:
        student = result.student
        try:
            rows[student] = outdir.write_submission(out, result, late_for(student), time_for(student)).row
        except DiskError as err:  # the disk's fault, not the grader's: this student's row, not the run
            unwritten(student, err)
        if on_progress:
            on_progress(len(rows), len(submissions))

    gradebook: list[GradebookRow] = []
    notes: list[str] = []
    gradebook_error: DiskError | None = None

    def write_gradebook() -> None:
        nonlocal gradebook, notes, gradebook_error
        try:
            gradebook, notes = outdir.write_gradebook(
                out, policy=policy, unwritten={student: rows[student] for student in failed}
            )
        except DiskError as err:  # the previous grades.csv is intact (atomic_write)
            gradebook_error = err

    try:
        grade_batch(
            todo,
            config,
            on_result=finished,
            keep=lambda result: None,
            term=term,
            pool=pool,
            run=run,
            on_disk_error=lambda sub, err: unwritten(sub.student, err),
        )
    except BaseException as stopped:  # Ctrl-C or a grader bug: grades.csv for whoever finished, then stop
        write_gradebook()
        if gradebook_error is not None:
            stopped.add_note(f"{GRADEBOOK_UNWRITTEN}: {gradebook_error}")
        raise
    write_gradebook()
    why = {
        student: f"grader error: {err.path} could not be written ({err.strerror}: {err.what}); {student} is "
        "graded again by --resume once the disk is fixed"
        for student, err in failed.items()
    }
    first = gradebook_error or next(iter(failed.values()), None)
    return ClassRun(
        tuple(rows[sub.student] for sub in submissions),
        kept,
        tuple(gradebook),
        tuple(notes),
        time.monotonic() - start,
        frozenset(kept_students),
        (outdir.read_policy(out) or policy or NONE).describe(),
        tuple(why.items()),
        f"{gradebook_error.path} could not be rewritten ({gradebook_error.strerror}: {gradebook_error.what})"
        if gradebook_error
        else "",
        first.fix if first else "",
    )
