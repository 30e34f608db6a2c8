"""Where the tiny-graph row's time goes: jaxsym's `forward` + `asnumpy` taken apart.

    PYTHONPATH=src /work/venv/bin/python benchmarks/bench_tiny_breakdown.py [--blocks 300]

bench_core.py's tiny row compares `ex.forward(); ex.outputs[0].asnumpy()` on `a + b`
(2x3) with a hand-written `np.array(jax.jit(jnp.add)(a, b))`. This script times, in one
process and alternating blocks of calls (each variant in every block, rotating order),
the steps between the two:

- hand: the hand-written call;
- hand, one function deeper: the same call made from inside one more Python function
  (what one Python frame costs a jax dispatch: jax records a traceback of the Python
  stack with every call);
- lowered program: jaxsym's compiled program for the graph, called as the hand version
  is (is the lowering itself as fast as `jax.jit(jnp.add)`?);
- program on the handles: the same, reading the argument NDArrays and rebinding the output
  NDArray, written inline (what `forward` does, without its own frame);
- forward: `ex.forward()` then `np.array` of the output's array;
- forward + asnumpy: the benchmark row.

Each row gives the median time per call and the median of per-block ratios hand / row.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--blocks", type=int, default=300, help="alternating blocks")
    parser.add_argument("--calls", type=int, default=200, help="calls per block")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    import jax
    import jax.numpy as jnp

    import jaxsym as mx

    ex = (mx.sym.Variable("a") + mx.sym.Variable("b")).simple_bind(
        mx.cpu(), a=(2, 3), b=(2, 3), grad_req="null")
    ex.arg_dict["a"][:] = np.arange(6, dtype=np.float32).reshape(2, 3)
    ex.forward()
    program = ex._program.forward_fn(False)
    add = jax.jit(jnp.add)
    h0, h1 = ex.arg_arrays
    out = ex.outputs[0]
    a, b = h0._data, h1._data

    def deeper():
        return add(a, b)

    # Each variant is a loop of `n` calls, so that the loop's own cost is the same.
    def hand(n):
        for _ in range(n):
            np.array(add(a, b))

    def hand_deeper(n):
        for _ in range(n):
            np.array(deeper())

    def lowered(n):
        for _ in range(n):
            np.array(program(a, b))

    def on_handles(n):
        for _ in range(n):
            out._data = program(h0._data, h1._data)
            np.array(out._data)

    def forward(n):
        for _ in range(n):
            ex.forward(is_train=False)
            np.array(out._data)

    def forward_asnumpy(n):
        for _ in range(n):
            ex.forward(is_train=False)
            ex.outputs[0].asnumpy()

    variants = {"hand `np.array(add(a, b))`": hand,
                "hand, one Python function deeper": hand_deeper,
                "jaxsym's lowered program, called as hand": lowered,
                "lowered program on the NDArray handles, inline": on_handles,
                "`ex.forward()` + np.array of the output": forward,
                "`ex.forward()` + `ex.outputs[0].asnumpy()` (the row)": forward_asnumpy}
    names = list(variants)
    for fn in variants.values():
        fn(args.calls * 5)  # warm-up
    times: dict[str, list[float]] = {name: [] for name in names}
    clock = time.perf_counter
    for block in range(args.blocks):
        k = block % len(names)
        for name in names[k:] + names[:k]:
            start = clock()
            variants[name](args.calls)
            times[name].append((clock() - start) / args.calls * 1e6)
    base = np.array(times[names[0]])
    print(f"jax {jax.__version__}, Python {sys.version.split()[0]}; {args.blocks} alternating "
          f"blocks of {args.calls} calls")
    print()
    print("| variant | us per call | hand / variant |")
    print("|---|---|---|")
    for name in names:
        row = np.array(times[name])
        print(f"| {name} | {np.median(row):.2f} | {np.median(base / row):.3f}x |")


if __name__ == "__main__":
    main()
