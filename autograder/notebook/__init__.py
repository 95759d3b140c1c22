"""The assignment as a Jupyter notebook: reading notebook submissions (`cells`), building the nbgrader
source notebook from solutions/ (`build`, with each check's test-cell lines written by `lines`), and
running stock nbgrader on it (`nbgrader`, `course`).

Only `cells` is used at grading time (and `lines`, plain text functions the check kinds import); the
rest is the instructor's and imports nbgrader lazily.
"""
