"""MXNet's data iterator protocol and the array-backed iterators."""

from __future__ import annotations

import threading
from collections import OrderedDict, namedtuple
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..base import MXNetValueError
from ..ndarray.ndarray import NDArray, array


class DataDesc(namedtuple("DataDesc", ["name", "shape"])):
    """Name, shape, dtype and layout of one input, as `mx.io.DataDesc`."""

    def __new__(cls, name: str, shape: Sequence[int], dtype: Any = np.float32,
                layout: str = "NCHW") -> DataDesc:
        ret = super().__new__(cls, name, tuple(shape))
        ret.dtype = dtype
        ret.layout = layout
        return ret

    def __repr__(self) -> str:
        return (f"DataDesc[{self.name},{self.shape},{np.dtype(self.dtype)},"
                f"{self.layout}]")

    @staticmethod
    def get_batch_axis(layout: str | None) -> int:
        return 0 if layout is None else layout.find("N")

    @staticmethod
    def get_list(shapes: Sequence[tuple], types: Sequence[tuple] | None) -> list[DataDesc]:
        if types is not None:
            type_dict = dict(types)
            return [DataDesc(name, shape, type_dict[name]) for name, shape in shapes]
        return [DataDesc(name, shape) for name, shape in shapes]


class DataBatch:
    """One batch: lists of data and label NDArrays, plus padding and index."""

    def __init__(self, data: list[NDArray] | None, label: list[NDArray] | None = None,
                 pad: int | None = None, index: Any = None, bucket_key: Any = None,
                 provide_data: list[DataDesc] | None = None,
                 provide_label: list[DataDesc] | None = None) -> None:
        if data is not None and not isinstance(data, (list, tuple)):
            raise MXNetValueError("DataBatch: data must be a list of NDArrays")
        if label is not None and not isinstance(label, (list, tuple)):
            raise MXNetValueError("DataBatch: label must be a list of NDArrays")
        self.data = data
        self.label = label
        self.pad = pad
        self.index = index
        self.bucket_key = bucket_key
        self.provide_data = provide_data
        self.provide_label = provide_label

    def __str__(self) -> str:
        data = [d.shape for d in self.data or []]
        label = [lab.shape for lab in self.label or []]
        return f"{self.__class__.__name__}: data shapes: {data} label shapes: {label}"


class DataIter:
    """The iterator protocol: reset, next/iter_next, getdata/getlabel/getindex/getpad."""

    def __init__(self, batch_size: int = 0) -> None:
        self.batch_size = batch_size

    def __iter__(self) -> Iterator[DataBatch]:
        return self

    def reset(self) -> None:
        pass

    def next(self) -> DataBatch:
        if self.iter_next():
            return DataBatch(data=self.getdata(), label=self.getlabel(), pad=self.getpad(),
                             index=self.getindex())
        raise StopIteration

    def __next__(self) -> DataBatch:
        return self.next()

    def iter_next(self) -> bool:
        return False

    def getdata(self) -> list[NDArray]:
        raise NotImplementedError

    def getlabel(self) -> list[NDArray]:
        raise NotImplementedError

    def getindex(self) -> Any:
        return None

    def getpad(self) -> int:
        raise NotImplementedError


def _as_named_arrays(data: Any, allow_empty: bool, default_name: str
                     ) -> list[tuple[str, np.ndarray]]:
    """MXNet's `_init_data`: one array, a list (named `_i_<default>`) or a dict.

    MXNet returns the inputs sorted by name, so a dict's order is lost and eleven list
    inputs come as `_0_`, `_10_`, `_1_`, ...
    """
    if data is None:
        if not allow_empty:
            raise MXNetValueError("NDArrayIter: data must not be None")
        data = []
    if isinstance(data, (np.ndarray, NDArray)) or np.isscalar(data):
        data = [data]
    if isinstance(data, (list, tuple)):
        if not allow_empty and len(data) == 0:
            raise MXNetValueError("NDArrayIter: data must not be empty")
        if len(data) == 1:
            data = OrderedDict([(default_name, data[0])])
        else:
            data = OrderedDict((f"_{i}_{default_name}", d) for i, d in enumerate(data))
    if not isinstance(data, dict):
        raise MXNetValueError("NDArrayIter: input must be an NDArray, numpy.ndarray, a "
                              "list of them or a dict of str to them")
    out = []
    for name, value in data.items():
        if isinstance(value, NDArray):
            value = value.asnumpy()
        out.append((name, np.asarray(value) if isinstance(value, np.ndarray)
                    else np.asarray(value, dtype=np.float32)))
    return sorted(out, key=lambda item: item[0])


class NDArrayIter(DataIter):
    """Iterates over in-memory arrays, as `mx.io.NDArrayIter`.

    last_batch_handle: 'pad' fills the last batch from the start of the data and
    reports `pad`; 'discard' drops it; 'roll_over' carries the remainder into the
    first batch of the next epoch (whose `pad` then counts the carried samples).
    Shuffling permutes the stored arrays at construction and at every reset.
    """

    def __init__(self, data: Any, label: Any = None, batch_size: int = 1,
                 shuffle: bool = False, last_batch_handle: str = "pad",
                 data_name: str = "data", label_name: str = "softmax_label",
                 layout: str = "NCHW") -> None:
        super().__init__(batch_size)
        if last_batch_handle not in ("pad", "discard", "roll_over"):
            raise MXNetValueError(f"NDArrayIter: last_batch_handle must be 'pad', "
                                  f"'discard' or 'roll_over', got {last_batch_handle!r}")
        if batch_size <= 0:
            raise MXNetValueError(f"NDArrayIter: batch_size must be positive, got {batch_size}")
        self.data = _as_named_arrays(data, False, data_name)
        self.label = _as_named_arrays(label, True, label_name)
        self.num_data = self.data[0][1].shape[0]
        for name, arr in self.data + self.label:
            if arr.shape[0] != self.num_data:
                raise MXNetValueError(f"NDArrayIter: {name!r} has {arr.shape[0]} samples, "
                                      f"{self.data[0][0]!r} has {self.num_data}")
        self.idx = np.arange(self.num_data)
        self.shuffle = shuffle
        self.last_batch_handle = last_batch_handle
        self.layout = layout
        self.cursor = -batch_size
        self._cache: dict[str, list[np.ndarray] | None] = {"data": None, "label": None}
        self.reset()

    def _descs(self, sources: list[tuple[str, np.ndarray]]) -> list[DataDesc]:
        return [DataDesc(k, (self.batch_size,) + v.shape[1:], v.dtype, self.layout)
                for k, v in sources]

    @property
    def provide_data(self) -> list[DataDesc]:
        return self._descs(self.data)

    @property
    def provide_label(self) -> list[DataDesc]:
        return self._descs(self.label)

    def _shuffle_data(self) -> None:
        # MXNet draws from numpy's global RNG, re-permuting the already shuffled data
        # each time: after `np.random.seed(s)` the batches are MXNet's, sample for sample.
        np.random.shuffle(self.idx)
        self.data = [(k, v[self.idx]) for k, v in self.data]
        self.label = [(k, v[self.idx]) for k, v in self.label]

    def hard_reset(self) -> None:
        if self.shuffle:
            self._shuffle_data()
        self.cursor = -self.batch_size
        self._cache = {"data": None, "label": None}

    def reset(self) -> None:
        if self.shuffle:
            self._shuffle_data()
        if self.last_batch_handle == "roll_over" and \
                self.num_data - self.batch_size < self.cursor < self.num_data:
            # A negative cursor: the cached tail fills the start of the next batch.
            self.cursor = self.cursor - self.num_data - self.batch_size
        else:
            self.cursor = -self.batch_size

    def iter_next(self) -> bool:
        self.cursor += self.batch_size
        return self.cursor < self.num_data

    def next(self) -> DataBatch:
        if not self.iter_next():
            raise StopIteration
        data = self._batchify(self.data, "data")
        label = self._batchify(self.label, "label")
        if data[0].shape[0] != self.batch_size:
            self._cache = {"data": data, "label": label}
            raise StopIteration
        return DataBatch(data=[array(d, dtype=d.dtype) for d in data],
                         label=[array(d, dtype=d.dtype) for d in label],
                         pad=self.getpad(), index=None)

    def _batchify(self, sources: list[tuple[str, np.ndarray]], kind: str) -> list[np.ndarray]:
        start, end = self.cursor, self.cursor + self.batch_size
        if self.last_batch_handle == "roll_over" and -self.batch_size < start < 0:
            cached = self._cache[kind]
            self._cache[kind] = None
            if cached is None:
                raise MXNetValueError("NDArrayIter: roll_over has no cached batch; "
                                      "call hard_reset()")
            return [np.concatenate([c, v[:end]]) for c, v in zip(cached, (v for _, v in sources))]
        if self.last_batch_handle == "pad" and end > self.num_data:
            pad = end - self.num_data
            # Wrap around to the start, repeating the data when pad exceeds it.
            wrap = np.resize(np.arange(self.num_data), pad)
            return [np.concatenate([v[start:], v[wrap]]) for _, v in sources]
        return [v[start:min(end, self.num_data)] for _, v in sources]

    def getdata(self) -> list[NDArray]:
        return [array(d, dtype=d.dtype) for d in self._batchify(self.data, "data")]

    def getlabel(self) -> list[NDArray]:
        return [array(d, dtype=d.dtype) for d in self._batchify(self.label, "label")]

    def getpad(self) -> int:
        if self.last_batch_handle == "pad" and self.cursor + self.batch_size > self.num_data:
            return self.cursor + self.batch_size - self.num_data
        if self.last_batch_handle == "roll_over" and -self.batch_size < self.cursor < 0:
            return -self.cursor
        return 0


class CSVIter(DataIter):
    """Reads data (and optional labels) from CSV files, as `mx.io.CSVIter`.

    As MXNet's C++ iterator with `round_batch=True`, a short last batch is completed
    from the start of the file (reporting `pad`), and the next epoch starts after the
    samples used to complete it. With `round_batch=False` the last batch still reports
    `pad` and holds the same wrapped samples.
    """

    def __init__(self, data_csv: str, data_shape: Sequence[int], label_csv: str | None = None,
                 label_shape: Sequence[int] = (1,), batch_size: int = 1,
                 round_batch: bool = True, dtype: str = "float32",
                 data_name: str = "data", label_name: str = "softmax_label") -> None:
        super().__init__(batch_size)
        self._data = self._read(data_csv, data_shape, dtype)
        label = (self._read(label_csv, label_shape, dtype) if label_csv
                 else np.zeros((self._data.shape[0],) + tuple(label_shape), dtype))
        if tuple(label_shape) == (1,):
            label = label.reshape(-1)
        self._label = label
        self._names = (data_name, label_name)
        self.round_batch = round_batch
        self._start = 0
        self._cursor = 0

    @staticmethod
    def _read(path: str, shape: Sequence[int], dtype: str) -> np.ndarray:
        try:
            raw = np.loadtxt(path, delimiter=",", dtype=dtype, ndmin=2)
        except (OSError, ValueError) as err:
            raise MXNetValueError(f"CSVIter: cannot read {path!r}: {err}") from None
        width = int(np.prod(shape))
        if raw.shape[1] != width:
            raise MXNetValueError(f"CSVIter: {path!r} rows have {raw.shape[1]} values, "
                                  f"shape {tuple(shape)} needs {width}")
        return raw.reshape((raw.shape[0],) + tuple(shape))

    @property
    def provide_data(self) -> list[DataDesc]:
        return [DataDesc(self._names[0], (self.batch_size,) + self._data.shape[1:],
                         self._data.dtype)]

    @property
    def provide_label(self) -> list[DataDesc]:
        return [DataDesc(self._names[1], (self.batch_size,) + self._label.shape[1:],
                         self._label.dtype)]

    def reset(self) -> None:
        self._cursor = self._start

    def next(self) -> DataBatch:
        num = self._data.shape[0]
        if self._cursor >= num:
            raise StopIteration
        rows = np.arange(self._cursor, self._cursor + self.batch_size)
        pad = max(0, rows[-1] + 1 - num)
        rows %= num
        self._cursor += self.batch_size
        if pad and self.round_batch:
            self._start = pad % num
        return DataBatch([array(self._data[rows])], [array(self._label[rows])], pad=pad)


class ResizeIter(DataIter):
    """Makes another iterator yield exactly `size` batches per epoch."""

    def __init__(self, data_iter: DataIter, size: int, reset_internal: bool = True) -> None:
        super().__init__(data_iter.batch_size)
        self.data_iter = data_iter
        self.size = size
        self.reset_internal = reset_internal
        self.cur = 0
        self.current_batch: DataBatch | None = None
        self.provide_data = data_iter.provide_data
        self.provide_label = data_iter.provide_label

    def reset(self) -> None:
        self.cur = 0
        if self.reset_internal:
            self.data_iter.reset()

    def iter_next(self) -> bool:
        if self.cur == self.size:
            return False
        try:
            self.current_batch = self.data_iter.next()
        except StopIteration:
            self.data_iter.reset()
            self.current_batch = self.data_iter.next()
        self.cur += 1
        return True

    def next(self) -> DataBatch:
        if self.iter_next():
            return self.current_batch  # type: ignore[return-value]
        raise StopIteration


class PrefetchingIter(DataIter):
    """Fetches the next batch of one or more iterators on a background thread."""

    def __init__(self, iters: DataIter | list[DataIter], rename_data: Any = None,
                 rename_label: Any = None) -> None:
        self.iters = iters if isinstance(iters, list) else [iters]
        super().__init__(self.iters[0].batch_size)
        self.rename_data = rename_data
        self.rename_label = rename_label
        self._next: list[DataBatch | None] = [None] * len(self.iters)
        self._thread: threading.Thread | None = None
        self._start()

    def _rename(self, descs: list[DataDesc], renames: Any) -> list[DataDesc]:
        if renames is None:
            return descs
        out = []
        for i, d in enumerate(descs):
            mapping = renames[i] if isinstance(renames, list) else renames
            out.append(DataDesc(mapping.get(d.name, d.name), d.shape, d.dtype, d.layout))
        return out

    @property
    def provide_data(self) -> list[DataDesc]:
        return self._rename([d for it in self.iters for d in it.provide_data],
                            self.rename_data)

    @property
    def provide_label(self) -> list[DataDesc]:
        return self._rename([d for it in self.iters for d in it.provide_label],
                            self.rename_label)

    def _fetch(self) -> None:
        for i, it in enumerate(self.iters):
            try:
                self._next[i] = it.next()
            except StopIteration:
                self._next[i] = None

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._fetch, daemon=True)
        self._thread.start()

    def reset(self) -> None:
        if self._thread is not None:
            self._thread.join()
        for it in self.iters:
            it.reset()
        self._start()

    def next(self) -> DataBatch:
        assert self._thread is not None
        self._thread.join()
        batches = self._next
        if any(b is None for b in batches):
            raise StopIteration
        data = [d for b in batches for d in b.data]  # type: ignore[union-attr]
        label = [lab for b in batches for lab in (b.label or [])]  # type: ignore[union-attr]
        pad = batches[0].pad  # type: ignore[union-attr]
        index = batches[0].index  # type: ignore[union-attr]
        self._start()
        return DataBatch(data, label, pad, index)
