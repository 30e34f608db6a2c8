"""Sequence, indexing and ordering ops against MXNet 1.9.1: forward, gradients, shapes.

Recorded with: MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_op_fixtures.py tensor
Every node is named 'n' so that per-test name counters agree with MXNet's.
"""


def _c(cid: str, op: str, inputs: dict, extra: dict | None = None, **kwargs) -> dict:
    """A case: `inputs` maps input names to shapes, kwargs are op params."""
    return {"id": cid, "op": op, "kwargs": {"name": "n", **kwargs}, "inputs": inputs,
            **(extra or {})}


def _d(cid: str, op: str, data_shape: tuple, extra: dict | None = None, **kwargs) -> dict:
    """A case with a single `data` input."""
    return _c(cid, op, {"data": data_shape}, extra, **kwargs)


def _seq(cid: str, op: str, data_shape: tuple, batch: int, **kwargs) -> dict:
    """A sequence op with lengths in [1, 4): data in [1, 4) too, so the lengths (drawn as
    floats, truncated by MXNet) have a gradient MXNet reports (zero)."""
    return _c(cid, op, {"data": data_shape, "sequence_length": (batch,)},
              {"low": 1.0, "high": 3.99}, use_sequence_length=True, **kwargs)


# Integer-valued inputs: no gradient requested (MXNet refuses one for labels).
_IDX = {"int_inputs": {"index": (-2, 6)}}
_IDX_IN = {"int_inputs": {"index": (0, 4)}}
_LABEL = {"int_inputs": {"label": (0, 4)}}
# Sorting random floats: no ties, so every order is unambiguous.
_NO_GRAD = {"grad": False}

CASES = [
    # SequenceMask / SequenceLast / SequenceReverse
    _d("seqmask_default", "SequenceMask", (4, 3, 2)),
    _seq("seqmask_len", "SequenceMask", (4, 3, 2), 3),
    _seq("seqmask_len_value", "SequenceMask", (4, 3), 3, value=-7.5),
    _seq("seqmask_len_axis1", "SequenceMask", (3, 4, 2), 3, axis=1),
    _d("seqmask_axis_neg", "SequenceMask", (4, 3), axis=-1),
    _d("seqmask_axis2", "SequenceMask", (4, 3, 2), axis=2),
    _d("seqmask_1d", "SequenceMask", (4,)),
    _c("seqmask_len_bad", "SequenceMask", {"data": (4, 3), "sequence_length": (2,)},
       use_sequence_length=True),
    _d("seqlast_default", "SequenceLast", (4, 3, 2)),
    _seq("seqlast_len", "SequenceLast", (4, 3, 2), 3),
    _seq("seqlast_len_2d", "SequenceLast", (4, 5), 5),
    _seq("seqlast_len_axis1", "SequenceLast", (3, 4, 2), 3, axis=1),
    _d("seqlast_axis1", "SequenceLast", (3, 4, 2), axis=1),
    _d("seqlast_axis2", "SequenceLast", (4, 3, 2), axis=2),
    _d("seqrev_default", "SequenceReverse", (4, 3, 2)),
    _seq("seqrev_len", "SequenceReverse", (4, 3, 2), 3),
    _seq("seqrev_len_2d", "SequenceReverse", (4, 5), 5),
    _d("seqrev_axis1", "SequenceReverse", (4, 3, 2), axis=1),
    # pick
    _c("pick_default", "pick", {"data": (3, 4), "index": (3,)}, _IDX),
    _c("pick_axis0", "pick", {"data": (3, 4), "index": (4,)}, _IDX, axis=0),
    _c("pick_axis_neg_keep", "pick", {"data": (2, 3, 4), "index": (2, 4)}, _IDX,
       axis=-2, keepdims=True),
    _c("pick_wrap", "pick", {"data": (3, 4), "index": (3,)}, _IDX, mode="wrap"),
    _c("pick_wrap_3d", "pick", {"data": (2, 3, 4), "index": (2, 3)}, _IDX, axis=2,
       mode="wrap", keepdims=True),
    _c("pick_float_index", "pick", {"data": (3, 5), "index": (3,)}, {"grad": False},
       axis=1),
    _c("pick_axis_none", "pick", {"data": (3, 4), "index": (1,)}, _IDX, axis=None),
    _c("pick_bad_index", "pick", {"data": (3, 4), "index": (2,)}, _IDX),
    _c("pick_bad_axis", "pick", {"data": (3, 4), "index": (3,)}, _IDX, axis=2),
    # topk / sort / argsort
    _d("topk_default", "topk", (3, 5)),
    _d("topk_value", "topk", (3, 5), k=2, ret_typ="value"),
    _d("topk_both_axis0", "topk", (4, 3), k=3, axis=0, ret_typ="both"),
    _d("topk_both_ascend", "topk", (2, 3, 4), k=2, axis=1, ret_typ="both", is_ascend=True),
    _d("topk_mask", "topk", (3, 5), k=2, ret_typ="mask"),
    _d("topk_mask_none", "topk", (2, 3), k=4, axis=None, ret_typ="mask"),
    _d("topk_value_none", "topk", (2, 3), k=4, axis=None, ret_typ="value"),
    _d("topk_indices_int32", "topk", (3, 5), k=3, dtype="int32"),
    _d("topk_both_float16", "topk", (3, 5), k=3, ret_typ="both", dtype="float16"),
    _d("topk_k0", "topk", (3, 4), k=0, ret_typ="value"),
    _d("topk_k_neg", "topk", (3, 4), k=-1, ret_typ="both", axis=-2),
    _d("topk_k_big", "topk", (3, 4), k=5),
    _d("topk_bad_axis", "topk", (3, 4), axis=2),
    # MXNet 1.9.1 cannot bind sort with a default axis for gradients (its backward
    # node gets axis=''), so gradients are checked with an explicit axis.
    _d("sort_default", "sort", (3, 5), _NO_GRAD),
    _d("sort_axis", "sort", (3, 5), axis=1),
    _d("sort_axis0_desc", "sort", (4, 3), axis=0, is_ascend=False),
    _d("sort_axis_neg", "sort", (2, 3, 4), axis=-2),
    _d("sort_none", "sort", (2, 3), _NO_GRAD, axis=None),
    _d("argsort_default", "argsort", (3, 5), _NO_GRAD),
    _d("argsort_axis0_desc", "argsort", (4, 3), axis=0, is_ascend=False),
    _d("argsort_none_int32", "argsort", (2, 3), axis=None, dtype="int32"),
    _d("argsort_uint8", "argsort", (3, 4), _NO_GRAD, dtype="uint8"),
    _d("argsort_float16_axis0", "argsort", (3, 4), axis=0, dtype="float16"),
    # slice_like
    _c("slice_like_all", "slice_like", {"data": (3, 4, 5), "shape_like": (2, 3, 5)}),
    _c("slice_like_axes", "slice_like", {"data": (3, 4, 5), "shape_like": (1, 2, 3)},
       axes=(0, -1)),
    _c("slice_like_axes_rank", "slice_like", {"data": (3, 4, 5), "shape_like": (2, 3)},
       axes=(1,)),
    _c("slice_like_rank_bad", "slice_like", {"data": (3, 4, 5), "shape_like": (2, 3)}),
    _c("slice_like_big", "slice_like", {"data": (3, 4), "shape_like": (2, 5)}),
    _c("slice_like_axis_bad", "slice_like", {"data": (3, 4, 5), "shape_like": (2, 3)},
       axes=(2,)),
    # softmin / softmax_cross_entropy
    _d("softmin_default", "softmin", (3, 4)),
    _d("softmin_axis_temp", "softmin", (3, 4, 2), axis=1, temperature=2.5),
    _d("softmin_float16", "softmin", (3, 4), {"tol": {"rtol": 2e-3, "atol": 2e-3}},
       dtype="float16"),
    # softmin has the use_length parameter but no `length` input.
    _d("softmin_use_length", "softmin", (3, 4), use_length=True),
    _c("softmax_ce", "softmax_cross_entropy", {"data": (4, 5), "label": (4,)}, _LABEL),
    _c("softmax_ce_3d", "softmax_cross_entropy", {"data": (2, 3, 4), "label": (2,)},
       _LABEL),
    _c("softmax_ce_label_bad", "softmax_cross_entropy", {"data": (4, 5), "label": (3,)},
       _LABEL),
    # depth_to_space / space_to_depth
    _d("d2s", "depth_to_space", (2, 8, 2, 3), block_size=2),
    _d("d2s_block1", "depth_to_space", (1, 3, 2, 2), block_size=1),
    _d("d2s_bad_depth", "depth_to_space", (2, 8, 2, 3), block_size=3),
    _d("d2s_3d", "depth_to_space", (8, 2, 3), block_size=2),
    _d("d2s_block0", "depth_to_space", (2, 8, 2, 3), block_size=0),
    _d("s2d", "space_to_depth", (2, 2, 4, 6), block_size=2),
    _d("s2d_block3", "space_to_depth", (1, 2, 3, 6), block_size=3),
    _d("s2d_bad_space", "space_to_depth", (2, 2, 4, 6), block_size=3),
    _d("s2d_neg_block", "space_to_depth", (2, 2, 4, 6), block_size=-1),
    # diag
    _d("diag_2d", "diag", (3, 4)),
    _d("diag_2d_k1", "diag", (3, 4), k=1),
    _d("diag_2d_k_neg", "diag", (3, 4), k=-2),
    _d("diag_2d_k_bad", "diag", (3, 4), k=5),
    _d("diag_1d", "diag", (3,)),
    _d("diag_1d_k_neg", "diag", (3,), k=-1),
    _d("diag_3d", "diag", (2, 3, 4)),
    _d("diag_3d_axes", "diag", (2, 3, 4), k=1, axis1=-1, axis2=0),
    _d("diag_3d_same_axis", "diag", (2, 3, 4), axis1=1, axis2=1),
    # moments
    _d("moments_axis", "moments", (2, 3, 4), axes=(1,)),
    _d("moments_axes_keep", "moments", (2, 3, 4), axes=(0, 2), keepdims=True),
    _d("moments_neg", "moments", (2, 3, 4), axes=(-1,)),
    _d("moments_all", "moments", (2, 3), axes=(0, 1)),
    _d("moments_no_axes", "moments", (2, 3, 4)),
    _d("moments_axis_bad", "moments", (2, 3, 4), axes=(3,)),
    _d("moments_dup", "moments", (2, 3, 4), axes=(0, 0)),
    # gather_nd / scatter_nd / batch_take (in-range indices: MXNet checks the range on the
    # host). scatter_nd_basic writes both updates to (0, 0): the last wins in both, and
    # both get the head gradient there.
    _c("gather_nd_2", "gather_nd", {"data": (2, 3, 4), "indices": (2, 3)},
       {"int_inputs": {"indices": (0, 2)}}),
    _c("gather_nd_1", "gather_nd", {"data": (3, 4), "indices": (1, 2, 2)},
       {"int_inputs": {"indices": (0, 3)}}),
    _c("gather_nd_full", "gather_nd", {"data": (2, 2), "indices": (2, 5)},
       {"int_inputs": {"indices": (0, 2)}}),
    _c("gather_nd_1d_index", "gather_nd", {"data": (2, 3), "indices": (2,)},
       {"int_inputs": {"indices": (0, 2)}}),
    _c("gather_nd_too_many", "gather_nd", {"data": (2, 3), "indices": (3, 2)},
       {"int_inputs": {"indices": (0, 2)}}),
    _c("scatter_nd_basic", "scatter_nd", {"data": (2,), "indices": (2, 2)},
       {"int_inputs": {"indices": (0, 1)}}, shape=(2, 3)),
    _c("scatter_nd_rows", "scatter_nd", {"data": (1, 3), "indices": (1, 1)},
       {"int_inputs": {"indices": (1, 2)}}, shape=(4, 3)),
    _c("scatter_nd_bad_data", "scatter_nd", {"data": (3,), "indices": (2, 2)},
       {"int_inputs": {"indices": (0, 1)}}, shape=(2, 3)),
    # MXNet's batch_take kernel is right for 2-D data only (3-D reads garbage).
    _c("batch_take_2d", "batch_take", {"a": (4, 3), "indices": (4,)},
       {"int_inputs": {"indices": (-2, 5)}, "int_dtype": "int32",
        "grad": False}),
    _c("batch_take_bad", "batch_take", {"a": (4, 3), "indices": (3,)},
       {"int_inputs": {"indices": (0, 3)}, "int_dtype": "int32",
        "grad": False}),
    # ravel_multi_index / unravel_index (MXNet's unravel_index reads 1-D data only: its
    # output is (len(shape), data.shape[0]), filled with the raw data for 2-D input)
    _d("ravel", "ravel_multi_index", (2, 5), {"int_inputs": {"data": (-3, 9)}}, shape=(7, 6)),
    _d("ravel_3", "ravel_multi_index", (3, 4), {"int_inputs": {"data": (0, 4)}},
       shape=(4, 5, 6)),
    _d("ravel_bad_rank", "ravel_multi_index", (2,), {"int_inputs": {"data": (0, 4)}},
       shape=(7, 6)),
    _d("ravel_bad_dims", "ravel_multi_index", (2, 3), {"int_inputs": {"data": (0, 4)}},
       shape=(7, 6, 2)),
    _d("ravel_no_shape", "ravel_multi_index", (2, 3), {"int_inputs": {"data": (0, 4)}}),
    _d("unravel", "unravel_index", (5,), {"int_inputs": {"data": (-8, 60)}}, shape=(7, 6)),
    _d("unravel_3", "unravel_index", (4,), {"int_inputs": {"data": (0, 120)}},
       shape=(4, 5, 6)),
    _d("unravel_no_shape", "unravel_index", (3,), {"int_inputs": {"data": (0, 9)}}),
]
