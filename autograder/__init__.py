"""The grader for the second-moment assignment (MATH 3850, page 10).

The plain API lives in `autograder.grading` (grade_submission, grade_batch); the command line in
`autograder.cli` is a thin layer over it. Student code never runs in this process: see `autograder.sandbox`.
"""

__version__ = "0.1.0"
