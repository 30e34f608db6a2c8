"""Output (loss) layers whose backward is MXNet's rule, not the derivative of the forward.

Each forward is wrapped in `jax.custom_vjp`: the head gradient is ignored, as in MXNet,
and the label gets a zero gradient.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
from jax import lax

from . import attrs as A
from .registry import Param, Params, register

Array = jax.Array
Shape = tuple[int, ...]


# -- SoftmaxOutput ---------------------------------------------------------------------
def _softmax_axis_view(p: Params, data: Array) -> tuple[Array, int]:
    """The array and axis MXNet takes the softmax over."""
    if p.preserve_shape:
        return data, data.ndim - 1
    if p.multi_output:
        return data, 1
    return data.reshape(data.shape[0], -1), 1


def _softmax_output_grad(p: Params, data: Array, label: Array) -> Array:
    x, axis = _softmax_axis_view(p, data)
    prob = jax.nn.softmax(x, axis=axis)
    n_class = x.shape[axis]
    lab = label.reshape(tuple(s for i, s in enumerate(x.shape) if i != axis))
    idx = lab.astype(jnp.int32)
    onehot = jax.nn.one_hot(idx, n_class, axis=axis, dtype=x.dtype)
    if p.smooth_alpha:
        onehot = onehot * (1 - p.smooth_alpha) + (1 - onehot) * (p.smooth_alpha / (n_class - 1))
    grad = prob - onehot
    valid = jnp.ones(lab.shape, x.dtype)
    if p.use_ignore:
        valid = (lab != p.ignore_label).astype(x.dtype)
        grad = grad * jnp.expand_dims(valid, axis)
    scale = p.grad_scale
    if p.normalization == "batch":
        grad = grad * (scale / x.shape[0])
    elif p.normalization == "valid":
        grad = grad * scale / jnp.maximum(jnp.sum(valid), 1.0)
    else:
        grad = grad * scale
    return grad.reshape(data.shape)


@partial(jax.custom_vjp, nondiff_argnums=(0,))
def _softmax_output(p: Params, data: Array, label: Array) -> Array:
    x, axis = _softmax_axis_view(p, data)
    return jax.nn.softmax(x, axis=axis).reshape(data.shape)


def _softmax_output_fwd(p: Params, data: Array, label: Array):
    return _softmax_output(p, data, label), (data, label)


def _softmax_output_bwd(p: Params, residual, head_grad):
    data, label = residual
    return _softmax_output_grad(p, data, label), jnp.zeros_like(label)


_softmax_output.defvjp(_softmax_output_fwd, _softmax_output_bwd)


def _softmax_label_infer(p: Params, shapes: list[Shape | None]) -> list[Shape | None]:
    data, label = shapes
    if data is None or label is not None:
        return shapes
    if p.preserve_shape:
        return [data, data[:-1]]
    if p.multi_output:
        return [data, (data[0],) + tuple(data[2:])]
    return [data, (data[0],)]


register(
    "SoftmaxOutput", _softmax_output,
    params={"grad_scale": Param(A.parse_float, 1.0, "scale of the gradient"),
            "ignore_label": Param(A.parse_float, -1.0, "label value to ignore"),
            "multi_output": Param(A.parse_bool, False, "softmax over axis 1 of N-D data"),
            "use_ignore": Param(A.parse_bool, False, "give ignored labels zero gradient"),
            "preserve_shape": Param(A.parse_bool, False, "softmax over the last axis"),
            "normalization": Param(A.enum("null", "batch", "valid"), "null",
                                   "how the gradient is normalised"),
            "out_grad": Param(A.parse_bool, False, "ignored"),
            "smooth_alpha": Param(A.parse_float, 0.0, "label smoothing")},
    inputs=("data", "label"), infer_inputs=_softmax_label_infer, loss=True,
    aliases=("Softmax",),
    doc="Softmax forward; backward is (softmax - onehot(label)) * grad_scale.")


# -- BlockGrad / MakeLoss ----------------------------------------------------------------
register("BlockGrad", lambda p, data: lax.stop_gradient(data), aliases=("stop_gradient",),
         doc="Identity forward, zero gradient.")


@partial(jax.custom_vjp, nondiff_argnums=(0,))
def _make_loss(p: Params, data: Array) -> Array:
    return data


def _make_loss_fwd(p: Params, data: Array):
    return data, data


def _make_loss_bwd(p: Params, data: Array, head_grad: Array):
    grad = jnp.full_like(data, p.grad_scale)
    if p.normalization == "batch":
        grad = grad / data.shape[0]
    elif p.normalization == "valid":
        valid = jnp.sum((data > p.valid_thresh).astype(data.dtype))
        grad = grad / jnp.maximum(valid, 1.0)
    return (grad,)


_make_loss.defvjp(_make_loss_fwd, _make_loss_bwd)

register(
    "MakeLoss", _make_loss,
    params={"grad_scale": Param(A.parse_float, 1.0, "scale of the gradient"),
            "valid_thresh": Param(A.parse_float, 0.0, "threshold for 'valid'"),
            "normalization": Param(A.enum("null", "batch", "valid"), "null",
                                   "how the gradient is normalised")},
    loss=True, doc="Marks its input as a loss: backward gives grad_scale ones.")
