"""Time jaxsym's `load_arrays` against MXNet's `mx.nd.load` on a ResNet-50-sized file.

    PYTHONPATH=src /work/venv/bin/python benchmarks/bench_params_load.py

The file (about 25.6M float32 parameters in ResNet-50 v1's shapes, ~102 MB) is written
by MXNet itself with `mx.nd.save`, in a subprocess of the reference interpreter
(`MXNET_PYTHON`, default /tmp/mxref/bin/python), which also times `mx.nd.load` on it.
Without that interpreter the file is written by jaxsym's `save_arrays` and only
jaxsym is timed. Two timings per loader, both reading from the page cache:

* warm: best of 5 after one warm-up in the same process. MXNet's pooled CPU allocator
  then reuses the memory of the previous load, so it pays no page faults.
* cold: the first load in a fresh process (the import is not timed).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import jaxsym.formats
from jaxsym.formats.params import load_arrays, save_arrays

REPEATS = 5
MXNET_PYTHON = os.environ.get("MXNET_PYTHON", "/tmp/mxref/bin/python")


def resnet50_shapes() -> dict[str, tuple[int, ...]]:
    """Parameter and aux-state shapes of ResNet-50 v1 (1000 classes), MXNet names."""
    shapes: dict[str, tuple[int, ...]] = {}

    def conv(name: str, cin: int, cout: int, k: int) -> None:
        shapes[f"arg:{name}_weight"] = (cout, cin, k, k)

    def bn(name: str, c: int) -> None:
        for suffix in ("gamma", "beta"):
            shapes[f"arg:{name}_{suffix}"] = (c,)
        for suffix in ("moving_mean", "moving_var"):
            shapes[f"aux:{name}_{suffix}"] = (c,)

    bn("bn_data", 3)
    conv("conv0", 3, 64, 7)
    bn("bn0", 64)
    cin = 64
    for stage, (units, width) in enumerate([(3, 64), (4, 128), (6, 256), (3, 512)], 1):
        for unit in range(1, units + 1):
            name = f"stage{stage}_unit{unit}"
            cout = width * 4
            bn(f"{name}_bn1", cin)
            conv(f"{name}_conv1", cin, width, 1)
            bn(f"{name}_bn2", width)
            conv(f"{name}_conv2", width, width, 3)
            bn(f"{name}_bn3", width)
            conv(f"{name}_conv3", width, cout, 1)
            if unit == 1:
                conv(f"{name}_sc", cin, cout, 1)
            cin = cout
    bn("bn1", cin)
    shapes["arg:fc1_weight"] = (1000, cin)
    shapes["arg:fc1_bias"] = (1000,)
    return shapes


# Run by the reference interpreter: write the file with mx.nd.save, then time mx.nd.load.
_MXNET_SCRIPT = r"""
import json, sys, time
import mxnet as mx, numpy as np
path, repeats = sys.argv[1], int(sys.argv[2])
shapes = json.loads(sys.argv[3])
rng = np.random.default_rng(0)
mx.nd.save(path, {k: mx.nd.array(rng.standard_normal(s, dtype=np.float32))
                  for k, s in shapes.items()})
mx.nd.load(path)
times = []
for _ in range(repeats):
    t0 = time.perf_counter()
    res = mx.nd.load(path)
    mx.nd.waitall()
    times.append(time.perf_counter() - t0)
    del res
print(json.dumps({"version": mx.__version__, "best": min(times)}))
"""

# Run in a fresh process by either interpreter: time the first load only.
_COLD_SCRIPT = r"""
import sys, time
if sys.argv[2] == "mxnet":
    import mxnet as mx
    load = lambda path: (mx.nd.load(path), mx.nd.waitall())
elif sys.argv[2] == "jaxsym-nd":
    import jaxsym as mx
    load = lambda path: [a.wait_to_read() for a in mx.nd.load(path).values()]
else:
    from jaxsym.formats.params import load_arrays as load
t0 = time.perf_counter()
load(sys.argv[1])
print(time.perf_counter() - t0)
"""


def _time_jaxsym(path: str, loader=load_arrays) -> float:
    loader(path)
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        res = loader(path)
        times.append(time.perf_counter() - t0)
        del res
    return min(times)


def _clean_env() -> dict[str, str]:
    """This environment without PYTHONPATH, which must not leak into MXNet's venv."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["MXNET_SUBGRAPH_BACKEND"] = "NONE"
    return env


def _time_cold(python: str, which: str, path: str) -> float:
    env = _clean_env()
    if which.startswith("jaxsym"):  # wherever this process found jaxsym
        env["PYTHONPATH"] = os.path.dirname(os.path.dirname(jaxsym.formats.__path__[0]))
    proc = subprocess.run([python, "-c", _COLD_SCRIPT, path, which], capture_output=True,
                          text=True, env=env, check=True)
    return float(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    shapes = resnet50_shapes()
    n_params = sum(int(np.prod(s)) for s in shapes.values())
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "resnet50-0000.params")
        mxnet = None
        if os.path.exists(MXNET_PYTHON):
            proc = subprocess.run(
                [MXNET_PYTHON, "-c", _MXNET_SCRIPT, path, str(REPEATS), json.dumps(shapes)],
                capture_output=True, text=True, env=_clean_env(), check=False)
            if proc.returncode != 0:
                sys.exit(f"MXNet run failed:\n{proc.stderr[-2000:]}")
            mxnet = json.loads(proc.stdout.strip().splitlines()[-1])
        else:
            print(f"MXNet not found at {MXNET_PYTHON} (set MXNET_PYTHON); "
                  "timing jaxsym alone on a file written by save_arrays.\n")
            rng = np.random.default_rng(0)
            save_arrays(path, {k: rng.standard_normal(s, dtype=np.float32)
                               for k, s in shapes.items()})
        size_mb = os.path.getsize(path) / 1e6
        ours = _time_jaxsym(path)
        # The same as NDArrays on the device, which is what mx.nd.load returns.
        ours_nd = _time_jaxsym(path, lambda p: [a.wait_to_read() for a in
                                                jaxsym.ndarray.load(p).values()])
        ours_cold = _time_cold(sys.executable, "jaxsym", path)
        ours_nd_cold = _time_cold(sys.executable, "jaxsym-nd", path)
        if mxnet is not None:
            mxnet["cold"] = _time_cold(MXNET_PYTHON, "mxnet", path)

    print(f"{len(shapes)} arrays, {n_params / 1e6:.2f}M float32 parameters, "
          f"{size_mb:.1f} MB file; best of {REPEATS}\n")
    print("| loader | warm, best of 5 (ms) | ratio | cold, fresh process (ms) | ratio |")
    print("|---|---:|---:|---:|---:|")
    if mxnet is not None:
        print(f"| MXNet {mxnet['version']} `mx.nd.load` | {mxnet['best'] * 1e3:.1f} | 1.00 "
              f"| {mxnet['cold'] * 1e3:.1f} | 1.00 |")
        print(f"| jaxsym `load_arrays` | {ours * 1e3:.1f} | {ours / mxnet['best']:.2f} "
              f"| {ours_cold * 1e3:.1f} | {ours_cold / mxnet['cold']:.2f} |")
        print(f"| jaxsym `mx.nd.load` (NDArrays) | {ours_nd * 1e3:.1f} | "
              f"{ours_nd / mxnet['best']:.2f} | {ours_nd_cold * 1e3:.1f} | "
              f"{ours_nd_cold / mxnet['cold']:.2f} |")
    else:
        print(f"| jaxsym `load_arrays` | {ours * 1e3:.1f} | n/a | {ours_cold * 1e3:.1f} | n/a |")


if __name__ == "__main__":
    main()
