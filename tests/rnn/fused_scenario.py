"""The fused `RNN` op and `mx.rnn.FusedRNNCell` cases, run unchanged under MXNet 1.9.1
(tools/record_rnnop_fixtures.py records them into tests/data/rnnop/) and under jaxsym (the
tests compare). Every function takes the `mx` module to use."""

from __future__ import annotations

import numpy as np

T, N, C, H = 3, 2, 4, 5
MODES = ("rnn_relu", "rnn_tanh", "lstm", "gru")
# (num_layers, bidirectional, state_outputs)
CONFIGS = ((1, False, False), (1, True, True), (2, False, True), (2, True, False))
OP_CASES = {f"{mode}_l{layers}_{'bi' if bi else 'uni'}{'_so' if so else ''}":
            (mode, layers, bi, so) for mode in MODES for layers, bi, so in CONFIGS}
# (mode, num_layers, bidirectional, layout)
CELL_CASES = {"lstm_l2_ntc": ("lstm", 2, False, "NTC"), "gru_l1_tnc": ("gru", 1, False, "TNC"),
              "rnn_tanh_l2_tnc": ("rnn_tanh", 2, False, "TNC"),
              "lstm_l1_bi_tnc": ("lstm", 1, True, "TNC"),
              "rnn_relu_l1_ntc": ("rnn_relu", 1, False, "NTC")}


def _shapes(sym, shapes) -> dict:
    return {"arguments": sym.list_arguments(), "outputs": sym.list_outputs(),
            "arg_shapes": [list(s) for s in shapes[0]],
            "out_shapes": [list(s) for s in shapes[1]]}


def _uniform(mx, rng, shape, scale=0.5):
    return mx.nd.array(rng.uniform(-scale, scale, shape).astype(np.float32))


def run_op_case(mx, case: str) -> tuple[dict, dict[str, np.ndarray]]:
    """infer_shape facts, training forward outputs and gradients on seeded inputs."""
    mode, layers, bi, so = OP_CASES[case]
    net = mx.sym.RNN(mx.sym.Variable("data"), state_size=H, num_layers=layers,
                     bidirectional=bi, mode=mode, state_outputs=so, name="rnn0")
    shapes = net.infer_shape(data=(T, N, C))
    rng = np.random.RandomState(3)
    args = {n: _uniform(mx, rng, s) for n, s in zip(net.list_arguments(), shapes[0])}
    grads = {n: mx.nd.zeros(s) for n, s in zip(net.list_arguments(), shapes[0])}
    exe = net.bind(mx.cpu(), args=args, args_grad=grads)
    outs = [o.asnumpy() for o in exe.forward(is_train=True)]
    exe.backward([_uniform(mx, rng, o.shape, 1.0) for o in outs])
    arrays = {f"out{k}": o for k, o in enumerate(outs)}
    arrays.update({f"grad_{n}": g.asnumpy() for n, g in grads.items()})
    arrays.update({f"arg_{n}": a.asnumpy() for n, a in args.items()})
    return _shapes(net, shapes), arrays


def rnn_json(mx) -> str:
    """A symbol with RNN inside (its state as a variable, state outputs grouped)."""
    data = mx.sym.Variable("data")
    rnn = mx.sym.RNN(data, state_size=H, num_layers=2, mode="gru", state_outputs=True,
                     bidirectional=True, p=0.2, name="gru")
    fc = mx.sym.FullyConnected(rnn[0], num_hidden=3, flatten=False, name="fc")
    return mx.sym.Group([fc, rnn[1]]).tojson()


def _fused(mx, case: str):
    mode, layers, bi, _ = CELL_CASES[case]
    return mx.rnn.FusedRNNCell(H, num_layers=layers, mode=mode, bidirectional=bi,
                               get_next_state=True, prefix=f"{mode}_")


def _data_shape(layout: str) -> tuple[int, int, int]:
    return (N, T, C) if layout == "NTC" else (T, N, C)


def run_cell_case(mx, case: str) -> tuple[dict, dict[str, np.ndarray]]:
    """FusedRNNCell.unroll against its unfuse()d stack on the same unpacked weights."""
    layout = CELL_CASES[case][3]
    cell = _fused(mx, case)
    with mx.name.NameManager():
        outputs, states = cell.unroll(T, mx.sym.Variable("data"), layout=layout,
                                      merge_outputs=True)
        net = mx.sym.Group([outputs] + list(states))
    shapes = net.infer_shape(data=_data_shape(layout))
    rng = np.random.RandomState(5)
    args = {n: _uniform(mx, rng, s) for n, s in zip(net.list_arguments(), shapes[0])}
    outs = [o.asnumpy() for o in net.bind(mx.cpu(), args=args).forward()]
    unpacked = cell.unpack_weights(args)
    repacked = cell.pack_weights(unpacked)
    stack = cell.unfuse()
    with mx.name.NameManager():
        u_out, u_states = stack.unroll(T, mx.sym.Variable("data"), layout=layout,
                                       merge_outputs=True)
        # BidirectionalCell.unroll returns its states as [left_states, right_states].
        flat = [s for group in u_states for s in (group if isinstance(group, list) else [group])]
        unet = mx.sym.Group([u_out] + flat)
    # The stack's own pack_weights joins the per-gate pieces into its cells' weights.
    per_cell = stack.pack_weights(unpacked)
    u_args = {n: per_cell[n] for n in unet.list_arguments() if n != "data"}
    u_args["data"] = args["data"]
    u_outs = [o.asnumpy() for o in unet.bind(mx.cpu(), args=u_args).forward()]
    facts = _shapes(net, shapes)
    facts.update(state_info=[{k: list(v) if isinstance(v, tuple) else v
                              for k, v in i.items()} for i in cell.state_info],
                 unpacked={k: list(v.shape) for k, v in sorted(unpacked.items())},
                 unfused_arguments=unet.list_arguments(),
                 unfused_outputs=unet.list_outputs())
    arrays = {f"out{k}": o for k, o in enumerate(outs)}
    arrays.update({f"unfused{k}": o for k, o in enumerate(u_outs)})
    arrays.update({f"unpacked_{k}": v.asnumpy() for k, v in unpacked.items()})
    arrays["repacked"] = repacked[f"{CELL_CASES[case][0]}_parameters"].asnumpy()
    return facts, arrays


def fused_init(mx, mode: str, bidirectional: bool) -> np.ndarray:
    """The parameters vector that mx.init.FusedRNN(None, ...) fills through a variable's
    `__init__` attribute, the global Constant(0.25) filling the unpacked pieces. (MXNet
    cannot rebuild a FusedRNN with an inner initializer from its `dumps()`.)"""
    init = mx.init.FusedRNN(None, H, 2, mode, bidirectional, forget_bias=3.0)
    size = mx.sym.RNN(mx.sym.Variable("data"), state_size=H, num_layers=2, mode=mode,
                      bidirectional=bidirectional).infer_shape(data=(T, N, C))[0][1]
    arr = mx.nd.zeros(size)
    desc = mx.init.InitDesc("rnn_parameters", attrs={"__init__": init.dumps()})
    mx.init.Constant(0.25)(desc, arr)
    return arr.asnumpy()


MODIFIER_CASES = ("residual_gru", "zoneout_lstm", "dropout_stack", "bidirectional_ntc",
                  "bidirectional_merged")


def _modifier_cell(mx, case: str):
    rnn = mx.rnn
    if case == "residual_gru":
        return rnn.ResidualCell(rnn.GRUCell(C, prefix="gru_")), True
    if case == "zoneout_lstm":
        return rnn.ZoneoutCell(rnn.LSTMCell(H, prefix="lstm_"), 0.5, 0.3), True
    if case == "dropout_stack":
        stack = rnn.SequentialRNNCell()
        stack.add(rnn.RNNCell(H, prefix="a_"))
        stack.add(rnn.DropoutCell(0.5, prefix="drop_"))
        stack.add(rnn.ResidualCell(rnn.RNNCell(H, activation="relu", prefix="b_")))
        return stack, None
    cell = rnn.BidirectionalCell(rnn.LSTMCell(H, prefix="l_"), rnn.GRUCell(H, prefix="r_"),
                                 output_prefix="bi_")
    return cell, case == "bidirectional_merged"


def run_modifier_case(mx, case: str) -> tuple[dict, list[np.ndarray]]:
    """Names and inference outputs of modifier and bidirectional cells over NTC data."""
    cell, merge = _modifier_cell(mx, case)
    with mx.name.NameManager():
        outputs, states = cell.unroll(T, mx.sym.Variable("data"), layout="NTC",
                                      merge_outputs=merge)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    flat = [s for group in states for s in (group if isinstance(group, list) else [group])]
    net = mx.sym.Group(list(outputs) + flat)
    shapes = net.infer_shape(data=(N, T, C))
    rng = np.random.RandomState(11)
    args = {n: _uniform(mx, rng, s) for n, s in zip(net.list_arguments(), shapes[0])}
    outs = [o.asnumpy() for o in net.bind(mx.cpu(), args=args).forward(is_train=False)]
    facts = _shapes(net, shapes)
    facts.update(state_info=[{k: list(v) if isinstance(v, tuple) else v
                              for k, v in i.items()} for i in cell.state_info],
                 nested_states=[isinstance(s, list) for s in states],
                 params=sorted(cell.params._params))
    return facts, outs
