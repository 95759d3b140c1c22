"""The kinds of check, as data: a `Case` calls one function on fixed inputs.

A check knows its rubric item, whether students may see it (`hidden`), a plain-words `about`, the
requests it sends to the worker and how to judge the replies. `run(call)` takes the worker's `call`
function and returns an `Outcome`; expected values stay in this process.
"""

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from autograder import oracle
from autograder.compare import judge_value, show
from autograder.results import Outcome
from autograder.sandbox import protocol

#: Parameter names, for feedback that says which input was changed.
PARAMETERS = {
    "update_v": ("v_prev", "g", "beta2"),
    "bias_correct": ("v", "t", "beta2"),
    "effective_step": ("v_hat", "alpha", "eps"),
}


def encode_input(x):
    """An input as the worker's JSON: numbers and lists as they are, numpy arrays with their dtype."""
    if isinstance(x, np.ndarray):
        return protocol.nd(x.tolist(), str(x.dtype))
    return x


def render_input(x, short=False):
    """An input as Python source; `short` rounds floats to 10 digits for reading (not for code)."""
    if isinstance(x, np.ndarray):
        kind = "" if x.dtype == np.float64 else f", dtype={x.dtype}"
        return f"np.array({render_input(x.tolist(), short)}{kind})"
    if isinstance(x, list):
        return "[" + ", ".join(render_input(e, short) for e in x) + "]"
    if short and isinstance(x, float):
        text = f"{x:.10g}"
        return text if any(c in text for c in ".en") else text + ".0"
    return repr(x)


def render_call(func, args, kwargs):
    parts = [render_input(a, True) for a in args] + [f"{k}={render_input(v, True)}" for k, v in kwargs.items()]
    return f"{func}({', '.join(parts)})"


def reply_problem(reply, func):
    """What went wrong with a reply that is not a result, in a student's words."""
    if reply.status == "error":
        error = reply.error or {}
        kind, message = error.get("type", "an error"), error.get("message", "")
        if kind == "NotImplementedError":
            return f"{func} is not implemented yet (it still raises NotImplementedError)"
        where = f" at line {error['line']} (`{error.get('source') or ''}`)" if error.get("line") else ""
        return f"raised {kind}: {message}{where}" if message else f"raised {kind}{where}"
    if reply.status == "timeout":
        return "did not finish in time and was stopped (an endless loop?)"
    if reply.status == "crashed":
        return f"ended the grading process ({reply.detail})"
    if reply.status == "skipped":
        return f"was not run: {reply.detail}"
    if reply.status == "unavailable":
        return "could not run because your file did not load (see the top of this page)"
    if reply.status == "missing":
        return f"could not run: your file has no function named {reply.detail}"
    return f"sent back something the grader cannot read ({reply.detail})"


@dataclass(frozen=True)
class Case:
    """Call `func(*args, **kwargs)` and check the result (expect="value") or that the inputs are unchanged."""

    id: str
    item: str
    func: str
    args: tuple
    about: str
    kwargs: dict = field(default_factory=dict)
    hidden: bool = True
    expect: str = "value"

    def __post_init__(self):
        if self.expect not in ("value", "unchanged"):
            raise ValueError(f"case {self.id}: expect must be 'value' or 'unchanged', got {self.expect!r}")
        if not self.id.startswith(self.item + "."):
            raise ValueError(f"case {self.id}: its id must start with its item id {self.item!r}")

    @property
    def uses(self):
        return (self.func,)

    @cached_property
    def expected(self):
        """The oracle's answer at exactly these inputs, as float64."""
        return oracle.to_float(oracle.FUNCTIONS[self.func](*self.args, **self.kwargs))

    @property
    def call_text(self):
        return render_call(self.func, self.args, self.kwargs)

    def request(self):
        return protocol.call_request(
            self.func, [encode_input(a) for a in self.args], {k: encode_input(v) for k, v in self.kwargs.items()}
        )

    def run(self, call):
        reply = call(self.request(), self.uses)
        problem = self.judge(reply)
        returned = reply.value if reply.ok else {"status": reply.status, "error": reply.error}
        return Outcome(
            self.id, self.item, problem is None, self.hidden, self.about,
            "" if problem is None else f"`{self.call_text}` ({self.about}) {problem}.", returned=returned,
        )

    def judge(self, reply):
        """None when the reply passes this case, else the problem in words (no hidden expected value)."""
        if not reply.ok:
            return reply_problem(reply, self.func)
        if self.expect == "unchanged":
            return self._changed_inputs(reply.value.get("args_after"))
        problem = judge_value(reply.value.get("value"), self.expected)
        if problem and not self.hidden:
            problem += f"; expected {show(self.expected)}"
        return problem

    def _changed_inputs(self, after):
        if not isinstance(after, list) or len(after) != len(self.args):
            return "sent back something the grader cannot read"
        names = PARAMETERS[self.func]
        for name, sent, seen in zip(names, self.args, after):
            if not isinstance(sent, (list, np.ndarray)):
                continue
            if not isinstance(seen, dict) or seen.get("shape") != list(np.shape(sent)):
                return f"changed the shape of the `{name}` you passed in"
            if seen.get("data") != np.asarray(sent, dtype=np.float64).tolist():
                return f"changed the `{name}` array you passed in (work on a copy or build a new array)"
        return None
