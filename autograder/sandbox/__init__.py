"""Running student code away from the grader: a worker process per submission, plain data across a pipe.

`child.py` is what runs beside the student's code (it imports nothing from the grader); `worker.py` is the
grader's side: it starts the child, bounds each request in time, kills the whole process group when a
call hangs, and turns whatever happens into a `Reply`.
"""

from autograder.sandbox.worker import Reply, Worker

__all__ = ["Reply", "Worker"]
