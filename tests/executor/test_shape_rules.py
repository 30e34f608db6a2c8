"""Ops' plain-Python output shape rules (`infer_outputs`) against jax.eval_shape.

Shape inference uses an op's rule where it has one and traces the op only otherwise, so
a rule must give eval_shape's shapes and dtypes wherever it vouches for its inputs, and
must decline (None) wherever the op itself rejects them, leaving the error to the trace.
"""

import importlib

import jax
import numpy as np
import pytest
from conformance import runner

import jaxsym as mx
from jaxsym.base import MXNetError
from jaxsym.executor import infer
from jaxsym.models import lenet, mlp, resnet
from jaxsym.ops import registry

FAMILIES = ("core", "math", "nn", "output", "shape")
CASES = [case for family in FAMILIES
         for case in importlib.import_module(f"conformance.cases_{family}").CASES
         if "op" in case]
# Ops the conformance tables check by value only (unary and scalar math...), or need
# parameters: one float32 case each on (2, 3, 4) data.
_REQUIRED = {"clip": {"a_min": -0.5, "a_max": 0.5}, "smooth_l1": {"scalar": 1.0},
             "Cast": {"dtype": "float16"}, "Activation": {"act_type": "tanh"}}
def _unary_cases() -> list[dict]:
    cases = []
    for op in {registry.get(n).name: registry.get(n) for n in registry.all_names()}.values():
        given = _REQUIRED.get(op.name, {})
        if op.infer_outputs is None or op.variadic or any(
                p.default is registry.REQUIRED and k not in given for k, p in op.params.items()):
            continue
        if op.input_names(op.parse_params(given, "")) == ["data"]:
            cases.append({"id": f"extra_{op.name}", "op": op.name, "inputs": {"data": (2, 3, 4)},
                          "kwargs": {"name": "n", **given}})
    return cases


# The fused RNN op, whose values tests/ops/test_rnn_op.py checks against MXNet.
EXTRA = _unary_cases() + [
    {"id": f"extra_rnn_{mode}", "op": "RNN", "inputs": {"data": (3, 2, 4)},
     "kwargs": {"name": "n", "state_size": 5, "num_layers": 2, "mode": mode,
                "bidirectional": True, "state_outputs": True}} for mode in ("lstm", "gru")]
# Ops the cold start of the common networks runs through: each must have a rule.
COMMON = {"Convolution", "FullyConnected", "BatchNorm", "Pooling", "Activation",
          "elemwise_add", "broadcast_add", "broadcast_mul", "_plus_scalar", "Flatten",
          "Concat", "SoftmaxOutput", "Dropout", "Reshape", "relu", "softmax", "add_n"}


def _known_shapes(case: dict) -> dict[str, tuple]:
    if "*" in case["inputs"]:
        shapes = {f"x{i}": tuple(s) for i, s in enumerate(case["inputs"]["*"])}
    else:
        shapes = {k: tuple(v) for k, v in case["inputs"].items()}
    shapes.update({k: tuple(v) for k, v in case.get("aux", {}).items()})
    return shapes


def _node_signatures(heads, shapes: dict, dtypes: dict):
    """(node, opdef, input shapes, input dtypes) for every op node whose inputs are known."""
    out_shapes, out_dtypes, order = infer.propagate(heads, shapes, dtypes)
    for node in order:
        if node.is_variable:
            continue
        in_shapes = [out_shapes[id(src)][i] for src, i in node.inputs]
        in_types = [out_dtypes[id(src)][i] or np.float32 for src, i in node.inputs]
        if all(s is not None for s in in_shapes):
            yield node, registry.get(node.op), in_shapes, in_types


def _traced(node, opdef, shapes, types):
    specs = [jax.ShapeDtypeStruct(s, t) for s, t in zip(shapes, types)]
    n_in = len(opdef.input_names(node.params))

    def run(*arrays):
        return opdef.apply(node.params, arrays[:n_in], arrays[n_in:], False,
                           jax.random.PRNGKey(0))[0]
    return [(tuple(o.shape), np.dtype(o.dtype)) for o in jax.eval_shape(run, *specs)]


def test_rules_agree_with_eval_shape_on_every_conformance_case():
    checked: dict[str, int] = {}
    rejected = []
    for case in CASES + EXTRA:
        shapes = _known_shapes(case)
        dtypes = {name: np.dtype(case.get("dtype", "float32")) for name in shapes}
        try:
            nodes = list(_node_signatures(runner.build(mx, case)._outputs, shapes, dtypes))
        except MXNetError:
            # An error case: any inference error comes from tracing the failing node, so
            # its rule declined.
            rejected.append(case["id"])
            continue
        for node, opdef, in_shapes, in_types in nodes:
            ruled = infer.by_rule(node, opdef, in_shapes, in_types)
            if ruled is None:
                continue
            want = _traced(node, opdef, in_shapes, in_types)
            got = [(s, np.dtype(t)) for s, t in ruled]
            assert got == want, (case["id"], node.op, in_shapes, in_types)
            checked[opdef.name] = checked.get(opdef.name, 0) + 1
    assert COMMON <= set(checked), COMMON - set(checked)
    # Every op with a rule had it checked.
    ruled_ops = {registry.get(n).name for n in registry.all_names()
                 if registry.get(n).infer_outputs is not None}
    assert ruled_ops <= set(checked), ruled_ops - set(checked)
    assert {"elemwise_add_shape_mismatch", "broadcast_mul_mismatch"} <= set(rejected)


BAD = [  # (op, inputs, params): shapes each op's forward rejects
    ("Convolution", {"data": (2, 3, 6, 6), "weight": (4, 2, 3, 3), "bias": (4,)},
     {"kernel": (3, 3), "num_filter": 4}),
    ("Convolution", {"data": (2, 3, 6, 6), "weight": (4, 3, 3, 3), "bias": (5,)},
     {"kernel": (3, 3), "num_filter": 4}),
    ("Convolution", {"data": (2, 3, 2, 2), "weight": (4, 3, 3, 3), "bias": (4,)},
     {"kernel": (3, 3), "num_filter": 4}),
    ("Convolution", {"data": (2, 3, 6), "weight": (4, 3, 3, 3), "bias": (4,)},
     {"kernel": (3, 3), "num_filter": 4}),
    ("FullyConnected", {"data": (2, 3, 4), "weight": (5, 4), "bias": (5,)},
     {"num_hidden": 5}),
    ("BatchNorm", {"data": (2, 3, 4, 4), "gamma": (4,), "beta": (3,), "moving_mean": (3,),
                   "moving_var": (3,)}, {}),
    ("Pooling", {"data": (2, 3, 2, 2)}, {"kernel": (3, 3)}),
    ("Pooling", {"data": (2, 3, 6, 6)}, {"kernel": (3,)}),
    ("Concat", {"arg0": (2, 3), "arg1": (3, 3)}, {"num_args": 2, "dim": 1}),
    ("Concat", {"arg0": (2, 3), "arg1": (2, 3)}, {"num_args": 2, "dim": 2}),
    ("elemwise_add", {"lhs": (2, 3), "rhs": (3, 2)}, {}),
    ("broadcast_add", {"lhs": (2, 3), "rhs": (2, 2)}, {}),
    ("Reshape", {"data": (2, 3)}, {"shape": (4, 2)}),
    ("SoftmaxOutput", {"data": (4, 5), "label": (5,)}, {}),
    ("softmax", {"data": (4, 5)}, {"axis": 2}),
]


@pytest.mark.parametrize("op, inputs, params", BAD, ids=[f"{b[0]}-{i}" for i, b in
                                                         enumerate(BAD)])
def test_rules_decline_what_the_op_rejects(op, inputs, params):
    variables = {name: mx.sym.Variable(name) for name in inputs}
    sym = getattr(mx.sym, op)(**variables, **params, name="bad")
    (node, _), = sym._outputs
    opdef = registry.get(node.op)
    order = [src.name for src, _ in node.inputs]
    shapes = [inputs[name] for name in order]
    assert infer.by_rule(node, opdef, shapes, [np.float32] * len(shapes)) is None
    with pytest.raises(MXNetError, match="bad"):  # the trace reports it, naming the node
        sym.infer_shape(**inputs)


@pytest.mark.parametrize("name, net, data", [
    ("resnet18", lambda: resnet.get_symbol(10, 18, image_shape="3,32,32"), (2, 3, 32, 32)),
    ("lenet", lambda: lenet.get_symbol(10), (2, 1, 28, 28)),
    ("mlp", lambda: mlp.get_symbol(10), (2, 784)),
])
def test_common_networks_infer_without_tracing(monkeypatch, name, net, data):
    symbol = net()
    want = symbol.infer_shape(data=data)
    monkeypatch.setattr(infer, "_EVAL", lambda *a: pytest.fail("traced an op"))
    assert symbol.infer_shape(data=data) == want
    assert symbol.infer_type(data=np.float32)[1] == [np.float32]
