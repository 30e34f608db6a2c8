"""`mx.viz`: print_summary and plot_network. Reads the graph and infer_shape; never runs it."""

from __future__ import annotations

import ast
import copy
import shutil
import warnings
from collections.abc import Sequence
from typing import Any

from .base import MXNetError, MXNetTypeError, MXNetValueError
from .graph.node import Node
from .symbol.symbol import Symbol

_WEIGHT_SUFFIXES = ("_weight", "_bias", "_beta", "_gamma", "_moving_var", "_moving_mean",
                    "_running_var", "_running_mean")
# MXNet's colour per op family.
_COLOURS = ("#8dd3c7", "#fb8072", "#ffffb3", "#bebada", "#80b1d3", "#fdb462", "#b3de69",
            "#fccde5")


def _tuple_text(text: str) -> list[str]:
    """'(3, 3)' -> ['3', '3'], as MXNet's _str2tuple."""
    value = ast.literal_eval(text) if text.strip() not in ("", "()") else ()
    if isinstance(value, int):
        value = (value,)
    return [str(v) for v in value]


def _nodes(symbol: Symbol) -> list[Node]:
    if not isinstance(symbol, Symbol):
        raise MXNetTypeError("symbol must be Symbol")
    return symbol._topo()


def _output_shapes(symbol: Symbol, shape: dict[str, Any] | None) -> dict[str, tuple] | None:
    if shape is None:
        return None
    internals = symbol.get_internals()
    _, out_shapes, _ = internals.infer_shape(**shape)
    if out_shapes is None:
        raise MXNetValueError(f"Input shape is incomplete: {shape}")
    return dict(zip(internals.list_outputs(), out_shapes))


def _entry_key(node: Node) -> str:
    return node.name if node.is_variable else f"{node.name}_output"


def print_summary(symbol: Symbol, shape: dict[str, Any] | None = None, line_length: int = 120,
                  positions: Sequence[float] = (.44, .64, .74, 1.)) -> None:
    """Print MXNet's layer table: layer (type), output shape, parameter count, inputs."""
    nodes = _nodes(symbol)
    index = {id(n): i for i, n in enumerate(nodes)}
    shapes = _output_shapes(symbol, shape)
    head_node, head_out = symbol._outputs[0]
    # MXNet tests membership in the first head entry [node, index, version] as a set.
    head_set = {index[id(head_node)], head_out, 0}
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]

    def print_row(fields: Sequence[Any]) -> None:
        line = ""
        for i, field in enumerate(fields):
            line += str(field)
            line = line[:positions[i]]
            line += " " * (positions[i] - len(line))
        print(line)

    print("_" * line_length)
    print_row(["Layer (type)", "Output Shape", "Param #", "Previous Layer"])
    print("=" * line_length)

    def layer(node: Node, out_shape: Sequence[int]) -> int:
        attrs = node.attrs
        previous = []
        fan_in = 0
        if not node.is_variable:
            for src, _ in node.inputs:
                if not src.is_variable or index[id(src)] in head_set:
                    previous.append(src.name)
                    if shapes is not None and _entry_key(src) in shapes:
                        fan_in += int(shapes[_entry_key(src)][1:][0])
        params = 0
        op = node.op or "null"
        if op == "Convolution":
            params = fan_in * int(attrs["num_filter"]) // int(attrs.get("num_group", "1"))
            for k in _tuple_text(attrs["kernel"]):
                params *= int(k)
            if attrs.get("no_bias") != "True":
                params += int(attrs["num_filter"])
        elif op == "FullyConnected":
            hidden = int(attrs["num_hidden"])
            params = fan_in * hidden if attrs.get("no_bias") == "True" else (fan_in + 1) * hidden
        elif op == "BatchNorm" and shapes is not None:
            params = int(shapes[node.name + "_output"][1]) * 2
        elif op == "Embedding":
            params = int(attrs["input_dim"]) * int(attrs["output_dim"])
        print_row([f"{node.name}({op})", "x".join(str(x) for x in out_shape), params,
                   previous[0] if previous else ""])
        for name in previous[1:]:
            print_row(["", "", "", name])
        return params

    total = 0
    for i, node in enumerate(nodes):
        if node.is_variable and i > 0:
            continue
        out_shape: Sequence[int] = []
        if (not node.is_variable or i in head_set) and shapes is not None:
            out_shape = shapes.get(_entry_key(node), ())[1:]
        total += layer(node, out_shape)
        print(("=" if i == len(nodes) - 1 else "_") * line_length)
    print(f"Total params: {total}")
    print("_" * line_length)


def _label_and_colour(node: Node) -> tuple[str, str]:
    attrs = node.attrs
    op = node.op
    if op == "Convolution":
        stride = "x".join(_tuple_text(attrs["stride"])) if "stride" in attrs else "1"
        return (f"Convolution\n{'x'.join(_tuple_text(attrs['kernel']))}/{stride}, "
                f"{attrs['num_filter']}", _COLOURS[1])
    if op == "FullyConnected":
        return f"FullyConnected\n{attrs['num_hidden']}", _COLOURS[1]
    if op == "BatchNorm":
        return node.name, _COLOURS[3]
    if op == "Activation":
        return f"Activation\n{attrs['act_type']}", _COLOURS[2]
    if op == "LeakyReLU":
        return f"LeakyReLU\n{attrs.get('act_type', 'Leaky')}", _COLOURS[2]
    if op == "Pooling":
        kernel = "x".join(_tuple_text(attrs["kernel"])) if "kernel" in attrs else "[]"
        stride = "x".join(_tuple_text(attrs["stride"])) if "stride" in attrs else "1"
        return f"Pooling\n{attrs.get('pool_type', 'max')}, {kernel}/{stride}", _COLOURS[4]
    if op in ("Concat", "Flatten", "Reshape"):
        return node.name, _COLOURS[5]
    if op == "Softmax":
        return node.name, _COLOURS[6]
    return node.name, _COLOURS[7]


def plot_network(symbol: Symbol, title: str = "plot", save_format: str = "pdf",
                 shape: dict[str, Any] | None = None, dtype: dict[str, Any] | None = None,
                 node_attrs: dict[str, str] | None = None, hide_weights: bool = True) -> Any:
    """A `graphviz.Digraph` of the network drawn as MXNet draws it.

    One box per op with its key parameters and MXNet's colour per op family; weight
    variables hidden by default; edges point from consumer to producer (`dir=back`)
    and, when `shape` is given, carry the producer's output shape without the batch
    axis. Render with `g.render(filename=..., cleanup=True)` (needs graphviz's `dot`).
    """
    try:
        import graphviz  # noqa: F401  (fail here, with install advice, when it is missing)
    except ImportError as err:
        raise ImportError("Draw network requires the graphviz Python package: "
                          "pip install graphviz (and the system package providing 'dot', "
                          "e.g. apt-get install graphviz)") from err
    nodes = _nodes(symbol)
    shapes = _output_shapes(symbol, shape)
    types = None
    if dtype is not None:
        internals = symbol.get_internals()
        _, out_types, _ = internals.infer_type(**dtype)
        if out_types is None:
            raise MXNetValueError(f"Input type is incomplete: {dtype}")
        types = dict(zip(internals.list_outputs(), out_types, strict=True))
    names = [n.name for n in nodes]
    if len(names) != len(set(names)):
        repeated = sorted({n for n in names if names.count(n) > 1})
        warnings.warn("There are multiple variables with the same name in your graph, this "
                      "may result in cyclic graph. Repeated names: " + ",".join(repeated),
                      RuntimeWarning, stacklevel=2)
    base_attr = {"shape": "box", "fixedsize": "true", "width": "1.3", "height": "0.8034",
                 "style": "filled"}
    base_attr.update(node_attrs or {})
    dot = _make_rendering_digraph()(name=title, format=save_format)
    hidden: set[str] = set()
    for node in nodes:
        attr = copy.deepcopy(base_attr)
        if node.is_variable:
            if node.name.endswith(_WEIGHT_SUFFIXES):
                if hide_weights:
                    hidden.add(node.name)
                continue
            attr["shape"] = "oval"
            attr["fillcolor"] = _COLOURS[0]
            label = node.name
        else:
            label, attr["fillcolor"] = _label_and_colour(node)
        dot.node(name=node.name, label=label, **attr)
    for node in nodes:
        if node.is_variable:
            continue
        for src, _ in node.inputs:
            if src.name in hidden:
                continue
            attr = {"dir": "back", "arrowtail": "open", "label": ""}
            key = _entry_key(src)
            if not src.is_variable and "num_outputs" in src.attrs:
                # MXNet labels every edge out of a multi-output op with its last output.
                key += str(int(src.attrs["num_outputs"]) - 1)
            if shapes is not None:
                attr["label"] = "x".join(str(x) for x in shapes[key][1:])
            if types is not None:
                attr["label"] += f"({types[key].__name__})"
            dot.edge(tail_name=node.name, head_name=src.name, **attr)
    return dot


def _need_dot() -> None:
    if shutil.which("dot") is None:
        raise MXNetError("rendering needs the Graphviz 'dot' program, which is not "
                         "installed: apt-get install graphviz (Debian/Ubuntu), "
                         "brew install graphviz (macOS) or conda install graphviz")


def _make_rendering_digraph() -> type:
    """A Digraph whose render(), view() and pipe() explain how to install a missing `dot`."""
    from graphviz import Digraph

    class RenderingDigraph(Digraph):
        def render(self, *args: Any, **kwargs: Any) -> str:
            _need_dot()
            return super().render(*args, **kwargs)

        def pipe(self, *args: Any, **kwargs: Any) -> Any:
            _need_dot()
            return super().pipe(*args, **kwargs)

    return RenderingDigraph
