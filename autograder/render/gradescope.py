"""results.json in Gradescope's format: one test per rubric item.

Items with a public check are `visible`; items whose checks are all hidden show `after_due_date`, so
students see their public results at once and the hidden ones once the due date has passed.
"""

from autograder.render.feedback import diagnosis_text, item_text, summary_text
from autograder.rubric import TASKS_BY_ID


def test_entry(item_result, diagnosis=""):
    item = item_result.item
    output = item_text(item_result) + (f"\n\n{diagnosis}" if diagnosis else "")
    return {
        "name": f"{item.number} {item.task}: {item.title}",
        "number": item.number,
        "score": item_result.score,
        "max_score": item.points,
        "status": "passed" if item_result.passed else "failed",
        "output": output,
        "output_format": "md",
        "visibility": "after_due_date" if item_result.hidden else "visible",
        "tags": [item.task, TASKS_BY_ID[item.task].title],
    }


def _tests(result):
    """One entry per item; a function's diagnosis goes under its first failed item, as in feedback.md."""
    tests, explained = [], set()
    for r in result.items:
        found = None if r.passed or result.load_error else result.diagnosis_for(r.item.task)
        text = ""
        if found and r.item.task not in explained:
            explained.add(r.item.task)
            text = diagnosis_text(found)
        tests.append(test_entry(r, text))
    return tests


def render(result):
    return {
        "score": result.score,
        "execution_time": round(result.seconds, 3),
        "output": summary_text(result),
        "output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {
            "student": result.student,
            "sha256": result.sha256,
            "graded_at": result.graded_at,
            "isolation": result.isolation,
            "load_error": result.load_error,
            "failed_checks": [o.check for r in result.items for o in r.failures],
            "misconceptions": result.misconceptions,
            **result.extra,
        },
        "tests": _tests(result),
    }
