"""Training runs defined once and run on both sides: real MXNet 1.9.1 (by
tools/record_training_fixtures.py) and jaxsym (by the tests). Every function takes the
`mx` module, so the very same code builds the networks, data and callbacks.

Runs are deterministic: all weights come from a `Load` file, biases/gammas/betas get
0/1 by name, data is generated with a fixed numpy seed and never shuffled.
"""

from __future__ import annotations

import numpy as np

NUM_EPOCH = 2
LR, MOMENTUM, WD = 0.1, 0.9, 1e-4
# name -> (data shape per sample, classes, samples, batch size)
MODELS = {"mlp": ((20,), 5, 200, 32), "lenet": ((1, 12, 12), 4, 96, 16)}
# (model, api, optimizer given as) for every recorded run.
RUNS = [(m, api, how) for m in MODELS for api in ("feedforward", "module")
        for how in ("string", "instance")]


def build(mx, model: str):
    """The network; its first weight has lr_mult=0 (honoured only for a string optimizer)."""
    data = mx.sym.Variable("data")
    if model == "mlp":
        w1 = mx.sym.Variable("fc1_weight", lr_mult=0)
        net = mx.sym.FullyConnected(data, weight=w1, num_hidden=16, name="fc1")
        net = mx.sym.Activation(net, act_type="relu", name="relu1")
        net = mx.sym.FullyConnected(net, num_hidden=5, name="fc2")
        return mx.sym.SoftmaxOutput(net, name="softmax")
    w1 = mx.sym.Variable("conv1_weight", lr_mult=0)
    net = mx.sym.Convolution(data, weight=w1, kernel=(3, 3), num_filter=4, name="conv1")
    net = mx.sym.BatchNorm(net, fix_gamma=False, name="bn1")
    net = mx.sym.Activation(net, act_type="tanh", name="tanh1")
    net = mx.sym.Pooling(net, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool1")
    net = mx.sym.Convolution(net, kernel=(2, 2), num_filter=6, name="conv2")
    net = mx.sym.Activation(net, act_type="tanh", name="tanh2")
    net = mx.sym.Pooling(net, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool2")
    net = mx.sym.Flatten(net, name="flatten")
    net = mx.sym.FullyConnected(net, num_hidden=12, name="fc1")
    net = mx.sym.Activation(net, act_type="tanh", name="tanh3")
    net = mx.sym.FullyConnected(net, num_hidden=4, name="fc2")
    return mx.sym.SoftmaxOutput(net, name="softmax")


def data(model: str):
    """(train X, train y, eval X, eval y) from a fixed seed."""
    shape, classes, n, _ = MODELS[model]
    rng = np.random.RandomState(7)
    x = rng.normal(0, 1, (n + n // 2,) + shape).astype(np.float32)
    y = rng.randint(0, classes, n + n // 2).astype(np.float32)
    return x[:n], y[:n], x[n:], y[n:]


def weights(mx, model: str) -> dict[str, np.ndarray]:
    """Every `*_weight` of the network, drawn from a fixed seed (keys with `arg:`)."""
    shape, _, _, batch = MODELS[model]
    net = build(mx, model)
    arg_shapes, _, _ = net.infer_shape(data=(batch,) + shape)
    rng = np.random.RandomState(11)
    out = {}
    for name, s in zip(net.list_arguments(), arg_shapes):
        if name.endswith("_weight"):
            fan_in = int(np.prod(s[1:]))
            out["arg:" + name] = (rng.normal(0, 1, s) / np.sqrt(fan_in)).astype(np.float32)
    return out


def iters(mx, model: str):
    """Unshuffled NDArrayIters over the train and eval data."""
    _, _, _, batch = MODELS[model]
    x, y, ex, ey = data(model)
    return (mx.io.NDArrayIter(x, y, batch, shuffle=False),
            mx.io.NDArrayIter(ex, ey, batch, shuffle=False))


def optimizer(mx, how: str, batch: int):
    """('sgd', params) for the string path, or an SGD instance."""
    params = {"learning_rate": LR, "momentum": MOMENTUM, "wd": WD}
    if how == "string":
        return "sgd", params
    return mx.optimizer.SGD(rescale_grad=1.0 / batch, **params), {}


def initializer(mx, params_file: str):
    return mx.init.Load(params_file, default_init=mx.init.Xavier(
        rnd_type="gaussian", factor_type="in", magnitude=2))


def metric(mx):
    return mx.metric.create(["acc", "ce"])


class Recorder:
    """Callbacks writing every call's arguments into plain lists."""

    def __init__(self) -> None:
        self.batch_end: list = []
        self.epoch_end: list = []
        self.eval_batch_end: list = []
        self.eval_end: list = []
        self.epoch_params: list = []

    @staticmethod
    def _row(param) -> list:
        pairs = param.eval_metric.get_name_value()
        return [type(param).__name__, param.epoch, param.nbatch,
                [[n, float(v)] for n, v in pairs]]

    def on_batch(self, param) -> None:
        self.batch_end.append(self._row(param))

    def on_eval_batch(self, param) -> None:
        self.eval_batch_end.append(self._row(param))

    def on_eval_end(self, param) -> None:
        self.eval_end.append(self._row(param))

    def on_epoch(self, epoch, symbol, arg_params, aux_params) -> None:
        self.epoch_end.append([epoch, symbol.list_outputs(), sorted(arg_params),
                               sorted(aux_params)])
        self.epoch_params.append({k: v.asnumpy() for k, v in
                                  list(arg_params.items()) + list(aux_params.items())})

    def as_json(self) -> dict:
        return {"batch_end": self.batch_end, "epoch_end": self.epoch_end,
                "eval_batch_end": self.eval_batch_end, "eval_end": self.eval_end}


def run(mx, model: str, api: str, how: str, params_file: str, ckpt_prefix: str | None = None):
    """Train for NUM_EPOCH epochs; returns (recorder, final arg+aux params, trained object)."""
    _, _, _, batch = MODELS[model]
    net = build(mx, model)
    train, val = iters(mx, model)
    opt, opt_params = optimizer(mx, how, batch)
    rec = Recorder()
    epoch_cbs = [rec.on_epoch]
    if ckpt_prefix is not None:
        epoch_cbs.append(mx.callback.do_checkpoint(ckpt_prefix))
    if api == "feedforward":
        obj = mx.model.FeedForward(net, num_epoch=NUM_EPOCH, optimizer=opt,
                                   initializer=initializer(mx, params_file), **opt_params)
        obj.fit(train, eval_data=val, eval_metric=metric(mx),
                batch_end_callback=rec.on_batch, epoch_end_callback=epoch_cbs,
                eval_end_callback=rec.on_eval_end,
                eval_batch_end_callback=rec.on_eval_batch)
        final = dict(obj.arg_params)
        final.update(obj.aux_params)
    else:
        obj = mx.mod.Module(net, data_names=["data"], label_names=["softmax_label"])
        obj.fit(train, eval_data=val, eval_metric=metric(mx), num_epoch=NUM_EPOCH,
                optimizer=opt, optimizer_params=opt_params,
                initializer=initializer(mx, params_file),
                batch_end_callback=rec.on_batch, epoch_end_callback=epoch_cbs,
                eval_end_callback=rec.on_eval_end,
                eval_batch_end_callback=rec.on_eval_batch)
        args, auxs = obj.get_params()
        final = dict(args)
        final.update(auxs)
    return rec, {k: v.asnumpy() for k, v in final.items()}, obj


def _assert_rows(got: list, want: list, what: str) -> None:
    """Callback rows: same type name, epoch, nbatch, metric names; values to 1e-4."""
    assert [r[:3] for r in got] == [r[:3] for r in want], what
    for g, w in zip(got, want):
        assert [n for n, _ in g[3]] == [n for n, _ in w[3]], what
        np.testing.assert_allclose([v for _, v in g[3]], [v for _, v in w[3]], rtol=1e-4,
                                   atol=1e-6, err_msg=f"{what} epoch {g[1]} nbatch {g[2]}")


def assert_params_close(got: dict, arrays, prefix: str) -> None:
    """Parameters equal the recorded `prefix/<name>` arrays (relative 1e-4)."""
    want = {k[len(prefix) + 1:]: arrays[k] for k in arrays.files if k.startswith(prefix + "/")}
    assert sorted(got) == sorted(want), prefix
    for name, value in want.items():
        np.testing.assert_allclose(got[name], value, rtol=1e-4, atol=1e-5,
                                   err_msg=f"{prefix}/{name}")


def assert_run_matches(rec: Recorder, final: dict, facts: dict, arrays, key: str) -> None:
    """A jaxsym run against the MXNet run recorded under `key`."""
    want = facts["runs"][key]
    for what in ("batch_end", "eval_batch_end", "eval_end"):
        _assert_rows(getattr(rec, what), want[what], f"{key} {what}")
    assert rec.epoch_end == want["epoch_end"], key
    assert_params_close(rec.epoch_params[0], arrays, f"{key}/epoch0")
    assert_params_close(final, arrays, f"{key}/final")


def manual_loop(mx, params_file: str) -> tuple[dict, dict]:
    """Module's step-by-step API on the MLP: (facts as JSON, arrays).

    bind with inputs_need_grad and a fixed parameter, then three rounds of
    forward/backward/get_input_grads/update/update_metric, then a forward at another
    batch size, then the shapes properties.
    """
    _, _, _, batch = MODELS["mlp"]
    x, y, ex, _ = data("mlp")
    mod = mx.mod.Module(build(mx, "mlp"), fixed_param_names=["fc2_bias"])
    mod.bind(data_shapes=[("data", (batch, 20))], label_shapes=[("softmax_label", (batch,))],
             inputs_need_grad=True)
    mod.init_params(initializer(mx, params_file))
    mod.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": LR,
                                                          "momentum": MOMENTUM, "wd": WD})
    acc = mx.metric.create("acc")
    arrays = {}
    for i in range(3):
        rows = slice(i * batch, (i + 1) * batch)
        b = mx.io.DataBatch([mx.nd.array(x[rows])], [mx.nd.array(y[rows])])
        mod.forward(b, is_train=True)
        mod.backward()
        arrays[f"input_grad{i}"] = mod.get_input_grads()[0].asnumpy()
        arrays[f"output{i}"] = mod.get_outputs()[0].asnumpy()
        mod.update()
        mod.update_metric(acc, b.label)
    mod.forward(mx.io.DataBatch([mx.nd.array(ex[:10])], [mx.nd.zeros((10,))]),
                is_train=False)
    arrays["output_batch10"] = mod.get_outputs()[0].asnumpy()
    args = mod.get_params()[0]
    for name, value in args.items():
        arrays["param/" + name] = value.asnumpy()
    facts = {"metric": [[n, float(v)] for n, v in acc.get_name_value()],
             "data_shapes": [[d.name, list(d.shape)] for d in mod.data_shapes],
             "label_shapes": [[d.name, list(d.shape)] for d in mod.label_shapes],
             "output_shapes": [[n, list(s)] for n, s in mod.output_shapes],
             "data_names": list(mod.data_names), "output_names": list(mod.output_names),
             "label_names": list(mod.label_names)}
    return facts, arrays


def fit_one_epoch(mx, params_file: str, callbacks, epoch_end=None) -> None:
    """One epoch of the MLP through Module.fit with the given batch-end callbacks."""
    train, val = iters(mx, "mlp")
    mod = mx.mod.Module(build(mx, "mlp"))
    if callable(epoch_end):
        epoch_end = epoch_end(mod)
    mod.fit(train, eval_data=val, num_epoch=1, optimizer="sgd",
            initializer=initializer(mx, params_file), batch_end_callback=callbacks,
            epoch_end_callback=epoch_end)


def fit_numpy(mx, params_file: str) -> dict[str, np.ndarray]:
    """FeedForward on numpy input: it shuffles with numpy's global RNG (seeded here) and
    rolls the last partial batch over; 2 epochs of the MLP, returns the final params."""
    x, y, _, _ = data("mlp")
    opt, opt_params = optimizer(mx, "string", 32)
    np.random.seed(5)
    ff = mx.model.FeedForward(build(mx, "mlp"), num_epoch=NUM_EPOCH, optimizer=opt,
                              numpy_batch_size=32, initializer=initializer(mx, params_file),
                              **opt_params)
    ff.fit(x, y)
    return {k: v.asnumpy() for k, v in ff.arg_params.items()}
