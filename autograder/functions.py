"""The assignment's three functions as one table: name, parameters in order, defaults, the page's worked values.

Everything in the grader that needs a function's parameter names or defaults reads them here: the checks
(which input was changed, which stays an integer), the drawn cases, the diagnosis (which input differs
from the default), the catalogue of mistakes, the formula search and the release. The defaults are the
course page's own constants (autograder/page.py), so 0.999, 0.001 and 1e-8 are typed once, there.

solutions/second_moment.py stays the one source of the reference and its docstrings; a test holds its
signatures and defaults (and the exact oracle's) to this table, so the two cannot drift apart.

Why a module of its own rather than more of page.py: page.py is the page as printed (inputs and figures,
checked against the exact values); this is the assignment's functions, which the page's example runs
through. The table reads the page, never the other way round.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from autograder import page

#: What a parameter holds: data (a number, list or array of any shape), a step count (an integer, never
#: converted to float), or a number with a default, the same for every element.
Kind = Literal["array", "count", "scalar"]


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: Kind
    default: float | None = None  # None: the caller must pass it

    @property
    def shown(self) -> str:
        """The default as the page writes it: 0.999, 0.001, 1e-8 (not Python's 1e-08)."""
        if self.default is None:
            raise ValueError(f"parameter {self.name} has no default")
        return f"{self.default:g}".replace("e-0", "e-").replace("e+0", "e+")


@dataclass(frozen=True)
class Worked:
    """One step of the page's worked example through one function: the positional inputs (at the page's
    defaults) and the figure the page prints for the result, when it prints one."""

    parameter: int  # the page's parameter 1 (big gradients) or 2 (small ones)
    t: int
    args: tuple[float, ...]
    figure: page.Figure | None


@dataclass(frozen=True)
class Function:
    """One function of the assignment: its parameters in order and the page's worked steps through it."""

    name: str
    parameters: tuple[Parameter, ...]
    returns: str  # the page's name for the result, as page.Figure.quantity spells it: "v", "v_hat" or "step"
    worked: tuple[Worked, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @property
    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self.parameters if p.default is not None}

    @property
    def arrays(self) -> tuple[str, ...]:
        """The data parameters (elementwise), in order."""
        return tuple(p.name for p in self.parameters if p.kind == "array")

    @property
    def scalars(self) -> tuple[str, ...]:
        """The parameters that are one number for every element (t and the ones with defaults), in order."""
        return tuple(p.name for p in self.parameters if p.kind != "array")

    @property
    def hyperparameters(self) -> tuple[Parameter, ...]:
        """The parameters with a default (beta2, alpha, eps), in order."""
        return tuple(p for p in self.parameters if p.default is not None)

    @property
    def signature(self) -> str:
        """The def line's call as students read it: `effective_step(v_hat, alpha=0.001, eps=1e-8)`."""
        parts = [p.name if p.default is None else f"{p.name}={p.shown}" for p in self.parameters]
        return f"{self.name}({', '.join(parts)})"

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(f"{self.name} has no parameter {name!r} (it has {', '.join(self.names)})")

    def default(self, name: str) -> float:
        value = self.parameter(name).default
        if value is None:
            raise KeyError(f"{self.name}'s parameter {name!r} has no default")
        return value

    def bind(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """{name: value} of one call, in parameter order, with the defaults filled in."""
        if len(args) > len(self.parameters):
            raise TypeError(f"{self.name} takes {len(self.parameters)} arguments, got {len(args)}")
        unknown = sorted(set(kwargs) - set(self.names))
        if unknown:
            raise TypeError(f"{self.name} has no parameter {unknown[0]!r}")
        bound = dict(zip(self.names, args))
        twice = sorted(set(bound) & set(kwargs))
        if twice:
            raise TypeError(f"{self.name} got {twice[0]!r} twice")
        bound.update(kwargs)
        missing = [p.name for p in self.parameters if p.name not in bound and p.default is None]
        if missing:
            raise TypeError(f"{self.name} is missing {missing[0]!r}")
        return {p.name: bound.get(p.name, p.default) for p in self.parameters}


def running_v(gradients: Iterable[float], beta2: float = page.BETA2, v0: float = page.V0) -> list[float]:
    """v_1..v_T from v_0 in float64, step by step, the way a correct student's loop computes them."""
    v, out = v0, []
    for g in gradients:
        v = beta2 * v + (1 - beta2) * g**2
        out.append(v)
    return out


#: The page's v_t and v̂_t for each parameter (t = 1..3, one step beyond what the page prints), in float64.
PAGE_V = {p: running_v(grads) for p, grads in page.GRADIENTS.items()}
PAGE_V_HAT = {p: [v / (1 - page.BETA2**t) for t, v in enumerate(vs, start=1)] for p, vs in PAGE_V.items()}


def _figure(quantity: str, parameter: int, t: int) -> page.Figure | None:
    return next((f for f in page.FIGURES if (f.quantity, f.parameter, f.t) == (quantity, parameter, t)), None)


def _worked(quantity: str, args_at: Any) -> tuple[Worked, ...]:
    return tuple(
        Worked(p, t, args_at(p, t), _figure(quantity, p, t))
        for p, grads in page.GRADIENTS.items()
        for t in range(1, len(grads) + 1)
    )


UPDATE_V = Function(
    "update_v",
    (Parameter("v_prev", "array"), Parameter("g", "array"), Parameter("beta2", "scalar", page.BETA2)),
    "v",
    _worked("v", lambda p, t: ((PAGE_V[p][t - 2] if t > 1 else page.V0), page.GRADIENTS[p][t - 1])),
)
BIAS_CORRECT = Function(
    "bias_correct",
    (Parameter("v", "array"), Parameter("t", "count"), Parameter("beta2", "scalar", page.BETA2)),
    "v_hat",
    _worked("v_hat", lambda p, t: (PAGE_V[p][t - 1], t)),
)
EFFECTIVE_STEP = Function(
    "effective_step",
    (Parameter("v_hat", "array"), Parameter("alpha", "scalar", page.ALPHA), Parameter("eps", "scalar", page.EPS)),
    "step",
    _worked("step", lambda p, t: (PAGE_V_HAT[p][t - 1],)),
)

#: The three functions in task order.
TABLE = (UPDATE_V, BIAS_CORRECT, EFFECTIVE_STEP)
BY_NAME = {f.name: f for f in TABLE}
NAMES = tuple(f.name for f in TABLE)
