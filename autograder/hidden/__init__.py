"""The hidden checks as a pytest suite, for TAs: `pytest --pyargs autograder.hidden --submission PATH`."""
