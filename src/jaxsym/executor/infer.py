"""infer_shape / infer_type: learnable-input shapes from op rules; output shapes from the
op's own rule (`infer_outputs`, plain Python) where it has one, else by jax.eval_shape.

eval_shape traces the op, a few milliseconds per distinct node: for ResNet-18 most of
`simple_bind`'s time before the rules.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Sequence
from typing import Any

import jax
import numpy as np

from ..base import DTYPE_MX_TO_NP, MXNetError
from ..graph.node import Entry, Node, topological_order
from ..ops import registry

Shape = tuple[int, ...]
_MAX_PASSES = 8


def variable_shape_hint(node: Node) -> Shape | None:
    """A variable's `__shape__` attribute, if fully known (0 means unknown in MXNet)."""
    text = node.attrs.get("__shape__")
    if not text:
        return None
    try:
        shape = tuple(int(d) for d in ast.literal_eval(text))
    except (ValueError, SyntaxError, TypeError):
        return None
    return shape if shape and all(d > 0 for d in shape) else None


def variable_dtype_hint(node: Node) -> np.dtype | None:
    text = node.attrs.get("__dtype__")
    if text is None:
        return None
    try:
        return DTYPE_MX_TO_NP[int(text)]
    except (ValueError, KeyError):
        return None


def _initial_dtypes(order: list[Node], known: dict[str, np.dtype]) -> dict[int, list[Any]]:
    """Variables' given or `__dtype__` types; everything else unknown (None)."""
    dtypes: dict[int, list[Any]] = {}
    for node in order:
        if node.is_variable:
            # Not `a or b`: a numpy dtype without fields is falsy.
            given = known.get(node.name)
            dtypes[id(node)] = [given if given is not None else variable_dtype_hint(node)]
        else:
            dtypes[id(node)] = [None] * node.num_outputs
    return dtypes


def _name(dtype: Any) -> str | None:
    return None if dtype is None else np.dtype(dtype).name


def _or_float32(dtype: Any) -> Any:
    return np.float32 if dtype is None else dtype


_canonical = functools.cache(jax.dtypes.canonicalize_dtype)


@functools.cache
def _canonical_float(dtype: Any) -> np.dtype | None:
    """The dtype eval_shape computes in (float64 is float32 unless x64 is on), or None if
    it is not floating point. Cached: jax's dtype checks cost ~50 us a call."""
    canonical = _canonical(dtype)
    return canonical if jax.dtypes.issubdtype(canonical, np.floating) else None


def by_rule(node: Node, opdef: registry.OpDef, shapes: Sequence[Shape],
            types: Sequence[Any]) -> list[tuple[Shape, np.dtype]] | None:
    """Output (shape, dtype) pairs from the op's `infer_outputs` rule, or None where the
    op has none or it does not vouch for these inputs. Only inputs of one floating dtype
    take the rules (integer inputs change dtype in some ops: sigmoid gives float32);
    empty axes are left to eval_shape too. Dtypes are canonical as eval_shape's
    (float64 is float32 unless x64 is on)."""
    if opdef.infer_outputs is None or not types:
        return None
    dtype = _canonical_float(types[0])
    if dtype is None or any(_canonical_float(t) != dtype for t in types[1:]) or \
            any(0 in s for s in shapes):
        return None
    try:
        outs = opdef.infer_outputs(node.params, [tuple(s) for s in shapes])
    except (TypeError, ValueError, IndexError, ZeroDivisionError):
        return None
    if outs is None:
        return None
    if opdef.infer_dtype is not None:
        given = opdef.infer_dtype(node.params, [dtype] * len(types))
        out_types = list(given) if isinstance(given, (list, tuple)) else [given] * len(outs)
    else:
        out_types = [dtype] * len(outs)
    return [(tuple(s), _canonical(t)) for s, t in zip(outs, out_types)]


class _Eval:
    """Per-node output ShapeDtypeStructs by jax.eval_shape, memoised by signature."""

    def __init__(self) -> None:
        self.cache: dict[tuple, list[jax.ShapeDtypeStruct]] = {}

    def __call__(self, node: Node, specs: Sequence[jax.ShapeDtypeStruct],
                 n_inputs: int) -> list[jax.ShapeDtypeStruct]:
        sig = (node.op, node.params, tuple((s.shape, s.dtype) for s in specs))
        if sig not in self.cache:
            opdef = registry.get(node.op)

            def run(*arrays):
                outs, _ = opdef.apply(node.params, arrays[:n_inputs], arrays[n_inputs:],
                                      False, jax.random.PRNGKey(0))
                return outs
            try:
                self.cache[sig] = list(jax.eval_shape(run, *specs))
            except (TypeError, ValueError, IndexError, ZeroDivisionError) as err:
                raise node_error(node, err, specs) from err
        return self.cache[sig]


_EVAL = _Eval()


def node_error(node: Node, err: Exception, specs: Sequence[Any]) -> MXNetError:
    opdef = registry.get(node.op)
    slots = opdef.input_names(node.params) + opdef.aux_names(node.params)
    inputs = ", ".join(
        f"{src.name if src.is_variable else src.name + '_output'} ({slot}) "
        f"{tuple(s.shape)} {np.dtype(s.dtype).name}"
        for (src, _), slot, s in zip(node.inputs, slots, specs))
    msg = str(err).split("\n")[0]
    return MXNetError(f"Error in operator '{node.name}' ({node.op}): {msg}. "
                      f"Inputs: {inputs}")


def propagate(heads: Sequence[Entry], known_shapes: dict[str, Shape],
              known_dtypes: dict[str, np.dtype] | None = None
              ) -> tuple[dict[int, list[Shape | None]], dict[int, list[Any]], list[Node]]:
    """Fill in every entry's shape and dtype that the given shapes determine.

    Returns per-node lists of output shapes/dtypes (None where unknown) and the order.
    """
    order = topological_order(heads)
    known_dtypes = known_dtypes or {}
    shapes: dict[int, list[Shape | None]] = {}
    dtypes: dict[int, list[Any]] = {}
    dtypes = _initial_dtypes(order, known_dtypes)
    for node in order:
        if node.is_variable:
            shapes[id(node)] = [known_shapes.get(node.name) or variable_shape_hint(node)]
        else:
            shapes[id(node)] = [None] * node.num_outputs
    for _ in range(_MAX_PASSES):
        changed = False
        for node in order:
            if node.is_variable:
                continue
            opdef = registry.get(node.op)
            in_shapes = [shapes[id(src)][i] for src, i in node.inputs]
            in_dtypes = [dtypes[id(src)][i] for src, i in node.inputs]
            if opdef.infer_inputs is not None and any(s is None for s in in_shapes):
                filled = opdef.infer_inputs(node.params, list(in_shapes))
                for (src, i), old, new in zip(node.inputs, in_shapes, filled):
                    if old is None and new is not None:
                        shapes[id(src)][i] = tuple(new)
                        changed = True
                in_shapes = [shapes[id(src)][i] for src, i in node.inputs]
            # Every input of an op shares the dtype of its first known input, as MXNet's
            # default type inference does.
            first = next((d for d in in_dtypes if d is not None), None)
            if first is not None:
                for src, i in node.inputs:
                    if dtypes[id(src)][i] is None:
                        dtypes[id(src)][i] = first
                        changed = True
            if any(s is None for s in shapes[id(node)]) and all(
                    s is not None for s in in_shapes):
                types = [_or_float32(dtypes[id(src)][i]) for src, i in node.inputs]
                outs = by_rule(node, opdef, in_shapes, types)  # type: ignore[arg-type]
                if outs is None:
                    outs = _traced(node, opdef, in_shapes, types)  # type: ignore[arg-type]
                if len(outs) != node.num_outputs:
                    raise MXNetError(f"operator '{node.name}' ({node.op}) produced "
                                     f"{len(outs)} outputs, expected {node.num_outputs}")
                shapes[id(node)] = [shape for shape, _ in outs]
                if all(dtypes[id(src)][i] is not None for src, i in node.inputs) or \
                        not node.inputs:
                    dtypes[id(node)] = [np.dtype(dtype) for _, dtype in outs]
                changed = True
        if not changed:
            break
    return shapes, dtypes, order


def _traced(node: Node, opdef: registry.OpDef, shapes: list[Shape],
            types: list[Any]) -> list[tuple[Shape, Any]]:
    """Output (shape, dtype) pairs by tracing the op; its errors name the node."""
    specs = [jax.ShapeDtypeStruct(s, t) for s, t in zip(shapes, types)]
    try:
        outs = _EVAL(node, specs, len(opdef.input_names(node.params)))
    except MXNetError as err:
        better = _inconsistency(node, opdef, shapes)  # type: ignore[arg-type]
        if better is None:
            raise
        raise better from err
    return [(tuple(o.shape), o.dtype) for o in outs]


def _inconsistency(node: Node, opdef: registry.OpDef,
                   shapes: list[Shape | None]) -> MXNetError | None:
    """MXNet's 'Shape inconsistent' report: an input whose given shape differs from
    the one the op's rule infers from the other inputs, or None if none does."""
    if opdef.infer_inputs is None:
        return None
    slots = opdef.input_names(node.params) + opdef.aux_names(node.params)
    for pos, (given, slot) in enumerate(zip(shapes, slots)):
        others = list(shapes)
        others[pos] = None
        try:
            inferred = opdef.infer_inputs(node.params, others)[pos]
        except (TypeError, ValueError, IndexError):
            continue
        if inferred is not None and given is not None and tuple(inferred) != tuple(given):
            src = node.inputs[pos][0]
            known = ", ".join(f"{s} {tuple(v)}" for s, v in zip(slots, others)
                              if v is not None)
            return MXNetError(
                f"Error in operator {node.name} ({node.op}): Shape inconsistent for input "
                f"'{slot}' ({src.name}): Provided = {tuple(given)}, inferred shape = "
                f"{tuple(inferred)} from {known}")
    return None


def infer_shape(heads: Sequence[Entry], known: dict[str, Shape], partial: bool):
    """(arg_shapes, out_shapes, aux_shapes) in list_arguments/outputs/aux order.

    Without enough information MXNet returns (None, None, None); the partial form
    returns what is known with `()` for unknown entries.
    """
    shapes, _, order = propagate(heads, known)
    args, auxs = registry.split_variables(order)
    arg_shapes = [shapes[id(n)][0] for n in args]
    aux_shapes = [shapes[id(n)][0] for n in auxs]
    out_shapes = [shapes[id(n)][i] for n, i in heads]
    if partial:
        def fix(items: list[Shape | None]) -> list[Shape]:
            return [s if s is not None else () for s in items]
        return fix(arg_shapes), fix(out_shapes), fix(aux_shapes)
    if any(s is None for s in arg_shapes + aux_shapes + out_shapes):
        return None, None, None
    return arg_shapes, out_shapes, aux_shapes


def unknown_arguments(heads: Sequence[Entry], known: dict[str, Shape]) -> list[str]:
    shapes, _, order = propagate(heads, known)
    return [n.name for n in order if n.is_variable and shapes[id(n)][0] is None]


def _check_same_dtype(node: Node, dtypes: list[Any]) -> None:
    """Elementwise ops need one dtype for all inputs, as MXNet's ElemwiseType."""
    first = next(d for d in dtypes if d is not None)
    for pos, d in enumerate(dtypes):
        if d is not None and np.dtype(d) != np.dtype(first):
            raise MXNetError(
                f"Error in operator {node.name} ({node.op}): Incompatible attr at "
                f"{pos}-th input ({node.inputs[pos][0].name}): expected "
                f"{np.dtype(first).name}, got {np.dtype(d).name}")


def infer_type(heads: Sequence[Entry], known: dict[str, np.dtype]):
    """(arg_types, out_types, aux_types) as numpy type objects, MXNet's order.

    Types flow without shapes: an op's inputs share one dtype, and its outputs take
    the op's own rule (Cast, argmax...) or that dtype.
    """
    order = topological_order(heads)
    dtypes = _initial_dtypes(order, known)
    for _ in range(_MAX_PASSES):
        changed = False
        for node in order:
            if node.is_variable:
                continue
            opdef = registry.get(node.op)
            in_dtypes = [dtypes[id(src)][i] for src, i in node.inputs]
            first = next((d for d in in_dtypes if d is not None), None)
            if first is None and node.inputs:
                continue
            if opdef.infer_inputs is registry.same_shape_inputs:
                _check_same_dtype(node, in_dtypes)
            for src, i in node.inputs:
                if dtypes[id(src)][i] is None:
                    dtypes[id(src)][i] = first
                    changed = True
            if opdef.infer_dtype is not None:
                # Each input's own dtype (amp_multicast reads them all); unknown
                # ones take the first known, as filled in above.
                out = opdef.infer_dtype(node.params,
                                        [d if d is not None else first for d in in_dtypes])
                outs = list(out) if isinstance(out, (list, tuple)) else [out]
            else:
                outs = [first] * node.num_outputs
            outs = [np.dtype(o) if o is not None else None for o in outs]
            # Compared by name: numpy says np.dtype('float64') == None.
            if [_name(d) for d in dtypes[id(node)]] != [_name(d) for d in outs]:
                dtypes[id(node)] = outs
                changed = True
        if not changed:
            break
    args, auxs = registry.split_variables(order)

    def as_type(d: Any) -> Any:
        return None if d is None else np.dtype(d).type
    arg_t = [as_type(dtypes[id(n)][0]) for n in args]
    aux_t = [as_type(dtypes[id(n)][0]) for n in auxs]
    out_t = [as_type(dtypes[id(n)][i]) for n, i in heads]
    if any(t is None for t in arg_t + aux_t + out_t):
        return None, None, None
    return arg_t, out_t, aux_t
