"""A stable topological sort that also reports missing names and cycles (wit-parser toposort.rs).

Ties are broken by original order, so output is deterministic and matches wit-parser's ids.
"""

from __future__ import annotations

import heapq

from witgen.errors import WitError
from witgen.syntax import ast


def toposort(kind: str, deps: dict[str, list[ast.Id]]) -> list[str]:
    """Names of `deps` ordered so each comes after what it depends on.

    Raises `{kind} `x` does not exist` for an edge to an unknown name and
    `{kind} `x` depends on itself` for a cycle, at the offending reference.
    """
    names = list(deps)
    index = {name: i for i, name in enumerate(names)}
    remaining = [0] * len(names)
    reverse: list[list[int]] = [[] for _ in names]
    for i, edges in enumerate(deps.values()):
        remaining[i] = len(edges)
        for edge in edges:
            j = index.get(edge.name)
            if j is None:
                raise WitError(f"{kind} `{edge.name}` does not exist", edge.span)
            reverse[j].append(i)
    heap = [i for i in range(len(names)) if remaining[i] == 0]
    heapq.heapify(heap)
    order: list[str] = []
    while heap:
        i = heapq.heappop(heap)
        order.append(names[i])
        for k in reverse[i]:
            remaining[k] -= 1
            if remaining[k] == 0:
                heapq.heappush(heap, k)
        reverse[i] = []
    if len(order) == len(names):
        return order
    for i, edges in enumerate(deps.values()):
        if remaining[i] == 0:
            continue
        for edge in edges:
            if remaining[index[edge.name]] != 0:
                raise WitError(f"{kind} `{edge.name}` depends on itself", edge.span)
    raise AssertionError("cycle not found")
