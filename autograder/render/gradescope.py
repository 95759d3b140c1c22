"""results.json in Gradescope's format: one test per check group of each rubric item, carrying what
feedback.md carries.

Gradescope's settings (its autograder specification, "Controlling test case visibility"):
- a group with a public check is `visible`; a group whose checks are all hidden is `after_due_date`, so
  students see their public results at once and the hidden ones once the (late) due date has passed;
- while any test is not yet visible Gradescope hides the total score from students, so the top-level
  output, which is always visible, summarises only the visible tests and never the total;
- every output is Markdown (`output_format: "md"`): a failed group holds its check messages, then, for its
  function, the notebook cell error that left it undefined and the likely mistake with its hint (on every
  failed group of that function, since a student may see only some of them before the due date); the
  formula the code behaves like once per function, under its first failed visible group (else first failed);
- the top-level output starts as feedback.md does, with one line per function saying what to fix (worded
  from the visible groups: a function failing hidden checks only "passes its public checks"), then the
  summary, the load error, if any, and what the student's code printed, in a code fence it cannot break
  out of (it is their own output, shown at once, as in feedback.md); a group's failed checks are collapsed
  in `<details>`, identical problems merged into one line with a count;
- `stdout_visibility: hidden`: run_autograder's own stdout is for the instructor (it names the isolation).
"""

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypedDict

from autograder.render import beyond, first_screen
from autograder.render.feedback import function_notes, group_text, load_text
from autograder.render.text import md_block
from autograder.results import GroupResult, SubmissionResult
from autograder.rubric import TASKS_BY_ID

Visibility = Literal["visible", "after_due_date"]
VISIBLE: Visibility = "visible"
AFTER_DUE_DATE: Visibility = "after_due_date"


class GradescopeTest(TypedDict):
    """One entry of results.json's `tests`: one check group."""

    name: str
    number: str
    score: int
    max_score: int
    status: Literal["passed", "failed"]
    output: str
    output_format: Literal["md"]
    visibility: Visibility
    tags: list[str]


class Results(TypedDict):
    """results.json as Gradescope reads it."""

    score: int
    execution_time: float
    output: str
    output_format: Literal["md"]
    test_output_format: Literal["md"]
    visibility: Visibility
    stdout_visibility: Literal["hidden"]
    extra_data: dict[str, object]
    tests: list[GradescopeTest]


def visibility(group: GroupResult) -> Visibility:
    return AFTER_DUE_DATE if group.hidden else VISIBLE


def test_output(result: SubmissionResult, group: GroupResult, with_formula: bool = True) -> str:
    """A group's feedback: its checks, then what is known about why its function fails."""
    parts = [group_text(group)]
    if not group.passed and not result.load_error:
        parts += function_notes(result, group.item.task, with_formula)
    return "\n\n".join(parts)


def formula_groups(groups: Sequence[GroupResult]) -> set[int]:
    """The one failed group per function that says which formula the code behaves like: its first failed
    visible group (seen at once), else its first failed group. The likely mistake and hint go under every
    failed group, since a student may see only some before the due date; the formula once is enough."""
    chosen: dict[str, int] = {}
    failed = [(i, g) for i, g in enumerate(groups) if not g.passed]
    for i, group in sorted(failed, key=lambda pair: pair[1].hidden):  # stable: visible first, in rubric order
        chosen.setdefault(group.item.task, i)
    return set(chosen.values())


def test_entry(result: SubmissionResult, group: GroupResult, with_formula: bool = True) -> GradescopeTest:
    item = group.item
    return {
        "name": f"{group.number} {item.task}: {item.title}: {group.spec.title}",
        "number": group.number,
        "score": group.score,
        "max_score": group.points,
        "status": "passed" if group.passed else "failed",
        "output": test_output(result, group, with_formula),
        "output_format": "md",
        "visibility": visibility(group),
        "tags": [item.task, TASKS_BY_ID[item.task].title, item.id],
    }


def visible_summary(tests: Sequence[GradescopeTest]) -> str:
    """The summary a student may see at once: the visible tests only (never the total, which would give
    away the hidden tests' results before the due date)."""
    shown = [t for t in tests if t["visibility"] == VISIBLE]
    later = len(tests) - len(shown)
    if not shown:
        head = "Every test's result shows after the due date."
    else:
        got, out_of = sum(t["score"] for t in shown), sum(t["max_score"] for t in shown)
        failed = [t["number"] for t in shown if t["status"] != "passed"]
        head = f"Tests shown now: {got:g} / {out_of:g} points." + (
            f" To revisit: {', '.join(failed)}." if failed else " Every one passed."
        )
    if later:
        head += f" {later} more test(s), checked with hidden cases, show after the due date."
    return head


def top_output(result: SubmissionResult, tests: Sequence[GradescopeTest]) -> str:
    """In feedback.md's order: what to fix, one line per function (from what the student may see now),
    then the summary of the tests (Gradescope lists them below), the load error and what the code printed."""
    screen = "\n".join(first_screen.lines(result, visible_only=True))
    parts = [screen] if screen else []
    parts.append(visible_summary(tests))
    if result.load_error:
        parts.append(load_text(result))
    if result.output.strip():
        parts.append(f"**What your code printed:**\n\n{md_block(result.output)}")
    return "\n\n".join(parts)


def render(result: SubmissionResult) -> Results:
    groups = [g for r in result.items for g in r.groups]  # `groups` builds new objects: list them once
    first = formula_groups(groups)
    tests = [test_entry(result, g, i in first) for i, g in enumerate(groups)]
    tests += beyond.tests(result)  # type: ignore[arg-type]  # part 5's, shaped as GradescopeTest
    return {
        "score": beyond.score(result),
        "execution_time": round(result.seconds, 3),
        "output": top_output(result, tests),
        "output_format": "md",
        "test_output_format": "md",
        "visibility": VISIBLE,
        "stdout_visibility": "hidden",
        "extra_data": {
            "student": result.student,
            "sha256": result.sha256,
            "graded_at": result.graded_at,
            "isolation": result.isolation,
            "load_error": result.load_error,
            "failed_checks": [o.check for r in result.items for o in r.failures],
            # Contract slips apart from the maths, each with what it judged ("same": lists/integers in,
            # "container": float64 out, "unchanged": inputs left alone), for feedback that words them.
            "contract_failures": [
                {"check": o.check, "item": o.item, "group": o.group, "kind": o.kind} for o in result.contract_failures
            ],
            "misconceptions": result.misconceptions,
            "undefined": result.undefined,
            **beyond.extra(result),
            **result.extra,
        },
        "tests": tests,
    }


def text(result: SubmissionResult, extra: Mapping[str, object] | None = None) -> str:
    """results.json's text: one line per field and per test, so it stays readable, while json's C encoder
    writes each line (with `indent`, json falls back to its pure-Python encoder: a good part of the grader's
    own time per student). `extra` joins `extra_data` (the gradebook's signed record, autograder/outdir.py)."""
    results = render(result)
    if extra:
        results["extra_data"] = {**results["extra_data"], **extra}
    return layout(results)


def layout(results: Mapping[str, Any]) -> str:
    """The text of a results.json given as JSON data, laid out as `text` lays it out (so results.json read
    back and laid out again is the same text)."""
    lines: list[str] = []
    for key, value in results.items():
        if key == "tests" and results["tests"]:
            body = ",\n".join("    " + json.dumps(test) for test in results["tests"])
            lines.append(f'  "tests": [\n{body}\n  ]')
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"
