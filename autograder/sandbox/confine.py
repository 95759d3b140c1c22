"""The grader's plan for confining a guest beyond its isolation level, and the words that say what held.

The sandbox process applies it (landlock.py, seccomp.py, run from their text) in each guest after dropping
privileges and before any student code runs. Planned here, where everything can still be read:

- Landlock: read-only access to the system's libraries and data (/usr/lib, /lib, the dynamic loader's
  files, time zones, fonts), the interpreter's prefix and standard library, and only the installed
  distributions numpy, sympy and matplotlib need (their requirements, followed); read and write access to
  the guest's own work folder, created per submission. Never the checkout, the grader's package (wherever
  it is installed: a checkout, site-packages, Gradescope's /autograder/source), other site-packages
  entries, other students' folders or the output folder: none of those is granted, and a granted folder
  that holds one of them is granted entry by entry without it.
- seccomp: no socket() of any family, unix included (socketpair only), so no IPC endpoint by name.
- the CPU share (cpu.py).

Landlock only takes rights away. As root the guest also runs as a dedicated uid, and run_autograder makes
/autograder/source unreadable to it, so a Python installed where that uid cannot read (say under /root)
stays unreadable to the student whatever Landlock grants: modules the sandbox did not import before the
fork cannot be imported then.
"""

import importlib.util
import os
import re
import site
import sys
import sysconfig
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from autograder.sandbox.guest import landlock, seccomp

#: what a submission may use beyond the standard library (matplotlib: a notebook's plotting cell)
DISTRIBUTIONS = ("numpy", "sympy", "matplotlib", "ipython")
#: system folders and files the guest may read (those missing on a machine are skipped)
SYSTEM_READ = (
    "/usr/lib",
    "/usr/lib64",
    "/usr/lib32",
    "/lib",
    "/lib64",
    "/lib32",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/fonts",
    "/usr/share/zoneinfo",
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "/usr/share/fontconfig",
    "/usr/share/locale/locale.alias",
    "/sys/devices/system/cpu",
)


def _requirement_names(dist: metadata.Distribution) -> list[str]:
    """Names of what `dist` needs when installed without extras."""
    names: list[str] = []
    for req in dist.requires or []:
        if "extra ==" in req.replace('extra=="', 'extra == "'):
            continue
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req)
        if match:
            names.append(match.group(1))
    return names


def distribution_paths(roots: Iterable[str] = DISTRIBUTIONS) -> list[str]:
    """The top-level entries (packages, modules, .libs and .dist-info folders) of the installed
    distributions `roots` and everything they require, followed recursively."""
    seen: set[str] = set()
    todo = list(roots)
    paths: set[str] = set()
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        todo += _requirement_names(dist)
        base = str(dist.locate_file(""))
        # RECORD read as text, and only each line's first name kept: `dist.files` makes objects per file,
        # seconds for sympy's thousands.
        tops = {
            re.split(r"[/,]", line.strip('"'), maxsplit=1)[0] for line in (dist.read_text("RECORD") or "").splitlines()
        }
        # __pycache__ and .pth files at the top are shared by every distribution (the grader's too)
        paths |= {
            os.path.join(base, top)
            for top in tops
            if top and top not in ("..", "__pycache__") and not top.endswith(".pth")
        }
    for name in ("numpy", "sympy", "mpmath", "matplotlib"):  # installed without a RECORD: the package itself
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            paths.add(str(Path(next(iter(spec.submodule_search_locations)))))
    return sorted(paths)


def site_dirs() -> list[str]:
    """Every site-packages / dist-packages folder this interpreter (or its base) could import from."""
    dirs = set(site.getsitepackages()) | {site.getusersitepackages()}
    for scheme_vars in ({}, {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}):
        for key in ("purelib", "platlib"):
            dirs.add(sysconfig.get_path(key, vars=scheme_vars or None))
    dirs |= {p for p in sys.path if os.path.basename(p.rstrip("/")) in ("site-packages", "dist-packages")}
    return sorted(d for d in dirs if d)


def grader_dirs() -> list[str]:
    """The grader's own folders: its package, and the folder holding it (a checkout, Gradescope's bundle)."""
    package = Path(__file__).resolve().parent.parent
    return [str(package), str(package.parent)]


def landlock_rules(extra_hidden: Iterable[str] = ()) -> list[tuple[str, int]]:
    """[(path, rights)] for every guest (the work folder is added by the sandbox, per submission)."""
    stdlib = {sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib"), os.path.dirname(os.__file__)}
    read = [*SYSTEM_READ, *sorted({sys.base_prefix, sys.base_exec_prefix} | stdlib), *distribution_paths()]
    hidden = [*site_dirs(), *grader_dirs(), "/autograder", *extra_hidden]
    return landlock.plan(read=read, write=[], hidden=hidden)


def describe(landlock_abi: int, seccomp_on: bool, cpu_share: str, cpu_time: str) -> str:
    """The layers added to an isolation level's own (uid, namespaces, rlimits), in one line: results.json,
    the run summary and run_autograder's output carry it."""
    layers = [
        landlock.describe(landlock_abi)
        if landlock_abi
        else f"no landlock ({landlock.unavailable_reason()}: files not confined beyond the uid and namespaces)",
        seccomp.DESCRIPTION if seccomp_on else "no seccomp filter (network not cut beyond the namespaces)",
        cpu_share,
        cpu_time,
    ]
    return "; ".join(layers)
