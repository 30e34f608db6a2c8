"""Record MXNet 1.9.1's mx.rnn behaviour into tests/data/rnn/.

Run with the reference interpreter, from the repository root:

    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_rnn_fixtures.py

The cases live in tests/rnn/rnn_scenario.py, which the tests run unchanged under jaxsym.
Writes rnn.json (encodings, iterator batches, cell names/shapes/attrs) and rnn.npz (the
unrolled cells' forward outputs, keys `<case>/<k>`; the lstm_bucketing-style
BucketingModule run's final parameters, keys `lm/<name>`).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys

import mxnet as mx
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "data", "rnn")
sys.path.insert(0, os.path.join(ROOT, "tests", "rnn"))
import rnn_scenario as sc

ITER_CASES = {"auto_nt": (3, None, "NT", 0), "given_tn": (4, [7, 3, 5], "TN", 0),
              "small_nt_minus1": (2, [2, 4, 6], "NT", -1)}


def encodings() -> dict:
    words = sc.sentences(1, 6)
    default, vocab = mx.rnn.encode_sentences(words)
    shifted, vocab2 = mx.rnn.encode_sentences(words, invalid_label=2, start_label=1,
                                              invalid_key="<eos>")
    known = {w: i + 5 for i, w in enumerate(sc.WORDS[:4])}
    unk, vocab3 = mx.rnn.encode_sentences(words, vocab=dict(known), unknown_token="<unk>",
                                          start_label=20)
    return {"words": words, "default": [default, sorted(vocab.items())],
            "shifted": [shifted, sorted(vocab2.items())],
            "known": sorted(known.items()), "unknown_token": [unk, sorted(vocab3.items())]}


def main() -> None:
    facts: dict = {"encode": encodings(), "iter": {}, "cells": {}, "unpacked": sc.unpacked(mx)}
    arrays: dict[str, np.ndarray] = {}
    for name, (batch, buckets, layout, invalid) in ITER_CASES.items():
        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout):
            facts["iter"][name] = sc.iterator_epochs(mx, batch, buckets, layout, invalid)
        facts["iter"][name]["stdout"] = stdout.getvalue()
    for case in sc.CELL_CASES:
        facts["cells"][case], outs = sc.run_cell_case(mx, case)
        for k, out in enumerate(outs):
            arrays[f"{case}/{k}"] = out
    with contextlib.redirect_stdout(io.StringIO()):
        facts["lm_scores"], params = sc.lm_fit(mx)
    arrays.update({f"lm/{k}": v for k, v in params.items()})
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "rnn.json"), "w") as f:
        json.dump(facts, f, separators=(",", ":"))
    np.savez_compressed(os.path.join(OUT, "rnn.npz"), **arrays)


if __name__ == "__main__":
    main()
