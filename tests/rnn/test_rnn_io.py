"""mx.rnn.encode_sentences and BucketSentenceIter against MXNet 1.9.1 (tests/data/rnn/rnn.json,
recorded by tools/record_rnn_fixtures.py from rnn_scenario.py)."""

from __future__ import annotations

import contextlib
import io
import json
import random
from pathlib import Path

import numpy as np
import pytest
from rnn import rnn_scenario as sc

import jaxsym as mx
from jaxsym.base import MXNetError

FACTS = json.loads((Path(__file__).parents[1] / "data" / "rnn" / "rnn.json").read_text())


def _pairs(vocab: dict) -> list[list]:
    return [list(kv) for kv in sorted(vocab.items())]


def test_encode_sentences_matches_mxnet():
    want = FACTS["encode"]
    words = sc.sentences(1, 6)
    assert words == want["words"]
    coded, vocab = mx.rnn.encode_sentences(words)
    assert [coded, _pairs(vocab)] == want["default"]
    coded, vocab = mx.rnn.encode_sentences(words, invalid_label=2, start_label=1,
                                           invalid_key="<eos>")
    assert [coded, _pairs(vocab)] == want["shifted"]
    assert 2 not in {i for s in coded for i in s if i != 2} and vocab["<eos>"] == 2
    coded, vocab = mx.rnn.encode_sentences(words, vocab=dict(want["known"]),
                                           unknown_token="<unk>", start_label=20)
    assert [coded, _pairs(vocab)] == want["unknown_token"]


def test_encode_sentences_unknown_word_without_unknown_token():
    with pytest.raises(MXNetError, match="'zz'.*unknown_token=None"):
        mx.rnn.encode_sentences([["a", "zz"]], vocab={"a": 0})


def _descs(descs):
    return [[d[0], list(d[1]), d[2]] for d in descs]


@pytest.mark.parametrize("case", sorted(FACTS["iter"]))
def test_bucket_sentence_iter_matches_mxnet(case):
    """Same buckets, descs, stdout warning and, under the same seeds, the same batches."""
    want = FACTS["iter"][case]
    batch, buckets, layout, invalid = {
        "auto_nt": (3, None, "NT", 0), "given_tn": (4, [7, 3, 5], "TN", 0),
        "small_nt_minus1": (2, [2, 4, 6], "NT", -1)}[case]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        got = sc.iterator_epochs(mx, batch, buckets, layout, invalid)
    assert out.getvalue() == want["stdout"]
    for key in ("buckets", "default_bucket_key", "vocab"):
        assert json.loads(json.dumps(got[key])) == want[key], key
    for key in ("provide_data", "provide_label"):
        assert _descs(got[key]) == _descs(want[key])
    assert len(got["batches"]) == len(want["batches"]) > 0
    for g, w in zip(got["batches"], want["batches"]):
        assert (g["key"], g["pad"]) == (w["key"], w["pad"])
        np.testing.assert_array_equal(g["data"], w["data"])
        np.testing.assert_array_equal(g["label"], w["label"])
        assert _descs(g["provide_data"]) == _descs(w["provide_data"])
        assert _descs(g["provide_label"]) == _descs(w["provide_label"])


def test_bucket_sentence_iter_properties():
    encoded = [[1, 2], [3, 4, 5], [6], [7, 8, 9, 10, 11], [2, 3, 4]] * 2
    with contextlib.redirect_stdout(io.StringIO()) as out:
        it = mx.rnn.BucketSentenceIter(encoded, 2, buckets=[4, 2], invalid_label=-1,
                                       dtype="int32", data_name="x", label_name="y")
    assert out.getvalue() == "WARNING: discarded 2 sentences longer than the largest bucket.\n"
    assert it.buckets == [2, 4] and it.default_bucket_key == 4
    assert it.provide_data[0].name == "x" and it.provide_data[0].shape == (2, 4)
    assert it.provide_data[0].layout == "NT" and it.provide_label[0].name == "y"
    random.seed(0)
    np.random.seed(0)
    it.reset()
    seen = sorted((b.bucket_key, tuple(map(tuple, b.data[0].asnumpy()))) for b in it)
    # 4 rows of length <= 2 and 4 of length 3 (padded to 4): two full batches each.
    assert [k for k, _ in seen] == [2, 2, 4, 4]
    for key, rows in seen:
        for row in rows:
            assert len(row) == key and (key == 2 or row[-1] == -1)
    it.reset()
    for batch in it:
        data, label = batch.data[0].asnumpy(), batch.label[0].asnumpy()
        assert data.dtype == np.int32
        np.testing.assert_array_equal(label[:, :-1], data[:, 1:])
        assert (label[:, -1] == -1).all()
    with pytest.raises(StopIteration):
        it.next()


def test_bucket_sentence_iter_errors():
    with pytest.raises(MXNetError, match="layout='NTC'"):
        mx.rnn.BucketSentenceIter([[1, 2]], 1, layout="NTC")
    with contextlib.redirect_stdout(io.StringIO()), \
            pytest.raises(MXNetError, match=r"buckets=\[1\]"):
        mx.rnn.BucketSentenceIter([[1, 2, 3]], 1, buckets=[1])
