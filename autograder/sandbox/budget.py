"""Every limit one submission's time is held to, derived from `--timeout` in this one place.

`--timeout` (config.GradeConfig.timeout) bounds four things, each named here:

- one call: a request may take at most one timeout (`call_limit`), and so may the guest's start;
- a function: all of its calls together take at most one timeout (`for_call`), so a function that takes
  just under the timeout on each of its many calls (a memory bomb, a sleep) still costs at most one;
- a load: importing the file, or one notebook cell, takes at most one timeout (`for_load`);
- the submission: (functions + 1) x timeout in all (`total`), which every request is charged to, loads,
  a notebook's cells and every reload after a call ended the guest included.

So one submission costs at most `total` plus a small constant (GRACE, and starting guests), however it
spends it. Time a guest waits for a CPU (a classmate's hog, a busy machine) is not its own: a wait goes on
by that much (`credit`), a little at a time, within what the submission has left in all and keeping back
RESERVE of each other function's timeout. A `Budget` is pure arithmetic: the host measures the time and
tells it what was spent; it reads no clock and starts nothing, so its tests need no process.
"""

from collections.abc import Collection, Sequence

#: What `--timeout` bounds, for the CLI's --help.
TIMEOUT_MEANS = (
    "seconds one call into student code may run; it also bounds each function's calls together, each load "
    "(a .py file's import, a notebook's cell), and each submission's (functions + 1) x timeout in all"
)
#: Of each function a request does not use, this much of a timeout is kept back from CPU-starvation credit,
#: so a starved endless loop cannot take the quick calls of the others with it.
RESERVE = 0.5
#: The least share of a reply's wait the guest must have spent waiting for a CPU to be credited at all: one
#: that mostly slept (a sleep, a hang on I/O) is charged its wall time, however busy the machine.
STARVED_SHARE = 0.25
#: Seconds of credit at a time, so the hog check runs again before the next.
CREDIT_STEP = 0.25
#: The least credit worth a wait's extension.
MIN_CREDIT = 0.005
#: CPUs a submission's processes may use together while credited (one process uses at most 1): a hog
#: starved by its own processes gets nothing back.
HOG_CPUS = 1.5
#: Seconds the grader waits for a reply before it reads the guest's CPU wait: most replies come sooner, and
#: reading /proc for each of them was a good part of the grader's time per student.
QUICK_WAIT = 0.02
#: Seconds a grader-side question (which functions a notebook defined) gets beyond the load budget: it runs
#: no student code unless a module-level __getattr__ is defined, and must be answered even once the budget
#: is spent. Part of the small constant beyond `total`.
GRACE = 0.5
#: Seconds of CPU beyond `total` that RLIMIT_CPU allows one process of the submission.
CPU_MARGIN = 2


class Budget:
    """One submission's time: what each limit allows now, given what has been spent (see the module
    docstring)."""

    def __init__(self, timeout: float, functions: Sequence[str]) -> None:
        self.timeout = timeout
        self.functions = tuple(functions)
        self.total = (len(self.functions) + 1) * timeout  # seconds the whole submission has
        self.spent: dict[str, float] = {}  # function name -> seconds its calls have taken so far
        self.total_spent = 0.0  # seconds every request has taken so far, loads and reloads included

    @property
    def call_limit(self) -> float:
        """Seconds one request may take at most (and the guest's start)."""
        return self.timeout

    @property
    def cpu_seconds(self) -> int:
        """RLIMIT_CPU of each process of the submission: a last bound on what any one of them can burn, all
        the submission has."""
        return int(self.total) + CPU_MARGIN

    def for_call(self, uses: Sequence[str]) -> float:
        """Seconds the next request running the functions `uses` may take: what the most spent of them has
        left of its timeout, within what the submission has left."""
        # A request that runs no graded function (reading part 5's written answer) has one timeout of its own.
        left = self.timeout - max((self.spent.get(name, 0.0) for name in uses), default=0.0)
        return max(0.0, min(left, self.total - self.total_spent))

    def for_load(self) -> float:
        """Seconds the next load (or notebook cell) may take: one timeout, within what the submission has left."""
        return max(0.0, min(self.timeout, self.total - self.total_spent))

    def cut_short(self, load_budget: float) -> bool:
        """Whether a load given `load_budget` had less than a whole timeout: the submission's time, not the
        load's own, ran out."""
        return load_budget < self.timeout

    def charge(self, uses: Sequence[str], seconds: float, starved: float = 0.0) -> None:
        """`seconds` of wall-clock time against the submission's total; to the functions `uses`, less the
        time their guest spent waiting for a CPU (`starved`, credited)."""
        self.total_spent += seconds
        for name in uses:
            self.spent[name] = self.spent.get(name, 0.0) + seconds - starved

    def charge_load(self, seconds: float) -> None:
        """`seconds` a load took, against the submission's total only."""
        self.total_spent += seconds

    def reserve(self, uses: Sequence[str], broken: Collection[str]) -> float:
        """Seconds kept back from starvation credit: RESERVE of a timeout (or what is left of it) for each
        function the current request does not use and that is not broken."""
        others = [f for f in self.functions if f not in uses and f not in broken]
        timeout = self.timeout
        return sum(min(RESERVE * timeout, max(0.0, timeout - self.spent.get(f, 0.0))) for f in others)

    def credit(self, starved: float, credited: float, waited: float, reserve: float) -> float:
        """Seconds a wait past its deadline may go on by now: what the guest has waited for a CPU
        (`starved`) beyond what was `credited` already, at most CREDIT_STEP, within what the submission has
        left once this wait (`waited` so far) and the `reserve` are taken off. May be zero or less: none."""
        return min(starved - credited, self.total - self.total_spent - waited - reserve, CREDIT_STEP)

    @staticmethod
    def earned(credit: float, starved: float, waited: float) -> bool:
        """Whether a wait is extended by `credit`: only for a guest that mostly waited for a CPU."""
        return credit > MIN_CREDIT and starved >= STARVED_SHARE * waited

    @staticmethod
    def hogging(cpu_used: float, seconds: float) -> bool:
        """Whether a submission's processes used more than HOG_CPUS together over `seconds` of credit."""
        return cpu_used > HOG_CPUS * seconds
