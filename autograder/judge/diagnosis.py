"""Naming the likely mistake behind a function's failed checks, from what the student's code returned.

The checks have already called each function on many inputs and kept the returned values as plain data
(`Outcome.returned`). For every function with a failed check, each known mistake in the catalogue
(autograder/judge/misconceptions.py) is run here on the same inputs; a mistake is named when its outputs agree
with the student's on every check that returned a number and it accounts for at least one failure. An
in-place mistake is recognised from the inputs after the call. When nothing matches, the diagnosis says
which kind of input fails instead. Diagnosis only adds words: it never changes a score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from autograder import functions
from autograder.judge import explain, formulas, identity, misconceptions
from autograder.judge.compare import Floats, close, decode
from autograder.memo import ByIdentity, Key, Run
from autograder.results import Diagnosis, Formula, Mistake, Outcome
from autograder.rubric import FUNCTIONS
from autograder.tolerance import RTOL
from autograder.words import EMPTY, Words, code, prose, words

if TYPE_CHECKING:  # the types only: checks and the host are the grader's, run by grading.py
    from autograder.boundary import Reply
    from autograder.judge.checks import Case, Check

#: A function's fixed-call checks with what each one's call returned.
Observed = Sequence[tuple["Case", Outcome]]

#: Errors that are how plain Python spells a division by zero; a mistake predicting inf or nan agrees.
NONFINITE_ERRORS = ("ZeroDivisionError", "FloatingPointError")
#: How many failing checks the fallback names when no kind of input sets them apart.
MAX_LISTED = 3
ERROR = "error"  # an observation: the call raised the way a division by zero does


def describe(
    func: str,
    misconception: str | None = None,
    failing: tuple[Words, bool] = (EMPTY, False),
    recovery: formulas.Recovery | None = None,
    slips: tuple[Words, ...] = (),
    beta2: float | None = None,
    reading: explain.Reading | None = None,
    ratios: tuple[tuple[Mapping[str, float], float], ...] = (),
) -> Diagnosis:
    """One function's diagnosis as results hold it (plain data, worked out now, not while rendering): the
    catalogue entry's words for `misconception`, the recovered formula as text with what differs from
    the page, the `failing_inputs` words (and whether they only list scattered failures), the slips; the
    catalogue's explanation worked out for `beta2`; the formula read from the code (explain.text); the
    ratios of the student's values to the page's on the probes."""
    entry = misconceptions.BY_ID[misconception] if misconception else None
    mistake = (
        Mistake(entry.id, prose(entry.title), prose(entry.explanation_at(beta2)), prose(entry.hint))
        if entry is not None
        else None
    )
    formula = _formula(func, recovery) if recovery is not None else None
    named = recovery.named if recovery is not None else None
    diagnosis_id = misconception or (named.id if named is not None else None)
    said, scattered = failing
    read = explain.text(reading) if reading is not None else None
    return Diagnosis(func, diagnosis_id, misconception, mistake, formula, said, scattered, slips, read, ratios)


def _formula(func: str, recovery: formulas.Recovery) -> Formula:
    named = recovery.named
    return Formula(
        page=recovery.reference_pretty,
        named=named.pretty if named is not None else None,
        one_of=tuple(c.pretty for c in recovery.one_of),
        confirmed=recovery.confirmed,
        differences=tuple(formulas.differences(func, named)) if named is not None else (),
        changed_defaults=tuple(formulas.changed_defaults(func, named)) if named is not None else (),
    )


def _calls(checks: Iterable[Check]) -> dict[str, Case]:
    """{check id: the one fixed call it makes} of the checks whose returned values diagnosis may read."""
    return {c.id: call for c in checks if (call := c.fixed_call) is not None}


def failing_functions(outcomes: Iterable[Outcome], checks: Iterable[Check]) -> list[str]:
    """The functions with at least one failed call check, in task order (the ones worth probing)."""
    cases = _calls(checks)
    failed = {cases[o.check].func for o in outcomes if o.check in cases and not o.passed}
    return [f for f in FUNCTIONS if f in failed]


def diagnose(
    outcomes: Sequence[Outcome],
    checks: Sequence[Check],
    probes: Mapping[str, Sequence[Reply]] | None = None,
    run: Run | None = None,
    reads: Mapping[str, Sequence[Reply]] | None = None,
) -> tuple[list[Outcome], tuple[Diagnosis, ...]]:
    """(outcomes with `diagnosis` set on the failures it explains, the Diagnosis of each failing function).

    `probes` maps a function to the worker's replies on its diagnosis probes (formulas.requests), for
    the functions that failed; without them no formula is recovered. `reads` maps it to the guest's
    readings of its code (explain.requests): a reading is kept once the probes confirm it. `run`: the
    grading run, which keeps what follows from its cases alone (see _PER_CASE; default: a fresh one).
    """
    per_case = (run or Run())[_PER_CASE]
    cases = _calls(checks)
    probes = probes or {}
    reads = reads or {}
    diagnoses: list[Diagnosis] = []
    for func in FUNCTIONS:
        observed = [(cases[o.check], o) for o in outcomes if o.check in cases and cases[o.check].func == func]
        if all(o.passed for _, o in observed):
            continue
        found = _match_values(func, observed, per_case) or _match_mutation(func, observed)
        replies = probes.get(func)
        recovery = formulas.recover(func, replies) if replies else None
        if recovery and recovery.named:
            verdict = confirmed(func, recovery.named, outcomes, checks)
            # the student's own algebra saying otherwise leaves no name rather than a wrong one
            recovery = None if verdict is False else replace(recovery, confirmed=bool(verdict))
        if found is None and recovery and recovery.named:
            found = _match_probes(
                func, replies or ()
            )  # (a recovery means replies) a catalogued mistake the checks' inputs did not pin down
        reading = _reading(func, reads.get(func, ()), replies or (), outcomes, checks)
        if reading is not None and reading.signature_differs:
            # the body may well be the page's: what differs is which value reaches which parameter
            found, recovery = None, None
        failing = failing_inputs(func, observed, per_case)
        slips = contract_slips(func, observed)
        if found or failing[0] or recovery or slips or reading:
            beta2 = explained_beta2(func, observed) if found else None
            rows = tuple(explain.ratios(func, replies) or ()) if replies else ()
            diagnoses.append(
                describe(func, found.id if found else None, failing, recovery, slips, beta2, reading, rows)
            )
    named = {d.func: d.id for d in diagnoses if d.id}
    annotated = [
        replace(o, diagnosis=named[cases[o.check].func])
        if not o.passed and o.check in cases and cases[o.check].func in named
        else o
        for o in outcomes
    ]
    return annotated, tuple(diagnoses)


# -- recognising a known mistake ---------------------------------------------------------------------------


def observation(outcome: Outcome) -> Floats | str | None:
    """The student's returned value as a float64 array, ERROR for a division-by-zero error, None if unusable."""
    returned = outcome.returned
    if not isinstance(returned, dict):
        return None
    if "status" in returned:
        error = returned.get("error") or {}
        return ERROR if returned["status"] == "error" and error.get("type") in NONFINITE_ERRORS else None
    arr, problem = decode(returned.get("value"))
    return None if problem else arr


def agrees(observed: Floats | str | None, predicted: Floats, rtol: float = RTOL) -> bool | None:
    """True or False when the student's value and a prediction can be compared; None when they cannot."""
    if observed is None:
        return None
    if isinstance(observed, str):
        return not bool(np.all(np.isfinite(predicted)))
    if observed.shape != predicted.shape:
        return None
    return close(observed, predicted, rtol, equal_nan=True)


def _returned_dtype(outcome: Outcome) -> str:
    value = (outcome.returned or {}).get("value") if isinstance(outcome.returned, dict) else None
    return str(value.get("dtype", "")) if isinstance(value, dict) else ""


def _explains(
    mistake: misconceptions.Misconception,
    seen: Sequence[tuple[Case, Outcome, Floats | str | None]],
    per_case: ByIdentity[Any],
) -> bool:
    """The mistake agrees with every comparable value check and accounts for at least one failure. `seen`:
    each observed (case, outcome) with the student's value (`observation`).

    Under the grading model (#10) a value check judges values whatever the container, so a float32
    student may pass every one and fail only the contract's container checks ("float64 out"): a
    mistake that returns that dtype (`returns`) explains those failures, when its values agree there too.
    """
    explained = 0
    for case, outcome, value in seen:
        if case.expect == "container":
            if mistake.returns is None or outcome.passed or _returned_dtype(outcome) != mistake.returns:
                continue
        elif case.expect not in ("value", "same"):  # "same": lists and integers in, values still comparable
            continue
        verdict = agrees(value, _predicted(mistake, case, per_case), mistake.rtol)
        if verdict is False:
            return False
        if verdict and not outcome.passed:
            explained += 1
    return explained > 0


#: What diagnosis works out from a case alone, once per grading run rather than once per student
#: (autograder/memo.py): each mistake's prediction on it, and its kinds of input.
_PER_CASE: Key[ByIdentity[Any]] = Key("diagnosis per case", lambda: ByIdentity(kept=50_000))


def _predicted(mistake: misconceptions.Misconception, case: Case, per_case: ByIdentity[Any]) -> Floats:
    """mistake.predict on the case's inputs (once per run)."""
    predicted: Floats = per_case.get(
        ("predict", mistake.id, id(case)), (case,), lambda: mistake.predict(case.args, case.kwargs)
    )
    return predicted


def _match_values(func: str, observed: Observed, per_case: ByIdentity[Any]) -> misconceptions.Misconception | None:
    seen = [(case, outcome, observation(outcome)) for case, outcome in observed]  # decoded once, not per mistake
    for mistake in misconceptions.for_function(func):
        if mistake.mutates is None and _explains(mistake, seen, per_case):
            return mistake
    return None


def _match_probes(func: str, replies: Sequence[Reply]) -> misconceptions.Misconception | None:
    """A catalogued mistake whose outputs on the diagnosis probes are exactly the student's."""
    found = formulas.observed_values(func, replies)
    if found is None:
        return None
    values, _ = found
    for mistake in misconceptions.for_function(func):
        if mistake.mutates is not None or mistake.rtol != misconceptions.RTOL:
            continue
        length = len(values) // len(formulas.PROBES[func])
        predicted = [np.broadcast_to(mistake.predict(*p.args(func)), (length,)) for p in formulas.PROBES[func]]
        if np.all(formulas.agree(values, np.concatenate(predicted), formulas.STRICT_RTOL)):
            return mistake
    return None


def _reading(
    func: str, reads: Sequence[Reply], replies: Sequence[Reply], outcomes: Sequence[Outcome], checks: Sequence[Check]
) -> explain.Reading | None:
    """The function's code as read by the guest, confirmed on its probe replies and, where it took sympy
    symbols, by that algebra too (a reading the algebra contradicts is not confirmed)."""
    if not reads:
        return None
    reading = explain.read(func, reads, replies)
    if reading is None or not reading.confirmed:
        return reading
    candidate = explain.as_candidate(reading)
    if candidate is not None and confirmed(func, candidate, outcomes, checks) is False:
        return replace(reading, confirmed=False)
    return reading


def explained_beta2(func: str, observed: Observed) -> float | None:
    """The beta2 an explanation's numbers are worked out for: the default when a failed value check used
    it, else the first failed one's; None for a function without beta2."""
    spec = functions.BY_NAME[func]
    if "beta2" not in spec.names:
        return None
    default = float(spec.default("beta2"))
    used = [
        float(case.kwargs.get("beta2", default))
        for case, outcome in observed
        if not outcome.passed and case.expect in ("value", "same")
    ]
    return default if default in used or not used else used[0]


# -- the symbolic confirmation -----------------------------------------------------------------------------

#: A point with no special structure (no 0, 1 or repeated values) at which to compare two rational functions.
_POINT_G = (Fraction(7, 5), Fraction(-3, 4), Fraction(11, 6), Fraction(2, 9), Fraction(-5, 3), Fraction(13, 7))
_POINT_BETA = Fraction(5, 7)


def _at(poly: identity.Poly, gens: Sequence[str], point: Mapping[str, Fraction]) -> Fraction:
    total = Fraction(0)
    for mono, coeff in poly.items():
        term = coeff
        for name, power in zip(gens, mono):
            term *= point[name] ** power
        total += term
    return total


def confirmed(
    func: str, candidate: formulas.Candidate, outcomes: Sequence[Outcome], checks: Sequence[Check]
) -> bool | None:
    """Whether the student's code, run on sympy symbols by the identity checks, agrees with the candidate:
    True or False, or None when there is nothing symbolic to compare (the code took no symbols, or the
    candidate is about a function the unrolled identity does not isolate)."""
    by_id = {c.id: c for c in checks}
    calls = _calls(checks)
    for outcome in outcomes:
        check = by_id.get(outcome.check)
        values = (outcome.returned or {}).get("values") if isinstance(outcome.returned, dict) else None
        unrolled = check.unrolled if check is not None else None
        if not isinstance(values, list) or unrolled is None or unrolled.function != func:
            continue
        if not unrolled.corrected:
            return _agrees_unrolled(candidate, unrolled.gens, values, bias=None)
        update_ok = all(o.passed for o in outcomes if o.check in calls and calls[o.check].func == "update_v")
        if update_ok:  # v_t is then the page's, and what differs is bias_correct's alone
            return _agrees_unrolled(candidate, unrolled.gens, values, bias=candidate)
    return None


def _agrees_unrolled(
    candidate: formulas.Candidate, gens: Sequence[str], values: list[Any], bias: formulas.Candidate | None
) -> bool | None:
    point = {BETA_NAME: _POINT_BETA}
    point.update({name: _POINT_G[i % len(_POINT_G)] for i, name in enumerate(gens) if name != BETA_NAME})
    v = 0.0
    for t, value in enumerate(values, start=1):
        parsed = identity.parse_rational(value, gens)
        if parsed is None:
            return None
        num, den = parsed
        den_value = _at(den, gens, point)
        if den_value == 0:
            return None
        student = float(_at(num, gens, point) / den_value)
        g = float(point[f"g{t}"] if f"g{t}" in point else point["g"])
        beta2 = float(_POINT_BETA)
        if bias is None:
            v = formulas.at_point("update_v", candidate.tree, candidate.defaults, v_prev=v, g=g, beta2=beta2)
            predicted = v
        else:
            v = formulas.at_point("update_v", formulas.REFERENCE["update_v"], {}, v_prev=v, g=g, beta2=beta2)
            predicted = formulas.at_point("bias_correct", bias.tree, bias.defaults, v=v, t=t, beta2=beta2)
        if not np.all(formulas.agree(np.array(student), np.array(predicted), 1e-9)):
            return False
    return True


BETA_NAME = identity.BETA


# -- contract slips: what the code does with its inputs and its result, in plain words -------------------

_CONVERSION = (
    "only 0-dimensional arrays can be converted",
    "only size-1 arrays can be converted",
    "only length-1 arrays can be converted",
)


def contract_slips(func: str, observed: Observed) -> tuple[Words, ...]:
    """Sentences about how func treats its inputs and what it returns; none repeats a score."""
    slips: list[Words] = []
    errors = [(o.returned or {}).get("error") or {} for _, o in observed if (o.returned or {}).get("status") == "error"]
    conversions = [
        e for e in errors if e.get("type") == "TypeError" and any(c in str(e.get("message", "")) for c in _CONVERSION)
    ]
    sources = " ".join(str(e.get("source") or "") for e in conversions)
    if conversions and "math." in sources:
        slips.append(
            words(
                f"Your {func} calls a ",
                code("math"),
                " function (such as ",
                code("math.sqrt"),
                ") on an array: ",
                code("math"),
                " works on one number at a time, so every array input raises TypeError. Use the numpy version (",
                code("np.sqrt"),
                "), which works elementwise.",
            )
        )
    elif conversions and "float(" in sources:
        slips.append(
            words(
                f"Your {func} calls ",
                code("float()"),
                " on an array: ",
                code("float()"),
                " turns one number into a float, so every array input raises TypeError. Convert with ",
                code("np.asarray(x, dtype=float)"),
                " instead, which keeps the shape.",
            )
        )
    elif conversions:
        slips.append(
            prose(
                f"Your {func} turns an array into a single Python number somewhere, so every array input raises "
                "TypeError. Keep arrays as arrays (numpy functions work elementwise)."
            )
        )
    # each with the value it returned (a dict: the guest's description of it)
    values = [
        (c, value)
        for c, o in observed
        if c.expect == "value" and isinstance(value := (o.returned or {}).get("value"), dict)
    ]
    if any(value.get("kind") == "list" for _, value in values):
        slips.append(
            words(
                f"Your {func} returns a Python list; the docstring asks for a numpy array (a float for a single "
                "number). Build the result with numpy operations, or wrap it in ",
                code("np.asarray(...)"),
                ".",
            )
        )
    if any(
        value.get("kind") == "array" and value.get("shape") == [1] and np.ndim(c.args[0]) == 0 for c, value in values
    ):
        slips.append(
            words(
                f"Your {func} returns an array of shape (1,) for a single number; return a single float there (",
                code("float(x)"),
                " when the result has no dimensions, ",
                code("x.ndim == 0"),
                ").",
            )
        )
    if any(str(value.get("dtype", "")) in ("float32", "float16") for _, value in values):
        slips.append(
            prose(
                f"Your {func} returns float32 values; the docstring asks for float64 (float32 keeps only about 7 "
                "significant digits)."
            )
        )
    changed = sorted(
        {name for c, o in observed if c.expect == "unchanged" and not o.passed for name in _changed_arguments(c, o)}
    )
    for name in changed:
        slips.append(
            words(
                f"Your {func} changes the ",
                code(name),
                " array you pass in (an in-place operation such as ",
                code(f"{name} *= ..."),
                " or ",
                code("out="),
                "). Work on a copy or build a new array: the caller still needs ",
                code(name),
                ".",
            )
        )
    return tuple(slips)


def _changed_arguments(case: Case, outcome: Outcome) -> list[str]:
    after = (outcome.returned or {}).get("args_after")
    if not isinstance(after, list):
        return []
    names = functions.BY_NAME[case.func].names
    changed: list[str] = []
    for name, sent, seen in zip(names, case.args, after):
        if (
            isinstance(sent, (list, np.ndarray))
            and isinstance(seen, dict)
            and seen.get("data") != np.asarray(sent, dtype=np.float64).tolist()
        ):
            changed.append(name)
    return changed


def _match_mutation(func: str, observed: Observed) -> misconceptions.Misconception | None:
    """An in-place mistake: on every failed unchanged-inputs check, its input now holds the result."""
    failed = [(c, o) for c, o in observed if c.expect == "unchanged" and not o.passed]
    if not failed:
        return None
    for mistake in misconceptions.for_function(func):
        if mistake.mutates is None:
            continue
        index = functions.BY_NAME[func].names.index(mistake.mutates)
        if all(_holds_result(mistake, index, c, o) for c, o in failed):
            return mistake
    return None


def _holds_result(mistake: misconceptions.Misconception, index: int, case: Case, outcome: Outcome) -> bool:
    after = (outcome.returned or {}).get("args_after")
    if not isinstance(after, list) or len(after) <= index:
        return False
    arr, problem = decode(after[index])
    return problem is None and bool(agrees(arr, mistake.predict(case.args, case.kwargs)))


# -- when nothing matches: which kind of input fails ---------------------------------------------------------


def _values(x: object) -> Floats:
    return np.asarray(x, dtype=np.float64).ravel()


def _is_int(x: object) -> bool:
    if isinstance(x, bool):
        return False
    if isinstance(x, int):
        return True
    if isinstance(x, list):
        return bool(x) and all(_is_int(e) for e in x)
    return isinstance(x, np.ndarray) and x.dtype.kind in "iu"


def _shape_kinds(data: Iterable[object]) -> set[str]:
    kinds: set[str] = set()
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


def _other_than_default(func: str, bound: Mapping[str, Any]) -> set[str]:
    """Words for each parameter with a default that this call changes: "a beta2 other than 0.999"."""
    kinds: set[str] = set()
    for p in functions.BY_NAME[func].hyperparameters:
        if bound[p.name] != p.default:
            article = "an" if p.name[0] in "aeiou" else "a"
            kinds.add(f"{article} {p.name} other than {p.shown}")
    return kinds


def input_kinds(case: Case, per_case: ByIdentity[Any]) -> set[str]:
    """The kinds of input a check sends, in the words the feedback uses (no expected values)."""
    kinds: frozenset[str] = per_case.get(("kinds", id(case)), (case,), lambda: frozenset(_input_kinds(case)))
    return set(kinds)


def _input_kinds(case: Case) -> set[str]:
    function = functions.BY_NAME[case.func]
    bound = function.bind(case.args, case.kwargs)
    kinds = _shape_kinds(bound[name] for name in function.arrays) | _other_than_default(case.func, bound)
    if case.func == "update_v":
        v_prev, g = bound["v_prev"], bound["g"]
        if np.any(_values(g) < 0):
            kinds.add("a negative gradient")
        if np.any(_values(g) == 0):
            kinds.add("a zero gradient")
        if np.any(_values(v_prev) != 0):
            kinds.add("a non-zero v_prev (a step after the first)")
    elif case.func == "bias_correct":
        t = bound["t"]
        kinds.add("t = 1" if t == 1 else "t = 2" if t == 2 else "t >= 3")
    else:
        values = _values(bound["v_hat"])
        eps = function.parameter("eps")
        if np.any(values == 0):
            kinds.add("a zero v_hat")
        if np.any((values > 0) & (values < function.default("eps"))):
            kinds.add(f"a tiny v_hat (below {eps.shown})")
    return kinds


def failing_inputs(func: str, observed: Observed, per_case: ByIdentity[Any]) -> tuple[Words, bool]:
    """Which kind of input makes func's value checks fail, in words (no words when none failed or none
    passed), and whether the failures are scattered: no kind sets them apart, so the words list a few."""
    values = [(c, o) for c, o in observed if c.expect == "value"]
    # A failed "same" check (lists or integers in) says that kind of input fails; a passed one says only
    # that the student's function treats it like float64, right or wrong, so it is no evidence it works.
    same_failed = [(c, o) for c, o in observed if c.expect == "same" and not o.passed]
    failing = [input_kinds(c, per_case) for c, o in values + same_failed if not o.passed]
    passing = [input_kinds(c, per_case) for c, o in values if o.passed]
    if not failing or not passing:
        return EMPTY, False  # nothing passed (a stub, a crash): no kind of input sets the failures apart
    passes = {kind: sum(kind in kinds for kinds in passing) for kind in set().union(*failing)}
    in_every_failure = sorted(set.intersection(*failing), key=lambda kind: (passes[kind], kind))
    if in_every_failure and passes[in_every_failure[0]] == 0:
        return prose(
            f"Your {func} fails exactly on the checks with {in_every_failure[0]}, and passes every other check."
        ), False
    # A few passing checks of the same kind (a tiny negative gradient, say) need not hide the pattern.
    if in_every_failure and passes[in_every_failure[0]] <= len(failing):
        kind = in_every_failure[0]
        return prose(
            f"Every check your {func} fails has {kind}; {len(failing)} of the "
            f"{len(failing) + passes[kind]} checks with {kind} fail."
        ), False
    only_failing = sorted(kind for kind, n in passes.items() if n == 0)
    if 0 < len(only_failing) <= 2 and all(kinds & set(only_failing) for kinds in failing):
        return prose(
            f"Your {func} fails on the checks with {' or '.join(only_failing)}, and passes all the others."
        ), False
    abouts = [c.about for c, o in values + same_failed if not o.passed]
    listed = "; ".join(abouts[:MAX_LISTED]) + ("; ..." if len(abouts) > MAX_LISTED else "")
    return prose(f"Your {func} fails on inputs of several kinds: {listed}."), True
