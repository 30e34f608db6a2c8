"""Symbol semantics against MXNet 1.9.1 (recorded by tools/record_core_semantics.py)."""

import warnings

import numpy as np
import pytest
from core_snippets import SYMBOL, compare, load_recorded, run_snippet

import jaxsym as mx

RECORDED = load_recorded("SYMBOL")
# Where jaxsym deliberately differs from 1.9.1; each has its own test below.
RESTORED = {"list_attr_recursive", "gradient_api", "infer_shape_positional"}


@pytest.mark.parametrize("name", sorted(set(SYMBOL) - RESTORED))
def test_matches_mxnet(name):
    compare(RECORDED[name], run_snippet(mx, SYMBOL[name]))


def test_list_attr_recursive_restored_with_warning():
    # 1.9.1 raises DeprecationWarning as an exception; the memo's call must work.
    assert "DeprecationWarning" in RECORDED["list_attr_recursive"][0]["raised"]
    expected = {f"{n}${k}": v for n, attrs in RECORDED["list_attr_recursive"][1].items()
                for k, v in attrs.items()}
    net = mx.sym.FullyConnected(mx.sym.Variable("data"), num_hidden=8, name="fc1",
                                attr={"__lr_mult__": "2"})
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(mx.sym.Activation(mx.sym.BatchNorm(
        net, name="bn1"), act_type="relu", name="relu1"), num_hidden=3, name="fc2"),
        name="softmax")
    with pytest.warns(DeprecationWarning, match="attr_dict"):
        listed = net.list_attr(recursive=True)
    assert listed == expected
    assert listed["fc1_weight$lr_mult"] == "2"


def test_positional_infer_shape():
    # MXNet 1.9.1's positional form fails inside the C API; jaxsym gives the documented
    # result (values follow list_arguments, None skips one).
    recorded = RECORDED["infer_shape_positional"]
    assert recorded["raised"][0] == "MXNetError"
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    c = a + b
    assert c.infer_shape((2, 3), (2, 3)) == ([(2, 3), (2, 3)], [(2, 3)], [])
    assert c.infer_shape((2, 3), None) == ([(2, 3), (2, 3)], [(2, 3)], [])
    with pytest.raises(mx.MXNetError, match="positional"):
        c.infer_shape((2, 3), (2, 3), (2, 3))
    with pytest.raises(mx.MXNetError, match="either"):
        c.infer_shape((2, 3), b=(2, 3))


def test_insufficient_shapes_warn_and_return_none():
    x = mx.sym.Variable("x")
    fc = mx.sym.FullyConnected(x, num_hidden=4, name="fc1")
    with pytest.warns(UserWarning, match="x"):
        assert fc.infer_shape(fc1_weight=(4, 3)) == (None, None, None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        arg, out, aux = fc.infer_shape_partial(fc1_weight=(4, 3))
    assert arg == [(), (4, 3), ()] and out == [()] and aux == []
    assert all(type(d) is int for s in fc.infer_shape(x=(2, 3))[0] for d in s)


def test_gradient_symbol_restored():
    # 1.9.1 removed Symbol.grad (AttributeError) and Symbol.gradient is unimplemented.
    assert RECORDED["gradient_api"][0] is False
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    c = a * b + a
    g = c.grad(wrt=("a"))
    assert g.list_arguments() == ["a", "b", c.name + "_0_grad"]
    assert len(g.list_outputs()) == 1
    both = c.gradient(["a", "b"])
    av, bv = np.arange(6, dtype=np.float32).reshape(2, 3), np.ones((2, 3), np.float32) * 3
    head = np.full((2, 3), 2.0, np.float32)
    ex = both.bind(mx.cpu(), {"a": mx.nd.array(av), "b": mx.nd.array(bv),
                              c.name + "_0_grad": mx.nd.array(head)})
    ga, gb = ex.forward()
    np.testing.assert_allclose(ga.asnumpy(), head * (bv + 1))
    np.testing.assert_allclose(gb.asnumpy(), head * av)
    assert both.infer_shape(a=(2, 3), b=(2, 3))[0] == [(2, 3)] * 3
    with pytest.raises(mx.MXNetError, match="'z' is not an argument"):
        c.grad("z")


def test_gradient_of_batchnorm_net_has_aux_and_loss_rule():
    x = mx.sym.Variable("x")
    net = mx.sym.SoftmaxOutput(mx.sym.BatchNorm(x, name="bn"), name="sm")
    g = net.grad(["x"])
    assert g.list_auxiliary_states() == ["bn_moving_mean", "bn_moving_var"]
    assert g.list_arguments()[-1] == "sm_0_grad"
    ex = g.simple_bind(mx.cpu(), x=(4, 3), sm_label=(4,))
    ex.arg_dict["x"][:] = mx.nd.array(np.random.RandomState(0).rand(4, 3))
    ex.arg_dict["bn_gamma"][:] = 1
    out = ex.forward()[0].asnumpy()
    assert out.shape == (4, 3) and np.isfinite(out).all()


def test_symbol_operator_type_errors():
    a = mx.sym.Variable("a")
    with pytest.raises(TypeError, match="not supported"):
        a + "x"
    with pytest.raises(NotImplementedError):
        bool(a)
