"""Fair CPU: one student's processes cannot push a classmate graded at the same time into a timeout.

Two mechanisms, each where the machine allows it (`describe()` says which held):

- **An equal CPU share per sandbox** (root, with a cgroup CPU controller): each sandbox process, and so
  every process a submission starts, lives in its own cgroup with the same weight (`cpu.shares` 1024 on
  cgroup v1, `cpu.weight` 100 on v2), under one folder per grader process. Sixteen spinning processes then
  get the CPU of one, whatever sessions they make. A normal user has no writable CPU controller.
- **Starved time is not charged** (wherever the grader can read the guest's /proc/<pid>/schedstat: level
  basic, and level os through the host's view of the guest's pid namespace): a call's budget is wall-clock time minus the
  time the student's process sat runnable, waiting for a CPU. A classmate's hog (or any other load on the
  machine) then slows a call down without using up its budget; a sleep or a hang in the student's own code
  is charged in full, since a sleeping process does not wait for a CPU. The credit is given a
  quarter of a second at a time, only to a guest that spent at least a quarter of the wait waiting for a
  CPU, and stops as soon as the submission's processes together use more than 1.5 CPUs (`budget.HOG_CPUS`,
  checked by host.py): a hog whose own processes starve its main one gets nothing back.

The wall clock stays the outer cap in every case: the host never lets a submission's replies take more
than (functions + 1) x timeout in all (`budget.Budget.total`), and keeps part of each other function's
budget back from the credit (`budget.RESERVE`). The share alone is not enough on a machine busy with other
work (a shared server, CI): a sandbox then gets its share of what is left, so the credit applies at every
level. And every guest process has RLIMIT_CPU (`budget.Budget.cpu_seconds`, set by the host) as a last
bound on what one escaped process could burn.
"""

import os
from pathlib import Path
from typing import Literal

SHARE_V1 = 1024  # a nice-0 task's weight: a sandbox competes like one ordinary process
WEIGHT_V2 = 100


def _mounts() -> list[tuple[str, str, str, set[str]]]:
    """[(fstype, mount point, root in hierarchy, super options)] from /proc/self/mountinfo."""
    found: list[tuple[str, str, str, set[str]]] = []
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fields, rest = left.split(), right.split()
            if len(fields) >= 5 and len(rest) >= 3:
                found.append((rest[0], fields[4], fields[3], set(rest[2].split(","))))
    return found


def _own_groups() -> dict[str, str]:
    """{controller or "" (v2): this process's cgroup path} from /proc/self/cgroup."""
    groups: dict[str, str] = {}
    with open("/proc/self/cgroup", encoding="utf-8") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for name in controllers.split(",") if controllers else [""]:
                groups[name] = path
    return groups


def _under(mount: str, root: str, path: str) -> Path:
    """The folder of cgroup `path` in a hierarchy mounted at `mount` (whose own root is `root`)."""
    rel = os.path.relpath(path, root) if path.startswith(root) else path.lstrip("/")
    return Path(mount) / ("" if rel == "." else rel)


def _remove_stale(parent: Path) -> None:
    """Empty groups of grader processes that are gone (killed before they could remove their own)."""
    for folder in parent.glob("adam-hw-*"):
        pid = folder.name.removeprefix("adam-hw-")
        if not pid.isdigit() or Path(f"/proc/{pid}").exists():
            continue
        for group in [*folder.glob("slot-*"), folder]:
            try:
                group.rmdir()
            except OSError:  # still holds a process (it ends soon): left for the next run
                break


class CpuGroups:
    """One cgroup per sandbox with an equal CPU share; `available` says whether this machine allows it."""

    def __init__(self, name: str | None = None) -> None:
        self.kind: Literal["v1", "v2"] | None = None
        self.base: Path | None = None  # our folder: <hierarchy>/<our cgroup>/adam-hw-<pid>
        self.reason = ""
        self._slots: list[Path] = []
        self._name = name or f"adam-hw-{os.getpid()}"
        if os.geteuid() != 0:
            self.reason = "not root: no cgroup of its own"
            return
        try:
            self._setup()
        except OSError as err:
            self.kind, self.base = None, None
            self.reason = f"cgroups refused: {err.strerror} ({err.filename or ''})"

    @property
    def available(self) -> bool:
        return self.base is not None

    def _setup(self) -> None:
        own = _own_groups()
        mounts = _mounts()
        for fstype, mount, root, options in mounts:  # v1 first: on a hybrid machine v2 has no controllers
            if fstype == "cgroup" and "cpu" in options and "cpu" in own:
                self.kind, parent = "v1", _under(mount, root, own["cpu"])
                break
        else:
            for fstype, mount, root, _options in mounts:
                if fstype == "cgroup2" and "" in own:
                    parent = _under(mount, root, own[""])
                    if "cpu" not in (parent / "cgroup.controllers").read_text().split():
                        self.reason = "the cgroup v2 CPU controller is not delegated here"
                        return
                    self.kind = "v2"
                    break
            else:
                self.reason = "no cgroup CPU controller mounted"
                return
        _remove_stale(parent)
        base = parent / self._name
        base.mkdir(exist_ok=True)
        if self.kind == "v2":
            # Fails (EBUSY) where our own group holds processes and is not the root: no internal processes.
            (parent / "cgroup.subtree_control").write_text("+cpu")
            (base / "cgroup.subtree_control").write_text("+cpu")
        self.base = base

    def _weight_file(self, folder: Path) -> Path:
        return folder / ("cpu.shares" if self.kind == "v1" else "cpu.weight")

    def create(self, slot: int) -> str | None:
        """A new group for sandbox `slot` with an equal share; returns its cgroup.procs path (None if none)."""
        base = self.base
        if base is None:  # not available
            return None
        folder = base / f"slot-{slot}"
        folder.mkdir(exist_ok=True)
        unit = SHARE_V1 if self.kind == "v1" else WEIGHT_V2
        self._weight_file(folder).write_text(str(unit))
        self._slots.append(folder)
        # The whole grader's sandboxes weigh as much as that many ordinary processes, not as one.
        self._weight_file(base).write_text(str(min(unit * len(self._slots), 262144 if self.kind == "v1" else 10000)))
        return str(folder / "cgroup.procs")

    def close(self) -> None:
        """Remove the groups (each is empty once its sandbox has exited)."""
        for folder in self._slots + ([self.base] if self.base else []):
            try:
                folder.rmdir()
            except FileNotFoundError:
                pass
            except OSError as err:  # EBUSY: a process is still in it; the kernel frees it when that ends
                self.reason = f"could not remove {folder}: {err.strerror}"
        self._slots = []

    def describe(self) -> str:
        if self.available:
            what = "cpu.shares" if self.kind == "v1" else "cpu.weight"
            return f"cgroup {self.kind} CPU share per sandbox ({what})"
        return f"no CPU share per sandbox ({self.reason})"


def waited(pid: int) -> float | None:
    """Seconds process `pid` has spent runnable but waiting for a CPU (/proc/<pid>/schedstat), or None."""
    try:
        with open(f"/proc/{pid}/schedstat", "rb") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def host_pid(sandbox_pid: int, guest_pid: int) -> int | None:
    """The grader's view of a guest that a sandbox in its own pid namespace calls `guest_pid`: the child of
    the sandbox process (`sandbox_pid`, host view) whose innermost pid is `guest_pid`. None if not found."""
    try:
        children = Path(f"/proc/{sandbox_pid}/task/{sandbox_pid}/children").read_text().split()
    except OSError:
        return None
    for pid in children:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("NSpid:") and line.split()[-1] == str(guest_pid):
                return int(pid)
    return None


class StarvationClock:
    """How long a guest process waited for a CPU since `start()`; zero where it cannot be read."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self._start = waited(pid) if pid else None
        self.readable = self._start is not None

    def starved(self) -> float:
        if self._start is None or self.pid is None:  # not readable: _start was read from this pid
            return 0.0
        now = waited(self.pid)
        return 0.0 if now is None else max(0.0, now - self._start)


def _times(pid: int) -> tuple[float, float] | None:
    """(utime + stime, cutime + cstime) of `pid` in seconds, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick, (int(fields[13]) + int(fields[14])) / tick


def tree_cpu(root: int) -> float:
    """CPU seconds of every process below `root` (a sandbox process: it reaps all its submission's processes,
    escaped ones included), plus what the reaped ones used (its own and its descendants' children times)."""
    total, todo, first = 0.0, [root], True
    while todo:
        pid = todo.pop()
        times = _times(pid)
        if times is not None:
            total += times[1] + (0.0 if first else times[0])
        first = False
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children", "rb") as f:
                    todo += [int(p) for p in f.read().split()]
        except OSError:
            continue
    return total


class TreeClock:
    """CPU seconds a sandbox's submission has used since `start`, over all its processes (None: unknown)."""

    def __init__(self, root: int | None) -> None:
        self.root = root
        self._start = tree_cpu(root) if root else None

    def used(self) -> float | None:
        if self._start is None or self.root is None:  # unknown: _start was read from this root
            return None
        return tree_cpu(self.root) - self._start
