"""Sentence encoding and the bucketing language-model iterator of `mx.rnn`."""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence

import numpy as np

from ..base import MXNetValueError
from ..io import DataBatch, DataDesc, DataIter
from ..ndarray.ndarray import NDArray, array


def encode_sentences(sentences: Sequence[Sequence[str]], vocab: dict[str, int] | None = None,
                     invalid_label: int = -1, invalid_key: str = "\n", start_label: int = 0,
                     unknown_token: str | None = None) -> tuple[list[list[int]], dict[str, int]]:
    """Encode token lists as integer lists, growing `vocab` as MXNet does.

    New ids count up from `start_label`, skipping `invalid_label`. With a given `vocab`, an
    unknown word is an error unless `unknown_token` is set; then, as in MXNet, the word is
    recorded as `unknown_token` with a fresh id (re-assigned at every unknown word).
    """
    new_vocab = vocab is None
    if new_vocab:
        vocab = {invalid_key: invalid_label}
    next_id = start_label
    encoded = []
    for sent in sentences:
        coded = []
        for word in sent:
            if word not in vocab:
                if not (new_vocab or unknown_token):
                    raise MXNetValueError(
                        f"encode_sentences: unknown token {word!r} is not in the given vocab "
                        f"and unknown_token={unknown_token!r}")
                if next_id == invalid_label:
                    next_id += 1
                if unknown_token:
                    word = unknown_token
                vocab[word] = next_id
                next_id += 1
            coded.append(vocab[word])
        encoded.append(coded)
    return encoded, vocab


class BucketSentenceIter(DataIter):
    """Bucketing iterator for a language model: the label is the sentence shifted by one.

    With `buckets=None` every length shared by at least `batch_size` sentences is a bucket.
    Each sentence goes to the smallest bucket that holds it, padded with `invalid_label`;
    longer ones are discarded. Buckets that receive no sentence are dropped. `reset` shuffles
    the batch order with Python's `random` and each bucket's rows with `np.random`, as MXNet.
    """

    def __init__(self, sentences: Sequence[Sequence[int]], batch_size: int,
                 buckets: Sequence[int] | None = None, invalid_label: int = -1,
                 data_name: str = "data", label_name: str = "softmax_label",
                 dtype: str = "float32", layout: str = "NT") -> None:
        super().__init__(batch_size)
        if layout not in ("NT", "TN"):
            raise MXNetValueError(
                f"BucketSentenceIter: layout must be 'NT' (batch major) or 'TN' (time major), "
                f"got layout={layout!r}")
        if not buckets:
            counts = np.bincount([len(s) for s in sentences])
            buckets = [length for length, n in enumerate(counts) if n >= batch_size]
        buckets = sorted(buckets)

        rows: list[list[np.ndarray]] = [[] for _ in buckets]
        ndiscard = 0
        for sent in sentences:
            buck = bisect.bisect_left(buckets, len(sent))
            if buck == len(buckets):
                ndiscard += 1
                continue
            row = np.full((buckets[buck],), invalid_label, dtype=dtype)
            row[:len(sent)] = sent
            rows[buck].append(row)
        # MXNet prints this to stdout, even when nothing was discarded.
        print(f"WARNING: discarded {ndiscard} sentences longer than the largest bucket.")
        self.buckets = [b for b, r in zip(buckets, rows) if r]
        self.data = [np.asarray(r, dtype=dtype) for r in rows if r]
        if not self.buckets:
            raise MXNetValueError(
                f"BucketSentenceIter: no sentence fits buckets={list(buckets)} "
                f"({len(sentences)} sentences, batch_size={batch_size})")

        self.data_name, self.label_name = data_name, label_name
        self.dtype, self.invalid_label = dtype, invalid_label
        self.layout, self.major_axis = layout, layout.find("N")
        self.default_bucket_key = max(self.buckets)
        self.provide_data = [self._desc(data_name, self.default_bucket_key, batch_size)]
        self.provide_label = [self._desc(label_name, self.default_bucket_key, batch_size)]
        # (bucket, first row) of every full batch; the rows left over never appear.
        self.idx = [(i, j) for i, buck in enumerate(self.data)
                    for j in range(0, len(buck) - batch_size + 1, batch_size)]
        self.curr_idx = 0
        self.nddata: list[NDArray] = []
        self.ndlabel: list[NDArray] = []
        self._labels: list[np.ndarray] = []
        self.reset()

    def _desc(self, name: str, length: int, batch_size: int) -> DataDesc:
        shape = (batch_size, length) if self.major_axis == 0 else (length, batch_size)
        return DataDesc(name=name, shape=shape, layout=self.layout)

    def reset(self) -> None:
        """Rewind, shuffle the batch order and the rows inside each bucket."""
        self.curr_idx = 0
        random.shuffle(self.idx)
        for buck in self.data:
            np.random.shuffle(buck)
        self._labels = []
        for buck in self.data:
            label = np.empty_like(buck)
            label[:, :-1] = buck[:, 1:]
            label[:, -1] = self.invalid_label
            self._labels.append(label)
        self.nddata = [array(b, dtype=self.dtype) for b in self.data]
        self.ndlabel = [array(b, dtype=self.dtype) for b in self._labels]

    def next(self) -> DataBatch:
        """The next batch, with `bucket_key` and its own `provide_data`/`provide_label`."""
        if self.curr_idx == len(self.idx):
            raise StopIteration
        i, j = self.idx[self.curr_idx]
        self.curr_idx += 1
        data = self.data[i][j:j + self.batch_size]
        label = self._labels[i][j:j + self.batch_size]
        if self.major_axis == 1:
            data, label = data.T, label.T
        return DataBatch([array(data, dtype=self.dtype)], [array(label, dtype=self.dtype)],
                         pad=0, bucket_key=self.buckets[i],
                         provide_data=[DataDesc(self.data_name, data.shape, layout=self.layout)],
                         provide_label=[DataDesc(self.label_name, label.shape,
                                                 layout=self.layout)])
