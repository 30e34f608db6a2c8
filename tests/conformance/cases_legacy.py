"""Legacy ops (v1 layers, Crop, ROIPooling, GroupNorm, SVMOutput...) against MXNet 1.9.1.

Recorded with: MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_op_fixtures.py legacy
Every node is named 'n' so that the implicit argument names (n_weight, n_moving_mean)
are MXNet's.
"""


def _c(cid: str, op: str, inputs: dict, extra: dict | None = None, **kwargs) -> dict:
    """A case: `inputs` maps input names (or '*') to shapes, kwargs are op params."""
    return {"id": cid, "op": op, "kwargs": {"name": "n", **kwargs}, "inputs": inputs,
            **(extra or {})}


def _d(cid: str, op: str, data_shape: tuple, extra: dict | None = None, **kwargs) -> dict:
    """A case with a single `data` input (learnable inputs inferred)."""
    return _c(cid, op, {"data": data_shape}, extra, **kwargs)


_EVAL = {"train": False}
_KL = {"low": 0.05, "high": 0.95}
_CORR = {"data1": (2, 3, 5, 6), "data2": (2, 3, 5, 6)}
_SVM = {"low": -2.0, "high": 2.0, "head_grad": False, "int_inputs": {"label": (0, 3)}}

CASES = [
    # -- Convolution_v1 ----------------------------------------------------------------
    _d("conv_v1_default", "Convolution_v1", (2, 3, 6, 6), kernel=(3, 3), num_filter=4),
    _d("conv_v1_stride_pad", "Convolution_v1", (1, 2, 7, 5), kernel=(3, 2), num_filter=3,
       stride=(2, 1), pad=(1, 0), no_bias=True),
    _d("conv_v1_dilate_group", "Convolution_v1", (2, 4, 7, 7), kernel=(2, 2), num_filter=6,
       dilate=(2, 2), num_group=2, workspace=64, cudnn_tune="fastest", cudnn_off=True),
    _d("conv_v1_layout_nchw", "Convolution_v1", (1, 2, 4, 4), kernel=(2, 2), num_filter=2,
       layout="NCHW"),
    _d("conv_v1_1d", "Convolution_v1", (1, 2, 5), kernel=(3,), num_filter=2),
    _d("conv_v1_nhwc", "Convolution_v1", (1, 4, 4, 2), kernel=(2, 2), num_filter=2,
       layout="NHWC"),
    _d("conv_v1_big_kernel", "Convolution_v1", (1, 2, 2, 2), kernel=(3, 3), num_filter=2),
    _c("conv_v1_bad_weight", "Convolution_v1",
       {"data": (1, 2, 4, 4), "weight": (2, 3, 2, 2), "bias": (2,)}, kernel=(2, 2),
       num_filter=2),
    # -- Pooling_v1 --------------------------------------------------------------------
    _d("pool_v1_default", "Pooling_v1", (2, 2, 5, 5), kernel=(2, 2)),
    _d("pool_v1_max_pad", "Pooling_v1", (1, 2, 5, 5), kernel=(3, 3), stride=(2, 2),
       pad=(1, 1), extra={"low": -2.0, "high": -0.5}),
    _d("pool_v1_avg_pad", "Pooling_v1", (1, 2, 5, 4), kernel=(3, 2), stride=(2, 2),
       pad=(1, 1), pool_type="avg"),
    _d("pool_v1_avg_full", "Pooling_v1", (1, 2, 5, 5), kernel=(2, 2), stride=(2, 2),
       pool_type="avg", pooling_convention="full"),
    _d("pool_v1_max_full", "Pooling_v1", (1, 2, 6, 5), kernel=(3, 3), stride=(2, 2),
       pooling_convention="full"),
    _d("pool_v1_sum", "Pooling_v1", (1, 3, 4, 4), kernel=(2, 2), stride=(2, 2),
       pool_type="sum"),
    _d("pool_v1_global_avg", "Pooling_v1", (2, 3, 3, 4), global_pool=True, pool_type="avg"),
    _d("pool_v1_global_max", "Pooling_v1", (2, 3, 3, 4), global_pool=True, kernel=(2, 2),
       pad=(1, 1)),
    _d("pool_v1_no_kernel", "Pooling_v1", (1, 1, 4, 4)),
    _d("pool_v1_too_big", "Pooling_v1", (1, 2, 3, 4), kernel=(5, 5)),
    _d("pool_v1_3d_data_2d_kernel", "Pooling_v1", (1, 2, 4, 4, 4), kernel=(2, 2)),
    # -- BatchNorm_v1 ------------------------------------------------------------------
    _d("bn_v1_default", "BatchNorm_v1", (4, 3, 2, 2)),
    _d("bn_v1_2d", "BatchNorm_v1", (5, 3)),
    _d("bn_v1_gamma_eps", "BatchNorm_v1", (3, 2, 3, 3), fix_gamma=False, eps=0.01,
       momentum=0.7),
    _d("bn_v1_mean_var", "BatchNorm_v1", (4, 2, 2, 3), output_mean_var=True,
       fix_gamma=False),
    _d("bn_v1_global", "BatchNorm_v1", (3, 2, 2, 2), use_global_stats=True, fix_gamma=False),
    _d("bn_v1_global_mean_var", "BatchNorm_v1", (3, 2, 2, 2), use_global_stats=True,
       output_mean_var=True),
    _d("bn_v1_inference", "BatchNorm_v1", (3, 2, 2, 2), _EVAL, output_mean_var=True,
       fix_gamma=False),
    # -- Crop --------------------------------------------------------------------------
    _c("crop_hw", "Crop", {"*": [(2, 3, 6, 5)]}, h_w=(3, 2)),
    _c("crop_hw_offset", "Crop", {"*": [(1, 2, 6, 5)]}, h_w=(3, 2), offset=(2, 3),
       num_args=1),
    _c("crop_center", "Crop", {"*": [(1, 2, 7, 6)]}, h_w=(4, 3), center_crop=True),
    _c("crop_like", "Crop", {"*": [(2, 2, 6, 6), (2, 5, 3, 4)]}),
    _c("crop_like_offset", "Crop", {"*": [(1, 2, 6, 6), (1, 1, 3, 4)]}, offset=(1, 2)),
    _c("crop_like_center", "Crop", {"*": [(1, 2, 7, 6), (3, 1, 4, 4)]}, center_crop=True),
    _c("crop_full", "Crop", {"*": [(1, 1, 3, 3)]}, h_w=(3, 3)),
    _c("crop_hw_zero", "Crop", {"*": [(1, 2, 6, 5)]}),
    _c("crop_hw_too_big", "Crop", {"*": [(1, 2, 6, 5)]}, h_w=(7, 2)),
    _c("crop_offset_too_big", "Crop", {"*": [(1, 2, 6, 5)]}, h_w=(3, 2), offset=(4, 0)),
    _c("crop_like_bigger", "Crop", {"*": [(1, 2, 4, 4), (1, 2, 5, 3)]}),
    _c("crop_3d", "Crop", {"*": [(2, 6, 5)]}, h_w=(3, 2)),
    # -- ROIPooling: integer ROIs in [0, batch) so the batch index is valid; scales that
    # put corners on .5 check MXNet's rounding (half away from zero).
    _c("roi_basic", "ROIPooling", {"data": (8, 2, 6, 6), "rois": (5, 5)},
       {"int_inputs": {"rois": (0, 8)}}, pooled_size=(2, 2), spatial_scale=0.5),
    _c("roi_scale1", "ROIPooling", {"data": (8, 3, 7, 7), "rois": (6, 5)},
       {"int_inputs": {"rois": (0, 8)}}, pooled_size=(3, 2), spatial_scale=1.0),
    _c("roi_scale_above_one", "ROIPooling", {"data": (8, 1, 9, 8), "rois": (4, 5)},
       {"int_inputs": {"rois": (0, 8)}}, pooled_size=(4, 5), spatial_scale=1.25),
    _c("roi_fine_bins", "ROIPooling", {"data": (8, 1, 9, 8), "rois": (4, 5)},
       {"int_inputs": {"rois": (0, 8)}}, pooled_size=(4, 5), spatial_scale=0.875),
    # Float ROIs (batch index truncated): the ROIs' gradient is recorded, all zeros.
    _c("roi_float", "ROIPooling", {"data": (4, 2, 5, 5), "rois": (3, 5)},
       {"low": 0.0, "high": 4.0}, pooled_size=(2, 3), spatial_scale=0.75),
    _c("roi_inference", "ROIPooling", {"data": (8, 2, 4, 4), "rois": (3, 5)},
       {"int_inputs": {"rois": (0, 8)}, "train": False}, pooled_size=(1, 1),
       spatial_scale=0.5),
    _c("roi_bad_rois", "ROIPooling", {"data": (1, 2, 4, 4), "rois": (3, 4)},
       pooled_size=(2, 2), spatial_scale=1.0),
    _c("roi_3d_data", "ROIPooling", {"data": (2, 4, 4), "rois": (3, 5)},
       pooled_size=(2, 2), spatial_scale=1.0),
    # -- GroupNorm: MXNet 1.9.1's gamma and beta are per group
    _d("gn_default", "GroupNorm", (2, 3, 4)),
    _d("gn_groups", "GroupNorm", (2, 6, 2, 3), num_groups=3, eps=0.1),
    _d("gn_mean_var", "GroupNorm", (3, 4, 5), num_groups=2, output_mean_var=True),
    _d("gn_2d", "GroupNorm", (3, 4), num_groups=4),
    _d("gn_indivisible", "GroupNorm", (2, 4, 3), num_groups=3),
    # -- SVMOutput: a loss layer, backward() without head gradients; data in [-2, 2] so
    # that both sides of each margin occur.
    _c("svm_default", "SVMOutput", {"data": (4, 5), "label": (4,)}, _SVM),
    _c("svm_linear", "SVMOutput", {"data": (4, 5), "label": (4,)}, _SVM, use_linear=True),
    _c("svm_margin", "SVMOutput", {"data": (6, 3), "label": (6,)}, _SVM, margin=0.5,
       regularization_coefficient=0.3),
    _c("svm_linear_margin", "SVMOutput", {"data": (6, 3), "label": (6,)}, _SVM, margin=1.5,
       regularization_coefficient=2.0, use_linear=True),
    _c("svm_3d", "SVMOutput", {"data": (3, 2, 4), "label": (3, 2)},
       {**_SVM, "int_inputs": {"label": (0, 4)}}),
    _c("svm_3d_flat_label", "SVMOutput", {"data": (3, 2, 2), "label": (3,)}, _SVM),
    _c("svm_head_grad_ignored", "SVMOutput", {"data": (4, 5), "label": (4,)},
       {**_SVM, "head_grad": True}),
    _d("svm_infer_label", "SVMOutput", (3, 4), {"head_grad": False}),
    _c("svm_bad_label", "SVMOutput", {"data": (3, 4), "label": (4,)}, _SVM),
    # -- CTCLoss: (T, N, C) data; random integer labels hold padding at random places
    # (0 with the blank first, -1 with it last), lengths small enough to stay feasible.
    _c("ctc_default", "CTCLoss", {"data": (7, 3, 5), "label": (3, 3)},
       {"int_inputs": {"label": (0, 5)}}),
    _c("ctc_blank_last", "CTCLoss", {"data": (7, 4, 5), "label": (4, 3)},
       {"int_inputs": {"label": (-1, 4)}}, blank_label="last"),
    _c("ctc_lengths", "CTCLoss",
       {"data": (8, 3, 4), "label": (3, 3), "data_lengths": (3,), "label_lengths": (3,)},
       {"int_inputs": {"label": (1, 4), "data_lengths": (6, 9), "label_lengths": (0, 4)}},
       use_data_lengths=True, use_label_lengths=True),
    _c("ctc_label_lengths_last", "CTCLoss", {"data": (6, 2, 5), "label": (2, 3),
                                             "label_lengths": (2,)},
       {"int_inputs": {"label": (0, 4), "label_lengths": (1, 4)}, "grad": False},
       use_label_lengths=True, blank_label="last"),
    _c("ctc_2d_data", "CTCLoss", {"data": (5, 4), "label": (5, 2)}),
    _c("ctc_alias_data_lengths", "ctc_loss", {"data": (7, 3, 4), "label": (3, 2),
                                              "data_lengths": (3,)},
       {"int_inputs": {"label": (0, 4), "data_lengths": (4, 8)}, "grad": False},
       use_data_lengths=True),
    _c("ctc_bad_label", "CTCLoss", {"data": (5, 2, 4), "label": (3, 2)}),
    # -- IdentityAttachKLSparseReg: sigmoid-like data in (0.05, 0.95)
    _d("klreg_default", "IdentityAttachKLSparseReg", (4, 3), _KL),
    _d("klreg_params", "IdentityAttachKLSparseReg", (5, 2), _KL,
       sparseness_target=0.3, penalty=0.5, momentum=0.6),
    _d("klreg_inference", "IdentityAttachKLSparseReg", (3, 2), {**_KL, "train": False}),
    # MXNet flattens to (-1, last axis) and keeps an average per axis-1 channel.
    _d("klreg_4d", "IdentityAttachKLSparseReg", (2, 3, 2, 3), _KL),
    _d("klreg_4d_mismatch", "IdentityAttachKLSparseReg", (2, 3, 2, 2), _KL),
    _d("klreg_bad_target", "IdentityAttachKLSparseReg", (4, 3), _KL, sparseness_target=1.5),
    # -- Correlation -------------------------------------------------------------------
    _c("corr_default", "Correlation", _CORR),
    _c("corr_pad_kernel", "Correlation", _CORR, kernel_size=3, max_displacement=1,
       pad_size=2),
    _c("corr_displacement", "Correlation", {"data1": (1, 1, 6, 6), "data2": (1, 1, 6, 6)},
       max_displacement=2, pad_size=1, extra={"grad": False}),
    _c("corr_strides", "Correlation", {"data1": (1, 2, 9, 8), "data2": (1, 2, 9, 8)},
       max_displacement=2, stride1=2, stride2=2, pad_size=1),
    _c("corr_subtract", "Correlation", _CORR, kernel_size=3, max_displacement=1,
       pad_size=1, is_multiply=False),
    _c("corr_too_small", "Correlation", _CORR, kernel_size=5, max_displacement=3),
    _c("corr_even_kernel", "Correlation", _CORR, kernel_size=2),
]
