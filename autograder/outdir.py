"""Writing a grading run's folder: DIR/grades.csv and DIR/<student>/{results.json,feedback.md}.

Every file is written to a temporary name beside it and renamed into place, so an interrupted run never
leaves half a file.
"""

import json
import os
import tempfile
from pathlib import Path

from autograder.render import feedback, gradebook, gradescope


def atomic_write(path, text):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
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
