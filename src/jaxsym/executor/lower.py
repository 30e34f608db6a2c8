"""Lowering: a graph becomes one pure function `(args, aux, key) -> (outputs, new_aux)`.

The walk is autodidax's `eval_jaxpr`: an environment of computed entries, one loop
over the nodes in topological order. It runs only while JAX traces, so compiled code
has no per-op Python.

Layout pass. MXNet's API is channel-first (NCHW), but XLA's CPU convolutions are much
faster channel-last (NHWC): with NCHW every convolution pays for transposes around it
and may miss the fast kernels. So while tracing, each environment entry also records
whether it is held channel-last. Convolutions always compute channel-last; BatchNorm,
global pooling and layout-free elementwise ops keep channel-last inputs channel-last;
every other op, and every graph output, sees the canonical channel-first array. The
graph is not rewritten, and values, shapes and errors stay MXNet's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..base import MXNetError
from ..graph.node import Entry, Node, topological_order
from ..ops import nn as nn_ops
from ..ops import registry
from .infer import node_error

Array = jax.Array

# Ops whose every output element depends only on the input elements at the same index
# (inputs of one shape), so they compute in whatever axis order their inputs share.
_LAYOUT_FREE = frozenset({
    "Activation", "relu", "sigmoid", "tanh", "_copy", "BlockGrad", "clip",
    "elemwise_add", "elemwise_sub", "elemwise_mul", "elemwise_div", "_maximum", "_minimum",
    "_plus_scalar", "_minus_scalar", "_rminus_scalar", "_mul_scalar", "_div_scalar",
    "_rdiv_scalar", "_maximum_scalar", "_minimum_scalar",
})
_CHANNEL_FIRST = (None, "NCW", "NCHW", "NCDHW")


def _to_channel_last(x: Array) -> Array:
    return jnp.moveaxis(x, 1, -1)


def _to_channel_first(x: Array) -> Array:
    return jnp.moveaxis(x, -1, 1)


# A channel-last rule: (params, inputs, input flags, aux, is_train, key) ->
# (outputs, channel-last flag per output, new aux), or None to use the canonical op.
Rule = Callable[[registry.Params, list[Array], list[bool], list[Array], bool, Any],
                tuple[list[Array], list[bool], list[Array]] | None]


def _conv_channel_last(p: registry.Params, x: Array, kernel: Array, kernel_last: bool,
                       bias: Array | None) -> Array:
    n = len(p.kernel)
    out = nn_ops._conv_core(
        x, kernel, True, strides=p.stride or (1,) * n,
        padding=[(q, q) for q in (p.pad or (0,) * n)], rhs_dilation=p.dilate or (1,) * n,
        groups=p.num_group, kernel_last=kernel_last)
    return out if bias is None else out + bias


def _convolution(p: registry.Params, inputs: list[Array], flags: list[bool],
                 aux: list[Array], is_train: bool, key: Any):
    """MXNet's channel-first convolution, computed channel-last."""
    data, weight = inputs[0], inputs[1]
    n = len(p.kernel)
    if not _channel_first_conv(p) or data.ndim != n + 2 or weight.shape != (
            p.num_filter, data.shape[-1 if flags[0] else 1] // p.num_group, *p.kernel):
        return None  # the op itself reports the error
    x = data if flags[0] else _to_channel_last(data)
    return [_conv_channel_last(p, x, weight, False, None if p.no_bias else inputs[2])
            ], [True], []


def _channel_first_conv(p: registry.Params) -> bool:
    return p.layout in _CHANNEL_FIRST and 1 <= len(p.kernel) <= 3


def _batch_norm(p: registry.Params, inputs: list[Array], flags: list[bool],
                aux: list[Array], is_train: bool, key: Any):
    """BatchNorm over the channel axis, wherever the channel axis is."""
    data = inputs[0]
    if not flags[0] or p.axis % data.ndim != 1:
        return None
    moved = registry.Params({**p.as_dict(), "axis": data.ndim - 1})
    outs, new_aux = registry.get("BatchNorm").apply(moved, inputs, aux, is_train, key)
    return outs, [True] + [False] * (len(outs) - 1), new_aux


def _pooling(p: registry.Params, inputs: list[Array], flags: list[bool],
             aux: list[Array], is_train: bool, key: Any):
    """Pooling of channel-first data, computed where the data is: channel-last."""
    data = inputs[0]
    if not flags[0] or p.layout not in (None, "NCW", "NCHW", "NCDHW"):
        return None
    return [nn_ops.pool(p, data, channel_last=True)], [True], []


_RULES: dict[str, Rule] = {
    "Convolution": _convolution, "BatchNorm": _batch_norm, "Pooling": _pooling,
}


def _layout_free(p: registry.Params, inputs: list[Array], flags: list[bool],
                 aux: list[Array], is_train: bool, key: Any, opdef: registry.OpDef):
    """Apply an elementwise op directly when all its inputs are channel-last."""
    if not all(flags) or len({x.shape for x in inputs}) != 1:
        return None
    outs, new_aux = opdef.apply(p, inputs, aux, is_train, key)
    return outs, [True] * len(outs), new_aux


@dataclass(frozen=True)
class _Step:
    node: Node
    opdef: registry.OpDef
    inputs: tuple[tuple[int, int], ...]  # (env slot of producer, output index)
    n_inputs: int
    aux_positions: tuple[int, ...]       # positions in `aux` that this node updates
    needs_key: bool
    index: int
    rule: Callable[..., Any] | None      # channel-last implementation, if any


@dataclass(frozen=True)
class _Prep:
    """A convolution whose kernel (and a BatchNorm right after it) only depend on
    variables, so inference can re-lay-out and fold them once instead of per call."""

    conv: int                      # env slot of the Convolution node
    weight: int                    # positions in the prepared inputs
    bias: int | None
    bn: int | None                 # env slot of the folded BatchNorm node
    bn_params: registry.Params | None
    bn_inputs: tuple[int, ...]     # gamma, beta, moving_mean, moving_var


def _bn_affine(p: Any, stats: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Inference BatchNorm as y = x * scale + shift, from (gamma, beta, moving_mean,
    moving_var) on the host; gamma counts as 1 under fix_gamma."""
    gamma, beta, mean, var = stats
    if p.fix_gamma:
        gamma = np.ones_like(gamma)
    scale = gamma / np.sqrt(var + np.asarray(p.eps, var.dtype))
    return scale, beta - mean * scale


class Lowered:
    """A graph compiled into a plan; `__call__` is pure and traceable.

    `channel_last=False` turns the layout pass off (every op sees channel-first arrays)
    and with it the inference-time weight preparation.
    """

    def __init__(self, heads: Sequence[Entry], channel_last: bool = True) -> None:
        order = topological_order(heads)
        self.arg_nodes, self.aux_nodes = registry.split_variables(order)
        self.arg_names = [n.name for n in self.arg_nodes]
        self.aux_names = [n.name for n in self.aux_nodes]
        slot = {id(n): i for i, n in enumerate(order)}
        aux_pos = {id(n): i for i, n in enumerate(self.aux_nodes)}
        arg_pos = {id(n): i for i, n in enumerate(self.arg_nodes)}
        self._var_sources = [(slot[id(n)], ("arg", arg_pos[id(n)]) if id(n) in arg_pos
                              else ("aux", aux_pos[id(n)])) for n in order if n.is_variable]
        self._var_slots = frozenset(index for index, _ in self._var_sources)
        steps = []
        for index, node in enumerate(order):
            if node.is_variable:
                continue
            opdef = registry.get(node.op)
            n_in = len(opdef.input_names(node.params))
            steps.append(_Step(
                node, opdef, tuple((slot[id(src)], i) for src, i in node.inputs), n_in,
                tuple(aux_pos[id(src)] for src, _ in node.inputs[n_in:]),
                opdef.random, index, self._rule(opdef) if channel_last else None))
        self._steps = steps
        self.needs_key = any(step.needs_key for step in steps)
        self._n_slots = len(order)
        self._heads = [(slot[id(n)], i) for n, i in heads]
        self.loss_heads = [registry.get(n.op).loss if not n.is_variable else False
                           for n, _ in heads]
        self._prep_sources: list[tuple[str, int]] = []
        self._affines: list[tuple[int, registry.Params, tuple[int, ...]]] = []
        self._preps = self._plan_preps(order, heads, slot, arg_pos, aux_pos) if channel_last \
            else []

    @staticmethod
    def _rule(opdef: registry.OpDef) -> Callable[..., Any] | None:
        if opdef.name in _RULES:
            return _RULES[opdef.name]
        if opdef.name in _LAYOUT_FREE:
            return lambda *a: _layout_free(*a, opdef=opdef)
        return None

    # -- inference-time weight preparation ---------------------------------------------------
    def _plan_preps(self, order: list[Node], heads: Sequence[Entry], slot: dict[int, int],
                    arg_pos: dict[int, int], aux_pos: dict[int, int]) -> list[_Prep]:
        users: dict[int, list[Node]] = {}
        for node in order:
            for src, _ in node.inputs:
                users.setdefault(id(src), []).append(node)
        for node, _ in heads:  # a graph output is a user no fold may hide
            users.setdefault(id(node), []).append(node)

        def source(entry: Entry) -> int:
            """Position of a variable among the inputs of `prepare`."""
            node = entry[0]
            where = ("arg", arg_pos[id(node)]) if id(node) in arg_pos else \
                ("aux", aux_pos[id(node)])
            self._prep_sources.append(where)
            return len(self._prep_sources) - 1

        preps = []
        for node in order:
            if node.op is None or registry.get(node.op).name != "Convolution" or \
                    not _channel_first_conv(node.params):
                continue
            if not all(src.is_variable for src, _ in node.inputs[1:]):
                continue
            weight = source(node.inputs[1])
            bias = source(node.inputs[2]) if len(node.inputs) > 2 else None
            bn_node = users[id(node)][0]
            foldable = (len(users[id(node)]) == 1 and bn_node is not node and
                        registry.get(bn_node.op).name == "BatchNorm" and
                        bn_node.inputs[0][0] is node and
                        bn_node.params.axis % (len(node.params.kernel) + 2) == 1 and
                        not bn_node.params.output_mean_var and
                        all(src.is_variable for src, _ in bn_node.inputs[1:]))
            if foldable:
                bn_inputs = tuple(source(e) for e in bn_node.inputs[1:5])
                preps.append(_Prep(slot[id(node)], weight, bias, slot[id(bn_node)],
                                   bn_node.params, bn_inputs))
            else:
                preps.append(_Prep(slot[id(node)], weight, bias, None, None, ()))
        folded = {p.bn for p in preps}
        for node in order:
            if node.op is None or registry.get(node.op).name != "BatchNorm" or \
                    slot[id(node)] in folded or node.params.axis != 1 or \
                    node.params.output_mean_var or \
                    not all(src.is_variable for src, _ in node.inputs[1:]):
                continue
            self._affines.append((slot[id(node)], node.params,
                                  tuple(source(e) for e in node.inputs[1:5])))
        return preps

    @property
    def has_preparation(self) -> bool:
        return bool(self._preps)

    def preparation_inputs(self, args: Sequence[Array], aux: Sequence[Array]) -> list[Array]:
        """The variables that `prepare` reads, in its order."""
        return [args[pos] if kind == "arg" else aux[pos] for kind, pos in self._prep_sources]

    def prepare(self, inputs: Sequence[Array]) -> list[tuple[Array, Array | None]]:
        """Inference kernels, spatial-first (HWIO), and biases, with BatchNorm folded in.

        MXNet's inference BatchNorm is y = (x - mean) * g / sqrt(var + eps) + beta, with
        g = 1 under fix_gamma; after a convolution it becomes a scale of the kernel's
        output channels and a bias. Computed once per set of weights with numpy on the
        host: compiling it with XLA took longer (1.5 s for ResNet-18) than the forward.
        """
        host = [np.asarray(x) for x in jax.device_get(list(inputs))]
        out = []
        for prep in self._preps:
            weight = host[prep.weight]
            bias = None if prep.bias is None else host[prep.bias]
            if prep.bn is not None:
                scale, shift = _bn_affine(prep.bn_params, [host[i] for i in prep.bn_inputs])
                weight = weight * scale.reshape((-1,) + (1,) * (weight.ndim - 1))
                bias = shift if bias is None else bias * scale + shift
            out.append((np.ascontiguousarray(np.moveaxis(weight, (0, 1), (-1, -2))), bias))
        for _, p, idx in self._affines:
            out.append(_bn_affine(p, [host[i] for i in idx]))
        device = next(iter(inputs[0].devices())) if inputs else None
        return jax.device_put(out, device)

    # -- evaluation ----------------------------------------------------------------------------
    def __call__(self, args: Sequence[Array], aux: Sequence[Array], key: Array | None,
                 is_train: bool, prepared: Sequence[tuple[Array, Array | None]] | None = None,
                 materialize: Array | None = None) -> tuple[list[Array], list[Array]]:
        """Outputs and new aux values; `prepared` (from `prepare`, inference only) replaces
        the planned convolutions' kernels and the BatchNorms folded into them.
        `materialize` is `materialize_scalar`'s runtime 1.0, or None."""
        env: list[list[Array] | None] = [None] * self._n_slots
        # Per entry: whether it is held channel-last (its axis 1 moved to the end).
        last: list[list[bool] | None] = [None] * self._n_slots
        for slot_index, (kind, pos) in self._var_sources:
            env[slot_index] = [args[pos] if kind == "arg" else aux[pos]]
            last[slot_index] = [False]
        replaced: dict[int, tuple[Array, ...]] = {}
        if prepared is not None:
            for prep, (kernel, bias) in zip(self._preps, prepared):
                replaced[prep.conv] = (kernel, bias)
                if prep.bn is not None:
                    replaced[prep.bn] = ()
        # Other BatchNorms (after a residual sum, say) become one prepared scale and shift.
        affine: dict[int, tuple[Array, Array]] = {} if prepared is None else {
            bn_slot: values for (bn_slot, _, _), values
            in zip(self._affines, prepared[len(self._preps):])}
        new_aux = list(aux)
        for step in self._steps:
            operands = [env[s][i] for s, i in step.inputs]  # type: ignore[index]
            flags = [last[s][i] for s, i in step.inputs]  # type: ignore[index]
            if step.index in affine:
                x, (scale, shift) = operands[0], affine[step.index]
                if not flags[0]:  # channel axis 1: broadcast over the trailing axes
                    scale = scale.reshape((-1,) + (1,) * (x.ndim - 2))
                    shift = shift.reshape((-1,) + (1,) * (x.ndim - 2))
                env[step.index] = [x * scale + shift]
                last[step.index] = [flags[0]]
                continue
            if step.index in replaced:
                prep_values = replaced[step.index]
                if prep_values:  # a planned convolution with its prepared kernel
                    x = operands[0] if flags[0] else _to_channel_last(operands[0])
                    env[step.index] = [_conv_channel_last(
                        step.node.params, x, prep_values[0], True, prep_values[1])]
                else:  # a BatchNorm already folded into the convolution before it
                    env[step.index] = [operands[0]]
                last[step.index] = [True]
                continue
            if materialize is not None and step.opdef.name in _CONV_OPS and \
                    step.inputs[0][0] not in self._var_slots:
                operands[0] = operands[0] / materialize.astype(operands[0].dtype)
            node_key = jax.random.fold_in(key, step.index) if step.needs_key and \
                key is not None else key
            n_in = step.n_inputs
            try:
                result = None if step.rule is None else step.rule(
                    step.node.params, operands[:n_in], flags[:n_in], operands[n_in:],
                    is_train, node_key)
                if result is None:
                    operands = [_to_channel_first(x) if f else x
                                for x, f in zip(operands, flags)]
                    outs, updated = step.opdef.apply(
                        step.node.params, operands[:n_in], operands[n_in:], is_train,
                        node_key)
                    out_flags = [False] * len(outs)
                else:
                    outs, out_flags, updated = result
            except MXNetError:
                raise
            except (TypeError, ValueError, IndexError, ZeroDivisionError) as err:
                raise node_error(step.node, err, operands) from err
            env[step.index] = outs
            last[step.index] = out_flags
            for pos, value in zip(step.aux_positions, updated):
                new_aux[pos] = value
        heads = [_to_channel_first(env[s][i]) if last[s][i] else env[s][i]  # type: ignore[index]
                 for s, i in self._heads]
        return heads, new_aux


class _PreparedForward:
    """Inference forward that prepares the weights once per set of weights.

    Kernels are re-laid-out (and BatchNorms folded) on the host, redone only when one
    of the variables it reads is a different array; jax arrays are immutable and the
    NDArray handles rebind on assignment, so identity is a sound key.
    """

    def __init__(self, lowered: Lowered) -> None:
        n_args = len(lowered.arg_names)
        self._lowered = lowered
        # Positions of the variables that `prepare` reads, among the flat arrays.
        self._sources = tuple(lowered.preparation_inputs(  # type: ignore[arg-type]
            range(n_args), range(n_args, n_args + len(lowered.aux_names))))

        def main(prepared: Any, *arrays: Array) -> Array | tuple[Array, ...]:
            return _flat_call(lowered, arrays, False, prepared)
        self._main = jax.jit(main, compiler_options=compiler_options(lowered, False))
        self._inputs: tuple[Array, ...] = ()
        self._prepared: Any = None

    def __call__(self, *arrays: Array) -> Array | tuple[Array, ...]:
        inputs = tuple(arrays[i] for i in self._sources)
        if len(inputs) != len(self._inputs) or any(
                a is not b for a, b in zip(inputs, self._inputs)):
            self._prepared = self._lowered.prepare(inputs)
            self._inputs = inputs
        return self._main(self._prepared, *arrays)


def _flat_call(lowered: Lowered, arrays: Sequence[Array], is_train: bool,
               prepared: Any = None) -> Array | tuple[Array, ...]:
    """`lowered` on flat `(*args, *aux[, key])`, new aux dropped: the single output
    itself, else a tuple (on a tiny graph, packing and unpacking a one-element tuple is
    a measurable part of the call)."""
    n_args = len(lowered.arg_names)
    n_vars = n_args + len(lowered.aux_names)
    key = arrays[n_vars] if lowered.needs_key else None
    outs = lowered(arrays[:n_args], arrays[n_args:n_vars], key, is_train, prepared)[0]
    return outs[0] if len(outs) == 1 else tuple(outs)


def inference_forward(lowered: Lowered) -> Callable[..., Array | tuple[Array, ...]]:
    """The compiled `(*args, *aux[, key]) -> outputs` for `forward(is_train=False)`.

    Flat positional arrays in and the outputs out (`_flat_call`; inference leaves aux
    alone): the shortest path through jax's C++ dispatch. The key comes last, only
    when the graph draws random numbers. Graphs with convolutions get their kernels
    prepared once per set of weights (see `Lowered.prepare`); others are one jitted
    call, with no Python in between.
    """
    if lowered.has_preparation:
        return _PreparedForward(lowered)
    return outputs_forward(lowered, False)


def outputs_forward(lowered: Lowered, is_train: bool
                    ) -> Callable[..., Array | tuple[Array, ...]]:
    """`(*args, *aux[, key]) -> outputs` (see `_flat_call`) as one jitted call."""
    def run(*arrays: Array) -> Array | tuple[Array, ...]:
        return _flat_call(lowered, arrays, is_train)
    # No backward pass here, whatever is_train says: the inference options fit.
    return jax.jit(run, compiler_options=compiler_options(lowered, False))


# XLA options per program kind. jax 0.10's CPU backend hands convolutions, dots,
# reductions and elementwise fusions to YNNPACK by default; measured on the 2-core AVX2
# machine (benchmarks/README.md):
# - training: YNNPACK's weight-gradient convolutions are fed through transposes that
#   re-run the forward's elementwise chains; with convolutions left to XLA's own (Eigen)
#   kernels and only reductions and dots on YNNPACK, ResNet-20's step ran 1.7-1.8x
#   faster (turning YNNPACK off altogether loses its fast reductions; its elementwise
#   fusions can swallow the convolution that feeds them, which cost LeNet 9%);
# - inference: convolutions and dots alone on YNNPACK ran ResNet-18 at batch 1 1.7x
#   faster than the default, and batch 16 about as fast.
# Graphs without convolutions compile with XLA's defaults.
_CONV_OPS = frozenset({"Convolution", "Deconvolution"})
_YNN_KINDS = {True: ("REDUCE", "INDIVIDUAL_DOT"),
              False: ("INDIVIDUAL_CONVOLUTION", "INDIVIDUAL_DOT")}


def _cpu_convolutions(lowered: Lowered, device: Any) -> bool:
    platform = device.platform if device is not None else jax.default_backend()
    return platform == "cpu" and any(step.opdef.name in _CONV_OPS for step in lowered._steps)


def compiler_options(lowered: Lowered, training: bool, device: Any = None) -> dict[str, Any]:
    """XLA options for compiling `lowered`'s training (forward + backward) or inference
    programs on `device` (the default device when None)."""
    if not _cpu_convolutions(lowered, device):
        return {}
    return {"xla_cpu_experimental_ynn_fusion_type": ",".join(
        "LIBRARY_FUSION_TYPE_" + kind for kind in _YNN_KINDS[training])}


# Training programs on CPU: XLA computes a convolution's weight gradient from its input
# transposed batch-last, and fuses that transpose with everything the input is computed
# from. In a residual network that is the whole chain of BatchNorm + sum + ReLU back to
# the last convolutions, recomputed per element in transposed (cache-missing) order:
# in a profile of ResNet-20's step those fusions were 63% of the traced op time, the
# deepest one 51 ms per step.
# XLA never duplicates an "expensive" op such as a floating-point divide into several
# consumers, so dividing each convolution input by a 1.0 it cannot see at compile time
# makes it compute the input once; the transpose then reads one buffer. Dividing by
# 1.0 is exact. (lax.optimization_barrier cannot do this: XLA's CPU pipeline removes it
# before fusion.) ResNet-20 training: about +20% samples/s, benchmarks/README.md.
def materialize_scalar(lowered: Lowered, device: Any = None) -> Array | None:
    """The runtime 1.0 for `Lowered.__call__(materialize=)` in training programs on
    `device`, or None where it buys nothing (other platforms, no convolutions)."""
    if not _cpu_convolutions(lowered, device):
        return None
    return jax.device_put(np.ones((), np.float32), device)
