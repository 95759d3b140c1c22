"""An import-linter contract, `no_circles`: no module of the root package imports itself round a circle.

The layers contract cannot see every circle: it says nothing about the modules inside one layer (the lms
package and its canvas, moodle and gradescope modules were one), and acyclic_siblings, import-linter's own,
squashes each package into one node, so it sees neither a package and its own modules importing each other
nor the grader's deliberate interleaving (sandbox.guest low, sandbox.host high) as anything but a circle.
This contract reads the import graph module by module: any strongly connected set of two or more modules
breaks it, with one shortest circle through each set printed import by import. It counts TYPE_CHECKING
imports whenever the session does (`exclude_type_checking_imports = false`): a type checker follows them.

Registered in pyproject.toml (`contract_types`); lint-imports puts the working directory on sys.path, so
`make lint` finds it. tests/test_import_circles.py plants circles for it to catch.
"""

from itertools import pairwise

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, output


def circles(graph: ImportGraph) -> list[list[str]]:
    """Each set of modules that import each other round a circle (a strongly connected component of two or
    more modules), sorted; Tarjan's algorithm, iterative, so a deep graph cannot hit the recursion limit."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, imported = work[-1]
            step = next(imported, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(graph.find_modules_directly_imported_by(step)))))
                elif step in on_stack:
                    low[module] = min(low[module], index[step])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def shortest_circle(graph: ImportGraph, members: list[str]) -> list[str]:
    """One shortest circle through the first of `members`, as modules from it back to it."""
    start = members[0]
    best: tuple[str, ...] | None = None
    for step in sorted(graph.find_modules_directly_imported_by(start) & set(members)):
        back = graph.find_shortest_chain(importer=step, imported=start)
        if back is not None and (best is None or len(back) < len(best)):
            best = back
    assert best is not None, f"{start} is in a circle, so one of its imports leads back to it"
    return [start, *best]


def lines(graph: ImportGraph, importer: str, imported: str) -> str:
    """Where `importer` imports `imported`: its line numbers."""
    details = graph.get_import_details(importer=importer, imported=imported)
    return ", ".join(f"l.{d['line_number']}" for d in details) or "?"


class NoCircles(Contract):
    """No import circle among the root package's modules (no options)."""

    type_name = "no_circles"

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        found = circles(graph)
        shown = []
        for members in found:
            path = shortest_circle(graph, members)
            shown.append(
                {
                    "members": members,
                    "imports": [f"{a} -> {b} ({lines(graph, a, b)})" for a, b in pairwise(path)],
                }
            )
        output.verbose_print(verbose, f"{len(found)} import circle(s) found.")
        return ContractCheck(kept=not found, metadata={"circles": shown})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for circle in check.metadata["circles"]:
            members = circle["members"]
            output.print_error(f"{len(members)} modules import each other round a circle: {', '.join(members)}.")
            output.print_error("One circle, import by import:", bold=False)
            for line in circle["imports"]:
                output.print_error(f"    - {line}", bold=False)
            output.new_line()
