"""Core benchmark: jaxsym against MXNet 1.9.1 and a hand-written JAX version, side by side.

    /work/venv/bin/python benchmarks/bench_core.py [--rounds 5] [--cold-runs 3]
        [--xla-flags="--xla_cpu_experimental_ynn_fusion_type=individual_convolution"]

Rows: tiny-graph call latency (`a + b` on 2x3, forward + asnumpy), ResNet-18 (ImageNet,
MXNet's `resnet.py` v2 layout) inference at batch 1 and 16, and the cold start from
`simple_bind` to the first output in a fresh process, with and without JAX's persistent
compilation cache. All three run the same parameters and input. The machine's speed
drifts, so the implementations are interleaved round by round (in rotating order) and
the table's ratios are medians of per-round ratios; within a round the tiny rows' jaxsym
and hand versions (both in this process) alternate in blocks of 100 calls, each round's
time the median of its block means. MXNet runs in a subprocess of
$MXNET_PYTHON (default /tmp/mxref/bin/python) with MXNET_SUBGRAPH_BACKEND=NONE; without
it, its column is skipped. `--xla-flags` sets XLA_FLAGS for this run and its children;
the library itself never sets flags.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"
UNITS = (2, 2, 2, 2)  # ResNet-18
IMPLS = ("mxnet", "hand", "jaxsym")


# -- shared inputs ------------------------------------------------------------------------
def make_files(directory: Path) -> None:
    """Seeded ResNet-18 parameters (params.npz) and inputs (data1.npy, data16.npy)."""
    from jaxsym.models import resnet

    net = resnet.get_symbol(1000, 18)
    arg_shapes, _, aux_shapes = net.infer_shape(data=(1, 3, 224, 224))
    names = net.list_arguments() + net.list_auxiliary_states()
    rng = np.random.default_rng(0)
    params = {}
    for name, shape in zip(names, arg_shapes + aux_shapes):
        if name in ("data", "softmax_label"):
            continue
        if name == "fc1_weight":  # small logits keep the softmax away from one-hot
            value = rng.normal(0, 0.01, shape)
        elif name.endswith("_weight"):
            value = rng.normal(0, np.sqrt(1.0 / np.prod(shape[1:])), shape)
        elif name.endswith(("_gamma", "_moving_var")):
            value = rng.uniform(0.5, 1.5, shape)
        else:
            value = rng.normal(0, 0.1, shape)
        params[name] = value.astype(np.float32)
    np.savez(directory / "params.npz", **params)
    for batch in (1, 16):
        np.save(directory / f"data{batch}.npy",
                rng.normal(size=(batch, 3, 224, 224)).astype(np.float32))


def load_files(directory: Path, batch: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    return dict(np.load(directory / "params.npz")), np.load(directory / f"data{batch}.npy")


def bind_resnet(mx, resnet, params: dict[str, np.ndarray], shape: tuple[int, ...]):
    """simple_bind ResNet-18 for inference and load `params`; `mx` is jaxsym or mxnet."""
    ex = resnet.get_symbol(1000, 18, sym=mx.sym).simple_bind(mx.cpu(), data=shape,
                                                             grad_req="null")
    ex.copy_params_from({k: mx.nd.array(v) for k, v in params.items() if k in ex.arg_dict},
                        {k: mx.nd.array(v) for k, v in params.items() if k in ex.aux_dict})
    return ex


# -- the three implementations --------------------------------------------------------------
class MXNetWorker:
    """MXNet in a subprocess, driven line by line (see _mxnet_worker.py)."""

    def __init__(self, python: str) -> None:
        env = dict(os.environ, MXNET_SUBGRAPH_BACKEND="NONE")
        self._proc = subprocess.Popen(
            [python, str(HERE / "_mxnet_worker.py")], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)

    def call(self, **cmd) -> dict:
        assert self._proc.stdin and self._proc.stdout
        self._proc.stdin.write(json.dumps(cmd) + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError(f"MXNet worker exited while running {cmd}")
        return json.loads(line)

    def close(self) -> None:
        assert self._proc.stdin
        self._proc.stdin.close()
        self._proc.wait(timeout=60)


def timed(fn: Callable[[], object], n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def interleaved(fns: dict[str, Callable[[], object]], calls: int, block: int = 100
                ) -> dict[str, float]:
    """Seconds per call of each of `fns`, timed in alternating blocks of `block` calls:
    the median of the block means. This host slows down for a while now and then; blocks
    a fraction of a millisecond apart share those spells, rounds seconds apart do not."""
    means: dict[str, list[float]] = {name: [] for name in fns}
    for b in range(max(1, calls // block)):
        for name in (list(fns) if b % 2 == 0 else list(fns)[::-1]):
            fn = fns[name]
            start = time.perf_counter()
            for _ in range(block):
                fn()
            means[name].append((time.perf_counter() - start) / block)
    return {name: float(np.median(m)) for name, m in means.items()}


def jaxsym_runners(files: Path) -> dict[str, Callable[[], object]]:
    """forward(is_train=False) + asnumpy through jaxsym's Executor."""
    import jaxsym as mx
    from jaxsym.models import resnet

    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    tiny = (a + b).simple_bind(mx.cpu(), a=(2, 3), b=(2, 3), grad_req="null")
    tiny.arg_dict["a"][:] = np.arange(6, dtype=np.float32).reshape(2, 3)
    runners = {"tiny": lambda: (tiny.forward(is_train=False), tiny.outputs[0].asnumpy())}
    runners["tiny_copy"] = runners["tiny"]
    for batch in (1, 16):
        params, data = load_files(files, batch)
        ex = bind_resnet(mx, resnet, params, data.shape)
        ex.arg_dict["data"][:] = data
        runners[f"resnet{batch}"] = (lambda ex=ex: (ex.forward(is_train=False),
                                                    ex.outputs[0].asnumpy()))
        runners[f"resnet{batch}_opt"] = runners[f"resnet{batch}"]
    return runners


def hand_runners(files: Path) -> dict[str, Callable[[], object]]:
    """The same computations written directly in JAX (hand_resnet.py)."""
    import hand_resnet
    import jax
    import jax.numpy as jnp

    add = jax.jit(jnp.add)
    a = jnp.arange(6, dtype=jnp.float32).reshape(2, 3)
    b = jnp.zeros((2, 3), jnp.float32)
    # np.asarray returns a read-only view of the jax buffer; MXNet's asnumpy promises a
    # fresh writable array, which costs a copy: the tiny_copy row pays it here too.
    runners: dict[str, Callable[[], object]] = {"tiny": lambda: np.asarray(add(a, b)),
                                                "tiny_copy": lambda: np.array(add(a, b))}
    forward = jax.jit(lambda q, x: hand_resnet.forward(q, x, UNITS))
    # The same function compiled with the XLA options jaxsym picks for inference of a
    # convolutional graph (executor.lower.compiler_options), to separate what the options
    # buy from what the lowering costs.
    import jaxsym as mx
    from jaxsym.executor.lower import Lowered, compiler_options
    from jaxsym.models import resnet
    options = compiler_options(Lowered(resnet.get_symbol(1000, 18, sym=mx.sym)._outputs), False)
    forward_opt = jax.jit(lambda q, x: hand_resnet.forward(q, x, UNITS),
                          compiler_options=options)
    for batch in (1, 16):
        params, data = load_files(files, batch)
        q = hand_resnet.prepare(params, UNITS)
        x = jnp.asarray(data)
        runners[f"resnet{batch}"] = lambda q=q, x=x: np.asarray(forward(q, x))
        runners[f"resnet{batch}_opt"] = lambda q=q, x=x: np.asarray(forward_opt(q, x))
    return runners


# -- cold starts ----------------------------------------------------------------------------
def cold_child(kind: str, files: Path, cache: str | None) -> None:
    """One cold start in this fresh process: prints {"seconds": ...}."""
    import jax

    if cache:
        jax.config.update("jax_compilation_cache_dir", cache)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    params, data = load_files(files, 1)
    if kind == "jaxsym":
        import jaxsym as mx
        from jaxsym.models import resnet

        start = time.perf_counter()
        ex = bind_resnet(mx, resnet, params, data.shape)
        ex.forward(is_train=False, data=mx.nd.array(data))
        ex.outputs[0].asnumpy()
    else:
        import hand_resnet

        start = time.perf_counter()
        q = hand_resnet.prepare(params, UNITS)
        forward = jax.jit(lambda q, x: hand_resnet.forward(q, x, UNITS))
        np.asarray(forward(q, jax.numpy.asarray(data)))
    print(json.dumps({"seconds": time.perf_counter() - start}))


def run_cold(kind: str, files: Path, cache: str | None, mxnet_python: str | None) -> float:
    if kind == "mxnet":
        assert mxnet_python
        cmd = [mxnet_python, str(HERE / "_mxnet_worker.py"), "--cold", str(files)]
    else:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--cold-child", kind,
               "--files", str(files)] + (["--cache", cache] if cache else [])
    env = dict(os.environ, MXNET_SUBGRAPH_BACKEND="NONE")
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["seconds"]


# -- the run --------------------------------------------------------------------------------
ROWS = {  # key: (label, unit scale, unit, calls per round)
    "tiny": ("tiny `a+b` forward + asnumpy (hand: np.asarray, a read-only view)", 1e6,
             "us", 4000),
    "tiny_copy": ("tiny `a+b`, hand returning a writable copy (np.array) as asnumpy does",
                  1e6, "us", 4000),
    "resnet1": ("ResNet-18 inference, batch 1", 1e3, "ms", 5),
    "resnet16": ("ResNet-18 inference, batch 16", 1e3, "ms", 2),
    "resnet1_opt": ("ResNet-18 batch 1, hand with jaxsym's XLA options", 1e3, "ms", 5),
    "resnet16_opt": ("ResNet-18 batch 16, hand with jaxsym's XLA options", 1e3, "ms", 2),
    "cold": ("cold start: simple_bind to first output (b1)", 1.0, "s", 1),
    "cold_cache": ("cold start, JAX persistent cache warm", 1.0, "s", 1),
}


WARM_ROWS = ("tiny", "tiny_copy", "resnet1", "resnet16", "resnet1_opt", "resnet16_opt")
# Rows whose jaxsym and hand versions run in this process and take microseconds: timed
# in interleaved blocks (see `interleaved`), MXNet's in its worker as the other rows.
PAIRED_ROWS = ("tiny", "tiny_copy")


def agreement(files: Path, runners: dict, mx_worker: MXNetWorker | None) -> str:
    """Max |difference| of the batch-1 softmax outputs, as a sanity check."""
    import jaxsym as mx
    from jaxsym.models import resnet

    params, data = load_files(files, 1)
    ex = bind_resnet(mx, resnet, params, data.shape)
    ours = ex.forward(is_train=False, data=mx.nd.array(data))[0].asnumpy()
    hand = runners["hand"]["resnet1"]()
    text = f"max |jaxsym - hand| = {np.abs(ours - hand).max():.2e}"
    if mx_worker is not None:
        path = files / "mx_out.npy"
        mx_worker.call(op="output", what="resnet1", path=str(path))
        text += f", max |jaxsym - MXNet| = {np.abs(ours - np.load(path)).max():.2e}"
    return text + f" (outputs are softmax probabilities, max {ours.max():.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--cold-runs", type=int, default=3, help="fresh processes per kind")
    parser.add_argument("--xla-flags", default=None, help="XLA_FLAGS for this run")
    parser.add_argument("--cold-child", choices=("jaxsym", "hand"), help=argparse.SUPPRESS)
    parser.add_argument("--files", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--cache", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.xla_flags is not None:
        os.environ["XLA_FLAGS"] = args.xla_flags  # before jax is imported
    sys.path[:0] = [str(ROOT / "src"), str(HERE)]
    if args.cold_child:
        cold_child(args.cold_child, args.files, args.cache)
        return

    import jax

    mxnet_python = os.environ.get("MXNET_PYTHON", "/tmp/mxref/bin/python")
    if not Path(mxnet_python).exists():
        print(f"MXNet not found at {mxnet_python} (set MXNET_PYTHON): skipping its column")
        mxnet_python = None
    impls = [i for i in IMPLS if i != "mxnet" or mxnet_python]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        files = Path(tmp)
        make_files(files)
        runners = {"jaxsym": jaxsym_runners(files), "hand": hand_runners(files)}
        worker = None
        if mxnet_python:
            worker = MXNetWorker(mxnet_python)
            worker.call(op="tiny")
            for batch in (1, 16):
                worker.call(op="resnet", batch=batch, files=str(files))
        check = agreement(files, runners, worker)

        def measure(impl: str, row: str, n: int) -> float:
            if impl == "mxnet":
                assert worker is not None
                what = {"tiny_copy": "tiny", "resnet1_opt": "resnet1",
                        "resnet16_opt": "resnet16"}.get(row, row)
                return float(np.median(worker.call(op="time", what=what, n=n)["times"]))
            return float(np.median(timed(runners[impl][row], n)))

        samples: dict[str, dict[str, list[float]]] = {r: {i: [] for i in impls} for r in ROWS}
        for row in WARM_ROWS:  # warm-up: compile, caches, allocators
            for impl in impls:
                measure(impl, row, 2)
        for rnd in range(args.rounds):
            order = impls[rnd % len(impls):] + impls[:rnd % len(impls)]
            for row in WARM_ROWS:
                paired = interleaved({i: runners[i][row] for i in ("jaxsym", "hand")},
                                     ROWS[row][3]) if row in PAIRED_ROWS else {}
                for impl in order:
                    samples[row][impl].append(
                        paired[impl] if impl in paired else measure(impl, row, ROWS[row][3]))
            print(f"round {rnd + 1}/{args.rounds} done", file=sys.stderr)
        if worker is not None:
            worker.close()

        cache = str(files / "jax_cache")
        for kind in ("hand", "jaxsym"):  # fill the persistent cache once
            run_cold(kind, files, cache, mxnet_python)
        for rnd in range(args.cold_runs):
            for impl in impls:
                samples["cold"][impl].append(run_cold(impl, files, None, mxnet_python))
                samples["cold_cache"][impl].append(
                    samples["cold"]["mxnet"][-1] if impl == "mxnet" else
                    run_cold(impl, files, cache, mxnet_python))
            print(f"cold round {rnd + 1}/{args.cold_runs} done", file=sys.stderr)

    print(f"\nCPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"jax {jax.__version__}; XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}; load "
          f"average {load_before[0]:.1f} -> {os.getloadavg()[0]:.1f}")
    print(f"{args.rounds} interleaved rounds, {args.cold_runs} cold processes per kind. "
          "Times are medians; ratios are medians of per-round speed ratios "
          "(time of the other / time of jaxsym: > 1 means jaxsym is faster).\n")
    print("| | MXNet | hand JAX | jaxsym | jaxsym/hand | jaxsym/MXNet |")
    print("|---|---|---|---|---|---|")
    for row, (label, scale, unit, _) in ROWS.items():
        cells = []
        for impl in IMPLS:
            values = samples[row].get(impl)
            cells.append(f"{np.median(values) * scale:.4g} {unit}" if values else "-")
        ours = np.array(samples[row]["jaxsym"])
        ratios = [f"{np.median(np.array(samples[row][other]) / ours):.2f}x"
                  if other in impls else "-" for other in ("hand", "mxnet")]
        print(f"| {label} | " + " | ".join(cells + ratios) + " |")
    print(f"\nAgreement: {check}")


if __name__ == "__main__":
    main()
