"""Neural-network layers: dense, convolution, pooling, normalisation, activations, softmax.

Data is channel-first (NCW/NCHW/NCDHW) unless an op's `layout` says otherwise, as in
MXNet. Shape rules are plain Python on static shapes; a rule that cannot be met raises
ValueError, which the lowering turns into an MXNetError naming the node.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from . import attrs as A
from .registry import REQUIRED, Param, Params, first_shape_output, register

Array = jax.Array
Shape = tuple[int, ...]

_CHANNEL_LAST = ("NWC", "NHWC", "NDHWC")


def _axis(axis: int, ndim: int) -> int:
    """`axis` in [-ndim, ndim) as a non-negative index, or ValueError."""
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis={axis} is out of range for data of rank {ndim}")
    return axis % ndim


def _bcast(vec: Array, ndim: int, axis: int) -> Array:
    """A per-channel vector shaped to broadcast along `axis` of a rank-`ndim` array."""
    shape = [1] * ndim
    shape[axis] = -1
    return vec.reshape(shape)


def _check_shape(what: str, got: Shape, want: Shape, data: Shape) -> None:
    if tuple(got) != tuple(want):
        raise ValueError(f"{what} has shape {tuple(got)}, expected {tuple(want)} from data "
                         f"{tuple(data)}")


def _weight_inputs(p: Params) -> tuple[str, ...]:
    return ("data", "weight") if p.no_bias else ("data", "weight", "bias")


# -- FullyConnected ---------------------------------------------------------------------
def _fc_in_units(p: Params, data: Shape) -> int:
    return math.prod(data[1:]) if p.flatten else data[-1]


def _fc_infer(p: Params, shapes: list[Shape | None]) -> list[Shape | None]:
    data = shapes[0]
    if data is None:
        return shapes
    out = [data, shapes[1] or (p.num_hidden, _fc_in_units(p, data))]
    if not p.no_bias:
        out.append(shapes[2] or (p.num_hidden,))
    return out


def _fully_connected(p: Params, data: Array, weight: Array, bias: Array | None = None) -> Array:
    _check_shape("weight", weight.shape, (p.num_hidden, _fc_in_units(p, data.shape)),
                 data.shape)
    x = data.reshape(data.shape[0], -1) if p.flatten else data
    out = lax.dot_general(x, weight, (((x.ndim - 1,), (1,)), ((), ())))
    if bias is not None:
        _check_shape("bias", bias.shape, (p.num_hidden,), data.shape)
        out = out + _bcast(bias, out.ndim, out.ndim - 1)
    return out


def _fc_output(p: Params, shapes: list[Shape]) -> list[Shape] | None:
    data, weight, bias = shapes[0], shapes[1], tuple(shapes[2:])
    if weight != (p.num_hidden, _fc_in_units(p, data)) or bias not in ((), ((p.num_hidden,),)):
        return None
    return [(data[0], p.num_hidden) if p.flatten else data[:-1] + (p.num_hidden,)]


register(
    "FullyConnected", _fully_connected, infer_outputs=_fc_output,
    params={"num_hidden": Param(A.parse_int, REQUIRED, "number of hidden units"),
            "no_bias": Param(A.parse_bool, False, "whether to disable the bias"),
            "flatten": Param(A.parse_bool, True, "flatten all but the first axis")},
    inputs=_weight_inputs, infer_inputs=_fc_infer,
    doc="Affine layer: out = data @ weight.T + bias.")


# -- Convolution / Deconvolution ------------------------------------------------------------
_LAYOUT = Param(A.optional(A.enum("NCW", "NCHW", "NCDHW", "NHWC", "NDHWC")), None,
                "data layout; channel-first by default")
_GEOMETRY = {
    "kernel": Param(A.parse_shape, REQUIRED, "kernel size"),
    "stride": Param(A.parse_shape, (), "stride, default 1 per axis"),
    "dilate": Param(A.parse_shape, (), "dilation, default 1 per axis"),
    "pad": Param(A.parse_shape, (), "zero padding per axis, default 0"),
}
_CUDNN = {
    "cudnn_tune": Param(A.optional(A.enum("off", "limited_workspace", "fastest")), None,
                        "ignored"),
    "cudnn_off": Param(A.parse_bool, False, "ignored"),
}


def _conv_params(extra: dict[str, Param], workspace: int, no_bias: bool) -> dict[str, Param]:
    """(De)convolution parameters in MXNet's order; the defaults differ between the two."""
    return {**_GEOMETRY, **extra,
            "num_filter": Param(A.parse_int, REQUIRED, "number of output channels"),
            "num_group": Param(A.parse_int, 1, "number of groups"),
            "workspace": Param(A.parse_int, workspace, "ignored"),
            "no_bias": Param(A.parse_bool, no_bias, "whether to disable the bias"),
            **_CUDNN, "layout": _LAYOUT}


def _per_axis(value: Shape, n: int, fill: int, name: str) -> Shape:
    if not value:
        return (fill,) * n
    if len(value) != n:
        raise ValueError(f"{name}={value} must have {n} entries like kernel")
    return tuple(value)


def _geometry(p: Params) -> tuple[Shape, Shape, Shape]:
    """(stride, dilate, pad) with MXNet's defaults filled in."""
    n = len(p.kernel)
    if not 1 <= n <= 3:
        raise ValueError(f"kernel={p.kernel} must have 1 to 3 entries")
    return (_per_axis(p.stride, n, 1, "stride"), _per_axis(p.dilate, n, 1, "dilate"),
            _per_axis(p.pad, n, 0, "pad"))


def _channel_last(p: Params, ndim: int) -> bool:
    """Whether `layout` puts channels last; it must match the kernel's rank."""
    n = len(p.kernel)
    if ndim != n + 2:
        raise ValueError(f"data must be {n + 2}-D for kernel={p.kernel}, got rank {ndim}")
    if p.layout is not None and len(p.layout) != ndim:
        raise ValueError(f"layout={p.layout} does not match {ndim}-D data")
    return p.layout in _CHANNEL_LAST


def _split_channels(shape: Shape, last: bool) -> tuple[int, Shape]:
    """(channels, spatial sizes) of a data shape."""
    return (shape[-1], tuple(shape[1:-1])) if last else (shape[1], tuple(shape[2:]))


def _weight_shape(outer: int, inner: int, kernel: Shape, last: bool) -> Shape:
    """MXNet's weight layout: (outer, inner, *kernel), or (outer, *kernel, inner)."""
    return (outer, *kernel, inner) if last else (outer, inner, *kernel)


def _to_oik(weight: Array, last: bool) -> Array:
    """A channel-last (O, *k, I) weight as (O, I, *k)."""
    return jnp.moveaxis(weight, -1, 1) if last else weight


def _conv_core(x: Array, w_oik: Array, last: bool, *, strides: Shape,
               padding: Sequence[tuple[int, int]], rhs_dilation: Shape,
               lhs_dilation: Shape | None = None, groups: int = 1,
               kernel_last: bool = False) -> Array:
    """One XLA convolution in the data's own layout. Transposing channel-first data to
    NHWC here measured no faster on XLA's CPU backend (see PERF-NOTES.md): its layout
    assignment already picks the convolution's physical layout. `kernel_last` takes the
    kernel as (*spatial, in, out), the layout the lowering prepares for inference."""
    sp = "DHW"[3 - (w_oik.ndim - 2):]
    data_dims = f"N{sp}C" if last else f"NC{sp}"
    kernel_dims = f"{sp}IO" if kernel_last else f"OI{sp}"
    return lax.conv_general_dilated(
        x, w_oik, window_strides=strides, padding=list(padding), lhs_dilation=lhs_dilation,
        rhs_dilation=rhs_dilation, dimension_numbers=(data_dims, kernel_dims, data_dims),
        feature_group_count=groups)


def _add_bias(p: Params, out: Array, bias: Array | None, last: bool) -> Array:
    if bias is None:
        return out
    _check_shape("bias", bias.shape, (p.num_filter,), out.shape)
    return out + _bcast(bias, out.ndim, out.ndim - 1 if last else 1)


def _conv_weight(p: Params, channels: int) -> tuple[int, int]:
    if channels % p.num_group or p.num_filter % p.num_group:
        raise ValueError(f"num_group={p.num_group} must divide both the input channels "
                         f"{channels} and num_filter={p.num_filter}")
    return p.num_filter, channels // p.num_group


def _conv_infer(transposed: bool):
    """Weight (and bias) shapes from data: (num_filter, channels/group, *kernel) for a
    convolution, (channels, num_filter/group, *kernel) for a deconvolution."""
    def infer(p: Params, shapes: list[Shape | None]) -> list[Shape | None]:
        data = shapes[0]
        if data is None:
            return shapes
        last = p.layout in _CHANNEL_LAST
        channels, _ = _split_channels(data, last)
        group = max(p.num_group, 1)
        outer, inner = ((channels, p.num_filter // group) if transposed
                        else (p.num_filter, channels // group))
        out = [data, shapes[1] or _weight_shape(outer, inner, p.kernel, last)]
        if not p.no_bias:
            out.append(shapes[2] or (p.num_filter,))
        return out
    return infer


def _convolution(p: Params, data: Array, weight: Array, bias: Array | None = None) -> Array:
    last = _channel_last(p, data.ndim)
    stride, dilate, pad = _geometry(p)
    channels, spatial = _split_channels(data.shape, last)
    _check_shape("weight", weight.shape,
                 _weight_shape(*_conv_weight(p, channels), p.kernel, last), data.shape)
    for size, k, d, q in zip(spatial, p.kernel, dilate, pad):
        if size + 2 * q < d * (k - 1) + 1:
            raise ValueError(f"kernel={p.kernel} (dilate={dilate}) is larger than the "
                             f"padded input {spatial} (pad={pad})")
    out = _conv_core(data, _to_oik(weight, last), last, strides=stride,
                     padding=[(q, q) for q in pad], rhs_dilation=dilate, groups=p.num_group)
    return _add_bias(p, out, bias, last)


def _conv_output(p: Params, shapes: list[Shape]) -> list[Shape] | None:
    data, weight, bias = shapes[0], shapes[1], tuple(shapes[2:])
    last = _channel_last(p, len(data))
    stride, dilate, pad = _geometry(p)
    channels, spatial = _split_channels(data, last)
    if weight != _weight_shape(*_conv_weight(p, channels), p.kernel, last) or \
            bias not in ((), ((p.num_filter,),)):
        return None
    out = tuple((size + 2 * q - d * (k - 1) - 1) // s + 1
                for size, k, s, d, q in zip(spatial, p.kernel, stride, dilate, pad))
    if min(out) < 1:  # the kernel is larger than the padded input
        return None
    return [(data[0], *out, p.num_filter) if last else (data[0], p.num_filter, *out)]


register(
    "Convolution", _convolution, infer_outputs=_conv_output,
    params=_conv_params({}, workspace=1024, no_bias=False),
    inputs=_weight_inputs, infer_inputs=_conv_infer(False),
    doc="1-D to 3-D convolution; weight (num_filter, channels/num_group, *kernel).")


def _deconv_pad_adj(p: Params, spatial: Shape) -> tuple[Shape, Shape]:
    """MXNet's InferPad: a target_shape overrides pad and adj."""
    n = len(p.kernel)
    stride, dilate, _ = _geometry(p)
    if p.target_shape and any(p.target_shape):
        target = _per_axis(p.target_shape, n, 0, "target_shape")
        total = [s * (i - 1) + d * (k - 1) + 1 - t
                 for s, i, d, k, t in zip(stride, spatial, dilate, p.kernel, target)]
        if any(t < 0 for t in total):
            raise ValueError(f"too big target shape {p.target_shape} for input {spatial}")
        return tuple((t + 1) // 2 for t in total), tuple(t % 2 for t in total)
    return _per_axis(p.pad, n, 0, "pad"), _per_axis(p.adj, n, 0, "adj")


def _deconvolution(p: Params, data: Array, weight: Array, bias: Array | None = None) -> Array:
    last = _channel_last(p, data.ndim)
    stride, dilate, _ = _geometry(p)
    channels, spatial = _split_channels(data.shape, last)
    g = p.num_group
    out_c, in_c = _conv_weight(p, channels)
    _check_shape("weight", weight.shape, _weight_shape(channels, out_c // g, p.kernel, last),
                 data.shape)
    pad, adj = _deconv_pad_adj(p, spatial)
    n = len(p.kernel)
    # The transposed convolution is a convolution of the stride-dilated input with the
    # spatially flipped kernel, its in/out channels swapped within each group.
    w = _to_oik(weight, last).reshape(g, in_c, out_c // g, *p.kernel)
    w = jnp.swapaxes(w, 1, 2).reshape(out_c, in_c, *p.kernel)
    w = jnp.flip(w, axis=tuple(range(2, n + 2)))
    edges = [d * (k - 1) - q for d, k, q in zip(dilate, p.kernel, pad)]
    out = _conv_core(data, w, last, strides=(1,) * n, lhs_dilation=stride,
                     padding=[(e, e + a) for e, a in zip(edges, adj)], rhs_dilation=dilate,
                     groups=g)
    return _add_bias(p, out, bias, last)


register(
    "Deconvolution", _deconvolution,
    params=_conv_params(
        {"adj": Param(A.parse_shape, (), "extra output size at the end of each axis"),
         "target_shape": Param(A.parse_shape, (),
                               "output spatial shape; overrides pad and adj")},
        workspace=512, no_bias=True),
    inputs=_weight_inputs, infer_inputs=_conv_infer(True),
    doc="Transposed convolution; weight (channels, num_filter/num_group, *kernel).")


# -- Pooling ----------------------------------------------------------------------------
def _pool_out_size(size: int, k: int, s: int, pad: int, full: bool) -> int:
    span = size + 2 * pad - k
    if span < 0:
        raise ValueError(f"pooling window {k} is larger than the padded input {size + 2 * pad}")
    return (-(-span // s) if full else span // s) + 1


def _lp_power(x: Array, p_value: int) -> Array:
    # MXNet raises to the power without taking |x| first.
    return x if p_value == 1 else x * x if p_value == 2 else x ** p_value


def _lp_root(x: Array, p_value: int) -> Array:
    if p_value == 1:
        return x
    if p_value == 2:
        return jnp.sqrt(x)
    if p_value == 3:
        return jnp.cbrt(x)
    return x ** (1.0 / p_value)


def pool_tiled(p: Params, data: Array, kernel: Shape, out_sizes: Sequence[int],
               channel_last: bool = False) -> Array:
    """Non-overlapping windows as crop + reshape + reduce: XLA's gradient of a max
    reduce_window is several times slower on CPU. Also used by the lowering's
    channel-last layout pass."""
    n = len(kernel)
    lead = 1 if channel_last else 2
    data = data[(slice(None),) * lead + tuple(slice(0, o * k)
                                              for o, k in zip(out_sizes, kernel))]
    split = data.shape[:lead] + tuple(d for o, k in zip(out_sizes, kernel) for d in (o, k))
    if channel_last:
        split += data.shape[-1:]
    blocks = data.reshape(split)
    axes = tuple(lead + 1 + 2 * i for i in range(n))
    if p.pool_type == "max":
        return jnp.max(blocks, axis=axes)
    if p.pool_type == "lp":
        return _lp_root(jnp.sum(_lp_power(blocks, p.p_value), axis=axes), p.p_value)
    summed = jnp.sum(blocks, axis=axes)
    return summed if p.pool_type == "sum" else summed / float(math.prod(kernel))


def pool(p: Params, data: Array, channel_last: bool = False) -> Array:
    """MXNet's Pooling over channel-first data, or channel-last data (NHWC layouts, and
    the lowering's channel-last pass) without moving any axis."""
    n = data.ndim - 2
    spatial = data.shape[1:-1] if channel_last else data.shape[2:]

    def full_rank(values: Sequence[Any], fill: Any) -> tuple:
        """Per-spatial-axis values as a tuple over every axis of `data`."""
        return (fill, *values, fill) if channel_last else (fill, fill, *values)

    if p.global_pool:
        # One window per map: the stride does not matter, and kernel == stride takes
        # the reshape path below.
        kernel, stride, pad = spatial, spatial, (0,) * n
    else:
        if len(p.kernel) != n:
            raise ValueError(f"kernel={p.kernel} does not match {n}-D spatial data "
                             f"{data.shape}")
        kernel = p.kernel
        stride, pad = _per_axis(p.stride, n, 1, "stride"), _per_axis(p.pad, n, 0, "pad")
    if p.pooling_convention == "same":
        raise ValueError("pooling_convention='same' fails in MXNet 1.9.1 for every input "
                         "(its shape check needs 1-D max pooling, whose stride lookup "
                         "then goes out of range)")
    if p.pool_type == "lp" and p.p_value is None:
        raise ValueError("pool_type='lp' needs p_value")
    full = p.pooling_convention == "full"
    out_sizes = [_pool_out_size(*a, full) for a in zip(spatial, kernel, stride, pad)]
    if tuple(kernel) == tuple(stride) and not any(pad) and all(
            o * k <= s for o, k, s in zip(out_sizes, kernel, spatial)):
        return pool_tiled(p, data, kernel, out_sizes, channel_last)
    # 'full' windows may run past the padded input: pad the right edge further.
    right = [(o - 1) * s + k - i - q for o, s, k, i, q in
             zip(out_sizes, stride, kernel, spatial, pad)]
    padding = full_rank([(q, max(r, q)) for q, r in zip(pad, right)], (0, 0))
    window, strides = full_rank(kernel, 1), full_rank(stride, 1)
    if p.pool_type == "max":
        return lax.reduce_window(data, np.array(-np.inf, data.dtype), lax.max, window,
                                 strides, padding)
    zero = np.array(0, data.dtype)
    if p.pool_type == "lp":
        summed = lax.reduce_window(_lp_power(data, p.p_value), zero, lax.add, window,
                                   strides, padding)
        return _lp_root(summed, p.p_value)
    summed = lax.reduce_window(data, zero, lax.add, window, strides, padding)
    if p.pool_type == "sum":
        return summed
    # MXNet divides by the window clipped to the explicitly padded input (or, without
    # count_include_pad, to the input itself), never by cells past that.
    ones = np.ones(full_rank(spatial, 1), data.dtype)
    if p.count_include_pad in (None, True):
        ones = np.pad(ones, full_rank([(q, q) for q in pad], (0, 0)), constant_values=1)
        padding = full_rank([(0, max(r - q, 0)) for q, r in zip(pad, right)], (0, 0))
    counts = lax.reduce_window(jnp.asarray(ones), zero, lax.add, window, strides, padding)
    return summed / counts


def _pooling(p: Params, data: Array) -> Array:
    if p.layout is not None and len(p.layout) != data.ndim:
        raise ValueError(f"layout={p.layout} does not match {data.ndim}-D data")
    return pool(p, data, channel_last=p.layout in _CHANNEL_LAST)


def _pool_output(p: Params, shapes: list[Shape]) -> list[Shape] | None:
    (data,) = shapes
    n = len(data) - 2
    if not 1 <= n <= 3 or (p.layout is not None and len(p.layout) != len(data)) or \
            p.pooling_convention == "same" or (p.pool_type == "lp" and p.p_value is None):
        return None
    last = p.layout in _CHANNEL_LAST
    _, spatial = _split_channels(data, last)
    if p.global_pool:
        out: Shape = (1,) * n
    elif len(p.kernel) != n:
        return None
    else:
        stride, pad = _per_axis(p.stride, n, 1, "stride"), _per_axis(p.pad, n, 0, "pad")
        out = tuple(_pool_out_size(*a, p.pooling_convention == "full")
                    for a in zip(spatial, p.kernel, stride, pad))
    return [(data[0], *out, data[-1]) if last else (data[0], data[1], *out)]


register(
    "Pooling", _pooling, infer_outputs=_pool_output,
    params={"kernel": Param(A.parse_shape, (), "pooling window"),
            "pool_type": Param(A.enum("max", "avg", "sum", "lp"), "max", "pooling type"),
            "global_pool": Param(A.parse_bool, False, "pool over the whole spatial extent"),
            "cudnn_off": Param(A.parse_bool, False, "ignored"),
            "pooling_convention": Param(A.enum("valid", "full", "same"), "valid",
                                        "output size rounding: valid floors, full ceils"),
            "stride": Param(A.parse_shape, (), "stride, default 1 per axis"),
            "pad": Param(A.parse_shape, (), "padding per axis"),
            "p_value": Param(A.optional(A.parse_int), None, "power for lp pooling"),
            "count_include_pad": Param(A.optional(A.parse_bool), None,
                                       "avg pooling counts padded cells (default True)"),
            "layout": Param(A.optional(A.enum("NCW", "NCHW", "NCDHW", "NWC", "NHWC",
                                              "NDHWC")), None, "data layout")},
    # MXNet's oneDNN build keeps a max-pooling workspace as a hidden output.
    hidden_outputs=lambda p: int(p.pool_type == "max" and 1 <= len(p.kernel) <= 3
                                 and p.layout in (None, "NCW", "NCHW", "NCDHW")),
    doc="Max/avg/sum/lp pooling over 1-D to 3-D data.")


# -- normalisation ----------------------------------------------------------------------
def _per_channel_infer(axis_of):
    """Shape rule: every input but data is a vector as long as data's `axis_of(p)` axis."""
    def infer(p: Params, shapes: list[Shape | None]) -> list[Shape | None]:
        data = shapes[0]
        if data is None:
            return shapes
        channels = (data[_axis(axis_of(p), len(data))],)
        return [data] + [s or channels for s in shapes[1:]]
    return infer


def _moments(x: Array, axes: tuple[int, ...]) -> tuple[Array, Array]:
    """Mean and biased variance, keeping dims."""
    mean = jnp.mean(x, axis=axes, keepdims=True)
    return mean, jnp.mean(jnp.square(x - mean), axis=axes, keepdims=True)


@partial(jax.custom_vjp, nondiff_argnums=(3, 4))
def _batch_stats_norm(data: Array, gamma: Array, beta: Array, axis: int, eps: float
                      ) -> tuple[Array, Array, Array]:
    """Training BatchNorm over the batch's own statistics: (out, mean, var).

    Its gradient is the closed form (two reductions and one elementwise pass over the
    data), as MXNet's kernels compute it; differentiating the forward instead gave XLA
    several more passes over every activation (ResNet-20's step ran about 1.2x faster
    on CPU with this). mean and var are for the moving statistics: no gradient."""
    return _batch_stats_norm_fwd(data, gamma, beta, axis, eps)[0]


def _batch_stats_norm_fwd(data: Array, gamma: Array, beta: Array, axis: int, eps: float):
    reduce_axes = tuple(i for i in range(data.ndim) if i != axis)
    mean, var = _moments(data, reduce_axes)
    mean, var = mean.reshape(-1), var.reshape(-1)
    inv_std = lax.rsqrt(var + eps)
    out = (data - _bcast(mean, data.ndim, axis)) * _bcast(inv_std * gamma, data.ndim, axis) \
        + _bcast(beta, data.ndim, axis)
    return (out, mean, var), (data, mean, inv_std, gamma)


def _batch_stats_norm_bwd(axis: int, eps: float, residuals: Any, cotangents: Any):
    data, mean, inv_std, gamma = residuals
    d_out = cotangents[0]
    reduce_axes = tuple(i for i in range(data.ndim) if i != axis)
    count = data.size // data.shape[axis]
    x_hat = (data - _bcast(mean, data.ndim, axis)) * _bcast(inv_std, data.ndim, axis)
    d_beta = jnp.sum(d_out, axis=reduce_axes)
    d_gamma = jnp.sum(d_out * x_hat, axis=reduce_axes)
    d_data = _bcast(gamma * inv_std / count, data.ndim, axis) * (
        count * d_out - _bcast(d_beta, data.ndim, axis)
        - x_hat * _bcast(d_gamma, data.ndim, axis))
    return d_data.astype(data.dtype), d_gamma.astype(gamma.dtype), d_beta.astype(gamma.dtype)


_batch_stats_norm.defvjp(_batch_stats_norm_fwd, _batch_stats_norm_bwd)


def batch_norm_core(p: Params, inputs: list[Array], aux: list[Array], is_train: bool,
                    axis: int) -> tuple[Array, Array, Array, Array, list[Array]]:
    """BatchNorm over `axis`: (out, mean, var, inv_std, new moving statistics), the batch's
    statistics in training unless use_global_stats, else the moving ones. Shared with
    BatchNorm_v1, whose extra outputs differ."""
    data, gamma, beta = inputs
    moving_mean, moving_var = aux
    for name, vec in (("gamma", gamma), ("beta", beta), ("moving_mean", moving_mean),
                      ("moving_var", moving_var)):
        _check_shape(name, vec.shape, (data.shape[axis],), data.shape)
    if p.fix_gamma:
        # MXNet treats gamma as 1 and gives it a zero gradient.
        gamma = jnp.ones_like(gamma) + 0 * gamma
    if is_train and not p.use_global_stats:
        out, mean, var = _batch_stats_norm(data, gamma, beta, axis, p.eps)
        mean, var = lax.stop_gradient(mean), lax.stop_gradient(var)
        m = p.momentum
        new_aux = [moving_mean * m + mean * (1 - m), moving_var * m + var * (1 - m)]
        inv_std = lax.rsqrt(var + p.eps)
    else:
        mean, var = lax.stop_gradient(moving_mean), lax.stop_gradient(moving_var)
        new_aux = [moving_mean, moving_var]
        inv_std = lax.rsqrt(var + p.eps)
        out = (data - _bcast(mean, data.ndim, axis)) * _bcast(inv_std * gamma, data.ndim,
                                                              axis) \
            + _bcast(beta, data.ndim, axis)
    return out, mean, var, inv_std, new_aux


def _batch_norm(p: Params, inputs: list[Array], aux: list[Array], is_train: bool,
                key: Array) -> tuple[list[Array], list[Array]]:
    axis = _axis(p.axis, inputs[0].ndim)
    out, mean, _, inv_std, new_aux = batch_norm_core(p, inputs, aux, is_train, axis)
    if not p.output_mean_var:
        return [out], new_aux
    # MXNet's 'var' output is the inverse standard deviation; both extra outputs pass no
    # gradient back.
    return [out, lax.stop_gradient(mean), lax.stop_gradient(inv_std)], new_aux


def _batch_norm_output(p: Params, shapes: list[Shape]) -> list[Shape] | None:
    data = shapes[0]
    channels = (data[_axis(p.axis, len(data))],)
    if any(s != channels for s in shapes[1:]):
        return None
    return [data, channels, channels] if p.output_mean_var else [data]


register(
    "BatchNorm", _batch_norm, infer_outputs=_batch_norm_output,
    params={"eps": Param(A.parse_float, 1e-3, "epsilon added to the variance"),
            "momentum": Param(A.parse_float, 0.9, "moving-average momentum"),
            "fix_gamma": Param(A.parse_bool, True, "treat gamma as 1, with zero gradient"),
            "use_global_stats": Param(A.parse_bool, False, "use moving stats in training"),
            "output_mean_var": Param(A.parse_bool, False,
                                     "also output the mean and the inverse std"),
            "axis": Param(A.parse_int, 1, "channel axis"),
            "cudnn_off": Param(A.parse_bool, False, "ignored"),
            "min_calib_range": Param(A.optional(A.parse_float), None, "ignored"),
            "max_calib_range": Param(A.optional(A.parse_float), None, "ignored")},
    inputs=("data", "gamma", "beta"), aux=("moving_mean", "moving_var"),
    num_outputs=lambda p: 3 if p.output_mean_var else 1,
    hidden_outputs=lambda p: 0 if p.output_mean_var else 2,
    output_names=lambda p: ["output", "mean", "var"] if p.output_mean_var else ["output"],
    infer_inputs=_per_channel_infer(lambda p: p.axis), stateful=True,
    fixed_inputs=lambda p: {"gamma": 1.0} if p.fix_gamma else {},
    doc="Batch normalization; moving statistics are auxiliary states updated in training.")


def _instance_norm(p: Params, data: Array, gamma: Array, beta: Array) -> Array:
    if data.ndim < 3:
        raise ValueError(f"InstanceNorm needs data of rank >= 3, got {data.shape}")
    _check_shape("gamma", gamma.shape, (data.shape[1],), data.shape)
    _check_shape("beta", beta.shape, (data.shape[1],), data.shape)
    mean, var = _moments(data, tuple(range(2, data.ndim)))
    return (data - mean) * lax.rsqrt(var + p.eps) * _bcast(gamma, data.ndim, 1) \
        + _bcast(beta, data.ndim, 1)


register(
    "InstanceNorm", _instance_norm,
    params={"eps": Param(A.parse_float, 1e-3, "epsilon added to the variance")},
    inputs=("data", "gamma", "beta"), infer_inputs=_per_channel_infer(lambda p: 1),
    hidden_outputs=2,
    doc="Normalise each (instance, channel) over the spatial axes, then scale and shift.")


def _layer_norm(p: Params, data: Array, gamma: Array, beta: Array):
    axis = _axis(p.axis, data.ndim)
    _check_shape("gamma", gamma.shape, (data.shape[axis],), data.shape)
    _check_shape("beta", beta.shape, (data.shape[axis],), data.shape)
    mean, var = _moments(data, (axis,))
    std = jnp.sqrt(var + p.eps)
    out = (data - mean) / std * _bcast(gamma, data.ndim, axis) + _bcast(beta, data.ndim, axis)
    # As in BatchNorm, the mean and std outputs pass no gradient back.
    return (out, lax.stop_gradient(mean), lax.stop_gradient(std)) if p.output_mean_var \
        else out


register(
    "LayerNorm", _layer_norm,
    params={"axis": Param(A.parse_int, -1, "axis to normalise over"),
            "eps": Param(A.parse_float, 1e-5, "epsilon added to the variance"),
            "output_mean_var": Param(A.parse_bool, False, "also output the mean and std")},
    inputs=("data", "gamma", "beta"), infer_inputs=_per_channel_infer(lambda p: p.axis),
    num_outputs=lambda p: 3 if p.output_mean_var else 1,
    hidden_outputs=lambda p: 0 if p.output_mean_var else 2,
    output_names=lambda p: ["output", "mean", "std"] if p.output_mean_var else ["output"],
    doc="Normalise over one axis, then scale by gamma and shift by beta.")


_L2_AXES = {"instance": lambda nd: tuple(range(1, nd)), "channel": lambda nd: (1,),
            "spatial": lambda nd: tuple(range(2, nd))}


def _l2_normalization(p: Params, data: Array) -> Array:
    axes = _L2_AXES[p.mode](data.ndim)
    if not axes:
        raise ValueError(f"mode={p.mode!r} needs more axes than data {data.shape} has")
    return data * lax.rsqrt(jnp.sum(jnp.square(data), axis=axes, keepdims=True) + p.eps)


register(
    "L2Normalization", _l2_normalization,
    params={"eps": Param(A.parse_float, 1e-10, "epsilon added to the squared norm"),
            "mode": Param(A.enum(*_L2_AXES), "instance",
                          "normalise per instance, per channel or per spatial map")},
    hidden_outputs=1,
    doc="Divide by the L2 norm over the axes that `mode` selects.")


def _lrn(p: Params, data: Array) -> Array:
    if data.ndim != 4:
        raise ValueError(f"LRN needs 4-D NCHW data, got {data.shape}")
    half = p.nsize // 2
    window = lax.reduce_window(jnp.square(data), np.array(0, data.dtype), lax.add,
                               (1, p.nsize, 1, 1), (1, 1, 1, 1),
                               ((0, 0), (half, p.nsize - 1 - half), (0, 0), (0, 0)))
    return data * (p.knorm + p.alpha / p.nsize * window) ** -p.beta


register(
    "LRN", _lrn,
    params={"alpha": Param(A.parse_float, 1e-4, "scale of the squared sum"),
            "beta": Param(A.parse_float, 0.75, "exponent"),
            "knorm": Param(A.parse_float, 2.0, "additive constant"),
            "nsize": Param(A.parse_int, REQUIRED, "channels in the window (odd)")},
    hidden_outputs=1,
    doc="Local response normalisation across channels.")


@jax.custom_jvp
def _activation_relu(x: Array) -> Array:
    """Activation's relu as MXNet computes it: NaN becomes 0 (the `relu` op keeps it),
    and the gradient is MXNet's `g * (out > 0)`: 0 at 0 (jnp.maximum's gradient splits
    ties, 0.5, through a divide) and 0 at NaN."""
    return jnp.where(x > 0, x, jnp.zeros_like(x))


@_activation_relu.defjvp
def _activation_relu_jvp(primals: tuple[Array], tangents: tuple[Array]
                         ) -> tuple[Array, Array]:
    (x,), (t,) = primals, tangents
    # `x > 0` is `out > 0` for every x, NaN included, and keeps the backward free of
    # the output: masking with the output made an MLP's training step 15-20% slower.
    return _activation_relu(x), jnp.where(x > 0, t, jnp.zeros_like(t))


# -- activations --------------------------------------------------------------------------
ACTIVATIONS = {
    "relu": _activation_relu,
    "sigmoid": jax.nn.sigmoid,
    "tanh": jnp.tanh,
    "softrelu": jax.nn.softplus,
    "softsign": lambda x: x / (1 + jnp.abs(x)),
}

register(
    "Activation", lambda p, data: ACTIVATIONS[p.act_type](data),
    params={"act_type": Param(A.enum(*ACTIVATIONS), REQUIRED, "activation function")},
    infer_outputs=first_shape_output, doc="Elementwise activation function.")

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_LAMBDA = 1.0507009873554804934193349852946


def _negative_part(x: Array, neg: Array) -> Array:
    return jnp.where(x > 0, x, neg)


@jax.custom_vjp
def _selu(x: Array) -> Array:
    return _SELU_LAMBDA * _negative_part(x, _SELU_ALPHA * jnp.expm1(jnp.minimum(x, 0)))


def _selu_fwd(x: Array) -> tuple[Array, tuple[Array, Array]]:
    y = _selu(x)
    return y, (x, y)


def _selu_bwd(res: tuple[Array, Array], g: Array) -> tuple[Array]:
    # MXNet's gradient for x <= 0 is lambda * (y + alpha), y already including lambda,
    # where the derivative is y + lambda * alpha.
    x, y = res
    return (g * jnp.where(x > 0, _SELU_LAMBDA, _SELU_LAMBDA * (y + _SELU_ALPHA)),)


_selu.defvjp(_selu_fwd, _selu_bwd)


def _leaky_relu(p: Params, inputs: list[Array], aux: list[Array], is_train: bool,
                key: Array) -> tuple[list[Array], list[Array]]:
    data = inputs[0]
    act = p.act_type
    if act == "prelu":
        gamma = inputs[1]
        if gamma.ndim != 1 or gamma.shape[0] not in (1, data.shape[1]):
            raise ValueError(f"gamma has shape {gamma.shape}, expected ({data.shape[1]},) "
                             f"or (1,) from data {data.shape}")
        return [_negative_part(data, _bcast(gamma, data.ndim, 1) * data)], []
    if act == "rrelu":
        # Training draws each slope uniformly from [lower, upper]; inference uses their
        # mean. The second output is the slopes (MXNet leaves it unset at inference).
        if is_train:
            slope = jax.random.uniform(key, data.shape, data.dtype, p.lower_bound,
                                       p.upper_bound)
        else:
            slope = jnp.full_like(data, (p.lower_bound + p.upper_bound) / 2)
        slope = lax.stop_gradient(slope)
        return [_negative_part(data, slope * data), slope], []
    if act == "elu":
        return [_negative_part(data, p.slope * jnp.expm1(jnp.minimum(data, 0)))], []
    if act == "selu":
        return [_selu(data)], []
    if act == "gelu":
        return [jax.nn.gelu(data, approximate=False)], []
    return [_negative_part(data, p.slope * data)], []


def _leaky_relu_output(p: Params, shapes: list[Shape]) -> list[Shape] | None:
    data = shapes[0]
    if p.act_type == "prelu" and (len(shapes[1]) != 1 or shapes[1][0] not in (1, data[1])):
        return None
    return [data, data] if p.act_type == "rrelu" else [data]


register(
    "LeakyReLU", _leaky_relu, infer_outputs=_leaky_relu_output,
    params={"act_type": Param(A.enum("elu", "gelu", "leaky", "prelu", "rrelu", "selu"),
                              "leaky", "activation function"),
            "slope": Param(A.parse_float, 0.25, "negative slope (leaky) or alpha (elu)"),
            "lower_bound": Param(A.parse_float, 0.125, "rrelu's lowest slope"),
            "upper_bound": Param(A.parse_float, 0.334, "rrelu's highest slope")},
    inputs=lambda p: ("data", "gamma") if p.act_type == "prelu" else ("data",),
    infer_inputs=_per_channel_infer(lambda p: 1),
    num_outputs=lambda p: 2 if p.act_type == "rrelu" else 1,
    output_names=lambda p: ["output", "mask"] if p.act_type == "rrelu" else ["output"],
    stateful=True, random=True,
    doc="Leaky rectifiers: leaky, prelu (learned per-channel slope gamma), elu, selu, "
        "gelu, rrelu.")


# -- Dropout ---------------------------------------------------------------------------
def _dropout(p: Params, inputs: list[Array], aux: list[Array], is_train: bool,
             key: Array) -> tuple[list[Array], list[Array]]:
    (data,) = inputs
    if p.p == 0 or not (is_train or p.mode == "always"):
        return [data], []
    mask_shape = list(data.shape)
    for ax in p.axes:
        mask_shape[_axis(ax, data.ndim)] = 1
    keep = jax.random.bernoulli(key, 1.0 - p.p, tuple(mask_shape))
    return [jnp.where(keep, data / (1.0 - p.p), jnp.zeros_like(data))], []


register(
    "Dropout", _dropout,
    params={"p": Param(A.parse_float, 0.5, "fraction of the input that gets dropped"),
            "mode": Param(A.enum("training", "always"), "training", "when to drop"),
            "axes": Param(A.parse_shape, (), "axes sharing one mask"),
            "cudnn_off": Param(A.optional(A.parse_bool), False, "ignored")},
    stateful=True, random=True, hidden_outputs=1, infer_outputs=first_shape_output,
    doc="Randomly zeroes inputs in training, scaling the rest by 1/(1-p).")


# -- Embedding --------------------------------------------------------------------------
_EMBED_DTYPES = ("bfloat16", "float16", "float32", "float64", "int32", "int64", "int8",
                 "uint8")


def _embedding(p: Params, data: Array, weight: Array) -> Array:
    _check_shape("weight", weight.shape, (p.input_dim, p.output_dim), data.shape)
    # MXNet clips out-of-range indices; the data gets no gradient.
    idx = lax.stop_gradient(data).astype(jnp.int32)
    return jnp.take(weight, idx, axis=0, mode="clip")


register(
    "Embedding", _embedding,
    params={"input_dim": Param(A.parse_int, REQUIRED, "vocabulary size"),
            "output_dim": Param(A.parse_int, REQUIRED, "embedding size"),
            "dtype": Param(A.enum(*_EMBED_DTYPES), "float32", "weight and output dtype"),
            "sparse_grad": Param(A.parse_bool, False,
                                 "MXNet's row_sparse gradient; jaxsym's is dense")},
    inputs=("data", "weight"),
    infer_inputs=lambda p, s: [s[0], s[1] or (p.input_dim, p.output_dim)],
    infer_dtype=lambda p, dtypes: np.dtype(p.dtype),
    doc="Look up rows of weight (input_dim, output_dim) at integer-valued data.")


# -- UpSampling -------------------------------------------------------------------------
def _upsampling(p: Params, *arrays: Array) -> Array:
    if p.sample_type != "nearest":
        raise ValueError("sample_type='bilinear' is not supported by jaxsym; use "
                         "Deconvolution with a bilinear kernel")
    first = arrays[0]
    size = (first.shape[2] * p.scale, first.shape[3] * p.scale)
    outs = []
    for i, x in enumerate(arrays):
        if x.ndim != 4 or size[0] % x.shape[2] or size[1] % x.shape[3] or \
                size[0] // x.shape[2] != size[1] // x.shape[3]:
            raise ValueError(f"input {i} of shape {x.shape} cannot be scaled to {size}")
        k = size[0] // x.shape[2]
        outs.append(jnp.repeat(jnp.repeat(x, k, axis=2), k, axis=3))
    if p.multi_input_mode == "sum":
        for i in range(1, len(arrays)):
            _check_shape(f"input {i}", arrays[i].shape[:2], first.shape[:2], first.shape)
        return sum(outs[1:], outs[0])
    return jnp.concatenate(outs, axis=1)


register(
    "UpSampling", _upsampling, variadic="num_args",
    params={"scale": Param(A.parse_int, REQUIRED, "upsampling factor"),
            "num_filter": Param(A.parse_int, 0, "bilinear only: channels"),
            "sample_type": Param(A.enum("nearest", "bilinear"), REQUIRED, "method"),
            "multi_input_mode": Param(A.enum("concat", "sum"), "concat",
                                      "how several inputs are combined"),
            "num_args": Param(A.parse_int, REQUIRED, "number of inputs"),
            "workspace": Param(A.parse_int, 512, "ignored")},
    doc="Nearest-neighbour upsampling of NCHW inputs to the first input's size x scale.")


# -- softmax family --------------------------------------------------------------------------
_SOFTMAX_PARAMS = {
    "axis": Param(A.parse_int, -1, "axis to normalise over"),
    "temperature": Param(A.optional(A.parse_float), None, "divide the input by this"),
    "dtype": Param(A.optional(A.enum("float16", "float32", "float64")), None,
                   "output dtype (the input's by default)"),
    "use_length": Param(A.optional(A.parse_bool), False,
                        "mask entries at or past `length` along axis"),
}


def _softmax_fn(log: bool):
    def forward(p: Params, data: Array, length: Array | None = None) -> Array:
        if log and p.use_length:
            # MXNet's log_softmax has no `length` input, so use_length fails its checks.
            raise ValueError("log_softmax has no `length` input; use_length must be False")
        axis = _axis(p.axis, data.ndim)
        x = data.astype(p.dtype) if p.dtype else data
        if p.temperature is not None:
            x = x / p.temperature
        if length is None:
            return jax.nn.log_softmax(x, axis=axis) if log else jax.nn.softmax(x, axis=axis)
        _check_shape("length", length.shape, data.shape[:axis] + data.shape[axis + 1:],
                     data.shape)
        pos = lax.broadcasted_iota(jnp.int32, x.shape, axis)
        valid = pos < jnp.expand_dims(lax.stop_gradient(length).astype(jnp.int32), axis)
        out = jax.nn.softmax(x, axis=axis, where=valid)
        return jnp.where(valid, out, jnp.zeros_like(out))
    return forward


def _softmax_output(p: Params, shapes: list[Shape]) -> list[Shape] | None:
    _axis(p.axis, len(shapes[0]))
    return None if p.use_length else [shapes[0]]


for _name, _log in (("softmax", False), ("log_softmax", True)):
    register(
        _name, _softmax_fn(_log), params=_SOFTMAX_PARAMS,
        inputs=(lambda p: ("data",)) if _log else
        (lambda p: ("data", "length") if p.use_length else ("data",)),
        infer_dtype=lambda p, dtypes: np.dtype(p.dtype) if p.dtype else dtypes[0],
        infer_outputs=_softmax_output,
        doc=f"{'Log-s' if _log else 'S'}oftmax along `axis`, optionally with temperature.")


@partial(jax.custom_vjp, nondiff_argnums=(0,))
def _softmax_activation(p: Params, data: Array) -> Array:
    return jax.nn.softmax(data, axis=1 if p.mode == "channel" else -1)


def _softmax_activation_fwd(p: Params, data: Array) -> tuple[Array, Array]:
    out = _softmax_activation(p, data)
    return out, out


def _softmax_activation_bwd(p: Params, out: Array, g: Array) -> tuple[Array]:
    # MXNet's backward uses the channel (axis 1) formula in both modes, so for 'instance'
    # on data of rank > 2 it is not the derivative of the last-axis forward.
    return (out * (g - jnp.sum(g * out, axis=1, keepdims=True)),)


_softmax_activation.defvjp(_softmax_activation_fwd, _softmax_activation_bwd)


register(
    "SoftmaxActivation", _softmax_activation,
    infer_outputs=lambda p, shapes: [shapes[0]] if len(shapes[0]) >= 2 else None,
    params={"mode": Param(A.enum("instance", "channel"), "instance",
                          "softmax over each instance or over the channel axis")},
    doc="Softmax over the last axis ('instance') or over axis 1 ('channel').")
