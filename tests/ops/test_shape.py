"""Shape manipulation ops against MXNet-recorded values, plus dtype rules and error paths."""

import numpy as np
import pytest
from conformance.cases_shape import CASES
from conformance.check import check_case, load_fixture

import jaxsym as mx

META, ARRAYS = load_fixture("shape")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_shape_case(case):
    check_case(case, META, ARRAYS)


# -- dtype rules (values read off MXNet 1.9.1's infer_type) ------------------------------
@pytest.mark.parametrize("make, in_dtype, out_dtype", [
    (lambda d: mx.sym.Cast(d, dtype="float16"), "float32", np.float16),
    (lambda d: mx.sym.cast(d, dtype=np.int32), "float32", np.int32),
    (lambda d: mx.sym.one_hot(d, depth=3, dtype="int32"), "float32", np.int32),
    (lambda d: mx.sym.one_hot(d, depth=3), "int32", np.float32),
    (lambda d: mx.sym.zeros_like(d), "float16", np.float16),
    (lambda d: mx.sym.FullyConnected(mx.sym.Cast(d, dtype="float16"), num_hidden=2),
     "float32", np.float16),
])
def test_infer_type(make, in_dtype, out_dtype):
    _, out_types, _ = make(mx.sym.Variable("data")).infer_type(data=in_dtype)
    assert out_types == [out_dtype]


def test_cast_bfloat16_dtype_parses():
    out = mx.nd.Cast(mx.nd.array([1.5, -2.0]), dtype="bfloat16")
    assert np.dtype(out.dtype).name == "bfloat16"
    np.testing.assert_array_equal(out.astype("float32").asnumpy(), [1.5, -2.0])


# -- the nd forms (values as printed by MXNet 1.9.1) ----------------------------------------
def test_nd_forms():
    a = mx.nd.array([[1, 2, 3], [4, 5, 6]])
    parts = mx.nd.split(a, num_outputs=3, axis=1)
    assert [p.asnumpy().ravel().tolist() for p in parts] == [[1, 4], [2, 5], [3, 6]]
    hot = mx.nd.one_hot(mx.nd.array([0, 2, 5]), depth=3, dtype="int32")
    assert hot.dtype == np.int32
    np.testing.assert_array_equal(hot.asnumpy(), [[1, 0, 0], [0, 0, 1], [0, 0, 0]])
    assert mx.nd.Cast(a, dtype="uint8").dtype == np.uint8
    np.testing.assert_array_equal(mx.nd.take(a, mx.nd.array([1, 0, 3]), axis=0).asnumpy(),
                                  [[4, 5, 6], [1, 2, 3], [4, 5, 6]])


def test_slice_channel_output_names():
    s = mx.sym.split(mx.sym.Variable("data"), num_outputs=2, name="sp")
    assert s.list_outputs() == ["sp_output0", "sp_output1"]
    assert mx.sym.SliceChannel(mx.sym.Variable("data"), num_outputs=1,
                               name="one").list_outputs() == ["one_output0"]


# -- error paths: MXNetError naming the node and the op -------------------------------------
def _bind_forward(sym, **shapes):
    ex = sym.simple_bind(mx.cpu(), grad_req="null", **shapes)
    return ex.forward()


@pytest.mark.parametrize("make, shapes, pattern", [
    (lambda: mx.sym.Reshape(mx.sym.Variable("x"), shape=(5, 5), name="rs"),
     {"x": (2, 3, 4)}, r"'rs' \(Reshape\).*Target shape size is different"),
    (lambda: mx.sym.Reshape(mx.sym.Variable("x"), shape=(-1, -1), name="rs"),
     {"x": (2, 3, 4)}, r"'rs' \(Reshape\).*only one dim"),
    (lambda: mx.sym.Concat(mx.sym.Variable("a"), mx.sym.Variable("b"), name="cat"),
     {"a": (2, 3), "b": (3, 4)}, r"'cat' \(Concat\).*\(3, 4\)"),
    (lambda: mx.sym.Concat(mx.sym.Variable("a"), mx.sym.Variable("b"), dim=2, name="cat"),
     {"a": (2, 3), "b": (2, 3)}, r"'cat' \(Concat\).*dim=2"),
    (lambda: mx.sym.stack(mx.sym.Variable("a"), mx.sym.Variable("b"), name="st"),
     {"a": (2, 3), "b": (3, 2)}, r"'st' \(stack\)"),
    (lambda: mx.sym.expand_dims(mx.sym.Variable("x"), axis=4, name="ed"),
     {"x": (2, 3)}, r"'ed' \(expand_dims\).*axis=4"),
    (lambda: mx.sym.transpose(mx.sym.Variable("x"), axes=(0, 0, 1), name="tp"),
     {"x": (2, 3, 4)}, r"'tp' \(transpose\).*permutation"),
    (lambda: mx.sym.split(mx.sym.Variable("x"), num_outputs=2, axis=3, name="sp"),
     {"x": (2, 4)}, r"'sp' \(SliceChannel\).*axis=3"),
    (lambda: mx.sym.split(mx.sym.Variable("x"), num_outputs=3, name="sp"),
     {"x": (2, 4)}, r"'sp' \(SliceChannel\).*3 equal parts"),
    (lambda: mx.sym.squeeze(mx.sym.Variable("x"), axis=1, name="sq"),
     {"x": (1, 3)}, r"'sq' \(squeeze\).*size 3"),
    (lambda: mx.sym.Pad(mx.sym.Variable("x"), mode="edge", pad_width=(0, 0, 1, 1), name="pd"),
     {"x": (2, 3)}, r"'pd' \(Pad\).*4-D and 5-D"),
    (lambda: mx.sym.broadcast_to(mx.sym.Variable("x"), shape=(4, 3), name="bt"),
     {"x": (2, 3)}, r"'bt' \(broadcast_to\).*\(2, 3\) to \(4, 3\)"),
])
def test_shape_errors_name_the_node(make, shapes, pattern):
    sym = make()
    with pytest.raises(mx.MXNetError, match=pattern):
        sym.infer_shape(**shapes)
    with pytest.raises(mx.MXNetError, match=pattern):
        _bind_forward(sym, **shapes)


def test_bad_params_fail_at_construction():
    x = mx.sym.Variable("x")
    with pytest.raises(mx.MXNetError, match="Pad 'p'.*mode"):
        mx.sym.Pad(x, mode="wrap", pad_width=(0, 0, 0, 0, 1, 1, 1, 1), name="p")
    with pytest.raises(mx.MXNetError, match="Cast 'c'.*dtype"):
        mx.sym.Cast(x, dtype="complex64", name="c")
    with pytest.raises(mx.MXNetError, match="slice 's'.*begin"):
        mx.sym.slice(x, end=(1,), name="s")


def test_non_loss_head_needs_head_gradient():
    ex = mx.sym.Flatten(mx.sym.Variable("x")).simple_bind(mx.cpu(), x=(2, 3))
    ex.forward(is_train=True)
    with pytest.raises(mx.MXNetError, match="head_gradient is required"):
        ex.backward()
