"""results.json in Gradescope's format: one test per check group of each rubric item.

Groups with a public check are `visible`; groups whose checks are all hidden show `after_due_date`, so
students see their public results at once and the hidden ones once the due date has passed.
"""

from autograder.render.feedback import diagnosis_text, group_text, summary_text
from autograder.rubric import TASKS_BY_ID


def test_entry(group, diagnosis=""):
    item = group.item
    return {
        "name": f"{group.number} {item.task}: {item.title}: {group.spec.title}",
        "number": group.number,
        "score": group.score,
        "max_score": group.points,
        "status": "passed" if group.passed else "failed",
        "output": group_text(group) + (f"\n\n{diagnosis}" if diagnosis else ""),
        "output_format": "md",
        "visibility": "after_due_date" if group.hidden else "visible",
        "tags": [item.task, TASKS_BY_ID[item.task].title, item.id],
    }


def _tests(result):
    """One entry per check group; a function's diagnosis goes under its first failed group, as in feedback.md."""
    tests, explained = [], set()
    for r in result.items:
        for group in r.groups:
            found = None if group.passed or result.load_error else result.diagnosis_for(r.item.task)
            text = ""
            if found and r.item.task not in explained:
                explained.add(r.item.task)
                text = diagnosis_text(found)
            tests.append(test_entry(group, text))
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
