"""Output (loss) layers whose backward is MXNet's rule, not the derivative of the forward.

Each forward is wrapped in `jax.custom_vjp`: the head gradient is ignored, as in MXNet,
and the label gets a zero gradient. These ops are marked `loss=True`: `backward()`
needs no head gradient.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import jax
import jax.numpy as jnp
from jax import lax

from . import attrs as A
from .registry import Param, Params, ShapeOnly, first_shape_output, register

Array = jax.Array
Shape = tuple[int, ...]
GradRule = Callable[[Params, Array, Array | None], Array]


def loss_layer(forward: Callable[[Params, Array], Array], grad: GradRule,
               check: Callable[[Params, Array, Array], None] | None = None):
    """A `(p, data, *rest)` op computing `forward(p, data)` whose data gradient is
    `grad(p, data, rest[0] or None)` and whose other inputs get zeros; the head
    gradient is ignored, as MXNet ignores it.

    `check(p, data, label)` validates the label's shape before anything is traced.
    """

    @partial(jax.custom_vjp, nondiff_argnums=(0,))
    def op(p: Params, data: Array, *rest: Array) -> Array:
        return forward(p, data)

    def fwd(p: Params, data: Array, *rest: Array):
        return op(p, data, *rest), (data, rest)

    def bwd(p: Params, residual, head_grad: Array):
        data, rest = residual
        label = rest[0] if rest else None
        return (grad(p, data, label).astype(data.dtype),
                *(jnp.zeros_like(r) for r in rest))

    op.defvjp(fwd, bwd)

    def checked(p: Params, data: Array, *rest: Array) -> Array:
        if check is not None:
            check(p, data, rest[0])
        return op(p, data, *rest)
    return checked


_NORMALIZATION = Param(A.enum("null", "batch", "valid"), "null", "how the gradient is normalised")
_GRAD_SCALE = Param(A.parse_float, 1.0, "scale of the gradient")


# -- SoftmaxOutput ---------------------------------------------------------------------
def _softmax_view(p: Params, data: Array) -> tuple[Array, int]:
    """The array and axis MXNet takes the softmax over (multi_output wins)."""
    if p.multi_output:
        return data.reshape(data.shape[0], data.shape[1], -1), 1
    if p.preserve_shape:
        return data.reshape(-1, data.shape[-1]), 1
    return data.reshape(data.shape[0], -1), 1


def _softmax_forward(p: Params, data: Array) -> Array:
    x, axis = _softmax_view(p, data)
    return jax.nn.softmax(x, axis=axis).reshape(data.shape)


def _softmax_grad(p: Params, data: Array, label: Array) -> Array:
    x, axis = _softmax_view(p, data)
    prob = jax.nn.softmax(x, axis=axis)
    if label.shape == data.shape:
        # A label of the data's shape holds probabilities: no one-hot, no normalisation.
        grad = (prob.reshape(data.shape) - label) * p.grad_scale
    else:
        n_class = x.shape[axis]
        if p.multi_output:
            every = label.reshape(x.shape[0], x.shape[2]).astype(jnp.int32)
            lab = every
        else:
            # MXNet reads the label flat and uses its first entry per softmax row.
            every = label.reshape(-1).astype(jnp.int32)
            lab = every[:x.shape[0]]
        target = jax.nn.one_hot(lab, n_class, axis=axis, dtype=prob.dtype)
        if p.smooth_alpha:
            target = target * (1 - p.smooth_alpha) + \
                (1 - target) * (p.smooth_alpha / (n_class - 1))
        grad = prob - target
        # MXNet compares labels as ints; 'valid' counts every label that is not
        # ignore_label, with or without use_ignore.
        if p.use_ignore:
            keep = (lab != int(p.ignore_label)).astype(prob.dtype)
            grad = grad * jnp.expand_dims(keep, axis)
        if p.normalization == "valid":
            valid = jnp.sum((every != int(p.ignore_label)).astype(prob.dtype))
            scale = p.grad_scale / jnp.maximum(valid, 1.0)
        elif p.normalization == "batch":
            scale = p.grad_scale / every.size
        else:
            # multi_output divides by the spatial size.
            scale = p.grad_scale / (x.shape[2] if p.multi_output else 1)
        grad = (grad * scale).reshape(data.shape)
    # With out_grad, MXNet 1.9.1 multiplies by its own output, not the head gradient
    # (the two buffers alias).
    return grad * prob.reshape(data.shape) if p.out_grad else grad


def _softmax_label_check(p: Params, data: Array, label: Array) -> None:
    if label.shape == data.shape:
        return
    spatial = data.shape[2:]
    if p.multi_output:
        allowed = [(data.shape[0], math.prod(spatial)), (data.shape[0], *spatial),
                   (data.shape[0], 1, *spatial)]
    else:
        allowed = [data.shape[:-1]]
    if label.shape not in allowed:
        raise ValueError(f"label has shape {label.shape}, expected "
                         f"{' or '.join(str(a) for a in allowed)} from data {data.shape}")


def _softmax_label_infer(p: Params, shapes: list[Shape | None]) -> list[Shape | None]:
    data, label = shapes
    if data is None or label is not None:
        return shapes
    if p.multi_output:
        return [data, (data[0], math.prod(data[2:]))]
    return [data, data[:-1]]


def _checked_output(check: Callable[[Params, ShapeOnly, ShapeOnly], None], min_rank: int):
    """infer_outputs of a loss layer: the data's shape, once `check` accepts the label
    (and the data has the rank the forward's reshapes need)."""
    def rule(p: Params, shapes: list[Shape]) -> list[Shape] | None:
        if len(shapes[0]) < min_rank:
            return None
        check(p, *(ShapeOnly(s) for s in shapes))
        return [shapes[0]]
    return rule


register(
    "SoftmaxOutput",
    loss_layer(_softmax_forward, _softmax_grad, _softmax_label_check),
    params={"grad_scale": _GRAD_SCALE,
            "ignore_label": Param(A.parse_float, -1.0, "label value to ignore"),
            "multi_output": Param(A.parse_bool, False, "softmax over axis 1 of N-D data"),
            "use_ignore": Param(A.parse_bool, False, "give ignored labels zero gradient"),
            "preserve_shape": Param(A.parse_bool, False, "softmax over the last axis"),
            "normalization": _NORMALIZATION,
            "out_grad": Param(A.parse_bool, False, "multiply by the head gradient"),
            "smooth_alpha": Param(A.parse_float, 0.0, "label smoothing")},
    inputs=("data", "label"), infer_inputs=_softmax_label_infer, loss=True,
    infer_outputs=_checked_output(_softmax_label_check, 2), aliases=("Softmax",),
    doc="Softmax forward; backward is (softmax - onehot(label)) * grad_scale.")


# -- regression outputs -------------------------------------------------------------------
def _regression_label_infer(p: Params, shapes: list[Shape | None]) -> list[Shape | None]:
    data, label = shapes
    if data is None or label is not None:
        return shapes
    # MXNet lets a (n, 1) output take a 1-D label.
    return [data, (data[0],) if len(data) == 2 and data[1] == 1 else data]


def _regression_check(p: Params, data: Array, label: Array) -> None:
    # MXNet takes any label with the data's batch size and element count.
    if label.shape[:1] != data.shape[:1] or label.size != data.size:
        raise ValueError(f"label has shape {label.shape}, expected {data.shape} (or the "
                         "same batch size and number of elements)")


def _regression(forward: Callable[[Array], Array], diff: Callable[[Array, Array], Array]):
    def grad(p: Params, data: Array, label: Array) -> Array:
        # Divided by the outputs per sample, not by the batch.
        per_sample = label.size // label.shape[0]
        return diff(forward(data), label.reshape(data.shape)) * (p.grad_scale / per_sample)

    return loss_layer(lambda p, data: forward(data), grad, _regression_check)


REGRESSIONS = {
    "LinearRegressionOutput": (lambda x: x, jnp.subtract,
                               "Identity forward; gradient (out - label) * grad_scale / m."),
    "LogisticRegressionOutput": (jax.nn.sigmoid, jnp.subtract,
                                 "Sigmoid forward; gradient (out - label) * grad_scale / m."),
    "MAERegressionOutput": (lambda x: x, lambda out, lab: jnp.sign(out - lab),
                            "Identity forward; gradient sign(out - label) * grad_scale / m."),
}
for _name, (_fwd, _diff, _doc) in REGRESSIONS.items():
    register(_name, _regression(_fwd, _diff), params={"grad_scale": _GRAD_SCALE},
             inputs=("data", "label"), infer_inputs=_regression_label_infer, loss=True,
             infer_outputs=_checked_output(_regression_check, 1), doc=_doc)


# -- BlockGrad / MakeLoss / make_loss ------------------------------------------------------
register("BlockGrad", lambda p, data: lax.stop_gradient(data), aliases=("stop_gradient",),
         loss=True, infer_outputs=first_shape_output,
         doc="Identity forward, zero gradient; backward() needs no head gradient.")


def _make_loss_grad(p: Params, data: Array, label: None) -> Array:
    grad = jnp.full_like(data, p.grad_scale)
    if p.normalization == "batch":
        return grad / data.shape[0]
    if p.normalization == "valid":
        valid = jnp.sum((data > p.valid_thresh).astype(data.dtype))
        return grad / jnp.maximum(valid, 1.0)
    return grad


register(
    "MakeLoss", loss_layer(lambda p, data: data, _make_loss_grad),
    params={"grad_scale": _GRAD_SCALE,
            "valid_thresh": Param(A.parse_float, 0.0, "threshold for 'valid'"),
            "normalization": _NORMALIZATION},
    loss=True, infer_outputs=first_shape_output,
    doc="Marks its input as a loss: backward gives grad_scale ones.")
register("make_loss",
         loss_layer(lambda p, data: data, lambda p, data, label: jnp.ones_like(data)),
         output_names=lambda p: ["loss"], loss=True, infer_outputs=first_shape_output,
         doc="Identity whose gradient is ones; its output is named 'loss'.")
