"""lstm_bucketing.py's pattern (BucketSentenceIter + stacked LSTMCells + BucketingModule)
against MXNet 1.9.1: same shuffles, same per-epoch perplexity, same final weights."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
from rnn import rnn_scenario as sc

import jaxsym as mx

DATA = Path(__file__).parents[1] / "data" / "rnn"


def test_lstm_bucketing_fit_matches_mxnet():
    want = json.loads((DATA / "rnn.json").read_text())["lm_scores"]
    arrays = np.load(DATA / "rnn.npz")
    with contextlib.redirect_stdout(io.StringIO()):
        scores, params = sc.lm_fit(mx)
    np.testing.assert_allclose(scores, want, rtol=1e-4)
    names = sorted(k[3:] for k in arrays.files if k.startswith("lm/"))
    assert sorted(params) == names
    for name in names:
        np.testing.assert_allclose(params[name], arrays[f"lm/{name}"], rtol=1e-4, atol=1e-5)
