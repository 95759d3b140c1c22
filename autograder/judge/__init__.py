"""Judging: what a submission's replies are worth, in the grader's process, against the exact oracle.

- `checks`: the `Check` protocol every kind of check implements, and the `Case` kind (one call on fixed
  inputs);
- `identity`: the identity checks (the closed form, a constant gradient), symbolic with float probes;
- `compare`: judging one returned value against the expected one; never raises on hostile data;
- `misconceptions`: the catalogue of known mistakes with their hints;
- `diagnosis`: naming the likely mistake from a submission's failed outcomes;
- `formulas`: recovering the formula a failing function computes, from its replies on fixed probes.

Judging reads the assignment's data (functions, oracle, rubric) and the replies the sandbox brought back
(`autograder.boundary`), and hands `results` plain data. It never runs student code and never imports the
sandbox's machinery or a renderer.
"""
