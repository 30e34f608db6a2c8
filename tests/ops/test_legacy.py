"""Legacy ops against MXNet-recorded values, plus JSON forms, quirks and error paths.

Literal expectations below were read off MXNet 1.9.1 (MXNET_SUBGRAPH_BACKEND=NONE).
"""

import json

import numpy as np
import pytest
from conformance.cases_legacy import CASES
from conformance.check import check_case, load_fixture

import jaxsym as mx

META, ARRAYS = load_fixture("legacy")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_legacy_case(case):
    check_case(case, META, ARRAYS)


# -- symbol structure and JSON forms (MXNet 1.9.1's tojson, node_row_ptr counting hidden
# outputs) ------------------------------------------------------------------------------
_D, _R = mx.sym.Variable("data"), mx.sym.Variable("rois")
JSON_FORMS = [
    (lambda: mx.sym.Convolution_v1(_D, kernel=(3, 3), num_filter=4, stride=[2, 2],
                                   no_bias=1, cudnn_tune="off", name="c"),
     ["data", "c_weight"], ["c_output"], [], "Convolution_v1",
     {"cudnn_tune": "off", "kernel": "(3, 3)", "no_bias": "1", "num_filter": "4",
      "stride": "[2, 2]"}, [0, 1, 2, 3]),
    (lambda: mx.sym.Pooling_v1(_D, kernel=(2, 2), pool_type="avg",
                               pooling_convention="full", global_pool=False, name="p"),
     ["data"], ["p_output"], [], "Pooling_v1",
     {"global_pool": "False", "kernel": "(2, 2)", "pool_type": "avg",
      "pooling_convention": "full"}, [0, 1, 2]),
    (lambda: mx.sym.BatchNorm_v1(_D, eps=0.01, momentum=0.8, fix_gamma=False,
                                 output_mean_var=True, name="b"),
     ["data", "b_gamma", "b_beta"], ["b_output", "b_mean", "b_var"],
     ["b_moving_mean", "b_moving_var"], "BatchNorm_v1",
     {"eps": "0.01", "fix_gamma": "False", "momentum": "0.8", "output_mean_var": "True"},
     [0, 1, 2, 3, 4, 5, 8]),
    (lambda: mx.sym.BatchNorm_v1(_D, name="b"), ["data", "b_gamma", "b_beta"],
     ["b_output"], ["b_moving_mean", "b_moving_var"], "BatchNorm_v1", {},
     [0, 1, 2, 3, 4, 5, 8]),
    (lambda: mx.sym.Crop(_D, _D, offset=(1, 2), center_crop=True, name="cr"), ["data"],
     ["cr_output"], [], "Crop", {"center_crop": "True", "num_args": "2", "offset": "(1, 2)"},
     [0, 1, 2]),
    (lambda: mx.sym.Crop(_D, h_w=[3, 4], name="cr1"), ["data"], ["cr1_output"], [], "Crop",
     {"h_w": "[3, 4]", "num_args": "1"}, [0, 1, 2]),
    (lambda: mx.sym.ROIPooling(_D, _R, pooled_size=(7, 7), spatial_scale=0.0625, name="roi"),
     ["data", "rois"], ["roi_output"], [], "ROIPooling",
     {"pooled_size": "(7, 7)", "spatial_scale": "0.0625"}, [0, 1, 2, 4]),
    (lambda: mx.sym.GroupNorm(_D, num_groups=4, eps=1e-3, output_mean_var=1, name="gn"),
     ["data", "gn_gamma", "gn_beta"], ["gn_output", "gn_mean", "gn_std"], [], "GroupNorm",
     {"eps": "0.001", "num_groups": "4", "output_mean_var": "1"}, [0, 1, 2, 3, 6]),
    (lambda: mx.sym.SVMOutput(_D, margin=0.5, regularization_coefficient=2, use_linear=True,
                              name="svm"),
     ["data", "svm_label"], ["svm_output"], [], "SVMOutput",
     {"margin": "0.5", "regularization_coefficient": "2", "use_linear": "True"},
     [0, 1, 2, 3]),
    (lambda: mx.sym.CTCLoss(_D, use_data_lengths=True, blank_label="last", name="ctc"),
     ["data", "ctc_label", "ctc_data_lengths"], ["ctc_output0"], [], "CTCLoss",
     {"blank_label": "last", "use_data_lengths": "True"}, [0, 1, 2, 3, 5]),
    # The alias names the node; the JSON op is the canonical name.
    (lambda: mx.sym.ctc_loss(_D), ["data", "ctc_loss0_label"], ["ctc_loss0_output0"], [],
     "CTCLoss", {}, [0, 1, 2, 4]),
    (lambda: mx.sym.IdentityAttachKLSparseReg(_D, sparseness_target=0.2, penalty=0.01,
                                              momentum=0.5, name="kl"),
     ["data"], ["kl_output"], ["kl_moving_avg"], "IdentityAttachKLSparseReg",
     {"momentum": "0.5", "penalty": "0.01", "sparseness_target": "0.2"}, [0, 1, 2, 3]),
    (lambda: mx.sym.Correlation(_D, _D, kernel_size=3, max_displacement=4, stride1=2,
                                stride2=2, pad_size=4, is_multiply=False, name="corr"),
     ["data"], ["corr_output"], [], "Correlation",
     {"is_multiply": "False", "kernel_size": "3", "max_displacement": "4", "pad_size": "4",
      "stride1": "2", "stride2": "2"}, [0, 1, 4]),
]


@pytest.mark.parametrize("make, args, outs, aux, op, attrs, row_ptr", JSON_FORMS,
                         ids=[f[4] + str(i) for i, f in enumerate(JSON_FORMS)])
def test_json_forms(make, args, outs, aux, op, attrs, row_ptr):
    with mx.name.NameManager():
        sym = make()
    assert sym.list_arguments() == args
    assert sym.list_outputs() == outs
    assert sym.list_auxiliary_states() == aux
    text = sym.tojson()
    doc = json.loads(text)
    assert doc["nodes"][-1]["op"] == op
    assert doc["nodes"][-1].get("attrs", {}) == attrs
    assert doc["node_row_ptr"] == row_ptr
    assert mx.sym.load_json(text).tojson() == text


# -- quirks --------------------------------------------------------------------------------
def test_roi_pooling_doc_example_and_ties():
    x = mx.nd.array(np.arange(48, dtype=np.float32).reshape(1, 1, 8, 6))
    roi = mx.nd.array([[0, 0, 0, 4, 4]])
    assert mx.nd.ROIPooling(x, roi, pooled_size=(2, 2), spatial_scale=1.0).asnumpy() \
        .tolist() == [[[[14.0, 16.0], [26.0, 28.0]]]]
    assert mx.nd.ROIPooling(x, roi, pooled_size=(2, 2), spatial_scale=0.7).asnumpy() \
        .tolist() == [[[[7.0, 9.0], [19.0, 21.0]]]]
    # A bin of equal values routes its gradient to its first cell only; a bin outside
    # the map is 0.
    data, rois = mx.sym.Variable("data"), mx.sym.Variable("rois")
    sym = mx.sym.ROIPooling(data, rois, pooled_size=(2, 2), spatial_scale=1.0)
    ex = sym.simple_bind(mx.cpu(), data=(1, 1, 4, 4), rois=(2, 5))
    ex.arg_dict["data"][:] = 0
    ex.arg_dict["rois"][:] = mx.nd.array([[0, 0, 0, 3, 3], [0, 10, 10, 12, 12]])
    out = ex.forward(is_train=True)[0]
    assert not out.asnumpy().any()
    ex.backward(mx.nd.ones((2, 1, 2, 2)))
    np.testing.assert_array_equal(ex.grad_dict["data"].asnumpy()[0, 0],
                                  [[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]])
    assert not ex.grad_dict["rois"].asnumpy().any()


def test_pooling_v1_pads_with_zeros():
    x = mx.nd.array(-np.ones((1, 1, 3, 3), np.float32))
    np.testing.assert_array_equal(
        mx.nd.Pooling_v1(x, kernel=(2, 2), pad=(1, 1), stride=(2, 2)).asnumpy()[0, 0],
        [[0, 0], [0, -1]])
    np.testing.assert_array_equal(
        mx.nd.Pooling_v1(x, kernel=(2, 2), pad=(1, 1), stride=(2, 2),
                         pool_type="avg").asnumpy()[0, 0], [[-0.25, -0.5], [-0.5, -1]])


def test_svm_output_needs_no_head_gradient():
    sym = mx.sym.SVMOutput(mx.sym.Variable("data"), name="svm")
    ex = sym.simple_bind(mx.cpu(), data=(2, 3))
    ex.arg_dict["data"][:] = mx.nd.array([[2.0, -2.0, 0.5], [0.0, 0.0, 0.0]])
    ex.arg_dict["svm_label"][:] = mx.nd.array([0, 2])
    ex.forward(is_train=True)
    ex.backward()
    # L2-SVM: -2(margin - x) for the true class under the margin, 2(margin + x) for others
    # above -margin.
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), [[0, 0, 3], [2, 2, -2]])


def test_ctc_loss_of_a_sequence_too_short_for_its_label_is_zero():
    # Sequence 0 has 2 steps for the label [1, 1], which needs 3 (a blank between the
    # repeats): MXNet's loss is 0 and its gradient there uninitialised (jaxsym's is 0).
    sym = mx.sym.CTCLoss(mx.sym.Variable("data"), mx.sym.Variable("label"))
    ex = sym.simple_bind(mx.cpu(), data=(2, 2, 3), label=(2, 2))
    ex.arg_dict["data"][:] = mx.nd.array(np.linspace(-1, 1, 12).reshape(2, 2, 3))
    ex.arg_dict["label"][:] = mx.nd.array([[1, 1], [1, 2]])
    np.testing.assert_allclose(ex.forward(is_train=True)[0].asnumpy(), [0, 2.0373845],
                               rtol=1e-6)
    ex.backward([mx.nd.ones((2,))])
    grad = ex.grad_dict["data"].asnumpy()
    assert not grad[:, 0].any()
    np.testing.assert_allclose(grad[:, 1].ravel(), [0.27488032, -0.67030966, 0.39542934,
                                                    0.27488032, 0.32969037, -0.60457063],
                               rtol=1e-5)


# -- errors name the node and the op --------------------------------------------------------
@pytest.mark.parametrize("make, shapes, pattern", [
    (lambda: mx.sym.Crop(mx.sym.Variable("x"), h_w=(3, 2), offset=(4, 0), name="cr"),
     {"x": (1, 2, 6, 5)}, r"'cr' \(Crop\).*offset=\(4, 0\)"),
    (lambda: mx.sym.ROIPooling(mx.sym.Variable("x"), mx.sym.Variable("r"), pooled_size=(2, 2),
                               spatial_scale=1.0, name="roi"),
     {"x": (1, 2, 4, 4), "r": (3, 4)}, r"'roi' \(ROIPooling\).*\(3, 4\)"),
    (lambda: mx.sym.GroupNorm(mx.sym.Variable("x"), num_groups=3, name="gn"),
     {"x": (2, 4, 3)}, r"'gn' \(GroupNorm\).*num_groups=3"),
    (lambda: mx.sym.Correlation(mx.sym.Variable("a"), mx.sym.Variable("b"), kernel_size=2,
                                name="co"),
     {"a": (1, 2, 5, 5), "b": (1, 2, 5, 5)}, r"'co' \(Correlation\).*kernel_size=2"),
    (lambda: mx.sym.CTCLoss(mx.sym.Variable("x"), mx.sym.Variable("l"), name="ctc"),
     {"x": (5, 2, 4), "l": (3, 2)}, r"'ctc' \(CTCLoss\).*\(3, 2\)"),
    (lambda: mx.sym.Pooling_v1(mx.sym.Variable("x"), kernel=(2,), name="p"),
     {"x": (1, 1, 4, 4)}, r"'p' \(Pooling_v1\).*kernel=\(2,\)"),
])
def test_errors_name_the_node(make, shapes, pattern):
    with pytest.raises(mx.MXNetError, match=pattern):
        make().infer_shape(**shapes)


def test_bad_params_fail_at_construction():
    x = mx.sym.Variable("x")
    with pytest.raises(mx.MXNetError, match="Convolution_v1 'c'.*kernel"):
        mx.sym.Convolution_v1(x, kernel=(3,), num_filter=1, name="c")
    with pytest.raises(mx.MXNetError, match="CTCLoss 'c'.*blank_label"):
        mx.sym.CTCLoss(x, blank_label="middle", name="c")
    with pytest.raises(mx.MXNetError, match="ROIPooling 'r'.*spatial_scale"):
        mx.sym.ROIPooling(x, pooled_size=(2, 2), spatial_scale=2, name="r")
