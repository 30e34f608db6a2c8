"""MXNet's fused `RNN` operator (rnn_relu, rnn_tanh, lstm, gru) over TNC data.

All trainable parameters arrive as one flat vector in MXNet's (cuDNN's) packing: every
weight matrix first, per layer then direction, `i2h` (gates*H, in) before `h2h`
(gates*H, H); then every bias in the same order. Gates are i, f, g, o (LSTM) and
r, z, n (GRU). Each direction's time loop is one `lax.scan`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from . import attrs as A
from .registry import REQUIRED, Param, Params, register

Array = jax.Array
Shape = tuple[int, ...]

_GATES = {"rnn_relu": 1, "rnn_tanh": 1, "lstm": 4, "gru": 3}


def _dirs(p: Params) -> int:
    return 2 if p.bidirectional else 1


def packed_layout(mode: str, state_size: int, num_layers: int, bidirectional: bool,
                  input_size: int) -> list[tuple[str, int, int, str, int, Shape]]:
    """The one description of MXNet's packing of a fused RNN's `parameters` vector:
    `(kind, layer, direction, group, offset, shape)` per matrix or bias vector, in order
    (every weight, per layer, direction, `i2h` then `h2h`; then every bias the same way).
    A weight is (gates*H, columns), a bias (gates*H,), gates stacked in MXNet's order.
    Pure Python: the op slices with it, FusedRNN and FusedRNNCell name its gates."""
    gh, dirs = _GATES[mode] * state_size, 2 if bidirectional else 1
    widths = [input_size] + [dirs * state_size] * (num_layers - 1)
    pieces, offset = [], 0
    for kind in ("weight", "bias"):
        for layer, width in enumerate(widths):
            for direction in range(dirs):
                for group, cols in (("i2h", width), ("h2h", state_size)):
                    shape = (gh, cols) if kind == "weight" else (gh,)
                    pieces.append((kind, layer, direction, group, offset, shape))
                    offset += gh * cols if kind == "weight" else gh
    return pieces


def rnn_param_size(mode: str, state_size: int, num_layers: int, bidirectional: bool,
                   input_size: int) -> int:
    """Length of the packed `parameters` vector, as MXNet's GetRnnParamSize."""
    *_, offset, shape = packed_layout(mode, state_size, num_layers, bidirectional,
                                      input_size)[-1]
    return offset + shape[0]


def _param_size(p: Params, input_size: int) -> int:
    return rnn_param_size(p.mode, p.state_size, p.num_layers, p.bidirectional, input_size)


def _check_supported(p: Params) -> None:
    if p.projection_size is not None:
        raise ValueError(f"projection_size={p.projection_size} is not supported by jaxsym")
    # MXNet 1.9.1's own CPU kernel rejects both (its oneDNN kernel silently ignores them).
    if p.use_sequence_length:
        raise ValueError("RNN use_sequence_length option is only available for cuDNN "
                         "version >= 7.2")
    if p.lstm_state_clip_min is not None or p.lstm_state_clip_max is not None:
        raise ValueError("LSTM state clipping is only supported for GPU with CuDNN later "
                         "than 7.2.1")


def _rnn_inputs(p: Params) -> list[str]:
    names = ["data", "parameters", "state"]
    if p.mode == "lstm":
        names.append("state_cell")
    if p.use_sequence_length:
        names.append("sequence_length")
    return names


def _rnn_num_outputs(p: Params) -> int:
    if not p.state_outputs:
        return 1
    return 3 if p.mode == "lstm" else 2


def _rnn_output_names(p: Params) -> list[str]:
    return ["output", "state_output", "statecell_output"][:_rnn_num_outputs(p)]


def _state_shape(p: Params, data: Shape) -> Shape:
    return (p.num_layers * _dirs(p), data[1], p.state_size)


def _rnn_infer(p: Params, shapes: list[Shape | None]) -> list[Shape | None]:
    data = shapes[0]
    if data is None or len(data) != 3:  # the forward reports a bad rank, naming the node
        return shapes
    filled = [data, (_param_size(p, data[2]),)]
    filled += [_state_shape(p, data)] * (1 + (p.mode == "lstm"))
    filled += [(data[1],)] * p.use_sequence_length
    return [given or want for given, want in zip(shapes, filled)]


def _rnn_output(p: Params, shapes: list[Shape]) -> list[Shape] | None:
    _check_supported(p)  # a ValueError: the traced forward reports it, naming the node
    data = shapes[0]
    if _rnn_infer(p, [data] + [None] * (len(shapes) - 1)) != list(shapes):
        return None
    out = (data[0], data[1], _dirs(p) * p.state_size)
    return [out] + [_state_shape(p, data)] * (_rnn_num_outputs(p) - 1)


def _unpack(p: Params, flat: Array, input_size: int) -> list[list[tuple[Array, ...]]]:
    """Per layer, per direction: (w_i2h, w_h2h, b_i2h, b_h2h) sliced from `flat`."""
    arrays = {}
    for kind, layer, direction, group, offset, shape in packed_layout(
            p.mode, p.state_size, p.num_layers, p.bidirectional, input_size):
        size = shape[0] * (shape[1] if len(shape) == 2 else 1)
        arrays[kind, layer, direction, group] = flat[offset:offset + size].reshape(shape)
    return [[tuple(arrays[kind, layer, d, group] for kind in ("weight", "bias")
                   for group in ("i2h", "h2h"))
             for d in range(_dirs(p))] for layer in range(p.num_layers)]


def _cell(p: Params, w_h: Array, b_h: Array):
    """One time step `(h, c), x_proj -> (h, c), h`, x_proj = W_i2h x + b_i2h precomputed."""

    def step(carry: tuple[Array, Array], xw: Array) -> tuple[tuple[Array, Array], Array]:
        h, c = carry
        hw = h @ w_h.T + b_h
        if p.mode == "lstm":
            i, f, g, o = jnp.split(xw + hw, 4, axis=-1)
            c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
        elif p.mode == "gru":
            xr, xz, xn = jnp.split(xw, 3, axis=-1)
            hr, hz, hn = jnp.split(hw, 3, axis=-1)
            r = jax.nn.sigmoid(xr + hr)
            z = jax.nn.sigmoid(xz + hz)
            # cuDNN's form: the reset gate scales h2h's output including its bias.
            n = jnp.tanh(xn + r * hn)
            h = (1.0 - z) * n + z * h
        else:
            h = jax.nn.relu(xw + hw) if p.mode == "rnn_relu" else jnp.tanh(xw + hw)
        return (h, c), h

    return step


def _rnn(p: Params, inputs: list[Array], aux: list[Array], is_train: bool,
         key: Array) -> tuple[list[Array], list[Array]]:
    _check_supported(p)
    data, flat, state = inputs[:3]
    if data.ndim != 3:
        raise ValueError(f"data must be (T, N, C) (layout TNC), got {tuple(data.shape)}")
    cell = inputs[3] if p.mode == "lstm" else jnp.zeros_like(state)
    want = _param_size(p, data.shape[2])
    if flat.shape != (want,):
        raise ValueError(f"parameters has shape {tuple(flat.shape)}, expected ({want},) from "
                         f"data {tuple(data.shape)}")
    x = data
    hy, cy = [], []
    for layer, directions in enumerate(_unpack(p, flat, data.shape[2])):
        if layer > 0 and is_train and p.p > 0:
            key, sub = jax.random.split(key)
            keep = jax.random.bernoulli(sub, 1.0 - p.p, x.shape)
            x = jnp.where(keep, x / (1.0 - p.p), jnp.zeros_like(x))
        outs = []
        for d, (w_i, w_h, b_i, b_h) in enumerate(directions):
            k = layer * _dirs(p) + d
            xw = x @ w_i.T + b_i  # all steps' input projections in one matmul
            (h, c), out = lax.scan(_cell(p, w_h, b_h), (state[k], cell[k]), xw,
                                   reverse=d == 1)
            outs.append(out)
            hy.append(h)
            cy.append(c)
        x = jnp.concatenate(outs, axis=-1) if len(outs) > 1 else outs[0]
    results = [x, jnp.stack(hy), jnp.stack(cy)]
    return results[:_rnn_num_outputs(p)], []


register(
    "RNN", _rnn,
    params={
        "state_size": Param(A.parse_int, REQUIRED, "size of each layer's state"),
        "num_layers": Param(A.parse_int, REQUIRED, "number of stacked layers"),
        "bidirectional": Param(A.parse_bool, False, "bidirectional layers"),
        "mode": Param(A.enum("gru", "lstm", "rnn_relu", "rnn_tanh"), REQUIRED,
                      "the recurrence"),
        "p": Param(A.parse_float, 0.0, "dropout on each layer's output but the last"),
        "state_outputs": Param(A.parse_bool, False, "also output the final states"),
        "projection_size": Param(A.optional(A.parse_int), None, "LSTM projection (no)"),
        "lstm_state_clip_min": Param(A.optional(A.parse_float), None, "unsupported (cuDNN only)"),
        "lstm_state_clip_max": Param(A.optional(A.parse_float), None, "unsupported (cuDNN only)"),
        "lstm_state_clip_nan": Param(A.parse_bool, False, "cuDNN only; ignored"),
        "use_sequence_length": Param(A.parse_bool, False, "unsupported (cuDNN only)")},
    inputs=_rnn_inputs, num_outputs=_rnn_num_outputs, output_names=_rnn_output_names,
    infer_inputs=_rnn_infer, infer_outputs=_rnn_output, stateful=True, random=True,
    doc="Fused multi-layer (bidirectional) vanilla RNN, LSTM or GRU over TNC data.")
