"""Evaluation metrics, as `mx.metric` in MXNet 1.9.1.

`update(labels, preds)` takes lists of arrays (NDArrays or numpy). Each metric keeps
local counters (`sum_metric`, `num_inst`, cleared by `reset_local`, e.g. per logging
interval) and global ones (`global_sum_metric`, `global_num_inst`, cleared only by
`reset`); `get()` reads the local pair and `get_global()` the global one. Per-batch
values are accumulated in float64 Python floats, as MXNet 1.9.1 does with numpy 1.x.

The metrics that are sums of per-batch statistics (accuracy, top-k, cross-entropy,
NLL, perplexity, MAE/MSE/RMSE, loss) define them once in `_stats(xp, config, label,
pred)`, written for numpy and jax.numpy alike. Device inputs (NDArrays) go through a
jitted `_stats` whose results stay on the device until a counter is read, so a training
loop never waits for the host unless a callback asks for a value; numpy inputs are
computed on the host. Either way the float32 batch values are summed in float64.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy

from jaxsym.base import MXNetValueError
from jaxsym.train._registry import ClassRegistry

__all__ = [
    "F1",
    "MAE",
    "MCC",
    "MSE",
    "PCC",
    "RMSE",
    "Accuracy",
    "Caffe",
    "CompositeEvalMetric",
    "CrossEntropy",
    "CustomMetric",
    "EvalMetric",
    "Loss",
    "NegativeLogLikelihood",
    "PearsonCorrelation",
    "Perplexity",
    "TopKAccuracy",
    "Torch",
    "alias",
    "check_label_shapes",
    "create",
    "np",
    "register",
]

_NUMERIC = (int, float, numpy.generic)


def _host(x: Any) -> numpy.ndarray:
    return numpy.asarray(x.asnumpy() if hasattr(x, "asnumpy") else x)


def _device(x: Any) -> jax.Array | None:
    """The jax array behind an NDArray (or a jax array itself); None for host data."""
    data = getattr(x, "_data", x)
    return data if isinstance(data, jax.Array) else None


class _HostOnly(Exception):
    """Raised while tracing `_fold`'s function for inputs only the host path handles."""


# `_fold()` key -> its function, jitted: what `update` runs on device inputs.
_JITTED_FOLDS: dict[Any, Callable] = {}


def _counter(name: str) -> property:
    """A counter attribute that first folds in any statistics still on the device."""
    private = "_" + name

    def get(self: EvalMetric) -> Any:
        if self._pending:
            self._flush()
        return getattr(self, private)

    def put(self: EvalMetric, value: Any) -> None:
        if self._pending:
            self._flush()
        setattr(self, private, value)
    return property(get, put, doc=f"`{name}`, read back from the device when pending.")


def _is_single_array(x: Any) -> bool:
    return hasattr(x, "shape") and not isinstance(x, (list, tuple))


def _length(x: Any) -> int:
    if isinstance(x, (list, tuple, numpy.ndarray)):
        return len(x)
    return int(x.shape[0])


def check_label_shapes(labels: Any, preds: Any, wrap: bool = False,
                       shape: bool = False) -> tuple[Any, Any]:
    """Check that labels and preds agree in length (or in shape when `shape`).

    With `wrap`, a single array is wrapped in a list. Raises MXNetValueError.
    """
    if shape:
        label_shape, pred_shape = tuple(labels.shape), tuple(preds.shape)
    else:
        label_shape, pred_shape = _length(labels), _length(preds)
    if label_shape != pred_shape:
        raise MXNetValueError(f"Shape of labels {label_shape} does not match shape of "
                              f"predictions {pred_shape}")
    if wrap:
        if _is_single_array(labels):
            labels = [labels]
        if _is_single_array(preds):
            preds = [preds]
    return labels, preds


class EvalMetric:
    """Base class of the metrics.

    Args:
        name: display name.
        output_names: outputs used by `update_dict` (default: all).
        label_names: labels used by `update_dict` (default: all).
        **kwargs: constructor arguments kept for `get_config`; `has_global_stats`
            makes `get_global` read the global counters.
    """

    # Batches whose statistics are still device arrays; those from `_local_start` on also
    # count towards the local counters (earlier ones were cut by `reset_local`).
    _pending: Any = ()
    _local_start = 0
    sum_metric = _counter("sum_metric")
    num_inst = _counter("num_inst")
    global_sum_metric = _counter("global_sum_metric")
    global_num_inst = _counter("global_num_inst")

    def __init__(self, name: str, output_names: list[str] | None = None,
                 label_names: list[str] | None = None, **kwargs: Any) -> None:
        self._pending = []
        self.name = str(name)
        self.output_names = output_names
        self.label_names = label_names
        self._has_global_stats = kwargs.pop("has_global_stats", False)
        self._kwargs = kwargs
        self.reset()

    def __str__(self) -> str:
        return f"EvalMetric: {dict(self.get_name_value())}"

    def get_config(self) -> dict:
        """The arguments that recreate this metric through `create(**config)`."""
        config = self._kwargs.copy()
        config.update({"metric": type(self).__name__, "name": self.name,
                       "output_names": self.output_names, "label_names": self.label_names})
        return config

    def update_dict(self, label: dict, pred: dict) -> None:
        """`update` from name -> array dicts, picking `label_names`/`output_names`."""
        preds = ([pred[n] for n in self.output_names] if self.output_names is not None
                 else list(pred.values()))
        labels = ([label[n] for n in self.label_names] if self.label_names is not None
                  else list(label.values()))
        self.update(labels, preds)

    def update(self, labels: Any, preds: Any) -> None:
        """Accumulate one batch."""
        raise NotImplementedError(f"{type(self).__name__} does not define update")

    def reset(self) -> None:
        """Clear local and global counters."""
        self._pending, self._local_start = [], 0
        self.num_inst = 0
        self.sum_metric = 0.0
        self.global_num_inst = 0
        self.global_sum_metric = 0.0

    def reset_local(self) -> None:
        """Clear the local counters only."""
        self._local_start = len(self._pending)
        self._num_inst = 0
        self._sum_metric = 0.0

    def get(self) -> tuple[Any, Any]:
        """(name, value) from the local counters; NaN before any update."""
        if self.num_inst == 0:
            return (self.name, float("nan"))
        return (self.name, self.sum_metric / self.num_inst)

    def get_global(self) -> tuple[Any, Any]:
        """(name, value) from the global counters (local ones without global stats)."""
        if self._has_global_stats:
            if self.global_num_inst == 0:
                return (self.name, float("nan"))
            return (self.name, self.global_sum_metric / self.global_num_inst)
        return self.get()

    def get_name_value(self) -> list[tuple[str, Any]]:
        """`get()` as a list of (name, value) pairs."""
        return _zip_name_value(*self.get())

    def get_global_name_value(self) -> list[tuple[str, Any]]:
        """`get_global()` as a list of (name, value) pairs."""
        if self._has_global_stats:
            return _zip_name_value(*self.get_global())
        return self.get_name_value()

    def _add(self, value: Any, count: Any) -> None:
        """Add one batch's value and instance count to both counter pairs."""
        self.sum_metric += value
        self.global_sum_metric += value
        self.num_inst += count
        self.global_num_inst += count

    # -- statistics computed elsewhere ----------------------------------------------------
    def _fold(self) -> tuple[Any, Callable] | None:
        """(key, fn) for a training step to compute this metric's batch statistics inside
        its own compiled function: `fn(labels, preds)` traces under jit and its result
        goes to `_push`; `key` identifies fn for compilation caches. None when the metric
        runs on the host (custom, F1, MCC, Pearson, PCC)."""
        return None

    def _push(self, stats: Any) -> None:
        """Accumulate statistics from `_fold`'s function (device arrays)."""
        self._pending.append(stats)

    def _flush(self) -> None:
        """Fold the device statistics into the counters, in batch order."""
        pending, local_start = self._pending, self._local_start
        self._pending, self._local_start = [], 0
        # Per-array reads: jax.device_get on a long list costs ~20x more per scalar.
        for batch_no, pairs in enumerate(pending):
            for value, count in pairs:
                value, count = _item(value), _item(count)
                self._global_sum_metric += value
                self._global_num_inst += count
                if batch_no >= local_start:
                    self._sum_metric += value
                    self._num_inst += count


def _item(x: Any) -> Any:
    """A Python number from a numpy/jax scalar (ints stay ints)."""
    return x.item() if hasattr(x, "item") else x


class _SumMetric(EvalMetric):
    """A metric whose counters are sums of per-pair `_stats`, computable on the device."""

    def update(self, labels: Any, preds: Any) -> None:
        self._update_stats(*self._checked(labels, preds))

    def _checked(self, labels: Any, preds: Any) -> tuple[list, list]:
        """The (labels, preds) lists `_stats` pairs up, after MXNet's shape checks (which
        read shapes only, so they run on tracers too)."""
        return check_label_shapes(labels, preds, True)

    def _config(self) -> tuple:
        """The static arguments of `_stats` (hashable)."""
        return ()

    @staticmethod
    def _stats(xp: Any, config: tuple, label: Any, pred: Any) -> tuple[Any, Any]:
        """(sum, count) of one (label, pred) pair, with `xp` numpy or jax.numpy."""
        raise NotImplementedError

    def _update_stats(self, labels: list, preds: list) -> None:
        """Accumulate `_stats` of every pair: jitted and left on the device when every
        input is a device array, else on the host."""
        dev_labels = [_device(x) for x in labels]
        dev_preds = [_device(x) for x in preds]
        if all(x is not None for x in dev_labels + dev_preds):
            key, fn = self._fold()
            if key not in _JITTED_FOLDS:
                _JITTED_FOLDS[key] = jax.jit(fn)
            self._push(_JITTED_FOLDS[key](dev_labels, dev_preds))
            return
        for label, pred in zip(labels, preds, strict=False):
            value, count = self._stats(numpy, self._config(), _host(label), _host(pred))
            self._add(_item(value), _item(count))

    def _fold(self) -> tuple[Any, Callable]:
        klass, config, checked = type(self), self._config(), type(self)._checked

        def stats(labels: list, preds: list) -> list:
            labels, preds = checked(self, labels, preds)
            return [klass._stats(jnp, config, label, pred)
                    for label, pred in zip(labels, preds, strict=True)]
        return (klass, config), stats


def _zip_name_value(name: Any, value: Any) -> list[tuple[str, Any]]:
    names = name if isinstance(name, list) else [name]
    values = value if isinstance(value, list) else [value]
    return list(zip(names, values, strict=False))


_REGISTRY = ClassRegistry(EvalMetric, "metric")
register = _REGISTRY.register
alias = _REGISTRY.alias


def create(metric: Any, *args: Any, **kwargs: Any) -> EvalMetric:
    """A metric from a name ('acc', 'ce', ...), an instance, a callable or a list.

    A callable `feval(label, pred)` becomes a `CustomMetric`; a list becomes a
    `CompositeEvalMetric` of its items.
    """
    if callable(metric):
        return CustomMetric(metric, *args, **kwargs)
    if isinstance(metric, list):
        composite = CompositeEvalMetric()
        for child in metric:
            composite.add(create(child, *args, **kwargs))
        return composite
    return _REGISTRY.create(metric, *args, **kwargs)


@register
@alias("composite")
class CompositeEvalMetric(EvalMetric):
    """Several metrics updated together; `get()` returns (names, values) lists."""

    def __init__(self, metrics: list | None = None, name: str = "composite",
                 output_names: list[str] | None = None,
                 label_names: list[str] | None = None) -> None:
        super().__init__(name, output_names=output_names, label_names=label_names,
                         has_global_stats=True)
        self.metrics = [create(m) for m in (metrics or [])]

    def add(self, metric: Any) -> None:
        """Append a child metric (anything `create` accepts)."""
        self.metrics.append(create(metric))

    def get_metric(self, index: int) -> EvalMetric:
        """The child metric at `index`."""
        try:
            return self.metrics[index]
        except IndexError as err:
            raise MXNetValueError(f"Metric index {index} is out of range 0 and "
                                  f"{len(self.metrics)}") from err

    def update_dict(self, labels: dict, preds: dict) -> None:
        if self.label_names is not None:
            labels = OrderedDict(i for i in labels.items() if i[0] in self.label_names)
        if self.output_names is not None:
            preds = OrderedDict(i for i in preds.items() if i[0] in self.output_names)
        for metric in self.metrics:
            metric.update_dict(labels, preds)

    def update(self, labels: Any, preds: Any) -> None:
        for metric in self.metrics:
            metric.update(labels, preds)

    def _fold(self) -> tuple[Any, Callable] | None:
        folds = [metric._fold() for metric in self.metrics]
        if any(fold is None for fold in folds):
            return None

        def stats(labels: list, preds: list) -> list:
            return [fn(labels, preds) for _, fn in folds]  # type: ignore[misc]
        return tuple(key for key, _ in folds), stats  # type: ignore[misc]

    def _push(self, stats: Any) -> None:
        for metric, item in zip(self.metrics, stats, strict=True):
            metric._push(item)

    def reset(self) -> None:
        for metric in getattr(self, "metrics", []):
            metric.reset()

    def reset_local(self) -> None:
        for metric in self.metrics:
            metric.reset_local()

    def _collect(self, getter: str) -> tuple[list, list]:
        names: list = []
        values: list = []
        for metric in self.metrics:
            name, value = getattr(metric, getter)()
            names.extend([name] if isinstance(name, str) else name)
            values.extend([value] if isinstance(value, _NUMERIC) else value)
        return names, values

    def get(self) -> tuple[list, list]:
        return self._collect("get")

    def get_global(self) -> tuple[list, list]:
        return self._collect("get_global")

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"metrics": [m.get_config() for m in self.metrics]})
        return config


########################
# classification


@register
@alias("acc")
class Accuracy(_SumMetric):
    """Fraction of predictions equal to the label; predictions of another shape than
    the label are reduced by argmax along `axis` first."""

    def __init__(self, axis: int = 1, name: str = "accuracy",
                 output_names: list[str] | None = None,
                 label_names: list[str] | None = None) -> None:
        super().__init__(name, axis=axis, output_names=output_names,
                         label_names=label_names, has_global_stats=True)
        self.axis = axis

    def _config(self) -> tuple:
        return (self.axis,)

    @staticmethod
    def _stats(xp: Any, config: tuple, label: Any, pred: Any) -> tuple[Any, Any]:
        (axis,) = config
        if pred.shape != label.shape:
            pred = xp.argmax(pred, axis=axis)
        pred = pred.astype("int32").ravel()
        label = label.astype("int32").ravel()
        check_label_shapes(label, pred)
        return (pred == label).sum(), pred.shape[0]


@register
@alias("top_k_accuracy", "top_k_acc")
class TopKAccuracy(_SumMetric):
    """Fraction of labels among the `top_k` highest-scored classes (top_k > 1)."""

    def __init__(self, top_k: int = 1, name: str = "top_k_accuracy",
                 output_names: list[str] | None = None,
                 label_names: list[str] | None = None) -> None:
        super().__init__(name, top_k=top_k, output_names=output_names,
                         label_names=label_names, has_global_stats=True)
        self.top_k = top_k
        if self.top_k <= 1:
            raise MXNetValueError(f"Please use Accuracy if top_k is no more than 1; "
                                  f"received top_k={top_k}")
        self.name += f"_{self.top_k}"

    def _checked(self, labels: Any, preds: Any) -> tuple[list, list]:
        labels, preds = check_label_shapes(labels, preds, True)
        for pred in preds:
            if len(pred.shape) > 2:
                raise MXNetValueError(f"Predictions should be no more than 2 dims; "
                                      f"received shape {tuple(pred.shape)}")
            if len(pred.shape) == 1 and isinstance(pred, jax.core.Tracer):
                raise _HostOnly("top-k of a 1-D prediction")
        return labels, preds

    def update(self, labels: Any, preds: Any) -> None:
        labels, preds = self._checked(labels, preds)
        if all(len(pred.shape) == 2 for pred in preds):
            self._update_stats(labels, preds)
            return
        for label, pred in zip(labels, preds, strict=False):
            value, count = self._stats(numpy, self._config(), _host(label), _host(pred))
            # MXNet counts the hits of a 1-D prediction in the local counter only.
            self.sum_metric += int(value)
            if len(pred.shape) == 2:
                self.global_sum_metric += int(value)
            self.num_inst += count
            self.global_num_inst += count

    def _config(self) -> tuple:
        return (self.top_k,)

    @staticmethod
    def _stats(xp: Any, config: tuple, label: Any, pred: Any) -> tuple[Any, Any]:
        (top_k,) = config
        scores = pred.astype("float32")
        label = label.astype("int32")
        check_label_shapes(label, scores)
        if scores.ndim == 1:
            # argpartition of a 1-D prediction: the ranks themselves face the labels.
            ranks = numpy.argpartition(scores, -top_k)
            return (ranks.ravel() == label.ravel()).sum(), scores.shape[0]
        k = min(scores.shape[1], top_k)
        if xp is numpy:
            top = numpy.argpartition(scores, -top_k)[:, scores.shape[1] - k:]
        else:
            top = jax.lax.top_k(scores, k)[1]
        return (top == label.reshape(-1, 1)).sum(), scores.shape[0]


class _BinaryClassificationMetrics:
    """True/false positive/negative counts, local and global, for F1 and MCC."""

    def __init__(self) -> None:
        self.reset_stats()

    def update_binary_stats(self, label: Any, pred: Any) -> None:
        """Count one batch: pred (N, 2) scores, label (N,) in {0, 1}."""
        pred = _host(pred)
        label = _host(label).astype("int32")
        pred_label = numpy.argmax(pred, axis=1)
        check_label_shapes(label, pred)
        if len(numpy.unique(label)) > 2:
            raise MXNetValueError(f"{type(self).__name__} currently only supports binary "
                                  "classification.")
        pred_true = (pred_label == 1).astype(numpy.int64)
        pred_false = 1 - pred_true
        label_true = (label == 1).astype(numpy.int64)
        label_false = 1 - label_true
        counts = {"true_positives": (pred_true * label_true).sum(),
                  "false_positives": (pred_true * label_false).sum(),
                  "false_negatives": (pred_false * label_true).sum(),
                  "true_negatives": (pred_false * label_false).sum()}
        for key, value in counts.items():
            setattr(self, key, getattr(self, key) + int(value))
            setattr(self, "global_" + key, getattr(self, "global_" + key) + int(value))

    @staticmethod
    def _ratio(num: int, other: int) -> float:
        return float(num) / (num + other) if num + other > 0 else 0.0

    @staticmethod
    def _f(precision: float, recall: float) -> float:
        if precision + recall > 0:
            return 2 * precision * recall / (precision + recall)
        return 0.0

    @property
    def precision(self) -> float:
        return self._ratio(self.true_positives, self.false_positives)

    @property
    def global_precision(self) -> float:
        return self._ratio(self.global_true_positives, self.global_false_positives)

    @property
    def recall(self) -> float:
        return self._ratio(self.true_positives, self.false_negatives)

    @property
    def global_recall(self) -> float:
        return self._ratio(self.global_true_positives, self.global_false_negatives)

    @property
    def fscore(self) -> float:
        return self._f(self.precision, self.recall)

    @property
    def global_fscore(self) -> float:
        return self._f(self.global_precision, self.global_recall)

    def matthewscc(self, use_global: bool = False) -> float:
        """Matthews correlation; zero factors of the denominator count as 1."""
        prefix = "global_" if use_global else ""
        if not (self.global_total_examples if use_global else self.total_examples):
            return 0.0
        tp = float(getattr(self, prefix + "true_positives"))
        fp = float(getattr(self, prefix + "false_positives"))
        fn = float(getattr(self, prefix + "false_negatives"))
        tn = float(getattr(self, prefix + "true_negatives"))
        denom = 1.0
        for term in (tp + fp, tp + fn, tn + fp, tn + fn):
            if term != 0.0:
                denom *= term
        return (tp * tn - fp * fn) / math.sqrt(denom)

    @property
    def total_examples(self) -> int:
        return (self.false_negatives + self.false_positives + self.true_negatives
                + self.true_positives)

    @property
    def global_total_examples(self) -> int:
        return (self.global_false_negatives + self.global_false_positives
                + self.global_true_negatives + self.global_true_positives)

    def local_reset_stats(self) -> None:
        self.false_positives = 0
        self.false_negatives = 0
        self.true_positives = 0
        self.true_negatives = 0

    def reset_stats(self) -> None:
        self.local_reset_stats()
        self.global_false_positives = 0
        self.global_false_negatives = 0
        self.global_true_positives = 0
        self.global_true_negatives = 0


class _BinaryMetric(EvalMetric):
    """F1 and MCC: 'macro' averages per-batch scores, 'micro' pools the counts."""

    def __init__(self, name: str, output_names: list[str] | None,
                 label_names: list[str] | None, average: str) -> None:
        if average not in ("macro", "micro"):
            raise MXNetValueError(f"average must be 'macro' or 'micro'; received "
                                  f"average={average!r}")
        self.average = average
        self.metrics = _BinaryClassificationMetrics()
        super().__init__(name, output_names=output_names, label_names=label_names,
                         has_global_stats=True)

    def _score(self, use_global: bool) -> float:
        raise NotImplementedError

    def update(self, labels: Any, preds: Any) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds, strict=False):
            self.metrics.update_binary_stats(label, pred)
        if self.average == "macro":
            self.sum_metric += self._score(False)
            self.global_sum_metric += self._score(True)
            self.num_inst += 1
            self.global_num_inst += 1
            self.metrics.reset_stats()
        else:
            self.sum_metric = self._score(False) * self.metrics.total_examples
            self.global_sum_metric = self._score(True) * self.metrics.global_total_examples
            self.num_inst = self.metrics.total_examples
            self.global_num_inst = self.metrics.global_total_examples

    def reset(self) -> None:
        self.sum_metric = 0.0
        self.num_inst = 0
        self.global_num_inst = 0
        self.global_sum_metric = 0.0
        self.metrics.reset_stats()

    def reset_local(self) -> None:
        self.sum_metric = 0.0
        self.num_inst = 0
        self.metrics.local_reset_stats()


@register
class F1(_BinaryMetric):
    """F1 score of a binary classification (labels 0/1, predictions (N, 2))."""

    def __init__(self, name: str = "f1", output_names: list[str] | None = None,
                 label_names: list[str] | None = None, average: str = "macro") -> None:
        super().__init__(name, output_names, label_names, average)

    def _score(self, use_global: bool) -> float:
        return self.metrics.global_fscore if use_global else self.metrics.fscore


@register
class MCC(_BinaryMetric):
    """Matthews correlation coefficient of a binary classification."""

    def __init__(self, name: str = "mcc", output_names: list[str] | None = None,
                 label_names: list[str] | None = None, average: str = "macro") -> None:
        super().__init__(name, output_names, label_names, average)

    def _score(self, use_global: bool) -> float:
        return self.metrics.matthewscc(use_global=use_global)


@register
class Perplexity(_SumMetric):
    """exp of the mean negative log-probability of the labels.

    Args:
        ignore_label: label value to leave out of the count (None: count all).
        axis: the class axis of the predictions.
    """

    def __init__(self, ignore_label: int | None, axis: int = -1, name: str = "perplexity",
                 output_names: list[str] | None = None,
                 label_names: list[str] | None = None) -> None:
        super().__init__(name, ignore_label=ignore_label, output_names=output_names,
                         label_names=label_names, has_global_stats=True)
        self.ignore_label = ignore_label
        self.axis = axis

    def _checked(self, labels: Any, preds: Any) -> tuple[list, list]:
        if len(labels) != len(preds):
            raise MXNetValueError(f"Perplexity: {len(labels)} labels for {len(preds)} "
                                  "predictions")
        for label, pred in zip(labels, preds, strict=False):
            size = int(numpy.prod(pred.shape))
            if int(numpy.prod(label.shape)) != size / pred.shape[-1]:
                raise MXNetValueError(f"shape mismatch: {tuple(label.shape)} vs. "
                                      f"{tuple(pred.shape)}")
        return list(labels), list(preds)

    def _config(self) -> tuple:
        return (self.ignore_label, self.axis)

    @staticmethod
    def _stats(xp: Any, config: tuple, label: Any, pred: Any) -> tuple[Any, Any]:
        ignore_label, axis = config
        pred = pred.astype("float32")
        label = label.reshape((label.size,))
        # MXNet's pick clips out-of-range indices (an ignore label of -1 reads
        # class 0) before the ignored entries are masked to probability 1.
        axis = axis % pred.ndim
        index = xp.clip(label.astype("int32"), 0, pred.shape[axis] - 1)
        picked = xp.take_along_axis(pred, xp.expand_dims(index, axis), axis)
        picked = xp.squeeze(picked, axis)
        count = picked.size
        if ignore_label is not None:
            ignore = (label == ignore_label).astype(picked.dtype)
            count = count - ignore.sum()
            picked = picked * (1 - ignore) + ignore
        return -xp.log(xp.maximum(numpy.float32(1e-10), picked)).sum(), count

    def get(self) -> tuple[str, float]:
        if self.num_inst == 0:
            return (self.name, float("nan"))
        return (self.name, math.exp(self.sum_metric / self.num_inst))

    def get_global(self) -> tuple[str, float]:
        if self.global_num_inst == 0:
            return (self.name, float("nan"))
        return (self.name, math.exp(self.global_sum_metric / self.global_num_inst))


########################
# regression


def _as_columns(label: Any, pred: Any) -> tuple[Any, Any]:
    """1-D inputs made (N, 1), as MXNet's regression metrics do."""
    if label.ndim == 1:
        label = label.reshape(label.shape[0], 1)
    if pred.ndim == 1:
        pred = pred.reshape(pred.shape[0], 1)
    return label, pred


class _Regression(_SumMetric):
    """One value per (label, pred) pair, averaged over pairs."""

    def __init__(self, name: str, output_names: list[str] | None,
                 label_names: list[str] | None) -> None:
        super().__init__(name, output_names=output_names, label_names=label_names,
                         has_global_stats=True)


@register
class MAE(_Regression):
    """Mean absolute error, averaged per batch."""

    def __init__(self, name: str = "mae", output_names: list[str] | None = None,
                 label_names: list[str] | None = None) -> None:
        super().__init__(name, output_names, label_names)

    @staticmethod
    def _stats(xp: Any, config: tuple, label: Any, pred: Any) -> tuple[Any, Any]:
        label, pred = _as_columns(label, pred)
        return xp.abs(label - pred).mean(), 1


@register
class MSE(_Regression):
    """Mean squared error, averaged per batch."""

    def __init__(self, name: str = "mse", output_names: list[str] | None = None,
                 label_names: list[str] | None = None) -> None:
        super().__init__(name, output_names, label_names)

    @staticmethod
    def _stats(xp: Any, config: tuple, label: Any, pred: Any) -> tuple[Any, Any]:
        label, pred = _as_columns(label, pred)
        return ((label - pred) ** 2.0).mean(), 1


@register
class RMSE(_Regression):
    """Root mean squared error per batch, averaged over batches."""

    def __init__(self, name: str = "rmse", output_names: list[str] | None = None,
                 label_names: list[str] | None = None) -> None:
        super().__init__(name, output_names, label_names)

    @staticmethod
    def _stats(xp: Any, config: tuple, label: Any, pred: Any) -> tuple[Any, Any]:
        label, pred = _as_columns(label, pred)
        return xp.sqrt(((label - pred) ** 2.0).mean()), 1


class _LabelLogLoss(_SumMetric):
    """-log(p[label] + eps) summed over samples; CrossEntropy and NLL share it."""

    def __init__(self, eps: float, name: str, output_names: list[str] | None,
                 label_names: list[str] | None) -> None:
        super().__init__(name, eps=eps, output_names=output_names,
                         label_names=label_names, has_global_stats=True)
        self.eps = eps

    def _checked(self, labels: Any, preds: Any) -> tuple[list, list]:
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds, strict=False):
            if int(numpy.prod(label.shape)) != pred.shape[0]:
                raise MXNetValueError(f"{type(self).__name__}: {int(numpy.prod(label.shape))} "
                                      f"labels for {pred.shape[0]} predictions")
        return labels, preds

    def _config(self) -> tuple:
        return (self.eps,)

    @staticmethod
    def _stats(xp: Any, config: tuple, label: Any, pred: Any) -> tuple[Any, Any]:
        (eps,) = config
        num_examples = pred.shape[0]
        prob = pred[xp.arange(num_examples), label.ravel().astype("int32")]
        return (-xp.log(prob + eps)).sum(), num_examples


@register
@alias("ce")
class CrossEntropy(_LabelLogLoss):
    """Mean cross-entropy of class-probability predictions (N, C) against labels."""

    def __init__(self, eps: float = 1e-12, name: str = "cross-entropy",
                 output_names: list[str] | None = None,
                 label_names: list[str] | None = None) -> None:
        super().__init__(eps, name, output_names, label_names)


@register
@alias("nll_loss")
class NegativeLogLikelihood(_LabelLogLoss):
    """Mean negative log-likelihood of the labels."""

    def __init__(self, eps: float = 1e-12, name: str = "nll-loss",
                 output_names: list[str] | None = None,
                 label_names: list[str] | None = None) -> None:
        super().__init__(eps, name, output_names, label_names)


@register
@alias("pearsonr")
class PearsonCorrelation(EvalMetric):
    """Pearson correlation of flattened predictions and labels.

    'macro' averages per-batch coefficients; 'micro' pools all batches with MXNet's
    running-moment update.
    """

    def __init__(self, name: str = "pearsonr", output_names: list[str] | None = None,
                 label_names: list[str] | None = None, average: str = "macro") -> None:
        self.average = average
        super().__init__(name, output_names=output_names, label_names=label_names,
                         has_global_stats=True)
        if self.average == "micro":
            self.reset_micro()

    def reset_micro(self) -> None:
        self._sse_p = 0
        self._mean_p = 0
        self._sse_l = 0
        self._mean_l = 0
        self._pred_nums = 0
        self._label_nums = 0
        self._conv = 0

    def reset(self) -> None:
        super().reset()
        if self.average == "micro":
            self.reset_micro()

    @staticmethod
    def update_variance(new_values: numpy.ndarray, *aggregate: Any) -> tuple:
        """MXNet's batched running (count, mean, sum of squared deviations)."""
        count, mean, m_2 = aggregate
        count += len(new_values)
        delta = new_values - mean
        mean += numpy.sum(delta / count)
        delta_2 = new_values - mean
        m_2 += numpy.sum(delta * delta_2)
        return count, mean, m_2

    def update_cov(self, label: numpy.ndarray, pred: numpy.ndarray) -> None:
        self._conv = self._conv + numpy.sum((label - self._mean_l) * (pred - self._mean_p))

    def update(self, labels: Any, preds: Any) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds, strict=False):
            check_label_shapes(label, pred, False, True)
            label = _host(label).ravel().astype(numpy.float64)
            pred = _host(pred).ravel().astype(numpy.float64)
            if self.average == "macro":
                self._add(float(numpy.corrcoef(pred, label)[0, 1]), 1)
            else:
                self.global_num_inst += 1
                self.num_inst += 1
                self._label_nums, self._mean_l, self._sse_l = self.update_variance(
                    label, self._label_nums, self._mean_l, self._sse_l)
                self.update_cov(label, pred)
                self._pred_nums, self._mean_p, self._sse_p = self.update_variance(
                    pred, self._pred_nums, self._mean_p, self._sse_p)

    def get(self) -> tuple[str, float]:
        if self.num_inst == 0:
            return (self.name, float("nan"))
        if self.average == "macro":
            return (self.name, self.sum_metric / self.num_inst)
        n = self._label_nums
        denom = (n - 1) * numpy.sqrt(self._sse_p / (n - 1)) * numpy.sqrt(self._sse_l / (n - 1))
        return (self.name, self._conv / denom)


@register
class PCC(EvalMetric):
    """Multiclass Matthews correlation from a growing confusion matrix."""

    def __init__(self, name: str = "pcc", output_names: list[str] | None = None,
                 label_names: list[str] | None = None, has_global_stats: bool = True) -> None:
        self.k = 2
        super().__init__(name=name, output_names=output_names, label_names=label_names,
                         has_global_stats=has_global_stats)

    def _grow(self, inc: int) -> None:
        self.lcm = numpy.pad(self.lcm, ((0, inc), (0, inc)), "constant", constant_values=0)
        self.gcm = numpy.pad(self.gcm, ((0, inc), (0, inc)), "constant", constant_values=0)
        self.k += inc

    @staticmethod
    def _calc_mcc(cmat: numpy.ndarray) -> float:
        n = cmat.sum()
        x = cmat.sum(axis=1)
        y = cmat.sum(axis=0)
        cov_xx = numpy.sum(x * (n - x))
        cov_yy = numpy.sum(y * (n - y))
        if cov_xx == 0 or cov_yy == 0:
            return float("nan")
        cov_xy = numpy.sum(cmat.diagonal() * n - x * y)
        return cov_xy / (cov_xx * cov_yy) ** 0.5

    def update(self, labels: Any, preds: Any) -> None:
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds, strict=False):
            label = _host(label).astype("int32")
            pred = _host(pred)
            pred = pred.argmax(axis=1) if pred.shape != label.shape else pred.astype("int32")
            n = int(max(pred.max(), label.max()))
            if n >= self.k:
                self._grow(n + 1 - self.k)
            bcm = numpy.zeros((self.k, self.k))
            numpy.add.at(bcm, (pred.ravel(), label.ravel()), 1)
            self.lcm += bcm
            self.gcm += bcm
        self.num_inst += 1
        self.global_num_inst += 1

    @property
    def sum_metric(self) -> float:  # type: ignore[override]
        return self._calc_mcc(self.lcm) * self.num_inst

    @property
    def global_sum_metric(self) -> float:  # type: ignore[override]
        return self._calc_mcc(self.gcm) * self.global_num_inst

    def reset(self) -> None:
        self.global_num_inst = 0.0
        self.gcm = numpy.zeros((self.k, self.k))
        self.reset_local()

    def reset_local(self) -> None:
        self.num_inst = 0.0
        self.lcm = numpy.zeros((self.k, self.k))


@register
class Loss(_SumMetric):
    """Mean of the output values themselves (for loss outputs); labels are ignored."""

    def __init__(self, name: str = "loss", output_names: list[str] | None = None,
                 label_names: list[str] | None = None) -> None:
        super().__init__(name, output_names=output_names, label_names=label_names,
                         has_global_stats=True)

    def _checked(self, _: Any, preds: Any) -> tuple[list, list]:
        if _is_single_array(preds):
            preds = [preds]
        # Labels are ignored: each prediction stands in for its own.
        return list(preds), list(preds)

    @staticmethod
    def _stats(xp: Any, config: tuple, label: Any, pred: Any) -> tuple[Any, Any]:
        return pred.astype("float32").sum(), pred.size


@register
class Torch(Loss):
    """`Loss` under the name 'torch'."""

    def __init__(self, name: str = "torch", output_names: list[str] | None = None,
                 label_names: list[str] | None = None) -> None:
        super().__init__(name, output_names=output_names, label_names=label_names)


@register
class Caffe(Loss):
    """`Loss` under the name 'caffe'."""

    def __init__(self, name: str = "caffe", output_names: list[str] | None = None,
                 label_names: list[str] | None = None) -> None:
        super().__init__(name, output_names=output_names, label_names=label_names)


@register
class CustomMetric(EvalMetric):
    """A metric from `feval(label, pred)` on numpy arrays.

    `feval` returns a value (one instance) or a (sum_metric, num_inst) tuple.

    Args:
        feval: the function.
        name: display name; defaults to feval's name ('custom(<lambda>)' for lambdas).
        allow_extra_outputs: allow more predictions than labels (RNN states).
    """

    def __init__(self, feval: Callable, name: str | None = None,
                 allow_extra_outputs: bool = False, output_names: list[str] | None = None,
                 label_names: list[str] | None = None) -> None:
        if name is None:
            name = feval.__name__
            if "<" in name:
                name = f"custom({name})"
        super().__init__(name, feval=feval, allow_extra_outputs=allow_extra_outputs,
                         output_names=output_names, label_names=label_names,
                         has_global_stats=True)
        self._feval = feval
        self._allow_extra_outputs = allow_extra_outputs

    def update(self, labels: Any, preds: Any) -> None:
        if not self._allow_extra_outputs:
            labels, preds = check_label_shapes(labels, preds, True)
        for pred, label in zip(preds, labels, strict=False):
            reval = self._feval(_host(label), _host(pred))
            if isinstance(reval, tuple):
                self._add(*reval)
            else:
                self._add(reval, 1)

    def get_config(self) -> dict:
        raise NotImplementedError("CustomMetric cannot be serialized")


def np(numpy_feval: Callable, name: str | None = None,
       allow_extra_outputs: bool = False) -> CustomMetric:
    """A `CustomMetric` from a function of numpy (label, pred) arrays."""
    def feval(label: numpy.ndarray, pred: numpy.ndarray) -> Any:
        return numpy_feval(label, pred)
    feval.__name__ = numpy_feval.__name__
    return CustomMetric(feval, name, allow_extra_outputs)
