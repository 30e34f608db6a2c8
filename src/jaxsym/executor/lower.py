"""Lowering: a graph becomes one pure function `(args, aux, key) -> (outputs, new_aux)`.

The walk is autodidax's `eval_jaxpr`: an environment of computed entries, one loop
over the nodes in topological order. It runs only while JAX traces, so compiled code
has no per-op Python.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jax

from ..base import MXNetError
from ..graph.node import Entry, Node, topological_order
from ..ops import registry
from .infer import node_error

Array = jax.Array


@dataclass(frozen=True)
class _Step:
    node: Node
    opdef: registry.OpDef
    inputs: tuple[tuple[int, int], ...]  # (env slot of producer, output index)
    n_inputs: int
    aux_positions: tuple[int, ...]       # positions in `aux` that this node updates
    needs_key: bool
    index: int


class Lowered:
    """A graph compiled into a plan; `__call__` is pure and traceable."""

    def __init__(self, heads: Sequence[Entry]) -> None:
        order = topological_order(heads)
        aux_ids: set[int] = set()
        for node in order:
            if not node.is_variable:
                n_in = len(registry.get(node.op).input_names(node.params))
                aux_ids.update(id(src) for src, _ in node.inputs[n_in:])
        self.arg_nodes = [n for n in order if n.is_variable and id(n) not in aux_ids]
        self.aux_nodes = [n for n in order if n.is_variable and id(n) in aux_ids]
        self.arg_names = [n.name for n in self.arg_nodes]
        self.aux_names = [n.name for n in self.aux_nodes]
        slot = {id(n): i for i, n in enumerate(order)}
        aux_pos = {id(n): i for i, n in enumerate(self.aux_nodes)}
        arg_pos = {id(n): i for i, n in enumerate(self.arg_nodes)}
        self._var_sources = [(slot[id(n)], ("arg", arg_pos[id(n)]) if id(n) in arg_pos
                              else ("aux", aux_pos[id(n)])) for n in order if n.is_variable]
        steps = []
        for index, node in enumerate(order):
            if node.is_variable:
                continue
            opdef = registry.get(node.op)
            n_in = len(opdef.input_names(node.params))
            steps.append(_Step(
                node, opdef, tuple((slot[id(src)], i) for src, i in node.inputs), n_in,
                tuple(aux_pos[id(src)] for src, _ in node.inputs[n_in:]),
                opdef.random, index))
        self._steps = steps
        self.needs_key = any(step.needs_key for step in steps)
        self._n_slots = len(order)
        self._heads = [(slot[id(n)], i) for n, i in heads]
        self.loss_heads = [registry.get(n.op).loss if not n.is_variable else False
                           for n, _ in heads]

    def __call__(self, args: Sequence[Array], aux: Sequence[Array], key: Array | None,
                 is_train: bool) -> tuple[list[Array], list[Array]]:
        env: list[list[Array] | None] = [None] * self._n_slots
        for slot_index, (kind, pos) in self._var_sources:
            env[slot_index] = [args[pos] if kind == "arg" else aux[pos]]
        new_aux = list(aux)
        for step in self._steps:
            operands = [env[s][i] for s, i in step.inputs]  # type: ignore[index]
            node_key = jax.random.fold_in(key, step.index) if step.needs_key and \
                key is not None else key
            try:
                outs, updated = step.opdef.apply(
                    step.node.params, operands[:step.n_inputs], operands[step.n_inputs:],
                    is_train, node_key)
            except MXNetError:
                raise
            except (TypeError, ValueError, IndexError, ZeroDivisionError) as err:
                raise node_error(step.node, err, operands) from err
            env[step.index] = outs
            for pos, value in zip(step.aux_positions, updated):
                new_aux[pos] = value
        return [env[s][i] for s, i in self._heads], new_aux  # type: ignore[index]


def make_forward(lowered: Lowered, is_train: bool) -> Callable[..., Any]:
    def forward(args, aux, key):
        return lowered(args, aux, key, is_train)
    return forward
