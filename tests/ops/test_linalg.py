"""linalg_* ops against MXNet-recorded values, plus namespaces, JSON forms and errors."""

import json

import numpy as np
import pytest
from conformance.cases_linalg import CASES
from conformance.check import check_case, load_fixture

import jaxsym as mx

META, ARRAYS = load_fixture("linalg")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_linalg_case(case):
    check_case(case, META, ARRAYS)


# -- namespaces and names (read off MXNet 1.9.1: dir(mx.sym.linalg), Symbol.name) ----------
# MXNet's namespaces also hold syevd, which jaxsym does not implement.
_SHORT = ["det", "extractdiag", "extracttrian", "gelqf", "gemm", "gemm2", "inverse", "makediag",
          "maketrian", "potrf", "potri", "slogdet", "sumlogdiag", "syrk", "trmm", "trsm"]


@pytest.mark.parametrize("ns", [mx.sym.linalg, mx.nd.linalg])
def test_namespaces(ns):
    assert sorted(n for n in dir(ns) if not n.startswith("_")) == _SHORT
    for short in _SHORT:
        assert hasattr(mx.sym, f"linalg_{short}") and hasattr(mx.nd, f"linalg_{short}")


def test_auto_names_and_op_name():
    a = mx.sym.var("a")
    with mx.name.NameManager():
        short, long = mx.sym.linalg.gemm2(a, a), mx.sym.linalg_potrf(a)
    assert (short.name, long.name) == ("gemm20", "linalg_potrf0")
    assert [json.loads(s.tojson())["nodes"][-1]["op"] for s in (short, long)] == [
        "_linalg_gemm2", "_linalg_potrf"]


# -- JSON forms (MXNet 1.9.1 stores the user's values as given) ----------------------------
@pytest.mark.parametrize("make, attrs", [
    (lambda a, b: mx.sym.linalg.gemm2(a, b, transpose_a=True, alpha=2, name="n"),
     {"alpha": "2", "transpose_a": "True"}),
    (lambda a, b: mx.sym.linalg.gemm(a, b, a, axis=-3, beta=0.5, name="n"),
     {"axis": "-3", "beta": "0.5"}),
    (lambda a, b: mx.sym.linalg.trsm(a, b, alpha=1e-3, lower=0, name="n"),
     {"alpha": "0.001", "lower": "0"}),
    (lambda a, b: mx.sym.linalg.maketrian(a, offset=-1, lower=False, name="n"),
     {"lower": "False", "offset": "-1"}),
    (lambda a, b: mx.sym.linalg.syrk(a, transpose=True, alpha=0.5, name="n"),
     {"alpha": "0.5", "transpose": "True"}),
])
def test_json_round_trip(make, attrs):
    sym = make(mx.sym.var("a"), mx.sym.var("b"))
    assert sym.attr_dict()["n"] == attrs
    again = mx.sym.load_json(sym.tojson())
    assert again.tojson() == sym.tojson()
    assert again.attr_dict()["n"] == attrs


def test_hidden_outputs_in_json():
    # det and slogdet also compute the LU factors and pivots, which MXNet hides.
    a = mx.sym.var("a")
    det, slogdet = mx.sym.linalg.det(a, name="d"), mx.sym.linalg.slogdet(a, name="s")
    assert det.list_outputs() == ["d_output0"]
    assert slogdet.list_outputs() == ["s_output0", "s_output1"]
    assert json.loads(det.tojson())["node_row_ptr"] == [0, 1, 4]
    assert json.loads(slogdet.tojson())["node_row_ptr"] == [0, 1, 5]


# -- shape inference from partial information (MXNet's infer_shape_partial) ---------------
def test_gemm_infers_c():
    a, b, c = (mx.sym.var(n) for n in "ABC")
    gemm = mx.sym.linalg.gemm(a, b, c, axis=0)
    assert gemm.infer_shape_partial(A=(2, 3, 5), B=(5, 3, 4)) == (
        [(2, 3, 5), (5, 3, 4), (2, 3, 4)], [(2, 3, 4)], [])
    assert mx.sym.linalg.gemm(a, b, c).infer_shape_partial(C=(2, 4)) == (
        [(), (), (2, 4)], [()], [])


# -- nd values (as printed by MXNet 1.9.1) -------------------------------------------------
def test_nd_values():
    spd = mx.nd.array([[4.0, 1, 0.5], [1, 3, 0.2], [0.5, 0.2, 2]])
    np.testing.assert_allclose(mx.nd.linalg.potrf(spd).asnumpy(), [
        [2, 0, 0], [0.5, 1.6583124, 0], [0.25, 0.0452267, 1.3912061]], rtol=1e-5)
    np.testing.assert_allclose(mx.nd.linalg.potri(mx.nd.linalg.potrf(spd)).asnumpy(),
                               np.linalg.inv(spd.asnumpy()), rtol=1e-4)
    np.testing.assert_array_equal(
        mx.nd.linalg.maketrian(mx.nd.array([1, 2, 3]), offset=-1, lower=False).asnumpy(),
        [[0, 0, 0], [1, 0, 0], [2, 3, 0]])
    q, lo = mx.nd.linalg.gelqf(spd[:2])
    np.testing.assert_allclose(lo.asnumpy(), [[-4.1533117, 0], [-1.7094791, -2.6678982]],
                               rtol=1e-5)
    np.testing.assert_allclose(q.asnumpy()[0], [-0.96308684, -0.24077173, -0.12038586],
                               rtol=1e-5)


# -- error paths: MXNetError naming the node, the op and the shapes -----------------------
@pytest.mark.parametrize("make, shapes, pattern", [
    (lambda a, b, c: mx.sym.linalg.gemm(a, b, c, name="g"),
     {"A": (2, 3), "B": (4, 4), "C": (2, 4)}, r"'g' \(_linalg_gemm\).*\(2, 3\) X B \(4, 4\)"),
    (lambda a, b, c: mx.sym.linalg.gemm(a, b, c, name="g"),
     {"A": (2, 3), "B": (3, 4), "C": (3, 4)}, r"g \(_linalg_gemm\).*'C'.*\(3, 4\)"),
    (lambda a, b, c: mx.sym.linalg.potrf(a, name="p"), {"A": (2, 3)},
     r"'p' \(_linalg_potrf\).*\(2, 3\)"),
    (lambda a, b, c: mx.sym.linalg.maketrian(a, name="m"), {"A": (4,)},
     r"'m' \(_linalg_maketrian\).*size 4"),
    (lambda a, b, c: mx.sym.linalg.extractdiag(a, offset=3, name="e"), {"A": (3, 3)},
     r"'e' \(_linalg_extractdiag\).*offset 3"),
    (lambda a, b, c: mx.sym.linalg.gelqf(a, name="q"), {"A": (3, 2)},
     r"'q' \(_linalg_gelqf\).*\(3, 2\)"),
    (lambda a, b, c: mx.sym.linalg.trsm(a, b, rightside=True, name="t"),
     {"A": (3, 3), "B": (3, 2)}, r"'t' \(_linalg_trsm\).*rightside=True"),
])
def test_errors_name_node(make, shapes, pattern):
    sym = make(*(mx.sym.var(n) for n in "ABC"))
    with pytest.raises(mx.MXNetError, match=pattern):
        sym.infer_shape(**shapes)


def test_bad_parameter_value():
    with pytest.raises(mx.MXNetError, match=r"_linalg_trmm 't'.*'lower'"):
        mx.sym.linalg.trmm(mx.sym.var("a"), mx.sym.var("b"), lower="maybe", name="t")
