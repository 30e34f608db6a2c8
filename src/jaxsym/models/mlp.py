"""Multilayer perceptron: fc1/relu1, fc2/relu2, ..., then a softmax output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._common import namespace


def get_symbol(num_classes: int = 10, hidden: Sequence[int] = (128, 64),
               sym: Any = None) -> Any:
    """MXNet's MNIST MLP (default 784-128-64-10).

    Args:
        num_classes: size of the last FullyConnected layer.
        hidden: sizes of the hidden layers, each followed by a relu.
        sym: symbol namespace (`jaxsym.sym` or `mxnet.sym`).

    Returns:
        A SoftmaxOutput symbol named 'softmax' over input 'data' (batch, ...).
    """
    sym = namespace(sym)
    net = sym.Flatten(data=sym.Variable("data"))
    for i, units in enumerate(hidden, start=1):
        net = sym.FullyConnected(data=net, num_hidden=units, name=f"fc{i}")
        net = sym.Activation(data=net, act_type="relu", name=f"relu{i}")
    net = sym.FullyConnected(data=net, num_hidden=num_classes, name=f"fc{len(hidden) + 1}")
    return sym.SoftmaxOutput(data=net, name="softmax")
