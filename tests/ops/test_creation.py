"""Creation ops against MXNet-recorded values, plus their JSON forms, graph use, the
`mx.nd` wrappers and error paths (expected values read off MXNet 1.9.1)."""

import json

import numpy as np
import pytest
from conformance.cases_creation import CASES
from conformance.check import check_case, load_fixture

import jaxsym as mx

META, ARRAYS = load_fixture("creation")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_creation_case(case):
    check_case(case, META, ARRAYS)


def _node(sym):
    return json.loads(sym.tojson())["nodes"][-1]


# -- JSON forms: op, auto name and attribute strings as MXNet's tojson writes them ------
@pytest.mark.parametrize("make, op, attrs", [
    (lambda: mx.sym.zeros((2, 3)), "_zeros", {"dtype": "float32", "shape": "(2, 3)"}),
    (lambda: mx.sym.zeros(2, dtype=np.int32), "_zeros", {"dtype": "int32", "shape": "2"}),
    (lambda: mx.sym.ones((2, 3), dtype="int32"), "_ones",
     {"dtype": "int32", "shape": "(2, 3)"}),
    (lambda: mx.sym.full((2, 3), val=2.5), "_full",
     {"dtype": "float32", "shape": "(2, 3)", "value": "2.5"}),
    (lambda: mx.sym.full(2, 1 / 3), "_full",
     {"dtype": "float32", "shape": "2", "value": "0.3333333333333333"}),
    (lambda: mx.sym._internal._full(shape=(2,), value=1), "_full",
     {"shape": "(2,)", "value": "1"}),
    (lambda: mx.sym.arange(1, 5, 0.5, repeat=2), "_arange",
     {"dtype": "float32", "infer_range": "False", "repeat": "2", "start": "1",
      "step": "0.5", "stop": "5"}),
    (lambda: mx.sym.arange(5), "_arange",
     {"dtype": "float32", "infer_range": "False", "repeat": "1", "start": "5",
      "step": "1.0", "stop": "None"}),
    (lambda: mx.sym._internal._arange(start=2), "_arange", {"start": "2"}),
    (lambda: mx.sym.linspace(0, 1, 5), "_linspace",
     {"dtype": "float32", "endpoint": "True", "num": "5", "start": "0", "stop": "1"}),
    (lambda: mx.sym.linspace(0, 1, 3, endpoint=0), "_linspace",
     {"dtype": "float32", "endpoint": "0", "num": "3", "start": "0", "stop": "1"}),
    (lambda: mx.sym.eye(3, 4, 1), "_eye", {"M": "4", "N": "3", "dtype": "float32", "k": "1"}),
    (lambda: mx.sym.eye(2, ctx="cpu(0)"), "_eye",
     {"M": "0", "N": "2", "ctx": "cpu(0)", "dtype": "float32", "k": "0"}),
    (lambda: mx.sym._internal._eye(N=2), "_eye", {"N": "2"}),
])
def test_json_attrs_and_round_trip(make, op, attrs):
    sym = make()
    node = _node(sym)
    assert (node["op"], node["name"], node["attrs"], node["inputs"]) == \
        (op, op + "0", attrs, [])
    assert json.loads(sym.tojson())["arg_nodes"] == []
    again = mx.sym.load_json(sym.tojson())
    assert again.tojson() == sym.tojson()
    np.testing.assert_array_equal(again.bind(mx.cpu(), {}).forward()[0].asnumpy(),
                                  sym.bind(mx.cpu(), {}).forward()[0].asnumpy())


def test_names_and_listing():
    s = mx.sym.full((2, 3), 7, name="f")
    assert (s.name, s.list_arguments(), s.list_outputs()) == ("f", [], ["f_output"])
    assert [mx.sym.zeros(1).name, mx.sym.zeros(1).name, mx.sym.eye(1).name] == \
        ["_zeros0", "_zeros1", "_eye0"]


# -- dtypes: infer_type reports the parameter's dtype (float64 included) ------------------
@pytest.mark.parametrize("make, dtype", [
    (lambda: mx.sym.zeros((2,)), np.float32),
    (lambda: mx.sym.ones((2,), dtype="bool"), np.bool_),
    (lambda: mx.sym.full((2,), 1, dtype="uint8"), np.uint8),
    (lambda: mx.sym.arange(3, dtype="int8"), np.int8),
    (lambda: mx.sym.linspace(0, 1, 3, dtype="float64"), np.float64),
    (lambda: mx.sym.eye(2, dtype="float16"), np.float16),
])
def test_infer_type(make, dtype):
    assert make().infer_type() == ([], [dtype], [])


# -- inside graphs (values as MXNet 1.9.1 computes them) -----------------------------------
def _run(sym, **values):
    ex = sym.bind(mx.cpu(), {k: mx.nd.array(v) for k, v in values.items()})
    return ex.forward()[0].asnumpy()


def test_in_graph_with_other_ops():
    x = mx.sym.var("x")
    s = mx.sym.linspace(0, 1, 4) * x
    assert s.infer_shape(x=(4,)) == ([(4,)], [(4,)], [])
    np.testing.assert_allclose(_run(s, x=np.arange(4)), [0, 1 / 3, 4 / 3, 3], rtol=1e-6)
    np.testing.assert_array_equal(_run(mx.sym.eye(3) + x, x=np.arange(9).reshape(3, 3)),
                                  [[1, 1, 2], [3, 5, 5], [6, 7, 9]])
    fc = mx.sym.FullyConnected(mx.sym.ones((2, 4)), num_hidden=3, name="fc")
    assert fc.infer_shape_partial() == ([(3, 4), (3,)], [(2, 3)], [])
    assert fc.list_arguments() == ["fc_weight", "fc_bias"]
    s = mx.sym.broadcast_mul(mx.sym.arange(1, 3).reshape((2, 1)), x)
    np.testing.assert_array_equal(_run(s, x=np.ones((1, 3))), [[1, 1, 1], [2, 2, 2]])


def test_gradient_flows_to_other_inputs_only():
    x = mx.sym.var("x")
    s = x * mx.sym.full((3,), 2.0) + mx.sym.arange(3)
    grad = mx.nd.zeros((3,))
    ex = s.bind(mx.cpu(), {"x": mx.nd.array([1, 2, 3])}, args_grad={"x": grad})
    np.testing.assert_array_equal(ex.forward(is_train=True)[0].asnumpy(), [2, 5, 8])
    ex.backward(mx.nd.array([1, 10, 100]))
    np.testing.assert_array_equal(grad.asnumpy(), [2, 20, 200])


def test_shape_mismatch_in_graph_names_the_consumer():
    x = mx.sym.var("x")
    with pytest.raises(mx.MXNetError, match="_plus0"):
        (mx.sym.eye(3, name="e") + x).infer_shape(x=(3, 4))


def test_unknown_shapes_are_not_inferred_from_consumers():
    # MXNet completes zeros((0, 3)) and arange(0, infer_range=True) from the consumer
    # (x (2, 3) gives a (2, 3) zeros); jaxsym says it does not, naming the node.
    x = mx.sym.var("x")
    with pytest.raises(mx.MXNetError, match=r"'_zeros0' \(_zeros\).*unknown dimensions"):
        (mx.sym.zeros((0, 3)) + x).infer_shape(x=(2, 3))
    with pytest.raises(mx.MXNetError, match=r"'r' \(_arange\).*infer_range"):
        (mx.sym.arange(0, infer_range=True, name="r") + x).infer_shape(x=(5,))


@pytest.mark.parametrize("make, match", [
    (lambda: mx.sym.arange(0, 5, 0, name="r"), r"'r' \(_arange\).*step=0"),
    (lambda: mx.sym.arange(2, 2, name="r"), r"'r' \(_arange\).*\(2, 2, 1\)"),
    (lambda: mx.sym.linspace(0, 1, -1, name="l"), r"'l' \(_linspace\).*-1"),
    (lambda: mx.sym.eye(-1, name="e"), r"'e' \(_eye\).*N=-1"),
])
def test_bad_values_name_node_and_op(make, match):
    with pytest.raises(mx.MXNetError, match=match):
        make().infer_shape()


@pytest.mark.parametrize("make, match", [
    (lambda: mx.sym.zeros((2,), dtype="float128", name="z"), "_zeros 'z'.*dtype"),
    (lambda: mx.sym.eye(2, dtype="bool"), "_eye.*dtype"),
    (lambda: mx.sym._internal._full(shape=(2,)), "_full.*'value' is missing"),
    (lambda: mx.sym.zeros((2,), foo=1), "_zeros.*unknown parameter 'foo'"),
])
def test_bad_parameters(make, match):
    with pytest.raises(mx.MXNetError, match=match):
        make()


# -- mx.nd: MXNet's wrappers, and the registry ops called imperatively ---------------------
def test_nd_eye_and_linspace():
    e = mx.nd.eye(3, k=1)
    assert (e.shape, e.dtype, str(e.context)) == ((3, 3), np.float32, "cpu(0)")
    np.testing.assert_array_equal(e.asnumpy(), np.eye(3, k=1))
    assert mx.nd.eye(2, dtype="int32").dtype == np.int32
    assert mx.nd.eye(2, 3, ctx=mx.cpu(1)).context == mx.cpu(1)
    np.testing.assert_array_equal(mx.nd.linspace(0, 1, 3).asnumpy(), [0, 0.5, 1])
    lin = mx.nd.linspace(0, 1, 3, dtype="int32", ctx=mx.cpu())
    assert lin.dtype == np.int32
    np.testing.assert_array_equal(lin.asnumpy(), [0, 0, 1])
    np.testing.assert_array_equal(mx.nd._internal._full(shape=(2,), value=2).asnumpy(), [2, 2])
    with pytest.raises(mx.MXNetError, match="unknown dimensions"):
        mx.nd._internal._zeros(shape=(0, 3))


def test_nd_creation_functions_unchanged():
    assert mx.nd.zeros((2, 3)).shape == (2, 3)
    assert mx.nd.ones(2, dtype="int32").dtype == np.int32
    np.testing.assert_array_equal(mx.nd.full((2,), 7).asnumpy(), [7, 7])
    np.testing.assert_array_equal(mx.nd.arange(0, 5, 2, repeat=2).asnumpy(),
                                  [0, 0, 2, 2, 4, 4])
    assert mx.nd.empty((2, 2)).shape == (2, 2)


# -- random draws: moments against the parameters (conventions checked on MXNet 1.9.1
# with 200000 draws: gamma's beta is a scale, exponential's lam a rate, negative_binomial
# counts failures before k successes, generalized_negative_binomial has variance
# mu + alpha * mu^2) ------------------------------------------------------------------
# Each case also checks the support: (lowest, highest) allowed value, integer-valued.
@pytest.mark.parametrize("op, kwargs, mean, var, support, integral", [
    ("random_uniform", dict(low=-1, high=3), 1.0, 16 / 12, (-1, 3), False),
    ("uniform", {}, 0.5, 1 / 12, (0, 1), False),
    ("random_normal", dict(loc=1, scale=2), 1.0, 4.0, (-np.inf, np.inf), False),
    ("normal", {}, 0.0, 1.0, (-np.inf, np.inf), False),
    ("random_gamma", dict(alpha=2, beta=3), 6.0, 18.0, (0, np.inf), False),
    ("random_exponential", dict(lam=4), 0.25, 1 / 16, (0, np.inf), False),
    ("random_poisson", dict(lam=3), 3.0, 3.0, (0, np.inf), True),
    ("random_negative_binomial", dict(k=3, p=0.4), 4.5, 11.25, (0, np.inf), True),
    ("random_generalized_negative_binomial", dict(mu=2, alpha=0.5), 2.0, 4.0, (0, np.inf),
     True),
    ("random_randint", dict(low=-2, high=3), 0.0, 2.0, (-2, 2), True),
])
def test_random_moments(op, kwargs, mean, var, support, integral):
    mx.random.seed(3)
    out = getattr(mx.nd, op)(shape=(20000,), **kwargs)
    assert out.shape == (20000,)
    assert out.dtype == (np.int32 if op == "random_randint" else np.float32)
    draws = out.asnumpy().astype(np.float64)
    assert abs(draws.mean() - mean) < 0.05 * max(1.0, np.sqrt(var))
    assert abs(draws.var() - var) < 0.08 * var
    assert support[0] <= draws.min() and draws.max() <= support[1]
    assert (draws == np.round(draws)).all() == integral
    if op == "random_randint":
        assert set(draws.tolist()) == {-2, -1, 0, 1, 2}


def test_sample_moments_per_element():
    mu, sigma = mx.nd.array([-5, 0, 10]), mx.nd.array([0.5, 1, 3])
    mx.random.seed(5)
    d = mx.nd.sample_normal(mu, sigma, shape=(20000,)).asnumpy()
    assert d.shape == (3, 20000)
    np.testing.assert_allclose(d.mean(axis=1), [-5, 0, 10], atol=0.1)
    np.testing.assert_allclose(d.std(axis=1), [0.5, 1, 3], rtol=0.05)
    lam = mx.nd.array([[1, 4], [10, 0.5]])
    p = mx.nd.sample_poisson(lam, shape=(20000,)).asnumpy()
    np.testing.assert_allclose(p.mean(axis=-1), lam.asnumpy(), rtol=0.05)
    g = mx.nd.sample_gamma(mx.nd.array([1, 5]), mx.nd.array([2, 0.5]), shape=(20000,))
    np.testing.assert_allclose(g.asnumpy().mean(axis=-1), [2, 2.5], rtol=0.05)
    lo, hi = mx.nd.array([0, 10]), mx.nd.array([1, 20])
    u = mx.nd.sample_uniform(lo, hi, shape=(20000,)).asnumpy()
    np.testing.assert_allclose(u.mean(axis=-1), [0.5, 15], rtol=0.02)
    e = mx.nd.sample_exponential(mx.nd.array([0.5, 4]), shape=(20000,)).asnumpy()
    np.testing.assert_allclose(e.mean(axis=-1), [2, 0.25], rtol=0.05)


def test_multinomial_frequencies_and_log_prob_gradient():
    probs = np.array([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]], np.float32)
    x = mx.sym.var("x")
    s = mx.sym.sample_multinomial(x, shape=(5000,), get_prob=True)
    grad = mx.nd.zeros((2, 3))
    ex = s.bind(mx.cpu(), {"x": mx.nd.array(probs)}, args_grad={"x": grad})
    mx.random.seed(6)
    samples, logp = (o.asnumpy() for o in ex.forward(is_train=True))
    assert samples.dtype == np.int32 and samples.shape == (2, 5000)
    counts = np.stack([np.bincount(row, minlength=3) for row in samples])
    np.testing.assert_allclose(counts / 5000, probs, atol=0.03)
    np.testing.assert_allclose(logp, np.log(np.take_along_axis(probs, samples, 1)), rtol=1e-6)
    # MXNet's backward: head gradient / p[sample], summed at each sampled class.
    heads = np.random.RandomState(0).uniform(-1, 1, samples.shape).astype(np.float32)
    ex.backward([mx.nd.zeros(samples.shape), mx.nd.array(heads)])
    want = np.zeros((2, 3))
    for b in range(2):
        np.add.at(want[b], samples[b], heads[b] / probs[b, samples[b]])
    np.testing.assert_allclose(grad.asnumpy(), want, rtol=1e-4, atol=1e-4)


def test_shuffle_permutes_first_axis():
    data = np.arange(30, dtype=np.float32).reshape(10, 3)
    ex = mx.sym.shuffle(mx.sym.var("x")).bind(mx.cpu(), {"x": mx.nd.array(data)})
    out = ex.forward()[0].asnumpy()
    assert sorted(map(tuple, out)) == sorted(map(tuple, data))
    assert not (out == data).all()


def test_executor_draws_fresh_values_and_seed_repeats():
    s = mx.sym.random_uniform(shape=(3,)) + mx.sym.sample_normal(
        mx.sym.var("mu"), mx.sym.var("sigma"))
    ex = s.bind(mx.cpu(), {"mu": mx.nd.zeros((3,)), "sigma": mx.nd.ones((3,))})
    mx.random.seed(1)
    a = ex.forward()[0].asnumpy()
    b = ex.forward()[0].asnumpy()
    mx.random.seed(1)
    c = ex.forward()[0].asnumpy()
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(a, c)
    mx.random.seed(1)
    d1 = mx.nd.random_normal(shape=(4,)).asnumpy()
    mx.random.seed(1)
    np.testing.assert_array_equal(mx.nd.random_normal(shape=(4,)).asnumpy(), d1)


@pytest.mark.parametrize("make, op, name, attrs", [
    (lambda: mx.sym.random_uniform(shape=(2,)), "_random_uniform", "random_uniform0",
     {"shape": "(2,)"}),
    (lambda: mx.sym.uniform(shape=(2,)), "_random_uniform", "uniform0", {"shape": "(2,)"}),
    (lambda: mx.sym.normal(), "_random_normal", "normal0", None),
    (lambda: mx.sym.random_poisson(lam=2), "_random_poisson", "random_poisson0",
     {"lam": "2"}),
    (lambda: mx.sym.sample_normal(mx.sym.var("a"), mx.sym.var("b")), "_sample_normal",
     "sample_normal0", None),
    (lambda: mx.sym.shuffle(mx.sym.var("a")), "_shuffle", "shuffle0", None),
])
def test_random_json(make, op, name, attrs):
    sym = make()
    node = _node(sym)
    assert (node["op"], node["name"], node.get("attrs")) == (op, name, attrs)
    assert mx.sym.load_json(sym.tojson()).tojson() == sym.tojson()


@pytest.mark.parametrize("make, shapes, dtypes", [
    (lambda x: mx.sym.random_uniform(shape=(2,)), {}, [np.float32]),
    (lambda x: mx.sym.random_normal(shape=(2,), dtype="float16"), {}, [np.float16]),
    (lambda x: mx.sym.random_randint(0, 5, shape=(2,)), {}, [np.int32]),
    (lambda x: mx.sym.random_poisson(shape=(2,)), {}, [np.float32]),
    (lambda x: mx.sym.sample_poisson(x), {"x": "float16"}, [np.float32]),
    (lambda x: mx.sym.sample_uniform(x, x, dtype="float64"), {"x": "float16"}, [np.float64]),
    (lambda x: mx.sym.sample_multinomial(x, get_prob=True), {"x": "float16"},
     [np.int32, np.float16]),
])
def test_random_infer_type(make, shapes, dtypes):
    assert make(mx.sym.var("x")).infer_type(**shapes)[1] == dtypes


def test_nd_random_module_unchanged():
    mx.random.seed(42)
    u1 = mx.nd.random.uniform(shape=(2, 2)).asnumpy()
    mx.random.seed(42)
    np.testing.assert_array_equal(mx.nd.random.uniform(shape=(2, 2)).asnumpy(), u1)
    assert mx.random.normal(shape=(3,)).shape == (3,)


def test_pdf_docstring_example_and_json():
    # MXNet 1.9.1's random_pdf_normal docstring example.
    sample = mx.nd.array([[-2, -1, 0, 1, 2]] * 2)
    out = mx.nd.random_pdf_normal(sample=sample, mu=mx.nd.array([0, 0]),
                                  sigma=mx.nd.array([1, 2]))
    np.testing.assert_allclose(out.asnumpy(), [
        [0.05399097, 0.24197073, 0.3989423, 0.24197073, 0.05399097],
        [0.12098537, 0.17603266, 0.19947115, 0.17603266, 0.12098537]], rtol=1e-6)
    s = mx.sym.random_pdf_dirichlet(mx.sym.var("x"), mx.sym.var("a"), is_log=True)
    node = _node(s)
    assert (node["op"], node["name"], node["attrs"]) == \
        ("_random_pdf_dirichlet", "random_pdf_dirichlet0", {"is_log": "True"})
    assert s.list_arguments() == ["x", "a"]


# -- mx.sym.random: number parameters pick _random_*, Symbols _sample_* (MXNet 1.9.1) --------
def test_sym_random_wrappers():
    x, y = mx.sym.var("x"), mx.sym.var("y")
    r = mx.sym.random
    got = [_node(s) for s in (
        r.uniform(0, 1, shape=(2,)), r.uniform(x, y, shape=(2,)), r.normal(shape=3),
        r.randint(0, 5, shape=3), r.multinomial(x), r.shuffle(x),
        r.exponential(2, shape=2), r.gamma(2, 3, shape=2, dtype="float16"),
        r.generalized_negative_binomial(x, y), r.exponential(x, shape=2), r.uniform())]
    assert [(n["op"], n["name"], n.get("attrs")) for n in got] == [
        ("_random_uniform", "_random_uniform0", {"high": "1", "low": "0", "shape": "(2,)"}),
        ("_sample_uniform", "_sample_uniform0", {"shape": "(2,)"}),
        ("_random_normal", "_random_normal0", {"loc": "0", "scale": "1", "shape": "3"}),
        ("_random_randint", "_random_randint0", {"high": "5", "low": "0", "shape": "3"}),
        ("_sample_multinomial", "_sample_multinomial0", {"dtype": "int32", "get_prob": "True"}),
        ("_shuffle", "_shuffle0", None),
        ("_random_exponential", "_random_exponential0", {"lam": "0.5", "shape": "2"}),
        ("_random_gamma", "_random_gamma0",
         {"alpha": "2", "beta": "3", "dtype": "float16", "shape": "2"}),
        ("_sample_generalized_negative_binomial", "_sample_generalized_negative_binomial0",
         None),
        ("_sample_exponential", "_sample_exponential0", {"shape": "2"}),
        ("_random_uniform", "_random_uniform1", {"high": "1", "low": "0"})]
    with pytest.raises(mx.MXNetError, match="all be Symbols or all numbers"):
        r.normal(x, 1)


def test_nd_random_wrappers():
    # Shapes, dtypes and contexts as MXNet 1.9.1's mx.nd.random gives them.
    r = mx.nd.random
    assert [r.exponential().shape, r.poisson(2).shape, r.randint(0, 3).shape] == [(1,)] * 3
    assert r.exponential(shape=(2,)).dtype == np.float32
    assert r.randint(0, 3, ctx=mx.cpu(1)).context == mx.cpu(1)
    assert r.exponential(mx.nd.array([1, 2]), shape=3).shape == (2, 3)
    assert r.multinomial(mx.nd.array([0.5, 0.5])).shape == (1,)
    assert r.multinomial(mx.nd.array([[0.5, 0.5]]), get_prob=True)[1].shape == (1,)
    assert sorted(r.shuffle(mx.nd.arange(5)).asnumpy().tolist()) == [0, 1, 2, 3, 4]
    target = mx.nd.zeros((1,))
    assert r.poisson(2, out=target) is target
    mx.random.seed(2)
    e = r.exponential(scale=4, shape=(20000,)).asnumpy()
    assert abs(e.mean() - 4) < 0.2


def test_nd_arange_is_the_arange_op():
    # Recorded from MXNet 1.9.1: mx.nd.arange casts start and step to the output type
    # before stepping, as its _arange op does (numpy's arange would give 0, 0.25, ...).
    assert mx.nd.arange(0, 2, 0.25, dtype="float16").asnumpy().tolist() == [0.0] * 8
    assert mx.nd.arange(0.5, 3.2, 0.7, dtype="int32").asnumpy().tolist() == [0, 0, 0, 0]
    assert mx.nd.arange(1, 4, 0.5, repeat=2).asnumpy().tolist() == [
        1.0, 1.0, 1.5, 1.5, 2.0, 2.0, 2.5, 2.5, 3.0, 3.0, 3.5, 3.5]


def test_nd_uniform_with_array_bounds_draws_per_element():
    # MXNet's mx.nd.random.uniform with NDArray bounds is _sample_uniform: one draw per
    # element, shape (3,) (not (3, 1)); number bounds default to shape (1,).
    low, high = mx.nd.array([0.0, 10.0, 20.0]), mx.nd.array([1.0, 11.0, 21.0])
    draws = mx.nd.random.uniform(low, high).asnumpy()
    assert draws.shape == (3,)
    assert ((draws >= [0, 10, 20]) & (draws < [1, 11, 21])).all()
    assert mx.nd.random.normal(0, 1).shape == (1,)
