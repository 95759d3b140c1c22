"""A real, tiny file system for the gradebook: a tmpfs the test can fill and free.

As root it is mounted where asked. Without root it is mounted inside a user and mount namespace of its
own (`unshare --user --map-root-user --mount`), held open by a sleeping process, and reached from outside
through that process's root (`/proc/PID/root/...`): the same files, the same ENOSPC, no privilege.
Where neither works the test skips and says why.
"""

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PAGE = 4096  # tmpfs charges whole pages


class SmallDisk:
    """A mounted tmpfs: `path` is where a test reads and writes it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.filler = path / ".filler"

    def free(self) -> int:
        st = os.statvfs(self.path)
        return st.f_bavail * st.f_frsize

    def fill(self, leave: int = 0) -> None:
        """Fill the disk with one file until only `leave` bytes (whole pages) are free."""
        want = max(self.free() - leave, 0) + (self.filler.stat().st_size if self.filler.exists() else 0)
        with open(self.filler, "wb") as f:
            f.truncate(0)
            f.write(b"\0" * want)

    def make_room(self) -> None:
        self.filler.unlink(missing_ok=True)


def pages(folder: Path) -> int:
    """What the files under `folder` take on a tmpfs, in bytes (whole pages per file)."""
    return sum(-(-p.stat().st_size // PAGE) * PAGE for p in folder.rglob("*") if p.is_file())


@contextmanager
def small_disk(where: Path, size_kb: int) -> Iterator[SmallDisk]:
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        made = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(where)], capture_output=True
        )
        if made.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs as root here: {made.stderr.decode().strip()}")
        try:
            yield SmallDisk(where)
        finally:
            subprocess.run(["umount", "-l", str(where)], check=False)
        return
    if shutil.which("unshare") is None:
        pytest.skip("no unshare(1) here, and not root: no tmpfs can be mounted for the gradebook")
    script = 'mount -t tmpfs -o size="$2"k tmpfs "$1" && echo ready && exec sleep 3600'
    holder = subprocess.Popen(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script, "sh", str(where), str(size_kb)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        if holder.stdout.readline().strip() != "ready":
            holder.kill()
            reason = holder.communicate()[1].strip()
            pytest.skip(f"not root, and an unprivileged user namespace cannot mount a tmpfs here: {reason}")
        yield SmallDisk(Path(f"/proc/{holder.pid}/root") / where.relative_to("/"))
    finally:
        holder.kill()
        holder.wait()
