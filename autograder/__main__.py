"""`python -m autograder` is the same as the `adam-hw` command."""

from autograder.cli import run

run()
