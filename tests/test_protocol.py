"""The grader trusts nothing from the sandbox: every reply is checked against sandbox/guest/protocol.py, and a
forged, malformed or oversized one costs that student that call, never the batch."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.boundary import Reply, Status
from autograder.cases import CHECKS, IDENTITY
from autograder.judge.checks import Case
from autograder.judge.diagnosis import diagnose
from autograder.render.text import markdown
from autograder.sandbox.guest import protocol
from autograder.sandbox.guest.answers import Guest
from tests.strategies import json_values, value_replies

CALL = protocol.call_request("update_v", [0.5, [1.0, 2.0]], {"beta2": 0.9})
UNROLL = protocol.unroll_request([protocol.symbol("g")] * 2, protocol.symbol("b"), protocol.ZERO, True, ["g", "b"])
REQUESTS = [
    protocol.load_request("/w/second_moment.py", ["update_v", "bias_correct", "effective_step"]),
    CALL,
    UNROLL,
    protocol.unroll_request([0.1, 0.2], 0.9, 0.0, False),
    protocol.exec_cell_request(3, 2),
    protocol.functions_request(["update_v"]),
    protocol.read_notebook_request(["update_v"]),
]
VALUE_CASES = [c for c in CHECKS if isinstance(c, Case)]


def _validated(request, line):
    """The reply as the host takes it, or the ProtocolError's reason."""
    try:
        return protocol.check_reply(request, protocol.parse(line))
    except protocol.ProtocolError as err:
        return str(err)


def _judge_everything(reply):
    """What the grader does with a reply it accepted: every check judges it, and the diagnosis reads it."""
    outcomes = [case.run(lambda request, uses: reply) for case in VALUE_CASES]
    outcomes += [check.run(lambda request, uses: reply) for check in IDENTITY]
    diagnose(outcomes, list(VALUE_CASES) + list(IDENTITY))


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"[" * 200_000, "nested too deeply"),
        (b"\xff\xfe", "not JSON"),
        (b"1" * 5000, "not JSON"),  # past Python's digit limit for int()
        (b'"ok"', "not an object"),
        (b" " * (protocol.MAX_REPLY_BYTES + 1), "larger than"),
    ],
)
def test_a_reply_that_is_not_a_bounded_json_object_is_refused(line, reason):
    with pytest.raises(protocol.ProtocolError, match=reason):
        protocol.parse(line)


@pytest.mark.parametrize(
    ("request_", "reply"),
    [
        (REQUESTS[0], {"ok": True, "functions": []}),  # the forged load reply that raised AttributeError
        (REQUESTS[0], {"ok": True, "functions": {"update_v": True}}),  # not the functions asked about
        (CALL, {"ok": False, "error": "boom"}),  # an error that is not an object (diagnosis.observation crashed)
        (CALL, {"ok": False, "error": {"type": "E", "message": "m", "line": "3", "source": None}}),
        (
            CALL,
            {
                "ok": True,
                "value": {"kind": "scalar", "type": "float", "dtype": "float64", "value": True},
                "args_after": [None, None],
            },
        ),
        (
            CALL,
            {
                "ok": True,
                "value": {"kind": "array", "type": "ndarray", "dtype": "f8", "shape": [2], "data": [[0.0] * 10_001]},
                "args_after": [None, None],
            },
        ),
        (CALL, {"ok": True, "value": {"kind": "other", "type": "x", "repr": "y" * 10_000}, "args_after": [None, None]}),
        (CALL, {"ok": True, "value": {"kind": "other", "type": "x", "repr": "y"}, "args_after": [None]}),
        (
            CALL,
            {
                "ok": True,
                "value": {
                    "kind": "array",
                    "type": "ndarray",
                    "dtype": "f8",
                    "shape": [1],
                    "data": json.loads("[" * 50 + "1.0" + "]" * 50),
                },
                "args_after": [None, None],
            },
        ),
        (UNROLL, {"ok": True, "values": [{"kind": "rational", "gens": ["g"], "num": [], "den": []}] * 2}),
        (UNROLL, {"ok": True, "values": []}),
        (REQUESTS[4], {"ok": True, "functions": {}}),
        (REQUESTS[4], {"ok": "yes"}),
        (REQUESTS[4], {"ok": True, "refused": "!ls"}),
        (REQUESTS[6], {"ok": True, "cells": [{"cell": 2, "heading": "", "defines": ["rm_rf"]}]}),
        (REQUESTS[6], {"ok": True, "cells": [{"cell": 2, "heading": "", "defines": []}] * 2}),
        (REQUESTS[6], {"ok": True, "cells": [{"cell": 2, "heading": "x" * 3000, "defines": []}]}),
        (REQUESTS[6], {"ok": True, "unreadable": 1}),
        (
            REQUESTS[5],
            {"ok": False, "error": {"type": "E", "message": "", "line": None, "source": None}, "refused": []},
        ),
    ],
)
def test_a_reply_that_is_not_what_its_request_calls_for_is_refused(request_, reply):
    with pytest.raises(protocol.ProtocolError):
        protocol.check_reply(request_, reply)


def test_every_reply_the_real_guest_sends_is_accepted(tmp_path):
    path = tmp_path / "second_moment.py"
    path.write_text(
        "def update_v(v, g, beta2=0.999):\n    return beta2 * v + (1 - beta2) * g**2\n"
        "def bias_correct(v, t, beta2=0.999):\n    return v / (1 - beta2**t)\n"
        "def effective_step(v_hat, alpha=0.001, eps=1e-8):\n    raise ValueError('no')\n"
    )
    guest = Guest(str(path))
    requests = [
        REQUESTS[0],
        protocol.call_request("update_v", [0.5, 2.0], {}),
        UNROLL,
        REQUESTS[3],
        protocol.call_request("effective_step", [0.5], {}),
        protocol.call_request("nope", [], {}),
        protocol.exec_cell_request(1, 1),
    ]
    for request in requests:
        line = guest.handle(json.loads(protocol.dumps(request)))
        assert isinstance(_validated(request, line.encode()), dict), (request, line)


@given(st.sampled_from(REQUESTS), st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
def test_any_bytes_as_a_reply_are_accepted_or_refused_and_never_raise_anything_else(request_, line):
    reply = _validated(request_, line)
    if isinstance(reply, dict):
        _judge_everything(
            Reply(Status.OK, value=reply) if reply.get("ok") else Reply(Status.ERROR, error=reply["error"])
        )


@given(
    value_replies,
    st.lists(st.none() | value_replies, max_size=3),
    st.dictionaries(st.sampled_from(["type", "message", "line", "source", "cell"]), json_values),
    st.booleans(),
)
def test_forged_replies_shaped_like_real_ones_never_raise_in_the_grader(value, after, error, ok):
    """Adversarial replies: the right outline with anything in the fields."""
    forged = {"ok": True, "value": value, "args_after": after} if ok else {"ok": False, "error": error}
    for request in (CALL, UNROLL):
        if request is UNROLL and ok:
            forged = {"ok": True, "values": [value, value]}
        reply = _validated(request, json.dumps(forged).encode())
        if isinstance(reply, dict):
            _judge_everything(Reply(Status.OK, value=reply) if ok else Reply(Status.ERROR, error=reply["error"]))


def test_a_refused_reply_reaches_the_students_feedback_as_a_note_on_that_call():
    case = VALUE_CASES[0]
    outcome = case.run(lambda request, uses: Reply(Status.PROTOCOL, detail="the reply is nested too deeply"))
    assert not outcome.passed
    assert "sent back something the grader cannot read (the reply is nested too deeply)" in markdown(outcome.message)
