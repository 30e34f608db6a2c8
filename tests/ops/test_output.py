"""Output (loss) layers against MXNet-recorded forward values and MXNet's own gradients."""

import numpy as np
import pytest
from conformance.cases_output import CASES
from conformance.check import check_case, load_fixture

import jaxsym as mx

META, ARRAYS = load_fixture("output")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_output_case(case):
    check_case(case, META, ARRAYS)


@pytest.mark.parametrize("op, data, label, pattern", [
    ("SoftmaxOutput", (4, 5), (5,), r"operator '?out'? \(SoftmaxOutput\).*label.*\(5,\)"),
    ("LinearRegressionOutput", (2, 3), (6,),
     r"operator '?out'? \(LinearRegressionOutput\).*label.*\(6,\)"),
    ("MAERegressionOutput", (2, 3), (3, 2),
     r"operator '?out'? \(MAERegressionOutput\).*label.*\(3, 2\)"),
])
def test_label_shape_errors_name_the_node(op, data, label, pattern):
    sym = getattr(mx.sym, op)(mx.sym.Variable("data"), mx.sym.Variable("label"), name="out")
    with pytest.raises(mx.MXNetError, match=pattern):
        sym.infer_shape(data=data, label=label)
    with pytest.raises(mx.MXNetError, match=pattern):
        sym.simple_bind(mx.cpu(), data=data, label=label)


@pytest.mark.parametrize("op, data, label", [
    # MXNet 1.9.1's inferred label shapes.
    ("SoftmaxOutput", (4, 5), (4,)),
    ("SoftmaxOutput", (2, 3, 4), (2, 3)),
    ("LogisticRegressionOutput", (5, 1), (5,)),
    ("LinearRegressionOutput", (2, 3, 2), (2, 3, 2)),
])
def test_label_shape_inference(op, data, label):
    sym = getattr(mx.sym, op)(mx.sym.Variable("data"), name="out")
    arg_shapes, out_shapes, _ = sym.infer_shape(data=data)
    assert sym.list_arguments() == ["data", "out_label"]
    assert arg_shapes == [data, label] and out_shapes == [data]


def test_multi_output_label_inference():
    sym = mx.sym.SoftmaxOutput(mx.sym.Variable("data"), multi_output=True, name="out")
    assert sym.infer_shape(data=(2, 3, 4, 5))[0] == [(2, 3, 4, 5), (2, 20)]


def test_loss_heads_train_without_head_gradients():
    """SoftmaxOutput on top of a network: backward() alone gives MXNet's data gradient."""
    data = mx.sym.Variable("data")
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(data, num_hidden=3, name="fc"),
                               name="sm", normalization="batch")
    x = np.array([[1.0, 0.0], [0.0, 1.0]], np.float32)
    w = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], np.float32)
    ex = net.bind(mx.cpu(), {"data": mx.nd.array(x), "fc_weight": mx.nd.array(w),
                             "fc_bias": mx.nd.zeros(3), "sm_label": mx.nd.array([0, 2])},
                  args_grad={"fc_weight": mx.nd.zeros((3, 2))},
                  grad_req={"data": "null", "fc_weight": "write", "fc_bias": "null",
                            "sm_label": "null"})
    prob = ex.forward(is_train=True)[0].asnumpy()
    ex.backward()
    dlogits = (prob - np.eye(3)[[0, 2]]) / 2
    np.testing.assert_allclose(ex.grad_dict["fc_weight"].asnumpy(), dlogits.T @ x,
                               rtol=1e-5, atol=1e-6)
