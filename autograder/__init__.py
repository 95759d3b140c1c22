"""The grader for the second-moment assignment (MATH 3850, page 10).

The plain API lives in `autograder.grading` (grade_submission, grade_batch); the command line in
`autograder.cli` is a thin layer over it. Student code never runs in this process: see `autograder.sandbox`.
"""

import os

# The grader's numpy works on a handful of numbers at a time: a BLAS thread pool would only spin beside
# the sandboxes for the CPU they need (set before numpy loads; a value already set is kept).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
