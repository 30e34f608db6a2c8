"""Op cases for the misc family (split_v2, AMP casts), recorded from MXNet 1.9.1 by
`MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_op_fixtures.py misc`."""

X = {"data": (2, 6, 3)}
A = {"ary": (2, 6, 3)}  # the wrapper names its input `ary`

CASES = [
    # split_v2: MXNet's Python wrapper over the `_split_v2` op.
    {"id": "split_v2_sections", "op": "split_v2", "inputs": A,
     "kwargs": {"indices_or_sections": 3, "axis": 1}},
    {"id": "split_v2_default_axis", "op": "split_v2", "inputs": {"ary": (4, 3)},
     "kwargs": {"indices_or_sections": 2}},
    {"id": "split_v2_indices", "op": "split_v2", "inputs": A,
     "kwargs": {"indices_or_sections": (1, 4), "axis": 1}},
    {"id": "split_v2_neg_axis", "op": "split_v2", "inputs": A,
     "kwargs": {"indices_or_sections": (2,), "axis": -1}},
    {"id": "split_v2_one_part", "op": "split_v2", "inputs": A,
     "kwargs": {"indices_or_sections": 1, "axis": 0}},
    {"id": "split_v2_empty_part", "op": "split_v2", "inputs": A,
     "kwargs": {"indices_or_sections": (2, 2, 5), "axis": 1}},
    {"id": "split_v2_squeeze", "op": "split_v2", "inputs": A,
     "kwargs": {"indices_or_sections": 2, "axis": 0, "squeeze_axis": True}},
    {"id": "split_v2_squeeze_indices", "op": "split_v2", "inputs": A,
     "kwargs": {"indices_or_sections": (1, 2), "axis": -1, "squeeze_axis": True}},
    {"id": "_split_v2_raw_indices", "op": "_split_v2", "inputs": X,
     "kwargs": {"indices": (0, 3), "axis": 1}},
    {"id": "_split_v2_raw_single", "op": "_split_v2", "inputs": X,
     "kwargs": {"indices": (0,), "axis": 2}},
    # Parts must cover the axis: MXNet back-infers the size from them and fails.
    {"id": "_split_v2_err_raw_nonzero_start", "op": "_split_v2", "inputs": X,
     "kwargs": {"indices": (1, 3), "axis": 1}},
    {"id": "_split_v2_raw_sections", "op": "_split_v2", "inputs": X,
     "kwargs": {"indices": (), "sections": 3, "axis": -1}},
    # Symbolic sections need not divide the axis: parts as numpy's array_split.
    {"id": "split_v2_uneven_sections", "op": "split_v2", "inputs": A,
     "kwargs": {"indices_or_sections": 4, "axis": 1}},
    {"id": "split_v2_more_sections_than_size", "op": "split_v2", "inputs": {"ary": (3, 2)},
     "kwargs": {"indices_or_sections": 5, "axis": 0}},
    {"id": "split_v2_err_index_past_end", "op": "split_v2", "inputs": A,
     "kwargs": {"indices_or_sections": (2, 7), "axis": 1}},
    {"id": "split_v2_err_unsorted", "op": "split_v2", "inputs": A,
     "kwargs": {"indices_or_sections": (4, 2), "axis": 1}},
    {"id": "split_v2_err_axis", "op": "split_v2", "inputs": A,
     "kwargs": {"indices_or_sections": 2, "axis": 3}},
    {"id": "split_v2_err_squeeze", "op": "split_v2", "inputs": A,
     "kwargs": {"indices_or_sections": 2, "axis": 1, "squeeze_axis": True}},
    # amp_cast: casts float32/float16 only; the gradient is cast back. float64 inputs fail
    # in MXNet's CPU (MKLDNN) kernel, so their dtype rule is checked by infer_type.
    {"id": "amp_cast_f32_f16", "op": "amp_cast", "inputs": {"data": (2, 3)},
     "kwargs": {"dtype": "float16"}, "tol": {"rtol": 1e-3, "atol": 1e-3}},
    {"id": "amp_cast_f32_f32", "op": "amp_cast", "inputs": {"data": (2, 3)},
     "kwargs": {"dtype": "float32"}},
    {"id": "amp_cast_f16_f32", "op": "amp_cast", "inputs": {"data": (2, 3)},
     "kwargs": {"dtype": "float32"}, "dtype": "float16"},
    {"id": "amp_cast_int_untouched", "op": "amp_cast", "inputs": {"data": (2, 3)},
     "kwargs": {"dtype": "float16"}, "dtype": "int32", "int_inputs": {"data": (-5, 5)},
     "int_dtype": "int32", "grad": False},
    # amp_multicast: one output per input, shapes kept.
    {"id": "amp_multicast_two", "op": "amp_multicast", "inputs": {"*": [(2, 3), (4,)]},
     "kwargs": {"num_outputs": 2}},
    {"id": "amp_multicast_narrow", "op": "amp_multicast",
     "inputs": {"*": [(2, 3), (4,), (1, 2)]}, "kwargs": {"num_outputs": 3,
                                                       "cast_narrow": True}},
    {"id": "amp_multicast_one", "op": "amp_multicast", "inputs": {"*": [(3, 2)]},
     "kwargs": {"num_outputs": 1}},
    {"id": "amp_multicast_err_count", "op": "amp_multicast",
     "inputs": {"*": [(2,), (2,)]}, "kwargs": {"num_outputs": 1}},
]
