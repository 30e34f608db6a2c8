"""Data iterators against MXNet 1.9.1 (tests/data/training/io.json, written by
tools/record_training_fixtures.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import jaxsym as mx
from jaxsym.base import MXNetError

FACTS = json.loads((Path(__file__).parents[1] / "data" / "training" / "io.json").read_text())
X = np.arange(10 * 2, dtype=np.float32).reshape(10, 2)
Y = np.arange(10, dtype=np.float32)


def batches(it, epochs: int) -> list:
    out = []
    for _ in range(epochs):
        out.append([{"data": [d.asnumpy().tolist() for d in b.data],
                     "label": [lab.asnumpy().tolist() for lab in b.label], "pad": b.pad}
                    for b in it])
        it.reset()
    return out


def descs(items) -> list:
    return [[d.name, list(d.shape), np.dtype(d.dtype).name, d.layout] for d in items]


def check(it, key: str, epochs: int) -> None:
    want = FACTS[key]
    assert descs(it.provide_data) == want["provide_data"]
    assert descs(it.provide_label) == want["provide_label"]
    assert batches(it, epochs) == want["batches"]


@pytest.mark.parametrize("handle", ["pad", "discard", "roll_over"])
def test_last_batch_handle_over_two_epochs(handle):
    check(mx.io.NDArrayIter(X, Y, 4, last_batch_handle=handle), handle, 2)


def test_list_inputs_are_named_by_position():
    check(mx.io.NDArrayIter([X, X * 2], [Y, Y + 1], 5), "list", 1)


def test_dict_inputs_are_sorted_by_name():
    check(mx.io.NDArrayIter({"b": X, "a": X + 1}, {"lab": Y}, 5), "dict", 1)


def test_no_label_and_data_name():
    check(mx.io.NDArrayIter(X, None, 3, data_name="feat"), "no_label", 1)


def test_ndarray_inputs_and_batch_types():
    it = mx.io.NDArrayIter(mx.nd.array(X), mx.nd.array(Y), 4)
    batch = next(iter(it))
    assert isinstance(batch, mx.io.DataBatch)
    assert isinstance(batch.data[0], mx.nd.NDArray)
    np.testing.assert_array_equal(batch.data[0].asnumpy(), X[:4])


def test_bad_arguments_raise():
    with pytest.raises(MXNetError, match="last_batch_handle"):
        mx.io.NDArrayIter(X, Y, 4, last_batch_handle="wrap")
    with pytest.raises(MXNetError, match="samples"):
        mx.io.NDArrayIter(X, Y[:5], 4)


def write_csv(tmp_path: Path) -> tuple[str, str]:
    data_csv, label_csv = str(tmp_path / "d.csv"), str(tmp_path / "l.csv")
    np.savetxt(data_csv, np.asarray(FACTS["csv"]["data"]), delimiter=",")
    np.savetxt(label_csv, np.asarray(FACTS["csv"]["label"]), delimiter=",")
    return data_csv, label_csv


def test_csv_iter_round_batch_wraps_and_skips(tmp_path):
    data_csv, label_csv = write_csv(tmp_path)
    it = mx.io.CSVIter(data_csv=data_csv, data_shape=(2, 3), label_csv=label_csv,
                       batch_size=3)
    check(it, "csv", 2)


def test_csv_iter_without_round_batch(tmp_path):
    data_csv, _ = write_csv(tmp_path)
    it = mx.io.CSVIter(data_csv=data_csv, data_shape=(6,), batch_size=3, round_batch=False)
    assert descs(it.provide_label) == FACTS["csv_no_round"]["provide_label"]
    got = [{"pad": b.pad, "n": len(b.data[0])} for b in it]
    assert [got] == FACTS["csv_no_round"]["batches"]


def test_csv_iter_bad_width(tmp_path):
    data_csv, _ = write_csv(tmp_path)
    with pytest.raises(MXNetError, match="shape"):
        mx.io.CSVIter(data_csv=data_csv, data_shape=(5,), batch_size=3)


def test_resize_and_prefetching_iter():
    it = mx.io.ResizeIter(mx.io.NDArrayIter(X, Y, 4, last_batch_handle="discard"), 3)
    labels = [b.label[0].asnumpy().tolist() for b in it]
    assert labels == [[0, 1, 2, 3], [4, 5, 6, 7], [0, 1, 2, 3]]
    pre = mx.io.PrefetchingIter(mx.io.NDArrayIter(X, Y, 4), rename_data=[{"data": "x"}])
    assert [d.name for d in pre.provide_data] == ["x"]
    assert [b.pad for b in pre] == [0, 0, 2]
    pre.reset()
    assert len(list(pre)) == 3


def test_shuffle_follows_numpys_global_rng_as_mxnet():
    np.random.seed(3)
    check(mx.io.NDArrayIter(X, Y, 4, shuffle=True, last_batch_handle="roll_over"),
          "shuffle", 2)
