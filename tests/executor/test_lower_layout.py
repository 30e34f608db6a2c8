"""The lowering's layout pass and inference weight preparation change no numbers.

Reference: the same graph lowered with `channel_last=False`, where every op runs its
own channel-first implementation (the one the op tests check against MXNet). End-to-end
agreement with MXNet on whole networks is in tests/models/test_models.py.
"""

import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxsym as mx
from jaxsym.executor import lower


def _net(case: str):
    data = mx.sym.Variable("data")
    if case == "conv_bn_pool":
        net = mx.sym.Convolution(data, kernel=(3, 3), num_filter=6, pad=(1, 1), name="c1")
        net = mx.sym.BatchNorm(net, fix_gamma=False, name="b1")
        net = mx.sym.Activation(net, act_type="relu")
        net = mx.sym.Pooling(net, kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="max")
        skip = mx.sym.Convolution(net, kernel=(1, 1), num_filter=6, no_bias=True, name="c2")
        net = mx.sym.BatchNorm(skip, name="b2") + net  # fix_gamma=True default
        net = mx.sym.Pooling(net, kernel=(2, 2), stride=(2, 2), pool_type="sum")
        net = mx.sym.Pooling(net, kernel=(3, 3), pool_type="avg", pooling_convention="full")
        net = mx.sym.Pooling(net, global_pool=True, kernel=(1, 1), pool_type="avg")
        return mx.sym.FullyConnected(mx.sym.Flatten(net), num_hidden=3, name="fc")
    if case == "grouped_dilated_strided":
        net = mx.sym.Convolution(data, kernel=(3, 3), num_filter=4, num_group=2,
                                 dilate=(2, 2), stride=(2, 1), name="c1")
        net = mx.sym.BatchNorm(net, fix_gamma=False, eps=1e-5, name="b1")
        return mx.sym.Convolution(net * 2.0, kernel=(1, 1), num_filter=2, name="c2")
    if case == "conv1d_conv3d":
        one = mx.sym.Convolution(mx.sym.Variable("seq"), kernel=(3,), num_filter=3, name="c1")
        three = mx.sym.Convolution(data, kernel=(1, 2, 2), num_filter=2, name="c3")
        return mx.sym.Group([mx.sym.BatchNorm(one, name="b1"), three])
    if case == "tiled_max_pool":
        # kernel == stride takes the reshape path; 13 does not divide by 2 (crop).
        net = mx.sym.Convolution(data, kernel=(2, 2), num_filter=4, name="c1")
        net = mx.sym.Pooling(mx.sym.tanh(net), kernel=(2, 2), stride=(2, 2), pool_type="max")
        return mx.sym.Convolution(net, kernel=(1, 1), num_filter=2, name="c2")
    # A convolution whose output is also a graph output: its BatchNorm must not fold.
    conv = mx.sym.Convolution(data, kernel=(3, 3), num_filter=3, name="c1")
    return mx.sym.Group([conv, mx.sym.BatchNorm(conv, fix_gamma=False, name="b1")])


SHAPES = {"conv_bn_pool": {"data": (2, 3, 12, 12)},
          "grouped_dilated_strided": {"data": (1, 4, 9, 9)},
          "conv1d_conv3d": {"data": (1, 2, 3, 4, 4), "seq": (2, 2, 7)},
          "exposed_conv": {"data": (1, 2, 6, 6)},
          "tiled_max_pool": {"data": (2, 3, 14, 14)}}


def _arrays(net, shapes, seed=0):
    rng = np.random.default_rng(seed)
    arg_shapes, _, aux_shapes = net.infer_shape(**shapes)
    args = [jnp.asarray(rng.normal(size=s), jnp.float32) for s in arg_shapes]
    aux = [jnp.asarray(rng.uniform(0.5, 1.5, size=s), jnp.float32) for s in aux_shapes]
    return args, aux


@pytest.mark.parametrize("case", sorted(SHAPES))
@pytest.mark.parametrize("is_train", [False, True])
def test_channel_last_matches_channel_first(case, is_train):
    net = _net(case)
    args, aux = _arrays(net, SHAPES[case])
    fast, plain = lower.Lowered(net._outputs), lower.Lowered(net._outputs, channel_last=False)

    def loss(lowered):
        def f(args):
            outs, new_aux = lowered(args, aux, None, is_train)
            return sum(jnp.sum(o * o) for o in outs), (outs, new_aux)
        return jax.jit(jax.value_and_grad(f, has_aux=True))

    (_, (outs, new_aux)), grads = loss(fast)(args)
    (_, (ref_outs, ref_aux)), ref_grads = loss(plain)(args)
    for got, want in zip(outs + new_aux + grads, ref_outs + ref_aux + ref_grads):
        assert got.shape == want.shape
        # Training BatchNorm's backward cancels terms: both float32 orders then sit about
        # 1e-4 of the array's scale from a float64 run (checked when this was written).
        scale = float(jnp.max(jnp.abs(want)))
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5 + 3e-4 * scale)


@pytest.mark.parametrize("case", sorted(SHAPES))
def test_prepared_inference_matches_plain(case):
    net = _net(case)
    args, aux = _arrays(net, SHAPES[case])
    plain = lower.Lowered(net._outputs, channel_last=False)
    ref, _ = jax.jit(lambda a, x: plain(a, x, None, False))(args, aux)
    fast = lower.Lowered(net._outputs)
    assert fast.has_preparation
    outs = lower.inference_forward(fast)(*args, *aux)
    if len(ref) == 1:  # a single output comes back as itself, not in a tuple
        assert isinstance(outs, jax.Array)
        outs = (outs,)
    assert isinstance(outs, tuple) and len(outs) == len(ref)
    for got, want in zip(outs, ref):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5)


def test_folds_only_a_batchnorm_that_alone_reads_the_convolution():
    plans = {case: [(p.bn is not None) for p in lower.Lowered(_net(case)._outputs)._preps]
             for case in SHAPES}
    assert plans == {"conv_bn_pool": [True, True], "grouped_dilated_strided": [True, False],
                     "conv1d_conv3d": [True, False], "exposed_conv": [False],
                     "tiled_max_pool": [False, False]}


def test_new_weights_are_prepared_again_and_new_data_is_not():
    net = _net("conv_bn_pool")
    ex = net.simple_bind(mx.cpu(), data=(2, 3, 12, 12), grad_req="null")
    rng = np.random.default_rng(1)
    for array in list(ex.arg_dict.values()) + list(ex.aux_dict.values()):
        array[:] = rng.uniform(0.5, 1.5, array.shape).astype(np.float32)
    first = ex.forward(is_train=False)[0].asnumpy()
    forward = ex._program.forward_fn(False)
    prepared = forward._prepared
    ex.forward(is_train=False, data=mx.nd.array(rng.normal(size=(2, 3, 12, 12))))
    assert forward._prepared is prepared
    ex.arg_dict["c1_weight"][:] = ex.arg_dict["c1_weight"].asnumpy() * 2
    ex.aux_dict["b2_moving_var"][:] = np.full((6,), 4.0, np.float32)
    data = rng.normal(size=(2, 3, 12, 12)).astype(np.float32)
    got = ex.forward(is_train=False, data=mx.nd.array(data))[0].asnumpy()
    assert forward._prepared is not prepared
    fresh = net.simple_bind(mx.cpu(), data=(2, 3, 12, 12), grad_req="null")
    fresh.copy_params_from({k: v for k, v in ex.arg_dict.items()}, ex.aux_dict)
    want = fresh.forward(is_train=False, data=mx.nd.array(data))[0].asnumpy()
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert not np.allclose(got, first)


def test_graph_without_convolution_is_one_jitted_call():
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    lowered = lower.Lowered((a + b)._outputs)
    assert not lowered.has_preparation
    assert isinstance(lower.inference_forward(lowered), type(jax.jit(lambda x: x)))


def test_compiler_options_keep_training_convolutions_off_ynnpack_on_cpu():
    data = mx.sym.Variable("data")
    conv = mx.sym.Convolution(data, kernel=(3, 3), num_filter=4, name="c")
    dense = mx.sym.FullyConnected(data, num_hidden=4, name="f")
    conv_lowered, dense_lowered = lower.Lowered(conv._outputs), lower.Lowered(dense._outputs)
    cpu = jax.devices("cpu")[0]
    train = lower.compiler_options(conv_lowered, True, cpu)
    infer = lower.compiler_options(conv_lowered, False, cpu)
    ynn = "xla_cpu_experimental_ynn_fusion_type"
    assert "CONVOLUTION" not in train[ynn] and "ELTWISE" not in train[ynn]
    assert "REDUCE" in train[ynn]
    assert "INDIVIDUAL_CONVOLUTION" in infer[ynn]
    assert lower.compiler_options(dense_lowered, True, cpu) == {}
    assert lower.compiler_options(dense_lowered, False, cpu) == {}
    # XLA accepts them: a training step of the convolution compiles and runs.
    ex = conv.simple_bind(mx.cpu(), data=(2, 3, 6, 6))
    ex.forward(is_train=True)
    ex.backward(mx.nd.ones((2, 4, 4, 4)))
    assert ex.grad_dict["c_weight"].shape == (4, 3, 3, 3)


def _residual_chain(units: int = 3):
    def conv_bn(x, name, relu=True):
        x = mx.sym.Convolution(x, kernel=(3, 3), pad=(1, 1), num_filter=8, no_bias=True,
                               name=name)
        x = mx.sym.BatchNorm(x, fix_gamma=False, name=name + "_bn")
        return mx.sym.Activation(x, act_type="relu") if relu else x
    net = conv_bn(mx.sym.Variable("data"), "c0")
    for u in range(units):
        net = mx.sym.Activation(conv_bn(conv_bn(net, f"u{u}a"), f"u{u}b", relu=False) + net,
                                act_type="relu")
    return net


def _training_program(lowered, aux):
    def step(args, materialize):
        outs, pullback, _ = jax.vjp(
            lambda a: lowered(a, aux, None, True, materialize=materialize), args,
            has_aux=True)
        return pullback([jnp.ones_like(o) for o in outs])[0]
    return jax.jit(step, compiler_options=lower.compiler_options(
        lowered, True, jax.devices("cpu")[0]))


def test_training_convolution_inputs_are_computed_once():
    """Each weight gradient's transposed input reads one materialized buffer, not a
    recomputation of the residual chain (BatchNorm + sum + ReLU) from the convolution
    outputs; and the 1.0 that enforces it changes no number."""
    net = _residual_chain()
    lowered = lower.Lowered(net._outputs)
    args, aux = _arrays(net, {"data": (4, 3, 10, 10)})
    one = lower.materialize_scalar(lowered, jax.devices("cpu")[0])
    assert one is not None and float(one) == 1.0
    program = _training_program(lowered, aux)
    hlo = program.lower(args, one).compile().as_text()
    fusions = re.findall(r"^\s*%(\S*transpose\S*) = .* fusion\((.*?)\), kind", hlo, re.MULTILINE)
    assert fusions, "no transposing fusion: the test no longer sees weight gradients"
    for name, operands in fusions:
        convolutions = re.findall(r"%convolution[\w.-]*", operands)
        assert len(convolutions) <= 1, (name, convolutions)
    with_one = program(args, one)
    without = _training_program(lowered, aux)(args, None)
    for a, b in zip(with_one, without):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_materialize_scalar_only_for_convolutions_on_cpu():
    data = mx.sym.Variable("data")
    dense = lower.Lowered(mx.sym.FullyConnected(data, num_hidden=4, name="f")._outputs)
    assert lower.materialize_scalar(dense, jax.devices("cpu")[0]) is None
