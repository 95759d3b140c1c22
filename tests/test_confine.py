"""Landlock and seccomp on their own: each applied in a throwaway Python process, then attacked from it."""

import json
import socket
import subprocess
import sys
import textwrap

import pytest

from autograder.sandbox.guest import landlock, seccomp
from tests.conftest import ROOT, needs_landlock

needs_seccomp = pytest.mark.skipif(not seccomp.supported(), reason="no seccomp filter for this machine")


def _confined(tmp_path, body, read=(), write=(), hidden=(), use_landlock=True, use_seccomp=False):
    """Run `body` in a fresh Python after confining it; return what it printed as JSON."""
    rules = landlock.plan(read=list(read), write=list(write), hidden=list(hidden)) if use_landlock else []
    prologue = f"""
        import json, os, socket, sys
        sys.path.insert(0, {str(ROOT)!r})
        from autograder.sandbox.guest import landlock, seccomp
        rules = {rules!r}
        if {use_landlock!r}:
            ruleset = landlock.Ruleset(landlock.abi())
            for path, rights in rules:
                ruleset.allow(path, rights)
            ruleset.restrict()
        if {use_seccomp!r}:
            seccomp.install()
        def attempt(f):
            try:
                f()
                return "ok"
            except OSError as err:
                return err.errno
    """
    code = textwrap.dedent(prologue) + textwrap.dedent(body)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@needs_landlock
def test_landlock_reads_only_what_it_was_given_and_writes_only_its_own_folder(tmp_path):
    allowed, secret, work = tmp_path / "allowed", tmp_path / "secret", tmp_path / "work"
    for folder in (allowed, secret, work):
        folder.mkdir()
    (allowed / "a.txt").write_text("a")
    (secret / "oracle.py").write_text("ANSWER = 42")
    body = f"""
        print(json.dumps({{
            "read allowed": attempt(lambda: open({str(allowed / "a.txt")!r}).read()),
            "read secret": attempt(lambda: open({str(secret / "oracle.py")!r}).read()),
            "list secret": attempt(lambda: os.listdir({str(secret)!r})),
            "write allowed": attempt(lambda: open({str(allowed / "b.txt")!r}, "w")),
            "write work": attempt(lambda: open({str(work / "b.txt")!r}, "w").write("x")),
            "mkdir work": attempt(lambda: os.mkdir({str(work / "sub")!r})),
            "devnull": attempt(lambda: open("/dev/null", "w").write("x")),
        }}))
    """
    got = _confined(
        tmp_path, body, read=[sys.prefix, sys.base_prefix, "/usr", "/lib", "/etc/ld.so.cache", allowed], write=[work]
    )
    assert got == {
        "read allowed": "ok",
        "read secret": 13,
        "list secret": 13,
        "write allowed": 13,
        "write work": "ok",
        "mkdir work": "ok",
        "devnull": "ok",
    }


@needs_landlock
def test_a_hidden_folder_inside_a_readable_one_is_carved_out_but_a_named_path_inside_it_is_kept(tmp_path):
    prefix = tmp_path / "prefix"
    (prefix / "lib" / "site-packages" / "numpy").mkdir(parents=True)
    (prefix / "lib" / "site-packages" / "autograder").mkdir()
    (prefix / "lib" / "os.py").write_text("")
    (prefix / "lib" / "site-packages" / "numpy" / "core.py").write_text("")
    (prefix / "lib" / "site-packages" / "autograder" / "oracle.py").write_text("")
    site = prefix / "lib" / "site-packages"
    rules = landlock.plan(read=[prefix, site / "numpy"], write=[], hidden=[site])
    granted = {path for path, _ in rules}
    assert str(prefix / "lib" / "os.py") in granted and str(site / "numpy") in granted
    assert not any(path.startswith(str(site / "autograder")) or path in (str(prefix), str(site)) for path in granted)
    paths = [str(prefix / "lib" / "os.py"), str(site / "numpy" / "core.py"), str(site / "autograder" / "oracle.py")]
    body = f"""
        print(json.dumps([attempt(lambda: open(p).read()) for p in {paths!r}]))
    """
    assert _confined(
        tmp_path, body, read=[sys.base_prefix, sys.prefix, "/usr", "/lib", prefix, site / "numpy"], hidden=[site]
    ) == ["ok", "ok", 13]


@needs_landlock
def test_landlock_refuses_tcp_abstract_sockets_and_signals_outside_from_the_abis_that_have_them(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    abstract = socket.socket(socket.AF_UNIX)
    abstract.bind(f"\0adam-hw-test-scope-{tmp_path.name}")
    abstract.listen(1)
    body = f"""
        print(json.dumps({{
            "connect": attempt(lambda: socket.create_connection(("127.0.0.1", {server.getsockname()[1]}), timeout=2)),
            "abstract socket": attempt(lambda: socket.socket(socket.AF_UNIX).connect({abstract.getsockname()!r})),
            "signal the parent": attempt(lambda: os.kill(os.getppid(), 0)),
            "signal itself": attempt(lambda: os.kill(os.getpid(), 0)),
        }}))
    """
    try:
        got = _confined(tmp_path, body, read=[sys.base_prefix, sys.prefix, "/usr", "/lib"])
    finally:
        server.close()
        abstract.close()
    version = landlock.abi()
    assert got["connect"] == (13 if version >= 4 else "ok")
    assert got["abstract socket"] == (1 if version >= 6 else "ok")
    assert got["signal the parent"] == (1 if version >= 6 else "ok")
    assert got["signal itself"] == "ok"


def test_the_ruleset_of_an_abi_handles_only_the_rights_that_abi_knows():
    assert landlock.fs_rights(1) == (1 << 13) - 1
    assert landlock.fs_rights(2) & landlock.FS_REFER and not landlock.fs_rights(2) & landlock.FS_TRUNCATE
    assert landlock.fs_rights(3) & landlock.FS_TRUNCATE and not landlock.fs_rights(4) & landlock.FS_IOCTL_DEV
    assert landlock.fs_rights(7) == (1 << 16) - 1
    assert landlock.fs_rights(0) == 0
    assert landlock.describe(0) == "landlock: not available"
    assert landlock.describe(7).startswith("landlock ABI 7 ")


@needs_seccomp
def test_seccomp_refuses_a_socket_of_every_family_unix_included_but_keeps_socketpair(tmp_path):
    """No socket() at all (a named or abstract unix socket is an endpoint outside the sandbox); socketpair,
    which makes two ends joined to each other only, still works, and so does a passwd lookup (glibc tries
    nscd's unix socket first, then reads the files)."""
    families = {
        "AF_INET": int(socket.AF_INET),
        "AF_INET6": int(socket.AF_INET6),
        "AF_NETLINK": int(socket.AF_NETLINK),
        "AF_PACKET": int(socket.AF_PACKET),
        "AF_UNIX": int(socket.AF_UNIX),
    }
    body = f"""
        import pwd
        FAMILIES = {families!r}
        kinds = {{"AF_NETLINK": socket.SOCK_RAW, "AF_PACKET": socket.SOCK_RAW}}
        got = {{name: attempt(lambda: socket.socket(family, kinds.get(name, socket.SOCK_DGRAM)).close())
               for name, family in FAMILIES.items()}}
        got["AF_UNIX stream"] = attempt(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close())
        got["socketpair"] = attempt(lambda: [s.close() for s in socket.socketpair()])
        got["passwd"] = pwd.getpwuid(os.getuid()).pw_uid == os.getuid()
        print(json.dumps(got))
    """
    got = _confined(tmp_path, body, use_landlock=False, use_seccomp=True)
    assert got == {
        "AF_INET": 13,
        "AF_INET6": 13,
        "AF_NETLINK": 13,
        "AF_PACKET": 13,
        "AF_UNIX": 13,
        "AF_UNIX stream": 13,
        "socketpair": "ok",
        "passwd": True,
    }


@needs_seccomp
def test_seccomp_is_inherited_by_a_forked_child_and_refuses_io_uring(tmp_path):
    body = """
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        uring = libc.syscall(425, 8, ctypes.create_string_buffer(120))
        uring_errno = ctypes.get_errno()
        pid = os.fork()
        if pid == 0:
            os._exit(0 if attempt(lambda: socket.socket()) == 13 else 1)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"child refused": os.waitstatus_to_exitcode(status) == 0, "io_uring": [uring, uring_errno]}))
    """
    got = _confined(tmp_path, body, use_landlock=False, use_seccomp=True)
    assert got == {"child refused": True, "io_uring": [-1, 38]}


def test_the_seccomp_filter_checks_the_architecture_before_reading_a_system_call_number():
    for machine in ("x86_64", "aarch64"):
        prog = seccomp.program(machine)
        assert prog[0] == (seccomp.BPF_LD_W_ABS, 0, 0, seccomp.OFF_ARCH)
        assert prog[1][0] == seccomp.BPF_JEQ_K and prog[2] == (seccomp.BPF_RET_K, 0, 0, seccomp.RET_KILL_PROCESS)
        assert prog[-1] == (seccomp.BPF_RET_K, 0, 0, seccomp.RET_ALLOW)
    assert any(insn[3] == seccomp.X32_SYSCALL_BIT for insn in seccomp.program("x86_64"))


WRITES_ITS_OWN_FOLDER = """
import os, tempfile
import numpy as np
with open("scratch.txt", "w") as f:  # its own work folder (the current one)
    f.write("mine")
with tempfile.TemporaryDirectory() as tmp:  # TMPDIR is its own folder too
    open(os.path.join(tmp, "x"), "w").write("x")
assert open("scratch.txt").read() == "mine" and len(open("/dev/urandom", "rb").read(8)) == 8
import fractions, decimal  # the standard library (imported by the sandbox before the fork)


def update_v(v_prev, g, beta2=0.999):
    return beta2 * np.asarray(v_prev) + (1 - beta2) * np.asarray(g) * np.asarray(g)


def bias_correct(v, t, beta2=0.999):
    return np.asarray(v) / (1 - beta2**t)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    return alpha / (np.sqrt(np.asarray(v_hat, dtype=float)) + eps)
"""


@pytest.mark.parametrize("level", ["basic", pytest.param("os", marks=pytest.mark.root(reason="level os needs root"))])
def test_every_guest_of_a_sandbox_can_write_its_own_folder_one_after_another(level, tmp_path):
    from autograder.config import GradeConfig
    from autograder.discover import discover
    from autograder.grading import grade_batch

    for name in ("first", "second", "third"):  # one after another in the same sandbox: the folder is reused
        (tmp_path / f"{name}.py").write_text(WRITES_ITS_OWN_FOLDER)
    results = grade_batch(discover([tmp_path]), GradeConfig(timeout=5.0, jobs=1, isolation=level))
    assert {r.student: (r.score, r.load_error) for r in results} == dict.fromkeys(
        ("first", "second", "third"), (100, None)
    )
