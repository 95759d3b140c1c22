"""The catalogue of known mistakes: one id per mistake, threaded through diagnosis, feedback and results.json.

Each entry is a wrong implementation of one function, written out here and run in the grader's own
process on the very inputs the checks sent, so the diagnosis (autograder/judge/diagnosis.py) can compare a
student's outputs with what each mistake would have produced. Research notes with the inputs that expose
each mistake: shared/research/misconceptions.md. An entry that changes its input in place (`mutates`)
computes the right values; it is recognised by the inputs after the call instead.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from autograder import functions
from autograder.rubric import FUNCTIONS
from autograder.tolerance import RTOL

#: float32 keeps about 7 digits; a few float32 operations stay well within this of the float32 result.
FLOAT32_RTOL = 1e-4
#: Where float32 code with np.float32(beta2) is off at the page's step 1 (v_1 = 0.1): float32's 1 - 0.999
#: cancels three digits. Measured against the exact oracle in tests/test_statements.py.
FLOAT32_STEP1_ERROR, FLOAT32_STEP1_DIGIT = 1.29e-5, 5
#: Adam's first-moment beta1 (not a parameter of these functions): a known mistake borrows it for the second.
BETA1 = 0.9


@dataclass(frozen=True)
class Misconception:
    """One known mistake in one function.

    `wrong(*args, **kwargs)` returns what the mistake computes (float64 array, non-finite where it
    divides by zero); `mutates` names the parameter an in-place mistake writes its result into; `rtol` is
    how closely a student's outputs must agree with the prediction (looser for float32, whose rounding
    depends on where exactly a student converts); `returns` is the dtype the mistake returns when it is not
    float64, so a failed contract check ("float64 out") is explained by it even where the values pass.
    """

    id: str
    func: str
    title: str
    explanation: str
    hint: str
    wrong: Callable[..., npt.ArrayLike]  # called with the function's own parameters
    mutates: str | None = None
    rtol: float = RTOL
    returns: str | None = None
    #: The explanation's last sentence for the beta2 the student's failing checks used, where a number in
    #: it depends on beta2 (a factor of 1000 holds at 0.999 only).
    at_beta2: Callable[[float], str] | None = None

    def __post_init__(self) -> None:
        if self.func not in FUNCTIONS or not self.id.startswith(self.func + "."):
            raise ValueError(
                f"misconception {self.id!r}: its id must start with one of {FUNCTIONS}, got func {self.func!r}"
            )

    def explanation_at(self, beta2: float | None) -> str:
        """The explanation, with its beta2-dependent sentence worked out for `beta2` (default: the page's)."""
        if self.at_beta2 is None:
            return self.explanation
        return self.explanation + " " + self.at_beta2(PAGE_BETA2 if beta2 is None else beta2)

    def predict(self, args: Sequence[object], kwargs: Mapping[str, object]) -> npt.NDArray[np.float64]:
        """What this mistake returns on these inputs, as a float64 array."""
        with np.errstate(all="ignore"):
            return np.asarray(self.wrong(*args, **kwargs), dtype=np.float64)


def _f(x: npt.ArrayLike, dtype: npt.DTypeLike = np.float64) -> npt.NDArray[Any]:
    return np.asarray(x, dtype=dtype)


# -- update_v ------------------------------------------------------------------------------------------
# Each mistake takes its function's parameters and defaults (autograder/functions.py); one that hard-codes
# a constant writes the page's default, as a student who hard-codes it does.
PAGE_BETA2 = functions.UPDATE_V.default("beta2")


def _update_v(v_prev: npt.ArrayLike, g: npt.ArrayLike, beta2: float = PAGE_BETA2) -> npt.NDArray[np.float64]:
    return beta2 * _f(v_prev) + (1 - beta2) * _f(g) ** 2


def _int_truncation(v_prev: npt.ArrayLike, g: npt.ArrayLike, beta2: float = PAGE_BETA2) -> npt.NDArray[np.float64]:
    out = _update_v(v_prev, g, beta2)
    # np.zeros_like(np.asarray(v_prev)) keeps an integer dtype; assigning floats into it truncates.
    return np.trunc(out) if np.asarray(v_prev).dtype.kind in "iub" else out


def _update_v_float32(
    v_prev: npt.ArrayLike, g: npt.ArrayLike, beta2: float = PAGE_BETA2
) -> npt.NDArray[np.floating[Any]]:  # float32, as the mistake computes it
    b = np.float32(beta2)
    return b * _f(v_prev, np.float32) + (np.float32(1) - b) * _f(g, np.float32) ** 2


_SQUARE_HINT = "Look again at the formula in Part B of the page: v_t = beta2 * v_{t-1} + (1 - beta2) * g_t^2."

UPDATE_V = (
    Misconception(
        "update_v.abs_gradient",
        "update_v",
        "|g| instead of g squared",
        "You averaged the size of the gradient, |g|, rather than its square: that estimates E|g|, the first "
        "absolute moment, not the second moment E[g^2] (AdaMax is different again: u_t = max(beta2 * u_{t-1}, "
        "|g_t|), the infinity norm). A gradient of 10 should add 100 (times 1 - beta2), not 10.",
        'The page\'s box "Why squared gradients? Why not just |g_t|?" explains the choice. ' + _SQUARE_HINT,
        lambda v_prev, g, beta2=PAGE_BETA2: beta2 * _f(v_prev) + (1 - beta2) * np.abs(_f(g)),
    ),
    Misconception(
        "update_v.no_square",
        "update_v",
        "the gradient is not squared",
        "You averaged g itself, not g^2, so a negative gradient pulls v down instead of up: a gradient of -3 "
        "lowers v as much as 3 raises it, and v stops measuring how large the gradient has been. Negative "
        "gradients can even make v negative, and the square root in the step is then not defined.",
        'Squaring "makes everything positive" (Part B of the page). ' + _SQUARE_HINT,
        lambda v_prev, g, beta2=PAGE_BETA2: beta2 * _f(v_prev) + (1 - beta2) * _f(g),
    ),
    Misconception(
        "update_v.square_after_average",
        "update_v",
        "squared the average instead of averaging the squares",
        "You squared the whole running average, (beta2 * v + (1 - beta2) * g)^2, instead of squaring only "
        "the new gradient. The square belongs to g_t alone.",
        _SQUARE_HINT + " Check where your parentheses close.",
        lambda v_prev, g, beta2=PAGE_BETA2: (beta2 * _f(v_prev) + (1 - beta2) * _f(g)) ** 2,
    ),
    Misconception(
        "update_v.beta1",
        "update_v",
        "beta1 = 0.9 used for the second moment",
        "You used 0.9, the first moment's beta1, in update_v. The second moment has its own, much longer "
        "memory: beta2, given to your function as an argument (0.999 by default).",
        'The page\'s definition of beta_2 ("Very long memory (averages ~1000 steps)"); use the beta2 argument.',
        lambda v_prev, g, beta2=PAGE_BETA2: BETA1 * _f(v_prev) + (1 - BETA1) * _f(g) ** 2,
    ),
    Misconception(
        "update_v.weights_swapped",
        "update_v",
        "the two weights are swapped",
        "You gave the old average the weight 1 - beta2 and the new squared gradient the weight beta2, so v "
        "forgets its past almost at once. The long memory comes from beta2 multiplying v_{t-1}.",
        _SQUARE_HINT + " Which term does beta2 multiply?",
        lambda v_prev, g, beta2=PAGE_BETA2: (1 - beta2) * _f(v_prev) + beta2 * _f(g) ** 2,
    ),
    Misconception(
        "update_v.amsgrad_max",
        "update_v",
        "AMSGrad's running maximum kept in v",
        "You kept the larger of the old and new v (AMSGrad's maximum). Adam's v is a plain running average: "
        "after a zero gradient it must shrink, by the factor beta2.",
        _SQUARE_HINT + " There is no max in Adam's second moment.",
        lambda v_prev, g, beta2=PAGE_BETA2: np.maximum(_f(v_prev), _update_v(v_prev, g, beta2)),
    ),
    Misconception(
        "update_v.ignores_beta2",
        "update_v",
        "beta2 hard-coded as 0.999",
        "You wrote 0.999 where the beta2 argument belongs, so a caller who passes another beta2 gets the "
        "page's 0.999 anyway.",
        "Use the parameter beta2 everywhere the formula in Part B says beta_2; 0.999 is only its default.",
        lambda v_prev, g, beta2=PAGE_BETA2: _update_v(v_prev, g, PAGE_BETA2),
    ),
    Misconception(
        "update_v.int_truncation",
        "update_v",
        "integer inputs truncated",
        "Your result takes its type from v_prev (np.zeros_like or an in-place update of an integer array), "
        "so when v_prev holds integers the answer is cut down to whole numbers, mostly 0.",
        "The docstring asks for float64 results: convert with np.asarray(v_prev, dtype=float) before computing.",
        _int_truncation,
    ),
    Misconception(
        "update_v.in_place",
        "update_v",
        "the caller's v_prev changed in place",
        "You updated v_prev in place (v_prev *= beta2, or np.asarray without a copy), so the array the "
        "caller passed in now holds v_t. In a training loop that silently corrupts the optimiser's state.",
        'The docstring says "Do not change v_prev or g": build a new array (beta2 * v_prev + ...) or copy first.',
        _update_v,
        mutates="v_prev",
    ),
    Misconception(
        "update_v.float32",
        "update_v",
        "computed in float32",
        "You computed in float32, which keeps about 7 significant digits. Where 1 - beta2 is worked out in "
        f"float32 (np.float32(1) - np.float32(0.999)), the subtraction cancels three of them: v is off in the "
        f"{FLOAT32_STEP1_DIGIT}th significant digit from step 1 ({FLOAT32_STEP1_ERROR:.1e} relative), beyond the "
        "1e-6 tolerance. Where it is not, the values pass, and a float32 result fails only the float64 part "
        "of the contract item.",
        "The docstring asks for float64: np.asarray(x, dtype=np.float64), and no np.float32 anywhere.",
        _update_v_float32,
        rtol=FLOAT32_RTOL,
        returns="float32",
    ),
)

# -- bias_correct --------------------------------------------------------------------------------------


_BIAS_BETA2 = functions.BIAS_CORRECT.default("beta2")
_CORRECTION_HINT = "Look again at the definition of v̂_t on the page: v_t / (1 - beta_2^t), with t counted from 1."

BIAS_CORRECT = (
    Misconception(
        "bias_correct.no_correction",
        "bias_correct",
        "no bias correction (RMSProp)",
        "You returned v unchanged. Because v starts at 0, the early averages are far too small (v_1 is only "
        "0.1% of g^2); dividing by 1 - beta2^t is what undoes that.",
        _CORRECTION_HINT,
        lambda v, t, beta2=_BIAS_BETA2: _f(v) * 1.0,
    ),
    Misconception(
        "bias_correct.one_minus_beta_pow_t",
        "bias_correct",
        "(1 - beta2)^t instead of 1 - beta2^t",
        "You divided by (1 - beta2)^t: the power is on the wrong thing. At t = 1 the two agree, which is why "
        "the first step looked right.",
        _CORRECTION_HINT + " The power t belongs to beta_2 alone.",
        lambda v, t, beta2=_BIAS_BETA2: _f(v) / (1 - beta2) ** t,
        at_beta2=lambda b: (
            f"At t = 2 yours is (1 - beta2^2) / (1 - beta2)^2 = (1 + beta2) / (1 - beta2) = {(1 + b) / (1 - b):.4g} "
            f"times too big for beta2 = {b:g}."
        ),
    ),
    Misconception(
        "bias_correct.missing_pow_t",
        "bias_correct",
        "the power t is missing",
        "You divided by 1 - beta2 at every step, forgetting the power t. That is right only at t = 1; later the "
        "correction 1 / (1 - beta2^t) should fade towards 1.",
        _CORRECTION_HINT,
        lambda v, t, beta2=_BIAS_BETA2: _f(v) / (1 - beta2),
        at_beta2=lambda b: f"Yours stays at 1 / (1 - beta2) = {1 / (1 - b):.4g} (for beta2 = {b:g}) at every t.",
    ),
    Misconception(
        "bias_correct.t_from_zero",
        "bias_correct",
        "t counted from 0",
        "You used beta2^(t - 1), as if the first step were t = 0. At the first step that divides by zero.",
        _CORRECTION_HINT + " The first update is t = 1, and bias_correct receives that t as it is.",
        lambda v, t, beta2=_BIAS_BETA2: _f(v) / (1 - beta2 ** (t - 1)),
    ),
    Misconception(
        "bias_correct.t_plus_one",
        "bias_correct",
        "t counted one too far (t + 1)",
        "You used beta2^(t + 1): the t you receive already counts from 1, so adding one over-counts and "
        "under-corrects (v̂_1 comes out near half of g^2).",
        _CORRECTION_HINT + " Use the t you are given, unchanged.",
        lambda v, t, beta2=_BIAS_BETA2: _f(v) / (1 - beta2 ** (t + 1)),
    ),
    Misconception(
        "bias_correct.multiplies",
        "bias_correct",
        "multiplied by the correction instead of dividing",
        "You multiplied v by 1 - beta2^t. That shrinks v further instead of scaling it back up: the "
        "correction is a division.",
        _CORRECTION_HINT,
        lambda v, t, beta2=_BIAS_BETA2: _f(v) * (1 - beta2**t),
    ),
    Misconception(
        "bias_correct.beta1",
        "bias_correct",
        "beta1 = 0.9 in the correction",
        "You corrected with 0.9^t, the first moment's correction. v was averaged with beta2, so it must be "
        "corrected with beta2^t.",
        _CORRECTION_HINT + " Use the beta2 argument.",
        lambda v, t, beta2=_BIAS_BETA2: _f(v) / (1 - BETA1**t),
    ),
    Misconception(
        "bias_correct.twice",
        "bias_correct",
        "the correction applied twice",
        "You divided by 1 - beta2^t twice (or by its square). One division exactly undoes the start-up bias; "
        "a second one blows v̂ up again.",
        _CORRECTION_HINT + " Divide once.",
        lambda v, t, beta2=_BIAS_BETA2: _f(v) / (1 - beta2**t) ** 2,
        at_beta2=lambda b: (
            f"At t = 1 with beta2 = {b:g} that is another factor of 1 / (1 - beta2) = {1 / (1 - b):.4g}."
        ),
    ),
    Misconception(
        "bias_correct.sqrt_correction",
        "bias_correct",
        "divided by the square root of the correction",
        "You divided by sqrt(1 - beta2^t). The square root belongs in effective_step, applied to v̂; the "
        "correction itself is 1 - beta2^t with no root.",
        _CORRECTION_HINT,
        lambda v, t, beta2=_BIAS_BETA2: _f(v) / np.sqrt(1 - beta2**t),
    ),
    Misconception(
        "bias_correct.ignores_beta2",
        "bias_correct",
        "beta2 hard-coded as 0.999",
        "You wrote 0.999 where the beta2 argument belongs, so v averaged with another beta2 is corrected "
        "with the wrong factor.",
        "Use the parameter beta2 in 1 - beta_2^t; 0.999 is only its default.",
        lambda v, t, beta2=_BIAS_BETA2: _f(v) / (1 - _BIAS_BETA2**t),
    ),
    Misconception(
        "bias_correct.float32",
        "bias_correct",
        "computed in float32",
        "You computed in float32, which keeps about 7 significant digits; 1 - beta2^t worked out in float32 "
        f"cancels most of them (at t = 1 with beta2 = 0.999, three: v̂ is off in the {FLOAT32_STEP1_DIGIT}th "
        "significant digit), so the rounding shows in v̂.",
        "The docstring asks for float64: np.asarray(v, dtype=np.float64), and no np.float32 anywhere.",
        lambda v, t, beta2=_BIAS_BETA2: _f(v, np.float32) / (np.float32(1) - np.float32(beta2) ** np.float32(t)),
        rtol=FLOAT32_RTOL,
        returns="float32",
    ),
)

# -- effective_step ------------------------------------------------------------------------------------

PAGE_ALPHA, PAGE_EPS = functions.EFFECTIVE_STEP.default("alpha"), functions.EFFECTIVE_STEP.default("eps")
_STEP_HINT = 'Look again at the "Effective step" line in Part B of the page: alpha / (sqrt(v̂_t) + epsilon).'

EFFECTIVE_STEP = (
    Misconception(
        "effective_step.eps_inside_sqrt",
        "effective_step",
        "epsilon inside the square root",
        "You computed alpha / sqrt(v̂ + eps). The page adds eps after the square root. With eps = 1e-8 the two "
        "agree whenever v̂ is large, which is why the page's values passed; they part ways when v̂ is tiny "
        "(at v̂ = 0 yours is 10,000 times too small), exactly the parameters Adam is meant to boost.",
        _STEP_HINT + " Check where the parentheses close.",
        lambda v_hat, alpha=PAGE_ALPHA, eps=PAGE_EPS: alpha / np.sqrt(_f(v_hat) + eps),
    ),
    Misconception(
        "effective_step.missing_sqrt",
        "effective_step",
        "the square root is missing",
        "You divided by v̂ itself rather than its square root. v̂ is on the scale of g^2, so the root brings it "
        "back to the scale of g; without it the gap between large and small gradients is squared.",
        _STEP_HINT,
        lambda v_hat, alpha=PAGE_ALPHA, eps=PAGE_EPS: alpha / (_f(v_hat) + eps),
    ),
    Misconception(
        "effective_step.eps_after_division",
        "effective_step",
        "epsilon added after the division",
        "You computed alpha / sqrt(v̂) + eps: eps ends up outside the fraction, so at v̂ = 0 you divide by zero. "
        "eps belongs in the denominator, next to sqrt(v̂).",
        _STEP_HINT + " The parentheses go around sqrt(v̂_t) + epsilon.",
        lambda v_hat, alpha=PAGE_ALPHA, eps=PAGE_EPS: alpha / np.sqrt(_f(v_hat)) + eps,
    ),
    Misconception(
        "effective_step.multiplies",
        "effective_step",
        "multiplied instead of divided",
        "You multiplied alpha by sqrt(v̂) + eps. Then a large v̂ gives a large step, the opposite of what Adam "
        'is for: "Big v_t → big denominator → small step".',
        _STEP_HINT,
        lambda v_hat, alpha=PAGE_ALPHA, eps=PAGE_EPS: alpha * (np.sqrt(_f(v_hat)) + eps),
    ),
    Misconception(
        "effective_step.ignores_alpha_eps",
        "effective_step",
        "alpha and eps hard-coded",
        "You wrote 0.001 and 1e-8 where the alpha and eps arguments belong, so a caller's own learning rate "
        "and eps are ignored.",
        "Use the parameters alpha and eps in the formula; 0.001 and 1e-8 are only their defaults.",
        lambda v_hat, alpha=PAGE_ALPHA, eps=PAGE_EPS: PAGE_ALPHA / (np.sqrt(_f(v_hat)) + PAGE_EPS),
    ),
    Misconception(
        "effective_step.float32",
        "effective_step",
        "computed in float32",
        "You computed in float32, which keeps only about 7 significant digits, and eps = 1e-8 is below "
        "float32's resolution next to most square roots.",
        "The docstring asks for float64: np.asarray(v_hat, dtype=np.float64), and no np.float32 anywhere.",
        lambda v_hat, alpha=PAGE_ALPHA, eps=PAGE_EPS: (
            np.float32(alpha) / (np.sqrt(_f(v_hat, np.float32)) + np.float32(eps))
        ),
        rtol=FLOAT32_RTOL,
        returns="float32",
    ),
)

CATALOGUE = UPDATE_V + BIAS_CORRECT + EFFECTIVE_STEP
BY_ID = {m.id: m for m in CATALOGUE}


def for_function(func: str) -> tuple[Misconception, ...]:
    """The catalogue's entries for one function, in catalogue order (the order ties are broken in)."""
    return tuple(m for m in CATALOGUE if m.func == func)


def _validate() -> None:
    ids = [m.id for m in CATALOGUE]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate misconception ids: {duplicates}")


_validate()
