"""mx.rnn's convolutional cells, cases defined once for real MXNet 1.9.1
(tools/record_convrnn_fixtures.py) and jaxsym (tests/rnn/test_conv_cells.py). Every function
takes the library as `mx` and returns plain data.
"""

from __future__ import annotations

import functools

import numpy as np

BATCH = 2
# Non-default convolutions: the i2h one shrinks 6x6 steps to 3x4 states (stride 2, W's
# dilated 2-wide kernel without padding); the h2h one pads its 5x3, (2, 1)-dilated kernel.
CUSTOM = {"h2h_kernel": (5, 3), "h2h_dilate": (2, 1), "i2h_kernel": (3, 2),
          "i2h_stride": (2, 1), "i2h_pad": (1, 0), "i2h_dilate": (1, 2)}

# name -> (cell class, keyword arguments, seq length, layout, merge_outputs,
#          begin states as Variables); every step is 3x6x6 (NCHW) or 6x6x3 (NHWC).
CASES = {
    "rnn_default": ("ConvRNNCell", {}, 3, "NTC", True, False),
    "rnn_custom_tanh": ("ConvRNNCell", {**CUSTOM, "activation": "tanh"}, 2, "TNC", False,
                        True),
    "rnn_custom_tanh_callable": ("ConvRNNCell", {**CUSTOM, "activation": "callable_tanh"}, 2,
                                 "TNC", False, True),
    "lstm_default": ("ConvLSTMCell", {}, 3, "NTC", True, True),
    "lstm_custom": ("ConvLSTMCell", {**CUSTOM, "activation": "softrelu", "num_hidden": 2},
                    3, "TNC", None, False),
    "lstm_nhwc": ("ConvLSTMCell", {"conv_layout": "NHWC", "prefix": "cl_"}, 2, "NTC", True,
                  False),
    "gru_default": ("ConvGRUCell", {}, 3, "TNC", False, False),
    "gru_custom": ("ConvGRUCell", {**CUSTOM, "activation": "tanh"}, 2, "NTC", True, True),
}


def make_cell(mx, case: str):
    """The case's cell (num_hidden 4 unless the case says otherwise)."""
    kind, kwargs, _, _, _, _ = CASES[case]
    kwargs = dict(kwargs)
    if kwargs.get("activation") == "callable_tanh":
        kwargs["activation"] = functools.partial(mx.sym.Activation, act_type="tanh")
    step = (BATCH, 6, 6, 3) if kwargs.get("conv_layout") == "NHWC" else (BATCH, 3, 6, 6)
    return getattr(mx.rnn, kind)(step, kwargs.pop("num_hidden", 4), **kwargs), step


def build(mx, case: str):
    """(symbol, cell, data shape, name of a Convolution made after the cell): unroll ->
    Group(outputs + final states)."""
    _, _, length, layout, merge, state_vars = CASES[case]
    cell, step = make_cell(mx, case)
    # MXNet infers the state shape through an auto-named Convolution, which uses a name.
    after = mx.sym.Convolution(mx.sym.Variable("probe"), num_filter=1, kernel=(1, 1)).name
    begin = cell.begin_state(func=mx.sym.Variable) if state_vars else None
    outputs, states = cell.unroll(length, mx.sym.Variable("data"), begin_state=begin,
                                  layout=layout, merge_outputs=merge)
    outputs = [outputs] if not isinstance(outputs, list) else outputs
    shape = step[:1] + (length,) + step[1:] if layout == "NTC" else (length,) + step
    return mx.sym.Group(list(outputs) + list(states)), cell, shape, after


def _facts(net, cell, arg_shapes, out_shapes, aux_shapes, after) -> dict:
    attrs = net.attr_dict()
    return {"arguments": net.list_arguments(), "outputs": net.list_outputs(),
            "arg_shapes": [list(s) for s in arg_shapes],
            "out_shapes": [list(s) for s in out_shapes],
            "aux_shapes": [list(s) for s in aux_shapes],
            "state_info": [{k: list(v) if isinstance(v, tuple) else v for k, v in i.items()}
                           for i in cell.state_info],
            "params": sorted(cell.params._params),
            "param_attrs": {k: attrs.get(k, {}) for k in sorted(cell.params._params)},
            # jaxsym's zero begin states are small sub-graphs (see rnn_cell.py): left out.
            "internals": [n for n in net.get_internals().list_outputs()
                          if "begin_state" not in n],
            "step0_attrs": {k: v for k, v in attrs.items() if "_t0_" in k},
            "convolution_after_cell": after}


def _loss(mx, net, out_shapes):
    """MakeLoss(sum_k sum(net[k] * head<k>)): a scalar, so a final state that is also the
    last output counts twice (MXNet's backward with head gradients would count it once)."""
    terms = [mx.sym.sum(net[k] * mx.sym.Variable(f"head{k}")) for k in range(len(out_shapes))]
    return mx.sym.MakeLoss(mx.sym.add_n(*terms))


def run_case(mx, case: str) -> tuple[dict, dict[str, np.ndarray]]:
    """Names, shapes, state_info, then (NCHW only) the outputs and the gradients of a
    scalar loss (outputs times seeded heads) for seeded inputs and weights."""
    with mx.name.NameManager():  # auto names (concat0, convolution0) from a fresh counter
        net, cell, shape, after = build(mx, case)
    known = {"data": shape}
    states = [s for s in net.list_arguments() if "begin_state" in s]
    for name, info in zip(states, cell.state_info):
        known[name] = (BATCH,) + tuple(info["shape"][1:])
    arg_shapes, out_shapes, aux_shapes = net.infer_shape(**known)
    facts = _facts(net, cell, arg_shapes, out_shapes, aux_shapes, after)
    if cell._conv_layout == "NHWC":  # MXNet's CPU Convolution cannot run NHWC: shapes only
        return facts, {}
    rng = np.random.RandomState(5)
    args = {}
    for name, s in zip(net.list_arguments(), arg_shapes):
        scale = 1.0 if name == "data" or name in states else 0.4
        args[name] = mx.nd.array(rng.uniform(-scale, scale, s).astype(np.float32))
    heads = {f"head{k}": mx.nd.array(rng.uniform(-1, 1, s).astype(np.float32))
             for k, s in enumerate(out_shapes)}
    outs = net.bind(mx.cpu(), args=args, grad_req="null").forward(is_train=False)
    arrays = {f"out/{k}": o.asnumpy() for k, o in enumerate(outs)}
    grads = {k: mx.nd.zeros(v.shape) for k, v in args.items()}
    exe = _loss(mx, net, out_shapes).bind(
        mx.cpu(), args={**args, **heads}, args_grad=grads,
        grad_req={k: "write" if k in args else "null" for k in {**args, **heads}})
    exe.forward(is_train=True)
    exe.backward()
    arrays.update({f"grad/{k}": v.asnumpy() for k, v in grads.items()})
    return facts, arrays


def initialized(mx) -> dict:
    """Module.init_params(Uniform(0.1)) on a ConvGRUCell given initializers as objects and
    names: the deterministic arrays, and the range of the default-initialised weight."""
    cell = mx.rnn.ConvGRUCell((BATCH, 3, 6, 6), 2, i2h_weight_initializer=mx.init.One(),
                              h2h_bias_initializer=mx.init.Constant(0.5),
                              i2h_bias_initializer="ones", prefix="g_")
    out, _ = cell.unroll(2, mx.sym.Variable("data"), merge_outputs=True)
    mod = mx.mod.Module(mx.sym.MakeLoss(mx.sym.sum(out)), data_names=["data"],
                        label_names=None, context=mx.cpu())
    mod.bind(data_shapes=[("data", (BATCH, 2, 3, 6, 6))])
    mod.init_params(initializer=mx.init.Uniform(0.1))
    args, _ = mod.get_params()
    out = {k: v.asnumpy().tolist() for k, v in args.items() if k != "g_h2h_weight"}
    weight = args["g_h2h_weight"].asnumpy()
    out["g_h2h_weight range"] = [bool(np.abs(weight).max() <= 0.1), bool(weight.std() > 0.01)]
    return out
