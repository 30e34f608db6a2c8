"""Training throughput: jaxsym Module vs MXNet 1.9.1 vs a hand-written `jax.jit` loop.

    PYTHONPATH=src /work/venv/bin/python benchmarks/bench_train.py [--reps 3] [--models mlp,lenet]

Three networks, each trained with SGD(momentum=0.9, wd=1e-4) and softmax cross-entropy:
an MLP 784-512-512-10 (batch 128), LeNet on 1x28x28 (batch 128) and a CIFAR ResNet-20
on 3x32x32 (batch 64, BatchNorm in training mode). For each, samples/s of
- jaxsym `Module` (`forward(is_train=True)`, `backward()`, `update()` per batch: one
  jitted step) and jaxsym `Module.fit` end to end (NDArrayIter, accuracy metric);
- MXNet 1.9.1, the same two loops and the same network code, in a subprocess of
  /tmp/mxref/bin/python with MXNET_SUBGRAPH_BACKEND=NONE (skipped with a message if
  absent);
- a hand-written JAX step of the same model (NHWC, HWIO kernels, max pooling as
  reshape + max, donated buffers), with jax's default compiler options and, for models
  with convolutions, again with the XLA options jaxsym compiles training steps with
  (`executor.lower.compiler_options`: convolutions kept off YNNPACK on CPU).
Implementations run interleaved, repeated `--reps` times in a rotating order (MXNet in
one worker process per model that stays up, so its runs interleave with the others at
no start-up cost); the machine's speed drifts, so compare ratios within a run. The
table gives medians of the rates and, for the ratios, medians of the per-repetition
ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

MXNET_PYTHON = "/tmp/mxref/bin/python"
LR, MOMENTUM, WD = 0.05, 0.9, 1e-4
# model -> (sample shape, batch size, timed batches, Module.fit batches per epoch)
MODELS = {"mlp": ((784,), 128, 60, 40), "lenet": ((1, 28, 28), 128, 20, 16),
          "resnet20": ((3, 32, 32), 64, 10, 16)}
CIFAR_STAGES = ((16, 1), (32, 2), (64, 2))


# -- the network, written once for jaxsym and MXNet -------------------------------------------
def build(mx, model: str):
    data = mx.sym.Variable("data")
    if model == "mlp":
        net = data
        for i, width in enumerate((512, 512)):
            net = mx.sym.FullyConnected(net, num_hidden=width, name=f"fc{i + 1}")
            net = mx.sym.Activation(net, act_type="relu", name=f"relu{i + 1}")
        net = mx.sym.FullyConnected(net, num_hidden=10, name="fc3")
    elif model == "lenet":
        net = data
        for i, filters in enumerate((20, 50)):
            net = mx.sym.Convolution(net, kernel=(5, 5), num_filter=filters, name=f"conv{i + 1}")
            net = mx.sym.Activation(net, act_type="tanh", name=f"tanh{i + 1}")
            net = mx.sym.Pooling(net, pool_type="max", kernel=(2, 2), stride=(2, 2),
                                 name=f"pool{i + 1}")
        net = mx.sym.Flatten(net)
        net = mx.sym.FullyConnected(net, num_hidden=500, name="fc1")
        net = mx.sym.Activation(net, act_type="tanh", name="tanh3")
        net = mx.sym.FullyConnected(net, num_hidden=10, name="fc2")
    else:
        def conv_bn(x, name, filters, kernel, stride, relu=True):
            pad = (kernel // 2, kernel // 2)
            x = mx.sym.Convolution(x, kernel=(kernel, kernel), stride=(stride, stride), pad=pad,
                                   num_filter=filters, no_bias=True, name=name)
            x = mx.sym.BatchNorm(x, fix_gamma=False, name=name + "_bn")
            return mx.sym.Activation(x, act_type="relu") if relu else x

        net = conv_bn(data, "conv0", 16, 3, 1)
        in_filters = 16
        for s, (filters, stride) in enumerate(CIFAR_STAGES):
            for u in range(3):
                st = stride if u == 0 else 1
                name = f"s{s}u{u}"
                body = conv_bn(net, name + "_c1", filters, 3, st)
                body = conv_bn(body, name + "_c2", filters, 3, 1, relu=False)
                short = net if (st == 1 and in_filters == filters) else \
                    conv_bn(net, name + "_sc", filters, 1, st, relu=False)
                net = mx.sym.Activation(body + short, act_type="relu")
                in_filters = filters
        net = mx.sym.Pooling(net, global_pool=True, pool_type="avg", kernel=(8, 8))
        net = mx.sym.FullyConnected(mx.sym.Flatten(net), num_hidden=10, name="fc")
    return mx.sym.SoftmaxOutput(net, name="softmax")


def make_data(model: str, batches: int) -> tuple[np.ndarray, np.ndarray]:
    shape, batch, _, _ = MODELS[model]
    rng = np.random.RandomState(0)
    n = batch * batches
    return (rng.normal(0, 1, (n,) + shape).astype(np.float32),
            rng.randint(0, 10, n).astype(np.float32))


def make_module(mx, model: str):
    shape, batch, _, _ = MODELS[model]
    mod = mx.mod.Module(build(mx, model))
    mod.bind([("data", (batch,) + shape)], [("softmax_label", (batch,))])
    mod.init_params(mx.init.Xavier(magnitude=2.0))
    mod.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": LR,
                                                          "momentum": MOMENTUM, "wd": WD})
    x, y = make_data(model, 2)
    batches = [mx.io.DataBatch([mx.nd.array(x[i * batch:(i + 1) * batch])],
                               [mx.nd.array(y[i * batch:(i + 1) * batch])]) for i in range(2)]
    return mod, batches


def module_rate(mx, mod, batches, steps: int, sync) -> float:
    """samples/s of `steps` forward/backward/update rounds."""
    def run(n):
        for i in range(n):
            mod.forward(batches[i % 2], is_train=True)
            mod.backward()
            mod.update()
        sync(mod)
    run(2)
    tic = time.perf_counter()
    run(steps)
    return steps * batches[0].data[0].shape[0] / (time.perf_counter() - tic)


class FitRunner:
    """`Module.fit` of one model, kept between measurements: each `rate()` is one more
    epoch (`begin_epoch` = the epochs done), after a warm-up epoch that compiles."""

    def __init__(self, mx, model: str) -> None:
        import logging
        import warnings
        logging.getLogger().setLevel(logging.ERROR)
        warnings.simplefilter("ignore")  # refit on a bound module: MXNet warns each time
        _, batch, _, nbatch = MODELS[model]
        x, y = make_data(model, nbatch)
        self.samples = len(x)
        self.it = mx.io.NDArrayIter(x, y, batch)
        self.mod = mx.mod.Module(build(mx, model))
        self.kwargs = {"optimizer": "sgd", "initializer": mx.init.Xavier(magnitude=2.0),
                       "optimizer_params": {"learning_rate": LR, "momentum": MOMENTUM,
                                            "wd": WD}}
        self.epochs = 0
        self.rate()

    def rate(self) -> float:
        """samples/s of one epoch."""
        tic = time.perf_counter()
        self.mod.fit(self.it, num_epoch=self.epochs + 1, begin_epoch=self.epochs,
                     **self.kwargs)
        self.mod.get_params()  # waits for the last update
        self.epochs += 1
        return self.samples / (time.perf_counter() - tic)


# -- MXNet, in its own interpreter ----------------------------------------------------------------
def mxnet_worker(model: str) -> None:
    """Serve one model: a JSON line in ({"op": "module"|"fit"}), its samples/s out."""
    import mxnet as mx
    mod, batches = make_module(mx, model)
    fitter = FitRunner(mx, model)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        op = json.loads(line)["op"]
        rate = module_rate(mx, mod, batches, MODELS[model][2], lambda m: mx.nd.waitall()) \
            if op == "module" else fitter.rate()
        print(json.dumps({"rate": rate}), flush=True)


class MXNetTrainer:
    """MXNet 1.9.1 training one model in a subprocess that stays up for the whole run, so
    that its measurements interleave with jaxsym's and the hand loop's at no start-up
    cost (see mxnet_worker)."""

    def __init__(self, model: str) -> None:
        env = dict(os.environ, MXNET_SUBGRAPH_BACKEND="NONE")
        self._proc = subprocess.Popen([MXNET_PYTHON, __file__, "--mxnet-worker", model],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, text=True, env=env)
        self._reply()

    def _reply(self) -> dict:
        assert self._proc.stdout
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError("the MXNet training worker exited")
        return json.loads(line)

    def rate(self, op: str) -> float:
        assert self._proc.stdin
        self._proc.stdin.write(json.dumps({"op": op}) + "\n")
        self._proc.stdin.flush()
        return self._reply()["rate"]

    def close(self) -> None:
        assert self._proc.stdin
        self._proc.stdin.close()
        self._proc.wait(timeout=60)


# -- hand-written JAX ---------------------------------------------------------------------------
def hand_step(model: str, compiler_options: dict | None = None):
    """(jitted step, params, momentum, aux, x, y): pure JAX, NHWC, donated buffers.

    `compiler_options` go to jax.jit: None is what a plain hand-written loop gets."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    shape, batch, _, _ = MODELS[model]
    rng = np.random.RandomState(0)
    params: dict = {}
    aux: dict = {}

    def dense(name, n_in, n_out):
        params[name + "_w"] = rng.normal(0, np.sqrt(2 / n_in), (n_in, n_out)).astype(np.float32)
        params[name + "_b"] = np.zeros(n_out, np.float32)

    def conv(name, k, c_in, c_out, bias=True):
        params[name + "_w"] = rng.normal(0, np.sqrt(2 / (k * k * c_in)),
                                         (k, k, c_in, c_out)).astype(np.float32)
        if bias:
            params[name + "_b"] = np.zeros(c_out, np.float32)

    def bn(name, c):
        params[name + "_g"] = np.ones(c, np.float32)
        params[name + "_be"] = np.zeros(c, np.float32)
        aux[name + "_mm"] = np.zeros(c, np.float32)
        aux[name + "_mv"] = np.ones(c, np.float32)

    def conv2d(x, w, stride=1):
        k = w.shape[0]
        pad = "VALID" if model == "lenet" else [(k // 2, k // 2)] * 2
        return lax.conv_general_dilated(x, w, (stride, stride), pad,
                                        dimension_numbers=("NHWC", "HWIO", "NHWC"))

    def pool2(x):
        n, h, w, c = x.shape
        return x.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))

    def batchnorm(p, new_aux, x, name):
        mean = x.mean(axis=(0, 1, 2))
        var = jnp.square(x - mean).mean(axis=(0, 1, 2))
        new_aux[name + "_mm"] = 0.9 * aux_in[name + "_mm"] + 0.1 * lax.stop_gradient(mean)
        new_aux[name + "_mv"] = 0.9 * aux_in[name + "_mv"] + 0.1 * lax.stop_gradient(var)
        return (x - mean) * lax.rsqrt(var + 1e-3) * p[name + "_g"] + p[name + "_be"]

    if model == "mlp":
        dense("fc1", 784, 512), dense("fc2", 512, 512), dense("fc3", 512, 10)

        def forward(p, x, new_aux):
            h = jax.nn.relu(x @ p["fc1_w"] + p["fc1_b"])
            h = jax.nn.relu(h @ p["fc2_w"] + p["fc2_b"])
            return h @ p["fc3_w"] + p["fc3_b"]
    elif model == "lenet":
        conv("conv1", 5, 1, 20), conv("conv2", 5, 20, 50)
        dense("fc1", 4 * 4 * 50, 500), dense("fc2", 500, 10)

        def forward(p, x, new_aux):
            h = pool2(jnp.tanh(conv2d(x, p["conv1_w"]) + p["conv1_b"]))
            h = pool2(jnp.tanh(conv2d(h, p["conv2_w"]) + p["conv2_b"]))
            h = jnp.tanh(h.reshape(h.shape[0], -1) @ p["fc1_w"] + p["fc1_b"])
            return h @ p["fc2_w"] + p["fc2_b"]
    else:
        conv("conv0", 3, 3, 16, False), bn("conv0", 16)
        c_in = 16
        for s, (c, stride) in enumerate(CIFAR_STAGES):
            for u in range(3):
                name = f"s{s}u{u}"
                conv(name + "_c1", 3, c_in, c, False), bn(name + "_c1", c)
                conv(name + "_c2", 3, c, c, False), bn(name + "_c2", c)
                if u == 0 and (stride != 1 or c_in != c):
                    conv(name + "_sc", 1, c_in, c, False), bn(name + "_sc", c)
                c_in = c
        dense("fc", 64, 10)

        def forward(p, x, new_aux):
            def cbn(h, name, stride=1, relu=True):
                h = batchnorm(p, new_aux, conv2d(h, p[name + "_w"], stride), name)
                return jax.nn.relu(h) if relu else h
            h = cbn(x, "conv0")
            for s, (c, stride) in enumerate(CIFAR_STAGES):
                for u in range(3):
                    name = f"s{s}u{u}"
                    st = stride if u == 0 else 1
                    body = cbn(cbn(h, name + "_c1", st), name + "_c2", relu=False)
                    short = cbn(h, name + "_sc", st, relu=False) if name + "_sc_w" in p else h
                    h = jax.nn.relu(body + short)
            return h.mean(axis=(1, 2)) @ p["fc_w"] + p["fc_b"]

    aux_in: dict = {}

    def loss(p, a, x, y):
        aux_in.clear()
        aux_in.update(a)
        new_aux: dict = {}
        logits = forward(p, x, new_aux)
        # SoftmaxOutput's gradient summed over the batch, rescaled by 1/batch.
        logp = jax.nn.log_softmax(logits)
        ce = -jnp.take_along_axis(logp, y.astype(jnp.int32)[:, None], axis=1).sum() / batch
        return ce, (new_aux, logits)

    def step(p, m, a, x, y):
        grads, (new_aux, logits) = jax.grad(loss, has_aux=True)(p, a, x, y)
        new_m = jax.tree.map(lambda mm, g, w: MOMENTUM * mm - LR * (g + WD * w), m, grads, p)
        new_p = jax.tree.map(lambda w, mm: w + mm, p, new_m)
        return new_p, new_m, new_aux, jax.nn.softmax(logits)

    jitted = jax.jit(step, donate_argnums=(0, 1, 2), compiler_options=compiler_options)
    x, y = make_data(model, 2)
    if len(shape) == 3:
        x = x.transpose(0, 2, 3, 1)
    xs = [jnp.asarray(x[i * batch:(i + 1) * batch]) for i in range(2)]
    ys = [jnp.asarray(y[i * batch:(i + 1) * batch]) for i in range(2)]
    state = [jax.tree.map(jnp.asarray, params), jax.tree.map(jnp.zeros_like, params),
             jax.tree.map(jnp.asarray, aux)]
    return jitted, state, xs, ys


def hand_rate(hand, steps: int) -> float:
    import jax
    jitted, state, xs, ys = hand

    def run(n):
        for i in range(n):
            p, m, a, _ = jitted(*state, xs[i % 2], ys[i % 2])
            state[:] = [p, m, a]
        jax.block_until_ready(state)
    run(2)
    tic = time.perf_counter()
    run(steps)
    return steps * xs[0].shape[0] / (time.perf_counter() - tic)


# -- the comparison -------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--mxnet-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mxnet_worker:
        mxnet_worker(args.mxnet_worker)
        return

    import warnings

    import jax

    import jaxsym as mx
    from jaxsym.executor.lower import compiler_options
    warnings.simplefilter("ignore")
    models = args.models.split(",")
    if not os.path.exists(MXNET_PYTHON):
        print(f"MXNet reference {MXNET_PYTHON} not found: skipping the MXNet columns")

    def sync(mod):
        jax.block_until_ready([a._data for a in mod._exec.arg_arrays])

    setup = {}
    have_mxnet = os.path.exists(MXNET_PYTHON)
    for model in models:
        tic = time.perf_counter()
        # The hand loop twice: with jax's defaults, and with the XLA options jaxsym
        # compiles this model's training step with (empty for dense-only models).
        mod_batches = make_module(mx, model)
        options = compiler_options(mod_batches[0]._exec._program.lowered, True)
        setup[model] = (mod_batches, hand_step(model),
                        hand_step(model, options) if options else None,
                        FitRunner(mx, model), MXNetTrainer(model) if have_mxnet else None)
        print(f"# {model}: built in {time.perf_counter() - tic:.1f}s", flush=True)
    rates: dict = {m: {k: [] for k in ("jaxsym", "hand", "hand_tuned", "mxnet", "jaxsym_fit",
                                       "mxnet_fit")}
                   for m in models}
    for rep in range(args.reps):
        for model in models:
            (mod, batches), hand, hand_tuned, fitter, mxnet = setup[model]
            steps = MODELS[model][2]
            measure = {"jaxsym": lambda: module_rate(mx, mod, batches, steps, sync),
                       "hand": lambda: hand_rate(hand, steps),
                       "jaxsym_fit": fitter.rate}
            if hand_tuned is not None:
                measure["hand_tuned"] = lambda: hand_rate(hand_tuned, steps)
            if mxnet is not None:
                measure["mxnet"] = lambda: mxnet.rate("module")
                measure["mxnet_fit"] = lambda: mxnet.rate("fit")
            # Rotate the order each repetition: no implementation always runs first.
            order = list(measure)
            order = order[rep % len(order):] + order[:rep % len(order)]
            for impl in order:
                rates[model][impl].append(measure[impl]())
            print(f"# rep {rep} {model}: " + ", ".join(
                f"{k} {v[-1]:.0f}" for k, v in rates[model].items() if v), flush=True)
    for model in models:
        if setup[model][4] is not None:
            setup[model][4].close()
    print()
    print(f"jax {jax.__version__} on {jax.devices()[0].device_kind}, {os.cpu_count()} CPUs; "
          f"median samples/s of {args.reps} interleaved repetitions")
    print()
    print("| model | batch | jaxsym Module | hand-written JAX | hand, jaxsym's XLA options "
          "| MXNet 1.9.1 | jaxsym / hand | jaxsym / hand with options | jaxsym / MXNet "
          "| jaxsym Module.fit | MXNet Module.fit | fit ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for model in models:
        r = rates[model]
        med = {k: statistics.median(v) if v else float("nan") for k, v in r.items()}
        tuned_key = "hand_tuned" if r["hand_tuned"] else "hand"

        def ratio(ours: str, other: str, r: dict = r) -> str:
            # Rates of one repetition are measured minutes apart at most, the repetitions
            # further apart: the median of per-repetition ratios, as bench_core does.
            if not r[other]:
                return "-"
            return f"{statistics.median(a / b for a, b in zip(r[ours], r[other])):.2f}x"
        print(f"| {model} | {MODELS[model][1]} | {med['jaxsym']:.0f} | {med['hand']:.0f} | "
              f"{med[tuned_key]:.0f} | {med['mxnet']:.0f} | {ratio('jaxsym', 'hand')} | "
              f"{ratio('jaxsym', tuned_key)} | {ratio('jaxsym', 'mxnet')} | "
              f"{med['jaxsym_fit']:.0f} | {med['mxnet_fit']:.0f} | "
              f"{ratio('jaxsym_fit', 'mxnet_fit')} |")

if __name__ == "__main__":
    sys.exit(main())
