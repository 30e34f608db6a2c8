"""Loss/output layers: MXNet's own backward, run without head gradients (loss heads).

Recorded with: MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_op_fixtures.py output
"""

_LOSS = {"head_grad": False}


def _sm(cid: str, data: tuple, label: tuple = (0, 5), **kwargs) -> dict:
    """A SoftmaxOutput case named 'sm' with an integer label drawn from [label)."""
    return {"id": cid, "op": "SoftmaxOutput", "kwargs": {"name": "sm", **kwargs},
            "inputs": {"data": data}, "int_inputs": {"sm_label": label}, **_LOSS}


CASES = [
    _sm("sm_default", (4, 5)),
    _sm("sm_grad_scale", (4, 5), grad_scale=2.5),
    _sm("sm_norm_batch", (4, 5), normalization="batch", grad_scale=3.0),
    _sm("sm_norm_valid_ignore", (6, 4), (-1, 4), normalization="valid", use_ignore=True),
    _sm("sm_ignore_only", (6, 4), (-1, 4), use_ignore=True),
    _sm("sm_valid_no_ignore", (6, 4), (-1, 4), normalization="valid"),
    _sm("sm_ignore_label_2", (6, 4), (0, 4), use_ignore=True, ignore_label=2),
    _sm("sm_smooth", (4, 5), smooth_alpha=0.2),
    _sm("sm_smooth_ignore", (6, 4), (-1, 4), smooth_alpha=0.1, use_ignore=True),
    _sm("sm_4d_flat", (2, 3, 2, 2), (0, 12)),
    _sm("sm_multi", (2, 3, 4), (0, 3), multi_output=True),
    _sm("sm_multi_4d", (2, 3, 2, 2), (0, 3), multi_output=True),
    _sm("sm_multi_batch", (2, 3, 4), (0, 3), multi_output=True, normalization="batch"),
    _sm("sm_multi_valid", (2, 3, 4), (-1, 3), multi_output=True, normalization="valid",
        use_ignore=True),
    _sm("sm_preserve", (2, 3, 4), (0, 4), preserve_shape=True),
    _sm("sm_preserve_batch", (2, 3, 4), (0, 4), preserve_shape=True, normalization="batch"),
    {"id": "sm_prob_label", "op": "SoftmaxOutput", "kwargs": {"name": "sm", "grad_scale": 2},
     "inputs": {"data": (3, 4), "label": (3, 4)}, "low": 0.0, **_LOSS},
    {"id": "sm_out_grad", "op": "SoftmaxOutput", "kwargs": {"name": "sm", "out_grad": True},
     "inputs": {"data": (3, 4)}, "int_inputs": {"sm_label": (0, 4)}},
    {"id": "sm_multi_label_nd", "op": "SoftmaxOutput",
     "kwargs": {"name": "sm", "multi_output": True},
     "inputs": {"data": (2, 3, 2, 2), "label": (2, 2, 2)},
     "int_inputs": {"label": (0, 3)}, **_LOSS},
    {"id": "softmax_alias", "op": "Softmax", "kwargs": {"name": "sm"},
     "inputs": {"data": (3, 4)}, "int_inputs": {"sm_label": (0, 4)}, **_LOSS},
    {"id": "sm_string_attrs", "op": "SoftmaxOutput",
     "kwargs": {"name": "sm", "grad_scale": "0.5", "normalization": "batch",
                "use_ignore": "True", "ignore_label": "0"},
     "inputs": {"data": (4, 3)}, "int_inputs": {"sm_label": (0, 3)}, **_LOSS},
    {"id": "sm_bad_label", "op": "SoftmaxOutput", "kwargs": {"name": "sm"},
     "inputs": {"data": (4, 5), "label": (5,)}, **_LOSS},
]

for _op in ("LinearRegressionOutput", "LogisticRegressionOutput", "MAERegressionOutput"):
    _short = _op[:3].lower()
    CASES += [
        {"id": f"{_short}_default", "op": _op, "kwargs": {"name": "r"},
         "inputs": {"data": (4, 3)}, **_LOSS},
        {"id": f"{_short}_scale_3d", "op": _op, "kwargs": {"name": "r", "grad_scale": 2.0},
         "inputs": {"data": (2, 3, 2)}, **_LOSS},
        {"id": f"{_short}_col", "op": _op, "kwargs": {"name": "r"},
         "inputs": {"data": (5, 1)}, **_LOSS},
        {"id": f"{_short}_label_grad", "op": _op, "kwargs": {"name": "r"},
         "inputs": {"data": (3, 2), "label": (3, 2)}, "low": 0.0, **_LOSS},
        {"id": f"{_short}_head_grad", "op": _op, "kwargs": {"name": "r", "grad_scale": 0.5},
         "inputs": {"data": (3, 2)}},
    ]

CASES += [
    {"id": "reg_flat_label", "op": "LinearRegressionOutput", "kwargs": {"name": "r"},
     "inputs": {"data": (4, 3), "label": (4, 3, 1)}, **_LOSS},
    {"id": "reg_bad_label", "op": "LinearRegressionOutput", "kwargs": {"name": "r"},
     "inputs": {"data": (2, 3), "label": (6,)}, **_LOSS},
    {"id": "makeloss_default", "op": "MakeLoss", "inputs": {"data": (3, 4)}, **_LOSS},
    {"id": "makeloss_batch", "op": "MakeLoss",
     "kwargs": {"name": "ml", "grad_scale": 3.0, "normalization": "batch"},
     "inputs": {"data": (3, 4)}, **_LOSS},
    {"id": "makeloss_valid", "op": "MakeLoss",
     "kwargs": {"name": "ml", "normalization": "valid", "valid_thresh": 0.2},
     "inputs": {"data": (3, 4)}, **_LOSS},
    {"id": "makeloss_valid_none", "op": "MakeLoss",
     "kwargs": {"name": "ml", "normalization": "valid", "valid_thresh": 5.0},
     "inputs": {"data": (3, 4)}, **_LOSS},
    {"id": "makeloss_head_grad", "op": "MakeLoss", "kwargs": {"name": "ml", "grad_scale": 2.0},
     "inputs": {"data": (2, 3)}},
    {"id": "make_loss_fn", "op": "make_loss", "inputs": {"data": (2, 3)}, **_LOSS},
    {"id": "make_loss_head_grad", "op": "make_loss", "kwargs": {"name": "loss"},
     "inputs": {"data": (2, 3)}},
    {"id": "blockgrad", "op": "BlockGrad", "inputs": {"data": (2, 3)}, **_LOSS},
    {"id": "blockgrad_head_grad", "op": "BlockGrad", "kwargs": {"name": "bg"},
     "inputs": {"data": (2, 3)}},
    {"id": "stop_gradient", "op": "stop_gradient", "inputs": {"data": (2, 3)}, **_LOSS},
]
