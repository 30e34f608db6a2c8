"""MobileNet v1: depthwise-separable convolutions, width multiplier `alpha`."""

from __future__ import annotations

from typing import Any

from ._common import namespace

# (layer index, depthwise stride, pointwise channels as a multiple of the base width)
_BLOCKS = ((2, 1, 2), (3, 2, 4), (4, 1, 4), (5, 2, 8), (6, 1, 8), (7, 2, 16),
           (8, 1, 16), (9, 1, 16), (10, 1, 16), (11, 1, 16), (12, 1, 16),
           (13, 2, 32), (14, 1, 32))


def _conv_bn_relu(sym: Any, data: Any, name: str, num_filter: int, kernel: tuple[int, int],
                  stride: int = 1, pad: int = 0, num_group: int = 1) -> Any:
    """conv (no bias) -> BatchNorm (MXNet's example keeps fix_gamma=True) -> relu."""
    net = sym.Convolution(data=data, num_filter=num_filter, kernel=kernel,
                          num_group=num_group, stride=(stride, stride), pad=(pad, pad),
                          no_bias=True, name=f"{name}_conv2d")
    net = sym.BatchNorm(data=net, fix_gamma=True, name=f"{name}_batchnorm")
    return sym.Activation(data=net, act_type="relu", name=f"{name}_relu")


def get_symbol(num_classes: int = 1000, alpha: float = 1.0, resolution: int = 224,
               sym: Any = None) -> Any:
    """MobileNet over 'data' (batch, 3, resolution, resolution).

    Args:
        num_classes: number of classes.
        alpha: width multiplier, one of 0.25, 0.5, 0.75, 1.0.
        resolution: input size, a multiple of 32 (sets the final pooling window).
        sym: symbol namespace (`jaxsym.sym` or `mxnet.sym`).

    Returns:
        A SoftmaxOutput symbol named 'softmax'.
    """
    if alpha not in (0.25, 0.5, 0.75, 1.0):
        raise ValueError(f"alpha must be one of 0.25, 0.5, 0.75, 1.0, got {alpha}")
    if resolution % 32:
        raise ValueError(f"resolution must be a multiple of 32, got {resolution}")
    sym = namespace(sym)
    base = int(32 * alpha)
    net = _conv_bn_relu(sym, sym.Variable("data"), "conv_1", base, (3, 3), 2, 1)
    channels = base
    for idx, stride, width in _BLOCKS:
        net = _conv_bn_relu(sym, net, f"conv_{idx}_dw", channels, (3, 3), stride, 1,
                            num_group=channels)
        channels = base * width
        net = _conv_bn_relu(sym, net, f"conv_{idx}", channels, (1, 1))
    pool = resolution // 32
    net = sym.Pooling(data=net, kernel=(pool, pool), stride=(1, 1), pool_type="avg",
                      name="global_pool")
    net = sym.Flatten(data=net, name="flatten")
    net = sym.FullyConnected(data=net, num_hidden=num_classes, name="fc")
    return sym.SoftmaxOutput(data=net, name="softmax")
