"""The plain API: grade one submission, or a batch, into `SubmissionResult`s.

Student code runs only in the worker (autograder.sandbox); everything here is the grader's own code, so
an exception raised here is a bug in the grader and is left to propagate, loudly, rather than turned
into a zero for a student.
"""

import hashlib
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime
from typing import Any

from autograder import terms
from autograder.checks import Case
from autograder.config import DEFAULT, GradeConfig
from autograder.diagnosis import diagnose
from autograder.discover import Submission
from autograder.identity import IdentityCheck
from autograder.notebook.cells import NotebookError, read_cells
from autograder.results import SubmissionResult, empty_items, grader_load_error, item_results
from autograder.sandbox import Worker, isolation


#: What a result's `graded_at` is read from: passed in, so a test or a regrade can fix the time.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def grade_submission(
    submission: Submission, config: GradeConfig = DEFAULT, checks: Sequence[Case | IdentityCheck] | None = None,
    term: terms.Term | None = None, clock: Clock = utc_now,
) -> SubmissionResult:
    """Grade one `discover.Submission` and return its SubmissionResult.

    By default (checks=None) the checks are the fixed cases plus the cases drawn for this submission
    from `term` (default: the manifest autograder/term.json, read only then); its term and seed go into
    `extra`. Given `checks`, the submission is graded on exactly those and no term is read.
    """
    start = time.monotonic()
    if checks is None:
        plan = terms.plan(submission.student, term or terms.current(), config.per_student)
        extra, checks = plan.extra, plan.checks
    else:
        extra = {}
    # A symbolic link is graded as nothing: a student could point it at the reference solution on the
    # grading machine (a path a TA's or Gradescope's layout makes easy to guess) and score 100.
    link = submission.path.is_symlink()
    data = submission.content()
    common = {
        "student": submission.student,
        "path": str(submission.path),
        "sha256": hashlib.sha256(data).hexdigest(),
        "graded_at": clock().astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "isolation": isolation(config),
        "extra": extra,
    }
    if link:
        message = f"{submission.path.name} is a symbolic link, not a file, so it was not graded: submit the file itself."
        return SubmissionResult(items=empty_items(message), seconds=0.0, load_error=grader_load_error("Unsupported", message), **common)
    if submission.kind == "missing":
        message = "No second_moment.py was found in this folder, so there was nothing to grade."
        return SubmissionResult(items=empty_items(message), seconds=0.0, load_error=grader_load_error("Missing", message), **common)
    cells = None
    if submission.kind == "ipynb":
        try:
            cells = read_cells(data)
        except NotebookError as err:
            message = f"Your notebook could not be read, so nothing in it was graded: {err}."
            return SubmissionResult(items=empty_items(message), seconds=0.0, load_error=grader_load_error("NotebookError", message), **common)
    with Worker(submission.path, config, cells=cells) as worker:
        # Every fixed-input call goes to the worker in one write, not one round trip each (same order,
        # same time budget); the checks then find their replies waiting.
        worker.prefetch([(check.request(), check.uses) for check in checks if isinstance(check, Case)])
        outcomes = [check.run(worker.call) for check in checks]
        output = worker.output()
        load_error = worker.load_error
    outcomes, diagnoses = diagnose(outcomes, checks)
    return SubmissionResult(
        items=item_results(outcomes), seconds=time.monotonic() - start, load_error=load_error, output=output,
        diagnoses=diagnoses, **common,
    )


def grade_batch(
    submissions: Sequence[Submission], config: GradeConfig = DEFAULT,
    on_result: Callable[[SubmissionResult], object] | None = None, keep: Callable[[SubmissionResult], Any] | None = None,
    term: terms.Term | None = None, clock: Clock = utc_now,
) -> list[Any]:
    """Grade many submissions, `config.jobs` at a time; call on_result(result) as each finishes.

    `term` and `clock` are passed to `grade_submission` for each one.

    Returns the results in the order of `submissions`, each passed through keep(result) first when given
    (the CLI keeps only what the gradebook needs once a student's files are written: a class of
    thousands then fits in little memory).
    """
    kept: list[Any] = [None] * len(submissions)
    pool = ThreadPoolExecutor(max_workers=config.jobs)
    try:
        index = {pool.submit(grade_submission, sub, config, None, term, clock): i for i, sub in enumerate(submissions)}
        # as_completed drops each future once it is yielded; popping it here lets its result go too.
        for future in as_completed(list(index)):
            result = future.result()  # a grader bug re-raises here and stops the batch loudly
            if on_result:
                on_result(result)
            kept[index.pop(future)] = keep(result) if keep else result
    except BaseException:
        # Ctrl-C or a grader bug: stop now (only the submissions already running finish), don't grade the rest.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return kept
