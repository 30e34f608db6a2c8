"""Time jaxsym's `.params` loading against MXNet's `mx.nd.load` on a ResNet-50-sized file.

    PYTHONPATH=src /work/venv/bin/python benchmarks/bench_params_load.py

The file (about 25.6M float32 parameters in ResNet-50 v1's shapes, ~102 MB) is written
by MXNet itself with `mx.nd.save`, in a subprocess of the reference interpreter
(`MXNET_PYTHON`, default /tmp/mxref/bin/python), which also times `mx.nd.load` on it.
Without that interpreter the file is written by jaxsym's `save_arrays` and only
jaxsym is timed. Loaders:

* MXNet's `mx.nd.load` (+ `waitall`);
* jaxsym's numpy reader `formats.params.load_arrays`;
* jaxsym's `mx.nd.load`, whose NDArrays stay on the host until first used;
* jaxsym's `mx.nd.load` then first use of every array (`wait_to_read` puts each on
  the device), which shows the cost `mx.nd.load` defers.

Two timings per loader, both reading from the page cache, each repeated 5 times and
reported as best and range:

* warm: 5 loads after one warm-up in the same process, each right after one of
  MXNet's (a long-running MXNet process loads on request), so drift hits both alike.
  MXNet's pooled CPU allocator reuses the memory of the previous load, and so does
  `load_arrays` (its buffer is kept for the next load once its arrays are gone), so
  neither pays page faults; a first use puts the arrays on the device and frees the
  buffer, so that row reads into fresh memory each time.
* cold: the first load in a fresh process (the import is not timed; JAX's backend
  start-up is, where the loader needs it). The fresh processes take turns by loader, so
  drift in the machine's speed hits all of them alike.
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


# Run by the reference interpreter: write the file with mx.nd.save, warm up, then time
# one mx.nd.load per "load" line on stdin, so the warm timings interleave with jaxsym's.
_MXNET_SCRIPT = r"""
import json, sys, time
import mxnet as mx, numpy as np
path = sys.argv[1]
shapes = json.loads(sys.argv[2])
rng = np.random.default_rng(0)
mx.nd.save(path, {k: mx.nd.array(rng.standard_normal(s, dtype=np.float32))
                  for k, s in shapes.items()})
mx.nd.load(path)
mx.nd.waitall()
print(mx.__version__, flush=True)
for line in sys.stdin:
    t0 = time.perf_counter()
    res = mx.nd.load(path)
    mx.nd.waitall()
    print(time.perf_counter() - t0, flush=True)
    del res
"""

# Run in a fresh process by either interpreter: time the first load only.
_COLD_SCRIPT = r"""
import sys, time
which = sys.argv[2]
if which == "mxnet":
    import mxnet as mx
    load = lambda path: (mx.nd.load(path), mx.nd.waitall())
elif which == "load_arrays":
    from jaxsym.formats.params import load_arrays as load
else:
    import jaxsym
    from bench_params_load import LOADERS
    load = LOADERS[which]
t0 = time.perf_counter()
load(sys.argv[1])
print(time.perf_counter() - t0)
"""


def _first_use(path: str) -> None:
    for arr in jaxsym.ndarray.load(path).values():
        arr.wait_to_read()


LOADERS = {
    "load_arrays": load_arrays,
    "nd.load": lambda path: jaxsym.ndarray.load(path),
    "nd.load+use": _first_use,
}
LABELS = {
    "mxnet": "MXNet {version} `mx.nd.load`",
    "load_arrays": "jaxsym `formats.params.load_arrays` (numpy)",
    "nd.load": "jaxsym `mx.nd.load` (host until used)",
    "nd.load+use": "jaxsym `mx.nd.load` + first use of all",
}


def _time_warm(path: str, loader, mxnet: subprocess.Popen | None) -> tuple[list, list]:
    """Warm timings of `loader`, each after one of MXNet's (when `mxnet` runs)."""
    loader(path)
    times, mxnet_times = [], []
    for _ in range(REPEATS):
        if mxnet is not None:
            mxnet.stdin.write("load\n")
            mxnet.stdin.flush()
            mxnet_times.append(float(mxnet.stdout.readline()))
        t0 = time.perf_counter()
        res = loader(path)
        times.append(time.perf_counter() - t0)
        del res
    return times, mxnet_times


def _clean_env() -> dict[str, str]:
    """This environment without PYTHONPATH, which must not leak into MXNet's venv."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["MXNET_SUBGRAPH_BACKEND"] = "NONE"
    return env


def _time_cold(python: str, which: str, path: str) -> float:
    env = _clean_env()
    if which != "mxnet":  # wherever this process found jaxsym, and this script
        src = os.path.dirname(os.path.dirname(jaxsym.formats.__path__[0]))
        env["PYTHONPATH"] = os.pathsep.join([src, os.path.dirname(os.path.abspath(__file__))])
    proc = subprocess.run([python, "-c", _COLD_SCRIPT, path, which], capture_output=True,
                          text=True, env=env, check=True)
    return float(proc.stdout.strip().splitlines()[-1])


def _cell(times: list[float]) -> str:
    return f"{min(times) * 1e3:.1f} ({min(times) * 1e3:.0f}-{max(times) * 1e3:.0f})"


def main() -> None:
    shapes = resnet50_shapes()
    n_params = sum(int(np.prod(s)) for s in shapes.values())
    warm: dict[str, list[float]] = {}
    cold: dict[str, list[float]] = {}
    paired: dict[str, list[float]] = {}  # MXNet's warm loads interleaved with each loader
    version = ""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "resnet50-0000.params")
        pythons = {}
        mxnet = None
        if os.path.exists(MXNET_PYTHON):
            mxnet = subprocess.Popen(
                [MXNET_PYTHON, "-c", _MXNET_SCRIPT, path, json.dumps(shapes)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=_clean_env())
            version = mxnet.stdout.readline().strip()
            if not version:
                sys.exit(f"MXNet run failed (exit status {mxnet.wait()})")
            warm["mxnet"] = []
            pythons["mxnet"] = MXNET_PYTHON
        else:
            print(f"MXNet not found at {MXNET_PYTHON} (set MXNET_PYTHON); "
                  "timing jaxsym alone on a file written by save_arrays.\n")
            rng = np.random.default_rng(0)
            save_arrays(path, {k: rng.standard_normal(s, dtype=np.float32)
                               for k, s in shapes.items()})
        size_mb = os.path.getsize(path) / 1e6
        for which, loader in LOADERS.items():
            warm[which], paired[which] = _time_warm(path, loader, mxnet)
            if mxnet is not None:
                warm["mxnet"] += paired[which]
            pythons[which] = sys.executable
        if mxnet is not None:
            mxnet.stdin.close()
            mxnet.wait()
        for _ in range(REPEATS):
            for which, python in pythons.items():
                cold.setdefault(which, []).append(_time_cold(python, which, path))

    print(f"{len(shapes)} arrays, {n_params / 1e6:.2f}M float32 parameters, "
          f"{size_mb:.1f} MB file; best (range) of {REPEATS} repetitions, ms; MXNet's "
          f"warm loads alternate with each jaxsym loader's ({len(warm.get('mxnet', []))} "
          "in all); a warm ratio is against the MXNet loads alternating with that row's\n")
    base = "mxnet" if "mxnet" in warm else None
    print("| loader | warm (ms) | ratio | cold, fresh process (ms) | ratio |")
    print("|---|---:|---:|---:|---:|")
    for which, times in warm.items():
        warm_ratio = cold_ratio = "n/a"
        if base is not None:
            # Warm: against the MXNet loads interleaved with this loader's.
            warm_ratio = f"{min(times) / min(paired.get(which) or times):.2f}"
            cold_ratio = f"{min(cold[which]) / min(cold[base]):.2f}"
        print(f"| {LABELS[which].format(version=version)} | {_cell(times)} | "
              f"{warm_ratio} | {_cell(cold[which])} | {cold_ratio} |")

if __name__ == "__main__":
    main()
