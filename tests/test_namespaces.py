"""One confinement at every level (issue 19 item 1): a guest sees no /run, no home and no checkout, and its
/tmp is a tmpfs of --disk, at level os, at level basic as root, and at level basic as an unprivileged user
(in its own user namespace); where the kernel refuses that user namespace, the isolation line says so and
names what still holds."""

import re
import shutil
import tempfile
from pathlib import Path

import pytest

from autograder.config import DEFAULT
from tests.conftest import ROOT, SUBMISSIONS
from tests.test_submission_budget import LEVELS, _grade

SAW = re.compile(r"saw (\d+) of (\d+) tmp_mb=(\d+)")
#: Run before the grader, as nobody: a user namespace of its own whose user.max_user_namespaces is 0, so
#: the grader's own unshare(CLONE_NEWUSER) is refused (ENOSPC), as on a machine that forbids them; the
#: host's setting is never touched.
REFUSE = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.unshare(0x10000000) != 0:
    sys.exit("unshare: " + os.strerror(ctypes.get_errno()))
uid, gid = os.getuid(), os.getgid()
for path, text in (("/proc/self/setgroups", "deny"), ("/proc/self/uid_map", f"{uid} {uid} 1"),
                   ("/proc/self/gid_map", f"{gid} {gid} 1"), ("/proc/sys/user/max_user_namespaces", "0")):
    with open(path, "w") as f:
        f.write(text)
os.execv(sys.argv[1], sys.argv[1:])
"""


def _ta_paths() -> list[str]:
    """Paths of the TA's that exist here: what is in /run (a session bus, the system bus), the homes, and
    the checkout's solutions and grader."""
    found = [str(p) for folder in ("/run", "/home", Path.home()) for p in sorted(Path(folder).iterdir())[:3]]
    found += [str(ROOT / "solutions"), str(ROOT / "autograder")]
    assert all(Path(p).exists() for p in found) and len(found) >= 4
    return found


def _looker(folder: Path) -> Path:
    path = folder / "look_around.py"
    text = (SUBMISSIONS / "exhaustion" / "look_around.py").read_text()
    path.write_text(text.replace("PATHS = []", f"PATHS = {_ta_paths()!r}"))
    path.chmod(0o644)
    return path


@pytest.mark.parametrize("level", LEVELS)
def test_a_guest_sees_no_run_no_home_no_checkout_and_a_tmp_of_its_disk_budget(level, tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    folder.chmod(0o755)
    tmp_path.chmod(0o755)
    got = _grade(level, [_looker(folder)])
    score, output = got["look_around"]
    assert score == 100
    seen, _, tmp_mb = SAW.search(output).groups()
    assert seen == "0", output
    assert int(tmp_mb) == DEFAULT.disk_mb


@pytest.mark.root(reason="becoming an unprivileged user (nobody) needs root")
def test_where_user_namespaces_are_refused_level_basic_says_so_and_what_still_holds():
    python = shutil.which("python3", path="/usr/bin:/usr/local/bin:/bin")
    if python is None:
        pytest.skip("needs a system python3 that the user nobody can run")
    folder = Path(tempfile.mkdtemp(prefix="adam-hw-refuse-"))
    try:
        folder.chmod(0o755)
        refuse = folder / "refuse.py"
        refuse.write_text(REFUSE)
        refuse.chmod(0o644)
        got = _grade("nobody", [_looker(folder)], wrap=[python, str(refuse)], isolation=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    score, output, isolation = got["look_around"]
    assert score == 100
    assert (
        "no namespaces: user namespaces refused (No space left on device; user.max_user_namespaces is 0)" in isolation
    )
    assert "what still holds: Landlock, seccomp" in isolation and "seccomp: no network" in isolation
    assert "memfd_create is refused" in isolation
    seen, _, _ = SAW.search(output).groups()
    assert int(seen) > 0  # no mount namespace: the TA's paths are there to see (Landlock keeps them unread)
