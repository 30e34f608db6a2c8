"""Shape manipulation: reshape, transpose, join/split, slice, index, pad, broadcast, cast.

Shapes are static under tracing, so every shape rule below is plain Python on
`data.shape`; a rule that cannot be met raises ValueError, which the lowering turns
into an MXNetError naming the node.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import attrs as A
from .registry import (
    REQUIRED,
    Param,
    Params,
    ShapeOnly,
    first_shape_output,
    register,
    same_shape_output,
)

Array = jax.Array
Shape = tuple[int, ...]

_DTYPES = ("bfloat16", "float16", "float32", "float64", "int32", "int64", "int8", "uint8")


# -- parsers shared by this family ---------------------------------------------------
def _dtype_choice(*choices: str) -> A.Parser:
    """MXNet's dtype enum; also accepts numpy types and dtypes."""
    check = A.enum(*choices)

    def parse(value: Any) -> str:
        return check(A.parse_dtype(value))

    parse.__name__ = "enum"
    parse.choices = choices  # type: ignore[attr-defined]
    return parse


def _parse_opt_int_tuple(value: Any) -> tuple[int | None, ...]:
    """slice's begin/end/step: a tuple whose entries may be None, e.g. `(None, 1)`."""
    parsed = A._literal(value)
    if parsed is None:
        return ()
    if not isinstance(parsed, (tuple, list)):
        parsed = (parsed,)
    return tuple(None if v is None else A.parse_int(v) for v in parsed)


_parse_opt_int_tuple.__name__ = "Shape(tuple)"


def _norm_axis(axis: int, ndim: int, what: str = "axis") -> int:
    """An axis in [-ndim, ndim) as a non-negative index, or ValueError."""
    if not -ndim <= axis < ndim:
        raise ValueError(f"{what}={axis} is out of range for an array of rank {ndim}")
    return axis % ndim


def _jnp_dtype(name: str) -> Any:
    return jnp.dtype(name)


# -- Flatten / Reshape -----------------------------------------------------------------
def _flatten(p: Params, data: Array) -> Array:
    return data.reshape(data.shape[0] if data.ndim else 1, -1)


def _flatten_output(p: Params, shapes: list[Shape]) -> list[Shape]:
    (data,) = shapes
    return [(data[0], math.prod(data[1:])) if data else (1, 1)]


register("Flatten", _flatten, aliases=("flatten",), infer_outputs=_flatten_output,
         doc="Collapse all but the first axis: (d0, d1, ..., dk) -> (d0, d1*...*dk).")


def _reshape_codes(codes: Sequence[int], dshape: Shape) -> Shape:
    """MXNet's special codes: 0 copy, -1 infer, -2 copy the rest, -3 merge, -4 split."""
    out: list[int] = []
    src = 0
    infer_at = -1
    i = 0
    while i < len(codes):
        code = codes[i]
        if code == 0:
            if src >= len(dshape):
                raise ValueError(f"shape code 0 at position {i} has no input axis to copy")
            out.append(dshape[src])
            src += 1
        elif code == -1:
            if infer_at >= 0:
                raise ValueError("One and only one dim can be inferred (two -1 codes)")
            infer_at = len(out)
            out.append(1)
            src += 1
        elif code == -2:
            out.extend(dshape[src:])
            src = len(dshape)
        elif code == -3:
            if src + 1 >= len(dshape):
                raise ValueError(f"shape code -3 at position {i} needs two input axes")
            out.append(dshape[src] * dshape[src + 1])
            src += 2
        elif code == -4:
            if i + 2 >= len(codes) or src >= len(dshape):
                raise ValueError(f"shape code -4 at position {i} needs two following "
                                 "values and an input axis")
            whole, d1, d2 = dshape[src], codes[i + 1], codes[i + 2]
            src += 1
            i += 2
            if d1 == -1 and d2 == -1:
                raise ValueError("Split dims cannot both be -1")
            d1 = whole // d2 if d1 == -1 else d1
            d2 = whole // d1 if d2 == -1 else d2
            if d1 * d2 != whole:
                raise ValueError(f"Split dims {d1}, {d2} do not divide original dim {whole}")
            out.extend((d1, d2))
        elif code > 0:
            out.append(code)
            src += 1
        else:
            raise ValueError(f"invalid shape code {code}")
        i += 1
    if infer_at >= 0:
        known = int(np.prod(out))
        out[infer_at] = int(np.prod(dshape)) // known if known else 0
    return tuple(out)


def _legacy_target_shape(p: Params, dshape: Shape) -> Shape:
    """The deprecated target_shape: one 0 entry is inferred; keep_highest keeps axis 0."""
    out = list(p.target_shape)
    if p.keep_highest:
        out[0] = dshape[0]
    free = [i for i in range(1 if p.keep_highest else 0, len(out)) if out[i] == 0]
    if len(free) == 1:
        out[free[0]] = 1
        out[free[0]] = int(np.prod(dshape)) // int(np.prod(out))
    return tuple(out)


def reshape_target(p: Params, dshape: Shape) -> Shape:
    """The output shape of Reshape for input shape `dshape`."""
    if p.shape:
        if p.reverse:
            return _reshape_codes(p.shape[::-1], dshape[::-1])[::-1]
        return _reshape_codes(p.shape, dshape)
    if p.target_shape:
        return _legacy_target_shape(p, dshape)
    raise ValueError("Reshape needs `shape` (or the deprecated `target_shape`)")


def _reshape(p: Params, data: Array) -> Array:
    target = reshape_target(p, data.shape)
    if int(np.prod(target)) != data.size:
        raise ValueError(f"Target shape size is different to source. Target: {target}, "
                         f"source: {data.shape}, shape={p.shape}")
    return data.reshape(target)


def _reshape_output(p: Params, shapes: list[Shape]) -> list[Shape] | None:
    target = reshape_target(p, shapes[0])
    valid = math.prod(target) == math.prod(shapes[0]) and all(d >= 0 for d in target)
    return [target] if valid else None


register(
    "Reshape", _reshape, aliases=("reshape",), infer_outputs=_reshape_output,
    params={"shape": Param(A.parse_shape, (), "target shape, with codes 0/-1/-2/-3/-4"),
            "reverse": Param(A.parse_bool, False, "apply the codes from the right"),
            "target_shape": Param(A.parse_shape, (), "deprecated: use `shape`"),
            "keep_highest": Param(A.parse_bool, False,
                                  "deprecated: keep axis 0, target_shape gives the rest")},
    doc="Reshape with MXNet's special codes: 0 copy, -1 infer, -2 copy rest, -3 merge "
        "two, -4 split one into the next two values.")


def _reshape_like(p: Params, lhs: Array, rhs: Array) -> Array:
    def span(begin: int | None, end: int | None, ndim: int) -> tuple[int, int]:
        b = 0 if begin is None else begin + ndim if begin < 0 else begin
        e = ndim if end is None else end + ndim if end < 0 else end
        if not 0 <= b <= e <= ndim:
            raise ValueError(f"invalid axis range [{begin}, {end}) for rank {ndim}")
        return b, e
    lb, le = span(p.lhs_begin, p.lhs_end, lhs.ndim)
    rb, re = span(p.rhs_begin, p.rhs_end, rhs.ndim)
    target = lhs.shape[:lb] + rhs.shape[rb:re] + lhs.shape[le:]
    if int(np.prod(target)) != lhs.size:
        raise ValueError(f"cannot reshape lhs {lhs.shape} to {target} taken from rhs "
                         f"{rhs.shape}")
    return lhs.reshape(target)


_OPT_INT = A.optional(A.parse_int)
register(
    "reshape_like", _reshape_like, inputs=("lhs", "rhs"),
    params={"lhs_begin": Param(_OPT_INT, None, "first lhs axis to replace"),
            "lhs_end": Param(_OPT_INT, None, "end of the lhs axes to replace"),
            "rhs_begin": Param(_OPT_INT, None, "first rhs axis to take"),
            "rhs_end": Param(_OPT_INT, None, "end of the rhs axes to take")},
    doc="Reshape lhs to (a slice of) rhs's shape; rhs gets a zero gradient.")


# -- axis permutations -----------------------------------------------------------------
def _transpose(p: Params, data: Array) -> Array:
    # MXNet 1.9.1 rejects negative axes here.
    if p.axes and sorted(p.axes) != list(range(data.ndim)):
        raise ValueError(f"axes {p.axes} is not a permutation of 0..{data.ndim - 1}")
    return jnp.transpose(data, p.axes or None)


register("transpose", _transpose,
         params={"axes": Param(A.parse_shape, (), "permutation, reversed if empty")},
         doc="Permute the axes.")
register("SwapAxis", lambda p, data: jnp.swapaxes(data, p.dim1, p.dim2),
         aliases=("swapaxes",),
         params={"dim1": Param(A.parse_int, 0, "first axis"),
                 "dim2": Param(A.parse_int, 0, "second axis")},
         doc="Swap two axes.")
def _reverse(p: Params, data: Array) -> Array:
    # MXNet 1.9.1's kernel rejects negative axes.
    if any(not 0 <= a < data.ndim for a in p.axis):
        raise ValueError(f"axis {p.axis} must be in [0, {data.ndim})")
    return jnp.flip(data, p.axis)


register("reverse", _reverse, aliases=("flip",),
         params={"axis": Param(A.parse_shape, REQUIRED, "axes to reverse")},
         doc="Reverse the order of elements along the given axes.")


def _expand_dims(p: Params, data: Array) -> Array:
    return jnp.expand_dims(data, _norm_axis(p.axis, data.ndim + 1))


register("expand_dims", _expand_dims,
         params={"axis": Param(A.parse_int, REQUIRED, "position of the new axis")},
         doc="Insert a size-1 axis.")


def _squeeze(p: Params, data: Array) -> Array:
    if p.axis is None:
        axes = tuple(i for i, d in enumerate(data.shape) if d == 1)
    else:
        axes = tuple(_norm_axis(a, data.ndim) for a in p.axis)
        wrong = [a for a in axes if data.shape[a] != 1]
        if wrong:
            raise ValueError(f"cannot squeeze axis {wrong[0]} of size "
                             f"{data.shape[wrong[0]]} in shape {data.shape}")
    out = jnp.squeeze(data, axes)
    # MXNet has no 0-d arrays here: squeezing everything leaves shape (1,).
    return out.reshape(1) if out.ndim == 0 else out


register("squeeze", _squeeze,
         params={"axis": Param(A.parse_axis, None, "axes to drop, all size-1 if None")},
         doc="Remove size-1 axes.")


# -- joining and splitting -----------------------------------------------------------------
def _check_same_rank(name: str, arrays: Sequence[Array], skip_axis: int | None) -> None:
    """Every input has the first's shape, except possibly along `skip_axis`."""
    first = arrays[0].shape
    for i, a in enumerate(arrays[1:], 1):
        if a.ndim != len(first) or any(
                x != y for k, (x, y) in enumerate(zip(a.shape, first)) if k != skip_axis):
            where = "" if skip_axis is None else f" except along axis {skip_axis}"
            raise ValueError(f"{name}: input {i} has shape {a.shape}, which does not match "
                             f"input 0 {first}{where}")


def _concat(p: Params, *arrays: Array) -> Array:
    axis = _norm_axis(p.dim, arrays[0].ndim, "dim")
    _check_same_rank("Concat", arrays, axis)
    return jnp.concatenate(arrays, axis=axis)


def _concat_output(p: Params, shapes: list[Shape]) -> list[Shape]:
    first = shapes[0]
    axis = _norm_axis(p.dim, len(first), "dim")
    _check_same_rank("Concat", [ShapeOnly(s) for s in shapes], axis)
    return [first[:axis] + (sum(s[axis] for s in shapes),) + first[axis + 1:]]


_NUM_ARGS = Param(A.parse_int, REQUIRED, "number of inputs")
register(
    "Concat", _concat, variadic="num_args", aliases=("concat",),
    infer_outputs=_concat_output,
    params={"num_args": _NUM_ARGS, "dim": Param(A.parse_int, 1, "axis to join along")},
    doc="Join arrays along `dim`.")


def _stack(p: Params, *arrays: Array) -> Array:
    _check_same_rank("stack", arrays, None)
    return jnp.stack(arrays, axis=_norm_axis(p.axis, arrays[0].ndim + 1))


register("stack", _stack, variadic="num_args",
         params={"axis": Param(A.parse_int, 0, "position of the new axis"),
                 "num_args": _NUM_ARGS},
         doc="Join arrays along a new axis.")


def _add_n(p: Params, *arrays: Array) -> Array:
    _check_same_rank("add_n", arrays, None)
    return functools.reduce(jnp.add, arrays)


register("add_n", _add_n, variadic="num_args", aliases=("ElementWiseSum",),
         params={"num_args": _NUM_ARGS}, infer_outputs=same_shape_output,
         doc="Sum of arrays of the same shape.")


def _slice_channel(p: Params, data: Array) -> tuple[Array, ...]:
    axis = _norm_axis(p.axis, data.ndim)
    if data.shape[axis] % p.num_outputs:
        raise ValueError(f"axis {p.axis} of size {data.shape[axis]} does not split into "
                         f"{p.num_outputs} equal parts")
    parts = jnp.split(data, p.num_outputs, axis=axis)
    if p.squeeze_axis:
        parts = [jnp.squeeze(x, axis) for x in parts]
    return tuple(parts)


register(
    "SliceChannel", _slice_channel, aliases=("split",),
    params={"num_outputs": Param(A.parse_int, REQUIRED, "number of parts"),
            "axis": Param(A.parse_int, 1, "axis to split"),
            "squeeze_axis": Param(A.parse_bool, False, "drop the split axis")},
    num_outputs=lambda p: p.num_outputs,
    # MXNet numbers the outputs even when there is only one.
    output_names=lambda p: [f"output{i}" for i in range(p.num_outputs)],
    doc="Split an array into equal parts along an axis.")


# -- slicing and indexing -----------------------------------------------------------------
def _slice(p: Params, data: Array) -> Array:
    if len(p.begin) != len(p.end) or (p.step and len(p.step) != len(p.begin)):
        raise ValueError(f"begin {p.begin}, end {p.end} and step {p.step} must have the "
                         "same length")
    if len(p.begin) > data.ndim:
        raise ValueError(f"begin {p.begin} has more entries than the rank of {data.shape}")
    steps = p.step or (None,) * len(p.begin)
    if any(s == 0 for s in steps):
        raise ValueError(f"slice step cannot be 0, got step={p.step}")
    return data[tuple(slice(b, e, s) for b, e, s in zip(p.begin, p.end, steps))]


_OPT_TUPLE = _parse_opt_int_tuple
register(
    "slice", _slice, aliases=("crop",),
    params={"begin": Param(_OPT_TUPLE, REQUIRED, "start per axis (None: from the edge)"),
            "end": Param(_OPT_TUPLE, REQUIRED, "stop per axis (None: to the edge)"),
            "step": Param(_OPT_TUPLE, (), "step per axis, 1 by default")},
    doc="Python-style slice per leading axis.")


def _slice_axis(p: Params, data: Array) -> Array:
    axis = _norm_axis(p.axis, data.ndim)
    size = data.shape[axis]
    begin = p.begin + size if p.begin < 0 else p.begin
    end = size if p.end is None else p.end + size if p.end < 0 else p.end
    if not 0 <= begin < end <= size:
        raise ValueError(f"invalid slice [{p.begin}, {p.end}) of axis {p.axis} with size "
                         f"{size}")
    return jax.lax.slice_in_dim(data, begin, end, axis=axis)


register(
    "slice_axis", _slice_axis,
    params={"axis": Param(A.parse_int, REQUIRED, "axis to slice"),
            "begin": Param(A.parse_int, REQUIRED, "start (negative counts from the end)"),
            "end": Param(_OPT_INT, None, "stop, None for the end of the axis")},
    doc="Slice one axis.")


def _take(p: Params, a: Array, indices: Array) -> Array:
    axis = _norm_axis(p.axis, a.ndim)
    # 'raise' cannot check index values without a host sync; MXNet's CPU kernel clips.
    mode = "wrap" if p.mode == "wrap" else "clip"
    return jnp.take(a, indices.astype(jnp.int32), axis=axis, mode=mode)


register(
    "take", _take, inputs=("a", "indices"),
    params={"axis": Param(A.parse_int, 0, "axis to take from"),
            "mode": Param(A.enum("clip", "raise", "wrap"), "clip",
                          "how out-of-range indices are treated")},
    doc="Gather slices of `a` along `axis` at integer `indices`.")


def _one_hot(p: Params, indices: Array) -> Array:
    hit = indices.astype(jnp.int32)[..., None] == jnp.arange(p.depth, dtype=jnp.int32)
    dtype = _jnp_dtype(p.dtype)
    return jnp.where(hit, jnp.asarray(p.on_value, dtype), jnp.asarray(p.off_value, dtype))


register(
    "one_hot", _one_hot, inputs=("indices",),
    params={"depth": Param(A.parse_int, REQUIRED, "number of classes"),
            "on_value": Param(A.parse_float, 1.0, "value at the index"),
            "off_value": Param(A.parse_float, 0.0, "value elsewhere"),
            "dtype": Param(_dtype_choice(*_DTYPES), "float32", "output dtype")},
    infer_dtype=lambda p, dtypes: _jnp_dtype(p.dtype),
    doc="One-hot encoding along a new last axis; out-of-range indices give all off.")


def _where(p: Params, condition: Array, x: Array, y: Array) -> Array:
    if x.shape != y.shape:
        raise ValueError(f"x {x.shape} and y {y.shape} must have the same shape")
    if condition.shape != x.shape:
        # MXNet also accepts a 1-D condition that selects whole rows.
        if condition.shape != x.shape[:1]:
            raise ValueError(f"condition {condition.shape} must have the shape of x "
                             f"{x.shape} or be 1-D of length {x.shape[0]}")
        condition = condition.reshape(condition.shape + (1,) * (x.ndim - 1))
        condition = jnp.broadcast_to(condition, x.shape)
    return jnp.where(condition != 0, x, y)


register("where", _where, inputs=("condition", "x", "y"),
         doc="x where condition is non-zero, else y.")


# -- padding, broadcasting, tiling -----------------------------------------------------------
def _pad(p: Params, data: Array) -> Array:
    if data.ndim not in (4, 5):
        raise ValueError(f"Pad supports only 4-D and 5-D input, got shape {data.shape}")
    if len(p.pad_width) != 2 * data.ndim:
        raise ValueError(f"pad_width {p.pad_width} needs {2 * data.ndim} entries for "
                         f"input of rank {data.ndim}")
    if any(p.pad_width[:4]):
        raise ValueError(f"pad_width {p.pad_width}: the first two axes cannot be padded")
    pairs = [tuple(p.pad_width[i:i + 2]) for i in range(0, len(p.pad_width), 2)]
    if p.mode == "constant":
        return jnp.pad(data, pairs, constant_values=jnp.asarray(p.constant_value, data.dtype))
    return jnp.pad(data, pairs, mode=p.mode)


register(
    "Pad", _pad, aliases=("pad",),
    params={"mode": Param(A.enum("constant", "edge", "reflect"), REQUIRED, "padding mode"),
            "pad_width": Param(A.parse_shape, REQUIRED,
                               "(before, after) per axis, flattened; axes 0-1 must be 0"),
            "constant_value": Param(A.parse_float, 0.0, "value for mode='constant'")},
    doc="Pad the spatial axes of 4-D/5-D data.")


def _broadcast_checked(data: Array, target: Shape) -> Array:
    if len(target) != data.ndim or any(
            d != t and d != 1 for d, t in zip(data.shape, target)):
        raise ValueError(f"cannot broadcast shape {data.shape} to {target}: axes must be "
                         "1 or equal, and the ranks equal")
    return jnp.broadcast_to(data, target)


def _broadcast_to(p: Params, data: Array) -> Array:
    if len(p.shape) != data.ndim:
        raise ValueError(f"shape {p.shape} must have the rank of the input {data.shape}")
    # A 0 in `shape` keeps that axis as it is.
    return _broadcast_checked(
        data, tuple(d if t == 0 else t for d, t in zip(data.shape, p.shape)))


register("broadcast_to", _broadcast_to,
         params={"shape": Param(A.parse_shape, (), "target shape, 0 keeps the axis")},
         doc="Broadcast size-1 axes to the given shape.")


def _broadcast_axis(p: Params, data: Array) -> Array:
    if len(p.axis) != len(p.size):
        raise ValueError(f"axis {p.axis} and size {p.size} must have the same length")
    target = list(data.shape)
    for ax, size in zip(p.axis, p.size):
        # MXNet 1.9.1 rejects negative axes here.
        if not 0 <= ax < data.ndim:
            raise ValueError(f"axis {ax} is out of range for shape {data.shape}")
        if data.shape[ax] != 1:
            raise ValueError(f"axis {ax} of shape {data.shape} has size "
                             f"{data.shape[ax]}; only size-1 axes broadcast")
        target[ax] = size
    return jnp.broadcast_to(data, tuple(target))


register("broadcast_axis", _broadcast_axis, aliases=("broadcast_axes",),
         params={"axis": Param(A.parse_shape, (), "axes to broadcast"),
                 "size": Param(A.parse_shape, (), "their new sizes")},
         doc="Broadcast the given size-1 axes.")


def _broadcast_like(p: Params, lhs: Array, rhs: Array) -> Array:
    if p.lhs_axes is None and p.rhs_axes is None:
        return _broadcast_checked(lhs, rhs.shape)
    if p.lhs_axes is None or p.rhs_axes is None or len(p.lhs_axes) != len(p.rhs_axes):
        raise ValueError(f"lhs_axes {p.lhs_axes} and rhs_axes {p.rhs_axes} must both be "
                         "given, with the same length")
    target = list(lhs.shape)
    for la, ra in zip(p.lhs_axes, p.rhs_axes):
        target[_norm_axis(la, lhs.ndim)] = rhs.shape[_norm_axis(ra, rhs.ndim)]
    return _broadcast_checked(lhs, tuple(target))


register("broadcast_like", _broadcast_like, inputs=("lhs", "rhs"),
         params={"lhs_axes": Param(A.parse_axis, None, "lhs axes to broadcast"),
                 "rhs_axes": Param(A.parse_axis, None, "rhs axes giving the sizes")},
         doc="Broadcast lhs to rhs's shape (or to chosen axes of it).")


register("tile", lambda p, data: jnp.tile(data, p.reps),
         params={"reps": Param(A.parse_shape, REQUIRED, "repetitions per axis")},
         doc="Repeat the whole array along each axis, like numpy.tile.")


def _repeat(p: Params, data: Array) -> Array:
    if p.repeats < 0:
        raise ValueError(f"repeats must be non-negative, got {p.repeats}")
    if p.axis is None:
        return jnp.repeat(data.reshape(-1), p.repeats)
    return jnp.repeat(data, p.repeats, axis=_norm_axis(p.axis, data.ndim))


register("repeat", _repeat,
         params={"repeats": Param(A.parse_int, REQUIRED, "copies of each element"),
                 "axis": Param(_OPT_INT, None, "axis, or None to flatten first")},
         doc="Repeat each element, like numpy.repeat.")


# -- dtype and constant-like ---------------------------------------------------------------
register("Cast", lambda p, data: data.astype(_jnp_dtype(p.dtype)), aliases=("cast",),
         params={"dtype": Param(_dtype_choice("bool", *_DTYPES), REQUIRED, "output dtype")},
         infer_dtype=lambda p, dtypes: _jnp_dtype(p.dtype), infer_outputs=first_shape_output,
         doc="Convert to another dtype; the gradient is cast back.")
register("zeros_like", lambda p, data: jnp.zeros_like(data), infer_outputs=first_shape_output,
         doc="Zeros of data's shape.")
register("ones_like", lambda p, data: jnp.ones_like(data), infer_outputs=first_shape_output,
         doc="Ones of data's shape.")
