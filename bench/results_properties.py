"""What `results.once` buys: rendering results with their computed properties as `once`, as
functools.cached_property and as a plain property.

    .venv/bin/python bench/results_properties.py [--count 400] [--rounds 7]

Grades the correct, wrong and uncatalogued corpora once (a few seconds per submission), then times
rendering COUNT results in rotation, as outdir.write_submission renders each student (feedback.md,
results.json and the gradebook row; no disk, no signing). Each round rebuilds the results first (outside
the timing), so every property is worked out afresh, as in a grading run, and times every variant in
turn, so the machine's load falls on all of them alike. Variants:
  - `once`: results.py as it is, `once` on every computed property of GroupResult, ItemResult and
    SubmissionResult;
  - `cached_property`: functools.cached_property on the same (Python 3.11's takes a lock on each first read);
  - `property`: a plain property on all of them, worked out on every read.
Prints each variant's best and median milliseconds. A benchmark, not a test: nothing is asserted.
"""

import argparse
import dataclasses
import functools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import results  # noqa: E402  (after the path, so a checkout runs without an install)
from autograder.discover import discover  # noqa: E402
from autograder.grading import grade_batch  # noqa: E402
from autograder.render import feedback, gradescope  # noqa: E402
from autograder.results import GradebookRow, GroupResult, ItemResult, SubmissionResult  # noqa: E402

CORPORA = ("correct", "wrong", "uncatalogued")
#: The computed properties a variant makes all alike: every one that reads only the result's own fields and
#: returns an immutable value (`misconceptions` returns a list, and `max_score` a constant: both stay).
COMPUTED = {
    GroupResult: ("spec", "points", "number", "passed", "score", "hidden", "failures"),
    ItemResult: ("groups", "passed", "score", "hidden", "failures"),
    SubmissionResult: ("score", "contract_failures"),
}


def func_of(attr: object) -> Callable[[Any], Any]:
    assert isinstance(attr, results.once), f"{attr!r}: results.py keeps its computed properties with `once`"
    return attr.func


ORIGINAL = {cls: {name: vars(cls)[name] for name in names} for cls, names in COMPUTED.items()}


def use(variant: str) -> None:
    """Put `variant`'s descriptors on the result classes (`once`: back as results.py has them)."""
    for cls, attrs in ORIGINAL.items():
        for name, attr in attrs.items():
            func = func_of(attr)
            if variant == "once":
                new: object = attr
            elif variant == "cached_property":
                new = functools.cached_property(func)
            else:
                new = property(func)
            if hasattr(new, "__set_name__"):
                new.__set_name__(cls, name)
            setattr(cls, name, new)


def fresh(result: SubmissionResult) -> SubmissionResult:
    """The same result, rebuilt, with none of its properties worked out yet."""
    items = tuple(ItemResult(i.item, i.outcomes, i.void) for i in result.items)
    return dataclasses.replace(result, items=items)


def render(batch: list[SubmissionResult]) -> int:
    size = 0
    for result in batch:
        size += len(feedback.render(result)) + len(gradescope.text(result))
        size += GradebookRow.of(result, "", "").score
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=400, help="results rendered per timing (default 400)")
    parser.add_argument("--rounds", type=int, default=7, help="timings of each variant (default 7)")
    args = parser.parse_args()
    graded = grade_batch(discover([ROOT / "tests" / "submissions" / c for c in CORPORA]))
    print(f"graded {len(graded)} submissions; rendering {args.count} per timing, {args.rounds} rounds")
    variants = ("once", "cached_property", "property")
    times: dict[str, list[float]] = {v: [] for v in variants}
    for _ in range(args.rounds):
        for variant in variants:
            use(variant)
            batch = [fresh(graded[i % len(graded)]) for i in range(args.count)]
            start = time.perf_counter()
            render(batch)
            times[variant].append((time.perf_counter() - start) * 1000)
    use("once")
    for variant in variants:
        ms = times[variant]
        print(f"{variant:>16}: best {min(ms):6.0f} ms, median {statistics.median(ms):6.0f} ms")


if __name__ == "__main__":
    main()
