"""Misc ops (split_v2, amp_cast, amp_multicast) against MXNet-recorded values, plus dtype
rules, JSON forms and error paths."""

import json

import numpy as np
import pytest
from conformance.cases_misc import CASES
from conformance.check import check_case, load_fixture

import jaxsym as mx

META, ARRAYS = load_fixture("misc")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_misc_case(case):
    check_case(case, META, ARRAYS)


def _attrs(sym):
    return json.loads(sym.tojson())["nodes"][-1]


# -- JSON forms (as printed by MXNet 1.9.1) ------------------------------------------------
@pytest.mark.parametrize("make, op, attrs", [
    (lambda x: mx.sym.split_v2(x, 3, axis=1), "_split_v2",
     {"axis": "1", "indices": "[]", "sections": "3", "squeeze_axis": "False"}),
    (lambda x: mx.sym.split_v2(x, (1, 3), axis=-1), "_split_v2",
     {"axis": "-1", "indices": "[0, 1, 3]", "sections": "0", "squeeze_axis": "False"}),
    (lambda x: mx.sym._internal._split_v2(x, indices=(0, 1, 3), axis=-1), "_split_v2",
     {"axis": "-1", "indices": "(0, 1, 3)"}),
    (lambda x: mx.sym.amp_cast(x, dtype="float16"), "amp_cast", {"dtype": "float16"}),
    (lambda x: mx.sym.cast_storage(x, stype="default"), "cast_storage", {"stype": "default"}),
    (lambda x: mx.sym.choose_element_0index(x, x), "pick", {}),
    (lambda x: mx.sym.amp_multicast(x, x, num_outputs=2), "amp_multicast",
     {"num_outputs": "2"}),
])
def test_json_forms_round_trip(make, op, attrs):
    sym = make(mx.sym.Variable("x"))
    node = _attrs(sym)
    assert (node["op"], node.get("attrs", {})) == (op, attrs)
    again = mx.sym.load_json(sym.tojson())
    assert again.tojson() == sym.tojson()


def test_split_v2_output_names_and_partial_inputs():
    x = mx.sym.Variable("x")
    assert mx.sym.split_v2(x, 2, name="s").list_outputs() == ["s_output0", "s_output1"]
    assert mx.sym.split_v2(x, 1, name="s").list_outputs() == ["s_output"]
    # amp_multicast creates its missing inputs as `<node>_data_<i>`, as MXNet.
    m = mx.sym.amp_multicast(x, num_outputs=2, name="m")
    assert m.list_arguments() == ["x", "m_data_1"]


def test_nd_split_v2():
    a = mx.nd.arange(10).reshape((2, 5))
    parts = mx.nd.split_v2(a, (1, 3, 3), axis=1)
    assert [p.shape for p in parts] == [(2, 1), (2, 2), (2, 0), (2, 2)]
    np.testing.assert_array_equal(parts[3].asnumpy(), [[3, 4], [8, 9]])
    with pytest.raises(ValueError, match="int or tuple"):
        mx.nd.split_v2(a, [1, 2])


# -- dtype rules (values read off MXNet 1.9.1's infer_type) --------------------------------
@pytest.mark.parametrize("src, dtype, want", [
    ("float16", "float16", np.float16), ("float32", "float16", np.float16),
    ("float64", "float16", np.float64), ("int32", "float16", np.int32),
    ("int8", "float32", np.int8), ("float16", "float32", np.float32),
    ("float32", "float64", np.float64), ("float64", "int32", np.float64),
    ("float16", "uint8", np.uint8),
])
def test_amp_cast_type(src, dtype, want):
    _, out, _ = mx.sym.amp_cast(mx.sym.Variable("x"), dtype=dtype).infer_type(x=src)
    assert out == [want]


@pytest.mark.parametrize("narrow, a, b, want", [
    (False, "float16", "float32", ("float32", "float32")),
    (False, "float32", "float64", ("float32", "float64")),
    # The target starts as the first input's dtype: float16 stays beside float64, and
    # turns int32 beside a leading int32.
    (False, "float16", "float64", ("float16", "float64")),
    (False, "int32", "float16", ("int32", "int32")),
    (False, "int32", "int8", ("int32", "int8")),
    (True, "float16", "float32", ("float16", "float16")),
    (True, "float32", "float64", ("float32", "float64")),
    (True, "int32", "float16", ("int32", "float16")),
])
def test_amp_multicast_type(narrow, a, b, want):
    m = mx.sym.amp_multicast(mx.sym.Variable("x"), mx.sym.Variable("y"), num_outputs=2,
                             cast_narrow=narrow)
    _, out, _ = m.infer_type(x=a, y=b)
    assert out == [np.dtype(w).type for w in want]


def test_amp_multicast_values_and_grads_keep_input_dtypes():
    # MXNet's backward casts each gradient back to its input's dtype.
    m = mx.sym.amp_multicast(mx.sym.Variable("x"), mx.sym.Variable("y"), num_outputs=2)
    args = {"x": mx.nd.array([1.5, -2.25], dtype="float16"),
            "y": mx.nd.array([0.1], dtype="float32")}
    grads = {"x": mx.nd.zeros((2,), dtype="float16"), "y": mx.nd.zeros((1,))}
    ex = m.bind(mx.cpu(), args=args, args_grad=grads)
    a, b = ex.forward(is_train=True)
    assert (a.dtype, b.dtype) == (np.float32, np.float32)
    np.testing.assert_array_equal(a.asnumpy(), [1.5, -2.25])
    ex.backward([mx.nd.array([3, 4]), mx.nd.array([5])])
    assert ex.grad_dict["x"].dtype == np.float16
    np.testing.assert_array_equal(ex.grad_dict["x"].asnumpy(), [3, 4])
    np.testing.assert_allclose(ex.grad_dict["y"].asnumpy(), [5])


# -- error paths: MXNetError naming the node and the op ------------------------------------
@pytest.mark.parametrize("make, shapes, pattern", [
    (lambda x: mx.sym.split_v2(x, (2, 7), axis=1, name="s"), {"x": (2, 6)},
     r"'s' \(_split_v2\).*end 7 exceeds the axis size 6"),
    (lambda x: mx.sym.split_v2(x, (4, 2), axis=1, name="s"), {"x": (2, 6)},
     r"'s' \(_split_v2\).*start 4 is after end 2"),
    (lambda x: mx.sym.split_v2(x, 2, axis=1, squeeze_axis=True, name="s"), {"x": (2, 6)},
     r"'s' \(_split_v2\).*squeeze_axis"),
    (lambda x: mx.sym._internal._split_v2(x, indices=(1, 3), name="s"), {"x": (2, 6)},
     r"'s' \(_split_v2\).*must start at 0"),
    (lambda x: mx.sym.khatri_rao(x, mx.sym.Variable("y"), name="k"), {"x": (2, 3), "y": (4, 2)},
     r"'k' \(khatri_rao\).*same number of columns"),
])
def test_errors_name_the_node(make, shapes, pattern):
    sym = make(mx.sym.Variable("x"))
    with pytest.raises(mx.MXNetError, match=pattern):
        sym.infer_shape(**shapes)


def test_bad_params_fail_at_construction():
    x = mx.sym.Variable("x")
    with pytest.raises(mx.MXNetError, match="amp_cast 'c'.*dtype"):
        mx.sym.amp_cast(x, dtype="complex64", name="c")
    with pytest.raises(mx.MXNetError, match="amp_multicast 'm'.*num_outputs"):
        mx.sym.amp_multicast(x, name="m")
    with pytest.raises(mx.MXNetError, match="multi_sum_sq 'q'.*num_arrays"):
        mx.sym.multi_sum_sq(x, name="q")
    with pytest.raises(mx.MXNetError, match="multi_all_finite 'f'.*at most 1 inputs"):
        mx.sym.multi_all_finite(x, x, name="f")
    with pytest.raises(mx.MXNetError, match="_split_v2 's'.*indices"):
        mx.sym._internal._split_v2(x, name="s")


@pytest.mark.parametrize("stype", ["row_sparse", "csr"])
def test_cast_storage_sparse_is_refused(stype):
    with pytest.raises(mx.MXNetError, match=f"cast_storage 'c'.*stype='{stype}'.*sparse"):
        mx.sym.cast_storage(mx.sym.Variable("x"), stype=stype, name="c")
    with pytest.raises(mx.MXNetError, match="cast_storage.*sparse"):
        mx.nd.cast_storage(mx.nd.array([1.0]), stype=stype)
