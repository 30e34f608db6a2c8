"""LeNet-5 as in MXNet's example: two tanh conv/max-pool stages and two dense layers."""

from __future__ import annotations

from typing import Any

from ._common import namespace


def get_symbol(num_classes: int = 10, sym: Any = None) -> Any:
    """LeNet over 'data' (batch, 1, 28, 28); its layers keep MXNet's automatic names.

    Args:
        num_classes: number of classes.
        sym: symbol namespace (`jaxsym.sym` or `mxnet.sym`).

    Returns:
        A SoftmaxOutput symbol named 'softmax'.
    """
    sym = namespace(sym)
    net = sym.Variable("data")
    for filters in (20, 50):
        net = sym.Convolution(data=net, kernel=(5, 5), num_filter=filters)
        net = sym.Activation(data=net, act_type="tanh")
        net = sym.Pooling(data=net, pool_type="max", kernel=(2, 2), stride=(2, 2))
    net = sym.Flatten(data=net)
    net = sym.Activation(data=sym.FullyConnected(data=net, num_hidden=500), act_type="tanh")
    net = sym.FullyConnected(data=net, num_hidden=num_classes)
    return sym.SoftmaxOutput(data=net, name="softmax")
