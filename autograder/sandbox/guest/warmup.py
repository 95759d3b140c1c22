"""Warming the sandbox process before any fork, so that every guest forked from it starts warm: numpy and
sympy imported, sympy's caches filled, what a notebook imports preloaded, and the memory all of it holds
backed by huge pages. Importing numpy and sympy once here is what makes a submission cheap: a fork costs
about a millisecond where starting Python and importing them costs about half a second.
"""

import ctypes
import gc
import importlib
import sys
from collections.abc import Iterable

from . import cells_ipython
from .libc import libc

MADV_COLLAPSE = 25  # Linux 6.1+
HUGE_PAGE = 2 * 1024 * 1024


def import_shared(site: list[str]) -> None:
    """What every guest and typical submissions import, loaded once here before any fork, while this
    process can still read the standard library: as root at level "basic" the dedicated uid may not (e.g.
    a Python installed under /root)."""
    sys.path[:0] = site
    for name in ("numpy", "sympy", "encodings.idna", "importlib.util", "linecache", "math", "random"):
        importlib.import_module(name)  # encodings.idna: socket needs it for any host name


def warm_sympy(steps: int = 6) -> None:
    """Run once the algebra the identity checks make every guest do (Adam's v_t on real symbols, then
    together / fraction / Poly), so sympy's caches are warm in every fork: it halves a submission's time."""
    import sympy

    beta = sympy.Symbol("beta2", real=True)
    for names in ([f"g{i}" for i in range(1, steps + 1)], ["g"] * steps):
        grads = [sympy.Symbol(name, real=True) for name in names]
        gens = list(dict.fromkeys(grads)) + [beta]
        v = sympy.Integer(0)
        for t, g in enumerate(grads, start=1):
            v = beta * v + (1 - beta) * g**2
            for x in (v, v / (1 - beta**t)):
                num, den = sympy.fraction(sympy.together(sympy.sympify(x)))
                for part in (num, den):
                    sympy.Poly(part, *gens).terms()
    sympy.Rational(-3, 1000)


def huge_pages() -> int:
    """Back this process's private memory (numpy, sympy and their warm caches, about 50 MB) with huge pages
    where the kernel can (MADV_COLLAPSE): a fork then copies one page-table entry per 2 MB rather than 512,
    and each guest's exit drops as few, so the few pages a guest writes to cost it more than before, but
    every guest costs the machine a few milliseconds less. Returns the huge pages made; none on a kernel
    without MADV_COLLAPSE, which changes nothing else."""
    madvise = libc().madvise
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    made = 0
    with open("/proc/self/maps") as maps:
        regions = [line.split() for line in maps]
    for fields in regions:
        if fields[1] != "rw-p" or (len(fields) > 5 and fields[5] != "[heap]"):
            continue  # anonymous private memory (and the heap) only: never a file's pages or the stack
        low, high = (int(x, 16) for x in fields[0].split("-"))
        start, end = -(-low // HUGE_PAGE) * HUGE_PAGE, high // HUGE_PAGE * HUGE_PAGE
        if end > start and madvise(start, end - start, MADV_COLLAPSE) == 0:
            made += (end - start) // HUGE_PAGE
    return made


def preload(names: Iterable[str]) -> None:
    """Import modules here, once, for every later guest (a notebook's plotting cell imports matplotlib:
    a second per notebook otherwise). Only modules the grader names; one that is not installed is skipped."""
    fresh = [name for name in names if name not in sys.modules]
    for name in fresh:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    if "matplotlib.pyplot" in fresh and "matplotlib.pyplot" in sys.modules:
        # A first figure loads fonts and the mathtext parser: do it here once, not in every notebook.
        plt = sys.modules["matplotlib.pyplot"]
        fig, axes = plt.subplots(2, 2)
        axes[0, 0].plot([1, 2], [3, 4])
        axes[0, 0].set_ylabel(r"$\alpha / (\sqrt{\hat v_t} + \epsilon)$")
        fig.tight_layout()
        plt.close("all")
    if "IPython" in fresh and "IPython" in sys.modules:
        cells_ipython.warm()  # the shell's modules and the input transformer, once for every notebook
    if fresh:
        gc.collect()
        gc.freeze()
        huge_pages()
