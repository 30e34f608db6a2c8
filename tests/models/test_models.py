"""jaxsym.models builders against the same builders run under MXNet 1.9.1.

Golden data: tests/data/models/shapes.json, written by tools/record_model_shapes.py.
"""

import json
from pathlib import Path

import numpy as np
import pytest

import jaxsym as mx
from jaxsym import models

CASES = json.loads((Path(__file__).parents[1] / "data" / "models" / "shapes.json").read_text())


def _build(case: dict):
    return getattr(models, case["module"]).get_symbol(**case["kwargs"])


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_structure_matches_mxnet(case_id):
    case = CASES[case_id]
    net = _build(case)
    assert net.list_arguments() == case["arguments"]
    assert net.list_auxiliary_states() == case["aux_states"]
    assert net.list_outputs() == case["outputs"]
    assert net.get_internals().list_outputs() == case["internals"]


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_infer_shape_matches_mxnet(case_id):
    case = CASES[case_id]
    arg_shapes, out_shapes, aux_shapes = _build(case).infer_shape(
        data=tuple(case["data_shape"]))
    assert [list(s) for s in arg_shapes] == case["arg_shapes"]
    assert [list(s) for s in out_shapes] == case["out_shapes"]
    assert [list(s) for s in aux_shapes] == case["aux_shapes"]


def test_default_namespace_is_jaxsym():
    net = models.lenet.get_symbol(num_classes=3)
    assert isinstance(net, mx.sym.Symbol)
    assert net.infer_shape(data=(1, 1, 28, 28))[1] == [(1, 3)]


@pytest.mark.parametrize("build, match", [
    (lambda: models.resnet.get_symbol(num_layers=19), "depth 19"),
    (lambda: models.resnet.get_symbol(num_layers=21, image_shape=(3, 28, 28)), "6n\\+2"),
    (lambda: models.resnet.get_symbol(image_shape="3,224"), "channels, height, width"),
    (lambda: models.vgg.get_symbol(num_layers=12), "11, 13, 16, 19"),
    (lambda: models.mobilenet.get_symbol(alpha=0.3), "alpha"),
    (lambda: models.mobilenet.get_symbol(resolution=100), "multiple of 32"),
])
def test_bad_configuration_raises(build, match):
    with pytest.raises(ValueError, match=match):
        build()


# -- numbers: narrow ResNets run by MXNet (tools/record_model_shapes.py) -------------------
SMALL = np.load(Path(__file__).parents[1] / "data" / "models" / "small_resnets.npz")
SMALL_RESNETS = {
    "v2_imagenet_stem": {"units": (1, 1), "filter_list": (4, 4, 8), "num_classes": 5,
                         "image_shape": (3, 40, 40), "bottle_neck": False, "version": 2},
    "v1_cifar_stem": {"units": (1, 1), "filter_list": (4, 8, 8), "num_classes": 5,
                      "image_shape": (3, 12, 12), "bottle_neck": True, "version": 1},
}


@pytest.mark.parametrize("case_id", sorted(SMALL_RESNETS))
def test_small_resnet_matches_mxnet(case_id):
    """Inference (kernels prepared, BatchNorm folded), training output and gradients."""
    net = models.resnet.resnet(**SMALL_RESNETS[case_id])
    prefix = f"{case_id}|in|"
    values = {k[len(prefix):]: SMALL[k] for k in SMALL.files if k.startswith(prefix)}
    args = {n: mx.nd.array(values[n]) for n in net.list_arguments()}
    aux = {n: mx.nd.array(values[n]) for n in net.list_auxiliary_states()}
    grads = {n: mx.nd.zeros(a.shape) for n, a in args.items()}
    ex = net.bind(mx.cpu(), args, args_grad=grads, aux_states=aux)
    np.testing.assert_allclose(ex.forward(is_train=False)[0].asnumpy(),
                               SMALL[f"{case_id}|infer"], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ex.forward(is_train=True)[0].asnumpy(),
                               SMALL[f"{case_id}|train"], rtol=1e-4, atol=1e-6)
    ex.backward()
    for name, grad in grads.items():
        if name not in ("data", "softmax_label"):
            np.testing.assert_allclose(grad.asnumpy(), SMALL[f"{case_id}|grad|{name}"],
                                       rtol=1e-3, atol=1e-5, err_msg=name)
