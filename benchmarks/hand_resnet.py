"""A hand-written, hand-tuned JAX ResNet v2 for inference: the benchmark's yardstick.

It computes what `jaxsym.models.resnet` (version 2) computes with `is_train=False`, from
the same MXNet-named parameters, the way one would write it directly in JAX: NHWC
activations, HWIO kernels, and each BatchNorm that follows a convolution folded into that
convolution's weights and bias once, outside the compiled function.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

_EPS = 2e-5


def _bn_affine(p: Mapping[str, np.ndarray], name: str, fix_gamma: bool = False
               ) -> tuple[np.ndarray, np.ndarray]:
    """Inference BatchNorm as y = x * scale + shift, per channel."""
    gamma = np.ones_like(p[f"{name}_gamma"]) if fix_gamma else p[f"{name}_gamma"]
    scale = gamma / np.sqrt(p[f"{name}_moving_var"] + _EPS)
    return scale, p[f"{name}_beta"] - p[f"{name}_moving_mean"] * scale


def _hwio(weight: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(weight.transpose(2, 3, 1, 0))


def prepare(params: Mapping[str, np.ndarray], units: Sequence[int]) -> dict[str, jax.Array]:
    """Fold and re-lay-out MXNet parameters once: kernels HWIO, BN into the conv before it."""
    p = {k: np.asarray(v, np.float32) for k, v in params.items()}
    out: dict[str, np.ndarray] = {}
    out["bn_data_scale"], out["bn_data_shift"] = _bn_affine(p, "bn_data", fix_gamma=True)
    scale, shift = _bn_affine(p, "bn0")
    out["conv0_w"] = _hwio(p["conv0_weight"] * scale[:, None, None, None])
    out["conv0_b"] = shift
    for i, count in enumerate(units):
        for j in range(count):
            name = f"stage{i + 1}_unit{j + 1}"
            out[f"{name}_bn1_scale"], out[f"{name}_bn1_shift"] = _bn_affine(p, f"{name}_bn1")
            scale, shift = _bn_affine(p, f"{name}_bn2")
            out[f"{name}_conv1_w"] = _hwio(p[f"{name}_conv1_weight"] * scale[:, None, None, None])
            out[f"{name}_conv1_b"] = shift
            out[f"{name}_conv2_w"] = _hwio(p[f"{name}_conv2_weight"])
            if f"{name}_sc_weight" in p:
                out[f"{name}_sc_w"] = _hwio(p[f"{name}_sc_weight"])
    out["bn1_scale"], out["bn1_shift"] = _bn_affine(p, "bn1")
    out["fc1_w"] = np.ascontiguousarray(p["fc1_weight"].T)
    out["fc1_b"] = p["fc1_bias"]
    return {k: jnp.asarray(v) for k, v in out.items()}


def _conv(x: jax.Array, w: jax.Array, stride: int, pad: int) -> jax.Array:
    return lax.conv_general_dilated(x, w, (stride, stride), [(pad, pad), (pad, pad)],
                                    dimension_numbers=("NHWC", "HWIO", "NHWC"))


def forward(q: Mapping[str, jax.Array], data: jax.Array, units: Sequence[int]) -> jax.Array:
    """Softmax probabilities (batch, classes) from NCHW `data`, as SoftmaxOutput gives."""
    x = jnp.transpose(data, (0, 2, 3, 1)) * q["bn_data_scale"] + q["bn_data_shift"]
    x = jax.nn.relu(_conv(x, q["conv0_w"], 2, 3) + q["conv0_b"])
    x = lax.reduce_window(x, -jnp.inf, lax.max, (1, 3, 3, 1), (1, 2, 2, 1),
                          ((0, 0), (1, 1), (1, 1), (0, 0)))
    for i, count in enumerate(units):
        for j in range(count):
            name = f"stage{i + 1}_unit{j + 1}"
            stride = 2 if i > 0 and j == 0 else 1
            act = jax.nn.relu(x * q[f"{name}_bn1_scale"] + q[f"{name}_bn1_shift"])
            y = jax.nn.relu(_conv(act, q[f"{name}_conv1_w"], stride, 1) + q[f"{name}_conv1_b"])
            y = _conv(y, q[f"{name}_conv2_w"], 1, 1)
            shortcut = _conv(act, q[f"{name}_sc_w"], stride, 0) if f"{name}_sc_w" in q else x
            x = y + shortcut
    x = jax.nn.relu(x * q["bn1_scale"] + q["bn1_shift"])
    logits = jnp.mean(x, axis=(1, 2)) @ q["fc1_w"] + q["fc1_b"]
    return jax.nn.softmax(logits, axis=-1)
