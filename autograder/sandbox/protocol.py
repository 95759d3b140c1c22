"""Every message between the grader and the sandbox, defined once and used by both sides.

Two conversations, each one line of JSON per message:
- the grader (`pool.SandboxProcess`) and the sandbox process (`forker.py`) over a socket: `spawn` a guest
  for one submission, `peek` at its output, `finish` it;
- the grader's side of one submission (`host.Host`) and the guest beside the student's code (`guest.py`)
  over two pipes: `load`, `call`, `unroll`, `exec_cell`, `functions`.

The sandbox side runs as `python -I -S -c`, without this package: it gets this file's source the same way
it gets `guest.py`'s and `forker.py`'s (see `pool.BOOT`), so this module imports only the standard library
and does nothing at import.
"""

import json
from enum import StrEnum

#: The name this module has inside the sandbox, where the package is not importable.
SANDBOX_NAME = "adam_hw_protocol"


class GuestOp(StrEnum):
    """What the grader asks the guest."""

    LOAD = "load"  # import the submission (.py)
    CALL = "call"  # call one of the student's functions on inputs
    UNROLL = "unroll"  # run update_v (and bias_correct) over a sequence of gradients
    EXEC_CELL = "exec_cell"  # run one notebook cell in the module the cells build up
    FUNCTIONS = "functions"  # which graded functions the cells defined


class SandboxOp(StrEnum):
    """What the grader asks the sandbox process."""

    SPAWN = "spawn"  # fork a guest for one submission; the reply carries the guest's two pipes
    PEEK = "peek"  # the guest's printed output so far
    FINISH = "finish"  # kill every process of the submission, report how the guest ended and its output


class Status(StrEnum):
    """What became of one request to the guest (`host.Reply.status`)."""

    OK = "ok"  # the guest answered with a result
    ERROR = "error"  # the student's code raised
    TIMEOUT = "timeout"  # no answer in time; every process of the submission was killed
    CRASHED = "crashed"  # the guest died
    SKIPPED = "skipped"  # a function the request needs hung or crashed earlier
    UNAVAILABLE = "unavailable"  # the submission did not load
    MISSING = "missing"  # a function the request needs is not defined
    PROTOCOL = "protocol"  # the guest answered with something that is not a reply


# -- inputs: how the grader writes a value the guest turns into a Python object --------------------------


def nd(data, dtype):
    """A numpy array: its nested list and dtype name."""
    return {"nd": data, "dtype": dtype}


def symbol(name):
    """A real sympy symbol of that name."""
    return {"sym": name}


#: sympy's exact zero (v_0 of a symbolic unroll).
ZERO = {"zero": True}


# -- grader -> guest -----------------------------------------------------------------------------------


def load_request(path, functions):
    return {"op": GuestOp.LOAD, "path": path, "functions": list(functions)}


def call_request(func, args, kwargs):
    return {"op": GuestOp.CALL, "func": func, "args": list(args), "kwargs": dict(kwargs)}


def unroll_request(gradients, beta2, v0, correct, gens=None):
    request = {"op": GuestOp.UNROLL, "gradients": list(gradients), "beta2": beta2, "v0": v0, "correct": correct}
    if gens is not None:
        request["gens"] = list(gens)
    return request


def exec_cell_request(cell, source):
    return {"op": GuestOp.EXEC_CELL, "cell": cell, "source": source}


def functions_request(functions):
    return {"op": GuestOp.FUNCTIONS, "functions": list(functions)}


# -- guest -> grader -----------------------------------------------------------------------------------

#: The guest's first line, sent once its set-up is over and before any student code runs.
READY = {"ready": True}


def ok_reply(**fields):
    """A request answered: `functions` for load/functions, `value` and `args_after` for call, `values` for
    unroll, nothing more for exec_cell."""
    return {"ok": True, **fields}


def error_reply(error, guest=False):
    """The student's code raised (`error` from `error_info`); `guest` marks an error while encoding the
    answer rather than in the student's function itself."""
    reply = {"ok": False, "error": error}
    if guest:
        reply["worker"] = True
    return reply


def error_info(type_name, message, line=None, source=None, cell=None, with_cell=False):
    """A student's exception as data: its type, message and the line of their file (or cell) it came from."""
    info = {"type": type_name, "message": message, "line": line, "source": source}
    if with_cell:
        info["cell"] = cell
    return info


# -- grader -> sandbox process and back ----------------------------------------------------------------


def spawn_request(name, source, rlimits, preload=()):
    """A guest for one submission: its file name and bytes (as hex), its resource limits, and the modules
    the sandbox process imports once for every later guest (a notebook's matplotlib)."""
    request = {"op": SandboxOp.SPAWN, "name": name, "source": source.hex(), "rlimits": dict(rlimits)}
    if preload:
        request["preload"] = list(preload)
    return request


def peek_request(keep):
    return {"op": SandboxOp.PEEK, "keep": keep}


def finish_request(keep):
    return {"op": SandboxOp.FINISH, "keep": keep}


def spawned_reply(path, pid):
    """The guest is forked (its two pipes travel beside this line); `path` is the submission inside it."""
    return {"ok": True, "path": path, "pid": pid}


def peeked_reply(output):
    return {"ok": True, "output": output}


def finished_reply(status, output):
    """How the guest ended ("exit code 0", "killed by signal SIGKILL") and what it printed."""
    return {"ok": True, "status": status, "output": output}


# -- the wire ------------------------------------------------------------------------------------------


def dumps(message):
    """One message as one line of bytes."""
    return (json.dumps(message) + "\n").encode()
