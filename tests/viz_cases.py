"""Networks drawn by `plot_network` in tests/test_viz.py, built the same way under MXNet and
jaxsym: each builder takes the library module (`mxnet` or `jaxsym`) as `mx`.

tools/record_viz_fixtures.py records MXNet 1.9.1's drawing of every case in CASES into
tests/data/viz/; the tests draw the same cases with jaxsym and compare.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any


def lenet(mx: Any) -> Any:
    data = mx.sym.Variable("data")
    net = mx.sym.Convolution(data, kernel=(5, 5), num_filter=8, name="conv1")
    net = mx.sym.Activation(net, act_type="tanh", name="tanh1")
    net = mx.sym.Pooling(net, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool1")
    net = mx.sym.Convolution(net, kernel=(3, 3), stride=(2, 2), pad=(1, 1), num_filter=16,
                             name="conv2")
    net = mx.sym.LeakyReLU(net, act_type="leaky", slope=0.1, name="leaky")
    net = mx.sym.Pooling(net, pool_type="avg", global_pool=True, kernel=(1, 1), name="pool2")
    net = mx.sym.Flatten(net, name="flatten")
    net = mx.sym.FullyConnected(net, num_hidden=32, name="fc1")
    net = mx.sym.FullyConnected(net, num_hidden=10, name="fc2")
    return mx.sym.SoftmaxOutput(net, name="softmax")


def mlp(mx: Any) -> Any:
    """Unnamed layers: the auto names (fullyconnected0, activation0 ...) are the node ids."""
    net = mx.sym.Variable("data")
    net = mx.sym.FullyConnected(net, num_hidden=64)
    net = mx.sym.Activation(net, act_type="relu")
    net = mx.sym.FullyConnected(net, num_hidden=10)
    return mx.sym.SoftmaxOutput(net)


def resnet_block(mx: Any) -> Any:
    """conv-bn-relu-conv-bn plus an identity shortcut (elemwise_add), a Concat, a Reshape and
    a Softmax: every colour of MXNet's palette."""
    data = mx.sym.Variable("data")
    x = mx.sym.Convolution(data, kernel=(3, 3), pad=(1, 1), num_filter=8, no_bias=True,
                           name="conv0")
    x = mx.sym.BatchNorm(x, fix_gamma=False, name="bn0")
    x = mx.sym.Activation(x, act_type="relu", name="relu0")
    y = mx.sym.Convolution(x, kernel=(3, 3), pad=(1, 1), num_filter=8, no_bias=True,
                           name="conv1")
    y = mx.sym.BatchNorm(y, name="bn1")
    y = mx.sym.Activation(y + x, act_type="relu", name="relu1")
    z = mx.sym.Concat(y, x, dim=1, name="concat")
    z = mx.sym.Pooling(z, pool_type="avg", kernel=(2, 2), stride=(2, 2), name="pool")
    z = mx.sym.Reshape(z, shape=(0, -1), name="reshape")
    z = mx.sym.FullyConnected(z, num_hidden=5, name="fc")
    return mx.sym.softmax(z, name="prob")


def slice_channel(mx: Any) -> Any:
    """A three-output SliceChannel feeding three layers (MXNet labels each edge with the
    shape of the last output), summed back with ElementWiseSum."""
    data = mx.sym.Variable("data")
    parts = mx.sym.SliceChannel(data, num_outputs=3, axis=1, name="split")
    heads = [mx.sym.FullyConnected(parts[i], num_hidden=4, name=f"fc{i}") for i in range(3)]
    return mx.sym.ElementWiseSum(*heads, name="sum")


def _models() -> Any:
    """src/jaxsym/models loaded on its own, so that MXNet's venv (no jax) can use it too."""
    root = Path(__file__).resolve().parent.parent / "src" / "jaxsym" / "models"
    spec = importlib.util.spec_from_file_location(
        "_viz_models", root / "__init__.py", submodule_search_locations=[str(root)])
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules["_viz_models"] = package
    spec.loader.exec_module(package)
    return package


def resnet18(mx: Any) -> Any:
    return _models().resnet.get_symbol(num_classes=1000, num_layers=18, image_shape="3,224,224",
                             sym=mx.sym)


BUILDERS = {"lenet": lenet, "mlp": mlp, "resnet_block": resnet_block,
            "slice_channel": slice_channel, "resnet18": resnet18}

# case name -> (builder, plot_network keyword arguments)
CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "lenet_plain": ("lenet", {}),
    "lenet_shape": ("lenet", {"shape": {"data": (128, 1, 28, 28)}}),
    "lenet_weights": ("lenet", {"shape": {"data": (2, 1, 28, 28)}, "hide_weights": False}),
    "lenet_attrs": ("lenet", {"title": "lenet", "save_format": "svg",
                              "node_attrs": {"shape": "oval", "fixedsize": "false"}}),
    "lenet_dtype": ("lenet", {"shape": {"data": (2, 1, 28, 28)},
                              "dtype": {"data": "float32"}}),
    "mlp_plain": ("mlp", {}),
    "mlp_shape": ("mlp", {"shape": {"data": (32, 100)}}),
    "resnet_block_plain": ("resnet_block", {}),
    "resnet_block_shape": ("resnet_block", {"shape": {"data": (4, 3, 16, 16)}}),
    "resnet_block_weights": ("resnet_block", {"hide_weights": False}),
    "slice_channel_plain": ("slice_channel", {}),
    "slice_channel_shape": ("slice_channel", {"shape": {"data": (2, 6)}}),
    "resnet18_shape": ("resnet18", {"shape": {"data": (1, 3, 224, 224)}}),
}
