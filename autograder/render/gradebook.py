"""grades.csv: one row per submission, sorted by student; columns student, score, max_score, item ids."""

import csv
import io

from autograder.rubric import ITEMS

COLUMNS = ("student", "score", "max_score") + tuple(item.id for item in ITEMS)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """A CSV cell that a spreadsheet cannot run as a formula (OWASP's advice: prefix a quote)."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _number(x):
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def row(result):
    scores = result.scores_by_item()
    return [cell(result.student), _number(result.score), _number(result.max_score)] + [
        _number(scores[item.id]) for item in ITEMS
    ]


def render(results):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for result in sorted(results, key=lambda r: r.student):
        writer.writerow(row(result))
    return out.getvalue()
