"""GPU throughput of jaxsym (run on a machine with a CUDA GPU and jax[cuda]).

    python benchmarks/bench_gpu.py [--batch 256] [--steps 20]

Rows: ResNet-50 training through `mx.mod.Module` (one jitted step per batch: forward,
backward, SGD with momentum, BatchNorm statistics) and ResNet-18 inference through an
executor, both float32 at 224x224, ImageNet-style symbols from `jaxsym.models`.
Prints a markdown table of images/s.
"""

from __future__ import annotations

import argparse
import time

import jax
import numpy as np

import jaxsym as mx
from jaxsym.models import resnet


def train_throughput(batch: int, steps: int) -> float:
    net = resnet.get_symbol(1000, 50, image_shape="3,224,224")
    ctx = mx.gpu(0)
    data = np.random.rand(batch, 3, 224, 224).astype("float32")
    label = np.random.randint(0, 1000, batch).astype("float32")
    mod = mx.mod.Module(net, context=ctx)
    mod.bind(data_shapes=[("data", data.shape)], label_shapes=[("softmax_label", label.shape)])
    mod.init_params(mx.init.Xavier(rnd_type="gaussian", factor_type="in", magnitude=2))
    mod.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": 0.1,
                                                          "momentum": 0.9, "wd": 1e-4})
    batch_ = mx.io.DataBatch([mx.nd.array(data, ctx=ctx)], [mx.nd.array(label, ctx=ctx)])
    for _ in range(3):  # compile and warm up
        mod.forward_backward(batch_)
        mod.update()
    mod.get_outputs()[0].wait_to_read()
    tic = time.perf_counter()
    for _ in range(steps):
        mod.forward_backward(batch_)
        mod.update()
    mod.get_outputs()[0].wait_to_read()
    return batch * steps / (time.perf_counter() - tic)


def inference_throughput(batch: int, steps: int) -> float:
    net = resnet.get_symbol(1000, 18, image_shape="3,224,224")
    ctx = mx.gpu(0)
    ex = net.simple_bind(ctx, grad_req="null", data=(batch, 3, 224, 224))
    rng = np.random.RandomState(0)
    for name, arr in ex.arg_dict.items():
        arr[:] = rng.uniform(-0.05, 0.05, arr.shape).astype("float32")
    for name, arr in ex.aux_dict.items():
        arr[:] = np.ones(arr.shape, "float32") if name.endswith("var") else 0
    for _ in range(3):
        ex.forward(is_train=False)[0].wait_to_read()
    tic = time.perf_counter()
    for _ in range(steps):
        out = ex.forward(is_train=False)
    out[0].wait_to_read()
    return batch * steps / (time.perf_counter() - tic)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    print(f"jax {jax.__version__} on {jax.devices()[0].device_kind}")
    rows = [("ResNet-50 training, Module, fp32", train_throughput(args.batch, args.steps)),
            ("ResNet-18 inference, executor, fp32", inference_throughput(args.batch,
                                                                         args.steps))]
    print(f"\n| workload (batch {args.batch}, 224x224) | images/s |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value:,.0f} |")


if __name__ == "__main__":
    main()
