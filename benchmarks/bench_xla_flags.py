"""Which XLA CPU flags speed up jaxsym's ResNet-18 inference? Measured against MXNet.

    /work/venv/bin/python benchmarks/bench_xla_flags.py [--rounds 3]

Each round starts one fresh process per flag set (XLA reads XLA_FLAGS once, at start-up)
that times jaxsym's ResNet-18 at batch 1 and 16 with bench_core's parameters, and times
MXNet in the same round. Prints, per flag set, the median time and the median per-round
speed ratio to MXNet (> 1: jaxsym faster). Flags are only ever set for a run like this,
never by the library.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "src"), str(HERE)]

import bench_core  # noqa: E402

FLAG_SETS = {
    "default": "",
    "ynn conv": "--xla_cpu_experimental_ynn_fusion_type=individual_convolution",
    "xnn conv": "--xla_cpu_experimental_xnn_fusion_type=individual_convolution",
    "onednn conv": "--xla_cpu_experimental_onednn_fusion_type=individual_convolution",
    "ynn conv+dot": "--xla_cpu_experimental_ynn_fusion_type="
                    "individual_convolution,individual_dot",
}
ROWS = {"resnet1": 5, "resnet16": 2}  # calls per measurement


def child(files: Path) -> None:
    runners = bench_core.jaxsym_runners(files)
    result = {}
    for row, n in ROWS.items():
        bench_core.timed(runners[row], 1)  # compile
        result[row] = float(np.median(bench_core.timed(runners[row], n)))
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    mxnet_python = os.environ.get("MXNET_PYTHON", "/tmp/mxref/bin/python")
    have_mxnet = Path(mxnet_python).exists()
    times: dict[str, dict[str, list[float]]] = {f: {r: [] for r in ROWS} for f in FLAG_SETS}
    mx_times: dict[str, list[float]] = {r: [] for r in ROWS}
    with tempfile.TemporaryDirectory() as tmp:
        files = Path(tmp)
        bench_core.make_files(files)
        worker = bench_core.MXNetWorker(mxnet_python) if have_mxnet else None
        if worker is not None:
            for batch in (1, 16):
                worker.call(op="resnet", batch=batch, files=str(files))
                worker.call(op="time", what=f"resnet{batch}", n=1)
        for rnd in range(args.rounds):
            for name, flags in FLAG_SETS.items():
                env = dict(os.environ, XLA_FLAGS=flags)
                out = subprocess.run([sys.executable, __file__, "--child", str(files)],
                                     capture_output=True, text=True, env=env, check=True)
                for row, value in json.loads(out.stdout.strip().splitlines()[-1]).items():
                    times[name][row].append(value)
            if worker is not None:
                for row, n in ROWS.items():
                    mx_times[row].append(float(np.median(
                        worker.call(op="time", what=row, n=n)["times"])))
            print(f"round {rnd + 1}/{args.rounds} done", file=sys.stderr)
        if worker is not None:
            worker.close()
    print(f"\n{args.rounds} rounds; load average now {os.getloadavg()[0]:.1f}\n")
    print("| XLA_FLAGS | batch 1 | vs MXNet | batch 16 | vs MXNet |")
    print("|---|---|---|---|---|")
    if have_mxnet:
        print("| (MXNet 1.9.1) | " + " | ".join(
            f"{np.median(mx_times[r]) * 1e3:.0f} ms | 1.00x" for r in ROWS) + " |")
    for name, flags in FLAG_SETS.items():
        cells = []
        for row in ROWS:
            ours = np.array(times[name][row])
            ratio = f"{np.median(np.array(mx_times[row]) / ours):.2f}x" if have_mxnet else "-"
            cells.append(f"{np.median(ours) * 1e3:.0f} ms | {ratio}")
        print(f"| {name}: `{flags or '(none)'}` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
