"""Record MXNet 1.9.1's KVStore behaviour into tests/data/kvstore/kvstore.json.

Run with the reference interpreter, from the repository root:

    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_kvstore_fixtures.py

The scripts live in tests/train/kvstore_scenarios.py and run unchanged on jaxsym in the
tests. MXNet's dist stores need a launcher: this script starts a ps-lite scheduler and
one server on localhost, and records the dist scripts in a worker process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "train"))
import kvstore_scenarios as sc

OUT = os.path.join(ROOT, "tests", "data", "kvstore", "kvstore.json")
COMMAND = "MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_kvstore_fixtures.py"


def _message(err: BaseException) -> str:
    """The last line of MXNet's message (its C++ traceback lines come first)."""
    lines = [line for line in str(err).strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def record_local() -> dict:
    import mxnet as mx

    out: dict = {"scenarios": {}, "errors": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for script, (name, _) in sc.SCENARIOS.items():
            if "dist" not in name:
                out["scenarios"][script] = sc.run(mx, script, tmp)
        out["names"] = {n: sc.describe(mx, n) for n in sc.NAMES}
        for case, (_, _, _, text) in sc.ERRORS.items():
            err = sc.run_error(mx, case, tmp)
            assert err is not None, f"MXNet raised nothing for {case}"
            message = _message(err)
            assert text is None or text in message, (case, message)
            out["errors"][case] = {"type": type(err).__name__, "message": message}
    return out


def dist_worker(kind: str, what: str) -> object:
    """One dist store's record (a process holds one: a second one hangs in MXNet)."""
    import mxnet as mx

    if kind == "name":
        return sc.describe(mx, what)
    with tempfile.TemporaryDirectory() as tmp:
        return sc.run(mx, what, tmp)


def record_dist(kind: str, what: str, port: int) -> object:
    """Run `dist_worker` as the worker of a one-worker, one-server ps-lite group."""
    env = dict(os.environ, DMLC_PS_ROOT_URI="127.0.0.1", DMLC_PS_ROOT_PORT=str(port),
               DMLC_NUM_WORKER="1", DMLC_NUM_SERVER="1", MXNET_SUBGRAPH_BACKEND="NONE")
    helpers = [subprocess.Popen([sys.executable, "-c", "import mxnet"],
                                env=dict(env, DMLC_ROLE=role)) for role in ("scheduler", "server")]
    try:
        worker = subprocess.run([sys.executable, __file__, "--dist-worker", kind, what],
                                check=True, env=dict(env, DMLC_ROLE="worker"),
                                capture_output=True, text=True, timeout=120)
    finally:
        for proc in helpers:
            proc.wait(timeout=60)
    return json.loads(worker.stdout.strip().splitlines()[-1])


def main() -> None:
    if sys.argv[1:2] == ["--dist-worker"]:
        print(json.dumps(dist_worker(sys.argv[2], sys.argv[3])))
        return
    data = record_local()
    jobs = [("name", n) for n in sc.DIST_NAMES]
    jobs += [("script", k) for k, (name, _) in sc.SCENARIOS.items() if "dist" in name]
    for port, (kind, what) in enumerate(jobs, start=9300):
        data["names" if kind == "name" else "scenarios"][what] = record_dist(kind, what, port)
    data = {"command": COMMAND, **data}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}: {len(data['scenarios'])} scripts, {len(data['errors'])} errors")


if __name__ == "__main__":
    main()
