"""The students' stubs: each solution region of a source replaced by a line that raises NotImplementedError
naming its task. A leaf of release/: the core's release (release/__init__) and part 5's (release/beyond.py)
both strip their sources with it, and it imports neither.
"""

import re
from collections.abc import Callable

from autograder.rubric import TASKS_BY_ID

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def stub_line(task_id: str) -> str:
    """The line that stands where a solution was: it names the task, like every other mention of it."""
    if task_id not in TASKS_BY_ID:  # a solution region in a helper: its stub would name no task
        raise ValueError(f"a solution region in function {task_id!r}, which is not a task ({', '.join(TASKS_BY_ID)})")
    number = TASKS_BY_ID[task_id].number
    return f'raise NotImplementedError("{task_id}: not implemented yet (task {number}); write it here")'


def strip_solutions(source: str, stub: Callable[[str], str] = stub_line) -> str:
    """Replace each solution region with a stub that raises NotImplementedError naming its task (`stub` of
    the function's name: the core's tasks by default; the optional part names its own)."""
    out: list[str] = []
    function: str | None = None
    inside = False
    for line in source.splitlines():
        match = re.match(r"def (\w+)\(", line)
        if match:
            function = match.group(1)
        stripped = line.strip()
        if stripped == BEGIN:
            if inside or function is None:
                raise ValueError(f"unexpected {BEGIN!r} (in function {function!r})")
            indent = line[: len(line) - len(line.lstrip())]
            out += [f"{indent}# YOUR CODE HERE", f"{indent}{stub(function)}"]
            inside = True
        elif stripped == END:
            if not inside:
                raise ValueError(f"{END!r} without {BEGIN!r} in function {function!r}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{BEGIN!r} in function {function!r} is never closed")
    return "\n".join(out) + "\n"
