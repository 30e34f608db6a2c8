"""VGG 11/13/16/19, optionally with BatchNorm after every convolution."""

from __future__ import annotations

from typing import Any

from ._common import namespace

# depth -> (convolutions per stage, filters per stage)
_SPEC = {11: ((1, 1, 2, 2, 2), (64, 128, 256, 512, 512)),
         13: ((2, 2, 2, 2, 2), (64, 128, 256, 512, 512)),
         16: ((2, 2, 3, 3, 3), (64, 128, 256, 512, 512)),
         19: ((2, 2, 4, 4, 4), (64, 128, 256, 512, 512))}


def get_symbol(num_classes: int = 1000, num_layers: int = 16, batch_norm: bool = False,
               sym: Any = None) -> Any:
    """VGG over 'data' (batch, 3, 224, 224): conv{i}_{j}/relu{i}_{j}, pool{i}, fc6-fc8.

    Args:
        num_classes: number of classes.
        num_layers: 11, 13, 16 or 19.
        batch_norm: add BatchNorm bn{i}_{j} after each convolution.
        sym: symbol namespace (`jaxsym.sym` or `mxnet.sym`).

    Returns:
        A SoftmaxOutput symbol named 'softmax'.
    """
    if num_layers not in _SPEC:
        raise ValueError(f"VGG depth must be one of {sorted(_SPEC)}, got {num_layers}")
    sym = namespace(sym)
    net = sym.Variable("data")
    for i, (convs, filters) in enumerate(zip(*_SPEC[num_layers]), start=1):
        for j in range(1, convs + 1):
            net = sym.Convolution(data=net, kernel=(3, 3), pad=(1, 1), num_filter=filters,
                                  name=f"conv{i}_{j}")
            if batch_norm:
                net = sym.BatchNorm(data=net, name=f"bn{i}_{j}")
            net = sym.Activation(data=net, act_type="relu", name=f"relu{i}_{j}")
        net = sym.Pooling(data=net, pool_type="max", kernel=(2, 2), stride=(2, 2),
                          name=f"pool{i}")
    net = sym.Flatten(data=net, name="flatten")
    for k in (6, 7):
        net = sym.FullyConnected(data=net, num_hidden=4096, name=f"fc{k}")
        net = sym.Activation(data=net, act_type="relu", name=f"relu{k}")
        net = sym.Dropout(data=net, p=0.5, name=f"drop{k}")
    net = sym.FullyConnected(data=net, num_hidden=num_classes, name="fc8")
    return sym.SoftmaxOutput(data=net, name="softmax")
