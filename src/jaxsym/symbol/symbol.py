"""Symbol: a tuple of output entries over graph nodes, with MXNet's API."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from numbers import Number
from typing import Any

import numpy as np

from ..base import DTYPE_NP_TO_MX, MXNetError, MXNetTypeError, MXNetValueError, dtype_np
from ..graph import naming
from ..graph.node import Entry, Node, topological_order
from ..ops import registry
from ..ops.elemwise import install_python_operators

Shape = tuple[int, ...]


def _shallow_attrs(node: Node) -> dict[str, str]:
    """What MXNet's list_attr reports: hidden keys also appear plain (`lr_mult`)."""
    out: dict[str, str] = {}
    for key, value in node.attrs.items():
        out[key] = value
        if naming.is_dunder(key) and key[2:-2] in naming.HIDDEN_KEYS:
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
        """The head node's name; None for a group of several nodes' outputs."""
        node = self._single_node()
        return None if node is None else node.name

    def _single_node(self) -> Node | None:
        """The one node all outputs come from (SliceChannel's items share it)."""
        first = self._outputs[0][0] if self._outputs else None
        if first is None or any(n is not first for n, _ in self._outputs):
            return None
        return first

    def __repr__(self) -> str:
        name = self.name
        if name is None:
            return "<Symbol group [" + ", ".join(s.name or "" for s in self) + "]>"
        return f"<Symbol {name}>"

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

    def list_arguments(self) -> list[str]:
        return [n.name for n in registry.split_variables(self._topo())[0]]

    def list_auxiliary_states(self) -> list[str]:
        return [n.name for n in registry.split_variables(self._topo())[1]]

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
        count = len(self._outputs)
        if isinstance(index, slice):
            return Symbol([self._outputs[i] for i in range(*index.indices(count))])
        if isinstance(index, str):
            names = self.list_outputs()
            matches = [i for i, n in enumerate(names) if n == index]
            if len(matches) > 1:
                raise MXNetValueError(f'There are multiple outputs with name "{index}"')
            if not matches:
                raise MXNetValueError(f'Cannot find output that matches name "{index}"; '
                                      f"outputs are {names}")
            index = matches[0]
        if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
            raise MXNetTypeError("Symbol only support integer index to fetch i-th output")
        if index >= count:
            raise IndexError(f"Symbol index {index} out of range for {count} outputs")
        if index < 0:
            # MXNet 1.9.1 rejects negative indices rather than counting from the end.
            raise MXNetError(f"Symbol only accept nonnegative index, got {index}")
        return Symbol([self._outputs[index]])

    # -- attributes -------------------------------------------------------------------
    def attr(self, key: str) -> str | None:
        """The attribute `key` of the head node (None if absent or grouped)."""
        node = self._single_node() if len(self._outputs) == 1 else None
        return None if node is None else node.attrs.get(naming.hidden_key(key))

    def list_attr(self, recursive: bool = False) -> dict[str, str]:
        """The head node's attributes; hidden keys are listed in both spellings.

        `recursive=True` lists every node's attributes keyed `name$key`: MXNet 1.9.1
        raises there, but the memo relies on this older behaviour, so it is kept
        with a DeprecationWarning pointing to attr_dict.
        """
        if recursive:
            warnings.warn("Symbol.list_attr with recursive=True has been deprecated. "
                          "Please use attr_dict instead.", DeprecationWarning, stacklevel=2)
            return {f"{name}${k}": v for name, attrs in self.attr_dict().items()
                    for k, v in attrs.items()}
        node = self._single_node() if len(self._outputs) == 1 else None
        return {} if node is None else _shallow_attrs(node)

    def attr_dict(self) -> dict[str, dict[str, str]]:
        """{node name: list_attr of that node} for every node with attributes."""
        return {node.name: _shallow_attrs(node) for node in self._topo() if node.attrs}

    def _set_attr(self, **kwargs: str) -> None:
        """Set attributes of the head node(s), in MXNet's stored spelling.

        As in MXNet, a plain key on an operator is one of its parameters: it is
        validated and the node's parameters are parsed again.
        """
        if not all(isinstance(value, str) for value in kwargs.values()):
            raise MXNetValueError("Set Attr only accepts string values")
        for node in {id(n): n for n, _ in self._outputs}.values():
            attrs = dict(node.attrs)
            attrs.update({naming.hidden_key(k): v for k, v in kwargs.items()})
            if not node.is_variable:
                opdef = registry.get(node.op)
                plain = {k: v for k, v in attrs.items() if not naming.is_dunder(k)}
                node.params = opdef.parse_params(plain, f"'{node.name}'")
            node.attrs = attrs

    # -- composition ------------------------------------------------------------------
    def __call__(self, *args: Symbol, **kwargs: Any) -> Symbol:
        """A copy with inputs replaced by the given symbols, keyword form only."""
        name = kwargs.pop("name", None)
        if args and kwargs:
            raise MXNetTypeError("compose only accept input Symbols either as positional "
                                 "or keyword arguments, not both")
        for value in (*args, *kwargs.values()):
            if not isinstance(value, Symbol):
                raise MXNetTypeError("Compose expect `Symbol` as arguments")
        if args:
            # MXNet composes positionally only while creating an op node.
            raise MXNetError(f"General composition only support kwargs for now; got "
                             f"{len(args)} positional argument(s), give them by name "
                             f"from {self.list_inputs()}")
        inputs = self.list_inputs()
        replace: dict[str, Entry] = {}
        for key, value in kwargs.items():
            if key not in inputs:
                candidates = "".join(f"\n\t[{i}]{n}" for i, n in enumerate(inputs))
                raise MXNetValueError(f"Symbol.ComposeKeyword argument name {key} not "
                                      f"found.\nCandidate arguments:{candidates}")
            replace[key] = check_single_output(value, "compose", key)
        result = self._clone(replace)
        if name:
            for node in {id(n): n for n, _ in result._outputs}.values():
                node.name = name
        return result

    # -- arithmetic: one table, ops.elemwise.PYTHON_OPERATORS --------------------------------------
    def _arith(self, other: Any, op: str, scalar_op: str, reverse: bool) -> Symbol:
        if isinstance(other, Symbol):
            lhs, rhs = (other, self) if reverse else (self, other)
            return _create(op, [lhs, rhs], {})
        if isinstance(other, Number) and not isinstance(other, bool):
            return _create(scalar_op, [self], {"scalar": other})
        raise MXNetTypeError(f"type {type(other)} not supported")

    def __neg__(self) -> Symbol:
        return self.__mul__(-1.0)  # MXNet: `-x` is `_mulscalar`

    def __abs__(self) -> Symbol:
        return _create("abs", [self], {})

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        raise NotImplementedError("The truth value of a Symbol is undefined; compare "
                                  "with `is None` instead")

    # -- inference ----------------------------------------------------------------------
    def infer_shape(self, *args: Any, **kwargs: Any):
        """(arg_shapes, out_shapes, aux_shapes) from the given input shapes.

        Shapes are tuples of ints in list_arguments/list_outputs/list_auxiliary_states
        order. As in MXNet, with too little information the result is
        (None, None, None) and a warning names the undecided arguments; 0 in a
        given shape means an unknown dimension.
        """
        from ..executor import infer
        known, partial_known = self._known_shapes(args, kwargs)
        result = infer.infer_shape(self._outputs, known, partial=False)
        if result[0] is None:
            missing = infer.unknown_arguments(self._outputs, known)
            warnings.warn("Cannot decide shape for the following arguments (0s in shape "
                          "means unknown dimensions). Consider providing them as input:"
                          + "".join(f"\n\t{n}: {partial_known.get(n, ())}" for n in missing),
                          stacklevel=2)
        return result

    def infer_shape_partial(self, *args: Any, **kwargs: Any):
        """Like infer_shape, with `()` (or the given partial shape) where undecided."""
        from ..executor import infer
        known, partial_known = self._known_shapes(args, kwargs)
        arg_shapes, out_shapes, aux_shapes = infer.infer_shape(self._outputs, known,
                                                               partial=True)
        arg_shapes = [s or partial_known.get(n, ())
                      for n, s in zip(self.list_arguments(), arg_shapes)]
        return arg_shapes, out_shapes, aux_shapes

    def infer_type(self, *args: Any, **kwargs: Any):
        """(arg_types, out_types, aux_types) as numpy type objects (`np.float32`)."""
        from ..executor import infer
        given = self._named_inputs(args, kwargs, "type")
        return infer.infer_type(self._outputs, {k: dtype_np(v) for k, v in given.items()})

    def _named_inputs(self, args: Sequence[Any], kwargs: dict[str, Any],
                      what: str) -> dict[str, Any]:
        """Positional values follow list_arguments; keywords may name any input."""
        if args and kwargs:
            raise MXNetValueError(f"infer_{what}: can only specify known argument "
                                  f"{what}s either by positional or kwargs way.")
        names = self.list_arguments()
        if len(args) > len(names):
            raise MXNetValueError(f"infer_{what}: got {len(args)} positional values for "
                                  f"{len(names)} arguments {names}")
        given = {n: v for n, v in zip(names, args) if v is not None}
        inputs = self.list_inputs()
        for name, value in kwargs.items():
            if name not in inputs:
                candidates = "".join(f"\n\t[{i}]{n}" for i, n in enumerate(inputs))
                raise MXNetError(f"Infer{what.capitalize()}Keyword argument name {name} "
                                 f"not found.\nCandidate arguments:{candidates}")
            if value is not None:
                given[name] = value
        return given

    def _known_shapes(self, args: Sequence[Any], kwargs: dict[str, Any]
                      ) -> tuple[dict[str, Shape], dict[str, Shape]]:
        """(fully known shapes, shapes with unknown 0 dimensions) of the inputs."""
        known: dict[str, Shape] = {}
        partial: dict[str, Shape] = {}
        for name, value in self._named_inputs(args, kwargs, "shape").items():
            if not isinstance(value, tuple):
                raise MXNetTypeError(f"Arguments need to be shapes (tuple), but {name!r} is "
                                     f"{type(value)}.")
            shape = tuple(int(d) for d in value)
            (known if shape and all(d > 0 for d in shape) else partial)[name] = shape
        return known, partial

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
        """MXNet's text listing: outputs, then each variable and op in order."""
        lines = ["Symbol Outputs:"]
        lines += [f"\toutput[{i}]={node.name}({idx})"
                  for i, (node, idx) in enumerate(self._outputs)]
        for node in self._topo():
            if node.is_variable:
                lines.append(f"Variable:{node.name}")
                continue
            lines += ["--------------------", f"Op:{node.op}, Name={node.name}", "Inputs:"]
            lines += [f"\targ[{j}]={src.name}({idx})" + (" version=0" if src.is_variable else "")
                      for j, (src, idx) in enumerate(node.inputs)]
            if node.attrs:
                lines.append("Attrs:")
                lines += [f"\t{k}={v}" for k, v in sorted(node.attrs.items())]
        return "\n".join(lines) + "\n"

    def astype(self, dtype: Any) -> Symbol:
        return _create("Cast", [self], {"dtype": dtype})


install_python_operators(Symbol, "_arith")
Symbol.__iadd__ = Symbol.__add__  # type: ignore[attr-defined]
Symbol.__isub__ = Symbol.__sub__  # type: ignore[attr-defined]
Symbol.__imul__ = Symbol.__mul__  # type: ignore[attr-defined]
Symbol.__itruediv__ = Symbol.__truediv__  # type: ignore[attr-defined]



def _entry_name(node: Node, index: int) -> str:
    if node.is_variable:
        return node.name
    opdef = registry.get(node.op)
    return f"{node.name}_{opdef.list_output_names(node.params)[index]}"


def _create(op_name: str, inputs: Sequence[Symbol], params: dict[str, Any],
            name: str | None = None, attr: dict[str, str] | None = None) -> Symbol:
    from . import op_functions
    return op_functions.make(op_name, op_name)(*inputs, name=name, attr=attr, **params)


def Variable(name: str, attr: dict[str, str] | None = None, shape: Any = None,
             lr_mult: float | None = None, wd_mult: float | None = None,
             dtype: Any = None, init: Any = None, stype: str | None = None,
             **kwargs: Any) -> Symbol:
    """A placeholder input, as `mx.sym.Variable`.

    The optional settings become hidden attributes: `__shape__`, `__lr_mult__`,
    `__wd_mult__`, `__dtype__` (MXNet's dtype flag), `__init__` (initializer JSON),
    `__storage_type__`. Extra keyword attributes must be `__dunder__` keys.
    """
    if not isinstance(name, str):
        raise MXNetTypeError("Expect a string for variable `name`")
    attrs = {naming.hidden_key(k): str(v)
             for k, v in naming.current_attr_scope().get(attr).items()}
    if shape is not None:
        attrs["__shape__"] = str(shape)
    if lr_mult is not None:
        attrs["__lr_mult__"] = str(lr_mult)
    if wd_mult is not None:
        attrs["__wd_mult__"] = str(wd_mult)
    if dtype is not None:
        attrs["__dtype__"] = str(DTYPE_NP_TO_MX[dtype_np(dtype)])
    if init is not None:
        attrs["__init__"] = init if isinstance(init, str) else init.dumps()
    if stype is not None:
        attrs["__storage_type__"] = str(_STORAGE_TYPES[stype])
    for key, value in kwargs.items():
        if not naming.is_dunder(key):
            raise MXNetValueError(
                f"Attribute name={key} is not supported. Additional attributes must start "
                "and end with double underscores, e.g, __yourattr__")
        attrs[key] = str(value)
    return Symbol([(Node(None, name, attrs), 0)])


var = Variable
_STORAGE_TYPES = {"default": 0, "row_sparse": 1, "csr": 2}


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

