"""`mx.sym.<Op>` functions, built from the op registry (no per-op code here)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from numbers import Number
from typing import Any

from ..base import MXNetTypeError, MXNetValueError
from ..graph import naming
from ..graph.node import Node
from ..ops import attrs as A
from ..ops import registry
from .symbol import Symbol, check_single_output

# MXNet's BatchNorm marks its auto-created statistics with the initializer to use
# (FSetInputVarAttrOnCompose), so `mx.init` fills them with 0 and 1 by attribute.
_AUX_INIT = {"moving_mean": '["zero", {}]', "moving_var": '["one", {}]'}


def split_attrs(attr: dict[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """Scope/`attr=` entries -> (node attributes, op parameters), as MXNet's C API.

    Dunder keys and the known hidden keys (`lr_mult` -> `__lr_mult__`) are node
    attributes; any other key is an op parameter, so an unknown one is rejected.
    """
    hidden: dict[str, str] = {}
    params: dict[str, Any] = {}
    for key, value in attr.items():
        stored = naming.hidden_key(key)
        if naming.is_dunder(stored):
            hidden[stored] = str(value)
        else:
            params[key] = value
    return hidden, params


def _mark_aux(node: Node, slot: str, where: str) -> None:
    """Aux states are updated in place, so MXNet requires a variable there, and tags
    even a user-given one with its initializer unless it already has one."""
    if not node.is_variable:
        raise MXNetValueError(f"{where}: Mutation target can only be Variable: aux state "
                              f"{slot!r} is computed by {node.op} '{node.name}'")
    if slot in _AUX_INIT:
        node.attrs.setdefault("__init__", _AUX_INIT[slot])


@functools.cache
def make(op_name: str, hint: str) -> Callable[..., Symbol]:
    """The symbol-building function for `op_name`, auto-named `<hint lowercased>N`."""
    opdef = registry.get(op_name)
    auto_hint = hint.lower()

    def create(*args: Any, name: str | None = None, attr: dict[str, str] | None = None,
               **kwargs: Any) -> Symbol:
        where = f"'{name}'" if name else "(unnamed)"
        hidden, attr_params = split_attrs(naming.current_attr_scope().get(attr))
        kwargs.update(attr_params)
        operands, raw, params = registry.split_call(
            opdef, args, kwargs, lambda v: isinstance(v, Symbol), where)
        node_name = naming.current().get(name, auto_hint)
        node_attrs = {k: A.format_value(v) for k, v in raw.items()}
        node_attrs.update(hidden)
        n_inputs = len(opdef.input_names(params))
        entries = []
        for index, slot in enumerate(opdef.input_names(params) + opdef.aux_names(params)):
            given = operands.get(slot)
            if given is None:
                if opdef.variadic:
                    raise registry.MXNetValueError(
                        f"{opdef.name} '{node_name}': missing input {slot!r}")
                # MXNet creates '<node>_<slot>' variables carrying all the node's
                # attributes, op parameters included.
                given = Symbol([(Node(None, f"{node_name}_{slot}", dict(node_attrs)), 0)])
            entry = check_single_output(given, f"{opdef.name} '{node_name}'", slot)
            if index >= n_inputs:
                _mark_aux(entry[0], slot, f"{opdef.name} '{node_name}'")
            entries.append(entry)
        node = Node(opdef.name, node_name, node_attrs, entries, params,
                    opdef.n_outputs(params))
        return Symbol([(node, i) for i in range(node.num_outputs)])

    create.__name__ = create.__qualname__ = hint  # repr and help show the op, as in MXNet
    create.__doc__ = opdef.signature_doc()
    return create


def _binary_or_scalar(fname: str, op: str, scalar_op: str) -> Callable[..., Any]:
    """MXNet's Python-level `mx.sym.maximum`-style functions: Symbol or number operands."""

    def fn(left: Any, right: Any) -> Any:
        if isinstance(left, Symbol) and isinstance(right, Symbol):
            return make(op, op)(left, right)
        if isinstance(left, Symbol) and isinstance(right, Number):
            return make(scalar_op, scalar_op)(left, scalar=right)
        if isinstance(right, Symbol) and isinstance(left, Number):
            return make(scalar_op, scalar_op)(right, scalar=left)
        if isinstance(left, Number) and isinstance(right, Number):
            return _PY_SCALAR[fname](left, right)
        raise MXNetTypeError(f"types ({type(left)}, {type(right)}) not supported")

    fn.__name__ = fn.__qualname__ = fname
    fn.__doc__ = f"Elementwise {fname} of Symbols and/or scalars, as `mx.sym.{fname}`."
    return fn


def power(base: Any, exp: Any) -> Any:
    """`base ** exp` for Symbols and/or scalars, as `mx.sym.pow`."""
    if isinstance(base, Symbol) and isinstance(exp, Symbol):
        return make("_Power", "_Power")(base, exp)
    if isinstance(base, Symbol) and isinstance(exp, Number):
        return make("_PowerScalar", "_PowerScalar")(base, scalar=exp)
    if isinstance(base, Number) and isinstance(exp, Symbol):
        return make("_RPowerScalar", "_RPowerScalar")(exp, scalar=base)
    if isinstance(base, Number) and isinstance(exp, Number):
        return base ** exp
    raise MXNetTypeError(f"types ({type(base)}, {type(exp)}) not supported")


_PY_SCALAR: dict[str, Callable[[Any, Any], Any]] = {
    "maximum": max, "minimum": min, "hypot": lambda a, b: (a * a + b * b) ** 0.5}


def install(namespace: dict[str, Any]) -> None:
    """Define `mx.sym.<name>` for every registered op name and alias."""
    for fname, op, scalar_op in (("maximum", "_Maximum", "_MaximumScalar"),
                                 ("minimum", "_Minimum", "_MinimumScalar"),
                                 ("hypot", "_Hypot", "_HypotScalar")):
        if registry.exists(op) and registry.exists(scalar_op):
            namespace.setdefault(fname, _binary_or_scalar(fname, op, scalar_op))
    if registry.exists("_Power") and registry.exists("_RPowerScalar"):
        namespace.setdefault("pow", power)
        namespace.setdefault("power", power)
    for name in registry.all_names():
        if name not in namespace:
            namespace[name] = make(name, name)
