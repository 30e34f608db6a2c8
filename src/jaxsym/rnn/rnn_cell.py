"""RNN cells of `mx.rnn`: unfused cells built from FullyConnected/Activation symbols, the
fused cell over the `RNN` op, and the bidirectional and modifier cells.

Node and parameter names follow MXNet: parameters `<prefix>i2h_weight` etc., step `t` nodes
`<prefix>t<t>_i2h`, begin states `<prefix>begin_state_<k>`.

One difference: jaxsym has no `sym.zeros`, and its shape inference runs forwards only, so a
`(0, num_hidden)` zero state could not learn its batch size. `begin_state()` without `func`
therefore returns `ZeroState` placeholders, which a cell turns into zeros shaped after its
step input (a zero-argument sub-graph named `<prefix>begin_state_<k>`). Arguments, shapes and
outputs are MXNet's; only those internal nodes differ.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import ndarray, symbol
from ..base import MXNetError, MXNetTypeError, MXNetValueError
from ..symbol import Symbol
from ..train.initializer import _FUSED_GATES, FusedRNN, LSTMBias, _fused_rnn_slices

States = list[Any]


class ZeroState:
    """A zero begin state of `shape` (`0` = batch size), made concrete by the cell using it."""

    def __init__(self, name: str, shape: tuple[int, ...]) -> None:
        self.name = name
        self.shape = tuple(shape)

    def like(self, inputs: Symbol) -> Symbol:
        """Zeros of (batch of `inputs`, *shape[1:]), with no arguments of their own."""
        flat = symbol.reshape(symbol.zeros_like(inputs, name=f"{self.name}_zeros"),
                              shape=(0, -1), name=f"{self.name}_flat")
        column = symbol.slice_axis(flat, axis=1, begin=0, end=1, name=f"{self.name}_column")
        if len(self.shape) > 2:  # a convolutional state, (batch, C, H, W) or (batch, H, W, C)
            column = symbol.reshape(column, shape=(0,) + (1,) * (len(self.shape) - 1),
                                    name=f"{self.name}_point")
        return symbol.broadcast_axis(column, axis=tuple(range(1, len(self.shape))),
                                     size=self.shape[1:], name=self.name)

    def like_tnc(self, inputs: Symbol) -> Symbol:
        """Zeros of (layers*directions, batch of TNC `inputs`, num_hidden): a fused state."""
        zeros = symbol.zeros_like(inputs, name=f"{self.name}_zeros")
        first = symbol.slice_axis(zeros, axis=0, begin=0, end=1, name=f"{self.name}_step")
        column = symbol.slice_axis(first, axis=2, begin=0, end=1, name=f"{self.name}_column")
        return symbol.broadcast_axis(column, axis=(0, 2), size=(self.shape[0], self.shape[2]),
                                     name=self.name)

    def __repr__(self) -> str:
        return f"ZeroState({self.name!r}, {self.shape})"


def _concrete(states: Sequence[Any], inputs: Symbol) -> list[Symbol]:
    return [s.like(inputs) if isinstance(s, ZeroState) else s for s in states]


def _normalize_sequence(length: int | None, inputs: Any, layout: str, merge: bool | None,
                        in_layout: str | None = None) -> tuple[Any, int]:
    """Split a (merged) sequence into `length` steps, or merge steps, along layout's T."""
    if inputs is None:
        raise MXNetValueError("unroll: inputs=None is not supported; create the input "
                              "variables outside unroll")
    axis = layout.find("T")
    in_axis = in_layout.find("T") if in_layout is not None else axis
    if isinstance(inputs, Symbol):
        if merge is False:
            if len(inputs.list_outputs()) != 1:
                raise MXNetValueError(
                    f"unroll: a grouped symbol with outputs {inputs.list_outputs()} is not "
                    f"a sequence; pass list(inputs) instead")
            inputs = list(symbol.split(inputs, axis=in_axis, num_outputs=length,
                                       squeeze_axis=1))
    else:
        if length is not None and len(inputs) != length:
            raise MXNetValueError(f"unroll: got {len(inputs)} inputs for length={length}")
        if merge is True:
            inputs = symbol.Concat(*[symbol.expand_dims(i, axis=axis) for i in inputs],
                                   dim=axis)
            in_axis = axis
    if isinstance(inputs, Symbol) and axis != in_axis:
        inputs = symbol.swapaxes(inputs, dim0=axis, dim1=in_axis)
    return inputs, axis


class RNNParams:
    """Shared variables of cells: `get(name)` makes `prefix + name` once and reuses it."""

    def __init__(self, prefix: str = "") -> None:
        self._prefix = prefix
        self._params: dict[str, Symbol] = {}

    def get(self, name: str, **kwargs: Any) -> Symbol:
        """The variable `prefix + name`, created with `sym.Variable(**kwargs)` if missing."""
        name = self._prefix + name
        if name not in self._params:
            self._params[name] = symbol.Variable(name, **kwargs)
        return self._params[name]


class BaseRNNCell:
    """Abstract RNN cell: `cell(inputs, states) -> (output, new_states)` for one step."""

    def __init__(self, prefix: str = "", params: RNNParams | None = None) -> None:
        self._own_params = params is None
        self._prefix = prefix
        self._params = RNNParams(prefix) if params is None else params
        self._modified = False
        self.reset()

    def reset(self) -> None:
        """Reset the step and begin-state counters before building another graph."""
        self._init_counter = -1
        self._counter = -1
        for cell in getattr(self, "_cells", ()):
            cell.reset()

    def __call__(self, inputs: Symbol, states: States) -> tuple[Symbol, States]:
        raise NotImplementedError(f"{type(self).__name__} does not define a step")

    @property
    def params(self) -> RNNParams:
        """The cell's parameter container (after this, it counts as shared, as in MXNet)."""
        self._own_params = False
        return self._params

    @property
    def state_info(self) -> list[dict[str, Any]]:
        """`shape` (0 = batch size) and `__layout__` of each state."""
        raise NotImplementedError(f"{type(self).__name__} does not define state_info")

    @property
    def state_shape(self) -> list[tuple[int, ...]]:
        """The `shape` of each state."""
        return [info["shape"] for info in self.state_info]

    @property
    def _gate_names(self) -> Sequence[str]:
        return ()

    def begin_state(self, func: Callable[..., Any] | None = None, **kwargs: Any) -> States:
        """Initial states, named `<prefix>begin_state_<k>`.

        `func` (e.g. `sym.Variable`, `sym.uniform`) is called with the name, the state's
        `shape`/`__layout__` and `kwargs`, as in MXNet. Without it, zeros (see `ZeroState`).
        """
        self._check_unmodified()
        states: States = []
        for info in self.state_info:
            self._init_counter += 1
            name = f"{self._prefix}begin_state_{self._init_counter}"
            if func is None:
                states.append(ZeroState(name, info["shape"]))
            else:
                kwargs.update(info or {})
                states.append(func(name=name, **kwargs))
        return states

    def _check_unmodified(self) -> None:
        if self._modified:
            raise MXNetError("After applying modifier cells (e.g. DropoutCell) the base cell "
                             "cannot be called directly. Call the modifier cell instead.")

    def unpack_weights(self, args: dict[str, Any]) -> dict[str, Any]:
        """Split each `i2h`/`h2h` weight and bias into one array per gate."""
        args = dict(args)
        h = getattr(self, "_num_hidden", 0)
        for group in ("i2h", "h2h") if self._gate_names else ():
            weight = args.pop(f"{self._prefix}{group}_weight")
            bias = args.pop(f"{self._prefix}{group}_bias")
            for j, gate in enumerate(self._gate_names):
                args[f"{self._prefix}{group}{gate}_weight"] = weight[j * h:(j + 1) * h].copy()
                args[f"{self._prefix}{group}{gate}_bias"] = bias[j * h:(j + 1) * h].copy()
        return args

    def pack_weights(self, args: dict[str, Any]) -> dict[str, Any]:
        """Join per-gate weights and biases back into `i2h`/`h2h` arrays."""
        args = dict(args)
        for group in ("i2h", "h2h") if self._gate_names else ():
            for kind in ("weight", "bias"):
                parts = [args.pop(f"{self._prefix}{group}{gate}_{kind}")
                         for gate in self._gate_names]
                args[f"{self._prefix}{group}_{kind}"] = ndarray.concat(*parts, dim=0)
        return args

    def unroll(self, length: int, inputs: Any, begin_state: States | None = None,
               layout: str = "NTC", merge_outputs: bool | None = None) -> tuple[Any, States]:
        """Apply the cell `length` times.

        **Arguments:** `inputs` is one Symbol laid out as `layout` (`NTC` or `TNC`) or a list
        of `length` (batch, ...) Symbols; `begin_state` defaults to `begin_state()`;
        `merge_outputs` True gives one Symbol along T, False a list, None whichever is at hand.

        **Returns:** `(outputs, states)`.
        """
        self.reset()
        inputs, _ = _normalize_sequence(length, inputs, layout, False)
        states = self.begin_state() if begin_state is None else begin_state
        outputs = []
        for i in range(length):
            output, states = self(inputs[i], states)
            outputs.append(output)
        outputs, _ = _normalize_sequence(length, outputs, layout, merge_outputs)
        return outputs, states

    def _get_activation(self, inputs: Symbol, activation: Any, **kwargs: Any) -> Symbol:
        if isinstance(activation, str):
            return symbol.Activation(inputs, act_type=activation, **kwargs)
        return activation(inputs, **kwargs)

    def _init_weights(self, num_hidden: int, i2h_weight: Any = None, h2h_weight: Any = None,
                      i2h_bias: Any = None, h2h_bias: Any = None) -> None:
        """The four parameters, each with its initializer (its variable's `__init__`)."""
        self._num_hidden = num_hidden
        self._iW = self.params.get("i2h_weight", init=i2h_weight)
        self._hW = self.params.get("h2h_weight", init=h2h_weight)
        self._iB = self.params.get("i2h_bias", init=i2h_bias)
        self._hB = self.params.get("h2h_bias", init=h2h_bias)

    def _step_name(self) -> str:
        self._counter += 1
        return f"{self._prefix}t{self._counter}_"

    def _i2h_h2h(self, inputs: Symbol, hidden: Symbol, gates: int, name: str
                 ) -> tuple[Symbol, Symbol]:
        num = self._num_hidden * gates
        i2h = symbol.FullyConnected(data=inputs, weight=self._iW, bias=self._iB,
                                    num_hidden=num, name=f"{name}i2h")
        h2h = symbol.FullyConnected(data=hidden, weight=self._hW, bias=self._hB,
                                    num_hidden=num, name=f"{name}h2h")
        return i2h, h2h


class _HiddenCell(BaseRNNCell):
    """A cell whose states are `_num_states` arrays of (batch, num_hidden)."""

    _num_states = 1

    @property
    def state_info(self) -> list[dict[str, Any]]:
        """The hidden state (LSTM: and the cell state), each (0, num_hidden), layout NC."""
        return [{"shape": (0, self._num_hidden), "__layout__": "NC"}
                for _ in range(self._num_states)]


def _rnn_step(cell: BaseRNNCell, inputs: Symbol, states: States) -> tuple[Symbol, States]:
    """Elman step of RNNCell and ConvRNNCell: `activation(i2h(x) + h2h(h))`."""
    states = _concrete(states, inputs)
    name = cell._step_name()
    i2h, h2h = cell._i2h_h2h(inputs, states[0], 1, name)
    output = cell._get_activation(i2h + h2h, cell._activation, name=f"{name}out")
    return output, [output]


def _lstm_step(cell: BaseRNNCell, inputs: Symbol, states: States, activation: Any,
               **slice_axis: int) -> tuple[Symbol, States]:
    """LSTM step of LSTMCell and ConvLSTMCell, gates i, f, c, o; `activation` (tanh in
    LSTMCell) transforms the input and the cell state."""
    states = _concrete(states, inputs)
    name = cell._step_name()
    i2h, h2h = cell._i2h_h2h(inputs, states[0], 4, name)
    # ConvLSTMCell slices its layout's channel axis, which MXNet writes as an `axis` attribute;
    # LSTMCell leaves the attribute out.
    gates = symbol.SliceChannel(i2h + h2h, num_outputs=4, name=f"{name}slice", **slice_axis)
    in_gate = symbol.Activation(gates[0], act_type="sigmoid", name=f"{name}i")
    forget_gate = symbol.Activation(gates[1], act_type="sigmoid", name=f"{name}f")
    in_transform = cell._get_activation(gates[2], activation, name=f"{name}c")
    out_gate = symbol.Activation(gates[3], act_type="sigmoid", name=f"{name}o")
    next_c = symbol._internal._plus(forget_gate * states[1], in_gate * in_transform,
                                    name=f"{name}state")
    next_h = symbol._internal._mul(out_gate, cell._get_activation(next_c, activation),
                                   name=f"{name}out")
    return next_h, [next_h, next_c]


def _gru_step(cell: BaseRNNCell, inputs: Symbol, states: States, activation: Any,
              projection_sep: str) -> tuple[Symbol, States]:
    """GRU step of GRUCell and ConvGRUCell in cuDNN's form (reset gate applied after h2h),
    gates r, z, o; `activation` (tanh in GRUCell) makes the candidate state."""
    states = _concrete(states, inputs)
    name = cell._step_name()
    prev_h = states[0]
    # MXNet names GRUCell's projections `<prefix>t<k>__i2h` (projection_sep '_') and
    # ConvGRUCell's `<prefix>t<k>_i2h` (''); both slice axis 1, even in channel-last layouts.
    i2h, h2h = cell._i2h_h2h(inputs, prev_h, 3, f"{name}{projection_sep}")
    i2h_r, i2h_z, i2h = symbol.SliceChannel(i2h, num_outputs=3, name=f"{name}_i2h_slice")
    h2h_r, h2h_z, h2h = symbol.SliceChannel(h2h, num_outputs=3, name=f"{name}_h2h_slice")
    reset_gate = symbol.Activation(i2h_r + h2h_r, act_type="sigmoid", name=f"{name}_r_act")
    update_gate = symbol.Activation(i2h_z + h2h_z, act_type="sigmoid", name=f"{name}_z_act")
    next_h_tmp = cell._get_activation(i2h + reset_gate * h2h, activation, name=f"{name}_h_act")
    next_h = symbol._internal._plus((1.0 - update_gate) * next_h_tmp, update_gate * prev_h,
                                    name=f"{name}out")
    return next_h, [next_h]


class RNNCell(_HiddenCell):
    """Elman cell: `out = activation(i2h(x) + h2h(h))`."""

    def __init__(self, num_hidden: int, activation: Any = "tanh", prefix: str = "rnn_",
                 params: RNNParams | None = None) -> None:
        super().__init__(prefix=prefix, params=params)
        self._activation = activation
        self._init_weights(num_hidden)

    @property
    def _gate_names(self) -> Sequence[str]:
        return ("",)

    def __call__(self, inputs: Symbol, states: States) -> tuple[Symbol, States]:
        return _rnn_step(self, inputs, states)


class LSTMCell(_HiddenCell):
    """LSTM cell, gates in order i, f, c, o; `forget_bias` initialises the f part of i2h_bias."""

    _num_states = 2

    def __init__(self, num_hidden: int, prefix: str = "lstm_", params: RNNParams | None = None,
                 forget_bias: float = 1.0) -> None:
        super().__init__(prefix=prefix, params=params)
        # forget_bias goes into i2h_bias's initializer: it shifts the forget gate only.
        self._init_weights(num_hidden, i2h_bias=LSTMBias(forget_bias=forget_bias))

    @property
    def _gate_names(self) -> Sequence[str]:
        return ["_i", "_f", "_c", "_o"]

    def __call__(self, inputs: Symbol, states: States) -> tuple[Symbol, States]:
        return _lstm_step(self, inputs, states, "tanh")


class GRUCell(_HiddenCell):
    """GRU cell in cuDNN's form (reset gate applied after h2h), gates r, z, o."""

    def __init__(self, num_hidden: int, prefix: str = "gru_",
                 params: RNNParams | None = None) -> None:
        super().__init__(prefix=prefix, params=params)
        self._init_weights(num_hidden)

    @property
    def _gate_names(self) -> Sequence[str]:
        return ["_r", "_z", "_o"]

    def __call__(self, inputs: Symbol, states: States) -> tuple[Symbol, States]:
        return _gru_step(self, inputs, states, "tanh", "_")


class SequentialRNNCell(BaseRNNCell):
    """A stack of cells: each cell's output is the next one's input."""

    def __init__(self, params: RNNParams | None = None) -> None:
        super().__init__(prefix="", params=params)
        self._override_cell_params = params is not None
        self._cells: list[BaseRNNCell] = []

    def add(self, cell: BaseRNNCell) -> None:
        """Append `cell` to the stack, sharing parameter containers as MXNet does."""
        if self._override_cell_params:
            if not cell._own_params:
                raise MXNetValueError("SequentialRNNCell.add: give params to the "
                                      "SequentialRNNCell or to its cells, not both")
            cell.params._params.update(self.params._params)
        self._cells.append(cell)
        self.params._params.update(cell.params._params)

    @property
    def state_info(self) -> list[dict[str, Any]]:
        """The states of every cell, in stack order."""
        return [info for c in self._cells for info in c.state_info]

    def begin_state(self, **kwargs: Any) -> States:
        return [state for c in self._cells for state in c.begin_state(**kwargs)]

    def unpack_weights(self, args: dict[str, Any]) -> dict[str, Any]:
        for cell in self._cells:
            args = cell.unpack_weights(args)
        return args

    def pack_weights(self, args: dict[str, Any]) -> dict[str, Any]:
        for cell in self._cells:
            args = cell.pack_weights(args)
        return args

    def _split_states(self, states: States) -> list[States]:
        parts, p = [], 0
        for cell in self._cells:
            n = len(cell.state_info)
            parts.append(list(states[p:p + n]))
            p += n
        return parts

    def __call__(self, inputs: Symbol, states: States) -> tuple[Symbol, States]:
        self._counter += 1
        next_states: States = []
        for cell, state in zip(self._cells, self._split_states(states)):
            inputs, state = cell(inputs, state)
            next_states.extend(state)
        return inputs, next_states

    def unroll(self, length: int, inputs: Any, begin_state: States | None = None,
               layout: str = "NTC", merge_outputs: bool | None = None) -> tuple[Any, States]:
        self.reset()
        begin_state = self.begin_state() if begin_state is None else begin_state
        last = len(self._cells) - 1
        next_states: States = []
        for i, (cell, states) in enumerate(zip(self._cells, self._split_states(begin_state))):
            inputs, states = cell.unroll(length, inputs=inputs, begin_state=states,
                                         layout=layout,
                                         merge_outputs=merge_outputs if i == last else None)
            next_states.extend(states)
        return inputs, next_states


class FusedRNNCell(BaseRNNCell):
    """Every layer and time step in one `RNN` op; `parameters` holds all the weights.

    **Arguments:** `num_hidden`, `num_layers`, `mode` ('rnn_relu', 'rnn_tanh', 'lstm',
    'gru'), `bidirectional`, `dropout` (between layers, in training), `get_next_state`
    (unroll returns the final states), `forget_bias` (the LSTM forget gate's initial
    bias, through `mx.init.FusedRNN`), `prefix` (default `'<mode>_'`), `params`.
    """

    def __init__(self, num_hidden: int, num_layers: int = 1, mode: str = "lstm",
                 bidirectional: bool = False, dropout: float = 0.0,
                 get_next_state: bool = False, forget_bias: float = 1.0,
                 prefix: str | None = None, params: RNNParams | None = None) -> None:
        if mode not in _FUSED_GATES:
            raise MXNetValueError(f"FusedRNNCell: mode={mode!r}; valid: "
                                  f"{', '.join(sorted(_FUSED_GATES))}")
        super().__init__(prefix=f"{mode}_" if prefix is None else prefix, params=params)
        self._num_hidden = num_hidden
        self._num_layers = num_layers
        self._mode = mode
        self._bidirectional = bidirectional
        self._dropout = dropout
        self._get_next_state = get_next_state
        init = FusedRNN(None, num_hidden, num_layers, mode, bidirectional, forget_bias)
        self._parameter = self.params.get("parameters", init=init)

    @property
    def state_info(self) -> list[dict[str, Any]]:
        """(layers*directions, 0, num_hidden) per state (LSTM: two), layout LNC."""
        shape = ((1 + self._bidirectional) * self._num_layers, 0, self._num_hidden)
        return [{"shape": shape, "__layout__": "LNC"}
                for _ in range(1 + (self._mode == "lstm"))]

    @property
    def _gate_names(self) -> Sequence[str]:
        return _FUSED_GATES[self._mode]

    def __call__(self, inputs: Symbol, states: States) -> tuple[Symbol, States]:
        raise MXNetError("FusedRNNCell cannot be stepped. Please use unroll")

    def _slices(self, **size_or_input: int) -> list[tuple[str, int, tuple[int, ...]]]:
        return _fused_rnn_slices(self._num_hidden, self._num_layers, self._mode,
                                self._bidirectional, self._prefix, **size_or_input)

    def unpack_weights(self, args: dict[str, Any]) -> dict[str, Any]:
        """Split `<prefix>parameters` into MXNet's per-gate arrays (`lstm_l0_i2h_f_weight`)."""
        args = dict(args)
        flat = args.pop(self._parameter.name).asnumpy().ravel()
        for name, offset, shape in self._slices(size=flat.size):
            args[name] = ndarray.array(flat[offset:offset + int(np.prod(shape))]
                                       .reshape(shape), dtype=flat.dtype)
        return args

    def pack_weights(self, args: dict[str, Any]) -> dict[str, Any]:
        """Join the per-gate arrays back into `<prefix>parameters`."""
        args = dict(args)
        first = args[f"{self._prefix}l0_i2h{self._gate_names[0]}_weight"]
        pieces = self._slices(num_input=first.shape[1])
        name, offset, shape = pieces[-1]
        flat = np.zeros(offset + int(np.prod(shape)), first.asnumpy().dtype)
        for name, offset, shape in pieces:
            flat[offset:offset + int(np.prod(shape))] = args.pop(name).asnumpy().ravel()
        args[self._parameter.name] = ndarray.array(flat, dtype=flat.dtype)
        return args

    def unroll(self, length: int, inputs: Any, begin_state: States | None = None,
               layout: str = "NTC", merge_outputs: bool | None = None) -> tuple[Any, States]:
        self.reset()
        inputs, axis = _normalize_sequence(length, inputs, layout, True)
        if axis == 1:
            warnings.warn("NTC layout detected. Consider using TNC for FusedRNNCell for "
                          "faster speed", stacklevel=2)
            inputs = symbol.swapaxes(inputs, dim1=0, dim2=1)
        elif axis != 0:
            raise MXNetValueError(f"FusedRNNCell.unroll: unsupported layout {layout!r}")
        states = self.begin_state() if begin_state is None else begin_state
        states = [s.like_tnc(inputs) if isinstance(s, ZeroState) else s for s in states]
        rnn = symbol.RNN(data=inputs, parameters=self._parameter,
                         state_size=self._num_hidden, num_layers=self._num_layers,
                         bidirectional=self._bidirectional, p=self._dropout,
                         state_outputs=self._get_next_state, mode=self._mode,
                         name=f"{self._prefix}rnn",
                         **dict(zip(("state", "state_cell"), states)))
        if self._get_next_state:
            # MXNet marks the state outputs' layout (the attribute lands on the RNN node).
            rnn[1]._set_attr(__layout__="LNC")
            outputs, states = rnn[0], [rnn[k] for k in range(1, len(rnn.list_outputs()))]
        else:
            outputs, states = rnn, []
        if axis == 1:
            outputs = symbol.swapaxes(outputs, dim1=0, dim2=1)
        outputs, _ = _normalize_sequence(length, outputs, layout, merge_outputs)
        return outputs, states

    def unfuse(self) -> SequentialRNNCell:
        """The same network as a SequentialRNNCell of RNNCell/LSTMCell/GRUCell (with
        BidirectionalCell and DropoutCell as needed), named `<prefix>l0_`, `<prefix>r0_`."""
        def make(cell_prefix: str) -> BaseRNNCell:
            if self._mode == "lstm":
                return LSTMCell(self._num_hidden, prefix=cell_prefix)
            if self._mode == "gru":
                return GRUCell(self._num_hidden, prefix=cell_prefix)
            return RNNCell(self._num_hidden, activation=self._mode[4:], prefix=cell_prefix)

        stack = SequentialRNNCell()
        for i in range(self._num_layers):
            if self._bidirectional:
                stack.add(BidirectionalCell(make(f"{self._prefix}l{i}_"),
                                            make(f"{self._prefix}r{i}_"),
                                            output_prefix=f"{self._prefix}bi_l{i}_"))
            else:
                stack.add(make(f"{self._prefix}l{i}_"))
            if self._dropout > 0 and i != self._num_layers - 1:
                stack.add(DropoutCell(self._dropout, prefix=f"{self._prefix}_dropout{i}_"))
        return stack


class BidirectionalCell(BaseRNNCell):
    """`l_cell` over the sequence and `r_cell` over it reversed, outputs concatenated.

    As in MXNet, `unroll` returns the states as `[l_states, r_states]` (two lists).
    """

    def __init__(self, l_cell: BaseRNNCell, r_cell: BaseRNNCell,
                 params: RNNParams | None = None, output_prefix: str = "bi_") -> None:
        super().__init__("", params=params)
        self._output_prefix = output_prefix
        if params is not None:
            if not (l_cell._own_params and r_cell._own_params):
                raise MXNetValueError("BidirectionalCell: specify params for "
                                      "BidirectionalCell or child cells, not both")
            l_cell.params._params.update(self.params._params)
            r_cell.params._params.update(self.params._params)
        self.params._params.update(l_cell.params._params)
        self.params._params.update(r_cell.params._params)
        self._cells = [l_cell, r_cell]

    def __call__(self, inputs: Symbol, states: States) -> tuple[Symbol, States]:
        raise MXNetError("Bidirectional cannot be stepped. Please use unroll")

    @property
    def state_info(self) -> list[dict[str, Any]]:
        """The left cell's states, then the right cell's."""
        return [info for c in self._cells for info in c.state_info]

    def begin_state(self, **kwargs: Any) -> States:
        self._check_unmodified()
        return [state for c in self._cells for state in c.begin_state(**kwargs)]

    unpack_weights = SequentialRNNCell.unpack_weights
    pack_weights = SequentialRNNCell.pack_weights

    def unroll(self, length: int, inputs: Any, begin_state: States | None = None,
               layout: str = "NTC", merge_outputs: bool | None = None) -> tuple[Any, States]:
        self.reset()
        inputs, axis = _normalize_sequence(length, inputs, layout, False)
        states = self.begin_state() if begin_state is None else begin_state
        l_cell, r_cell = self._cells
        n_left = len(l_cell.state_info)
        l_out, l_states = l_cell.unroll(length, inputs=inputs, begin_state=states[:n_left],
                                        layout=layout, merge_outputs=merge_outputs)
        r_out, r_states = r_cell.unroll(length, inputs=list(reversed(inputs)),
                                        begin_state=states[n_left:], layout=layout,
                                        merge_outputs=merge_outputs)
        if merge_outputs is None:
            merge_outputs = isinstance(l_out, Symbol) and isinstance(r_out, Symbol)
            if not merge_outputs:
                l_out, r_out = (list(symbol.SliceChannel(
                    o, axis=axis, num_outputs=length, squeeze_axis=1)) if isinstance(o, Symbol)
                    else o for o in (l_out, r_out))
        if merge_outputs:
            return symbol.Concat(l_out, symbol.reverse(r_out, axis=axis), dim=2,
                                 name=f"{self._output_prefix}out"), [l_states, r_states]
        outputs = [symbol.Concat(lo, ro, dim=1, name=f"{self._output_prefix}t{i}")
                   for i, (lo, ro) in enumerate(zip(l_out, reversed(r_out)))]
        return outputs, [l_states, r_states]


class DropoutCell(BaseRNNCell):
    """Dropout on its input (identity at inference); no states, no parameters."""

    def __init__(self, dropout: float, prefix: str = "dropout_",
                 params: RNNParams | None = None) -> None:
        if not isinstance(dropout, (int, float)):
            raise MXNetTypeError(f"DropoutCell: dropout probability must be a number, got "
                                 f"{dropout!r}")
        super().__init__(prefix, params)
        self.dropout = dropout

    @property
    def state_info(self) -> list[dict[str, Any]]:
        """No states."""
        return []

    def __call__(self, inputs: Symbol, states: States) -> tuple[Symbol, States]:
        if self.dropout > 0:
            inputs = symbol.Dropout(data=inputs, p=self.dropout)
        return inputs, states

    def unroll(self, length: int, inputs: Any, begin_state: States | None = None,
               layout: str = "NTC", merge_outputs: bool | None = None) -> tuple[Any, States]:
        self.reset()
        inputs, _ = _normalize_sequence(length, inputs, layout, merge_outputs)
        if isinstance(inputs, Symbol):
            return self(inputs, [])
        return super().unroll(length, inputs, begin_state=begin_state, layout=layout,
                              merge_outputs=merge_outputs)


class ModifierCell(BaseRNNCell):
    """Wraps `base_cell` (which must then not be used directly): shares its parameters,
    states and weight (un)packing."""

    def __init__(self, base_cell: BaseRNNCell) -> None:
        super().__init__()
        base_cell._modified = True
        self.base_cell = base_cell

    @property
    def params(self) -> RNNParams:
        """The base cell's parameters."""
        self._own_params = False
        return self.base_cell.params

    @property
    def state_info(self) -> list[dict[str, Any]]:
        """The base cell's states."""
        return self.base_cell.state_info

    def begin_state(self, func: Callable[..., Any] | None = None, **kwargs: Any) -> States:
        self._check_unmodified()
        self.base_cell._modified = False
        begin = self.base_cell.begin_state(func, **kwargs)
        self.base_cell._modified = True
        return begin

    def unpack_weights(self, args: dict[str, Any]) -> dict[str, Any]:
        return self.base_cell.unpack_weights(args)

    def pack_weights(self, args: dict[str, Any]) -> dict[str, Any]:
        return self.base_cell.pack_weights(args)


class ZoneoutCell(ModifierCell):
    """Zoneout on `base_cell`: in training each output/state unit keeps its previous value
    with probability `zoneout_outputs`/`zoneout_states`; at inference, the base cell."""

    def __init__(self, base_cell: BaseRNNCell, zoneout_outputs: float = 0.0,
                 zoneout_states: float = 0.0) -> None:
        for kind in (FusedRNNCell, BidirectionalCell):
            if isinstance(base_cell, kind):
                raise MXNetValueError(f"{kind.__name__} doesn't support zoneout; add "
                                      "ZoneoutCell to the (unfused) cells underneath")
        super().__init__(base_cell)
        self.zoneout_outputs = zoneout_outputs
        self.zoneout_states = zoneout_states
        self.prev_output: Symbol | None = None

    def reset(self) -> None:
        super().reset()
        self.prev_output = None

    def __call__(self, inputs: Symbol, states: States) -> tuple[Symbol, States]:
        states = _concrete(states, inputs)
        next_output, next_states = self.base_cell(inputs, states)

        def keep_new(p: float, new: Symbol, old: Symbol) -> Symbol:
            mask = symbol.Dropout(symbol.ones_like(new), p=p)
            return symbol.where(mask, new, old)

        # MXNet's first previous output is sym.zeros((0, 0)); zeros shaped like the output
        # are the same values.
        prev = self.prev_output if self.prev_output is not None else \
            symbol.zeros_like(next_output)
        output = keep_new(self.zoneout_outputs, next_output, prev) \
            if self.zoneout_outputs != 0 else next_output
        if self.zoneout_states != 0:
            next_states = [keep_new(self.zoneout_states, new, old)
                           for new, old in zip(next_states, states)]
        self.prev_output = output
        return output, next_states


class ResidualCell(ModifierCell):
    """`base_cell`'s output plus its input (Wu et al., 2016)."""

    def __call__(self, inputs: Symbol, states: States) -> tuple[Symbol, States]:
        output, states = self.base_cell(inputs, states)
        return symbol.elemwise_add(output, inputs, name=f"{output.name}_plus_residual"), states

    def unroll(self, length: int, inputs: Any, begin_state: States | None = None,
               layout: str = "NTC", merge_outputs: bool | None = None) -> tuple[Any, States]:
        self.reset()
        self.base_cell._modified = False
        outputs, states = self.base_cell.unroll(length, inputs=inputs,
                                                begin_state=begin_state, layout=layout,
                                                merge_outputs=merge_outputs)
        self.base_cell._modified = True
        if merge_outputs is None:
            merge_outputs = isinstance(outputs, Symbol)
        inputs, _ = _normalize_sequence(length, inputs, layout, merge_outputs)
        if merge_outputs:
            return symbol.elemwise_add(outputs, inputs,
                                       name=f"{outputs.name}_plus_residual"), states
        return [symbol.elemwise_add(o, i, name=f"{o.name}_plus_residual")
                for o, i in zip(outputs, inputs)], states


Kernel = tuple[int, int]
# MXNet's default activation of the convolutional cells.
_LEAKY = functools.partial(symbol.LeakyReLU, act_type="leaky", slope=0.2)


class BaseConvRNNCell(BaseRNNCell):
    """Convolutional cells' base: i2h and h2h are Convolutions, states are feature maps.

    **Arguments:** `input_shape` is one step's input shape with the batch (e.g.
    `(N, C, H, W)` for NCHW); `num_hidden` the state's channels; `h2h_kernel` (odd sizes:
    the h2h convolution is padded to keep the state's shape) and `h2h_dilate`; the i2h
    convolution's `i2h_kernel`, `i2h_stride`, `i2h_pad`, `i2h_dilate`, which fix the
    state's spatial shape; the four `*_initializer`s (an Initializer, its name or None),
    stored as each variable's `__init__` attribute; `activation` (an `act_type` string, or a
    callable taking a Symbol and `name=`); `prefix`, `params`; `conv_layout` ('NCHW' or
    'NHWC').
    """

    _num_states = 2

    def __init__(self, input_shape: Sequence[int], num_hidden: int, h2h_kernel: Kernel,
                 h2h_dilate: Kernel, i2h_kernel: Kernel, i2h_stride: Kernel, i2h_pad: Kernel,
                 i2h_dilate: Kernel, i2h_weight_initializer: Any, h2h_weight_initializer: Any,
                 i2h_bias_initializer: Any, h2h_bias_initializer: Any,
                 activation: str | Callable[..., Symbol], prefix: str = "",
                 params: RNNParams | None = None, conv_layout: str = "NCHW") -> None:
        kernel = tuple(h2h_kernel) if isinstance(h2h_kernel, Sequence) else (h2h_kernel,)
        if len(kernel) != 2 or any(not isinstance(k, int) or k % 2 != 1 for k in kernel):
            raise MXNetValueError(
                f"{type(self).__name__}: h2h_kernel={kernel} must be two odd sizes (the h2h "
                f"convolution pads the state to keep its shape); only odd numbers are "
                f"supported")
        super().__init__(prefix=prefix, params=params)
        self._h2h_kernel = kernel
        self._h2h_dilate = tuple(h2h_dilate)
        self._h2h_pad = tuple(d * (k - 1) // 2 for d, k in zip(self._h2h_dilate, kernel))
        self._i2h_conv = {"kernel": i2h_kernel, "stride": i2h_stride, "pad": i2h_pad,
                          "dilate": i2h_dilate, "layout": conv_layout}
        self._input_shape = input_shape
        self._conv_layout = conv_layout
        self._activation = activation
        # As in MXNet, the state shape comes from an (auto-named, so counted) Convolution's
        # infer_shape on one step's input.
        probe = symbol.Convolution(data=symbol.Variable("data"), num_filter=num_hidden,
                                   **self._i2h_conv)
        self._state_shape = (0,) + tuple(probe.infer_shape(data=input_shape)[1][0][1:])
        self._init_weights(num_hidden, i2h_weight_initializer, h2h_weight_initializer,
                           i2h_bias_initializer, h2h_bias_initializer)

    @property
    def state_info(self) -> list[dict[str, Any]]:
        """Each state's shape: the i2h convolution's output with batch 0, in `conv_layout`."""
        return [{"shape": self._state_shape, "__layout__": self._conv_layout}
                for _ in range(self._num_states)]

    def _i2h_h2h(self, inputs: Symbol, hidden: Symbol, gates: int, name: str
                 ) -> tuple[Symbol, Symbol]:
        num = self._num_hidden * gates
        i2h = symbol.Convolution(data=inputs, weight=self._iW, bias=self._iB, num_filter=num,
                                 name=f"{name}i2h", **self._i2h_conv)
        h2h = symbol.Convolution(data=hidden, weight=self._hW, bias=self._hB, num_filter=num,
                                 kernel=self._h2h_kernel, dilate=self._h2h_dilate,
                                 pad=self._h2h_pad, stride=(1, 1), layout=self._conv_layout,
                                 name=f"{name}h2h")
        return i2h, h2h

    def __call__(self, inputs: Symbol, states: States) -> tuple[Symbol, States]:
        raise NotImplementedError("BaseConvRNNCell is abstract class for convolutional RNN")


def _conv_cell_init(cls_name: str, default_prefix: str) -> Callable[..., None]:
    """A convolutional cell's constructor: MXNet's defaults (the same in the three cells but
    the prefix), passed on to BaseConvRNNCell's, whose arguments are all required."""

    def __init__(self: BaseConvRNNCell, input_shape: Sequence[int], num_hidden: int,
                 h2h_kernel: Kernel = (3, 3), h2h_dilate: Kernel = (1, 1),
                 i2h_kernel: Kernel = (3, 3), i2h_stride: Kernel = (1, 1),
                 i2h_pad: Kernel = (1, 1), i2h_dilate: Kernel = (1, 1),
                 i2h_weight_initializer: Any = None, h2h_weight_initializer: Any = None,
                 i2h_bias_initializer: Any = "zeros", h2h_bias_initializer: Any = "zeros",
                 activation: str | Callable[..., Symbol] = _LEAKY,
                 prefix: str = default_prefix, params: RNNParams | None = None,
                 conv_layout: str = "NCHW") -> None:
        BaseConvRNNCell.__init__(
            self, input_shape, num_hidden, h2h_kernel, h2h_dilate, i2h_kernel, i2h_stride,
            i2h_pad, i2h_dilate, i2h_weight_initializer, h2h_weight_initializer,
            i2h_bias_initializer, h2h_bias_initializer, activation, prefix, params,
            conv_layout)

    __init__.__qualname__ = f"{cls_name}.__init__"
    __init__.__doc__ = (f"Defaults as in MXNet: 3x3 kernels, stride 1, pad 1, no dilation, "
                        f"zero biases, LeakyReLU(slope=0.2), prefix '{default_prefix}'.")
    return __init__


class ConvRNNCell(BaseConvRNNCell):
    """Convolutional Elman cell: `out = activation(conv_i2h(x) + conv_h2h(h))`."""

    _num_states = 1
    __init__ = _conv_cell_init("ConvRNNCell", "ConvRNN_")

    @property
    def _gate_names(self) -> Sequence[str]:
        return ("",)

    def __call__(self, inputs: Symbol, states: States) -> tuple[Symbol, States]:
        return _rnn_step(self, inputs, states)


class ConvLSTMCell(BaseConvRNNCell):
    """Convolutional LSTM (Shi et al., NIPS 2015), gates i, f, c, o sliced along the
    layout's channel axis; `activation` replaces LSTM's tanh. As in MXNet 1.9.1 there is no
    `forget_bias`: the biases start from `i2h_bias_initializer`."""

    __init__ = _conv_cell_init("ConvLSTMCell", "ConvLSTM_")

    @property
    def _gate_names(self) -> Sequence[str]:
        return ["_i", "_f", "_c", "_o"]

    def __call__(self, inputs: Symbol, states: States) -> tuple[Symbol, States]:
        return _lstm_step(self, inputs, states, self._activation,
                          axis=self._conv_layout.find("C"))


class ConvGRUCell(BaseConvRNNCell):
    """Convolutional GRU, gates r, z, o as in GRUCell; `activation` replaces its tanh."""

    _num_states = 1
    __init__ = _conv_cell_init("ConvGRUCell", "ConvGRU_")

    @property
    def _gate_names(self) -> Sequence[str]:
        return ["_r", "_z", "_o"]

    def __call__(self, inputs: Symbol, states: States) -> tuple[Symbol, States]:
        return _gru_step(self, inputs, states, self._activation, "")
