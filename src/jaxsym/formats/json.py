"""MXNet symbol JSON <-> graph nodes: `Symbol.tojson`, `mx.sym.load_json`, `Symbol.save`.

Writing reproduces MXNet 1.9.1's text byte for byte: nodes in post-order DFS from the
heads, dmlc's JSON layout (2-space indents, `", "` + newline between items, arrays of
more than 10 numbers or entries on separate lines, one-key objects inline), attributes
sorted, and only the attributes the user gave (op defaults are never written).

Reading accepts what MXNet 1.9.1 reads: the current layout, the older node keys
`attr` and `param` (plus `backward_source_id`), a missing `node_row_ptr`, 2-item
entries, forward references between nodes, and files from older versions, which are
upgraded as MXNet's legacy_json_util.cc does (see `_upgrade`). Anything else raises
`MXNetValueError` naming the source and the node; unlike MXNet (which may crash or
build a broken symbol), cycles, bad output indices and wrong input counts are errors.
"""

from __future__ import annotations

import json as _json
import os
from collections.abc import Sequence
from typing import Any

from ..base import MXNetError, MXNetTypeError, MXNetValueError
from ..graph.node import Entry, Node, topological_order
from ..ops import registry
from ._atomic import write_atomic

__all__ = ["MXNET_VERSION", "dumps_graph", "load_graph", "loads_graph", "save_graph"]

MXNET_VERSION = 10901  # MXNET_MAKE_VERSION(1, 9, 1), written as the graph's version

# kHiddenKeys of MXNet 1.9.1's C API: the plain keys older files stored unhidden.
_LEGACY_HIDDEN_KEYS = ("ctx_group", "lr_mult", "wd_mult", "force_mirroring", "mirror_stage")
# Initializers BatchNorm gives its statistics variables on compose; files older than
# 0.9.4 lack them and are upgraded (FSetInputVarAttrOnCompose).
_AUX_INIT = {"moving_mean": '["zero", {}]', "moving_var": '["one", {}]'}
# dmlc::any type names MXNet can read in the graph's "attrs".
_ANY_TYPES = {"int": int, "str": str, "list_int": list, "list_str": list}
_NODE_KEYS = {"op", "name", "inputs", "attrs", "attr", "param", "control_deps",
              "subgraphs", "backward_source_id"}
_GRAPH_KEYS = {"nodes", "arg_nodes", "node_row_ptr", "heads", "attrs"}
_UINT32 = 1 << 32
# More inputs than any real op takes; guards against `num_args="1000000000"`.
_MAX_INPUTS = 1 << 16


def _version(major: int, minor: int, patch: int) -> int:
    return major * 10000 + minor * 100 + patch


# ---------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------
def _string(text: str) -> str:
    """dmlc's WriteString: escapes only `"`, `\\`, CR, LF and TAB; the rest is raw UTF-8."""
    return '"' + text.translate(_ESCAPES) + '"'


_ESCAPES = str.maketrans({'"': '\\"', "\\": "\\\\", "\r": "\\r", "\n": "\\n", "\t": "\\t"})


def _block(open_: str, close: str, items: list[str], depth: int, multi_line: bool) -> str:
    """A dmlc JSON array or object whose items are already rendered."""
    if not items:
        return open_ + close
    if not multi_line:
        return open_ + ", ".join(items) + close
    pad = "\n" + "  " * (depth + 1)
    return open_ + pad + (", " + pad).join(items) + "\n" + "  " * depth + close


def _array(items: list[str], depth: int, multi_line: bool | None = None) -> str:
    # dmlc breaks arrays of plain values over lines only when they have more than 10.
    return _block("[", "]", items, depth, len(items) > 10 if multi_line is None else multi_line)


def _object(pairs: list[tuple[str, str]], depth: int, multi_line: bool = True) -> str:
    return _block("{", "}", [f"{_string(k)}: {v}" for k, v in pairs], depth, multi_line)


def _entry(node_id: int, index: int, version: int) -> str:
    return f"[{node_id}, {index}, {version}]"


def _total_outputs(node: Node) -> int:
    """Outputs MXNet counts in node_row_ptr, including invisible ones (BatchNorm's
    mean and var when output_mean_var is False)."""
    if node.is_variable:
        return 1
    return node.num_outputs + registry.get(node.op).n_hidden_outputs(node.params)


def _n_data_inputs(node: Node) -> int:
    return len(registry.get(node.op).input_names(node.params))


def dumps_graph(heads: Sequence[Entry]) -> str:
    """MXNet 1.9.1's `Symbol.tojson()` text for the graph ending in `heads`.

    Args:
      heads: the symbol's outputs, `(node, output_index)` pairs.

    Returns:
      The JSON text, identical to MXNet's for the same graph.
    """
    order = topological_order(heads)
    index = {id(node): i for i, node in enumerate(order)}
    # nnvm numbers variable versions: every mutation of an aux state (BatchNorm's
    # moving_mean) bumps it, and later readers see the bumped number.
    versions: dict[int, int] = {}
    nodes_text: list[str] = []
    row_ptr = [0]
    for node in order:
        entries = []
        n_data = 0 if node.is_variable else _n_data_inputs(node)
        for slot, (src, out) in enumerate(node.inputs):
            version = 0
            if src.is_variable:
                version = versions.get(id(src), 0) + (slot >= n_data)
                versions[id(src)] = version
            entries.append(_entry(index[id(src)], out, version))
        fields = [("op", _string(node.op or "null")), ("name", _string(node.name))]
        if node.attrs:
            # std::map order: by UTF-8 bytes.
            attrs = sorted(node.attrs.items(),
                           key=lambda kv: kv[0].encode("utf-8", "surrogatepass"))
            fields.append(("attrs", _object([(k, _string(v)) for k, v in attrs], 3,
                                            multi_line=len(attrs) > 1)))
        fields.append(("inputs", _array(entries, 3)))
        nodes_text.append(_object(fields, 2))
        row_ptr.append(row_ptr[-1] + _total_outputs(node))
    arg_nodes = [str(i) for i, node in enumerate(order) if node.is_variable]
    graph = [
        ("nodes", _array(nodes_text, 1, multi_line=True)),
        ("arg_nodes", _array(arg_nodes, 1)),
        ("node_row_ptr", _array([str(p) for p in row_ptr], 1)),
        # A variable head (from get_internals) carries the variable's final version.
        ("heads", _array([_entry(index[id(n)], i, versions.get(id(n), 0))
                          for n, i in heads], 1)),
        ("attrs", _object([("mxnet_version", f'["int", {MXNET_VERSION}]')], 1, False)),
    ]
    return _object(graph, 0)


def save_graph(fname: str | os.PathLike[str], heads: Sequence[Entry]) -> None:
    """Write `dumps_graph(heads)` to `fname` atomically (temporary file + rename)."""
    text = dumps_graph(heads).encode("utf-8", "surrogatepass")
    write_atomic(os.fspath(fname), [text], "symbol file")


# ---------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------
class _Rec:
    """One node while loading: raw attributes until parsed, inputs as records."""

    __slots__ = ("attrs", "index", "inputs", "name", "op", "opdef", "params")

    def __init__(self, index: int, op: str, opdef: registry.OpDef | None, name: str,
                 attrs: dict[str, str]) -> None:
        self.index = index
        self.op = op
        self.opdef = opdef
        self.name = name
        self.attrs = attrs
        self.inputs: list[tuple[_Rec, int]] = []
        self.params: Any = None

    @property
    def is_variable(self) -> bool:
        return self.opdef is None

    def where(self) -> str:
        kind = "variable" if self.opdef is None else f"op {self.op}"
        return f"node {self.index} {self.name!r} ({kind})"


class _Loader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, message: str) -> MXNetValueError:
        return MXNetValueError(f"{self.source}: {message}")

    # -- typed access to the parsed JSON --------------------------------------------------
    def typed(self, value: Any, kind: type, what: str) -> Any:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(f"{what} must be {_KIND_NAMES[kind]}, got "
                            f"{type(value).__name__} {_short(value)}")
        if kind is str:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate escape such as "\ud800"
                raise self.fail(f"{what} is not valid Unicode: {_short(value)}") from None
        return value

    def uint(self, value: Any, what: str) -> int:
        self.typed(value, int, what)
        if not 0 <= value < _UINT32:
            raise self.fail(f"{what} must be an unsigned 32-bit integer, got {_short(value)}")
        return value

    def fields(self, obj: Any, allowed: set[str], required: tuple[str, ...],
               what: str) -> dict[str, Any]:
        self.typed(obj, dict, what)
        unknown = sorted(set(obj) - allowed)
        if unknown:
            raise self.fail(f"{what}: unknown field {unknown[0]!r}; valid fields: "
                            f"{', '.join(sorted(allowed))}")
        for key in required:
            if key not in obj:
                raise self.fail(f"{what}: missing field {key!r}")
        return obj

    def str_dict(self, value: Any, what: str) -> dict[str, str]:
        self.typed(value, dict, what)
        for key, item in value.items():
            self.typed(key, str, f"{what} key")
            self.typed(item, str, f"{what} value {key!r}")
        return dict(value)

    def entry(self, value: Any, n_nodes: int, what: str) -> tuple[int, int]:
        """An `[node_id, output_index(, version)]` entry; the version is recomputed."""
        self.typed(value, list, what)
        if len(value) not in (2, 3):
            raise self.fail(f"{what} must be [node_id, output_index, version], got "
                            f"{_short(value)}")
        node_id = self.uint(value[0], f"{what} node id")
        out = self.uint(value[1], f"{what} output index")
        if len(value) == 3:
            self.uint(value[2], f"{what} version")
        if node_id >= n_nodes:
            raise self.fail(f"{what} refers to node {node_id}, but the file has "
                            f"{n_nodes} nodes")
        return node_id, out

    # -- the graph -------------------------------------------------------------------------
    def load(self, text: str) -> list[Entry]:
        try:
            doc = _json.loads(text, strict=False)
        except (ValueError, RecursionError) as err:
            raise self.fail(f"invalid JSON: {err}") from None
        doc = self.fields(doc, _GRAPH_KEYS, ("nodes", "arg_nodes", "heads"), "symbol file")
        version = self.graph_version(doc.get("attrs", {}))
        raw_nodes = self.typed(doc["nodes"], list, "'nodes'")
        recs = [self.node(i, raw) for i, raw in enumerate(raw_nodes)]
        for i, raw in enumerate(raw_nodes):
            recs[i].inputs = [
                (recs[node_id], out) for node_id, out in
                (self.entry(e, len(recs), f"{recs[i].where()}: input {j}")
                 for j, e in enumerate(raw["inputs"]))]
        for i in self.typed(doc["arg_nodes"], list, "'arg_nodes'"):
            self.uint(i, "'arg_nodes' item")
            if i >= len(recs) or not recs[i].is_variable:
                raise self.fail(f"'arg_nodes' lists {i}, which is not a variable node")
        if "node_row_ptr" in doc:  # redundant: MXNet ignores it when reading
            for p in self.typed(doc["node_row_ptr"], list, "'node_row_ptr'"):
                self.uint(p, "'node_row_ptr' item")
        raw_heads = self.typed(doc["heads"], list, "'heads'")
        if not raw_heads:
            raise self.fail("'heads' is empty: the symbol has no outputs")
        heads = [self.entry(h, len(recs), f"head {j}") for j, h in enumerate(raw_heads)]
        order = self.order([recs[i] for i, _ in heads])
        _upgrade(order, version, self)
        for rec in order:
            self.check_inputs(rec)
        return self.build(order, [(recs[i], out) for i, out in heads])

    def graph_version(self, attrs: Any) -> int:
        self.typed(attrs, dict, "graph 'attrs'")
        for key, value in attrs.items():
            what = f"graph attribute {key!r}"
            if (not isinstance(value, list) or len(value) != 2
                    or not isinstance(value[0], str) or value[0] not in _ANY_TYPES):
                raise self.fail(f"{what} must be [type, value] with type one of "
                                f"{sorted(_ANY_TYPES)}, got {_short(value)}")
            self.typed(value[1], _ANY_TYPES[value[0]], what)
        if "mxnet_version" not in attrs:
            return _version(0, 8, 0)  # files from before versions were recorded
        kind, version = attrs["mxnet_version"]
        if kind != "int":
            raise self.fail(f"'mxnet_version' must be an int, got {kind} {_short(version)}")
        return version

    def node(self, i: int, raw: Any) -> _Rec:
        raw = self.fields(raw, _NODE_KEYS, ("op", "name", "inputs"), f"node {i}")
        name = self.typed(raw["name"], str, f"node {i} 'name'")
        op = self.typed(raw["op"], str, f"node {i} ({name!r}) 'op'")
        where = f"node {i} {name!r}"
        self.typed(raw["inputs"], list, f"{where}: 'inputs'")
        attrs: dict[str, str] = {}
        for key in raw:  # dmlc reads fields in file order; a later attr dict replaces
            if key in ("attrs", "attr"):
                attrs = self.str_dict(raw[key], f"{where}: {key!r}")
        # MXNet 0.8's "param" holds the op parameters; it never overrides "attrs".
        for key, value in self.str_dict(raw.get("param", {}), f"{where}: 'param'").items():
            attrs.setdefault(key, value)
        if "backward_source_id" in raw:
            self.typed(raw["backward_source_id"], int, f"{where}: 'backward_source_id'")
        for key in ("control_deps", "subgraphs"):
            if self.typed(raw.get(key, []), list, f"{where}: {key!r}"):
                raise self.fail(f"{where}: {key!r} (control-flow subgraphs) is not "
                                "supported by jaxsym")
        opdef = None
        if op != "null":
            if not registry.exists(op):
                raise self.fail(f"{where}: unknown operator {op!r}")
            opdef = registry.get(op)
        return _Rec(i, op, opdef, name, attrs)

    def order(self, heads: list[_Rec]) -> list[_Rec]:
        """Records reachable from the heads, inputs first; a cycle is an error."""
        done: set[int] = set()
        active: set[int] = set()
        order: list[_Rec] = []
        for head in heads:
            if id(head) in done:
                continue
            stack = [(head, 0)]
            active.add(id(head))
            while stack:
                rec, k = stack[-1]
                if k < len(rec.inputs):
                    stack[-1] = (rec, k + 1)
                    child = rec.inputs[k][0]
                    if id(child) in active:
                        raise self.fail(f"the graph has a cycle: {rec.where()} takes input "
                                        f"{k} from {child.where()}, which depends on it")
                    if id(child) not in done:
                        active.add(id(child))
                        stack.append((child, 0))
                else:
                    stack.pop()
                    active.discard(id(rec))
                    done.add(id(rec))
                    order.append(rec)
        return order

    def parse(self, rec: _Rec) -> None:
        """Parse an op node's parameters: every attribute that is not `__hidden__`."""
        given = {k: v for k, v in rec.attrs.items() if not _is_dunder(k)}
        try:
            rec.params = rec.opdef.parse_params(given, f"{rec.name!r}")
        except MXNetError as err:
            raise self.fail(f"{rec.where()}: {err}") from None
        except (RecursionError, MemoryError, TypeError, OverflowError, ValueError) as err:
            raise self.fail(f"{rec.where()}: cannot parse parameters {given}: "
                            f"{type(err).__name__}: {err}") from None

    def slot_count(self, rec: _Rec) -> int:
        opdef = rec.opdef
        if opdef.variadic:
            n = getattr(rec.params, opdef.variadic)
            if not 0 <= n <= _MAX_INPUTS:
                raise self.fail(f"{rec.where()}: {opdef.variadic}={n} is out of range")
            return n + len(opdef.aux_names(rec.params))
        return len(opdef.input_names(rec.params)) + len(opdef.aux_names(rec.params))

    def check_inputs(self, rec: _Rec) -> None:
        if rec.is_variable:
            if rec.inputs:
                raise self.fail(f"{rec.where()}: a variable cannot have inputs, got "
                                f"{len(rec.inputs)}")
            return
        expected = self.slot_count(rec)
        if len(rec.inputs) != expected:
            slots = rec.opdef.input_names(rec.params) + rec.opdef.aux_names(rec.params)
            raise self.fail(f"{rec.where()}: expects {expected} inputs {slots}, the file "
                            f"gives {len(rec.inputs)}")
        for j, (src, out) in enumerate(rec.inputs):
            self.check_output(src, out, f"{rec.where()}: input {j}")

    def check_output(self, src: _Rec, out: int, what: str) -> None:
        count = 1 if src.is_variable else src.opdef.n_outputs(src.params)
        if out >= count:
            raise self.fail(f"{what} reads output {out} of {src.where()}, which has "
                            f"{count} output{'s' if count != 1 else ''}")

    def build(self, order: list[_Rec], heads: list[tuple[_Rec, int]]) -> list[Entry]:
        nodes: dict[int, Node] = {}
        for rec in order:
            inputs = [(nodes[id(src)], out) for src, out in rec.inputs]
            if rec.is_variable:
                nodes[id(rec)] = Node(None, rec.name, rec.attrs)
            else:
                nodes[id(rec)] = Node(rec.opdef.name, rec.name, rec.attrs, inputs,
                                      rec.params, rec.opdef.n_outputs(rec.params))
        for j, (rec, out) in enumerate(heads):
            self.check_output(rec, out, f"head {j}")
        return [(nodes[id(rec)], out) for rec, out in heads]


_KIND_NAMES = {dict: "an object", list: "an array", str: "a string", int: "an integer"}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_dunder(key: str) -> bool:
    return len(key) > 4 and key.startswith("__") and key.endswith("__")


# ---------------------------------------------------------------------------------------
# MXNet's upgrades of older files (src/nnvm/legacy_json_util.cc), applied in its order
# ---------------------------------------------------------------------------------------
def _upgrade(order: list[_Rec], version: int, loader: _Loader) -> None:
    """Parse every node, first applying the upgrades meant for files older than `version`.

    Upgrades may add variable records; `order` is updated in place (inputs first).
    """
    if version < MXNET_VERSION:
        for rec in order:
            _unhide_legacy_keys(rec, loader)
    for rec in order:
        if not rec.is_variable:
            loader.parse(rec)
    if version < _version(0, 9, 0):
        # Before 0.9.0, files omitted the inputs MXNet creates itself (aux states).
        for rec in list(order):
            if not rec.is_variable:
                _add_missing_inputs(rec, order, loader)
    if version < _version(0, 9, 4):
        for rec in order:
            if rec.is_variable:
                continue
            n_data = len(rec.opdef.input_names(rec.params))
            aux_names = rec.opdef.aux_names(rec.params)
            for slot, (src, _) in zip(aux_names, rec.inputs[n_data:]):
                if src.is_variable and slot in _AUX_INIT:
                    src.attrs.setdefault("__init__", _AUX_INIT[slot])
    if version < _version(0, 9, 5):
        # argmax/argmin's axis became optional; the old default -1 now means "None".
        for rec in order:
            if rec.op in ("argmax", "argmin") and rec.attrs.get("axis") == "-1":
                del rec.attrs["axis"]
                loader.parse(rec)


def _unhide_legacy_keys(rec: _Rec, loader: _Loader) -> None:
    """Older files stored hidden keys plainly: `lr_mult` on a node becomes
    `__lr_mult__`, and `weight_lr_mult` on an op moves to its `weight` variable."""
    held = {}
    for key in list(rec.attrs):
        for hidden in _LEGACY_HIDDEN_KEYS:
            pos = key.rfind(hidden)
            if pos == 0 or (pos > 0 and pos == len(key) - len(hidden)):
                held[key] = rec.attrs.pop(key)
                break
    if not held:
        return
    slots: list[str] = []
    if not rec.is_variable:
        loader.parse(rec)
        slots = rec.opdef.input_names(rec.params) + rec.opdef.aux_names(rec.params)
    for key, value in held.items():
        for hidden in _LEGACY_HIDDEN_KEYS:
            pos = key.rfind(hidden)
            if pos == 0 and key == hidden:
                rec.attrs[f"__{hidden}__"] = value
                break
            if pos > 1 and pos == len(key) - len(hidden):
                target = key[:pos - 1]
                if target in slots and slots.index(target) < len(rec.inputs):
                    src = rec.inputs[slots.index(target)][0]
                    if src.is_variable:
                        src.attrs[f"__{hidden}__"] = value
                        break
                rec.attrs[key] = value
                break
        else:
            rec.attrs[key] = value


def _add_missing_inputs(rec: _Rec, order: list[_Rec], loader: _Loader) -> None:
    """Create the `<node>_<slot>` variables an old file leaves out; like MXNet, each
    carries a copy of the node's attributes."""
    expected = loader.slot_count(rec)
    if len(rec.inputs) >= expected:
        return
    slots = rec.opdef.input_names(rec.params) + rec.opdef.aux_names(rec.params)
    position = order.index(rec)
    for slot in slots[len(rec.inputs):]:
        var = _Rec(-1, "null", None, f"{rec.name}_{slot}" if rec.name else slot,
                   dict(rec.attrs))
        rec.inputs.append((var, 0))
        order.insert(position, var)
        position += 1


# ---------------------------------------------------------------------------------------
# Public reading API
# ---------------------------------------------------------------------------------------
def loads_graph(text: str | bytes, source: str = "<string>") -> list[Entry]:
    """Parse MXNet symbol JSON (any layout MXNet 1.9.1 reads) into graph heads.

    Args:
      text: the JSON text (bytes are decoded as UTF-8).
      source: the name used in error messages (a file name).

    Returns:
      The symbol's outputs as `(node, output_index)` pairs.

    Raises:
      MXNetValueError: the text is not a valid MXNet symbol; the message names the
        source and the node.
    """
    if isinstance(text, (bytes, bytearray, memoryview)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as err:
            raise MXNetValueError(f"{source}: symbol JSON is not UTF-8: {err}") from None
    if not isinstance(text, str):
        raise MXNetTypeError(f"{source}: symbol JSON must be str or bytes, got "
                             f"{type(text).__name__}")
    return _Loader(source).load(text)


def load_graph(fname: str | os.PathLike[str]) -> list[Entry]:
    """Read a symbol file written by `Symbol.save` (MXNet's or ours)."""
    path = os.fspath(fname)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as err:
        raise MXNetError(f"{path}: cannot read symbol file: {err.strerror or err}") from err
    return loads_graph(data, path)
