"""Running student code away from the grader: a guest process per submission, plain data across a pipe.

By side: `guest/` is everything that runs in the sandbox (shipped there whole as source, importing only the
standard library and itself: the protocol, the sandbox process that forks a guest per submission, its
mounts, warm-up and clean-up, Landlock and seccomp, and the guest beside the student's code). The rest of
this folder is the grader's side: `pool.py` starts and lends the sandbox processes (`SandboxPool`),
`host.py` is one submission's lifecycle, `channel.py` its lines in and out and what it printed,
`budget.py` every limit derived from `--timeout`, `confine.py` the plan for Landlock and seccomp, and
`cpu.py` fair CPU. What comes back is a `boundary.Reply`. Nothing here starts a process or reads a file at
import, and this package's own file imports nothing: the guest's side is imported without the grader's.
"""
