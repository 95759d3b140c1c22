"""Naming the likely mistake behind a function's failed checks, from what the student's code returned.

The checks have already called each function on many inputs and kept the returned values as plain data
(`Outcome.returned`). For every function with a failed check, each known mistake in the catalogue
(autograder/misconceptions.py) is run here on the same inputs; a mistake is named when its outputs agree
with the student's on every check that returned a number and it accounts for at least one failure. An
in-place mistake is recognised from the inputs after the call. When nothing matches, the diagnosis says
which kind of input fails instead. Diagnosis only adds words: it never changes a score.
"""

from dataclasses import dataclass, replace

import numpy as np

from autograder import misconceptions
from autograder.checks import PARAMETERS, Case
from autograder.compare import RTOL, decode
from autograder.rubric import FUNCTIONS

#: Errors that are how plain Python spells a division by zero; a mistake predicting inf or nan agrees.
NONFINITE_ERRORS = ("ZeroDivisionError", "FloatingPointError")
#: How many failing checks the fallback names when no kind of input sets them apart.
MAX_LISTED = 3
ERROR = "error"  # an observation: the call raised the way a division by zero does


@dataclass(frozen=True)
class Diagnosis:
    """One function's diagnosis: a catalogue id, or words saying which kind of input fails."""

    func: str
    misconception: str | None = None
    failing_inputs: str = ""

    @property
    def entry(self):
        return misconceptions.BY_ID[self.misconception] if self.misconception else None


def diagnose(outcomes, checks):
    """(outcomes with `diagnosis` set on the failures it explains, the Diagnosis of each failing function)."""
    cases = {c.id: c for c in checks if isinstance(c, Case)}
    diagnoses = []
    for func in FUNCTIONS:
        observed = [(cases[o.check], o) for o in outcomes if o.check in cases and cases[o.check].func == func]
        if all(o.passed for _, o in observed):
            continue
        found = _match_values(func, observed) or _match_mutation(func, observed)
        if found:
            diagnoses.append(Diagnosis(func, found.id))
            continue
        words = failing_inputs(func, observed)
        if words:
            diagnoses.append(Diagnosis(func, failing_inputs=words))
    named = {d.func: d.misconception for d in diagnoses if d.misconception}
    annotated = [
        replace(o, diagnosis=named[cases[o.check].func])
        if not o.passed and o.check in cases and cases[o.check].func in named else o
        for o in outcomes
    ]
    return annotated, tuple(diagnoses)


# -- recognising a known mistake ---------------------------------------------------------------------------


def observation(outcome):
    """The student's returned value as a float64 array, ERROR for a division-by-zero error, None if unusable."""
    returned = outcome.returned
    if not isinstance(returned, dict):
        return None
    if "status" in returned:
        error = returned.get("error") or {}
        return ERROR if returned["status"] == "error" and error.get("type") in NONFINITE_ERRORS else None
    arr, problem = decode(returned.get("value"))
    return None if problem else arr


def agrees(observed, predicted, rtol=RTOL):
    """True or False when the student's value and a prediction can be compared; None when they cannot."""
    if observed is None:
        return None
    if isinstance(observed, str):
        return not bool(np.all(np.isfinite(predicted)))
    if observed.shape != predicted.shape:
        return None
    return bool(np.allclose(observed, predicted, rtol=rtol, atol=0.0, equal_nan=True))


def _explains(mistake, observed):
    """The mistake agrees with every comparable value check and accounts for at least one failure."""
    explained = 0
    for case, outcome in observed:
        if case.expect not in ("value", "same"):  # "same": lists and integers in, values still comparable
            continue
        verdict = agrees(observation(outcome), mistake.predict(case.args, case.kwargs), mistake.rtol)
        if verdict is False:
            return False
        if verdict and not outcome.passed:
            explained += 1
    return explained > 0


def _match_values(func, observed):
    for mistake in misconceptions.for_function(func):
        if mistake.mutates is None and _explains(mistake, observed):
            return mistake
    return None


def _match_mutation(func, observed):
    """An in-place mistake: on every failed unchanged-inputs check, its input now holds the result."""
    failed = [(c, o) for c, o in observed if c.expect == "unchanged" and not o.passed]
    if not failed:
        return None
    for mistake in misconceptions.for_function(func):
        if mistake.mutates is None:
            continue
        index = PARAMETERS[func].index(mistake.mutates)
        if all(_holds_result(mistake, index, c, o) for c, o in failed):
            return mistake
    return None


def _holds_result(mistake, index, case, outcome):
    after = (outcome.returned or {}).get("args_after")
    if not isinstance(after, list) or len(after) <= index:
        return False
    arr, problem = decode(after[index])
    return problem is None and bool(agrees(arr, mistake.predict(case.args, case.kwargs)))


# -- when nothing matches: which kind of input fails ---------------------------------------------------------


def _values(x):
    return np.asarray(x, dtype=np.float64).ravel()


def _is_int(x):
    if isinstance(x, bool):
        return False
    if isinstance(x, int):
        return True
    if isinstance(x, list):
        return bool(x) and all(_is_int(e) for e in x)
    return isinstance(x, np.ndarray) and x.dtype.kind in "iu"


def _shape_kinds(data):
    kinds = set()
    for x in data:
        if isinstance(x, list):
            kinds.add("Python lists")
        if _is_int(x):
            kinds.add("integer inputs")
        if isinstance(x, np.ndarray) and x.ndim >= 2:
            kinds.add("2-d arrays")
        if isinstance(x, np.ndarray) and x.ndim == 0:
            kinds.add("0-d arrays")
    return kinds


def input_kinds(case):
    """The kinds of input a check sends, in the words the feedback uses (no expected values)."""
    args, kwargs = case.args, case.kwargs
    if case.func == "update_v":
        v_prev, g = args[0], args[1]
        kinds = _shape_kinds((v_prev, g))
        if np.any(_values(g) < 0):
            kinds.add("a negative gradient")
        if np.any(_values(g) == 0):
            kinds.add("a zero gradient")
        if np.any(_values(v_prev) != 0):
            kinds.add("a non-zero v_prev (a step after the first)")
        if kwargs.get("beta2", 0.999) != 0.999:
            kinds.add("a beta2 other than 0.999")
        return kinds
    if case.func == "bias_correct":
        v, t = args[0], args[1]
        kinds = _shape_kinds((v,))
        kinds.add("t = 1" if t == 1 else "t = 2" if t == 2 else "t >= 3")
        if kwargs.get("beta2", 0.999) != 0.999:
            kinds.add("a beta2 other than 0.999")
        return kinds
    v_hat = args[0]
    kinds = _shape_kinds((v_hat,))
    values = _values(v_hat)
    if np.any(values == 0):
        kinds.add("a zero v_hat")
    if np.any((values > 0) & (values < 1e-8)):
        kinds.add("a tiny v_hat (below 1e-8)")
    if kwargs.get("alpha", 0.001) != 0.001:
        kinds.add("an alpha other than 0.001")
    if kwargs.get("eps", 1e-8) != 1e-8:
        kinds.add("an eps other than 1e-8")
    return kinds


def failing_inputs(func, observed):
    """Which kind of input makes func's value checks fail, in words; "" when none failed or none passed."""
    values = [(c, o) for c, o in observed if c.expect == "value"]
    failing = [input_kinds(c) for c, o in values if not o.passed]
    passing = [input_kinds(c) for c, o in values if o.passed]
    if not failing or not passing:
        return ""  # nothing passed (a stub, a crash): no kind of input sets the failures apart
    passes = {kind: sum(kind in kinds for kinds in passing) for kind in set().union(*failing)}
    in_every_failure = sorted(set.intersection(*failing), key=lambda kind: (passes[kind], kind))
    if in_every_failure and passes[in_every_failure[0]] == 0:
        return f"Your {func} fails exactly on the checks with {in_every_failure[0]}, and passes every other check."
    # A few passing checks of the same kind (a tiny negative gradient, say) need not hide the pattern.
    if in_every_failure and passes[in_every_failure[0]] <= len(failing):
        kind = in_every_failure[0]
        return (
            f"Every check your {func} fails has {kind}; {len(failing)} of the "
            f"{len(failing) + passes[kind]} checks with {kind} fail."
        )
    only_failing = sorted(kind for kind, n in passes.items() if n == 0)
    if 0 < len(only_failing) <= 2 and all(kinds & set(only_failing) for kinds in failing):
        return f"Your {func} fails on the checks with {' or '.join(only_failing)}, and passes all the others."
    abouts = [c.about for c, o in values if not o.passed]
    listed = "; ".join(abouts[:MAX_LISTED]) + ("; ..." if len(abouts) > MAX_LISTED else "")
    return f"Your {func} fails on inputs of several kinds: {listed}."
