"""Record MXNet 1.9.1's fused RNN operator and FusedRNNCell into tests/data/rnnop/.

Run with the reference interpreter, from the repository root:

    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_rnnop_fixtures.py

The cases live in tests/rnn/fused_scenario.py, which the tests run unchanged under jaxsym.
Writes rnnop.json (infer_shape facts per case, a symbol JSON using RNN, cell and modifier-cell facts) and
rnnop.npz (keys `op/<case>/<name>`, `cell/<case>/<name>`,
`modifier/<case>/<k>`, `init/<mode>_<bi>`).
"""

from __future__ import annotations

import json
import os
import sys
import warnings

import mxnet as mx
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "data", "rnnop")
sys.path.insert(0, os.path.join(ROOT, "tests", "rnn"))
import fused_scenario as sc


def main() -> None:
    facts: dict = {"op": {}, "cell": {}, "json": sc.rnn_json(mx)}
    arrays: dict[str, np.ndarray] = {}
    for case in sc.OP_CASES:
        facts["op"][case], outs = sc.run_op_case(mx, case)
        arrays.update({f"op/{case}/{k}": v for k, v in outs.items()})
    for case in sc.CELL_CASES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # MXNet's "NTC layout detected" advice
            facts["cell"][case], outs = sc.run_cell_case(mx, case)
        arrays.update({f"cell/{case}/{k}": v for k, v in outs.items()})
    facts["modifier"] = {}
    for case in sc.MODIFIER_CASES:
        facts["modifier"][case], outs = sc.run_modifier_case(mx, case)
        arrays.update({f"modifier/{case}/{k}": v for k, v in enumerate(outs)})
    for mode in ("lstm", "gru"):
        for bi in (False, True):
            arrays[f"init/{mode}_{int(bi)}"] = sc.fused_init(mx, mode, bi)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "rnnop.json"), "w") as f:
        json.dump(facts, f, separators=(",", ":"))
    np.savez_compressed(os.path.join(OUT, "rnnop.npz"), **arrays)


if __name__ == "__main__":
    main()
