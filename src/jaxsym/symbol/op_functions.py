"""`mx.sym.<Op>` functions, built from the op registry (no per-op code here)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..graph import naming
from ..graph.node import Node
from ..ops import attrs as A
from ..ops import registry
from .symbol import Symbol, Variable, check_single_output

_RESERVED = ("name", "attr")


@functools.cache
def make(op_name: str, hint: str) -> Callable[..., Symbol]:
    """The symbol-building function for `op_name`, auto-named after `hint`."""
    opdef = registry.get(op_name)

    def create(*args: Any, name: str | None = None, attr: dict[str, str] | None = None,
               **kwargs: Any) -> Symbol:
        where = f"'{name}'" if name else "(unnamed)"
        if attr is not None:
            for key in attr:
                if not (key.startswith("__") and key.endswith("__")):
                    raise registry.MXNetValueError(
                        f"{opdef.name} {where}: attribute {key!r} is not a parameter of "
                        f"{opdef.name}; custom attributes must look like __{key}__")
        operands, raw, params = registry.split_call(
            opdef, args, kwargs, lambda v: isinstance(v, Symbol), where)
        node_name = naming.current().get(name, hint)
        node_attrs = naming.current_attr_scope().get(attr)
        node_attrs.update({k: A.format_value(v) for k, v in raw.items()})
        slots = opdef.input_names(params) + opdef.aux_names(params)
        entries = []
        for slot in slots:
            given = operands.get(slot)
            if given is None:
                if opdef.variadic:
                    raise registry.MXNetValueError(
                        f"{opdef.name} '{node_name}': missing input {slot!r}")
                # MXNet creates '<node>_<slot>' variables carrying the node's attributes.
                given = Variable(f"{node_name}_{slot}", attr=dict(node_attrs))
            entries.append(check_single_output(given, f"{opdef.name} '{node_name}'", slot))
        node = Node(opdef.name, node_name, node_attrs, entries, params,
                    opdef.n_outputs(params))
        return Symbol([(node, i) for i in range(node.num_outputs)])

    create.__name__ = hint
    create.__doc__ = opdef.signature_doc()
    return create


def install(namespace: dict[str, Any]) -> None:
    """Define `mx.sym.<name>` for every registered op name and alias."""
    for name in registry.all_names():
        if name not in namespace:
            namespace[name] = make(name, name)
