"""Running student code away from the grader: a guest process per submission, plain data across a pipe.

`protocol.py` defines every message between the two sides, once. `guest.py` is what runs beside the
student's code (it imports nothing from the grader but the protocol); `forker.py` is the sandbox process
that isolates itself once and forks a fresh guest per submission; `pool.py` starts and lends those
sandbox processes (`SandboxPool`); `host.py` is the grader's side of one submission: it bounds each
request in time, has every process of the submission killed when a call hangs, and turns whatever happens
into a `boundary.Reply`. Nothing here starts a process or reads a file at import, and this package's own
file imports nothing: the guest's side (`protocol.py` with it) is imported without the grader's side.
"""
