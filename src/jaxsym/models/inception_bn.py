"""Inception with BatchNorm (Ioffe & Szegedy 2015), as MXNet's `symbols/inception-bn.py`.

Images of height <= 28 get the small CIFAR variant built from Simple/Downsample blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._common import image_shape as parse_image_shape
from ._common import namespace

_EPS = 1e-10 + 1e-5  # the example's value, kept bit-for-bit for the JSON attribute


def _conv_factory(sym: Any, data: Any, num_filter: int, kernel: tuple[int, int],
                  name: str, stride: int = 1, pad: int = 0, suffix: str = "") -> Any:
    """conv_<name> -> bn_<name> -> relu_<name> (biased conv, learned gamma)."""
    net = sym.Convolution(data=data, num_filter=num_filter, kernel=kernel,
                          stride=(stride, stride), pad=(pad, pad), name=f"conv_{name}{suffix}")
    net = sym.BatchNorm(data=net, fix_gamma=False, eps=_EPS, momentum=0.9,
                        name=f"bn_{name}{suffix}")
    return sym.Activation(data=net, act_type="relu", name=f"relu_{name}{suffix}")


def _double_3x3(sym: Any, data: Any, reduce: int, filters: int, name: str,
                stride: int) -> Any:
    net = _conv_factory(sym, data, reduce, (1, 1), f"{name}_double_3x3", suffix="_reduce")
    net = _conv_factory(sym, net, filters, (3, 3), f"{name}_double_3x3_0", pad=1)
    return _conv_factory(sym, net, filters, (3, 3), f"{name}_double_3x3_1", stride, 1)


def _inception_a(sym: Any, data: Any, num_1x1: int, num_3x3red: int, num_3x3: int,
                 num_d3x3red: int, num_d3x3: int, pool: str, proj: int, name: str) -> Any:
    c1 = _conv_factory(sym, data, num_1x1, (1, 1), f"{name}_1x1")
    c3 = _conv_factory(sym, data, num_3x3red, (1, 1), f"{name}_3x3", suffix="_reduce")
    c3 = _conv_factory(sym, c3, num_3x3, (3, 3), f"{name}_3x3", pad=1)
    cd = _double_3x3(sym, data, num_d3x3red, num_d3x3, name, 1)
    pooled = sym.Pooling(data=data, kernel=(3, 3), stride=(1, 1), pad=(1, 1), pool_type=pool,
                         name=f"{pool}_pool_{name}_pool")
    cp = _conv_factory(sym, pooled, proj, (1, 1), f"{name}_proj")
    return sym.Concat(c1, c3, cd, cp, name=f"ch_concat_{name}_chconcat")


def _inception_b(sym: Any, data: Any, num_3x3red: int, num_3x3: int, num_d3x3red: int,
                 num_d3x3: int, name: str) -> Any:
    c3 = _conv_factory(sym, data, num_3x3red, (1, 1), f"{name}_3x3", suffix="_reduce")
    c3 = _conv_factory(sym, c3, num_3x3, (3, 3), f"{name}_3x3", 2, 1)
    cd = _double_3x3(sym, data, num_d3x3red, num_d3x3, name, 2)
    pooled = sym.Pooling(data=data, kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="max",
                         name=f"max_pool_{name}_pool")
    return sym.Concat(c3, cd, pooled, name=f"ch_concat_{name}_chconcat")


def _simple(sym: Any, data: Any, ch_1x1: int, ch_3x3: int, name: str) -> Any:
    c1 = _conv_factory(sym, data, ch_1x1, (1, 1), f"{name}_1x1")
    c3 = _conv_factory(sym, data, ch_3x3, (3, 3), f"{name}_3x3", pad=1)
    return sym.Concat(c1, c3, name=f"{name}_ch_concat")


def _downsample(sym: Any, data: Any, ch_3x3: int, name: str) -> Any:
    conv = _conv_factory(sym, data, ch_3x3, (3, 3), f"{name}_conv", 2, 1)
    pool = sym.Pooling(data=data, kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="max",
                       name=f"{name}_pool")
    return sym.Concat(conv, pool, name=f"{name}_ch_concat")


def get_symbol(num_classes: int = 1000, image_shape: str | Sequence[int] = "3,224,224",
               sym: Any = None) -> Any:
    """Inception-BN over 'data'.

    Args:
        num_classes: number of classes.
        image_shape: (channels, height, width) or "3,224,224"; height <= 28 builds the
            small variant for 28x28 images.
        sym: symbol namespace (`jaxsym.sym` or `mxnet.sym`).

    Returns:
        A SoftmaxOutput symbol named 'softmax'; the classifier keeps MXNet's automatic
        name (`fullyconnected0` in a fresh name scope).
    """
    sym = namespace(sym)
    data = sym.Variable("data")
    if parse_image_shape(image_shape)[1] <= 28:
        net = _conv_factory(sym, data, 96, (3, 3), "1", pad=1)
        for block in (("in3a", 32, 32), ("in3b", 32, 48), ("in3c", 80),
                      ("in4a", 112, 48), ("in4b", 96, 64), ("in4c", 80, 80),
                      ("in4d", 48, 96), ("in4e", 96), ("in5a", 176, 160),
                      ("in5b", 176, 160)):
            name, *channels = block
            net = (_simple(sym, net, channels[0], channels[1], name) if len(channels) == 2
                   else _downsample(sym, net, channels[0], name))
        net = sym.Pooling(data=net, pool_type="avg", kernel=(7, 7), name="global_pool")
    else:
        net = _conv_factory(sym, data, 64, (7, 7), "1", 2, 3)
        net = sym.Pooling(data=net, kernel=(3, 3), stride=(2, 2), name="pool_1", pool_type="max")
        net = _conv_factory(sym, net, 64, (1, 1), "2_red")
        net = _conv_factory(sym, net, 192, (3, 3), "2", pad=1)
        net = sym.Pooling(data=net, kernel=(3, 3), stride=(2, 2), name="pool_2", pool_type="max")
        net = _inception_a(sym, net, 64, 64, 64, 64, 96, "avg", 32, "3a")
        net = _inception_a(sym, net, 64, 64, 96, 64, 96, "avg", 64, "3b")
        net = _inception_b(sym, net, 128, 160, 64, 96, "3c")
        net = _inception_a(sym, net, 224, 64, 96, 96, 128, "avg", 128, "4a")
        net = _inception_a(sym, net, 192, 96, 128, 96, 128, "avg", 128, "4b")
        net = _inception_a(sym, net, 160, 128, 160, 128, 160, "avg", 128, "4c")
        net = _inception_a(sym, net, 96, 128, 192, 160, 192, "avg", 128, "4d")
        net = _inception_b(sym, net, 128, 192, 192, 256, "4e")
        net = _inception_a(sym, net, 352, 192, 320, 160, 224, "avg", 128, "5a")
        net = _inception_a(sym, net, 352, 192, 320, 192, 224, "max", 128, "5b")
        net = sym.Pooling(data=net, kernel=(7, 7), stride=(1, 1), name="global_pool",
                          pool_type="avg")
    net = sym.FullyConnected(data=sym.Flatten(data=net), num_hidden=num_classes)
    return sym.SoftmaxOutput(data=net, name="softmax")
