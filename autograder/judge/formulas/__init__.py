"""Recovering the formula a student's function computes: a search over small edits to the page's formulas.

The catalogue (autograder/judge/misconceptions.py) only names mistakes someone wrote down in advance. This
package names the others by search. Each of the three formulas is an expression tree; a *candidate* is
the page's tree after at most `MAX_EDITS` edits of the kinds students make (an operator swapped, a
bracket moved, a term or factor dropped, a power changed, added or removed, a square root or |.|
inserted or removed, a constant swapped for another, an intermediate returned, a reduction over the
array, a rounding, a changed default). Every candidate is evaluated once, lazily, on fixed diagnosis
probes (`PROBES`, the same for every student and term); candidates the probes cannot tell apart form one
class, and classes the probes cannot tell from the page's formula are dropped.

`recover(func, replies)` takes what the student's function returned on the probes and names a class
only when it is the *only* class that agrees on every probe within `RTOL`; when several agree it
returns them all ("one of ..."), and when none or the page's formula agrees, nothing. This never
changes a score: it only puts words beside a failure the checks already found.

The package, by job: `trees` (the formulas as trees: evaluating and rendering them),
`probes` (the fixed inputs and every candidate evaluated on them), `edits` (the edits students make),
`space` (the candidate classes of one function, and what differs from the page), `cache` (built spaces on disk) and `match` (asking the
student's code and matching its answers).
"""

from autograder.judge.formulas.cache import CACHE_FORMAT, SpaceCache, fingerprint
from autograder.judge.formulas.match import Recovery, observed_values, recover, requests, space, warm
from autograder.judge.formulas.probes import PROBES, Probe, evaluate
from autograder.judge.formulas.space import (
    MAX_EDITS,
    RTOL,
    STRICT_RTOL,
    Candidate,
    Space,
    agree,
    build_space,
    changed_defaults,
    differences,
    informative,
)
from autograder.judge.formulas.trees import (
    REFERENCE,
    SIGNATURES,
    Defaults,
    Node,
    at_point,
    const,
    diff_parts,
    render,
    var,
)

__all__ = [
    "CACHE_FORMAT",
    "MAX_EDITS",
    "PROBES",
    "REFERENCE",
    "RTOL",
    "SIGNATURES",
    "STRICT_RTOL",
    "Candidate",
    "Defaults",
    "Node",
    "Probe",
    "Recovery",
    "Space",
    "SpaceCache",
    "agree",
    "at_point",
    "build_space",
    "changed_defaults",
    "const",
    "diff_parts",
    "differences",
    "evaluate",
    "fingerprint",
    "informative",
    "observed_values",
    "recover",
    "render",
    "requests",
    "space",
    "var",
    "warm",
]
