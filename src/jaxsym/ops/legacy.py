"""Legacy and detection-era ops that old model zoos still name: the deprecated `*_v1`
layers, Crop, ROIPooling, GroupNorm and the SVM loss layer.

The `_v1` ops reuse the current ops' code (nn.py) and reproduce only where MXNet's old
kernels differ: the parameters they accept, zero padding in Pooling_v1, the variance
output of BatchNorm_v1.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from . import attrs as A
from .nn import _bcast, _check_shape, _moments, batch_norm_core, pool
from .output import loss_layer
from .registry import REQUIRED, Param, Params, get, register

Array = jax.Array
Shape = tuple[int, ...]


def _kernel_2d_or_3d(value: Any) -> Shape:
    """The v1 ops' kernel: MXNet rejects other ranks when the symbol is built."""
    kernel = A.parse_shape(value)
    if len(kernel) not in (2, 3):
        raise ValueError(f"{len(kernel)}D kernel {kernel} not supported (2D or 3D)")
    return kernel


def _fraction(value: Any) -> float:
    """A float MXNet bounds to [0, 1]."""
    number = A.parse_float(value)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"value {number} exceeds the bound [0, 1]")
    return number


def _only_2d(p: Params) -> None:
    # MXNet 1.9.1 accepts 3-D kernels when building the symbol, then fails in forward.
    if len(p.kernel) != 2:
        raise ValueError(f"kernel={p.kernel}: 3D is not implemented in MXNet's v1 kernels")


# -- Convolution_v1 ----------------------------------------------------------------------
_CONV = get("Convolution")


def _convolution_v1(p: Params, data: Array, weight: Array, bias: Array | None = None
                    ) -> Array:
    _only_2d(p)
    if p.layout not in (None, "NCHW"):
        raise ValueError(f"layout={p.layout}: only NCHW and NCDHW are supported")
    args = (data, weight) if bias is None else (data, weight, bias)
    return _CONV.forward(p, *args)


register(
    "Convolution_v1", _convolution_v1,
    params={**_CONV.params,
            "kernel": Param(_kernel_2d_or_3d, REQUIRED, "kernel size: (h, w)"),
            "layout": Param(A.optional(A.enum("NCDHW", "NCHW", "NDHWC", "NHWC")), None,
                            "data layout; only NCHW runs")},
    inputs=_CONV.inputs, infer_inputs=_CONV.infer_inputs,
    doc="Deprecated 2-D convolution, computed as Convolution.")


# -- Pooling_v1 --------------------------------------------------------------------------
_POOL = get("Pooling")


def _pool_kernel(value: Any) -> Shape:
    """MXNet builds a Pooling_v1 with a 1-D kernel (it fails later), not a 4-D one."""
    kernel = A.parse_shape(value)
    if len(kernel) > 3:
        raise ValueError(f"{len(kernel)}D pooling not supported (2D or 3D)")
    return kernel


def _pooling_v1(p: Params, data: Array) -> Array:
    if not p.global_pool:
        if not p.kernel:
            raise ValueError("0D pooling not supported: give kernel or global_pool=True")
        if len(p.kernel) == 1:
            raise ValueError(f"kernel={p.kernel}: Pooling_v1 pools 2-D maps only")
        _only_2d(p)
    if data.ndim != 4:
        raise ValueError(f"Pooling_v1 needs 4-D (batch, channel, y, x) data, got {data.shape}")
    if p.global_pool:
        pad: Shape = (0, 0)
        kernel = data.shape[2:]
    else:
        pad = p.pad or (0, 0)
        kernel = p.kernel
        for name, value in (("stride", p.stride), ("pad", p.pad)):
            if value and len(value) != 2:
                raise ValueError(f"{name}={value} and kernel={p.kernel} differ in length")
    # MXNet's v1 kernel pads with zeros, so padded cells take part in max pooling, and
    # avg pooling always divides by the whole window, even where 'full' clips it.
    padded = jnp.pad(data, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    current = _POOL.parse_params(
        {"kernel": p.kernel, "global_pool": p.global_pool, "stride": p.stride,
         "pool_type": "max" if p.pool_type == "max" else "sum",
         "pooling_convention": p.pooling_convention}, "Pooling_v1")
    out = pool(current, padded)
    return out / float(kernel[0] * kernel[1]) if p.pool_type == "avg" else out


register(
    "Pooling_v1", _pooling_v1,
    params={"kernel": Param(_pool_kernel, (), "pooling window: (y, x)"),
            "pool_type": Param(A.enum("avg", "max", "sum"), "max", "pooling type"),
            "global_pool": Param(A.parse_bool, False, "pool over the whole spatial extent"),
            "pooling_convention": Param(A.enum("full", "valid"), "valid",
                                        "output size rounding: valid floors, full ceils"),
            "stride": Param(A.parse_shape, (), "stride, default 1 per axis"),
            "pad": Param(A.parse_shape, (), "zero padding per axis")},
    doc="Deprecated 2-D pooling: zero padding, avg divides by the whole window.")


# -- BatchNorm_v1 ------------------------------------------------------------------------
def _batch_norm_v1(p: Params, inputs: list[Array], aux: list[Array], is_train: bool,
                   key: Array) -> tuple[list[Array], list[Array]]:
    if inputs[0].ndim < 2:
        raise ValueError(f"BatchNorm_v1 needs data of rank >= 2, got {inputs[0].shape}")
    out, mean, var, _, new_aux = batch_norm_core(p, inputs, aux, is_train, 1)
    if not p.output_mean_var:
        return [out], new_aux
    # Unlike BatchNorm, the 'var' output is the variance itself.
    return [out, lax.stop_gradient(mean), lax.stop_gradient(var)], new_aux


def _channel_vectors(p: Params, shapes: list[Shape | None]) -> list[Shape | None]:
    data = shapes[0]
    if data is None:
        return shapes
    return [data] + [s or (data[1],) for s in shapes[1:]]


register(
    "BatchNorm_v1", _batch_norm_v1,
    params={"eps": Param(A.parse_float, 1e-3, "epsilon added to the variance"),
            "momentum": Param(A.parse_float, 0.9, "moving-average momentum"),
            "fix_gamma": Param(A.parse_bool, True, "treat gamma as 1, with zero gradient"),
            "use_global_stats": Param(A.parse_bool, False, "use moving stats in training"),
            "output_mean_var": Param(A.parse_bool, False,
                                     "also output the mean and the variance")},
    inputs=("data", "gamma", "beta"), aux=("moving_mean", "moving_var"),
    num_outputs=lambda p: 3 if p.output_mean_var else 1,
    hidden_outputs=lambda p: 0 if p.output_mean_var else 2,
    output_names=lambda p: ["output", "mean", "var"] if p.output_mean_var else ["output"],
    infer_inputs=_channel_vectors, stateful=True,
    fixed_inputs=lambda p: {"gamma": 1.0} if p.fix_gamma else {},
    doc="Deprecated batch normalization over axis 1; its 'var' output is the variance.")


# -- Crop --------------------------------------------------------------------------------
def _crop(p: Params, *arrays: Array) -> Array:
    data = arrays[0]
    if p.num_args not in (1, 2):
        raise ValueError(f"num_args={p.num_args}: Crop takes data and at most one crop_like")
    if data.ndim != 4:
        raise ValueError(f"Crop needs 4-D (batch, channel, y, x) data, got {data.shape}")
    height, width = data.shape[2:]
    if p.num_args == 2:
        like = arrays[1]
        if like.ndim < 4:
            raise ValueError(f"crop_like must be 4-D, got {like.shape}")
        h, w = like.shape[2:4]
    else:
        h, w = p.h_w
        if not (1 <= h <= height and 1 <= w <= width):
            raise ValueError(f"h_w={p.h_w} must lie between (1, 1) and the data's "
                             f"{(height, width)}")
    if h > height or w > width:
        raise ValueError(f"crop size {(h, w)} is larger than the data's {(height, width)}")
    if p.center_crop:
        top, left = (height - h) // 2, (width - w) // 2
    else:
        top, left = p.offset
        if not (0 <= top <= height - h and 0 <= left <= width - w):
            raise ValueError(f"offset={p.offset} leaves no room for a {(h, w)} crop of "
                             f"{(height, width)}")
    # crop_like only lends its shape: MXNet gives it a zero gradient.
    return lax.slice(data, (0, 0, top, left), (data.shape[0], data.shape[1], top + h, left + w))


register(
    "Crop", _crop, variadic="num_args",
    params={"num_args": Param(A.parse_int, REQUIRED, "1 (crop to h_w) or 2 (crop_like)"),
            "offset": Param(A.parse_shape, (0, 0), "crop offset (y, x)"),
            "h_w": Param(A.parse_shape, (0, 0), "crop height and width with one input"),
            "center_crop": Param(A.parse_bool, False, "crop the centre, ignoring offset")},
    doc="Crop the spatial axes of NCHW data to h_w, or to a second input's size.")


# -- ROIPooling --------------------------------------------------------------------------
def _round_half_away(x: Array) -> Array:
    """C's round(), which MXNet applies to the scaled ROI corners (jnp.round is
    half-to-even)."""
    return jnp.sign(x) * jnp.floor(jnp.abs(x) + 0.5)


def _roi_bins(start: Array, end: Array, pooled: int, size: int) -> tuple[Array, Array]:
    """One ROI's [first, last) cells of each bin along one axis, as MXNet computes them:
    a malformed ROI counts as one cell; bin edges are floor/ceil of float32 multiples of
    the bin size, clipped to the feature map."""
    extent = jnp.maximum(end - start + 1, 1).astype(jnp.float32)
    bin_size = extent / np.float32(pooled)
    index = jnp.arange(pooled, dtype=jnp.float32)
    first = jnp.floor(index * bin_size).astype(jnp.int32) + start
    last = jnp.ceil((index + 1) * bin_size).astype(jnp.int32) + start
    return jnp.clip(first, 0, size), jnp.clip(last, 0, size)


def _masked_first_max(values: Array, mask: Array) -> tuple[Array, Array]:
    """Max over the last axis where `mask`, and the first index holding it."""
    masked = jnp.where(mask, values, -jnp.inf)
    return jnp.max(masked, axis=-1), jnp.argmax(masked, axis=-1)


def _roi_pool_one(p: Params, data: Array, roi: Array) -> tuple[Array, Array, Array]:
    """One ROI's (output, flat argmax index into data, empty-bin mask), (C, PH, PW) each."""
    n, channels, height, width = data.shape
    ph, pw = p.pooled_size
    batch = jnp.clip(roi[0].astype(jnp.int32), 0, n - 1)
    corners = _round_half_away(roi[1:].astype(jnp.float32) * np.float32(p.spatial_scale))
    x0, y0, x1, y1 = (corners[i].astype(jnp.int32) for i in range(4))
    h_first, h_last = _roi_bins(y0, y1, ph, height)
    w_first, w_last = _roi_bins(x0, x1, pw, width)
    rows, cols = jnp.arange(height), jnp.arange(width)
    h_mask = (rows >= h_first[:, None]) & (rows < h_last[:, None])  # (PH, H)
    w_mask = (cols >= w_first[:, None]) & (cols < w_last[:, None])  # (PW, W)
    x = lax.dynamic_index_in_dim(data, batch, keepdims=False)  # (C, H, W)
    # Max pooling over a rectangle is separable: along each row's bin first, then over
    # the rows. Taking the first maximum both times picks MXNet's row-major first one.
    row_max, row_arg = _masked_first_max(x[:, :, None, :], w_mask)  # (C, H, PW)
    row_max, row_arg = jnp.swapaxes(row_max, 1, 2), jnp.swapaxes(row_arg, 1, 2)  # (C,PW,H)
    out, h_best = _masked_first_max(row_max[:, None], h_mask[:, None])  # (C, PH, PW)
    w_best = jnp.take_along_axis(row_arg[:, None], h_best[..., None], axis=-1)[..., 0]
    empty = (h_last <= h_first)[:, None] | (w_last <= w_first)[None, :]  # (PH, PW)
    out = jnp.where(empty, jnp.zeros_like(out), out)
    plane = (batch * channels + jnp.arange(channels)) * height
    flat = (plane[:, None, None] + h_best) * width + w_best
    return out.astype(data.dtype), flat, jnp.broadcast_to(empty, out.shape)


def _roi_pool_argmax(p: Params, data: Array, rois: Array) -> tuple[Array, Array, Array]:
    """`_roi_pool_one` over every ROI, (R, C, PH, PW) each, a batch of ROIs at a time:
    all at once, a detector's few hundred ROIs over a large feature map would need
    gigabytes for the row maxima."""
    _, channels, height, width = data.shape
    per_roi = channels * height * width * p.pooled_size[1]
    batch_size = max(1, min(rois.shape[0], (1 << 24) // per_roi))
    return lax.map(partial(_roi_pool_one, p, data), rois, batch_size=batch_size)


@partial(jax.custom_vjp, nondiff_argnums=(0,))
def _roi_pool(p: Params, data: Array, rois: Array) -> Array:
    return _roi_pool_argmax(p, data, rois)[0]


def _roi_pool_fwd(p: Params, data: Array, rois: Array):
    out, flat, empty = _roi_pool_argmax(p, data, rois)
    return out, (flat, empty, data.shape, rois)


def _roi_pool_bwd(p: Params, residual: Any, g: Array) -> tuple[Array, Array]:
    # Each bin's gradient goes to its one argmax cell; empty bins pass none, and MXNet
    # gives the ROIs a zero gradient.
    flat, empty, shape, rois = residual
    g = jnp.where(empty, jnp.zeros_like(g), g)
    size = int(np.prod(shape))
    d_data = jnp.zeros((size,), g.dtype).at[flat.reshape(-1)].add(g.reshape(-1))
    return d_data.reshape(shape), jnp.zeros_like(rois)


_roi_pool.defvjp(_roi_pool_fwd, _roi_pool_bwd)


def _roi_pooling(p: Params, data: Array, rois: Array) -> Array:
    if data.ndim != 4:
        raise ValueError(f"data must be 4-D (batch, channel, y, x), got {data.shape}")
    if rois.ndim != 2 or rois.shape[1] != 5:
        raise ValueError(f"rois must be (num_rois, 5): [batch_index, x1, y1, x2, y2], "
                         f"got {rois.shape}")
    if len(p.pooled_size) != 2 or min(p.pooled_size) < 1:
        raise ValueError(f"pooled_size={p.pooled_size} must be two positive sizes")
    return _roi_pool(p, data, rois)


register(
    "ROIPooling", _roi_pooling,
    params={"pooled_size": Param(A.parse_shape, REQUIRED, "output (height, width)"),
            "spatial_scale": Param(_fraction, REQUIRED,
                                   "ratio of the feature map to the ROI coordinates")},
    inputs=("data", "rois"), hidden_outputs=1,
    doc="Max-pool each region of interest of NCHW data to pooled_size.")


# -- GroupNorm ---------------------------------------------------------------------------
def _group_norm(p: Params, data: Array, gamma: Array, beta: Array):
    groups = p.num_groups
    if data.ndim < 3:
        raise ValueError(f"GroupNorm needs data of rank >= 3, got {data.shape}")
    if groups < 1 or data.shape[1] % groups:
        raise ValueError(f"num_groups={groups} must divide the channels of data {data.shape}")
    # MXNet 1.9.1 keeps one gamma and one beta per group, not per channel.
    _check_shape("gamma", gamma.shape, (groups,), data.shape)
    _check_shape("beta", beta.shape, (groups,), data.shape)
    grouped = data.reshape(data.shape[0], groups, -1)
    mean, var = _moments(grouped, (2,))
    std = jnp.sqrt(var + p.eps)
    out = (grouped - mean) / std * _bcast(gamma, 3, 1) + _bcast(beta, 3, 1)
    out = out.reshape(data.shape)
    if not p.output_mean_var:
        return out
    # As LayerNorm's, the mean and std outputs pass no gradient back.
    return out, lax.stop_gradient(mean[..., 0]), lax.stop_gradient(std[..., 0])


register(
    "GroupNorm", _group_norm,
    params={"num_groups": Param(A.parse_int, 1, "number of channel groups"),
            "eps": Param(A.parse_float, 1e-5, "epsilon added to the variance"),
            "output_mean_var": Param(A.parse_bool, False,
                                     "also output the mean and std, (batch, num_groups)")},
    inputs=("data", "gamma", "beta"),
    infer_inputs=lambda p, s: s if s[0] is None else [s[0]] + [x or (p.num_groups,)
                                                           for x in s[1:]],
    num_outputs=lambda p: 3 if p.output_mean_var else 1,
    hidden_outputs=lambda p: 0 if p.output_mean_var else 2,
    output_names=lambda p: ["output", "mean", "std"] if p.output_mean_var else ["output"],
    doc="Normalise each group of channels per instance, then scale and shift per group.")


# -- SVMOutput ---------------------------------------------------------------------------
def _svm_grad(p: Params, data: Array, label: Array) -> Array:
    """MXNet's hinge gradient over data's last axis (the classes): the true class is
    pushed above margin and every other class below -margin; L1 (use_linear) gives
    unit steps, L2 twice the violation."""
    x = data.reshape(-1, data.shape[-1])
    target = jax.nn.one_hot(label.reshape(-1).astype(jnp.int32), x.shape[1], dtype=bool)
    # Distance below the margin, signed so that the true class is +x and others -x.
    signed = jnp.where(target, x, -x)
    violated = (p.margin > signed).astype(x.dtype)
    step = violated if p.use_linear else 2 * (p.margin - signed) * violated
    grad = jnp.where(target, -step, step) * p.regularization_coefficient
    return grad.reshape(data.shape)


def _svm_label_check(p: Params, data: Array, label: Array) -> None:
    if label.shape != data.shape[:-1]:
        raise ValueError(f"label has shape {label.shape}, expected {data.shape[:-1]} from "
                         f"data {data.shape}")


register(
    "SVMOutput", loss_layer(lambda p, data: data, _svm_grad, _svm_label_check),
    params={"margin": Param(A.parse_float, 1.0, "margin of the hinge loss"),
            "regularization_coefficient": Param(A.parse_float, 1.0, "scale of the gradient"),
            "use_linear": Param(A.parse_bool, False, "L1-SVM instead of L2-SVM")},
    inputs=("data", "label"), loss=True,
    infer_inputs=lambda p, s: s if s[0] is None else [s[0], s[1] or s[0][:-1]],
    doc="Identity forward; backward is the (L1 or L2) SVM hinge gradient.")


# -- CTCLoss -----------------------------------------------------------------------------
# Log-space stand-in for log(0): finite, so that sums and gradients stay free of inf/NaN.
_LOG_ZERO = -1e30


def _ctc_inputs(p: Params) -> tuple[str, ...]:
    return ("data", "label") + ("data_lengths",) * p.use_data_lengths + \
        ("label_lengths",) * p.use_label_lengths


def _ctc_loss(p: Params, data: Array, label: Array, *lengths: Array) -> Array:
    if data.ndim != 3:
        raise ValueError(f"data must be 3-D (sequence, batch, alphabet), got {data.shape}")
    steps, batch, alphabet = data.shape
    if label.ndim != 2 or label.shape[0] != batch:
        raise ValueError(f"label must be (batch, label_length) = ({batch}, L), got "
                         f"{label.shape}")
    for name, vec in zip([n for n in _ctc_inputs(p)[2:]], lengths):
        _check_shape(name, vec.shape, (batch,), data.shape)
    given = dict(zip(_ctc_inputs(p)[2:], (lax.stop_gradient(v) for v in lengths)))
    blank = 0 if p.blank_label == "first" else alphabet - 1
    labels = lax.stop_gradient(label).astype(jnp.int32)
    if "label_lengths" in given:
        label_len = given["label_lengths"].astype(jnp.int32)
    else:
        # Without label_lengths, a label ends at its first padding value: 0 when the
        # blank is first, -1 when it is last.
        pad = 0 if p.blank_label == "first" else -1
        label_len = jnp.sum(jnp.cumprod(labels != pad, axis=1), axis=1)
    data_len = given["data_lengths"].astype(jnp.int32) if "data_lengths" in given \
        else jnp.full((batch,), steps, jnp.int32)
    # The extended label: a blank before, between and after the symbols, (batch, 2L+1).
    ext = jnp.full((batch, 2 * label.shape[1] + 1), blank, jnp.int32)
    ext = ext.at[:, 1::2].set(jnp.clip(labels, 0, alphabet - 1))
    # A symbol may be reached by skipping the blank before it unless it repeats.
    skip = (ext != blank) & jnp.pad(ext[:, 2:] != ext[:, :-2], ((0, 0), (2, 0)))
    log_probs = jax.nn.log_softmax(data, axis=-1)
    # A one-hot product rather than a gather: its gradient compiles faster on CPU.
    emit = jnp.einsum("tnc,nsc->tns", log_probs, jax.nn.one_hot(ext, alphabet, dtype=data.dtype))
    log_zero = jnp.asarray(_LOG_ZERO, data.dtype)
    start = jnp.full(ext.shape, log_zero).at[:, :2].set(emit[0, :, :2])

    def step(alpha: Array, inputs: tuple[Array, Array]) -> tuple[Array, None]:
        t, emit_t = inputs
        prev1 = jnp.pad(alpha[:, :-1], ((0, 0), (1, 0)), constant_values=_LOG_ZERO)
        prev2 = jnp.pad(alpha[:, :-2], ((0, 0), (2, 0)), constant_values=_LOG_ZERO)
        prev2 = jnp.where(skip, prev2, log_zero)
        new = jnp.logaddexp(jnp.logaddexp(alpha, prev1), prev2) + emit_t
        # Past its data length a sequence keeps its alphas.
        return jnp.where((t < data_len)[:, None], new, alpha), None

    alpha, _ = lax.scan(step, start, (jnp.arange(1, steps), emit[1:]))
    positions = jnp.arange(ext.shape[1])
    last = jnp.sum(jnp.where(positions == 2 * label_len[:, None], alpha, 0), axis=1)
    before = jnp.sum(jnp.where(positions == 2 * label_len[:, None] - 1, alpha, 0), axis=1)
    loss = -jnp.where(label_len > 0, jnp.logaddexp(last, before), last)
    # A label needs a step per symbol plus one blank between repeats; MXNet reports a
    # loss of 0 for a sequence too short for its label (its gradient there is not
    # initialised; jaxsym's is 0).
    repeats = jnp.sum((labels[:, 1:] == labels[:, :-1])
                      & (jnp.arange(1, labels.shape[1]) < label_len[:, None]), axis=1)
    return jnp.where(label_len + repeats <= data_len, loss, jnp.zeros_like(loss))


register(
    "CTCLoss", _ctc_loss, aliases=("ctc_loss",),
    params={"use_data_lengths": Param(A.parse_bool, False, "take data_lengths as input"),
            "use_label_lengths": Param(A.parse_bool, False, "take label_lengths as input"),
            "blank_label": Param(A.enum("first", "last"), "first",
                                 "blank is class 0 (padding 0) or the last (padding -1)")},
    inputs=_ctc_inputs, hidden_outputs=1, output_names=lambda p: ["output0"],
    doc="Connectionist temporal classification loss per sequence of (T, N, C) data.")


# -- IdentityAttachKLSparseReg -----------------------------------------------------------
@jax.custom_vjp
def _attach_grad(data: Array, extra: Array) -> Array:
    """Identity whose gradient is the head gradient plus `extra` (which gets none)."""
    return data


def _attach_grad_fwd(data: Array, extra: Array) -> tuple[Array, Array]:
    return data, extra


def _attach_grad_bwd(extra: Array, g: Array) -> tuple[Array, Array]:
    return g + extra, jnp.zeros_like(extra)


_attach_grad.defvjp(_attach_grad_fwd, _attach_grad_bwd)


def _kl_sparse_reg(p: Params, inputs: list[Array], aux: list[Array], is_train: bool,
                   key: Array) -> tuple[list[Array], list[Array]]:
    (data,), (moving_avg,) = inputs, aux
    if data.ndim < 2:
        raise ValueError(f"data must have a channel axis 1, got {data.shape}")
    _check_shape("moving_avg", moving_avg.shape, (data.shape[1],), data.shape)
    if not is_train:
        return [data], [moving_avg]
    # MXNet's backward views data as 2-D with the last axis as units, and keeps one
    # average per channel (axis 1), so the two must agree; inference takes any data.
    if data.shape[-1] != data.shape[1]:
        raise ValueError(f"data {data.shape} must have as many units on its last axis as "
                         f"channels on axis 1")
    # MXNet updates the average in backward, then uses the updated one in the penalty's
    # gradient: the KL divergence between the target and the mean activation.
    flat = lax.stop_gradient(data).reshape(-1, data.shape[-1])
    new_avg = p.momentum * moving_avg + (1 - p.momentum) * jnp.mean(flat, axis=0)
    rho = p.sparseness_target
    penalty = p.penalty * (-rho / new_avg + (1 - rho) / (1 - new_avg))
    extra = jnp.broadcast_to(penalty, flat.shape).reshape(data.shape)
    return [_attach_grad(data, lax.stop_gradient(extra))], [new_avg]


register(
    "IdentityAttachKLSparseReg", _kl_sparse_reg,
    params={"sparseness_target": Param(_fraction, 0.1, "target mean activation"),
            "penalty": Param(A.parse_float, 0.001, "weight of the sparseness penalty"),
            "momentum": Param(_fraction, 0.9, "momentum of the moving average")},
    aux=("moving_avg",), stateful=True,
    infer_inputs=lambda p, s: s if s[0] is None else [s[0], s[1] or (s[0][1],)],
    doc="Identity whose gradient adds a KL sparseness penalty on the mean activation "
        "(pair with sigmoid outputs); moving_avg is updated in training.")


# -- Correlation -------------------------------------------------------------------------
def _abs_diff(a: Array, b: Array) -> Array:
    """|a - b| whose gradient at a == b is MXNet's (+1 for a, -1 for b), not 0."""
    diff = a - b
    return jnp.where(diff >= 0, diff, -diff)


def _correlation(p: Params, data1: Array, data2: Array) -> Array:
    # MXNet 1.9.1 only checks data2's spatial size, then reads it through buffers shaped
    # like data1 (garbage values otherwise): jaxsym requires one shape.
    if data1.ndim != 4 or data1.shape != data2.shape:
        raise ValueError(f"data1 {data1.shape} and data2 {data2.shape} must be 4-D NCHW "
                         "arrays of one shape")
    if p.kernel_size % 2 == 0:
        raise ValueError(f"kernel_size={p.kernel_size} must be odd")
    if min(p.stride1, p.stride2, p.kernel_size) < 1:
        raise ValueError("kernel_size, stride1 and stride2 must be positive")
    n, channels, height, width = data1.shape
    k, disp, s1, s2 = p.kernel_size, p.max_displacement, p.stride1, p.stride2
    border = disp + (k - 1) // 2
    padded = [jnp.pad(x, ((0, 0), (0, 0), (p.pad_size,) * 2, (p.pad_size,) * 2))
              for x in (data1, data2)]
    out_h, out_w = (-(-(size + 2 * p.pad_size - 2 * border) // s1)
                    for size in (height, width))
    if out_h < 1 or out_w < 1:
        raise ValueError(f"no output: max_displacement={disp} and kernel_size={k} need a "
                         f"larger padded input than {(height, width)} (pad_size={p.pad_size})")
    radius = disp // s2
    # Cells the windows of data1 cover: each output (i, j) sums a k x k window whose
    # corner is (disp + i*stride1, disp + j*stride1), over every channel.
    span_h, span_w = (out_h - 1) * s1 + k, (out_w - 1) * s1 + k
    first = padded[0][:, :, disp:disp + span_h, disp:disp + span_w]
    combine = jnp.multiply if p.is_multiply else _abs_diff
    maps = []
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            y, x = disp + dy * s2, disp + dx * s2
            second = padded[1][:, :, y:y + span_h, x:x + span_w]
            cells = jnp.sum(combine(first, second), axis=1)
            maps.append(lax.reduce_window(cells, np.array(0, cells.dtype), lax.add,
                                          (1, k, k), (1, s1, s1), "VALID"))
    return jnp.stack(maps, axis=1) / float(k * k * channels)


register(
    "Correlation", _correlation,
    params={"kernel_size": Param(A.parse_int, 1, "window size (odd)"),
            "max_displacement": Param(A.parse_int, 1, "largest displacement compared"),
            "stride1": Param(A.parse_int, 1, "stride over data1"),
            "stride2": Param(A.parse_int, 1, "stride of the displacements in data2"),
            "pad_size": Param(A.parse_int, 0, "zero padding of both inputs"),
            "is_multiply": Param(A.parse_bool, True, "multiply (else absolute difference)")},
    inputs=("data1", "data2"), hidden_outputs=2,
    doc="FlowNet's correlation of two NCHW maps over a grid of displacements.")
