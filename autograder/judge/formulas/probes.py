"""The diagnosis probes: fixed inputs every student's function is called on (the same for every student
and term), and every candidate evaluated on all of them at once, as matrices.

"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.judge.formulas.trees import SIGNATURES, Defaults, Floats, Node, _evaluate, _is_scalar

# One row of each array argument per probe (all of one length, so the candidates evaluate as one matrix).
# Values are irregular on purpose: no two candidates that differ should agree on all of them by chance.


@dataclass(frozen=True)
class Probe:
    arrays: dict[str, tuple[float, ...]]  # name -> one row of values
    kwargs: Mapping[str, float]  # scalar arguments passed; the others take the function's default

    def args(self, func: str) -> tuple[list[object], dict[str, float]]:
        sig = SIGNATURES[func]
        positional: list[object] = [np.array(self.arrays[name], dtype=np.float64) for name in sig.arrays]
        if "t" in sig.scalars:
            positional.append(self.kwargs["t"])
        return positional, {k: v for k, v in self.kwargs.items() if k != "t"}


_VP = (0.0, 0.3, 2.5, 0.0417, 7.3)
_G = (10.0, -0.2, 0.0, 1.73, -3.1)
PROBES = {
    "update_v": (
        Probe({"v_prev": _VP, "g": _G}, {}),
        Probe({"v_prev": _VP, "g": _G}, {"beta2": 0.9}),
        Probe({"v_prev": (0.12, 5.0, 0.7, 0.0, 1.9), "g": (-3.0, 0.55, 2.2, -0.013, 0.0)}, {"beta2": 0.55}),
        Probe({"v_prev": (0.0009, 13.0, 0.26, 3.3, 0.0), "g": (0.35, 4.4, -1.3, 0.0, 0.77)}, {"beta2": 0.97}),
    ),
    "bias_correct": tuple(
        Probe({"v": v}, kw)
        for v, kw in (
            ((0.1, 2.0, 1e-5, 0.37, 41.3), {"t": 1}),
            ((0.2439, 3.7, 4.999e-5, 0.0, 1.1), {"t": 2}),
            ((0.3076561, 0.51, 6.6e-4, 12.5, 0.09), {"t": 3}),
            ((0.83, 0.0021, 5.4, 1.7, 0.33), {"t": 7}),
            ((0.04, 2.9, 0.61, 1e-3, 8.8), {"t": 60}),
            ((10.0, 0.37, 2.2, 0.014, 5.0), {"t": 1, "beta2": 0.9}),
            ((1.3, 0.047, 7.7, 0.5, 0.0), {"t": 4, "beta2": 0.9}),
            ((0.25, 3.1, 0.72, 0.0089, 1.6), {"t": 3, "beta2": 0.55}),
        )
    ),
    "effective_step": tuple(
        Probe({"v_hat": v}, kw)
        for v, kw in (
            ((100.0, 0.01, 0.0, 1e-16, 2.37), {}),
            ((122.0, 4.1e-9, 0.49, 1e-12, 0.0), {}),
            ((100.0, 0.0, 0.37, 1e-6, 5.5), {"alpha": 0.01, "eps": 1e-3}),
            ((0.0, 2.9, 0.0123, 16.0, 1e-4), {"alpha": 0.5, "eps": 0.1}),
            ((3.3, 1e-10, 0.83, 47.0, 0.0), {"alpha": 0.07}),
            ((0.64, 2e-8, 9.0, 0.0, 1.7e-3), {"eps": 0.02}),
        )
    ),
}


def _env(func: str, defaults: Defaults) -> dict[str, Any]:
    """The probes as matrices: each array argument (probes x length), each scalar (probes x 1)."""
    sig, probes = SIGNATURES[func], PROBES[func]
    env = {name: np.array([p.arrays[name] for p in probes], dtype=np.float64) for name in sig.arrays}
    for name in sig.scalars:
        env[name] = np.array([[p.kwargs.get(name, defaults.get(name, math.nan))] for p in probes], dtype=np.float64)
    return env


@functools.cache
def _probe_env(func: str, defaults: tuple[tuple[str, float], ...]) -> dict[str, Any]:
    """The probes as matrices (names) and their "_shape", for func under these defaults: constants of the
    code, kept for the process (read, never changed)."""
    env = _env(func, dict(defaults))
    env["_shape"] = env[SIGNATURES[func].arrays[0]].shape
    return env


def evaluate(func: str, tree: Node, defaults: Defaults) -> tuple[Floats, bool]:
    """The candidate's values on every probe: (probes x length) float64, and whether it returns one number."""
    sig = SIGNATURES[func]
    env = _probe_env(func, tuple(sorted(defaults.items())))
    with np.errstate(all="ignore"):
        out: Floats = np.broadcast_to(_evaluate(tree, env), env["_shape"]).astype(np.float64)
    return out, _is_scalar(tree, sig.arrays)
