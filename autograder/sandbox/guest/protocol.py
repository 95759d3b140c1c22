"""Every message between the grader and the sandbox, defined once and used by both sides.

Two conversations, each one line of JSON per message:
- the grader (`pool.SandboxProcess`) and the sandbox process (`serve.py`) over a socket: `spawn` a guest
  for one submission, `finish` it;
- the grader's side of one submission (`host.Host`) and the guest beside the student's code (`answers.py`)
  over two pipes: `load`, `call`, `unroll`, `exec_cell`, `functions`, `read`, and `text` (a module-level
  string: part 5's written answer). A `call` may ask for the page's formulas in place of the student's
  three for that one call (`core`), or for its value as a rational function of symbols (`gens`).

Like every module of the guest's folder, this one is shipped into the sandbox as source (see
`__init__.py`): it imports only the standard library and does nothing at import.
"""

import json
import math
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, NotRequired, TypedDict

#: One message: a JSON object. What each holds is written by the builders below and checked by check_*.
Message = dict[str, Any]


class GuestOp(StrEnum):
    """What the grader asks the guest."""

    LOAD = "load"  # import the submission (.py)
    CALL = "call"  # call one of the student's functions on inputs
    UNROLL = "unroll"  # run update_v (and bias_correct) over a sequence of gradients
    EXEC_CELL = "exec_cell"  # run one notebook cell in the module the cells build up
    FUNCTIONS = "functions"  # which graded functions the cells defined
    READ = "read"  # read the formula a function returns from its source (sandbox/guest/reading.py)
    TEXT = "text"  # a module-level string of the student's (the part's written answer)


class SandboxOp(StrEnum):
    """What the grader asks the sandbox process."""

    SPAWN = "spawn"  # fork a guest for one submission (its file travels as a memfd beside the request);
    # the reply carries the guest's two pipes and a read handle on its output
    FINISH = "finish"  # kill every process of the submission, remove what it left, report how the guest ended


# -- inputs: how the grader writes a value the guest turns into a Python object --------------------------


def nd(data: object, dtype: str) -> dict[str, object]:
    """A numpy array: its nested list and dtype name."""
    return {"nd": data, "dtype": dtype}


def symbol(name: str) -> dict[str, str]:
    """A real sympy symbol of that name."""
    return {"sym": name}


#: sympy's exact zero (v_0 of a symbolic unroll).
ZERO = {"zero": True}


# -- grader -> guest -----------------------------------------------------------------------------------


def load_request(path: str, functions: Iterable[str]) -> Message:
    return {"op": GuestOp.LOAD, "path": path, "functions": list(functions)}


def call_request(
    func: str,
    args: Iterable[object],
    kwargs: Mapping[str, object],
    inputs_after: bool = True,
    core: str | None = None,
    gens: Iterable[str] | None = None,
) -> Message:
    """Call func(*args, **kwargs). `inputs_after`: send back the array and list inputs as they are after the
    call (an unchanged-inputs check needs them; other checks save encoding them, and the reply has None).
    `core="reference"`: during the call, the module's update_v, bias_correct and effective_step are the
    guest's exact-formula ones (REFERENCE_CORE), so a function built on them is judged on its own logic.
    `gens`: the value comes back as a rational function of these symbols (as an unroll's does)."""
    request: Message = {
        "op": GuestOp.CALL,
        "func": func,
        "args": list(args),
        "kwargs": dict(kwargs),
        "inputs_after": inputs_after,
    }
    if core is not None:
        request["core"] = core
    if gens is not None:
        request["gens"] = list(gens)
    return request


#: The names a `core="reference"` call swaps for the page's formulas, in float64 (guest.reference_core).
REFERENCE_CORE = ("update_v", "bias_correct", "effective_step")


def text_request(name: str) -> Message:
    """The module-level string `name` of the student's module (None when there is no such string)."""
    return {"op": GuestOp.TEXT, "name": name}


def unroll_request(
    gradients: Iterable[object], beta2: object, v0: object, correct: bool, gens: Iterable[str] | None = None
) -> Message:
    request: Message = {
        "op": GuestOp.UNROLL,
        "gradients": list(gradients),
        "beta2": beta2,
        "v0": v0,
        "correct": correct,
    }
    if gens is not None:
        request["gens"] = list(gens)
    return request


def read_request(func: str, known: Iterable[tuple[int, float]] = ()) -> Message:
    """Read func's returned formula from its source, with the positional parameters in `known` fixed."""
    return {"op": GuestOp.READ, "func": func, "known": [[int(p), v] for p, v in known]}


#: What a reading's tree may hold (sandbox/guest/reading.py): its node kinds and how many children each has.
READING_NODES = {
    **dict.fromkeys(("add", "sub", "mul", "div", "floordiv", "pow", "max", "min", "xor"), 2),
    **dict.fromkeys(("sqrt", "abs", "exp", "log", "floor", "mean", "sum", "neg"), 1),
}
MAX_READING_NODES = 4000


def check_reading(reading: object) -> None:
    """A reading as the guest sends it: parameters with numeric defaults, a tree of known nodes (or None)."""
    if not isinstance(reading, dict):
        raise ProtocolError("the reading is not an object")
    _keys(reading, ("params", "tree", "why", "source"), what="the reading")
    params = reading["params"]
    if not isinstance(params, list) or len(params) > 20:
        raise ProtocolError("the reading's parameters are not a short list")
    for param in params:
        if not (isinstance(param, list) and len(param) == 2 and isinstance(param[0], str) and len(param[0]) <= 80):
            raise ProtocolError("a reading's parameter is not [name, default]")
        if param[1] is not None and not _finite(param[1]):
            raise ProtocolError("a reading's default is not a finite number")
    for key in ("why", "source"):
        if not isinstance(reading[key], str) or len(reading[key]) > 300:
            raise ProtocolError(f"the reading's {key} is not a short text")
    if reading["tree"] is not None:
        count = [0]
        _check_tree(reading["tree"], count, 0)


def _finite(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _check_tree(tree: object, count: list[int], depth: int) -> None:
    count[0] += 1
    if count[0] > MAX_READING_NODES or depth > 200 or not isinstance(tree, list) or not tree:
        raise ProtocolError("the reading's tree is not a tree of known nodes")
    kind = tree[0]
    if kind == "var" and len(tree) == 2 and isinstance(tree[1], str) and len(tree[1]) <= 80:
        return
    if kind == "const" and len(tree) == 2 and _finite(tree[1]):
        return
    if kind == "round" and len(tree) == 3 and isinstance(tree[2], int) and not isinstance(tree[2], bool):
        _check_tree(tree[1], count, depth + 1)
        return
    if isinstance(kind, str) and READING_NODES.get(kind) == len(tree) - 1:
        for child in tree[1:]:
            _check_tree(child, count, depth + 1)
        return
    raise ProtocolError("the reading's tree is not a tree of known nodes")


def exec_cell_request(cell: int, source: str) -> Message:
    return {"op": GuestOp.EXEC_CELL, "cell": cell, "source": source}


def functions_request(functions: Iterable[str]) -> Message:
    return {"op": GuestOp.FUNCTIONS, "functions": list(functions)}


# -- guest -> grader -----------------------------------------------------------------------------------

#: The guest's first line, sent once its set-up is over and before any student code runs.
READY = {"ready": True}
#: How a forked guest exits when it could not be set up because its folder's disk is full (the submission
#: cannot be copied in: a classmate filled the shared temporary folder). Any other set-up failure exits 70.
NO_ROOM_EXIT = 75


def ok_reply(**fields: object) -> Message:
    """A request answered: `functions` for load/functions, `value` and `args_after` for call, `values` for
    unroll, nothing more for exec_cell."""
    return {"ok": True, **fields}


class ErrorInfo(TypedDict):
    """A student's exception as data (`error_info`)."""

    type: str
    message: str
    line: int | None
    source: str | None
    cell: NotRequired[int | None]  # a notebook cell's number, for an exec_cell request


def error_reply(error: ErrorInfo, guest: bool = False) -> Message:
    """The student's code raised (`error` from `error_info`); `guest` marks an error while encoding the
    answer rather than in the student's function itself."""
    reply: Message = {"ok": False, "error": error}
    if guest:
        reply["worker"] = True
    return reply


def error_info(
    type_name: str,
    message: str,
    line: int | None = None,
    source: str | None = None,
    cell: int | None = None,
    with_cell: bool = False,
) -> ErrorInfo:
    """A student's exception as data: its type, message and the line of their file (or cell) it came from."""
    info: ErrorInfo = {"type": type_name, "message": message, "line": line, "source": source}
    if with_cell:
        info["cell"] = cell
    return info


# -- grader -> sandbox process and back ----------------------------------------------------------------


def spawn_request(name: str, rlimits: Mapping[str, int], preload: Iterable[str] = ()) -> Message:
    """A guest for one submission: its file name, its resource limits, and the modules the sandbox process
    imports once for every later guest (a notebook's matplotlib). The file itself is not in the request:
    it travels as a memfd beside it, which only the forked guest reads."""
    request: Message = {"op": SandboxOp.SPAWN, "name": name, "rlimits": dict(rlimits)}
    if preload:
        request["preload"] = list(preload)
    return request


def finish_request() -> Message:
    return {"op": SandboxOp.FINISH}


#: File descriptors beside a spawned reply: the guest's request pipe, its reply pipe, its output.
SPAWNED_FDS = 3


def spawned_reply(path: str, pid: int) -> Message:
    """The guest is forked (its pipes and output travel beside this line); `path` is the submission in it."""
    return {"ok": True, "path": path, "pid": pid}


def finished_reply(status: str) -> Message:
    """How the guest ended ("exit code 0", "killed by signal SIGKILL"), once nothing of it is left."""
    return {"ok": True, "status": status}


# -- the wire ------------------------------------------------------------------------------------------


def dumps(message: Mapping[str, object]) -> bytes:
    """One message as one line of bytes."""
    return (json.dumps(message) + "\n").encode()


# -- validating what the sandbox sends back ------------------------------------------------------------
# Everything below runs in the grader on bytes a student can forge (the reply pipe is theirs to write):
# it never raises for them; a reply that is not what the request calls for is a ProtocolError.

MAX_REPLY_BYTES = 16 * 1024 * 1024  # far above any real reply (values are capped at MAX_ELEMENTS numbers)
# Depth: json.loads refuses nesting past the interpreter's recursion limit (RecursionError, caught in
# parse), and check_reply then accepts only the outline below, which nests at most 36 deep (an array of
# up to 32 dimensions inside a reply): no separate walk over every reply is needed.
MAX_ELEMENTS = 10_000  # numbers in one returned value (the guest reports a larger one as "too_big")
MAX_TEXT = 2_000  # characters in any one string of a reply
MAX_FUNCTIONS = 64


_DECODER = json.JSONDecoder()


class ProtocolError(ValueError):
    """A reply that is not what its request calls for (malformed, oversized, forged): the reason in words."""


def _text(x: object, what: str, optional: bool = False) -> None:
    if x is None and optional:
        return
    if not isinstance(x, str) or len(x) > MAX_TEXT:
        raise ProtocolError(f"{what} is not a short text")


def _number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _int(x: object, what: str, optional: bool = False) -> None:
    if x is None and optional:
        return
    if not isinstance(x, int) or isinstance(x, bool) or abs(x) > 2**62:
        raise ProtocolError(f"{what} is not a whole number")


# (required, optional) -> (required as a set, every allowed key as a set)
_OUTLINES: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[frozenset[str], frozenset[str]]] = {}


def _keys(
    message: object, required: tuple[str, ...], optional: tuple[str, ...] = (), what: str = "the reply"
) -> Message:
    """`message` if it is an object with every `required` key and no key beyond `optional`."""
    if not isinstance(message, dict):
        raise ProtocolError(f"{what} is not an object")
    outline = _OUTLINES.get((required, optional))
    if outline is None:
        outline = _OUTLINES[(required, optional)] = (frozenset(required), frozenset(required) | frozenset(optional))
    keys = message.keys()
    if keys >= outline[0] and keys <= outline[1]:
        return message
    missing = set(required) - message.keys()
    extra = message.keys() - set(required) - set(optional)
    if missing or extra:
        raise ProtocolError(f"{what} has fields {sorted(message)}, not {sorted(required)}")
    return message


def _data(x: object, depth: int = 0) -> int:
    """Nested lists of numbers (a returned array's values); returns how many numbers."""
    if _number(x):
        return 1
    if not isinstance(x, list) or depth > 32:
        raise ProtocolError("an array's data is not nested lists of numbers")
    if all(type(e) is float for e in x):  # the common case: one row of float64 values
        return len(x)
    return sum(_data(e, depth + 1) for e in x)


def check_value(value: object) -> None:
    """A returned value as `guest.encode_value` describes it."""
    if not isinstance(value, dict):
        raise ProtocolError("a value is not an object")
    kind = value.get("kind")
    if kind == "scalar":
        _keys(value, ("kind", "type", "dtype", "value"), what="a number")
        if not _number(value["value"]):
            raise ProtocolError("a number's value is not a number")
    elif kind in ("list", "array"):
        _keys(value, ("kind", "type", "dtype", "shape", "data"), what="an array")
        shape = value["shape"]
        if not isinstance(shape, list) or len(shape) > 32:
            raise ProtocolError("an array's shape is not a list of sizes")
        for n in shape:
            _int(n, "an array's size")
        if _data(value["data"]) > MAX_ELEMENTS:
            raise ProtocolError("an array holds more numbers than the guest sends")
    elif kind == "other":
        _keys(value, ("kind", "type", "repr"), ("dtype", "why"), what="a value")
        _text(value.get("repr"), "a value's repr")
        _text(value.get("dtype"), "a value's dtype", optional=True)
        _text(value.get("why"), "a value's reason", optional=True)
    elif kind == "too_big":
        _keys(value, ("kind", "type", "shape"), what="a value")
        if not isinstance(value["shape"], list) or len(value["shape"]) > 32:
            raise ProtocolError("a value's shape is not a list of sizes")
        for n in value["shape"]:
            _int(n, "an array's size")
    else:
        raise ProtocolError(f"a value of unknown kind {str(kind)[:40]!r}")
    _text(value["type"], "a value's type")
    if "dtype" in value:
        _text(value["dtype"], "a value's dtype", optional=kind == "other")


def _check_terms(terms: object, width: int) -> None:
    if not isinstance(terms, list) or len(terms) > MAX_ELEMENTS:
        raise ProtocolError("a polynomial is not a list of terms")
    for term in terms:
        if not (isinstance(term, list) and len(term) == 2 and isinstance(term[0], list) and len(term[0]) == width):
            raise ProtocolError("a polynomial's term is not [powers, coefficient]")
        for power in term[0]:
            _int(power, "a power")
        _text(term[1], "a coefficient")


def check_unrolled(value: object, gens: Iterable[str] | None) -> None:
    """One step of an unroll: a value, or (on symbols) a rational function of `gens` or why it is not one."""
    if isinstance(value, dict) and value.get("kind") == "rational":
        _keys(value, ("kind", "gens", "num", "den"), what="a rational function")
        if value["gens"] != list(gens or ()):
            raise ProtocolError("a rational function is in other symbols than asked")
        _check_terms(value["num"], len(value["gens"]))
        _check_terms(value["den"], len(value["gens"]))
    elif isinstance(value, dict) and value.get("kind") == "not_polynomial":
        _keys(value, ("kind", "why"), what="a symbolic result")
        _text(value["why"], "a reason")
    else:
        check_value(value)


def check_error(error: object) -> None:
    """A student's exception as `error_info` describes it."""
    error = _keys(error, ("type", "message", "line", "source"), ("cell",), what="an error")
    _text(error["type"], "an error's type")
    _text(error["message"], "an error's message")
    _int(error["line"], "an error's line", optional=True)
    _text(error["source"], "an error's source line", optional=True)
    _int(error.get("cell"), "an error's cell", optional=True)


def _check_functions(found: object, asked: Iterable[str]) -> None:
    if not isinstance(found, dict) or len(found) > MAX_FUNCTIONS:
        raise ProtocolError("the functions found are not an object")
    if set(found) != set(asked) or not all(isinstance(v, bool) for v in found.values()):
        raise ProtocolError("the functions found are not the ones asked about, each true or false")


def parse(line: bytes | bytearray | str, what: str = "reply") -> Message:
    """One line of JSON as an object, within MAX_REPLY_BYTES and the parser's depth; ProtocolError otherwise."""
    if len(line) > MAX_REPLY_BYTES:
        raise ProtocolError(f"the {what} is larger than {MAX_REPLY_BYTES // (1024 * 1024)} MB")
    try:
        # UTF-8 only (what the guest writes), decoded here: json.loads(bytes) would first guess among
        # UTF-8, -16 and -32, a third of its time on a short reply.
        message = _DECODER.decode(line if isinstance(line, str) else line.decode("utf-8"))
    except RecursionError:  # brackets nested thousands deep
        raise ProtocolError(f"the {what} is nested too deeply") from None
    except ValueError:  # not UTF-8, not JSON
        raise ProtocolError(f"the {what} is not JSON") from None
    if not isinstance(message, dict):
        raise ProtocolError(f"the {what} is not an object")
    return message  # an object: its fields are checked by check_ready, check_reply or check_sandbox_reply


def check_ready(message: Message) -> Message:
    if message != READY:
        raise ProtocolError("the first line is not the guest's ready line")
    return message


def check_reply(request: Mapping[str, Any], reply: object) -> Message:
    """`reply` (parsed) if it is what the guest answers to `request`; ProtocolError otherwise."""
    if not isinstance(reply, dict):
        raise ProtocolError("the reply is not an object")
    if reply.get("ok") is False:
        _keys(reply, ("ok", "error"), ("worker",))
        check_error(reply["error"])
        if "worker" in reply and reply["worker"] is not True:
            raise ProtocolError("the reply's worker mark is not true")
        return reply
    if reply.get("ok") is not True:
        raise ProtocolError("the reply says neither ok nor not ok")
    op = request["op"]
    if op in (GuestOp.LOAD, GuestOp.FUNCTIONS):
        _keys(reply, ("ok", "functions"))
        _check_functions(reply["functions"], request["functions"])
    elif op == GuestOp.CALL:
        _keys(reply, ("ok", "value", "args_after"))
        if "gens" in request:
            check_unrolled(reply["value"], request["gens"])
        else:
            check_value(reply["value"])
        after = reply["args_after"]
        if not isinstance(after, list) or len(after) != len(request["args"]):
            raise ProtocolError("the inputs after the call are not one per input")
        for value in after:
            if value is not None:
                check_value(value)
    elif op == GuestOp.UNROLL:
        _keys(reply, ("ok", "values"))
        values = reply["values"]
        if not isinstance(values, list) or len(values) != len(request["gradients"]):
            raise ProtocolError("the unrolled values are not one per step")
        for value in values:
            check_unrolled(value, request.get("gens"))
    elif op == GuestOp.EXEC_CELL:
        _keys(reply, ("ok",))
    elif op == GuestOp.READ:
        _keys(reply, ("ok", "reading"))
        check_reading(reply["reading"])
    elif op == GuestOp.TEXT:
        _keys(reply, ("ok", "text"))
        _text(reply["text"], "the text", optional=True)
    else:
        raise ProtocolError(f"no reply is due to a request {str(op)[:40]!r}")
    return reply


def check_sandbox_reply(request: Mapping[str, Any], reply: Message) -> Message:
    """`reply` (parsed) if it is what the sandbox process answers to `request`; ProtocolError otherwise."""
    op = request["op"]
    if op == SandboxOp.SPAWN:
        _keys(reply, ("ok", "path", "pid"), what="the sandbox's reply")
        _text(reply["path"], "the submission's path")
        _int(reply["pid"], "the guest's pid", optional=True)
    elif op == SandboxOp.FINISH:
        _keys(reply, ("ok", "status"), what="the sandbox's reply")
        _text(reply["status"], "how the guest ended")
    if reply.get("ok") is not True:
        raise ProtocolError("the sandbox's reply is not ok")
    return reply
