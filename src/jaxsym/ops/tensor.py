"""Sequence, indexing, ordering and rearranging ops: SequenceMask/Last/Reverse, pick,
topk, sort, argsort, slice_like, shape_array, size_array, softmin, softmax_cross_entropy,
depth_to_space, space_to_depth, diag, moments, gather_nd, scatter_nd, batch_take,
ravel_multi_index, unravel_index.

MXNet 1.9.1 conventions reproduced here: index-like inputs (sequence_length, pick's
index, labels) are truncated to integers and get a zero gradient; sorting is stable in
both directions (ties keep their input order, descending too); index outputs are
floating point (float32 unless `dtype` says otherwise).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from . import attrs as A
from .nn import _SOFTMAX_PARAMS, _softmax_fn
from .reduce import normalize_axes, reduced_shape
from .registry import REQUIRED, Param, Params, Shape, register

Array = jax.Array

_OPT_INT = A.optional(A.parse_int)


def _dtype(name: str) -> np.dtype:
    """A dtype as jax computes it: int64/float64 are 32-bit unless x64 mode is on."""
    return jax.dtypes.canonicalize_dtype(np.dtype(name))


def _as_index(x: Array) -> Array:
    """An index-like input as int32, truncated toward zero, with no gradient."""
    return lax.stop_gradient(x).astype(jnp.int32)


def _axis(axis: int, ndim: int) -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis={axis} is out of range for an array of rank {ndim}")
    return axis % ndim


# -- SequenceMask / SequenceLast / SequenceReverse ------------------------------------------
def _seq_check(name: str, p: Params, data: Array, length: Array | None,
               axes: tuple[int, ...]) -> int:
    """MXNet's checks; returns the batch axis (the other of the first two)."""
    if data.ndim < 2:
        raise ValueError(f"{name}: The data array must be of rank 2 or greater, got "
                         f"shape {data.shape}")
    if p.axis not in axes:
        raise ValueError(f"{name}: axis={p.axis} is not supported; it must be one of "
                         f"{list(axes)}")
    batch_axis = 1 - p.axis
    if length is not None and length.shape != (data.shape[batch_axis],):
        raise ValueError(f"{name}: sequence_length has shape {length.shape}, expected "
                         f"({data.shape[batch_axis]},) for data {data.shape} and "
                         f"axis={p.axis}")
    return batch_axis


def _seq_lengths(data: Array, length: Array | None, batch_axis: int) -> Array:
    """Per-batch lengths as int32 of shape (batch,); the full time axis without input."""
    if length is None:
        return jnp.full((data.shape[batch_axis],), data.shape[1 - batch_axis], jnp.int32)
    return _as_index(length)


def _time_major(x: Array, axis: int) -> Array:
    """Broadcast a (batch,) array against data with time on `axis`, batch on the other."""
    return x.reshape((1, -1) if axis == 0 else (-1, 1))


def _sequence_mask(p: Params, data: Array, length: Array | None = None) -> Array:
    batch_axis = _seq_check("SequenceMask", p, data, length, (0, 1))
    lengths = _seq_lengths(data, length, batch_axis)
    steps = lax.broadcasted_iota(jnp.int32, data.shape[:2], p.axis)
    keep = (steps < _time_major(lengths, p.axis)).reshape(data.shape[:2] + (1,) * (data.ndim - 2))
    return jnp.where(keep, data, jnp.asarray(p.value, data.dtype))


def _sequence_last(p: Params, data: Array, length: Array | None = None) -> Array:
    batch_axis = _seq_check("SequenceLast", p, data, length, (0, 1))
    last = _seq_lengths(data, length, batch_axis) - 1
    time_first = jnp.moveaxis(data, p.axis, 0)
    return time_first[last, jnp.arange(time_first.shape[1])]


def _sequence_reverse(p: Params, data: Array, length: Array | None = None) -> Array:
    batch_axis = _seq_check("SequenceReverse", p, data, length, (0,))
    lengths = _seq_lengths(data, length, batch_axis)[None, :]
    steps = lax.broadcasted_iota(jnp.int32, data.shape[:2], 0)
    # Steps at or past a sequence's length stay where they are.
    source = jnp.where(steps < lengths, lengths - 1 - steps, steps)
    return data[source, jnp.arange(data.shape[1])[None, :]]


def _seq_inputs(p: Params) -> tuple[str, ...]:
    return ("data", "sequence_length") if p.use_sequence_length else ("data",)


def _seq_infer_inputs(p: Params, shapes: list[Shape | None]) -> list[Shape | None]:
    """sequence_length is (batch,), batch being the data axis other than `axis`."""
    data = shapes[0]
    if len(shapes) == 2 and shapes[1] is None and data is not None and len(data) >= 2 \
            and p.axis in (0, 1):
        return [data, (data[1 - p.axis],)]
    return shapes


_SEQ_PARAMS = {
    "use_sequence_length": Param(A.parse_bool, False,
                                 "take per-batch lengths from `sequence_length`"),
    "axis": Param(A.parse_int, 0, "the time axis: 0 or 1 (the batch axis is the other)"),
}
register("SequenceMask", _sequence_mask, inputs=_seq_inputs, infer_inputs=_seq_infer_inputs,
         params={"use_sequence_length": _SEQ_PARAMS["use_sequence_length"],
                 "value": Param(A.parse_float, 0.0, "value of the masked steps"),
                 "axis": _SEQ_PARAMS["axis"]},
         doc="Set the steps past each sequence's length to `value`.")
register("SequenceLast", _sequence_last, inputs=_seq_inputs, infer_inputs=_seq_infer_inputs,
         params=_SEQ_PARAMS, doc="The last valid step of each sequence.")
register("SequenceReverse", _sequence_reverse, inputs=_seq_inputs,
         infer_inputs=_seq_infer_inputs, params=_SEQ_PARAMS,
         doc="Reverse the first `length` steps of each sequence (time axis 0 only).")


# -- pick ------------------------------------------------------------------------------------
def _pick(p: Params, data: Array, index: Array) -> Array:
    if p.axis is None:
        raise ValueError("axis=None is not supported by pick yet. Must specify an axis.")
    axis = _axis(p.axis, data.ndim)
    want = data.shape[:axis] + data.shape[axis + 1:]
    # MXNet checks the index's size, not its exact shape.
    if index.size != max(1, int(np.prod(want))):
        raise ValueError(f"index has shape {index.shape}, expected {want} for data "
                         f"{data.shape} and axis={p.axis}")
    idx = _as_index(index).reshape(want)
    n = data.shape[axis]
    idx = jnp.mod(idx, n) if p.mode == "wrap" else jnp.clip(idx, 0, n - 1)
    out = jnp.take_along_axis(data, jnp.expand_dims(idx, axis), axis=axis)
    return out if p.keepdims else jnp.squeeze(out, axis)


def _pick_infer_inputs(p: Params, shapes: list[Shape | None]) -> list[Shape | None]:
    """index is data's shape without `axis` (with keepdims too, as MXNet infers)."""
    data, index = shapes
    if index is None and data is not None and p.axis is not None \
            and -len(data) <= p.axis < len(data):
        axis = p.axis % len(data)
        return [data, data[:axis] + data[axis + 1:]]
    return shapes


register("pick", _pick, inputs=("data", "index"), infer_inputs=_pick_infer_inputs,
         params={"axis": Param(_OPT_INT, -1, "axis to pick along"),
                 "keepdims": Param(A.parse_bool, False, "keep the picked axis as size 1"),
                 "mode": Param(A.enum("clip", "wrap"), "clip",
                               "how out-of-range indices are treated")},
         # MXNet 1.9.1 keeps the legacy name as an alias (nodes are saved as 'pick').
         aliases=("choose_element_0index",),
         doc="Pick one element per position along `axis`, at the given indices.")


# -- topk / sort / argsort ------------------------------------------------------------------
_INDEX_DTYPES = ("float16", "float32", "float64", "int32", "int64", "uint8")


def _ordered(data: Array, axis: int | None, is_ascend: bool
             ) -> tuple[Array, Array, int]:
    """(data with the sort axis last, its stable sort order, the axis), axis None
    flattening the data first."""
    x = data.reshape(-1) if axis is None else data
    ax = 0 if axis is None else _axis(axis, x.ndim)
    x = jnp.moveaxis(x, ax, -1)
    return x, jnp.argsort(x, axis=-1, stable=True, descending=not is_ascend), ax


def _topk(p: Params, data: Array) -> Array | tuple[Array, Array]:
    x, order, ax = _ordered(data, p.axis, p.is_ascend)
    n = x.shape[-1]
    if p.k > n:
        raise ValueError(f"k must be smaller than {n}, get k = {p.k}")
    k = n if p.k <= 0 else p.k  # MXNet: k <= 0 means every element
    if p.ret_typ == "mask":
        ranks = jnp.argsort(order, axis=-1)
        mask = jnp.moveaxis((ranks < k).astype(data.dtype), -1, ax)
        return mask.reshape(data.shape)
    idx = order[..., :k]
    indices = jnp.moveaxis(idx, -1, ax).astype(_dtype(p.dtype))
    if p.ret_typ == "indices":
        return indices
    values = jnp.moveaxis(jnp.take_along_axis(x, idx, axis=-1), -1, ax)
    return values if p.ret_typ == "value" else (values, indices)


def _topk_dtype(p: Params, dtypes: list) -> object:
    if p.ret_typ == "both":
        return [dtypes[0], np.dtype(p.dtype)]
    return np.dtype(p.dtype) if p.ret_typ == "indices" else dtypes[0]


_AXIS = Param(_OPT_INT, -1, "axis to sort along, None to flatten first")
register("topk", _topk,
         params={"axis": _AXIS,
                 "k": Param(A.parse_int, 1, "how many elements, all if k <= 0"),
                 "ret_typ": Param(A.enum("both", "indices", "mask", "value"), "indices",
                                  "what to return"),
                 "is_ascend": Param(A.parse_bool, False, "the k smallest instead"),
                 "dtype": Param(A.enum(*_INDEX_DTYPES), "float32", "dtype of indices")},
         num_outputs=lambda p: 2 if p.ret_typ == "both" else 1,
         # MXNet computes the indices along with ret_typ='value' as a hidden output, so
         # the one listed output is numbered.
         hidden_outputs=lambda p: int(p.ret_typ == "value"),
         output_names=lambda p: (["output0", "output1"] if p.ret_typ == "both" else
                                 ["output0"] if p.ret_typ == "value" else ["output"]),
         infer_dtype=_topk_dtype,
         doc="The k largest (or smallest) elements along an axis, or their indices.")


def _sort(p: Params, data: Array) -> Array:
    x, order, ax = _ordered(data, p.axis, p.is_ascend)
    return jnp.moveaxis(jnp.take_along_axis(x, order, axis=-1), -1, ax)


def _argsort(p: Params, data: Array) -> Array:
    _, order, ax = _ordered(data, p.axis, p.is_ascend)
    return jnp.moveaxis(order, -1, ax).astype(_dtype(p.dtype))


_ASCEND = Param(A.parse_bool, True, "ascending order")
register("sort", _sort, params={"axis": _AXIS, "is_ascend": _ASCEND},
         hidden_outputs=1, output_names=lambda p: ["output0"],  # as topk's 'value'

         doc="Sort along an axis (stable); the gradient goes back to each source.")
register("argsort", _argsort,
         params={"axis": _AXIS, "is_ascend": _ASCEND,
                 "dtype": Param(A.enum(*_INDEX_DTYPES), "float32", "output dtype")},
         infer_dtype=lambda p, dtypes: np.dtype(p.dtype),
         doc="Indices that sort the data along an axis (stable), as `dtype`.")


# -- slice_like / shape_array / size_array -------------------------------------------------
def _slice_like(p: Params, data: Array, shape_like: Array) -> Array:
    if p.axes:
        axes = []
        for a in p.axes:
            if not -shape_like.ndim <= a < shape_like.ndim:
                raise ValueError(f"Slice axis: {a} exceeds second input: {shape_like.ndim}")
            if not -data.ndim <= a < data.ndim:
                raise ValueError(f"Slice axis: {a} exceeds first input: {data.ndim}")
            axes.append((a % data.ndim, a % shape_like.ndim))
    elif data.ndim != shape_like.ndim:
        raise ValueError("By default slice_axis performs slice on all axes, but ndim "
                         f"mismatch for inputs: {data.ndim} vs. {shape_like.ndim}")
    else:
        axes = [(a, a) for a in range(data.ndim)]
    limits = list(data.shape)
    for a, b in axes:
        if shape_like.shape[b] > data.shape[a]:
            raise ValueError(f"Slice axis {a} with size {shape_like.shape[b]} exceeds "
                             f"limit of input with size {data.shape[a]}")
        limits[a] = shape_like.shape[b]
    return lax.slice(data, (0,) * data.ndim, tuple(limits))


register("slice_like", _slice_like, inputs=("data", "shape_like"),
         params={"axes": Param(A.parse_shape, (), "axes to slice, all if empty")},
         doc="Slice data to the shape of shape_like (on the given axes); shape_like "
             "gets a zero gradient.")

# MXNet returns int64; without jax's x64 mode the values come back as int32.
register("shape_array", lambda p, data: jnp.asarray(data.shape, _dtype("int64")),
         infer_dtype=lambda p, dtypes: np.dtype("int64"),
         doc="The shape of the input as a 1-D int64 array.")
register("size_array", lambda p, data: jnp.asarray([data.size], _dtype("int64")),
         infer_dtype=lambda p, dtypes: np.dtype("int64"),
         doc="The number of elements of the input as a (1,) int64 array.")


# -- softmin / softmax_cross_entropy --------------------------------------------------------
def _softmin(p: Params, data: Array) -> Array:
    if p.use_length:
        # MXNet's softmin has the parameter but no `length` input, so it fails its checks.
        raise ValueError("softmin has no `length` input; use_length must be False")
    return _softmax(p, -data)


_softmax = _softmax_fn(False)
register("softmin", _softmin, params=_SOFTMAX_PARAMS,
         infer_dtype=lambda p, dtypes: np.dtype(p.dtype) if p.dtype else dtypes[0],
         doc="softmax of the negated input along `axis`, optionally with temperature.")


def _softmax_cross_entropy(p: Params, data: Array, label: Array) -> Array:
    if data.ndim != 2:
        raise ValueError(f"SoftmaxCrossEntropy only accept 2D data, got {data.shape}")
    if label.shape != data.shape[:1]:
        raise ValueError(f"SoftmaxCrossEntropy only accept 1D label of shape "
                         f"({data.shape[0]},), got {label.shape}")
    logp = jax.nn.log_softmax(data, axis=1)
    picked = jnp.take_along_axis(logp, _as_index(label)[:, None], axis=1)
    return -jnp.sum(picked).reshape(1)


register("softmax_cross_entropy", _softmax_cross_entropy, inputs=("data", "label"),
         doc="Summed cross entropy of softmax(data) against integer labels, shape (1,).")


# -- depth_to_space / space_to_depth ---------------------------------------------------------
def _block_check(name: str, p: Params, data: Array) -> int:
    if p.block_size <= 0:
        raise ValueError(f"{name}: block_size must be a positive integer value, got "
                         f"{p.block_size}")
    if data.ndim != 4:
        raise ValueError(f"{name} requires exactly 4D tensor, got shape {data.shape}")
    return p.block_size


def _depth_to_space(p: Params, data: Array) -> Array:
    b = _block_check("depth_to_space", p, data)
    n, c, h, w = data.shape
    if c % (b * b):
        raise ValueError(f"depth_to_space: the depth dimension {c} of {data.shape} "
                         f"should be a multiple of block_size^2={b * b}")
    # Channel (i * b + j) * C' + c goes to pixel (h * b + i, w * b + j) of channel c.
    x = data.reshape(n, b, b, c // (b * b), h, w).transpose(0, 3, 4, 1, 5, 2)
    return x.reshape(n, c // (b * b), h * b, w * b)


def _space_to_depth(p: Params, data: Array) -> Array:
    b = _block_check("space_to_depth", p, data)
    n, c, h, w = data.shape
    if h % b or w % b:
        raise ValueError(f"space_to_depth: the space dimensions of {data.shape} should "
                         f"be multiples of block_size={b}")
    x = data.reshape(n, c, h // b, b, w // b, b).transpose(0, 3, 5, 1, 2, 4)
    return x.reshape(n, c * b * b, h // b, w // b)


_BLOCK = {"block_size": Param(A.parse_int, REQUIRED, "edge of the blocks moved")}
register("depth_to_space", _depth_to_space, params=_BLOCK,
         doc="Move channel blocks into b x b spatial blocks of NCHW data (DCR order).")
register("space_to_depth", _space_to_depth, params=_BLOCK,
         doc="Move b x b spatial blocks of NCHW data into channels; depth_to_space's "
             "inverse.")


# -- diag / moments -------------------------------------------------------------------------
def _diag(p: Params, data: Array) -> Array:
    if data.ndim == 0:
        raise ValueError("diag needs an input of rank 1 or more, got a 0-d array")
    if data.ndim == 1:
        return jnp.diag(data, p.k)
    a1, a2 = _axis(p.axis1, data.ndim), _axis(p.axis2, data.ndim)
    if a1 == a2:
        raise ValueError(f"axis1 and axis2 cannot refer to the same axis {a1}")
    size = min(data.shape[a1], data.shape[a2] - p.k) if p.k >= 0 else \
        min(data.shape[a1] + p.k, data.shape[a2])
    if size <= 0:
        raise ValueError(f"Diagonal does not exist: k={p.k} for axes of sizes "
                         f"{data.shape[a1]} and {data.shape[a2]}")
    return jnp.diagonal(data, p.k, a1, a2)


register("diag", _diag,
         params={"k": Param(A.parse_int, 0, "diagonal offset, above the main if > 0"),
                 "axis1": Param(A.parse_int, 0, "first axis of the 2-D sub-arrays"),
                 "axis2": Param(A.parse_int, 1, "second axis of the 2-D sub-arrays")},
         doc="The k-th diagonal (as a last axis), or a matrix with a 1-D input on it.")


def _moments(p: Params, data: Array) -> tuple[Array, Array]:
    if not p.axes:
        raise ValueError("Empty axes is not supported, if you would like to do global "
                         "moments, please pass all axes to axes argument")
    axes = normalize_axes(p.axes, data.ndim)
    mean = jnp.mean(data, axis=axes, keepdims=True)
    var = jnp.mean(jnp.square(data - mean), axis=axes, keepdims=True)
    shape = reduced_shape(data.shape, axes, p.keepdims)
    return mean.reshape(shape), var.reshape(shape)


register("moments", _moments, num_outputs=2,
         params={"axes": Param(A.parse_axis, None, "axes to reduce (required in effect)"),
                 "keepdims": Param(A.parse_bool, False, "keep reduced axes as size 1")},
         doc="Mean and (biased) variance over the given axes.")


# -- gather_nd / scatter_nd / batch_take ------------------------------------------------------
def _nd_index(name: str, indices: Array, target: Shape) -> tuple[Array, ...]:
    """The first axis of `indices` addresses the leading axes of `target`."""
    if indices.ndim < 2:
        raise ValueError(f"{name} requires index tensor to have at least 2 dimensions, got "
                         f"shape {indices.shape}")
    if indices.shape[0] > len(target):
        raise ValueError(f"{name}: Number of indices {indices.shape[0]} exceeds data "
                         f"dimension {len(target)} of {target}")
    idx = _as_index(indices)
    return tuple(idx[i] for i in range(indices.shape[0]))


def _gather_nd(p: Params, data: Array, indices: Array) -> Array:
    return data[_nd_index("gather_nd", indices, data.shape)]


register("gather_nd", _gather_nd, inputs=("data", "indices"),
         doc="Gather slices of data at the N-d indices given along indices' first axis.")


@jax.custom_vjp
def _scatter_set(zeros: Array, data: Array, where: tuple[Array, ...]) -> Array:
    return zeros.at[where].set(data)


def _scatter_set_fwd(zeros: Array, data: Array, where: tuple[Array, ...]
                     ) -> tuple[Array, tuple[Array, ...]]:
    return _scatter_set(zeros, data, where), where


def _scatter_set_bwd(where: tuple[Array, ...], g: Array) -> tuple[Any, Array, Any]:
    # MXNet's gradient gathers the head gradient at every index, so an element that a
    # duplicate index overwrote still gets one.
    return None, g[where], None


_scatter_set.defvjp(_scatter_set_fwd, _scatter_set_bwd)


def _scatter_nd(p: Params, data: Array, indices: Array) -> Array:
    where = _nd_index("scatter_nd", indices, p.shape)
    want = indices.shape[1:] + p.shape[indices.shape[0]:]
    if data.shape != want:
        raise ValueError(f"scatter_nd: data has shape {data.shape}, expected {want} from "
                         f"indices {indices.shape} and shape={p.shape}")
    return _scatter_set(jnp.zeros(p.shape, data.dtype), data, where)


register("scatter_nd", _scatter_nd, inputs=("data", "indices"),
         params={"shape": Param(A.parse_shape, REQUIRED, "shape of the output")},
         doc="Zeros of `shape` with data written at the N-d indices (gather_nd's "
             "inverse).")


def _batch_take(p: Params, a: Array, indices: Array) -> Array:
    if a.ndim < 2:
        raise ValueError(f"batch_take: Data array must have at least 2 dimensional, got "
                         f"shape {a.shape}")
    n = a.shape[-1]
    rows = a.size // n
    if indices.size != rows:
        raise ValueError(f"batch_take: Index array's size {indices.size} must be the same "
                         f"as data array's size excluding the last dimension ({rows})")
    # MXNet clips out-of-range indices.
    idx = jnp.clip(_as_index(indices).reshape(rows, 1), 0, n - 1)
    return jnp.take_along_axis(a.reshape(rows, n), idx, axis=1).reshape(indices.shape)


register("batch_take", _batch_take, inputs=("a", "indices"),
         doc="One element per row of a (rows: all but the last axis), at int32 indices; "
             "deprecated in MXNet in favour of pick.")


# -- ravel_multi_index / unravel_index --------------------------------------------------------
def _check_dims(name: str, shape: Shape) -> None:
    if not shape:
        raise ValueError(f"Empty shape parameter for {name} operator.")


def _ravel_multi_index(p: Params, data: Array) -> Array:
    _check_dims("ravel", p.shape)
    if data.ndim != 2 or data.shape[0] != len(p.shape):
        raise ValueError(f"Input to ravel operator must be two-dimensional with a first "
                         f"dimension of {len(p.shape)} (the shape parameter's), got "
                         f"{data.shape}")
    strides = np.cumprod((1,) + p.shape[:0:-1])[::-1].astype(np.int32)
    # No bounds checks, as MXNet: out-of-range indices just combine linearly.
    flat = jnp.sum(_as_index(data) * jnp.asarray(strides)[:, None], axis=0)
    return flat.astype(data.dtype)


def _unravel_index(p: Params, data: Array) -> Array:
    _check_dims("unravel", p.shape)
    rest = _as_index(data)
    coords = []
    # C-style truncated division and remainder, and no wrap of the leading axis (MXNet).
    for size in p.shape[:0:-1]:
        coords.append(lax.rem(rest, jnp.int32(size)))
        rest = lax.div(rest, jnp.int32(size))
    coords.append(rest)
    return jnp.stack(coords[::-1]).astype(data.dtype)


_SHAPE = {"shape": Param(A.optional(A.parse_shape), None, "shape of the indexed array")}
# MXNet's canonical names are underscored; the public names are aliases.
register("_ravel_multi_index", _ravel_multi_index, params=_SHAPE, aliases=("ravel_multi_index",),
         doc="Flat indices from a (ndim, n) array of multi-indices into `shape`.")
register("_unravel_index", _unravel_index, params=_SHAPE, aliases=("unravel_index",),
         doc="Multi-indices (ndim, ...) into `shape` from flat indices.")
