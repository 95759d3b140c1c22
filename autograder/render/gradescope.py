"""results.json in Gradescope's format: one test per rubric item, carrying what feedback.md carries.

Gradescope's settings (its autograder specification, "Controlling test case visibility"):
- an item with a public check is `visible`; an item whose checks are all hidden is `after_due_date`, so
  students see their public results at once and the hidden ones once the (late) due date has passed;
- while any test is not yet visible Gradescope hides the total score from students, so the top-level
  output, which is always visible, summarises only the visible items and never the total;
- every output is Markdown (`output_format: "md"`): a failed item holds its check messages, then, for its
  function, the notebook cell error that left it undefined and the likely mistake with its hint (on every
  failed item of that function, since a student may see only some of them before the due date);
- the top-level output holds the load error, if any, and what the student's code printed, in a code fence
  it cannot break out of (it is their own output, shown at once, as in feedback.md);
- `stdout_visibility: hidden`: run_autograder's own stdout is for the instructor (it names the isolation).
"""

from autograder.render.feedback import fence, function_notes, item_text, load_text
from autograder.rubric import TASKS_BY_ID

VISIBLE, AFTER_DUE_DATE = "visible", "after_due_date"


def visibility(item_result):
    return AFTER_DUE_DATE if item_result.hidden else VISIBLE


def test_output(result, item_result):
    """An item's feedback: its checks, then what is known about why its function fails."""
    parts = [item_text(item_result)]
    if not item_result.passed and not result.load_error:
        parts += function_notes(result, item_result.item.task)
    return "\n\n".join(parts)


def test_entry(result, item_result):
    item = item_result.item
    return {
        "name": f"{item.number} {item.task}: {item.title}",
        "number": item.number,
        "score": item_result.score,
        "max_score": item.points,
        "status": "passed" if item_result.passed else "failed",
        "output": test_output(result, item_result),
        "output_format": "md",
        "visibility": visibility(item_result),
        "tags": [item.task, TASKS_BY_ID[item.task].title],
    }


def visible_summary(tests):
    """The summary a student may see at once: the visible items only (never the total, which would give
    away the hidden items' results before the due date)."""
    shown = [t for t in tests if t["visibility"] == VISIBLE]
    later = len(tests) - len(shown)
    if not shown:
        head = "Every item's result shows after the due date."
    else:
        got, out_of = sum(t["score"] for t in shown), sum(t["max_score"] for t in shown)
        failed = [t["number"] for t in shown if t["status"] != "passed"]
        head = f"Items shown now: {got:g} / {out_of:g} points." + (
            f" To revisit: {', '.join(failed)}." if failed else " Every one passed."
        )
    if later:
        head += f" {later} more item(s), checked with hidden cases, show after the due date."
    return head


def top_output(result, tests):
    parts = [visible_summary(tests)]
    if result.load_error:
        parts.append(load_text(result))
    if result.output.strip():
        bar = fence(result.output)
        parts.append(f"**What your code printed:**\n\n{bar}\n{result.output.rstrip()}\n{bar}")
    return "\n\n".join(parts)


def render(result):
    tests = [test_entry(result, r) for r in result.items]
    return {
        "score": result.score,
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
            "misconceptions": result.misconceptions,
            "undefined": result.undefined,
            **result.extra,
        },
        "tests": tests,
    }
