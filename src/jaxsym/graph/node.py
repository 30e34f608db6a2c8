"""Graph nodes: an MXNet computation graph as plain Python data."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

Entry = tuple["Node", int]  # (producer node, output index), as MXNet's NodeEntry


class Node:
    """One MXNet graph node: a variable (`op is None`) or an operator application.

    `attrs` holds every attribute as MXNet stores it: op parameters as the strings the
    user gave, plus hidden `__key__` attributes (`__lr_mult__`, `__shape__`, ...).
    `params` is the op's parsed, immutable parameter object (None for variables).
    Identity is object identity: two nodes with equal fields are still two nodes.
    """

    __slots__ = ("op", "name", "attrs", "inputs", "params", "num_outputs", "__weakref__")

    def __init__(self, op: str | None, name: str, attrs: dict[str, str] | None = None,
                 inputs: Sequence[Entry] = (), params: Any = None,
                 num_outputs: int = 1) -> None:
        self.op = op
        self.name = name
        self.attrs: dict[str, str] = dict(attrs or {})
        self.inputs: tuple[Entry, ...] = tuple(inputs)
        self.params = params
        self.num_outputs = num_outputs

    @property
    def is_variable(self) -> bool:
        return self.op is None

    def __repr__(self) -> str:
        return f"Node({self.op or 'Variable'}, {self.name!r})"


def topological_order(heads: Iterable[Entry]) -> list[Node]:
    """Nodes reachable from `heads`, inputs before users, in MXNet's DFS order.

    MXNet numbers nodes by a post-order depth-first walk from the heads, visiting
    inputs left to right; argument order (`list_arguments`) follows from it.
    """
    order: list[Node] = []
    seen: set[int] = set()
    for head, _ in heads:
        if id(head) in seen:
            continue
        # Iterative post-order DFS: deep networks must not hit the recursion limit.
        stack: list[tuple[Node, int]] = [(head, 0)]
        seen.add(id(head))
        while stack:
            node, i = stack[-1]
            if i < len(node.inputs):
                stack[-1] = (node, i + 1)
                child = node.inputs[i][0]
                if id(child) not in seen:
                    seen.add(id(child))
                    stack.append((child, 0))
            else:
                stack.pop()
                order.append(node)
    return order
