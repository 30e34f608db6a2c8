"""Neural-network layers: FullyConnected, Convolution, Pooling, BatchNorm, Activation, Dropout."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from . import attrs as A
from .registry import REQUIRED, Param, Params, register

Array = jax.Array
Shape = tuple[int, ...]


# -- FullyConnected -----------------------------------------------------------------
def _fc_inputs(p: Params) -> tuple[str, ...]:
    return ("data", "weight") if p.no_bias else ("data", "weight", "bias")


def _fc_infer(p: Params, shapes: list[Shape | None]) -> list[Shape | None]:
    data = shapes[0]
    if data is None:
        return shapes
    in_units = 1
    for d in (data[1:] if p.flatten else data[-1:]):
        in_units *= d
    out = [data, shapes[1] or (p.num_hidden, in_units)]
    if not p.no_bias:
        out.append(shapes[2] or (p.num_hidden,))
    return out


def _fully_connected(p: Params, data: Array, weight: Array, bias: Array | None = None) -> Array:
    x = data.reshape(data.shape[0], -1) if p.flatten else data
    if weight.shape != (p.num_hidden, x.shape[-1]):
        raise ValueError(f"weight has shape {weight.shape}, expected "
                         f"{(p.num_hidden, x.shape[-1])} from data {data.shape}")
    out = lax.dot_general(x, weight, (((x.ndim - 1,), (1,)), ((), ())))
    if bias is not None:
        out = out + bias.reshape((1,) * (out.ndim - 1) + (-1,))
    return out


register(
    "FullyConnected", _fully_connected,
    params={"num_hidden": Param(A.parse_int, REQUIRED, "number of hidden units"),
            "no_bias": Param(A.parse_bool, False, "whether to disable the bias"),
            "flatten": Param(A.parse_bool, True, "flatten all but the first axis")},
    inputs=_fc_inputs, infer_inputs=_fc_infer,
    doc="Affine layer: out = data @ weight.T + bias.")


# -- Activation -----------------------------------------------------------------------
ACTIVATIONS = {
    "relu": lambda x: jnp.maximum(x, jnp.zeros_like(x)),
    "sigmoid": jax.nn.sigmoid,
    "tanh": jnp.tanh,
    "softrelu": jax.nn.softplus,
    "softsign": lambda x: x / (1 + jnp.abs(x)),
    "log_sigmoid": jax.nn.log_sigmoid,
    "mish": lambda x: x * jnp.tanh(jax.nn.softplus(x)),
}

register(
    "Activation", lambda p, data: ACTIVATIONS[p.act_type](data),
    params={"act_type": Param(A.enum(*ACTIVATIONS), REQUIRED, "activation function")},
    doc="Elementwise activation function.")


# -- BatchNorm ---------------------------------------------------------------------------
def _bn_infer(p: Params, shapes: list[Shape | None]) -> list[Shape | None]:
    data = shapes[0]
    if data is None:
        return shapes
    channels = (data[p.axis % len(data)],)
    return [data] + [s or channels for s in shapes[1:]]


def _batch_norm(p: Params, inputs: list[Array], aux: list[Array], is_train: bool,
                key: Array) -> tuple[list[Array], list[Array]]:
    data, gamma, beta = inputs
    moving_mean, moving_var = aux
    axis = p.axis % data.ndim
    reduce_axes = tuple(i for i in range(data.ndim) if i != axis)
    bshape = [1] * data.ndim
    bshape[axis] = data.shape[axis]
    if p.fix_gamma:
        # MXNet treats gamma as 1 and gives it a zero gradient.
        gamma = jnp.ones_like(gamma) + 0 * lax.stop_gradient(gamma)
    if is_train and not p.use_global_stats:
        mean = jnp.mean(data, axis=reduce_axes)
        var = jnp.mean(jnp.square(data - mean.reshape(bshape)), axis=reduce_axes)
        new_aux = [moving_mean * p.momentum + lax.stop_gradient(mean) * (1 - p.momentum),
                   moving_var * p.momentum + lax.stop_gradient(var) * (1 - p.momentum)]
    else:
        mean, var = moving_mean, moving_var
        new_aux = [moving_mean, moving_var]
    inv_std = lax.rsqrt(var + p.eps)
    out = (data - mean.reshape(bshape)) * (inv_std * gamma).reshape(bshape) + beta.reshape(bshape)
    outs = [out, mean, var] if p.output_mean_var else [out]
    return outs, new_aux


register(
    "BatchNorm", _batch_norm,
    params={"eps": Param(A.parse_float, 1e-3, "epsilon added to the variance"),
            "momentum": Param(A.parse_float, 0.9, "moving-average momentum"),
            "fix_gamma": Param(A.parse_bool, True, "treat gamma as 1, with zero gradient"),
            "use_global_stats": Param(A.parse_bool, False, "use moving stats in training"),
            "output_mean_var": Param(A.parse_bool, False, "also output mean and var"),
            "axis": Param(A.parse_int, 1, "channel axis"),
            "cudnn_off": Param(A.parse_bool, False, "ignored"),
            "min_calib_range": Param(A.optional(A.parse_float), None, "ignored"),
            "max_calib_range": Param(A.optional(A.parse_float), None, "ignored")},
    inputs=("data", "gamma", "beta"), aux=("moving_mean", "moving_var"),
    num_outputs=lambda p: 3 if p.output_mean_var else 1,
    output_names=lambda p: ["output", "mean", "var"] if p.output_mean_var else ["output"],
    infer_inputs=_bn_infer, stateful=True,
    doc="Batch normalization with moving statistics as auxiliary states.")


# -- Dropout --------------------------------------------------------------------------------
def _dropout(p: Params, inputs: list[Array], aux: list[Array], is_train: bool,
             key: Array) -> tuple[list[Array], list[Array]]:
    (data,) = inputs
    if p.p == 0 or not (is_train or p.mode == "always"):
        return [data], []
    mask_shape = list(data.shape)
    for ax in p.axes:
        mask_shape[ax] = 1
    keep = jax.random.bernoulli(key, 1.0 - p.p, tuple(mask_shape))
    return [jnp.where(keep, data / (1.0 - p.p), jnp.zeros_like(data))], []


register(
    "Dropout", _dropout,
    params={"p": Param(A.parse_float, 0.5, "fraction of the input that gets dropped"),
            "mode": Param(A.enum("training", "always"), "training", "when to drop"),
            "axes": Param(A.parse_shape, (), "axes sharing one mask"),
            "cudnn_off": Param(A.optional(A.parse_bool), False, "ignored")},
    stateful=True, random=True, doc="Randomly zeroes inputs in training, scaling the rest by 1/(1-p).")


# -- Convolution ------------------------------------------------------------------------------
_CONV_PARAMS = {
    "kernel": Param(A.parse_shape, REQUIRED, "kernel size"),
    "stride": Param(A.parse_shape, (), "stride, default 1 per axis"),
    "dilate": Param(A.parse_shape, (), "dilation, default 1 per axis"),
    "pad": Param(A.parse_shape, (), "zero padding per axis, default 0"),
    "num_filter": Param(A.parse_int, REQUIRED, "number of output channels"),
    "num_group": Param(A.parse_int, 1, "number of groups"),
    "workspace": Param(A.parse_int, 1024, "ignored"),
    "no_bias": Param(A.parse_bool, False, "whether to disable the bias"),
    "cudnn_tune": Param(A.optional(A.enum("off", "limited_workspace", "fastest")), None,
                        "ignored"),
    "cudnn_off": Param(A.parse_bool, False, "ignored"),
    "layout": Param(A.optional(A.enum("NCW", "NCHW", "NCDHW", "NWC", "NHWC", "NDHWC")),
                    None, "data layout (channel-first by default)"),
}


def _conv_geometry(p: Params) -> tuple[Shape, Shape, Shape]:
    n = len(p.kernel)
    return (p.stride or (1,) * n, p.dilate or (1,) * n, p.pad or (0,) * n)


def _conv_inputs(p: Params) -> tuple[str, ...]:
    return ("data", "weight") if p.no_bias else ("data", "weight", "bias")


def _conv_infer(p: Params, shapes: list[Shape | None]) -> list[Shape | None]:
    data = shapes[0]
    if data is None:
        return shapes
    channels = data[1]
    out = [data, shapes[1] or (p.num_filter, channels // p.num_group, *p.kernel)]
    if not p.no_bias:
        out.append(shapes[2] or (p.num_filter,))
    return out


def _spatial_dims(n: int) -> str:
    return "DHW"[3 - n:] if n <= 3 else ""


def _convolution(p: Params, data: Array, weight: Array, bias: Array | None = None) -> Array:
    n = len(p.kernel)
    if data.ndim != n + 2:
        raise ValueError(f"data must be {n + 2}-D for a {n}-D kernel {p.kernel}, "
                         f"got shape {data.shape}")
    expected = (p.num_filter, data.shape[1] // p.num_group, *p.kernel)
    if weight.shape != expected:
        raise ValueError(f"weight has shape {weight.shape}, expected {expected} "
                         f"from data {data.shape}")
    stride, dilate, pad = _conv_geometry(p)
    sp = _spatial_dims(n)
    out = lax.conv_general_dilated(
        data, weight, window_strides=stride, padding=[(q, q) for q in pad],
        rhs_dilation=dilate, dimension_numbers=("NC" + sp, "OI" + sp, "NC" + sp),
        feature_group_count=p.num_group)
    if bias is not None:
        out = out + bias.reshape((1, -1) + (1,) * n)
    return out


register("Convolution", _convolution, params=_CONV_PARAMS, inputs=_conv_inputs,
         infer_inputs=_conv_infer, doc="N-D convolution over channel-first data.")


# -- Pooling ---------------------------------------------------------------------------------------
def _pool_out_size(size: int, k: int, s: int, pad: int, convention: str) -> int:
    if convention == "full":
        return -(-(size + 2 * pad - k) // s) + 1
    if convention == "same":
        return -(-size // s)
    return (size + 2 * pad - k) // s + 1


def _pooling(p: Params, data: Array) -> Array:
    n = data.ndim - 2
    if p.global_pool:
        axes = tuple(range(2, data.ndim))
        if p.pool_type == "max":
            return jnp.max(data, axis=axes, keepdims=True)
        if p.pool_type == "sum":
            return jnp.sum(data, axis=axes, keepdims=True)
        return jnp.mean(data, axis=axes, keepdims=True)
    kernel = p.kernel
    stride = p.stride or (1,) * n
    pad = p.pad or (0,) * n
    if len(kernel) != n:
        raise ValueError(f"kernel {kernel} does not match {n}-D spatial data {data.shape}")
    spatial = data.shape[2:]
    out_sizes = [_pool_out_size(spatial[i], kernel[i], stride[i], pad[i],
                                p.pooling_convention) for i in range(n)]
    # Extra right padding so the windows 'full'/'same' conventions ask for exist.
    pads = []
    for i in range(n):
        needed = (out_sizes[i] - 1) * stride[i] + kernel[i] - spatial[i] - pad[i]
        pads.append((pad[i], max(needed, pad[i])))
    window = (1, 1) + tuple(kernel)
    strides = (1, 1) + tuple(stride)
    padding = ((0, 0), (0, 0)) + tuple(pads)
    tiled = tuple(kernel) == tuple(stride) and not any(pad) and all(
        spatial[i] == out_sizes[i] * kernel[i] for i in range(n))
    if tiled and p.pool_type in ("max", "sum", "avg"):
        # Non-overlapping windows as reshape + reduce: XLA's gradient of a max
        # reduce_window is several times slower on CPU.
        split = data.shape[:2] + tuple(d for i in range(n) for d in (out_sizes[i], kernel[i]))
        axes = tuple(3 + 2 * i for i in range(n))
        blocks = data.reshape(split)
        if p.pool_type == "max":
            return jnp.max(blocks, axis=axes)
        summed = jnp.sum(blocks, axis=axes)
        return summed if p.pool_type == "sum" else summed / float(np.prod(kernel))
    zero = np.array(0, data.dtype)
    if p.pool_type == "max":
        init = np.array(-np.inf, data.dtype)
        return lax.reduce_window(data, init, lax.max, window, strides, padding)
    summed = lax.reduce_window(data, zero, lax.add, window, strides, padding)
    if p.pool_type == "sum":
        return summed
    if p.count_include_pad in (None, True):
        # MXNet divides by the window clipped to the padded input, not the full kernel.
        ones = jnp.ones((1, 1) + spatial, data.dtype)
        padded_ones = jnp.pad(ones, ((0, 0), (0, 0)) + tuple((q, q) for q in pad),
                              constant_values=1)
        extra = ((0, 0), (0, 0)) + tuple((0, r - q) for q, (_, r) in zip(pad, pads))
        counts = lax.reduce_window(padded_ones, zero, lax.add, window, strides, extra)
    else:
        ones = jnp.ones((1, 1) + spatial, data.dtype)
        counts = lax.reduce_window(ones, zero, lax.add, window, strides, padding)
    return summed / counts


register(
    "Pooling", _pooling,
    params={"kernel": Param(A.parse_shape, (), "pooling window"),
            "pool_type": Param(A.enum("max", "avg", "sum", "lp"), "max", "pooling type"),
            "global_pool": Param(A.parse_bool, False, "pool over the whole spatial extent"),
            "cudnn_off": Param(A.parse_bool, False, "ignored"),
            "pooling_convention": Param(A.enum("valid", "full", "same"), "valid",
                                        "how the output size is rounded"),
            "stride": Param(A.parse_shape, (), "stride, default 1 per axis"),
            "pad": Param(A.parse_shape, (), "zero padding per axis"),
            "p_value": Param(A.optional(A.parse_int), None, "power for lp pooling"),
            "count_include_pad": Param(A.optional(A.parse_bool), None,
                                       "count padding in avg pooling"),
            "layout": Param(A.optional(A.parse_str), None, "data layout")},
    doc="Max/avg/sum pooling over channel-first data.")
