"""Both sides of the sandbox, unit-tested in this process: the guest answering requests, the host talking
to a guest over pipes through a pool passed in, the notebook cell replay, and the protocol between them."""

import io
import json
import os
import re
import subprocess
import sys
import threading

import pytest

from autograder.boundary import CellEnd, LoadEnd, LoadFailure, Status
from autograder.config import GradeConfig
from autograder.judge import loading
from autograder.notebook.replay import MAX_DEAD_CELLS, CellReplay
from autograder.sandbox import pool
from autograder.sandbox.budget import Budget
from autograder.sandbox.channel import read_output
from autograder.sandbox.guest import cleanup, protocol
from autograder.sandbox.guest.answers import Guest, encode_value
from autograder.sandbox.host import Host
from tests.conftest import ROOT

FUNCTIONS = ("update_v", "bias_correct", "effective_step")
CORRECT = """\
import numpy as np

def update_v(v_prev, g, beta2=0.999):
    return beta2 * np.asarray(v_prev, dtype=float) + (1 - beta2) * np.asarray(g, dtype=float) ** 2

def bias_correct(v, t, beta2=0.999):
    return np.asarray(v, dtype=float) / (1 - beta2**t)

def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
"""


def _submission(tmp_path, text, name="second_moment.py"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _answer(guest, request):
    """What the guest sends back for one request, as the host would read it (JSON text)."""
    return json.loads(guest.handle(json.loads(protocol.dumps(request))))


def test_importing_the_sandbox_modules_starts_nothing_and_reads_no_arguments():
    code = (
        "import os, sys\n"
        "import autograder.sandbox.guest.answers, autograder.sandbox.guest.serve, autograder.sandbox.pool\n"
        "import autograder.sandbox.host, autograder.notebook.replay, autograder.grading\n"
        "mine = 0\n"
        "for p in filter(str.isdigit, os.listdir('/proc')):\n"
        "    try:\n"
        "        mine += open(f'/proc/{p}/stat').read().rsplit(')', 1)[1].split()[1] == str(os.getpid())\n"
        "    except OSError:\n"
        "        pass\n"
        "print(mine, autograder.sandbox.pool.guest_sources.cache_info().currsize)\n"
    )
    # An argument that is not JSON: the guest and the forker used to parse sys.argv[1] when imported.
    done = subprocess.run([sys.executable, "-c", code, "not json"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "0"]


def test_the_guest_loads_a_submission_and_says_which_functions_it_defines(tmp_path):
    guest = Guest(_submission(tmp_path, "def update_v(v, g, beta2=0.9):\n    return v\nbias_correct = 3\n"))
    reply = _answer(guest, protocol.load_request(guest.submission_path, FUNCTIONS))
    assert reply == {"ok": True, "functions": {"update_v": True, "bias_correct": False, "effective_step": False}}


def test_the_guest_calls_a_function_and_describes_the_value_and_the_inputs_after(tmp_path):
    guest = Guest(_submission(tmp_path, CORRECT))
    _answer(guest, protocol.load_request(guest.submission_path, FUNCTIONS))
    reply = _answer(guest, protocol.call_request("update_v", [protocol.nd([1.0, 2.0], "float64"), [3.0, 4.0]], {}))
    assert reply["ok"] is True
    assert reply["value"]["kind"] == "array" and reply["value"]["shape"] == [2]
    assert reply["value"]["data"] == pytest.approx([0.999 * 1 + 0.001 * 9, 0.999 * 2 + 0.001 * 16])
    assert [a["kind"] for a in reply["args_after"]] == ["array", "list"]


def test_the_guest_reports_a_students_exception_with_its_line(tmp_path):
    guest = Guest(_submission(tmp_path, "def update_v(v, g, beta2=0.9):\n    x = 1\n    return 1 / 0\n"))
    _answer(guest, protocol.load_request(guest.submission_path, FUNCTIONS))
    reply = _answer(guest, protocol.call_request("update_v", [1.0, 2.0], {}))
    assert reply == {
        "ok": False,
        "error": {
            "type": "ZeroDivisionError",
            "message": "division by zero",
            "line": 3,
            "source": "return 1 / 0",
            "cell": None,
        },
    }


def test_the_guest_reports_a_syntax_error_at_load_as_the_students(tmp_path):
    guest = Guest(_submission(tmp_path, "def update_v(:\n"))
    reply = _answer(guest, protocol.load_request(guest.submission_path, FUNCTIONS))
    assert reply["ok"] is False and reply["error"]["type"] == "SyntaxError" and reply["error"]["line"] == 1


def test_the_guest_unrolls_update_v_and_bias_correct_on_symbols_as_exact_polynomials(tmp_path):
    guest = Guest(
        _submission(
            tmp_path,
            "def update_v(v, g, beta2):\n    return beta2 * v + (1 - beta2) * g**2\n"
            "def bias_correct(v, t, beta2):\n    return v / (1 - beta2**t)\n",
        )
    )
    _answer(guest, protocol.load_request(guest.submission_path, FUNCTIONS))
    request = protocol.unroll_request([protocol.symbol("g")] * 2, protocol.symbol("b"), protocol.ZERO, True, ["g", "b"])
    reply = _answer(guest, request)
    assert reply["ok"] is True and [v["kind"] for v in reply["values"]] == ["rational", "rational"]
    assert reply["values"][0]["num"] == [[[2, 0], "1"]] and reply["values"][0]["den"] == [[[0, 0], "1"]]


def _notebook(tmp_path, *sources):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "## Task 1"}]
    cells += [{"cell_type": "code", "metadata": {}, "outputs": [], "source": s} for s in sources]
    return _submission(tmp_path, json.dumps({"cells": cells, "metadata": {}, "nbformat": 4}), "nb.ipynb")


# An IPython shell changes its process (builtins, __main__, warnings): a notebook's guest runs in a child.
NOTEBOOK_GUEST = """
import json, os, sys
from autograder.sandbox.guest.answers import Guest
guest = Guest(sys.argv[1])
os.chdir(os.path.dirname(sys.argv[1]))
for request in json.loads(sys.argv[2]):
    print(guest.handle(request), flush=True)
print(json.dumps({"after": getattr(guest.module, "after", None), "files": list(getattr(guest.module, "files", [1]))}))
"""


def _notebook_answers(path, *requests):
    done = subprocess.run(
        [sys.executable, "-c", NOTEBOOK_GUEST, path, json.dumps(requests)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def test_the_guest_reads_the_notebook_and_runs_its_cells_in_one_ipython_namespace(tmp_path):
    path = _notebook(tmp_path, "def update_v(v, g, beta2=0.9):\n    return v\n", "x = 1\nraise ValueError('no')\n")
    read, first, failed, functions, _ = _notebook_answers(
        path,
        protocol.read_notebook_request(FUNCTIONS),
        protocol.exec_cell_request(2, 1),
        protocol.exec_cell_request(3, 2),
        protocol.functions_request(FUNCTIONS),
    )
    assert read == {
        "ok": True,
        "cells": [
            {"cell": 2, "heading": "Task 1", "defines": ["update_v"]},
            {"cell": 3, "heading": "Task 1", "defines": []},
        ],
    }
    assert first == {"ok": True}
    assert failed["error"]["cell"] == 3 and failed["error"]["line"] == 2 and failed["error"]["type"] == "ValueError"
    assert functions["functions"]["update_v"] is True


def test_the_guest_refuses_a_shell_escape_and_says_so_and_the_rest_of_the_cell_runs(tmp_path):
    marker = tmp_path / "shell_ran"
    path = _notebook(tmp_path, f"!touch {marker}\nbefore = 1\n", f"%%bash\ntouch {marker}\n", "files = !ls\nafter = 1")
    _, first, second, third, module = _notebook_answers(
        path, *[protocol.read_notebook_request(FUNCTIONS)] + [protocol.exec_cell_request(n, n - 1) for n in (2, 3, 4)]
    )
    assert first == {"ok": True, "refused": [f"the shell command `touch {marker}`"]}
    assert second == {"ok": True, "refused": ["`%%bash` (so the whole cell)"]}
    assert third == {"ok": True, "refused": ["the shell command `ls`"]}
    assert module == {"after": 1, "files": []} and not marker.exists()


def test_an_unreadable_notebook_is_named_by_the_guest_as_data(tmp_path):
    guest = Guest(_submission(tmp_path, '{"cells": [', "nb.ipynb"))
    reply = _answer(guest, protocol.read_notebook_request(FUNCTIONS))
    assert reply["ok"] is True and "not valid JSON" in reply["unreadable"]


def test_an_unknown_request_or_an_unencodable_answer_is_a_guest_error_not_an_exception():
    reply = _answer(Guest(), {"op": "format_the_disk"})
    assert reply["ok"] is False and reply["worker"] is True and reply["error"]["type"] == "KeyError"


def test_the_guest_says_ready_first_and_answers_one_line_per_request(tmp_path):
    guest = Guest(_submission(tmp_path, CORRECT))
    requests = io.StringIO(
        "".join(
            protocol.dumps(r).decode()
            for r in (
                protocol.load_request(guest.submission_path, FUNCTIONS),
                protocol.call_request("bias_correct", [0.5, 1], {}),
            )
        )
    )
    replies = io.StringIO()
    guest.serve(requests, replies)
    lines = [json.loads(line) for line in replies.getvalue().splitlines()]
    assert lines[0] == protocol.READY
    assert len(lines) == 3 and lines[2]["value"]["value"] == pytest.approx(0.5 / 0.001)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (1.5, "scalar"),
        ([1, 2], "list"),
        (1 + 2j, "other"),
        (None, "other"),
        (True, "other"),
        (list(range(20_000)), "too_big"),
    ],
)
def test_encode_value_describes_what_a_function_returned_as_plain_data(value, kind):
    assert encode_value(value)["kind"] == kind


def test_the_host_reads_a_guests_output_cut_to_its_head_and_tail(tmp_path):
    path = tmp_path / "output.txt"
    path.write_bytes(b"a" * 100 + b"b" * 1000 + b"c" * 100)
    fd = os.open(path, os.O_RDONLY)
    try:
        text = read_output(fd, 100).decode()
        assert read_output(fd, 1000) == path.read_bytes()
    finally:
        os.close(fd)
    assert text.startswith("a" * 100) and text.endswith("c" * 100) and "[... 1000 bytes of output cut ...]" in text


def test_removing_a_students_folder_survives_deep_nesting_locked_folders_and_links(tmp_path):
    work = tmp_path / "work"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("the TA's")
    os.makedirs(work)
    deep = os.open(work, os.O_RDONLY)
    for _ in range(1500):  # past Python's recursion limit, and past PATH_MAX as a path
        os.mkdir("d" * 40, dir_fd=deep)
        deeper = os.open("d" * 40, os.O_RDONLY, dir_fd=deep)
        os.close(deep)
        deep = deeper
    os.close(deep)
    (work / "link").symlink_to(outside)
    (work / "locked").mkdir()
    (work / "locked" / "f").write_text("x")
    (work / "locked").chmod(0)
    cleanup.remove_tree(str(work))
    assert not work.exists() and (outside / "keep.txt").read_text() == "the TA's"


def test_the_sandbox_describes_how_a_guest_ended():
    assert cleanup.describe(9) == "killed by signal SIGKILL"
    assert cleanup.describe(3 << 8) == "exit code 3"


def test_the_guest_folder_is_shipped_whole_and_imports_only_the_standard_library_and_itself():
    folder = ROOT / "autograder" / "sandbox" / "guest"
    assert set(pool.guest_sources()) == {path.stem for path in folder.glob("*.py")}
    for name, source in pool.guest_sources().items():
        # At the top of a module: the standard library, or a sibling (relatively). numpy and sympy are the
        # student's, imported only inside the functions that run beside their code.
        top = re.findall(r"^(?:from|import) ([\w.]+)", source, flags=re.M)
        assert all(m.startswith(".") or m.split(".")[0] in sys.stdlib_module_names for m in top), (name, top)
        assert "autograder" not in re.findall(r"^\s*(?:from|import) (\w+)", source, flags=re.M), name


def test_a_new_module_in_the_guest_folder_is_importable_in_the_sandbox_with_no_edit_elsewhere(tmp_path):
    """pool.BOOT makes a package of whatever sources it is given: a module added beside the others imports
    them relatively, as in the grader's package, and serve.main runs with the config."""
    sources = dict(pool.guest_sources())
    sources["serve"] = "from . import added\n\ndef main(config):\n    print(added.greeting(), config['x'])\n"
    sources["added"] = "from . import protocol\n\ndef greeting():\n    return protocol.GuestOp.LOAD.value\n"
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"modules": sources, "x": 42}))
    fd = os.open(config, os.O_RDONLY)
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-S", "-c", pool.BOOT, str(fd)], pass_fds=(fd,), capture_output=True, text=True
        )
    finally:
        os.close(fd)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["load", "42"]


# -- the host against an in-process guest, through a pool passed in ------------------------------------------


class _ThreadSandbox:
    """A sandbox process stand-in: the guest runs on a thread of this process, over real pipes."""

    level = "basic"

    def __init__(self):
        self.thread = None

    def request(self, message, timeout=None, fds=()):
        if message["op"] == protocol.SandboxOp.SPAWN:
            path = os.path.join(self.folder, message["name"])
            with open(path, "wb") as f:
                f.write(os.pread(fds[0], 1 << 20, 0))
            output = os.open(os.path.join(self.folder, "output.txt"), os.O_RDONLY | os.O_CREAT, 0o600)
            req_r, req_w = os.pipe()
            rep_r, rep_w = os.pipe()
            requests, replies = os.fdopen(req_r, "r"), os.fdopen(rep_w, "w")

            def serve():
                with requests, replies:
                    Guest(path).serve(requests, replies)

            self.thread = threading.Thread(target=serve, daemon=True)
            self.thread.start()
            return protocol.spawned_reply(path, None), [req_w, rep_r, output]
        self.thread.join(5)
        return protocol.finished_reply("exit code 0"), []


class _ThreadPool:
    def __init__(self, folder):
        self.sandbox = _ThreadSandbox()
        self.sandbox.folder = folder
        self.released = 0

    def resolve(self, asked):
        return "basic", "basic: a thread of the test process (no isolation)"

    def acquire(self, level):
        return self.sandbox

    def release(self, sandbox):
        self.released += 1


def test_a_file_that_raises_while_loading_is_reported_as_the_fact_with_its_exception(tmp_path):
    source = tmp_path / "ann.py"
    source.write_text("class Missing(Exception):\n    pass\n\nraise Missing('no file')\n")
    (tmp_path / "work").mkdir()
    with Host(source, GradeConfig(timeout=5.0), FUNCTIONS, pool=_ThreadPool(str(tmp_path / "work"))) as host:
        reply = host.call(protocol.call_request("update_v", [0.0, 1.0], {}), ("update_v",))
    assert reply.status == Status.UNAVAILABLE and reply.load is host.load_error
    assert host.load_error.end == LoadEnd.RAISED and not host.load_error.reload
    assert host.load_error.error == {
        "type": "Missing",
        "message": "no file",
        "line": 4,
        "source": "raise Missing('no file')",
        "cell": None,
    }
    assert loading.load_error(host.load_error)["type"] == "student:Missing"


def test_the_host_grades_through_the_pool_it_is_given(tmp_path):
    source = tmp_path / "ann.py"
    source.write_text(CORRECT)
    (tmp_path / "work").mkdir()
    pool = _ThreadPool(str(tmp_path / "work"))
    with Host(source, GradeConfig(timeout=5.0), FUNCTIONS, pool=pool) as host:
        ok = host.call(protocol.call_request("effective_step", [0.0], {}), ("effective_step",))
        missing = host.call(protocol.call_request("nope", [], {}), ("nope",))
    assert ok.status == Status.OK and ok.value["value"]["value"] == pytest.approx(0.001 / 1e-8)
    assert host.load_error is None
    assert missing.status == Status.MISSING and missing.detail == "nope"
    assert host.isolation.startswith("basic: a thread") and pool.released == 1


# -- the notebook's cell replay against a scripted host --------------------------------------------------------


class _ScriptedHost:
    """A guest whose notebook is `cells` ([(number, source)]): answers read_notebook with their numbers, and
    exec_cell with the status a cell's source names ("hang", "crash", "slow": 0.7 s), else ok; charges its
    budget on a clock of its own."""

    def __init__(self, cells=()):
        self.cells = dict(cells)
        self.counts = []
        self.functions = FUNCTIONS
        self.budget = Budget(2.0, FUNCTIONS)  # (functions + 1) x timeout: 8 s in all
        self.notes, self.events, self.starts, self.ran = [], [], 0, []

    @property
    def spent(self):
        return self.budget.total_spent

    @property
    def total(self):
        return self.budget.total

    def load_roundtrip(self, request, grace=0.0):
        budget = self.budget.for_load() + grace
        status, payload = self.roundtrip(request)
        source = self.cells.get(request.get("cell"))
        cost = {"hang": budget, "slow": min(0.7, budget)}.get(source, 0.001)
        self.budget.charge_load(cost)
        return (Status.TIMEOUT, None) if cost >= budget and source != "slow" else (status, payload)

    def start(self):
        self.starts += 1

    def kill(self):
        pass

    def note(self, event):
        self.events.append(event)
        self.notes.append(loading.cell_note(event))

    def load_failure(self, end, notebook=False, reload=False, detail="", error=None):
        return LoadFailure(end, self.budget.timeout, self.budget.total, notebook, reload, detail, error)

    def roundtrip(self, request):
        if request["op"] == protocol.GuestOp.FUNCTIONS:
            return Status.OK, protocol.ok_reply(functions={"update_v": True})
        if request["op"] == protocol.GuestOp.READ_NOTEBOOK:
            listed = [{"cell": n, "heading": "", "defines": []} for n in self.cells]
            return Status.OK, protocol.check_reply(request, protocol.ok_reply(cells=listed))
        self.ran.append(request["cell"])
        self.counts.append(request["count"])
        if self.cells[request["cell"]] == "hang":
            return Status.TIMEOUT, None
        if self.cells[request["cell"]] == "crash":
            return Status.CRASHED, "exit code 1"
        return Status.OK, protocol.ok_reply()


def test_a_hanging_cell_is_noted_and_the_cells_before_it_run_again_in_a_fresh_guest():
    host = _ScriptedHost([(1, "a = 1"), (2, "hang"), (3, "b = 2")])
    available, error = CellReplay().load(host)
    assert error is None and available == {"update_v": True}
    assert host.ran == [1, 2, 1, 3] and host.starts == 2
    assert host.counts == [1, 2, 1, 3]  # Jupyter's execution counts: the hung cell took its count
    assert any("cell 2 took longer than 2 s" in note for note in host.notes)


def test_past_the_dead_cell_limit_the_rest_are_skipped_with_a_note():
    host = _ScriptedHost([(n, "crash") for n in range(1, MAX_DEAD_CELLS + 1)] + [(MAX_DEAD_CELLS + 1, "x = 1")])
    CellReplay().load(host)
    assert MAX_DEAD_CELLS + 1 not in host.ran
    assert any(f"cell {MAX_DEAD_CELLS + 1} was not run" in note for note in host.notes)


def test_notebook_cells_share_what_the_submission_has_and_the_rest_are_not_run():
    host = _ScriptedHost([(n, "slow") for n in range(1, 21)])
    _, error = CellReplay().load(host)
    assert error is None and host.spent <= host.total + 0.01
    assert len(host.ran) == 12  # 11 x 0.7 s, and the twelfth is cut at the 8 s the submission has
    assert any("cell 20 was not run: your notebook had used up the 8 s it has in all" in n for n in host.notes)


def test_after_a_hanging_cell_the_cells_that_run_out_of_time_are_noted_and_the_notebook_still_loads():
    host = _ScriptedHost([(1, "a = 1"), (2, "hang")] + [(n, "slow") for n in range(3, 21)])
    available, error = CellReplay().load(host)
    assert error is None and available == {"update_v": True}
    assert any("cell 20 was not run: your notebook had used up the 8 s it has in all" in n for n in host.notes)


def test_replaying_cells_after_a_call_ended_the_guest_is_charged_to_the_same_time():
    host = _ScriptedHost([(n, "slow") for n in range(1, 8)])
    replay = CellReplay()
    assert replay.load(host)[1] is None  # 4.9 s
    available, failure = replay.load(host)  # a call ended the guest: the cells run again, and run out
    assert available is None and failure.end == LoadEnd.OUT_OF_TIME and failure.notebook
    error = loading.load_error(failure)
    assert error["by"] == "grader" and error["type"] == "Timeout" and "8 s your notebook has in all" in error["message"]


def test_the_replay_reports_facts_that_the_judge_words():
    """What a replay notes is plain data (which cell, under which heading, what happened, the student's
    exception as it came); only judge/loading.py writes the sentence a student reads."""
    host = _ScriptedHost([(1, "!touch x\nraise ValueError('no')")])
    raised = protocol.error_info("ValueError", "no", 2, "raise ValueError('no')", 1, with_cell=True)
    listed = [{"cell": 1, "heading": "Setup", "defines": []}]
    host.roundtrip = lambda request: {
        protocol.GuestOp.READ_NOTEBOOK: (Status.OK, protocol.ok_reply(cells=listed)),
        protocol.GuestOp.EXEC_CELL: (
            Status.OK,
            {**protocol.error_reply(raised), "refused": ["the shell command `touch x`"]},
        ),
    }.get(request["op"], (Status.OK, protocol.ok_reply(functions={"update_v": True})))
    replay = CellReplay()
    assert replay.load(host)[1] is None
    assert [(e.cell, e.end, e.heading) for e in host.events] == [
        (1, CellEnd.REFUSED, "Setup"),
        (1, CellEnd.RAISED, "Setup"),
    ]
    assert host.events[1].error == raised and replay.errors[1] is host.events[1]
    assert host.notes == [
        "cell 1 (under “Setup”): the shell command `touch x` was refused (the grader runs no shell or other program)",
        "cell 1 (under “Setup”) raised ValueError (line 2): no",
    ]


def test_a_reply_checked_once_is_taken_again_only_for_the_same_request():
    """host._checked keeps the lines that passed, per request: the same bytes answer the same request with
    the same reply, answering another request (another number of inputs) they are checked afresh and
    refused, and a line that failed is never kept."""
    from autograder.memo import Run
    from autograder.sandbox.host import _checked

    run = Run()

    one = protocol.call_request("effective_step", [0.0], {})
    two = protocol.call_request("update_v", [0.0, 1.0], {})
    value = {"kind": "scalar", "type": "float", "dtype": "float64", "value": 0.1}
    line = json.dumps({"ok": True, "value": value, "args_after": [None]}).encode()
    first = _checked(run, one, line)
    assert first == {"ok": True, "value": value, "args_after": [None]}
    assert _checked(run, one, line) is first  # kept: neither parsed nor checked again
    with pytest.raises(protocol.ProtocolError, match="one per input"):
        _checked(run, two, line)
    forged = json.dumps({"ok": True, "value": {**value, "value": "0.1"}, "args_after": [None]}).encode()
    for _ in range(2):
        with pytest.raises(protocol.ProtocolError, match="not a number"):
            _checked(run, one, forged)


def test_the_sandbox_process_backs_its_memory_with_huge_pages_where_the_kernel_can():
    """warmup.huge_pages(): the memory every guest inherits in 2 MB pages (fewer page-table entries to copy
    at each fork and to drop at each exit); the objects in it unchanged. A kernel without MADV_COLLAPSE
    (before Linux 6.1) makes none, and nothing else changes."""
    script = """
import json, sys
from autograder.sandbox.guest import warmup
kept = [str(i) * 10 for i in range(200_000)]  # some 20 MB of Python objects, as sympy's are
made = warmup.huge_pages()
huge = int(open("/proc/self/smaps_rollup").read().split("AnonHugePages:")[1].split()[0])
print(json.dumps([made, huge, kept[123_456] == "123456" * 10]))
"""
    made, huge_kb, intact = json.loads(
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    )
    assert intact
    release = tuple(int(x) for x in os.uname().release.split(".")[:2] if x.isdigit())
    if release >= (6, 1):
        assert made >= 1 and huge_kb >= made * 2048 // 2  # how many depends on where the allocator put the 20 MB
    else:
        assert made == 0
