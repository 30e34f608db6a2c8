"""Symbol: a tuple of output entries over graph nodes, with MXNet's API."""

from __future__ import annotations

import copy as _copy
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..base import MXNetError, MXNetTypeError, MXNetValueError, dtype_np
from ..graph import naming
from ..graph.node import Entry, Node, topological_order
from ..ops import registry

Shape = tuple[int, ...]


def _hidden(key: str) -> bool:
    return key.startswith("__") and key.endswith("__") and len(key) > 4


def _shallow_attrs(node: Node) -> dict[str, str]:
    """What MXNet's list_attr reports: each `__k__` also appears as plain `k`."""
    out: dict[str, str] = {}
    for key, value in node.attrs.items():
        out[key] = value
        if _hidden(key):
            out[key[2:-2]] = value
    return out


class Symbol:
    """A symbolic expression: one or more outputs of a graph of nodes."""

    __slots__ = ("_outputs", "__weakref__")

    def __init__(self, outputs: Sequence[Entry]) -> None:
        self._outputs: tuple[Entry, ...] = tuple(outputs)

    # -- identity ---------------------------------------------------------------------
    @property
    def name(self) -> str | None:
        if len(self._outputs) != 1:
            return None
        return self._outputs[0][0].name

    def __repr__(self) -> str:
        if len(self._outputs) == 1:
            return f"<Symbol {self.name}>"
        return "<Symbol group [" + ", ".join(n.name for n, _ in self._outputs) + "]>"

    def __copy__(self) -> Symbol:
        return self._clone({})

    def __deepcopy__(self, memo: dict) -> Symbol:
        return self._clone({})

    def copy(self) -> Symbol:
        return self._clone({})

    def __getstate__(self) -> dict:
        return {"json": self.tojson()}

    def __setstate__(self, state: dict) -> None:
        self._outputs = load_json(state["json"])._outputs

    def _clone(self, replace: dict[str, Entry]) -> Symbol:
        """A structural copy; variables named in `replace` are substituted."""
        mapping: dict[int, Node] = {}
        entry_map: dict[int, Entry] = {}
        for node in topological_order(self._outputs):
            if node.is_variable and node.name in replace:
                entry_map[id(node)] = replace[node.name]
                continue
            inputs = [entry_map[id(src)] if id(src) in entry_map else (mapping[id(src)], i)
                      for src, i in node.inputs]
            mapping[id(node)] = Node(node.op, node.name, dict(node.attrs), inputs,
                                     node.params, node.num_outputs)
        outs = [entry_map[id(n)] if id(n) in entry_map else (mapping[id(n)], i)
                for n, i in self._outputs]
        return Symbol(outs)

    # -- graph queries ----------------------------------------------------------------
    def _topo(self) -> list[Node]:
        return topological_order(self._outputs)

    def _aux_variable_ids(self, order: list[Node]) -> set[int]:
        aux: set[int] = set()
        for node in order:
            if node.is_variable:
                continue
            opdef = registry.get(node.op)
            n_in = len(opdef.input_names(node.params))
            for src, _ in node.inputs[n_in:]:
                aux.add(id(src))
        return aux

    def list_arguments(self) -> list[str]:
        order = self._topo()
        aux = self._aux_variable_ids(order)
        return [n.name for n in order if n.is_variable and id(n) not in aux]

    def list_auxiliary_states(self) -> list[str]:
        order = self._topo()
        aux = self._aux_variable_ids(order)
        return [n.name for n in order if n.is_variable and id(n) in aux]

    def list_inputs(self) -> list[str]:
        return [n.name for n in self._topo() if n.is_variable]

    def list_outputs(self) -> list[str]:
        return [_entry_name(n, i) for n, i in self._outputs]

    def get_internals(self) -> Symbol:
        entries: list[Entry] = []
        for node in self._topo():
            count = 1 if node.is_variable else node.num_outputs
            entries.extend((node, i) for i in range(count))
        return Symbol(entries)

    def get_children(self) -> Symbol | None:
        inputs = [e for node, _ in self._outputs for e in node.inputs]
        return Symbol(inputs) if inputs else None

    def __len__(self) -> int:
        return len(self._outputs)

    def __iter__(self) -> Iterator[Symbol]:
        return (Symbol([e]) for e in self._outputs)

    def __getitem__(self, index: int | str | slice) -> Symbol:
        if isinstance(index, str):
            names = self.list_outputs()
            matches = [i for i, n in enumerate(names) if n == index]
            if not matches:
                raise MXNetValueError(
                    f"There is no output named {index!r}; outputs are {names}")
            if len(matches) > 1:
                raise MXNetValueError(f"There are multiple outputs with name {index!r}")
            return Symbol([self._outputs[matches[0]]])
        if isinstance(index, slice):
            return Symbol(self._outputs[index])
        if not isinstance(index, (int, np.integer)):
            raise MXNetTypeError(f"Symbol index must be int, str or slice, got {index!r}")
        if not -len(self._outputs) <= index < len(self._outputs):
            raise IndexError(f"Symbol index {index} out of range for "
                             f"{len(self._outputs)} outputs")
        return Symbol([self._outputs[index]])

    # -- attributes -------------------------------------------------------------------
    def attr(self, key: str) -> str | None:
        if len(self._outputs) != 1:
            return None
        attrs = self._outputs[0][0].attrs
        if key in attrs:
            return attrs[key]
        return attrs.get(f"__{key}__")

    def list_attr(self, recursive: bool = False) -> dict[str, str]:
        if recursive:
            # MXNet 1.9.1 raises here; the memo relies on the older behaviour, which
            # listed every node's attributes as 'node$key'.
            warnings.warn("Symbol.list_attr with recursive=True has been deprecated. "
                          "Please use attr_dict instead.", DeprecationWarning, stacklevel=2)
            return {f"{name}${k}": v for name, attrs in self.attr_dict().items()
                    for k, v in attrs.items()}
        if len(self._outputs) != 1:
            return {}
        return _shallow_attrs(self._outputs[0][0])

    def attr_dict(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for node in self._topo():
            if node.attrs:
                out[node.name] = _shallow_attrs(node)
        return out

    def _set_attr(self, **kwargs: Any) -> None:
        for key, value in kwargs.items():
            if not isinstance(value, str):
                raise MXNetValueError(f"Set Attr only accepts string values, got "
                                      f"{key}={value!r}")
            for node, _ in self._outputs:
                node.attrs[key] = value

    # -- composition ------------------------------------------------------------------
    def __call__(self, *args: Symbol, **kwargs: Any) -> Symbol:
        name = kwargs.pop("name", None)
        result = self._compose(*args, **kwargs)
        if name is not None and len(result._outputs) == 1:
            result._outputs[0][0].name = name
        return result

    def _compose(self, *args: Symbol, **kwargs: Symbol) -> Symbol:
        arg_names = self.list_inputs()
        replace: dict[str, Entry] = {}
        if args and kwargs:
            raise MXNetTypeError("compose only accepts input Symbols either as positional "
                                 "or keyword arguments, not both")
        for name, value in list(zip(arg_names, args)) + list(kwargs.items()):
            if not isinstance(value, Symbol):
                raise MXNetTypeError(f"Compose expect `Symbol` as arguments, got "
                                     f"{name}={value!r}")
            if len(value._outputs) != 1:
                raise MXNetValueError(f"argument {name!r} must be a single-output Symbol")
            if name not in arg_names:
                raise MXNetValueError(f"Cannot find argument {name!r}, Possible Arguments: "
                                      f"{arg_names}")
            replace[name] = value._outputs[0]
        return self._clone(replace)

    # -- arithmetic ---------------------------------------------------------------------
    def _binary(self, other: Any, op: str, scalar_op: str, reverse: bool = False) -> Symbol:
        if isinstance(other, Symbol):
            lhs, rhs = (other, self) if reverse else (self, other)
            return _create(op, [lhs, rhs], {})
        if isinstance(other, (int, float, np.number, bool)):
            return _create(scalar_op, [self], {"scalar": other})
        raise MXNetTypeError(f"type {type(other).__name__} not supported")

    def __add__(self, o: Any) -> Symbol: return self._binary(o, "_Plus", "_PlusScalar")
    def __radd__(self, o: Any) -> Symbol: return self._binary(o, "_Plus", "_PlusScalar")
    def __sub__(self, o: Any) -> Symbol: return self._binary(o, "_Minus", "_MinusScalar")
    def __rsub__(self, o: Any) -> Symbol: return self._binary(o, "_Minus", "_RMinusScalar", True)
    def __mul__(self, o: Any) -> Symbol: return self._binary(o, "_Mul", "_MulScalar")
    def __rmul__(self, o: Any) -> Symbol: return self._binary(o, "_Mul", "_MulScalar")
    def __truediv__(self, o: Any) -> Symbol: return self._binary(o, "_Div", "_DivScalar")
    def __rtruediv__(self, o: Any) -> Symbol: return self._binary(o, "_Div", "_RDivScalar", True)
    def __mod__(self, o: Any) -> Symbol: return self._binary(o, "_Mod", "_ModScalar")
    def __rmod__(self, o: Any) -> Symbol: return self._binary(o, "_Mod", "_RModScalar", True)
    def __pow__(self, o: Any) -> Symbol: return self._binary(o, "_Power", "_PowerScalar")
    def __rpow__(self, o: Any) -> Symbol: return self._binary(o, "_Power", "_RPowerScalar", True)
    def __eq__(self, o: Any) -> Symbol: return self._binary(o, "_equal", "_EqualScalar")  # type: ignore[override]
    def __ne__(self, o: Any) -> Symbol: return self._binary(o, "_not_equal", "_NotEqualScalar")  # type: ignore[override]
    def __gt__(self, o: Any) -> Symbol: return self._binary(o, "_greater", "_GreaterScalar")
    def __ge__(self, o: Any) -> Symbol: return self._binary(o, "_greater_equal", "_GreaterEqualScalar")
    def __lt__(self, o: Any) -> Symbol: return self._binary(o, "_lesser", "_LesserScalar")
    def __le__(self, o: Any) -> Symbol: return self._binary(o, "_lesser_equal", "_LesserEqualScalar")
    def __neg__(self) -> Symbol: return self.__mul__(-1.0)
    def __abs__(self) -> Symbol: return _create("abs", [self], {})
    __hash__ = object.__hash__
    __div__ = __truediv__
    __rdiv__ = __rtruediv__

    def __bool__(self) -> bool:
        raise NotImplementedError("The truth value of a Symbol is undefined; compare "
                                  "with `is None` instead")

    # -- inference ----------------------------------------------------------------------
    def infer_shape(self, *args: Any, **kwargs: Any):
        from ..executor import infer
        return infer.infer_shape(self._outputs, self._known(args, kwargs, "shape"),
                                 partial=False)

    def infer_shape_partial(self, *args: Any, **kwargs: Any):
        from ..executor import infer
        return infer.infer_shape(self._outputs, self._known(args, kwargs, "shape"),
                                 partial=True)

    def infer_type(self, *args: Any, **kwargs: Any):
        from ..executor import infer
        known = {k: dtype_np(v) for k, v in self._known(args, kwargs, "type").items()}
        return infer.infer_type(self._outputs, known)

    def _known(self, args: Sequence[Any], kwargs: dict[str, Any], what: str) -> dict[str, Any]:
        names = self.list_arguments()
        known: dict[str, Any] = {}
        if args:
            if kwargs:
                raise MXNetValueError(f"infer_{what}: give {what}s either positionally or "
                                      "by keyword, not both")
            for name, value in zip(names, args):
                if value is not None and value != ():
                    known[name] = value
        inputs = set(self.list_inputs())
        for name, value in kwargs.items():
            if name not in inputs:
                raise MXNetValueError(
                    f"infer_{what}: {name!r} is not an input of this symbol; inputs are "
                    f"{self.list_inputs()}")
            if value is not None:
                known[name] = value
        if what == "shape":
            for name, value in known.items():
                try:
                    known[name] = tuple(int(d) for d in value)
                except TypeError:
                    raise MXNetValueError(
                        f"infer_shape: shape of {name!r} must be a tuple of ints, got "
                        f"{value!r}") from None
        return known

    # -- executors ----------------------------------------------------------------------
    def bind(self, ctx: Any, args: Any, args_grad: Any = None, grad_req: Any = "write",
             aux_states: Any = None, group2ctx: Any = None, shared_exec: Any = None):
        from ..executor.executor import Executor
        return Executor.bind(self, ctx, args, args_grad, grad_req, aux_states, group2ctx,
                             shared_exec)

    def simple_bind(self, ctx: Any, grad_req: Any = "write", type_dict: Any = None,
                    stype_dict: Any = None, group2ctx: Any = None,
                    shared_arg_names: Any = None, shared_exec: Any = None,
                    shared_buffer: Any = None, **kwargs: Any):
        from ..executor.executor import Executor
        return Executor.simple_bind(self, ctx, grad_req, type_dict, shared_exec, kwargs)

    def eval(self, ctx: Any = None, **kwargs: Any):
        from ..base import current_context
        ex = self.bind(ctx or current_context(), kwargs)
        return ex.forward()

    # -- gradients ----------------------------------------------------------------------
    def grad(self, wrt: str | Sequence[str]) -> Symbol:
        """A symbol computing d(outputs)/d(wrt), as the pre-1.0 MXNet API did.

        Its arguments are this symbol's plus one head gradient per output, named
        `<output node name>_<i>_grad`.
        """
        from .gradient import make_gradient_symbol
        return make_gradient_symbol(self, [wrt] if isinstance(wrt, str) else list(wrt))

    gradient = grad

    # -- serialisation -----------------------------------------------------------------
    def tojson(self, remove_amp_cast: bool = True) -> str:
        from ..formats import json as json_format
        return json_format.dumps_graph(self._outputs)

    def save(self, fname: str, remove_amp_cast: bool = True) -> None:
        from ..formats import json as json_format
        json_format.save_graph(fname, self._outputs)

    def debug_str(self) -> str:
        lines = ["Symbol Outputs:"]
        for i, (node, idx) in enumerate(self._outputs):
            lines.append(f"\toutput[{i}]={node.name}({idx})")
        for node in self._topo():
            if node.is_variable:
                lines.append(f"Variable:{node.name}")
                continue
            lines += ["--------------------", f"Op:{node.op}, Name={node.name}", "Inputs:"]
            for j, (src, idx) in enumerate(node.inputs):
                suffix = " version=0" if src.is_variable else ""
                lines.append(f"\targ[{j}]={src.name}({idx}){suffix}")
            if node.attrs:
                lines.append("Attrs:")
                lines += [f"\t{k}={v}" for k, v in sorted(node.attrs.items())]
        return "\n".join(lines) + "\n"

    # -- fluent methods (x.reshape(...), x.sum(...)) -------------------------------------
    def __getattr__(self, name: str) -> Any:
        op_name = _FLUENT.get(name)
        if op_name is None:
            raise AttributeError(f"'Symbol' object has no attribute {name!r}")

        def method(*args: Any, **kwargs: Any) -> Symbol:
            from . import op_functions
            return op_functions.make(op_name, name)(self, *args, **kwargs)
        return method

    def astype(self, dtype: Any) -> Symbol:
        return _create("Cast", [self], {"dtype": dtype})


_FLUENT = {name: name for name in (
    "reshape", "flatten", "transpose", "expand_dims", "squeeze", "sum", "mean", "max",
    "min", "prod", "norm", "argmax", "argmin", "clip", "abs", "sign", "exp", "log",
    "sqrt", "rsqrt", "square", "relu", "sigmoid", "tanh", "softmax", "log_softmax",
    "slice", "slice_axis", "take", "one_hot", "tile", "repeat", "split", "broadcast_to",
    "broadcast_axis", "pad", "floor", "ceil", "round", "sin", "cos", "zeros_like",
    "ones_like", "reshape_like", "swapaxes", "flip", "topk", "sort", "argsort",
    "nansum", "nanprod", "diag", "dot", "batch_dot", "log1p", "expm1", "reciprocal")}
_FLUENT["split"] = "SliceChannel"
_FLUENT["pad"] = "Pad"


def _entry_name(node: Node, index: int) -> str:
    if node.is_variable:
        return node.name
    opdef = registry.get(node.op)
    return f"{node.name}_{opdef.list_output_names(node.params)[index]}"


def _create(op_name: str, inputs: Sequence[Symbol], params: dict[str, Any],
            name: str | None = None, attr: dict[str, str] | None = None) -> Symbol:
    from . import op_functions
    return op_functions.make(op_name, op_name)(*inputs, name=name, attr=attr, **params)


def Variable(name: str, attr: dict[str, str] | None = None, shape: Shape | None = None,
             lr_mult: float | None = None, wd_mult: float | None = None,
             dtype: Any = None, init: Any = None, stype: str | None = None,
             **kwargs: Any) -> Symbol:
    """A placeholder input, as `mx.sym.Variable`.

    Hidden attributes record the optional settings: `__shape__`, `__lr_mult__`,
    `__wd_mult__`, `__dtype__` (MXNet's dtype flag), `__init__` (initializer JSON).
    """
    if not isinstance(name, str):
        raise MXNetTypeError(f"Expect a string for variable `name`, got {name!r}")
    attrs = naming.current_attr_scope().get(attr)
    if shape is not None:
        attrs["__shape__"] = str(tuple(shape))
    if lr_mult is not None:
        attrs["__lr_mult__"] = str(lr_mult)
    if wd_mult is not None:
        attrs["__wd_mult__"] = str(wd_mult)
    if dtype is not None:
        from ..base import DTYPE_NP_TO_MX
        attrs["__dtype__"] = str(DTYPE_NP_TO_MX[dtype_np(dtype)])
    if init is not None:
        attrs["__init__"] = init if isinstance(init, str) else init.dumps()
    if stype is not None:
        attrs["__storage_type__"] = str({"default": 0, "row_sparse": 1, "csr": 2}[stype])
    for key, value in kwargs.items():
        if not _hidden(key):
            raise MXNetValueError(
                f"Attribute name={key} is not supported. Additional attributes must start "
                "and end with double underscores, e.g, __yourattr__")
        attrs[key] = str(value)
    return Symbol([(Node(None, name, attrs), 0)])


var = Variable


def Group(symbols: Sequence[Symbol]) -> Symbol:
    """One symbol whose outputs are the outputs of `symbols`, in order."""
    if not symbols or any(not isinstance(s, Symbol) for s in symbols):
        raise MXNetTypeError("Expected a list of symbols as input")
    return Symbol([e for s in symbols for e in s._outputs])


def load_json(json_str: str) -> Symbol:
    from ..formats import json as json_format
    return Symbol(json_format.loads_graph(json_str))


fromjson = load_json


def load(fname: str) -> Symbol:
    from ..formats import json as json_format
    return Symbol(json_format.load_graph(fname))


def check_single_output(sym: Symbol, op: str, slot: str) -> Entry:
    if not isinstance(sym, Symbol):
        raise MXNetTypeError(f"{op}: input {slot!r} must be a Symbol, got {type(sym).__name__}")
    if len(sym._outputs) != 1:
        raise MXNetError(f"{op}: input {slot!r} has {len(sym._outputs)} outputs "
                         f"{sym.list_outputs()}; select one with sym[i]")
    return sym._outputs[0]


_ = _copy
