"""`Symbol.grad(wrt)`: the gradient of a symbol as another symbol.

MXNet 1.9.1 removed `Symbol.grad` (and `Symbol.gradient` raises "not implemented"),
but the memo relies on it: `c.grad(wrt=('a'))` gives a symbol whose arguments are
c's plus one head gradient per output, named `<output node name>_<i>_grad`, and
whose outputs are the gradients with respect to `wrt`.

The gradient is one graph node of the op `_grad`, whose parameters hold the
original graph; its forward runs `jax.vjp` over the lowered original, so binding,
shape inference and compilation work as for any other op.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax

from ..base import MXNetValueError
from ..executor.lower import Lowered
from ..graph import naming
from ..graph.node import Node
from ..ops import registry
from .symbol import Symbol

Array = jax.Array
Shape = tuple[int, ...]
OP_NAME = "_grad"


def _forward(p: registry.Params, inputs: list[Array], aux: list[Array], is_train: bool,
             key: Array) -> tuple[list[Array], list[Array]]:
    lowered: Lowered = p.lowered
    n_args = len(lowered.arg_names)
    args, head_grads = inputs[:n_args], inputs[n_args:]

    def outputs_of(diff: list[Array]) -> list[Array]:
        full = list(args)
        for pos, value in zip(p.wrt_positions, diff):
            full[pos] = value
        outs, _ = lowered(full, aux, key, True)
        return outs

    outs, pullback = jax.vjp(outputs_of, [args[i] for i in p.wrt_positions])
    (grads,) = pullback([g.astype(o.dtype) for g, o in zip(head_grads, outs)])
    return list(grads), list(aux)


def _infer_inputs(p: registry.Params, shapes: list[Shape | None]) -> list[Shape | None]:
    """The original graph's rules: head gradients take its outputs' shapes."""
    from ..executor import infer

    lowered: Lowered = p.lowered
    n_args = len(lowered.arg_names)
    known = {n: s for n, s in zip(lowered.arg_names + lowered.aux_names,
                                  shapes[:n_args] + shapes[n_args + len(p.head_names):])
             if s is not None}
    arg_shapes, out_shapes, aux_shapes = infer.infer_shape(p.heads, known, partial=True)
    inferred = arg_shapes + out_shapes + aux_shapes
    return [given if given is not None else (shape or None)
            for given, shape in zip(shapes, inferred)]


registry.register(
    OP_NAME, _forward,
    inputs=lambda p: [*p.lowered.arg_names, *p.head_names],
    aux=lambda p: list(p.lowered.aux_names),
    num_outputs=lambda p: len(p.wrt_positions),
    output_names=lambda p: [f"{p.lowered.arg_names[i]}_grad" for i in p.wrt_positions],
    infer_inputs=_infer_inputs, stateful=True, random=True,
    doc="Gradients of a graph w.r.t. some of its arguments (Symbol.grad).")


def make_gradient_symbol(sym: Symbol, wrt: Sequence[str]) -> Symbol:
    """The symbol of d(sym's outputs)/d(wrt), given one head gradient per output."""
    lowered = Lowered(sym._outputs)
    positions = []
    for name in wrt:
        if name not in lowered.arg_names:
            raise MXNetValueError(f"grad: {name!r} is not an argument of the symbol; "
                                  f"arguments are {lowered.arg_names}")
        positions.append(lowered.arg_names.index(name))
    head_names = tuple(f"{node.name}_{i}_grad" for node, i in sym._outputs)
    params = registry.Params({"lowered": lowered, "heads": tuple(sym._outputs),
                              "wrt_positions": tuple(positions),
                              "head_names": head_names})
    heads = [Node(None, n) for n in head_names]
    inputs: list[Any] = [(n, 0) for n in lowered.arg_nodes]
    inputs += [(n, 0) for n in heads]
    inputs += [(n, 0) for n in lowered.aux_nodes]
    name = naming.current().get(None, "grad")
    node = Node(OP_NAME, name, {}, inputs, params, len(positions))
    return Symbol([(node, i) for i in range(len(positions))])
