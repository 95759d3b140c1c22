"""The guest's side of the sandbox: everything that runs in the sandbox process and in each guest.

This folder is shipped into the sandbox whole: the grader (`pool.guest_sources`) sends the source of every
`.py` file here, and the sandbox process, which runs as `python -I -S` without the grader's package, makes a
package of them (`pool.BOOT`, under the name `adam_hw_guest`). So the modules here import only the
standard library and each other, always relatively (`from . import protocol`): the same line works inside
the sandbox and in the grader's package, where the grader imports `protocol` to talk to the guest and the
tests import the rest. A new module here needs no edit anywhere else.

- `protocol.py`: every message between the grader and the sandbox, defined once and validated on both sides;
- `serve.py`: the sandbox process: forks a guest per submission, ends it, and serves the grader's requests;
- `mounts.py`: each level's place for guests (the private view of the file system at level os);
- `warmup.py`: what the sandbox process imports and warms once for every guest;
- `cleanup.py`: killing every process of a submission and removing what it left;
- `landlock.py`, `seccomp.py`: the kernel's confinement, applied in each guest before student code runs;
- `answers.py`: the guest beside the student's code, answering the grader's requests with plain data;
- `cells_ipython.py`: a notebook in the guest: its JSON read, and its cells run by IPython's own shell, the
  shell's escapes refused;
- `libc.py`: the system calls Python's os module lacks.

Nothing here starts a process or reads a file at import.
"""
