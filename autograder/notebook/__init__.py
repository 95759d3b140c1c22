"""The assignment as a Jupyter notebook: reading notebook submissions (`cells`), building the nbgrader
source notebook from solutions/ (`build`), and running stock nbgrader on it (`nbgrader`, `course`).

Only `cells` is used at grading time; the rest is the instructor's and imports nbgrader lazily.
"""
