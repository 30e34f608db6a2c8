"""Record MXNet 1.9.1's convolutional RNN cells into tests/data/convrnn/.

Run with the reference interpreter, from the repository root:

    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_convrnn_fixtures.py

The cases live in tests/rnn/convrnn_scenario.py, which the tests run unchanged under jaxsym.
Writes convrnn.json (per case: names, shapes, state_info, parameter attributes, internal
node names; the initialised parameters; constructor errors) and convrnn.npz (per case:
outputs `<case>/out/<k>` and gradients `<case>/grad/<argument>`).
"""

from __future__ import annotations

import json
import os
import sys

import mxnet as mx
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "data", "convrnn")
sys.path.insert(0, os.path.join(ROOT, "tests", "rnn"))
import convrnn_scenario as sc  # noqa: E402 - after the sys.path entry


def errors() -> dict:
    """The exception type and message of constructions MXNet refuses."""
    out = {}
    for name, make in (
            ("even_h2h_kernel", lambda: mx.rnn.ConvRNNCell((2, 3, 6, 6), 4, h2h_kernel=(3, 2))),
            ("forget_bias", lambda: mx.rnn.ConvLSTMCell((2, 3, 6, 6), 4, forget_bias=1.0)),
            ("base_step", lambda: mx.rnn.BaseConvRNNCell(
                (2, 3, 6, 6), 4, (3, 3), (1, 1), (3, 3), (1, 1), (1, 1), (1, 1), None, None,
                "zeros", "zeros", "tanh")(mx.sym.Variable("x"), [])),
            ("unbatched_input_shape", lambda: mx.rnn.ConvGRUCell((3, 6, 6), 4))):
        try:
            make()
        except Exception as err:  # noqa: BLE001 - recording whatever MXNet raises
            out[name] = [type(err).__name__, str(err).splitlines()[0][:200]]
    return out


def main() -> None:
    facts: dict = {"cases": {}, "initialized": sc.initialized(mx), "errors": errors()}
    arrays: dict[str, np.ndarray] = {}
    for case in sc.CASES:
        facts["cases"][case], got = sc.run_case(mx, case)
        arrays.update({f"{case}/{k}": v for k, v in got.items()})
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "convrnn.json"), "w") as f:
        json.dump(facts, f, separators=(",", ":"))
    np.savez_compressed(os.path.join(OUT, "convrnn.npz"), **arrays)


if __name__ == "__main__":
    main()
