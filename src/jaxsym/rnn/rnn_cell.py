"""Unfused RNN cells of `mx.rnn`: each step is built from FullyConnected/Activation symbols.

Node and parameter names follow MXNet: parameters `<prefix>i2h_weight` etc., step `t` nodes
`<prefix>t<t>_i2h`, begin states `<prefix>begin_state_<k>`.

One difference: jaxsym has no `sym.zeros`, and its shape inference runs forwards only, so a
`(0, num_hidden)` zero state could not learn its batch size. `begin_state()` without `func`
therefore returns `ZeroState` placeholders, which a cell turns into zeros shaped after its
step input (a zero-argument sub-graph named `<prefix>begin_state_<k>`). Arguments, shapes and
outputs are MXNet's; only those internal nodes differ.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .. import ndarray, symbol
from ..base import MXNetError, MXNetValueError
from ..symbol import Symbol
from ..train.initializer import LSTMBias

States = list[Any]


class ZeroState:
    """A zero begin state of `shape` (`0` = batch size), made concrete by the cell using it."""

    def __init__(self, name: str, shape: tuple[int, ...]) -> None:
        self.name = name
        self.shape = tuple(shape)

    def like(self, inputs: Symbol) -> Symbol:
        """Zeros of (batch of `inputs`, num_hidden), with no arguments of their own."""
        flat = symbol.reshape(symbol.zeros_like(inputs, name=f"{self.name}_zeros"),
                              shape=(0, -1), name=f"{self.name}_flat")
        column = symbol.slice_axis(flat, axis=1, begin=0, end=1, name=f"{self.name}_column")
        return symbol.broadcast_axis(column, axis=1, size=self.shape[-1], name=self.name)

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

    def _init_weights(self, num_hidden: int, i2h_bias_init: Any = None) -> None:
        self._num_hidden = num_hidden
        self._iW = self.params.get("i2h_weight")
        self._hW = self.params.get("h2h_weight")
        self._iB = self.params.get("i2h_bias", init=i2h_bias_init)
        self._hB = self.params.get("h2h_bias")

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
        states = _concrete(states, inputs)
        name = self._step_name()
        i2h, h2h = self._i2h_h2h(inputs, states[0], 1, name)
        output = self._get_activation(i2h + h2h, self._activation, name=f"{name}out")
        return output, [output]


class LSTMCell(_HiddenCell):
    """LSTM cell, gates in order i, f, c, o; `forget_bias` initialises the f part of i2h_bias."""

    _num_states = 2

    def __init__(self, num_hidden: int, prefix: str = "lstm_", params: RNNParams | None = None,
                 forget_bias: float = 1.0) -> None:
        super().__init__(prefix=prefix, params=params)
        # forget_bias goes into i2h_bias's initializer: it shifts the forget gate only.
        self._init_weights(num_hidden, LSTMBias(forget_bias=forget_bias))

    @property
    def _gate_names(self) -> Sequence[str]:
        return ["_i", "_f", "_c", "_o"]

    def __call__(self, inputs: Symbol, states: States) -> tuple[Symbol, States]:
        states = _concrete(states, inputs)
        name = self._step_name()
        i2h, h2h = self._i2h_h2h(inputs, states[0], 4, name)
        gates = symbol.SliceChannel(i2h + h2h, num_outputs=4, name=f"{name}slice")
        in_gate = symbol.Activation(gates[0], act_type="sigmoid", name=f"{name}i")
        forget_gate = symbol.Activation(gates[1], act_type="sigmoid", name=f"{name}f")
        in_transform = symbol.Activation(gates[2], act_type="tanh", name=f"{name}c")
        out_gate = symbol.Activation(gates[3], act_type="sigmoid", name=f"{name}o")
        next_c = symbol._internal._plus(forget_gate * states[1], in_gate * in_transform,
                                        name=f"{name}state")
        next_h = symbol._internal._mul(out_gate, symbol.Activation(next_c, act_type="tanh"),
                                       name=f"{name}out")
        return next_h, [next_h, next_c]


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
        states = _concrete(states, inputs)
        name = self._step_name()
        prev_h = states[0]
        # MXNet names these `<prefix>t<k>__i2h` (double underscore).
        i2h, h2h = self._i2h_h2h(inputs, prev_h, 3, f"{name}_")
        i2h_r, i2h_z, i2h = symbol.SliceChannel(i2h, num_outputs=3, name=f"{name}_i2h_slice")
        h2h_r, h2h_z, h2h = symbol.SliceChannel(h2h, num_outputs=3, name=f"{name}_h2h_slice")
        reset_gate = symbol.Activation(i2h_r + h2h_r, act_type="sigmoid", name=f"{name}_r_act")
        update_gate = symbol.Activation(i2h_z + h2h_z, act_type="sigmoid", name=f"{name}_z_act")
        next_h_tmp = symbol.Activation(i2h + reset_gate * h2h, act_type="tanh",
                                       name=f"{name}_h_act")
        next_h = symbol._internal._plus((1.0 - update_gate) * next_h_tmp, update_gate * prev_h,
                                        name=f"{name}out")
        return next_h, [next_h]


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
    """Not supported: it needs the cuDNN `RNN` operator, which jaxsym does not have."""

    def __init__(self, num_hidden: int, num_layers: int = 1, mode: str = "lstm",
                 *args: Any, **kwargs: Any) -> None:
        raise MXNetError(
            f"FusedRNNCell(num_hidden={num_hidden}, num_layers={num_layers}, mode={mode!r}) "
            f"needs the fused `RNN` operator, which jaxsym does not implement; stack "
            f"LSTMCell/GRUCell/RNNCell in a SequentialRNNCell instead")
