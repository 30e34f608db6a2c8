"""Runs one op case through an MXNet-compatible module (`mxnet` or `jaxsym`).

The same function records golden values under real MXNet 1.9.1
(tools/record_op_fixtures.py) and replays them under jaxsym (tests/ops/), so both
sides execute literally the same user-level code.

A case is a dict:
    id:       unique string, used as the fixture key prefix
    op:       the mx.sym function name ('Convolution', 'broadcast_add', '_plus_scalar'...)
    kwargs:   op parameters, as a user passes them
    inputs:   {input name: shape}; each becomes a Variable passed by keyword. Use the
              special key '*' with a list of shapes for variadic ops (Concat).
    aux:      optional {aux name: shape} for aux states given explicitly
    low/high: optional uniform range of the random inputs (default -1, 1)
    int_inputs: optional {input name: (low, high)} for integer-valued inputs (labels,
              indices); drawn as floats unless int_dtype is given
    values:   optional {input name: nested list}: inputs given exactly (sampling grids at
              integer and border coordinates), still differentiated
    dtype:    optional input dtype (default float32)
    train:    forward in training mode (default True) and run backward
    grad:     whether to check gradients (default True)
    head_grad: whether to pass random head gradients (default: True unless loss)
    skip:     optional result keys neither recorded nor compared ('out1' for an output
              MXNet leaves uninitialised)
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _inputs(mx: Any, case: dict) -> tuple[list, dict]:
    if "*" in case["inputs"]:
        shapes = case["inputs"]["*"]
        syms = [mx.sym.Variable(f"x{i}") for i in range(len(shapes))]
        return syms, {}
    return [], {name: mx.sym.Variable(name) for name in case["inputs"]}


def build(mx: Any, case: dict) -> Any:
    positional, named = _inputs(mx, case)
    aux = {name: mx.sym.Variable(name) for name in case.get("aux", {})}
    # MXNet keeps underscored ops (`_plus_scalar`) in mx.sym._internal only.
    fn = getattr(mx.sym, case["op"], None) or getattr(mx.sym._internal, case["op"])
    return fn(*positional, **named, **aux, **case.get("kwargs", {}))


def make_values(case: dict, arg_names: list[str], arg_shapes: list, aux_names: list[str],
                aux_shapes: list) -> tuple[dict, dict]:
    rng = np.random.RandomState(_seed(case))
    low, high = case.get("low", -1.0), case.get("high", 1.0)
    dtype = case.get("dtype", "float32")
    ints = case.get("int_inputs", {})
    args = {}
    for name, shape in zip(arg_names, arg_shapes):
        if name in case.get("values", {}):
            args[name] = np.array(case["values"][name], dtype=dtype).reshape(shape)
        elif name in ints:
            lo, hi = ints[name]
            args[name] = rng.randint(lo, hi, size=shape).astype(case.get("int_dtype", dtype))
        else:
            args[name] = rng.uniform(low, high, size=shape).astype(dtype)
    aux = {}
    for name, shape in zip(aux_names, aux_shapes):
        if name.endswith("var"):
            aux[name] = rng.uniform(0.5, 1.5, size=shape).astype(dtype)
        else:
            aux[name] = rng.uniform(-0.5, 0.5, size=shape).astype(dtype)
    return args, aux


def _seed(case: dict) -> int:
    # A stable seed from the id (Python's hash() is salted per process).
    return sum((i + 1) * ord(c) for i, c in enumerate(case["id"])) % (2**31)


def run_case(mx: Any, case: dict) -> dict[str, Any]:
    """Build, infer, bind, forward (and backward); return every observable as numpy."""
    sym = build(mx, case)
    if "*" in case["inputs"]:
        shapes = {f"x{i}": tuple(s) for i, s in enumerate(case["inputs"]["*"])}
    else:
        shapes = {k: tuple(v) for k, v in case["inputs"].items()}
    shapes.update({k: tuple(v) for k, v in case.get("aux", {}).items()})
    arg_names = sym.list_arguments()
    aux_names = sym.list_auxiliary_states()
    arg_shapes, out_shapes, aux_shapes = sym.infer_shape(**shapes)
    args, aux = make_values(case, arg_names, arg_shapes, aux_names, aux_shapes)
    train = case.get("train", True)
    want_grad = train and case.get("grad", True)
    ctx = mx.cpu()
    grads = {n: mx.nd.zeros(s, dtype=args[n].dtype) for n, s in zip(arg_names, arg_shapes)}
    ints = case.get("int_inputs", {})
    req = {n: ("null" if n in ints or not want_grad else "write") for n in arg_names}
    ex = sym.bind(ctx, args={n: mx.nd.array(v, dtype=v.dtype) for n, v in args.items()},
                  args_grad=grads if want_grad else None, grad_req=req if want_grad else "null",
                  aux_states={n: mx.nd.array(v, dtype=v.dtype) for n, v in aux.items()})
    outs = ex.forward(is_train=train)
    result: dict[str, Any] = {
        "arg_names": list(arg_names), "aux_names": list(aux_names),
        "out_names": list(sym.list_outputs()),
        "arg_shapes": [list(s) for s in arg_shapes],
        "out_shapes": [list(s) for s in out_shapes],
        "aux_shapes": [list(s) for s in aux_shapes],
    }
    for i, o in enumerate(outs):
        result[f"out{i}"] = o.asnumpy()
    if want_grad:
        rng = np.random.RandomState(_seed(case) + 1)
        if case.get("head_grad", True):
            heads = [mx.nd.array(rng.uniform(-1, 1, size=o.shape).astype(o.asnumpy().dtype))
                     for o in outs]
            ex.backward(heads)
        else:
            ex.backward()
        mx.nd.waitall()
        for n in arg_names:
            if req[n] == "write":
                result[f"grad:{n}"] = ex.grad_dict[n].asnumpy()
        if train:
            for n in aux_names:
                result[f"aux:{n}"] = ex.aux_dict[n].asnumpy()
    for key in case.get("skip", ()):
        result.pop(key, None)
    return result
