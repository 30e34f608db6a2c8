"""mx.rnn cases defined once for real MXNet 1.9.1 (tools/record_rnn_fixtures.py) and jaxsym
(tests/rnn/). Every function takes the library as `mx` and returns plain data.
"""

from __future__ import annotations

import random

import numpy as np

VOCAB, EMBED = 12, 3
WORDS = [f"w{i}" for i in range(VOCAB - 1)]


def sentences(seed: int = 0, count: int = 40) -> list[list[str]]:
    """Word lists of length 1..9, more short ones than long ones."""
    rng = np.random.RandomState(seed)
    lengths = np.minimum(rng.geometric(0.25, count), 9)
    return [[WORDS[k] for k in rng.randint(0, len(WORDS), n)] for n in lengths]


def iterator_epochs(mx, batch_size: int, buckets, layout: str, invalid_label: int = 0,
                    epochs: int = 2) -> dict:
    """Encode, build a BucketSentenceIter under fixed seeds and read `epochs` epochs."""
    encoded, vocab = mx.rnn.encode_sentences(sentences(), invalid_label=invalid_label,
                                             start_label=1)
    random.seed(3)
    np.random.seed(3)
    it = mx.rnn.BucketSentenceIter(encoded, batch_size, buckets=buckets,
                                   invalid_label=invalid_label, layout=layout)
    out = {"buckets": list(it.buckets), "default_bucket_key": it.default_bucket_key,
           "provide_data": [(d.name, list(d.shape), d.layout) for d in it.provide_data],
           "provide_label": [(d.name, list(d.shape), d.layout) for d in it.provide_label],
           "vocab": sorted(vocab.items()), "batches": []}
    for epoch in range(epochs):
        if epoch:
            it.reset()
        for batch in it:
            out["batches"].append({
                "key": batch.bucket_key, "pad": batch.pad,
                "data": batch.data[0].asnumpy().tolist(),
                "label": batch.label[0].asnumpy().tolist(),
                "provide_data": [(d.name, list(d.shape), d.layout) for d in batch.provide_data],
                "provide_label": [(d.name, list(d.shape), d.layout)
                                  for d in batch.provide_label]})
    return out


def _stack(mx, kind: str):
    """The cell of each named case."""
    if kind == "lstm2":
        cell = mx.rnn.SequentialRNNCell()
        for i in range(2):
            cell.add(mx.rnn.LSTMCell(4, prefix=f"lstm_l{i}_", forget_bias=0.5))
        return cell
    if kind == "gru":
        return mx.rnn.GRUCell(5)
    if kind == "rnn_relu":
        return mx.rnn.RNNCell(4, activation="relu", prefix="r_")
    cell = mx.rnn.SequentialRNNCell()
    cell.add(mx.rnn.GRUCell(3, prefix="g_"))
    cell.add(mx.rnn.RNNCell(2, prefix="r_"))
    return cell


# name -> (cell kind, seq length, layout, merge_outputs, begin states as Variables)
CELL_CASES = {
    "lstm2_ntc_merged": ("lstm2", 4, "NTC", True, False),
    "gru_ntc_list": ("gru", 3, "NTC", False, False),
    "rnn_relu_tnc_merged": ("rnn_relu", 3, "TNC", True, False),
    "mixed_tnc_default": ("mixed", 2, "TNC", None, False),
    "lstm2_state_variables": ("lstm2", 3, "NTC", True, True),
}
BATCH = 2


def build(mx, case: str):
    """(symbol, cell, data shape): embedding -> unroll -> Group(outputs + final states)."""
    kind, length, layout, merge, state_vars = CELL_CASES[case]
    cell = _stack(mx, kind)
    data = mx.sym.Variable("data")
    embed = mx.sym.Embedding(data, input_dim=VOCAB, output_dim=EMBED, name="embed")
    begin = cell.begin_state(func=mx.sym.Variable) if state_vars else None
    outputs, states = cell.unroll(length, embed, begin_state=begin, layout=layout,
                                  merge_outputs=merge)
    outputs = [outputs] if not isinstance(outputs, list) else outputs
    shape = (BATCH, length) if layout == "NTC" else (length, BATCH)
    return mx.sym.Group(list(outputs) + list(states)), cell, shape


def run_cell_case(mx, case: str) -> tuple[dict, list[np.ndarray]]:
    """Names, shapes, state_info and forward outputs on seeded inputs and weights."""
    with mx.name.NameManager():  # auto names (concat0) from a fresh counter
        net, cell, shape = build(mx, case)
    known = {"data": shape}
    # The state variables appear in list_arguments in state_info order.
    states = [s for s in net.list_arguments() if "begin_state" in s]
    for name, info in zip(states, cell.state_info):
        known[name] = (BATCH, info["shape"][1])
    arg_shapes, out_shapes, _ = net.infer_shape(**known)
    rng = np.random.RandomState(7)
    args = {}
    for name, s in zip(net.list_arguments(), arg_shapes):
        if name == "data":
            args[name] = mx.nd.array(rng.randint(0, VOCAB, s).astype(np.float32))
        else:
            args[name] = mx.nd.array(rng.uniform(-0.6, 0.6, s).astype(np.float32))
    exe = net.bind(mx.cpu(), args=args, grad_req="null")
    outs = [o.asnumpy() for o in exe.forward(is_train=False)]
    facts = {"arguments": net.list_arguments(), "outputs": net.list_outputs(),
             "arg_shapes": [list(s) for s in arg_shapes],
             "out_shapes": [list(s) for s in out_shapes],
             "state_info": [{k: list(v) if isinstance(v, tuple) else v for k, v in i.items()}
                            for i in cell.state_info],
             "params": sorted(cell.params._params),
             "attrs": {k: v for k, v in net.attr_dict().items() if k in cell.params._params}}
    return facts, outs


LM_HIDDEN, LM_BATCH, LM_BUCKETS = 5, 4, [3, 6]


def lm_sym_gen(mx):
    """lstm_bucketing.py's sym_gen: Embedding, two stacked LSTMs, FC, SoftmaxOutput."""
    stack = mx.rnn.SequentialRNNCell()
    for i in range(2):
        stack.add(mx.rnn.LSTMCell(num_hidden=LM_HIDDEN, prefix=f"lstm_l{i}_"))

    def gen(seq_len):
        data = mx.sym.Variable("data")
        label = mx.sym.Variable("softmax_label")
        embed = mx.sym.Embedding(data=data, input_dim=VOCAB, output_dim=EMBED, name="embed")
        stack.reset()
        outputs, _ = stack.unroll(seq_len, inputs=embed, merge_outputs=True)
        pred = mx.sym.Reshape(outputs, shape=(-1, LM_HIDDEN))
        pred = mx.sym.FullyConnected(data=pred, num_hidden=VOCAB, name="pred")
        label = mx.sym.Reshape(label, shape=(-1,))
        pred = mx.sym.SoftmaxOutput(data=pred, label=label, name="softmax")
        return pred, ("data",), ("softmax_label",)
    return gen


def lm_fit(mx) -> tuple[list, dict]:
    """Two epochs of BucketingModule.fit over a BucketSentenceIter, seeded weights and
    shuffles: (per-epoch [perplexity], final parameters as numpy)."""
    encoded, _ = mx.rnn.encode_sentences(sentences(5, 60), invalid_label=0, start_label=1)
    random.seed(11)
    np.random.seed(11)
    it = mx.rnn.BucketSentenceIter(encoded, LM_BATCH, buckets=list(LM_BUCKETS),
                                   invalid_label=0)
    gen = lm_sym_gen(mx)
    net, _, _ = gen(it.default_bucket_key)
    shapes, _, _ = net.infer_shape(data=(LM_BATCH, it.default_bucket_key),
                                   softmax_label=(LM_BATCH, it.default_bucket_key))
    rng = np.random.RandomState(2)
    weights = {n: mx.nd.array(rng.uniform(-0.4, 0.4, s).astype(np.float32))
               for n, s in zip(net.list_arguments(), shapes) if n not in ("data",
                                                                         "softmax_label")}
    mod = mx.mod.BucketingModule(gen, default_bucket_key=it.default_bucket_key,
                                 context=mx.cpu())
    scores = []

    def on_epoch(epoch, sym, arg, aux):
        scores.append(mod.score(it, mx.metric.Perplexity(ignore_label=0))[0][1])

    mod.fit(it, num_epoch=2, optimizer="sgd", arg_params=weights,
            optimizer_params={"learning_rate": 0.05, "momentum": 0.5},
            eval_metric=mx.metric.Perplexity(ignore_label=0), epoch_end_callback=on_epoch)
    args, _ = mod.get_params()
    return scores, {k: v.asnumpy() for k, v in args.items()}


def unpacked(mx) -> dict:
    """unpack_weights of each cell kind: {kind: {name: values}} on arange weights."""
    out = {}
    for kind, cell, gates in (("lstm", mx.rnn.LSTMCell(2, prefix="l_"), 4),
                              ("gru", mx.rnn.GRUCell(2, prefix="g_"), 3),
                              ("rnn", mx.rnn.RNNCell(2, prefix="r_"), 1)):
        prefix = kind[0] + "_"
        args = {f"{prefix}i2h_weight": np.arange(gates * 6.0).reshape(gates * 2, 3),
                f"{prefix}h2h_weight": np.arange(gates * 4.0).reshape(gates * 2, 2),
                f"{prefix}i2h_bias": np.arange(gates * 2.0),
                f"{prefix}h2h_bias": -np.arange(gates * 2.0)}
        args = {k: mx.nd.array(v) for k, v in args.items()}
        split = cell.unpack_weights(args)
        back = cell.pack_weights(split)
        out[kind] = {"unpacked": {k: v.asnumpy().tolist() for k, v in sorted(split.items())},
                     "packed": {k: v.asnumpy().tolist() for k, v in sorted(back.items())}}
    return out
