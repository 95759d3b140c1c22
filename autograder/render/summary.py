"""The table that closes a grading run on the terminal, and the progress line while it runs."""

from collections import Counter
from collections.abc import Collection, Sequence
from pathlib import Path

from autograder.render.text import terminal
from autograder.results import STATUSES, GradebookRow
from autograder.rubric import ITEMS

MAX_ROWS = 40


def table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def counts(rows: Sequence[GradebookRow], kept: Collection[str], seconds: float) -> str:
    """What a run's rows count, each by what it is: students by status, then the files this run graded and
    the rows it kept (a student with no file is not a file graded, and a row --resume kept was not graded now)."""
    by_status = Counter(r.status for r in rows)
    words = {
        "graded": "graded",
        "load error": "with a load error",
        "no file found": "with no file found",
        "grader error": "with a grader error",
    }
    statuses = ", ".join(f"{by_status[s]} {words[s]}" for s in STATUSES if by_status[s]) or "none"
    fresh = sum(1 for r in rows if r.student not in kept and r.status != "no file found")
    line = f"{len(rows)} students: {statuses} · this run graded {fresh} files in {seconds:.1f} s"
    held = sum(1 for r in rows if r.student in kept)
    return line + (f" and kept {held} from the earlier run" if held else "")


def render(
    results: Sequence[GradebookRow], out_dir: Path, isolation: str, seconds: float, kept: Collection[str] = ()
) -> str:
    """The closing table for this run's `results.GradebookRow`s (graded now, or kept by --resume: `kept`
    names those students)."""
    lines = []
    if len(results) <= MAX_ROWS:
        rows = [("student", "score", "failed items")]
        for r in sorted(results, key=lambda r: r.student):
            failed = ", ".join(item.id for item in ITEMS if not r.passed(item)) or "-"
            score = "grader error" if r.status == "grader error" else f"{r.score:g}/{r.max_score:g}"
            if r.status == "grader error":
                failed = "-"
            rows.append((terminal(r.student), score, failed))  # discovery made ids safe; results read back too
        lines += [table(rows), ""]
    rows = [("item", "points", "passed")]
    for item in ITEMS:
        passed = sum(1 for r in results if r.passed(item))
        rows.append((item.id, str(item.points), f"{passed}/{len(results)}"))
    lines += [table(rows), ""]
    scores = [r.score for r in results if r.status != "grader error"]  # not a grade: no 0 in the mean
    if scores:
        lines.append(
            f"{counts(results, kept, seconds)} · mean {sum(scores) / len(scores):.1f} · "
            f"min {min(scores):g} · max {max(scores):g}"
        )
    lines.append(f"isolation: {isolation}")
    lines.append(f"gradebook: {out_dir / 'grades.csv'}")
    return "\n".join(lines)


def progress(done: int, total: int, width: int = 30) -> str:
    filled = int(width * done / total) if total else width
    return f"\rgrading [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
