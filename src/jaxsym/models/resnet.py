"""ResNet v1 (post-activation) and v2 (pre-activation), CIFAR and ImageNet depths.

Layer names follow MXNet's `symbols/resnet.py` (v2) and `symbols/resnet-v1.py`:
`bn_data`, `conv0`, `bn0`, `stage{i}_unit{j}_{conv1,bn1,relu1,...,sc}`, `bn1`,
`pool1`, `fc1`, `softmax`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._common import image_shape as parse_image_shape
from ._common import namespace

_EPS = 2e-5
_IMAGENET_UNITS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3), 50: (3, 4, 6, 3),
                   101: (3, 4, 23, 3), 152: (3, 8, 36, 3), 200: (3, 24, 36, 3),
                   269: (3, 30, 48, 8)}


def _conv(sym: Any, data: Any, name: str, num_filter: int, kernel: int, stride: int = 1,
          pad: int | None = 0) -> Any:
    """A bias-free convolution; `pad=None` leaves the attribute out, as MXNet's
    scripts do for the 1x1 shortcut (the saved JSON then matches theirs)."""
    extra = {} if pad is None else {"pad": (pad, pad)}
    return sym.Convolution(data=data, num_filter=num_filter, kernel=(kernel, kernel),
                           stride=(stride, stride), no_bias=True, workspace=256, name=name,
                           **extra)


def _bn(sym: Any, data: Any, name: str, bn_mom: float, fix_gamma: bool = False) -> Any:
    return sym.BatchNorm(data=data, fix_gamma=fix_gamma, eps=_EPS, momentum=bn_mom, name=name)


def _relu(sym: Any, data: Any, name: str) -> Any:
    return sym.Activation(data=data, act_type="relu", name=name)


def _unit_shapes(num_filter: int, stride: int, bottle_neck: bool
                 ) -> list[tuple[int, int, int, int]]:
    """(filters, kernel, stride, pad) of the unit's convolutions in order."""
    if bottle_neck:
        inner = int(num_filter * 0.25)
        return [(inner, 1, 1, 0), (inner, 3, stride, 1), (num_filter, 1, 1, 0)]
    return [(num_filter, 3, stride, 1), (num_filter, 3, 1, 1)]


def _unit_v2(sym: Any, data: Any, num_filter: int, stride: int, dim_match: bool, name: str,
             bottle_neck: bool, bn_mom: float) -> Any:
    """Pre-activation unit: (bn -> relu -> conv) per layer; the shortcut sees relu1."""
    net, first_act = data, None
    for k, (filters, kernel, s, pad) in enumerate(
            _unit_shapes(num_filter, stride, bottle_neck), start=1):
        net = _relu(sym, _bn(sym, net, f"{name}_bn{k}", bn_mom), f"{name}_relu{k}")
        first_act = net if k == 1 else first_act
        # v2 strides in the unit's first conv without bottleneck, in the 3x3 with it.
        net = _conv(sym, net, f"{name}_conv{k}", filters, kernel, s, pad)
    shortcut = data if dim_match else _conv(sym, first_act, f"{name}_sc", num_filter, 1,
                                            stride, None)
    return net + shortcut


def _unit_v1(sym: Any, data: Any, num_filter: int, stride: int, dim_match: bool, name: str,
             bottle_neck: bool, bn_mom: float) -> Any:
    """Post-activation unit: conv -> bn (-> relu), add the shortcut, then relu."""
    shapes = _unit_shapes(num_filter, stride, bottle_neck)
    if bottle_neck:  # resnet-v1.py strides in the first 1x1 conv
        shapes = [(shapes[0][0], 1, stride, 0), (shapes[1][0], 3, 1, 1), shapes[2]]
    net = data
    for k, (filters, kernel, s, pad) in enumerate(shapes, start=1):
        net = _bn(sym, _conv(sym, net, f"{name}_conv{k}", filters, kernel, s, pad),
                  f"{name}_bn{k}", bn_mom)
        if k < len(shapes):
            net = _relu(sym, net, f"{name}_relu{k}")
    if dim_match:
        shortcut = data
    else:
        shortcut = _bn(sym, _conv(sym, data, f"{name}_conv1sc", num_filter, 1, stride, None),
                       f"{name}_sc", bn_mom)
    # resnet-v1.py names the relu after the addition '_relu3' at every depth.
    return _relu(sym, net + shortcut, f"{name}_relu3")


def resnet(units: Sequence[int], filter_list: Sequence[int], num_classes: int,
           image_shape: str | Sequence[int], bottle_neck: bool, version: int = 2,
           bn_mom: float = 0.9, sym: Any = None) -> Any:
    """A ResNet from its stage layout.

    Args:
        units: residual units per stage.
        filter_list: channels of conv0, then of each stage.
        num_classes: number of classes.
        image_shape: (channels, height, width) or "3,224,224"; height <= 32 selects the
            CIFAR stem (a 3x3 conv0, no max pooling).
        bottle_neck: 1x1-3x3-1x1 bottleneck units (ResNet-50 and deeper).
        version: 2 for MXNet's `resnet.py` (pre-activation), 1 for `resnet-v1.py`.
        bn_mom: BatchNorm momentum.
        sym: symbol namespace (`jaxsym.sym` or `mxnet.sym`).

    Returns:
        A SoftmaxOutput symbol named 'softmax' over input 'data'.
    """
    if version not in (1, 2):
        raise ValueError(f"ResNet version must be 1 or 2, got {version}")
    if len(filter_list) != len(units) + 1:
        raise ValueError(f"filter_list needs {len(units) + 1} entries for {len(units)} "
                         f"stages, got {list(filter_list)}")
    sym = namespace(sym)
    height = parse_image_shape(image_shape)[1]
    net = sym.identity(data=sym.Variable("data"), name="id")
    if version == 2:
        net = _bn(sym, net, "bn_data", bn_mom, fix_gamma=True)
    if height <= 32:
        net = _conv(sym, net, "conv0", filter_list[0], 3, 1, 1)
        if version == 1:
            net = _bn(sym, net, "bn0", bn_mom)
    else:
        net = _conv(sym, net, "conv0", filter_list[0], 7, 2, 3)
        net = _relu(sym, _bn(sym, net, "bn0", bn_mom), "relu0")
        net = sym.Pooling(data=net, kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="max")
    unit = _unit_v2 if version == 2 else _unit_v1
    for i, count in enumerate(units):
        for j in range(count):
            stride = 2 if i > 0 and j == 0 else 1
            net = unit(sym, net, filter_list[i + 1], stride, j > 0,
                       f"stage{i + 1}_unit{j + 1}", bottle_neck, bn_mom)
    if version == 2:
        net = _relu(sym, _bn(sym, net, "bn1", bn_mom), "relu1")
    # MXNet's scripts give a kernel even though global pooling ignores it.
    net = sym.Pooling(data=net, global_pool=True, kernel=(7, 7), pool_type="avg", name="pool1")
    net = sym.FullyConnected(data=sym.Flatten(data=net), num_hidden=num_classes, name="fc1")
    return sym.SoftmaxOutput(data=net, name="softmax")


def get_symbol(num_classes: int = 1000, num_layers: int = 18,
               image_shape: str | Sequence[int] = "3,224,224", version: int = 2,
               sym: Any = None) -> Any:
    """ResNet by depth, chosen as MXNet's `get_symbol` does.

    Args:
        num_classes: number of classes.
        num_layers: CIFAR (height <= 28): 6n+2 (basic units) or 9n+2 >= 164 (bottleneck);
            ImageNet: 18, 34, 50, 101, 152, 200, 269.
        image_shape: (channels, height, width) or "3,224,224".
        version: 2 (pre-activation, MXNet's `resnet.py`) or 1 (`resnet-v1.py`).
        sym: symbol namespace (`jaxsym.sym` or `mxnet.sym`).

    Returns:
        A SoftmaxOutput symbol named 'softmax' over input 'data'.
    """
    height = parse_image_shape(image_shape)[1]
    if height <= 28:
        if (num_layers - 2) % 9 == 0 and num_layers >= 164:
            per_stage, filters, bottle_neck = (num_layers - 2) // 9, (16, 64, 128, 256), True
        elif (num_layers - 2) % 6 == 0 and num_layers < 164:
            per_stage, filters, bottle_neck = (num_layers - 2) // 6, (16, 16, 32, 64), False
        else:
            raise ValueError(f"no CIFAR ResNet of depth {num_layers}: use 6n+2 (< 164) or "
                             "9n+2 (>= 164)")
        units: Sequence[int] = (per_stage,) * 3
    else:
        if num_layers not in _IMAGENET_UNITS:
            raise ValueError(f"no ImageNet ResNet of depth {num_layers}; choose from "
                             f"{sorted(_IMAGENET_UNITS)}")
        units = _IMAGENET_UNITS[num_layers]
        bottle_neck = num_layers >= 50
        filters = (64, 256, 512, 1024, 2048) if bottle_neck else (64, 64, 128, 256, 512)
    return resnet(units, filters, num_classes, image_shape, bottle_neck, version, sym=sym)
