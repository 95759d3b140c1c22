"""Beyond the page: the optional part 5, graded like the rest when the term turns it on.

`adam-hw release --with beyond` records the part in the term manifest (autograder/term.json, key
`beyond`); a manifest without the key is a term without the part, and everything the release writes is
then byte for byte what it was before the part existed. The modules, in the order of the layers:
  spec       the part's functions, their parameters and defaults, and the bathtub quadratic: one table
  oracle     every expected value: exact (Fractions, sympy) where a formula gives it, a float64 run of the
             reference loop for the bathtub (its thresholds are worked out from that run)
  rubric     the part's items, its points (apart from the core 100) and how they count (task or bonus)
  checks     the part's kinds of check, each implementing judge.checks.Check
  cases      the fixed checks and the ones drawn for a term's seed
  diagnosis  the part's named mistakes, matched on the student's values
  release    stubs, public checks, the README's and rubric's section, from solutions/beyond.py
  run        grading the part on a submission's guest, into results.BeyondResult
"""

#: The part's name, as `--with` and the manifest spell it.
PART = "beyond"
