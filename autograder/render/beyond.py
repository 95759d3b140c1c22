"""Part 5 in feedback.md and results.json: its own section and tests, its points apart from the core's.

feedback.md gains a section after the core's table: part 5's score out of its own maximum (and how it counts),
one row per item, each failed group's checks, the named mistake with its hint, a note where the student's own
update_v, bias_correct or effective_step made a part function fail (follow-through: not charged here), and
the written answer quoted as text for the person who reads it. results.json gains one test per group
(`beyond` tag) and `extra_data.beyond`; its `score` is the core's (task) or the core's plus part 5's, capped
at the core's maximum (bonus), so no LMS is sent more than its maximum.
"""

from autograder.beyond.rubric import MAX_SCORE as BEYOND_MAX
from autograder.beyond.rubric import TASK, WRITTEN_PROMPT
from autograder.render.text import markdown, md, md_block
from autograder.results import BeyondResult, GroupResult, SubmissionResult


def counts_words(part: BeyondResult) -> str:
    if part.counts == "bonus":
        return "a bonus on the core score (the total never goes above its maximum)"
    return "a task of its own, apart from the core score"


def _named(part: BeyondResult) -> dict[str, tuple[str, str]]:
    """{failed check id: (the named mistake, its hint)}."""
    return {check: (name, hint) for check, _, name, hint in part.diagnoses}


def section(result: SubmissionResult) -> list[str]:
    """feedback.md's lines for part 5 ([] when the term has it off)."""
    part = result.beyond
    if part is None:
        return []
    lines = [
        "",
        f"## Part 5 (optional): beyond the page: {part.score} / {part.max_score}",
        "",
        f"These points count as {counts_words(part)}.",
        "",
        "| item | points | result |",
        "|---|---|---|",
    ]
    for r in part.items:
        status = "passed" if r.passed else "**failed**"
        lines.append(f"| {r.item.number} {r.item.title} | {r.score} / {r.item.points} | {status} |")
    named = _named(part)
    for r in part.items:
        for group in r.groups:
            if group.passed:
                continue
            lines += ["", f"### {group.number} {r.item.title}: {group.spec.title} (0 / {group.points})", ""]
            lines += [f"- {markdown(o.message)}" for o in group.failures]
            for o in group.failures:
                if o.check in named:
                    name, hint = named[o.check]
                    lines += ["", f"**Likely mistake: {name}.** {hint}"]
    notes = [markdown(o.message) for r in part.items for o in r.outcomes if o.passed and o.kind == "own_core_differs"]
    if notes:
        lines += ["", "Follow-through (not charged here):", "", *[f"- {n}" for n in notes[:3]]]
    lines += ["", "### 5.7 In your own words (read by a person, not auto-graded)", "", f"*{WRITTEN_PROMPT}*", ""]
    if part.answer is None:
        lines.append("Your notebook's answer cell is graded by hand in nbgrader.")
    elif part.answer.strip():
        lines.append(md_block(part.answer))
    else:
        lines.append(f"`BEYOND_ANSWER` is empty: {md('nothing to read yet')}.")
    return lines


def item_text(part: BeyondResult, item_id: str) -> str:
    """One part 5 item's feedback, as the hidden suite prints it: a line when it passed, else each failed
    group's problems and the mistake they are named as."""
    r = next(r for r in part.items if r.item.id == item_id)
    if r.passed:
        return f"Passed: {r.item.description}"
    named = _named(part)
    lines = [f"This item checks: {r.item.description}"]
    for group in r.groups:
        if not group.passed:
            lines += ["", f"{group.number} {group.spec.title} (0 / {group.points}):"]
            lines += [f"- {markdown(o.message)}" for o in group.failures]
            lines += [
                f"Likely mistake: {named[o.check][0]}. {named[o.check][1]}" for o in group.failures if o.check in named
            ]
    return "\n".join(lines)


def score(result: SubmissionResult) -> int:
    """results.json's score: the core's, plus part 5's as a bonus, never above the core's maximum."""
    part = result.beyond
    if part is None or part.counts != "bonus":
        return result.score
    return min(result.max_score, result.score + part.score)


def group_output(group: GroupResult) -> str:
    if group.passed:
        return f"Passed: {group.spec.title}."
    return "\n".join(
        [f"This group checks: {group.spec.title}.", "", *[f"- {markdown(o.message)}" for o in group.failures]]
    )


def tests(result: SubmissionResult) -> list[dict[str, object]]:
    """results.json's tests for part 5: one per check group, tagged `beyond`."""
    part = result.beyond
    if part is None:
        return []
    return [
        {
            "name": f"{group.number} beyond: {r.item.title}: {group.spec.title}",
            "number": group.number,
            "score": group.score,
            "max_score": group.points,
            "status": "passed" if group.passed else "failed",
            "output": group_output(group),
            "output_format": "md",
            "visibility": "after_due_date" if group.hidden else "visible",
            "tags": [TASK.id, TASK.title, r.item.id],
        }
        for r in part.items
        for group in r.groups
    ]


def extra(result: SubmissionResult) -> dict[str, object]:
    part = result.beyond
    if part is None:
        return {}
    return {
        "beyond": {
            "score": part.score,
            "max_score": BEYOND_MAX,
            "counts": part.counts,
            "items": part.scores_by_item(),
            "written": part.written,
            "misconceptions": [mistake for _, mistake, _, _ in part.diagnoses],
        }
    }
