"""Writing a grading run's folder: DIR/grades.csv and DIR/<student>/{results.json,feedback.md}.

Every file is written to a temporary name beside it and renamed into place, so an interrupted run never
leaves half a file, and `previous_result` can trust any results.json it finds (`adam-hw grade --resume`).
"""

import json
import os
import tempfile
from pathlib import Path

from autograder.render import feedback, gradebook, gradescope
from autograder.results import ItemResult, Outcome, SubmissionResult
from autograder.rubric import ITEMS


def umask():
    """This process's umask, read without changing it (os.umask sets as it reads, which races with threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    current = os.umask(0o022)  # no /proc (not Linux): the classic read, put straight back
    os.umask(current)
    return current


def atomic_write(path, text):
    """Write text to path via a temporary file renamed into place, with the mode a plain open() would give
    (0666 less the umask): mkstemp's 0600 would keep a TA's colleagues out of the gradebook and report."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~umask())
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_submission(out_dir, result):
    folder = Path(out_dir) / result.student
    atomic_write(folder / "feedback.md", feedback.render(result))
    atomic_write(folder / "results.json", json.dumps(gradescope.render(result), indent=2) + "\n")


def write_gradebook(out_dir, results):
    atomic_write(Path(out_dir) / "grades.csv", gradebook.render(results))


def previous_result(out_dir, submission, term=None, seed=None):
    """The result an earlier run wrote for this submission, if it graded this very file (and, when given,
    with the same term and seed, so the same hidden cases); else None.

    results.json is written last and atomically, so its presence means the student's folder is complete.
    What comes back is rebuilt from it: enough for grades.csv and the summary, which is all `--resume`
    needs (feedback.md is already on disk).
    """
    path = Path(out_dir) / submission.student / "results.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    extra = data.get("extra_data", {})
    current = submission.sha256()  # the same bytes grading hashed, so a symbolic link is never followed
    if extra.get("student") != submission.student or extra.get("sha256") != current:
        return None
    if term is not None and (extra.get("term"), extra.get("seed")) != (term, seed):
        return None  # graded on another term's cases: grade again
    tests = data.get("tests", [])
    if [t.get("number") for t in tests] != [item.group_number(g.name) for item in ITEMS for g in item.groups]:
        return None  # written for another rubric: grade again
    return SubmissionResult(
        student=submission.student, path=str(submission.path), sha256=current,
        items=_bare_items([t["status"] == "passed" for t in tests]),
        graded_at=extra.get("graded_at", ""), seconds=float(data.get("execution_time", 0.0)),
        isolation=extra.get("isolation", ""), load_error=extra.get("load_error"),
    )


def _bare_items(passed):
    """Items rebuilt from one pass flag per check group (in rubric order): enough for the scores."""
    passed = iter(passed)
    return tuple(
        ItemResult(item, tuple(
            Outcome(f"{item.id}.{g.name}.kept", item.id, next(passed), False, "kept for the gradebook", "", group=g.name)
            for g in item.groups
        ))
        for item in ITEMS
    )


def slim(result):
    """What grades.csv and the run summary need of a result whose files are written: who, and which items
    passed (no messages, returned values or output)."""
    return SubmissionResult(
        student=result.student, path=result.path, sha256=result.sha256,
        items=_bare_items([g.passed for r in result.items for g in r.groups]), graded_at=result.graded_at,
        seconds=result.seconds, isolation=result.isolation, load_error=result.load_error,
    )
