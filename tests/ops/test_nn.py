"""NN layers against MXNet-recorded fixtures, plus behaviour MXNet cannot record.

Fixtures: tests/data/ops/nn.{npz,json}, written by
    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_op_fixtures.py nn
from the cases in tests/conformance/cases_nn.py.
"""

import numpy as np
import pytest
from conformance.cases_nn import CASES
from conformance.check import check_case, load_fixture

import jaxsym as mx

META, ARRAYS = load_fixture("nn")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_nn_case(case):
    check_case(case, META, ARRAYS)


def _run(sym, args, is_train=False, head=None, seed=None):
    """Bind with gradients for every argument; forward, optionally backward."""
    if seed is not None:
        mx.random.seed(seed)
    grads = {k: mx.nd.zeros(v.shape) for k, v in args.items()}
    ex = sym.bind(mx.cpu(), {k: mx.nd.array(v) for k, v in args.items()}, args_grad=grads)
    outs = [o.asnumpy() for o in ex.forward(is_train=is_train)]
    if head is not None:
        ex.backward([mx.nd.array(h) for h in head])
        return outs, {k: g.asnumpy() for k, g in ex.grad_dict.items()}
    return outs, None


# -- errors name the node ----------------------------------------------------------------
def test_wrong_weight_shape_names_node():
    data, weight = mx.sym.Variable("data"), mx.sym.Variable("w")
    conv = mx.sym.Convolution(data, weight=weight, kernel=(3, 3), num_filter=4, name="conv1")
    with pytest.raises(mx.MXNetError, match=r"conv1.*\(4, 2, 3, 3\).*\(4, 3, 3, 3\)"):
        conv.infer_shape(data=(2, 3, 8, 8), w=(4, 2, 3, 3))
    fc = mx.sym.FullyConnected(data, weight=weight, num_hidden=5, name="fc1")
    with pytest.raises(mx.MXNetError, match=r"fc1.*\(5, 7\)"):
        fc.simple_bind(mx.cpu(), data=(2, 3, 4), w=(5, 7))


def test_bad_kernel_string_names_node():
    with pytest.raises(mx.MXNetError, match=r"conv2.*kernel"):
        mx.sym.Convolution(mx.sym.Variable("data"), kernel="(3, a)", num_filter=2, name="conv2")


def test_unknown_act_type_names_node():
    # MXNet 1.9.1's Activation knows only these five (no 'mish', no 'log_sigmoid').
    with pytest.raises(mx.MXNetError, match=r"act1.*mish.*relu"):
        mx.sym.Activation(mx.sym.Variable("data"), act_type="mish", name="act1")
    with pytest.raises(mx.MXNetError, match=r"lr1.*swish"):
        mx.sym.LeakyReLU(mx.sym.Variable("data"), act_type="swish", name="lr1")


def test_pooling_same_convention_fails_like_mxnet():
    pool = mx.sym.Pooling(mx.sym.Variable("data"), kernel=(3,), stride=(2,),
                          pooling_convention="same", name="pool1")
    with pytest.raises(mx.MXNetError, match=r"pool1.*same"):
        pool.infer_shape(data=(2, 3, 9))


# -- channel-last layouts (MXNet's CPU build cannot run NHWC convolutions) -------------------
def test_convolution_nhwc_matches_nchw():
    data = mx.sym.Variable("data")
    nhwc = mx.sym.Convolution(data, kernel=(3, 2), num_filter=5, layout="NHWC", name="c")
    # Shapes as MXNet 1.9.1's infer_shape reports them: weight (O, kh, kw, I).
    assert nhwc.infer_shape(data=(2, 6, 5, 4)) == (
        [(2, 6, 5, 4), (5, 3, 2, 4), (5,)], [(2, 4, 4, 5)], [])
    rng = np.random.RandomState(0)
    x, w, b = rng.randn(2, 6, 5, 4), rng.randn(5, 3, 2, 4), rng.randn(5)
    head = rng.randn(2, 4, 4, 5)
    (got,), grads = _run(nhwc, {"data": x, "c_weight": w, "c_bias": b}, True, [head])
    nchw = mx.sym.Convolution(data, kernel=(3, 2), num_filter=5, name="c")
    (want,), want_grads = _run(
        nchw, {"data": x.transpose(0, 3, 1, 2), "c_weight": w.transpose(0, 3, 1, 2),
               "c_bias": b}, True, [head.transpose(0, 3, 1, 2)])
    np.testing.assert_allclose(got, want.transpose(0, 2, 3, 1), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(grads["c_weight"], want_grads["c_weight"].transpose(0, 2, 3, 1),
                               rtol=1e-4, atol=1e-4)


def test_deconvolution_nhwc_shapes():
    deconv = mx.sym.Deconvolution(mx.sym.Variable("data"), kernel=(3, 2), num_filter=5,
                                  layout="NHWC", name="d")
    # MXNet 1.9.1: weight (channels, kh, kw, num_filter / num_group).
    assert deconv.infer_shape(data=(2, 6, 5, 4)) == ([(2, 6, 5, 4), (4, 3, 2, 5)],
                                                     [(2, 8, 6, 5)], [])


# -- random layers: statistics instead of MXNet's masks ---------------------------------------
def test_dropout_always_mode_drops_at_inference():
    x = np.ones((200, 50), np.float32)
    drop = mx.sym.Dropout(mx.sym.Variable("data"), p=0.3, mode="always", name="d")
    (out,), _ = _run(drop, {"data": x}, is_train=False, seed=1)
    kept = out != 0
    assert abs(1 - kept.mean() - 0.3) < 0.03
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)


def test_dropout_training_axes_share_mask_and_gradient_follows_it():
    x = np.ones((300, 4), np.float32)
    drop = mx.sym.Dropout(mx.sym.Variable("data"), p=0.5, axes=(1,), name="d")
    head = np.full(x.shape, 3.0, np.float32)
    (out,), grads = _run(drop, {"data": x}, is_train=True, head=[head], seed=2)
    assert set(np.unique(out)) == {0.0, 2.0}
    assert (out == out[:, :1]).all(), "axis 1 shares one mask"
    assert 0.4 < (out[:, 0] == 0).mean() < 0.6
    np.testing.assert_array_equal(grads["data"], out * 3.0)


def test_dropout_inference_identity_and_fresh_masks():
    x = np.arange(12, dtype=np.float32).reshape(3, 4) + 1
    drop = mx.sym.Dropout(mx.sym.Variable("data"), p=0.5, name="d")
    (out,), _ = _run(drop, {"data": x}, is_train=False)
    np.testing.assert_array_equal(out, x)
    ex = drop.bind(mx.cpu(), {"data": mx.nd.array(np.ones((50, 50)))})
    first, second = (ex.forward(is_train=True)[0].asnumpy() for _ in range(2))
    assert (first != second).any(), "each forward draws a new mask"


def test_rrelu_training_slopes_within_bounds():
    x = -np.ones((40, 50), np.float32)
    rrelu = mx.sym.LeakyReLU(mx.sym.Variable("data"), act_type="rrelu", lower_bound=0.2,
                             upper_bound=0.4, name="r")
    head = np.ones_like(x)
    (out, mask), grads = _run(rrelu, {"data": x}, True, [head, np.zeros_like(x)], seed=3)
    assert ((mask >= 0.2) & (mask <= 0.4)).all() and mask.std() > 0.03
    np.testing.assert_allclose(out, -mask)
    np.testing.assert_allclose(grads["data"], mask)


# -- gradients MXNet's fixtures cannot express -------------------------------------------------
def test_embedding_sparse_grad_gives_dense_gradient():
    # MXNet's sparse_grad gradient is row_sparse; jaxsym's holds the same values densely.
    idx = np.array([[0, 2], [2, 4]], np.float32)
    weight = np.random.RandomState(0).randn(5, 3)
    head = np.ones((2, 2, 3), np.float32)
    grads = {}
    for sparse in (False, True):
        emb = mx.sym.Embedding(mx.sym.Variable("data"), input_dim=5, output_dim=3,
                               sparse_grad=sparse, name="e")
        _, grads[sparse] = _run(emb, {"data": idx, "e_weight": weight}, True, [head])
    np.testing.assert_array_equal(grads[True]["e_weight"], grads[False]["e_weight"])
    np.testing.assert_array_equal(grads[True]["e_weight"][:, 0], [1, 0, 2, 0, 1])
    np.testing.assert_array_equal(grads[True]["data"], 0)


@pytest.mark.parametrize("shape,axis", [((4, 3, 5, 6), 1), ((6, 5), 1), ((2, 4, 3, 5), 3)])
def test_batch_norm_closed_form_gradient_equals_autodiff(shape, axis):
    """Training BatchNorm's hand-written backward (ops/nn.py) against differentiating its
    forward, in float64, with a random head gradient that also reaches mean and var."""
    import jax
    import jax.numpy as jnp

    from jaxsym.ops import nn

    rng = np.random.default_rng(0)
    channels = shape[axis]
    host = (rng.normal(1.0, 2.0, shape), rng.uniform(0.5, 1.5, channels),
            rng.normal(size=channels), rng.normal(size=shape))

    def reference(x, g, b):
        axes = tuple(i for i in range(x.ndim) if i != axis)
        mean = x.mean(axis=axes, keepdims=True)
        var = jnp.square(x - mean).mean(axis=axes, keepdims=True)
        bshape = [1] * x.ndim
        bshape[axis] = -1
        return (x - mean) * jax.lax.rsqrt(var + 1e-3) * g.reshape(bshape) + b.reshape(bshape)

    with jax.enable_x64(True):
        data, gamma, beta, head = (jnp.asarray(a) for a in host)
        assert data.dtype == jnp.float64
        want = jax.vjp(reference, data, gamma, beta)[1](head)
        got = jax.vjp(lambda x, g, b: nn._batch_stats_norm(x, g, b, axis, 1e-3)[0],
                      data, gamma, beta)[1](head)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-10, atol=1e-12)
