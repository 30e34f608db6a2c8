"""MXNet side of bench_core.py; runs under MXNet's Python (see bench_core.py).

Serve mode (default) reads one JSON command per line on stdin and answers one JSON line
on stdout, so the benchmark can interleave MXNet with JAX in a single run:
    {"op": "tiny"}                                   bind a + b on (2, 3)
    {"op": "resnet", "batch": B, "files": DIR}       bind ResNet-18 with DIR/params.npz
    {"op": "time", "what": "tiny"|"resnetB", "n": N} N timed forward + asnumpy calls
    {"op": "output", "what": "resnetB", "path": P}   save that executor's output to P
`--cold DIR` instead times one cold start, simple_bind to first output, and prints it.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("MXNET_SUBGRAPH_BACKEND", "NONE")
import mxnet as mx  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tools"), str(ROOT / "benchmarks")]
from bench_core import bind_resnet, load_files  # noqa: E402
from record_model_shapes import load_models  # noqa: E402

RESNET = load_models().resnet


def timed(ex, n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        ex.forward(is_train=False)
        ex.outputs[0].asnumpy()
        times.append(time.perf_counter() - start)
    return times


def serve() -> None:
    executors = {}
    for line in sys.stdin:
        cmd = json.loads(line)
        reply: dict = {"ok": True}
        if cmd["op"] == "tiny":
            a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
            ex = (a + b).simple_bind(mx.cpu(), a=(2, 3), b=(2, 3), grad_req="null")
            ex.arg_dict["a"][:] = np.arange(6, dtype=np.float32).reshape(2, 3)
            executors["tiny"] = ex
        elif cmd["op"] == "resnet":
            params, data = load_files(Path(cmd["files"]), cmd["batch"])
            ex = executors[f"resnet{cmd['batch']}"] = bind_resnet(mx, RESNET, params,
                                                                  data.shape)
            ex.arg_dict["data"][:] = data
        elif cmd["op"] == "time":
            reply["times"] = timed(executors[cmd["what"]], cmd["n"])
        elif cmd["op"] == "output":
            ex = executors[cmd["what"]]
            ex.forward(is_train=False)
            np.save(cmd["path"], ex.outputs[0].asnumpy())
        print(json.dumps(reply), flush=True)


def cold(files: str) -> None:
    params, data = load_files(Path(files), 1)
    start = time.perf_counter()
    ex = bind_resnet(mx, RESNET, params, data.shape)
    ex.forward(is_train=False, data=mx.nd.array(data))
    ex.outputs[0].asnumpy()
    print(json.dumps({"seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--cold":
        cold(sys.argv[2])
    else:
        serve()
