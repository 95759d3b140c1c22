"""A memory and a pids cgroup per sandbox, which its guests join (as root, where the controllers are mounted):
the whole submission's memory and processes budget (budget.Budget.limits), held by the kernel.

Cgroup v1 (as here: `memory` with swap accounting, and `pids`): one folder per sandbox under
<hierarchy>/<our cgroup>/adam-hw-<pid>/ in each hierarchy. Cgroup v2 where the memory and pids controllers
are delegated to our group: one folder with both. The sandbox process writes the submission's limits
before each guest (v1 `memory.limit_in_bytes` then `memory.memsw.limit_in_bytes`, so swap adds nothing;
v2 `memory.max` and `memory.swap.max` 0; `pids.max`), and each guest moves itself in as it starts
(guest/serve.py). The sandbox process itself stays out: the pages it warmed (numpy, sympy) are shared by
every guest and charged to it, not to a student. Every page a guest faults in, tmpfs (its /tmp) and memfd
pages included, is charged to its group, and the kernel ends a process of the submission when the group
is full. A normal user has no such group: budget.py says what holds then.
"""

import os
from pathlib import Path

from autograder.sandbox.cpu import _mounts, _own_groups, _remove_stale, _under

CONTROLLERS = ("memory", "pids")


class LimitGroups:
    """The memory and pids cgroups of each sandbox; `controllers` says which this machine allows."""

    def __init__(self, name: str | None = None) -> None:
        self._name = name or f"adam-hw-{os.getpid()}"
        self.bases: dict[str, Path] = {}  # controller -> our folder in its hierarchy
        self.kind = ""
        self.reason = ""
        self._slots: list[Path] = []
        if os.geteuid() != 0:
            self.reason = "not root: no memory or pids cgroup of its own"
            return
        try:
            self._setup()
        except OSError as err:
            self.bases = {}
            self.reason = f"cgroups refused: {err.strerror} ({err.filename or ''})"

    @property
    def controllers(self) -> tuple[str, ...]:
        return tuple(self.bases)

    def _setup(self) -> None:
        own, mounts = _own_groups(), _mounts()
        for controller in CONTROLLERS:
            for fstype, mount, root, options in mounts:
                if fstype == "cgroup" and controller in options and controller in own:
                    self.bases[controller] = _under(mount, root, own[controller]) / self._name
                    self.kind = "v1"
                    break
        if not self.bases:
            for fstype, mount, root, _options in mounts:
                if fstype == "cgroup2" and "" in own:
                    parent = _under(mount, root, own[""])
                    delegated = set((parent / "cgroup.controllers").read_text().split()) & set(CONTROLLERS)
                    if not delegated:
                        self.reason = "the cgroup v2 memory and pids controllers are not delegated here"
                        return
                    base = parent / self._name
                    base.mkdir(exist_ok=True)
                    enable = " ".join(f"+{c}" for c in sorted(delegated))
                    (parent / "cgroup.subtree_control").write_text(enable)
                    (base / "cgroup.subtree_control").write_text(enable)
                    self.bases = dict.fromkeys(sorted(delegated), base)
                    self.kind = "v2"
                    break
        missing = [c for c in CONTROLLERS if c not in self.bases]
        if missing:
            self.reason = f"no {' or '.join(missing)} cgroup controller mounted"
        for base in set(self.bases.values()):
            _remove_stale(base.parent)
            base.mkdir(exist_ok=True)
        memory = self.bases.get("memory")
        if self.kind == "v1" and memory is not None and not (memory / "memory.memsw.limit_in_bytes").exists():
            self.reason = "no swap accounting (memory.memsw): swapped pages are not counted"

    def create(self, slot: int) -> dict[str, str]:
        """{controller: folder} of a new group for sandbox `slot`'s guests (empty where none is allowed)."""
        folders: dict[str, str] = {}
        for controller, base in self.bases.items():
            # Named by this object too: two pools in one grader process each count their slots from 1, and
            # one's close() must not remove the other's (empty between guests) group.
            folder = base / f"slot-{slot}-{id(self):x}"
            folder.mkdir(exist_ok=True)
            if folder not in self._slots:
                self._slots.append(folder)
            folders[controller] = str(folder)
        return folders

    def close(self) -> None:
        """Remove the groups (each is empty once its sandbox's guests have ended)."""
        for folder in self._slots + sorted(set(self.bases.values())):
            try:
                folder.rmdir()
            except FileNotFoundError:
                pass
            except OSError as err:  # EBUSY: a process is still in it; the kernel frees it when that ends
                self.reason = f"could not remove {folder}: {err.strerror}"
        self._slots = []

    def describe(self) -> str:
        held = [f"{c}" for c in self.controllers]
        if held:
            what = f"cgroup {self.kind} {' and '.join(held)} budget per submission"
            return what + (f" ({self.reason})" if self.reason else "")
        return (
            f"no memory or pids cgroup ({self.reason}): the sandbox watches its guests' memory every 50 ms, "
            "memfd_create is refused, every writable tmpfs is size-capped, RLIMIT_NPROC in its own user namespace"
        )
