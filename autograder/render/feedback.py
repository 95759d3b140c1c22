"""feedback.md: what a student reads. Per rubric item: pass or fail, points, and what went wrong.

Never prints the expected value of a hidden check: the messages come from `Outcome.message`, which the
checks write without it. Student text is text: what the submission controls (its file name, what it
printed, its load error) goes through autograder.render.text here, and so does every message and
diagnosis (`words.Words`, whose student and code spans `markdown` escapes).
"""

from pathlib import Path

from autograder.render import beyond, first_screen, reading
from autograder.render.text import at_line, markdown, md, md_block, md_code
from autograder.results import (
    CellError,
    Diagnosis,
    GroupResult,
    ItemResult,
    SubmissionResult,
    by_grader,
    student_exception,
)
from autograder.rubric import TASKS_BY_ID
from autograder.tolerance import TOLERANCE_WORDS

MAX_MESSAGES = 4


def load_text(result: SubmissionResult) -> str:
    """Why nothing could be graded. The error's type, message and source line are the student's (or hold
    their file's name): each is escaped, never trusted as Markdown. Only a load error the grader stamped as
    its own is said in the grader's voice (bold); any other is what the student's file raised."""
    error = result.load_error
    if not error:
        return ""
    message = md(error.get("message", ""))
    if by_grader(error):
        return f"**{message}**"
    kind = student_exception(error)
    line = error.get("line") if isinstance(error.get("line"), int) and not isinstance(error.get("line"), bool) else None
    if kind == "SyntaxError":
        where = f" on line {line}" if line else ""
        source = f"\n\n{md_block(error['source'])}" if error.get("source") else ""
        return f"**Your file could not be read: a SyntaxError{where}** ({message}).{source}\n\nFix it and every task can be graded."
    where = at_line(line, error.get("source"))
    return (
        f"**Your file raised {md(kind)} while it was being loaded{where}:** {message}\n\nNothing in it could be graded."
    )


def item_text(item_result: ItemResult) -> str:
    """The feedback for one rubric item: one line when it passed, else each check group's points and the
    first few problems of the groups that failed."""
    item = item_result.item
    if item_result.passed:
        return f"Passed: {item.description}"
    lines = [f"This item checks: {item.description}", ""]
    if item_result.void:
        lines += [f"**No points here: {item_result.void}.** Its checks are listed for your information.", ""]
    for group in item_result.groups:
        mark = "passed" if group.passed else "failed"
        lines.append(f"- {group.number} {group.spec.title}: {group.score} / {group.points}, {mark}")
        lines += [f"  - {message}" for message in first_screen.merged(group.failures, MAX_MESSAGES)]
    return "\n".join(lines)


def group_text(group: GroupResult) -> str:
    """The feedback for one check group (Gradescope shows one test per group)."""
    if group.passed:
        return f"Passed: {group.spec.title}."
    lines = [f"This group checks: {group.spec.title}."]
    if group.void:
        lines.append(f"No points here: {group.void}.")
    failures = [f"- {message}" for message in first_screen.merged(group.failures, MAX_MESSAGES)]
    if failures:
        count = len(group.failures)
        lines += ["", f"<details><summary>{count} check(s) failed</summary>", "", *failures, "", "</details>"]
    return "\n".join(lines)


#: Where on the page each function's formula is, for a generated hint.
_PAGE_HINT = {
    "update_v": "Look again at the formula in Part B of the page: v_t = β₂·v_{t−1} + (1 − β₂)·g_t².",
    "bias_correct": "Look again at the definition of v̂_t on the page: v_t / (1 − β₂ᵗ), with t counted from 1.",
    "effective_step": 'Look again at the "Effective step" line in Part B of the page: α / (√v̂_t + ε).',
}


def formula_text(found: Diagnosis) -> str:
    """ "Your f behaves like ...; the page has ...": the recovered formula beside the page's, or ""."""
    formula = found.formula
    if formula is None:
        return ""
    if formula.named:
        algebra = " (Your code also ran on algebraic symbols, and the algebra agrees.)" if formula.confirmed else ""
        return f"Your {found.func} behaves like **{formula.named}**; the page has **{formula.page}**.{algebra}"
    if formula.one_of:
        shown = "; ".join(formula.one_of[:3]) + ("; ..." if len(formula.one_of) > 3 else "")
        return (
            f"Your {found.func} behaves like one of these, which the grader's inputs cannot tell apart: "
            f"{shown}. The page has {formula.page}."
        )
    return ""


def _generated_explanation(found: Diagnosis) -> str:
    """What differs from the page, for a recovered formula the catalogue does not know."""
    formula = found.formula
    if formula is None or not formula.named:  # called only for a named formula
        return ""
    parts = [f"where the page has {page}, yours has {theirs}" for page, theirs in formula.differences]
    parts += [
        f"your default {name} is {new:g} where the page's is {old:g}" for name, old, new in formula.changed_defaults
    ]
    text = "What differs: " + "; ".join(parts) + "." if parts else ""
    # "fails on inputs of several kinds" adds nothing beside the formula; a kind of input that fails does
    where = markdown(found.failing_inputs) if not found.scattered else ""
    return (text + (" " + where if where else "")).strip()


def diagnosis_text(found: Diagnosis, with_formula: bool = True) -> str:
    """A diagnosis in a student's words: the formula the code behaves like, the likely mistake with its
    hint (from the catalogue, or generated for a formula nobody catalogued), contract slips, or which
    kind of input fails. `with_formula=False` leaves out the "behaves like" sentence (results.json gives
    it once per function, not under every failed test)."""
    mistake = found.mistake
    formula = formula_text(found) if with_formula else ""
    failing = markdown(found.failing_inputs)
    slips = "\n".join(f"- {markdown(slip)}" for slip in found.slips)
    read = reading.reading_texts(found, named=bool(mistake or (found.formula and found.formula.named)))
    if (
        read
        and (found.reading and (found.reading.signature_differs or found.reading.confirmed))
        and not (mistake or (found.formula and found.formula.named))
    ):
        body = ""  # the reading names it (reading.reading_texts), or the signature explains every failure
    elif mistake is not None:
        body = f"**Likely mistake: {markdown(mistake.title)}.** " + (formula + " " if formula else "")
        body += markdown(mistake.explanation) + f"\n\nHint: {markdown(mistake.hint)}"
    elif found.formula is not None and found.formula.named:
        said = " ".join(part for part in (formula, _generated_explanation(found)) if part)
        body = f"**Likely mistake:** {said}\n\nHint: {_PAGE_HINT[found.func]}"
    elif formula:
        body = f"**No single mistake matches.** {formula} {failing}".rstrip()
    elif failing and not (found.slips and found.scattered):
        shown = reading.outputs_text(found.func, found.ratios)
        body = f"**What your outputs show:** {failing}" + (f" {shown}" if shown else "")
    else:
        shown = reading.outputs_text(found.func, found.ratios)
        body = f"**What your outputs show:** {shown}" if shown and not read else ""
    return "\n\n".join(part for part in (body, *read, slips) if part)


def undefined_text(func: str, info: CellError) -> str:
    """Why a notebook has no `func`: the cell it is written in raised, hung or crashed."""
    where = f" on line {info['line']}" if info.get("line") else ""
    # The error's type and message come from the student's process: escaped, never trusted as Markdown.
    message = f" ({md(info['message'])})" if info.get("message") else ""
    return (
        f"**{func} was never defined:** cell {info['cell']}, where you wrote it, stopped with "
        f"{md(info['type'])}{where}{message}, so none of its checks could run. Fix that cell and {func} can be graded."
    )


def function_notes(result: SubmissionResult, func: str, with_formula: bool = True) -> list[str]:
    """What the feedback says about one failing function beyond its checks: the notebook cell error that
    left it undefined, and the likely mistake with its hint (or which kind of input fails); the formula
    the code behaves like only `with_formula`."""
    notes = []
    if func in result.undefined:
        notes.append(undefined_text(func, result.undefined[func]))
    found = result.diagnosis_for(func)
    text = diagnosis_text(found, with_formula) if found else ""
    if text:
        notes.append(text)
    return notes


def details(result: SubmissionResult) -> list[str]:
    """Per task with a failed item: what is known about the function (not collapsed), then each failed
    item's checks, collapsed. A function not written yet has nothing to add to its first-screen line, nor
    an identity item whose functions are all unwritten."""
    unwritten = {f for f in TASKS_BY_ID if f != "identity" and first_screen.unwritten(result, f)}
    lines: list[str] = []
    for task in TASKS_BY_ID.values():
        failed = [
            r
            for r in result.items
            if r.item.task == task.id
            and not r.passed
            and not (set(r.item.depends) | {task.id}) <= unwritten | {"identity"}
        ]
        if task.id in unwritten or not failed:
            continue
        lines += ["", f"## {task.number} {task.id}"]
        for note in function_notes(result, task.id) if task.id != "identity" else []:
            lines += ["", note]
        for r in failed:
            summary = f"{r.item.number} {r.item.title} ({r.score} / {r.item.points}): what failed"
            lines += ["", f"<details><summary>{summary}</summary>", "", item_text(r), "", "</details>"]
    return lines


def render(result: SubmissionResult) -> str:
    short_sha = f"{result.sha256[:4]}…{result.sha256[-2:]}"
    lines = [
        "# Second moment (page 10): your results",
        "",
        f"**Score: {result.score:g} / {result.max_score}** · graded {result.graded_at} · "
        f"submission {md_code(Path(result.path).name)} (sha256 {short_sha})",
        "",
    ]
    if result.load_error:
        lines += [load_text(result), ""]
    lines += first_screen.lines(result)
    lines += ["", "| task | item | points | result |", "|---|---|---|---|"]
    for r in result.items:
        task = TASKS_BY_ID[r.item.task]
        status = "passed" if r.passed else "**failed**"
        lines.append(f"| {task.number} {task.id} | {r.item.title} | {r.score} / {r.item.points} | {status} |")
    if not result.load_error:
        lines += details(result)
    lines += beyond.section(result)  # part 5, when the term turns it on; nothing otherwise
    if result.output.strip():
        lines += ["", "## What your code printed", "", md_block(result.output)]
    if str(result.path).endswith(".ipynb"):
        run_checks = (
            "Public checks you can run yourself: the test cells under each task in your notebook "
            "(Kernel > Restart & Run All)."
        )
    else:
        run_checks = "Public checks you can run yourself: `pytest` in your assignment folder."
    lines += [
        "",
        "---",
        f"{run_checks} Hidden checks are summarised above without their expected values. What counts as "
        f"equal: {TOLERANCE_WORDS}.",
        "",
    ]
    return "\n".join(lines)
