"""Smoke cases proving the harness end to end; op families have their own tables."""

CASES = [
    {"id": "plus", "op": "elemwise_add", "inputs": {"lhs": (2, 3), "rhs": (2, 3)}},
    {"id": "fc", "op": "FullyConnected", "kwargs": {"num_hidden": 4, "name": "fc"},
     "inputs": {"data": (3, 5)}},
    {"id": "softmax_out", "op": "SoftmaxOutput", "kwargs": {"name": "sm"},
     "inputs": {"data": (4, 5)}, "int_inputs": {"sm_label": (0, 5)}, "head_grad": False},
]
