"""A BucketingModule run defined once for real MXNet 1.9.1
(tools/record_bucketing_fixtures.py) and jaxsym (test_bucketing_module.py).

A toy next-token model whose sequence length is the bucket key: Embedding, two
position-wise FullyConnected layers, SoftmaxOutput over every token (label 0 is padding
and is ignored by the perplexity). Weights come from a fixed seed, batches from a tiny
deterministic bucketing iterator, so both libraries see the very same run.
"""

from __future__ import annotations

import numpy as np

VOCAB, EMBED, HIDDEN, BATCH = 10, 6, 8, 4
BUCKETS = (4, 6, 8)
DEFAULT_KEY = 8
NUM_EPOCH = 2
OPT_PARAMS = {"learning_rate": 0.1, "momentum": 0.9, "wd": 1e-4}


def sym_gen(mx):
    """MXNet's `sym_gen(bucket_key) -> (symbol, data_names, label_names)`."""
    def gen(seq_len):
        data = mx.sym.Variable("data")
        label = mx.sym.Variable("softmax_label")
        net = mx.sym.Embedding(data, input_dim=VOCAB, output_dim=EMBED, name="embed")
        net = mx.sym.FullyConnected(net, num_hidden=HIDDEN, flatten=False, name="fc1")
        net = mx.sym.Activation(net, act_type="tanh", name="tanh1")
        net = mx.sym.FullyConnected(net, num_hidden=VOCAB, flatten=False, name="fc2")
        net = mx.sym.Reshape(net, shape=(-1, VOCAB), name="flat_pred")
        label = mx.sym.Reshape(label, shape=(-1,), name="flat_label")
        net = mx.sym.SoftmaxOutput(net, label, name="softmax")
        return net, ("data",), ("softmax_label",)
    return gen


def weights(mx) -> dict:
    """Every parameter from a fixed seed, as NDArrays."""
    rng = np.random.RandomState(5)
    shapes = {"embed_weight": (VOCAB, EMBED), "fc1_weight": (HIDDEN, EMBED),
              "fc1_bias": (HIDDEN,), "fc2_weight": (VOCAB, HIDDEN), "fc2_bias": (VOCAB,)}
    return {name: mx.nd.array((rng.normal(0, 0.5, shape)).astype(np.float32))
            for name, shape in shapes.items()}


def batches(seed: int, per_bucket: int) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """(bucket key, tokens, next-token labels) batches; padding (0) after a random length,
    buckets interleaved in a fixed order."""
    rng = np.random.RandomState(seed)
    out = []
    for i in range(per_bucket):
        for key in (BUCKETS if i % 2 == 0 else BUCKETS[::-1]):
            tokens = rng.randint(1, VOCAB, (BATCH, key)).astype(np.float32)
            for row, length in enumerate(rng.randint(key // 2, key + 1, BATCH)):
                tokens[row, length:] = 0
            labels = np.zeros_like(tokens)
            labels[:, :-1] = tokens[:, 1:]
            out.append((key, tokens, labels))
    return out


def make_iter(mx, seed: int, per_bucket: int):
    """A minimal bucketing DataIter: provide_data/provide_label of the default bucket,
    each DataBatch with its bucket_key and its own shapes."""
    class BucketIter(mx.io.DataIter):
        def __init__(self) -> None:
            super().__init__(BATCH)
            self.items = batches(seed, per_bucket)
            self.default_bucket_key = DEFAULT_KEY
            self.provide_data = [mx.io.DataDesc("data", (BATCH, DEFAULT_KEY))]
            self.provide_label = [mx.io.DataDesc("softmax_label", (BATCH, DEFAULT_KEY))]
            self.cursor = 0

        def reset(self) -> None:
            self.cursor = 0

        def next(self):
            if self.cursor == len(self.items):
                raise StopIteration
            key, tokens, labels = self.items[self.cursor]
            self.cursor += 1
            return mx.io.DataBatch(
                [mx.nd.array(tokens)], [mx.nd.array(labels)], pad=0, bucket_key=key,
                provide_data=[mx.io.DataDesc("data", tokens.shape)],
                provide_label=[mx.io.DataDesc("softmax_label", labels.shape)])

        __next__ = next
    return BucketIter()


def metric(mx):
    return mx.metric.create(["acc", mx.metric.Perplexity(ignore_label=0)])


def train(mx, recorder):
    """Two epochs of `fit` with evaluation; returns the module."""
    mod = mx.mod.BucketingModule(sym_gen(mx), default_bucket_key=DEFAULT_KEY,
                                 context=mx.cpu())
    mod.fit(make_iter(mx, 1, 3), eval_data=make_iter(mx, 2, 1), eval_metric=metric(mx),
            num_epoch=NUM_EPOCH, optimizer="sgd", optimizer_params=OPT_PARAMS,
            arg_params=weights(mx), batch_end_callback=recorder.on_batch,
            epoch_end_callback=recorder.on_epoch, eval_end_callback=recorder.on_eval_end,
            eval_batch_end_callback=recorder.on_eval_batch)
    return mod


def manual(mx) -> tuple[dict, dict]:
    """bind, switch_bucket and forward/backward/update by hand: (facts, arrays)."""
    mod = mx.mod.BucketingModule(sym_gen(mx), default_bucket_key=DEFAULT_KEY)
    mod.bind([("data", (BATCH, DEFAULT_KEY))], [("softmax_label", (BATCH, DEFAULT_KEY))])
    mod.init_params(arg_params=weights(mx))
    mod.init_optimizer(optimizer="sgd", optimizer_params=OPT_PARAMS)
    m = metric(mx)
    facts: dict = {"output_shapes": [], "keys": []}
    arrays = {}
    it = make_iter(mx, 3, 1)
    for i, batch in enumerate(it):
        mod.forward(batch, is_train=True)
        facts["keys"].append(mod._curr_bucket_key)
        facts["output_shapes"].append([list(o.shape) for o in mod.get_outputs()])
        arrays[f"out{i}"] = mod.get_outputs()[0].asnumpy()
        mod.backward()
        mod.update()
        mod.update_metric(m, batch.label)
    facts["metric"] = [[n, float(v)] for n, v in m.get_name_value()]
    mod.switch_bucket(6, [("data", (BATCH, 6))], [("softmax_label", (BATCH, 6))])
    facts["after_switch"] = [mod._curr_bucket_key, list(mod.data_shapes[0].shape),
                             mod.output_names, mod.data_names]
    args, _ = mod.get_params()
    arrays.update({f"param/{k}": v.asnumpy() for k, v in args.items()})
    return facts, arrays
