"""Sequence, indexing and ordering ops (ops/tensor.py) against MXNet-recorded values,
plus dtype rules, the nd and fluent forms, JSON forms and error paths."""

import json

import numpy as np
import pytest
from conformance.cases_tensor import CASES
from conformance.check import check_case, load_fixture

import jaxsym as mx

META, ARRAYS = load_fixture("tensor")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_tensor_case(case):
    check_case(case, META, ARRAYS)


# -- inference (read off MXNet 1.9.1's infer_shape_partial / infer_type) -------------------
@pytest.mark.parametrize("make, given, args, outs", [
    (lambda d: mx.sym.SequenceMask(d, use_sequence_length=True, name="n"), (4, 3, 2),
     [(4, 3, 2), (3,)], [(4, 3, 2)]),
    (lambda d: mx.sym.SequenceLast(d, use_sequence_length=True, axis=1, name="n"),
     (2, 5, 3), [(2, 5, 3), (2,)], [(2, 3)]),
    (lambda d: mx.sym.SequenceReverse(d, use_sequence_length=True, name="n"), (4, 3),
     [(4, 3), (3,)], [(4, 3)]),
    (lambda d: mx.sym.pick(d, mx.sym.Variable("index"), axis=1, keepdims=True, name="n"),
     (3, 4), [(3, 4), (3,)], [(3, 1)]),
    (lambda d: mx.sym.pick(d, mx.sym.Variable("index"), axis=0, name="n"), (3, 4),
     [(3, 4), (4,)], [(4,)]),
])
def test_partial_shapes(make, given, args, outs):
    arg_shapes, out_shapes, _ = make(mx.sym.Variable("data")).infer_shape_partial(data=given)
    assert (arg_shapes, out_shapes) == (args, outs)


def test_sequence_length_argument_is_auto_named():
    sym = mx.sym.SequenceMask(mx.sym.Variable("data"), use_sequence_length=True, name="n")
    assert sym.list_arguments() == ["data", "n_sequence_length"]
    assert mx.sym.SequenceMask(mx.sym.Variable("data")).list_arguments() == ["data"]


@pytest.mark.parametrize("make, in_dtype, out_dtypes", [
    (lambda d: mx.sym.topk(d, ret_typ="both", dtype="int64"), "float16",
     [np.float16, np.int64]),
    (lambda d: mx.sym.topk(d, ret_typ="mask", dtype="int64"), "float16", [np.float16]),
    (lambda d: mx.sym.topk(d, ret_typ="value", dtype="int32"), "float16", [np.float16]),
    (lambda d: mx.sym.topk(d, dtype="int32"), "float16", [np.int32]),
    (lambda d: mx.sym.argsort(d, dtype="float64"), "float16", [np.float64]),
    (lambda d: mx.sym.sort(d), "float16", [np.float16]),
    (lambda d: mx.sym.shape_array(d), "float16", [np.int64]),
    (lambda d: mx.sym.size_array(d), "int32", [np.int64]),
    (lambda d: mx.sym.softmin(d, dtype="float64"), "float32", [np.float64]),
])
def test_infer_type(make, in_dtype, out_dtypes):
    _, out_types, _ = make(mx.sym.Variable("data")).infer_type(data=in_dtype)
    assert out_types == out_dtypes


# -- values with ties, the nd and fluent forms (printed by MXNet 1.9.1) ----------------------
_TIES = [[3, 1, 3, 2, 1], [0, 0, 5, 5, 0]]


@pytest.mark.parametrize("call, want", [
    # Stable in both directions: tied elements keep their input order.
    (lambda x: mx.nd.topk(x, k=3, ret_typ="both"),
     [[[3, 3, 2], [5, 5, 0]], [[0, 2, 3], [2, 3, 0]]]),
    (lambda x: mx.nd.topk(x, k=3, ret_typ="both", is_ascend=True),
     [[[1, 1, 2], [0, 0, 0]], [[1, 4, 3], [0, 1, 4]]]),
    (lambda x: mx.nd.topk(x, k=2, axis=None, ret_typ="both"), [[5, 5], [7, 8]]),
    (lambda x: mx.nd.topk(x, k=3, ret_typ="mask"), [[1, 0, 1, 1, 0], [1, 0, 1, 1, 0]]),
    (lambda x: mx.nd.argsort(x), [[1, 4, 3, 0, 2], [0, 1, 4, 2, 3]]),
    (lambda x: mx.nd.argsort(x, is_ascend=False), [[0, 2, 3, 1, 4], [2, 3, 0, 1, 4]]),
    (lambda x: mx.nd.argsort(x, axis=None, dtype="int32"), [5, 6, 9, 1, 4, 3, 0, 2, 7, 8]),
    (lambda x: x.sort(axis=None), [0, 0, 0, 1, 1, 2, 3, 3, 5, 5]),
    (lambda x: x.topk(k=1), [[0], [2]]),
    (lambda x: x.argsort(axis=0), [[1, 1, 0, 0, 1], [0, 0, 1, 1, 0]]),
    (lambda x: x.pick(mx.nd.array([0, 5]), axis=1), [3, 0]),
    (lambda x: x.pick(mx.nd.array([-1, 2.7]), axis=1, mode="wrap"), [1, 5]),
    (lambda x: x.slice_like(mx.nd.zeros((1, 2))), [[3, 1]]),
    (lambda x: x.shape_array(), [2, 5]),
    (lambda x: x.size_array(), [10]),
    (lambda x: x.diag(k=1), [1, 5]),
    (lambda x: x.reshape((1, 2, 1, 5))[:, :, :, :4].space_to_depth(1).shape_array(),
     [1, 2, 1, 4]),
])
def test_nd_and_fluent_values(call, want):
    out = call(mx.nd.array(_TIES))
    got = [o.asnumpy() for o in out] if isinstance(out, list) else out.asnumpy()
    np.testing.assert_array_equal(np.asarray(got, dtype=np.float64), want)


def test_fluent_methods_on_symbols():
    d = mx.sym.Variable("data")
    for method in ("pick", "topk", "sort", "argsort", "slice_like", "shape_array",
                   "size_array", "softmin", "depth_to_space", "space_to_depth", "diag"):
        assert callable(getattr(d, method)) and callable(getattr(mx.nd.NDArray, method))
    assert d.topk(k=2, name="t").tojson() == mx.sym.topk(d, k=2, name="t").tojson()


def test_shape_array_values_and_zero_gradient():
    ex = mx.sym.shape_array(mx.sym.Variable("x")).simple_bind(mx.cpu(), x=(2, 3, 4))
    ex.arg_dict["x"][:] = 1.0
    (out,) = ex.forward(is_train=True)
    ex.backward([mx.nd.ones((3,))])
    assert out.asnumpy().tolist() == [2, 3, 4]
    assert mx.nd.size_array(mx.nd.ones((2, 3, 4))).asnumpy().tolist() == [24]
    assert not ex.grad_dict["x"].asnumpy().any()


# -- JSON forms: MXNet's attribute strings, and a round trip --------------------------------
@pytest.mark.parametrize("make, attrs", [
    (lambda d: mx.sym.SequenceMask(d, use_sequence_length=True, value=-1, name="n"),
     {"use_sequence_length": "True", "value": "-1"}),
    (lambda d: mx.sym.pick(d, mx.sym.Variable("i"), axis=None, name="n"), {"axis": "None"}),
    (lambda d: mx.sym.topk(d, k=2, axis=None, name="n"), {"k": "2", "axis": "None"}),
    (lambda d: mx.sym.topk(d, ret_typ="both", name="n"), {"ret_typ": "both"}),
    (lambda d: mx.sym.argsort(d, dtype="int32", name="n"), {"dtype": "int32"}),
    (lambda d: mx.sym.slice_like(d, mx.sym.Variable("o"), axes=(0, -1), name="n"),
     {"axes": "(0, -1)"}),
    (lambda d: mx.sym.softmin(d, temperature=2, name="n"), {"temperature": "2"}),
    (lambda d: mx.sym.diag(d, k=-1, axis2=-1, name="n"), {"k": "-1", "axis2": "-1"}),
    (lambda d: mx.sym.moments(d, axes=(0, 2), keepdims=True, name="n"),
     {"axes": "(0, 2)", "keepdims": "True"}),
    (lambda d: mx.sym.depth_to_space(d, block_size=2, name="n"), {"block_size": "2"}),
    (lambda d: mx.sym.scatter_nd(d, mx.sym.Variable("i"), shape=(2, 3), name="n"),
     {"shape": "(2, 3)"}),
    # A list parameter is stored as Python prints it, as MXNet 1.9.1 does: '[7, 6]'.
    (lambda d: mx.sym.unravel_index(d, shape=[7, 6], name="n"), {"shape": "[7, 6]"}),
    (lambda d: mx.sym.unravel_index(d, shape=(7, 6), name="n"), {"shape": "(7, 6)"}),
])
def test_json_attrs_round_trip(make, attrs):
    sym = make(mx.sym.Variable("data"))
    assert sym.attr_dict()["n"] == attrs
    text = sym.tojson()
    assert mx.sym.load_json(text).tojson() == text


def test_ravel_ops_are_underscored_in_json():
    d = mx.sym.Variable("data")
    for sym, op in ((mx.sym.ravel_multi_index(d, shape=(2, 3)), "_ravel_multi_index"),
                    (mx.sym.unravel_index(d, shape=(2, 3)), "_unravel_index")):
        node = json.loads(sym.tojson())["nodes"][-1]
        assert (node["op"], node["name"]) == (op, op[1:] + "0")


def test_hidden_index_output_in_json():
    # topk(ret_typ='value') and sort compute their indices as a hidden output.
    for sym in (mx.sym.topk(mx.sym.Variable("d"), ret_typ="value", name="a"),
                mx.sym.sort(mx.sym.Variable("d"), name="b")):
        assert json.loads(sym.tojson())["node_row_ptr"] == [0, 1, 3]
        assert sym.list_outputs()[0].endswith("_output0")


# -- error paths: MXNetError naming the node and the op -------------------------------------
@pytest.mark.parametrize("make, shapes, pattern", [
    (lambda: mx.sym.SequenceReverse(mx.sym.Variable("x"), axis=1, name="sr"),
     {"x": (4, 3)}, r"'sr' \(SequenceReverse\).*axis=1"),
    (lambda: mx.sym.SequenceMask(mx.sym.Variable("x"), mx.sym.Variable("l"),
                                 use_sequence_length=True, name="sm"),
     {"x": (4, 3), "l": (2,)}, r"sm'? \(SequenceMask\).*Provided = \(2,\)"),
    (lambda: mx.sym.pick(mx.sym.Variable("x"), mx.sym.Variable("i"), axis=None, name="pk"),
     {"x": (3, 4), "i": (3,)}, r"'pk' \(pick\).*axis=None"),
    (lambda: mx.sym.topk(mx.sym.Variable("x"), k=5, name="tk"),
     {"x": (3, 4)}, r"'tk' \(topk\).*k = 5"),
    (lambda: mx.sym.slice_like(mx.sym.Variable("x"), mx.sym.Variable("y"), name="sl"),
     {"x": (3, 4), "y": (2, 5)}, r"'sl' \(slice_like\).*size 5"),
    (lambda: mx.sym.softmax_cross_entropy(mx.sym.Variable("x"), mx.sym.Variable("y"),
                                          name="ce"),
     {"x": (3, 4, 2), "y": (3,)}, r"'ce' \(softmax_cross_entropy\).*2D"),
])
def test_errors_name_the_node(make, shapes, pattern):
    with pytest.raises(mx.MXNetError, match=pattern):
        make().infer_shape(**shapes)


def test_bad_params_fail_at_construction():
    x = mx.sym.Variable("x")
    with pytest.raises(mx.MXNetError, match="topk 't'.*ret_typ"):
        mx.sym.topk(x, ret_typ="values", name="t")
    with pytest.raises(mx.MXNetError, match="pick 'p'.*mode"):
        mx.sym.pick(x, x, mode="raise", name="p")
    with pytest.raises(mx.MXNetError, match="SequenceMask 's'.*sequence_length"):
        mx.sym.SequenceMask(x, sequence_length=x, name="s")
