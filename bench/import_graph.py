"""Counts on the package's import graph, as grimp (import-linter's engine) builds it.

Type-only imports (under ``TYPE_CHECKING``) and imports inside functions count. Prints the
number of import circles between modules, and the longest chain of imports from the command
line (``ablations.read.cli``) down to a module that imports nothing of the package; exits 1 if
there is a circle or the chain is longer than ``--max-chain`` modules.

    python bench/import_graph.py --max-chain 8
"""

from __future__ import annotations

import argparse
import functools
import sys

import grimp


def module_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports (packages' ``__init__`` counted as modules)."""
    graph = grimp.build_graph("ablations", exclude_type_checking_imports=False)
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in edges.get(node, ()):
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def longest_chain(edges: dict[str, set[str]], start: str) -> list[str]:
    """The longest path of imports from ``start`` (the graph must have no circle)."""

    @functools.cache
    def longest(node: str) -> tuple[str, ...]:
        best: tuple[str, ...] = ()
        for nxt in sorted(edges.get(node, ())):
            path = longest(nxt)
            if len(path) > len(best):
                best = path
        return (node, *best)

    return list(longest(start))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--start", default="ablations.read.cli")
    parser.add_argument("--max-chain", type=int, default=None, help="fail if the chain has more modules")
    args = parser.parse_args(argv)
    edges = module_graph()
    found = circles(edges)
    print(f"{len(edges)} modules, {sum(map(len, edges.values()))} imports, {len(found)} circles")
    for component in found:
        print("  circle:", " <-> ".join(component))
    if found:
        return 1
    chain = longest_chain(edges, args.start)
    print(f"longest chain from {args.start}: {len(chain)} modules")
    print("  " + " -> ".join(chain))
    if args.max_chain is not None and len(chain) > args.max_chain:
        print(f"longer than {args.max_chain} modules")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
