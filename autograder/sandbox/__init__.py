"""Running student code away from the grader: a worker process per submission, plain data across a pipe.

`child.py` is what runs beside the student's code (it imports nothing from the grader); `zygote.py` is the
sandbox process that isolates itself once and forks a fresh child per submission; `pool.py` starts and
lends those sandboxes; `worker.py` is the grader's side of one submission: it bounds each request in time,
has every process of the submission killed when a call hangs, and turns whatever happens into a `Reply`.
"""

from autograder.sandbox.worker import Reply, Worker, isolation

__all__ = ["Reply", "Worker", "isolation"]
