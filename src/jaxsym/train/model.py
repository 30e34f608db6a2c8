"""`mx.model`: checkpoints, BatchEndParam and the legacy FeedForward trainer."""

from __future__ import annotations

import logging
import time
import warnings
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..base import Context, MXNetError, MXNetTypeError, MXNetValueError, cpu
from ..io.io import DataDesc, DataIter, NDArrayIter
from ..ndarray.ndarray import NDArray, zeros
from . import metric as metric_mod
from . import optimizer as opt
from .callback import LogValidationMetricsCallback
from .initializer import Uniform
from .kvstore import _resolve as _resolve_kvstore
from .step import FusedTrainer

BatchEndParam = namedtuple("BatchEndParams", ["epoch", "nbatch", "eval_metric", "locals"])


def save_checkpoint(prefix: str, epoch: int, symbol: Any, arg_params: dict[str, NDArray],
                    aux_params: dict[str, NDArray], remove_amp_cast: bool = True) -> None:
    """Write `prefix-symbol.json` and `prefix-%04d.params` (keys `arg:`/`aux:`), atomically.

    `symbol` may be None to write the parameters only.
    """
    from ..formats import checkpoint

    def host(value: Any) -> np.ndarray:
        return value.asnumpy() if hasattr(value, "asnumpy") else np.asarray(value)
    checkpoint.save_arrays_checkpoint(
        prefix, epoch, None if symbol is None else symbol._outputs,
        {k: host(v) for k, v in arg_params.items()}, {k: host(v) for k, v in aux_params.items()})
    logging.info('Saved checkpoint to "%s-%04d.params"', prefix, epoch)


def load_checkpoint(prefix: str, epoch: int) -> tuple[Any, dict[str, NDArray],
                                                      dict[str, NDArray]]:
    """Read a checkpoint: (symbol, arg_params, aux_params) as a Symbol and NDArrays."""
    from ..formats import checkpoint
    from ..ndarray.ndarray import _from_numpy_container
    from ..symbol.symbol import Symbol

    heads, arg_params, aux_params = checkpoint.load_arrays_checkpoint(prefix, epoch)
    # Host-backed like mx.nd.load's: the arrays reach the device on first use, in one
    # batched transfer.
    return Symbol(heads), _from_numpy_container(arg_params), _from_numpy_container(aux_params)


def split_params(saved: Any, fname: str, strict: bool = False
                 ) -> tuple[dict[str, NDArray], dict[str, NDArray]]:
    """(arg_params, aux_params) from a loaded `arg:`/`aux:` dict; with `strict`, any other
    key raises (BaseModule.load_params), else it is skipped (model.load_params)."""
    arg_params: dict[str, NDArray] = {}
    aux_params: dict[str, NDArray] = {}
    for key, value in (saved or {}).items():
        kind, _, name = key.partition(":")
        if kind == "arg":
            arg_params[name] = value
        elif kind == "aux":
            aux_params[name] = value
        elif strict:
            raise MXNetValueError(f"Invalid param file {fname}: key {key!r} does not start "
                                  "with arg: or aux:")
    return arg_params, aux_params


def load_params(prefix: str, epoch: int) -> tuple[dict[str, NDArray], dict[str, NDArray]]:
    """(arg_params, aux_params) from `prefix-%04d.params`."""
    from ..ndarray import load
    fname = f"{prefix}-{epoch:04d}.params"
    return split_params(load(fname), fname)


def _callbacks(callbacks: Any, *args: Any) -> None:
    if callbacks is None:
        return
    for callback in callbacks if isinstance(callbacks, (list, tuple)) else [callbacks]:
        callback(*args)


def _load(executor: Any, names: list[str], values: Sequence[Any]) -> None:
    """Feed a batch to an executor by reference (no per-batch copy)."""
    if not executor.load_inputs(names, values):
        shapes = {n: tuple(v.shape) for n, v in zip(names, values)}
        raise MXNetValueError(f"batch shapes {shapes} differ from the bound shapes "
                              f"{ {n: executor.arg_dict[n].shape for n in names} }")


class FeedForward:
    """The legacy model API: `fit`, `predict`, `score`, `save`, `load`, `create`.

    Callback conventions are MXNet's: training batch callbacks get `nbatch` counted
    from 1, score callbacks from 0, eval-end callbacks the number of batches.
    """

    def __init__(self, symbol: Any, ctx: Context | Sequence[Context] | None = None,
                 num_epoch: int | None = None, epoch_size: int | None = None,
                 optimizer: Any = "sgd", initializer: Any = Uniform(0.01),
                 numpy_batch_size: int = 128, arg_params: dict | None = None,
                 aux_params: dict | None = None, allow_extra_params: bool = False,
                 begin_epoch: int = 0, **kwargs: Any) -> None:
        warnings.warn("mxnet.model.FeedForward has been deprecated. Please use "
                      "mxnet.mod.Module instead.", DeprecationWarning, stacklevel=2)
        self.symbol = symbol
        self.arg_params = arg_params
        self.aux_params = aux_params
        self.allow_extra_params = allow_extra_params
        self._check_arguments()
        if ctx is None:
            ctx = [cpu()]
        elif isinstance(ctx, Context):
            ctx = [ctx]
        self.ctx = list(ctx)
        self.num_epoch = num_epoch
        self.epoch_size = epoch_size
        self.kwargs = kwargs.copy()
        self.optimizer = optimizer
        self.initializer = initializer
        self.numpy_batch_size = numpy_batch_size
        self._pred_exec: Any = None
        self.begin_epoch = begin_epoch

    def _check_arguments(self) -> None:
        names = self.symbol.list_arguments()
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise MXNetValueError(f"Find duplicated argument name {sorted(duplicates)}, "
                                  "please make the weight name non-duplicated")
        if self.allow_extra_params:
            arg_names = set(names)
            aux_names = set(self.symbol.list_auxiliary_states())
            if self.arg_params:
                self.arg_params = {k: v for k, v in self.arg_params.items() if k in arg_names}
            if self.aux_params:
                self.aux_params = {k: v for k, v in self.aux_params.items() if k in aux_names}

    # -- data --------------------------------------------------------------------------------
    def _init_iter(self, X: Any, y: Any, is_train: bool) -> DataIter:
        if isinstance(X, (np.ndarray, NDArray)):
            if y is None:
                if is_train:
                    raise MXNetValueError("y must be specified when X is numpy.ndarray")
                y = np.zeros(X.shape[0])
            if not isinstance(y, (np.ndarray, NDArray)):
                raise MXNetTypeError("y must be ndarray when X is numpy.ndarray")
            if X.shape[0] != y.shape[0]:
                raise MXNetValueError("The numbers of data points and labels not equal")
            if y.ndim == 2 and y.shape[1] == 1:
                y = y.reshape(-1) if isinstance(y, np.ndarray) else y.reshape((-1,))
            if y.ndim != 1:
                raise MXNetValueError("Label must be 1D or 2D (with 2nd dimension being 1)")
            batch = min(X.shape[0], self.numpy_batch_size)
            if is_train:
                return NDArrayIter(X, y, batch, shuffle=True, last_batch_handle="roll_over")
            return NDArrayIter(X, y, batch, shuffle=False)
        if not isinstance(X, DataIter):
            raise MXNetTypeError("X must be DataIter, NDArray or numpy.ndarray")
        return X

    def _init_eval_iter(self, eval_data: Any) -> DataIter | None:
        if eval_data is None:
            return None
        if isinstance(eval_data, (tuple, list)) and len(eval_data) == 2:
            if eval_data[0] is None:
                raise MXNetValueError("Eval data is NONE")
            if eval_data[1] is None and isinstance(eval_data[0], DataIter):
                return eval_data[0]
            data = np.array(eval_data[0]) if isinstance(eval_data[0], list) else eval_data[0]
            label = np.array(eval_data[1]) if isinstance(eval_data[1], list) else eval_data[1]
            return self._init_iter(data, label, is_train=True)
        if not isinstance(eval_data, DataIter):
            raise MXNetTypeError("Eval data must be DataIter, or NDArray/numpy.ndarray/list "
                                 "pair (i.e. tuple/list of length 2)")
        return eval_data

    # -- parameters ------------------------------------------------------------------------------
    def _init_params(self, inputs: Sequence[Any], overwrite: bool = False
                     ) -> tuple[list[str], list[str], list[str]]:
        inputs = [x if isinstance(x, DataDesc) else DataDesc(*x) for x in inputs]
        input_shapes = {item.name: item.shape for item in inputs}
        arg_shapes, _, aux_shapes = self.symbol.infer_shape(**input_shapes)
        if arg_shapes is None:
            raise MXNetValueError(f"FeedForward: cannot infer parameter shapes from "
                                  f"{input_shapes}")
        arg_types, _, aux_types = self.symbol.infer_type(
            **{item.name: item.dtype for item in inputs})
        arg_names = self.symbol.list_arguments()
        param_names = [n for n in arg_names if n not in input_shapes]
        aux_names = self.symbol.list_auxiliary_states()
        arg_params = {n: zeros(s, dtype=t) for n, s, t in
                      zip(arg_names, arg_shapes, arg_types) if n in param_names}
        aux_params = {n: zeros(s, dtype=t) for n, s, t in zip(aux_names, aux_shapes, aux_types)}
        # The legacy path calls the initializer with a plain name (dispatch by suffix).
        for k, v in arg_params.items():
            if self.arg_params and k in self.arg_params and not overwrite:
                v[:] = self.arg_params[k]
            else:
                self.initializer(k, v)
        for k, v in aux_params.items():
            if self.aux_params and k in self.aux_params and not overwrite:
                v[:] = self.aux_params[k]
            else:
                self.initializer(k, v)
        self.arg_params = arg_params
        self.aux_params = aux_params
        return arg_names, param_names, aux_names

    def _init_predictor(self, input_shapes: Sequence[Any], type_dict: dict | None) -> None:
        shapes = {name: self.arg_params[name].shape for name in self.arg_params}
        shapes.update({d[0]: tuple(d[1]) for d in input_shapes})
        if self._pred_exec is not None:
            arg_shapes, _, _ = self.symbol.infer_shape(**shapes)
            if arg_shapes == [a.shape for a in self._pred_exec.arg_arrays]:
                return
        pred_exec = self.symbol.simple_bind(self.ctx[0], grad_req="null", type_dict=type_dict,
                                            **shapes)
        pred_exec.copy_params_from(self.arg_params, self.aux_params)
        self._pred_exec = pred_exec

    def _prepare_prediction(self, X: DataIter, reset: bool) -> list[str]:
        if self.arg_params is None:
            raise MXNetError("FeedForward: the model has no parameters; fit or load first")
        if reset:
            X.reset()
        type_dict = {k: v.dtype for k, v in self.arg_params.items()}
        for d in X.provide_data:
            type_dict[d[0]] = getattr(d, "dtype", np.float32)
        self._init_predictor(X.provide_data, type_dict)
        return [d[0] for d in X.provide_data]

    # -- inference -----------------------------------------------------------------------------
    def predict(self, X: Any, num_batch: int | None = None, return_data: bool = False,
                reset: bool = True) -> Any:
        X = self._init_iter(X, None, is_train=False)
        data_names = self._prepare_prediction(X, reset)
        batch_size = X.batch_size
        output_list: list[list[np.ndarray]] = [[] for _ in self._pred_exec.outputs] \
            if self._pred_exec.outputs else []
        data_list: list[list[np.ndarray]] = [[] for _ in X.provide_data]
        label_list: list[list[np.ndarray]] = [[] for _ in X.provide_label]
        for i, batch in enumerate(X):
            _load(self._pred_exec, data_names, batch.data)
            outs = self._pred_exec.forward(is_train=False)
            if not output_list:
                output_list = [[] for _ in outs]
            real_size = batch_size - (batch.pad or 0)
            for o_list, o_nd in zip(output_list, outs):
                o_list.append(o_nd.asnumpy()[:real_size])
            if return_data:
                for j, x in enumerate(batch.data):
                    data_list[j].append(x.asnumpy()[:real_size])
                for j, x in enumerate(batch.label or []):
                    label_list[j].append(x.asnumpy()[:real_size])
            if num_batch is not None and i + 1 == num_batch:
                break
        outputs: Any = [np.concatenate(x) for x in output_list]
        if len(outputs) == 1:
            outputs = outputs[0]
        if not return_data:
            return outputs
        data: Any = [np.concatenate(x) for x in data_list]
        label: Any = [np.concatenate(x) for x in label_list]
        return outputs, data[0] if len(data) == 1 else data, \
            label[0] if len(label) == 1 else label

    def score(self, X: Any, eval_metric: Any = "acc", num_batch: int | None = None,
              batch_end_callback: Any = None, reset: bool = True) -> float:
        if not isinstance(eval_metric, metric_mod.EvalMetric):
            eval_metric = metric_mod.create(eval_metric)
        X = self._init_iter(X, None, is_train=False)
        data_names = self._prepare_prediction(X, reset)
        for i, batch in enumerate(X):
            if num_batch is not None and i == num_batch:
                break
            _load(self._pred_exec, data_names, batch.data)
            self._pred_exec.forward(is_train=False)
            eval_metric.update(batch.label, self._pred_exec.outputs)
            _callbacks(batch_end_callback, BatchEndParam(epoch=0, nbatch=i,
                                                         eval_metric=eval_metric,
                                                         locals=locals()))
        return eval_metric.get()[1]

    # -- training ----------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, eval_data: Any = None, eval_metric: Any = "acc",
            epoch_end_callback: Any = None, batch_end_callback: Any = None,
            kvstore: Any = "local", logger: Any = None, work_load_list: Any = None,
            monitor: Any = None, eval_end_callback: Any = LogValidationMetricsCallback(),
            eval_batch_end_callback: Any = None, progress: bool = False) -> None:
        """Train for `num_epoch` epochs; `progress=True` adds a live progress bar."""
        data = self._init_iter(X, y, is_train=True)
        eval_iter = self._init_eval_iter(eval_data)
        self.kwargs["sym"] = self.symbol
        arg_names, param_names, aux_names = self._init_params(
            list(data.provide_data) + list(data.provide_label))
        if not isinstance(eval_metric, metric_mod.EvalMetric):
            eval_metric = metric_mod.create(eval_metric)
        kv = _resolve_kvstore(kvstore, len(self.ctx))
        param_idx2name = dict(enumerate(param_names))
        self.kwargs["param_idx2name"] = param_idx2name
        if isinstance(self.optimizer, str):
            batch_size = data.batch_size
            # MXNet's FeedForward scales by the workers of every dist store but the async.
            if kv and "dist" in kv.type and "_async" not in kv.type:
                batch_size *= kv.num_workers
            optimizer = opt.create(self.optimizer, rescale_grad=1.0 / batch_size,
                                   **self.kwargs)
        else:
            optimizer = self.optimizer
            if not optimizer.idx2name:
                optimizer.idx2name = param_idx2name.copy()
        if progress:
            from .callback import TqdmProgress
            bar = TqdmProgress()
            batch_end_callback = ([batch_end_callback] if callable(batch_end_callback) else
                                  list(batch_end_callback or [])) + [bar]
        self._train(data, eval_iter, eval_metric, optimizer, param_names,
                    epoch_end_callback, batch_end_callback, eval_end_callback,
                    eval_batch_end_callback, logger or logging)

    def _train(self, train_data: DataIter, eval_data: DataIter | None, eval_metric: Any,
               optimizer: Any, param_names: list[str], epoch_end_callback: Any,
               batch_end_callback: Any, eval_end_callback: Any, eval_batch_end_callback: Any,
               logger: Any) -> None:
        shapes = {d[0]: tuple(d[1]) for d in list(train_data.provide_data) +
                  list(train_data.provide_label)}
        types = {d[0]: getattr(d, "dtype", np.float32) for d in
                 list(train_data.provide_data) + list(train_data.provide_label)}
        reqs = {n: ("write" if n in param_names else "null")
                for n in self.symbol.list_arguments()}
        ex = self.symbol.simple_bind(self.ctx[0], grad_req=reqs, type_dict=types, **shapes)
        ex.copy_params_from(self.arg_params, self.aux_params)
        trainer = FusedTrainer(ex, param_names, optimizer)
        data_names = [d[0] for d in train_data.provide_data]
        label_names = [d[0] for d in train_data.provide_label]
        # The metric's batch statistics are computed inside the training step.
        fold, label_positions = eval_metric._fold(), trainer.positions(label_names)
        train_data.reset()
        for epoch in range(self.begin_epoch, self.num_epoch or 0):
            tic = time.time()
            eval_metric.reset()
            nbatch = 0
            while True:
                do_reset = True
                for data_batch in train_data:
                    _load(ex, data_names + label_names,
                          list(data_batch.data) + list(data_batch.label or []))
                    labels = data_batch.label or []
                    _, stats = trainer.fused_step(
                        fold if len(labels) == len(label_names) else None, label_positions)
                    if stats is None:
                        eval_metric.update(data_batch.label, ex.outputs)
                    else:
                        eval_metric._push(stats)
                    nbatch += 1
                    _callbacks(batch_end_callback, BatchEndParam(
                        epoch=epoch, nbatch=nbatch, eval_metric=eval_metric, locals=locals()))
                    if self.epoch_size is not None and nbatch >= self.epoch_size:
                        do_reset = False
                        break
                if do_reset:
                    logger.info("Epoch[%d] Resetting Data Iterator", epoch)
                    train_data.reset()
                if self.epoch_size is None or nbatch >= self.epoch_size:
                    break
            logger.info("Epoch[%d] Time cost=%.3f", epoch, time.time() - tic)
            self.arg_params = {n: ex.arg_dict[n].copy() for n in param_names}
            self.aux_params = {n: a.copy() for n, a in ex.aux_dict.items()}
            _callbacks(epoch_end_callback, epoch, self.symbol, self.arg_params,
                       self.aux_params)
            if eval_data is not None:
                self._evaluate(ex, eval_data, eval_metric, epoch, data_names,
                               eval_end_callback, eval_batch_end_callback)

    def _evaluate(self, ex: Any, eval_data: DataIter, eval_metric: Any, epoch: int,
                  data_names: list[str], eval_end_callback: Any,
                  eval_batch_end_callback: Any) -> None:
        eval_metric.reset()
        eval_data.reset()
        total = 0
        for i, eval_batch in enumerate(eval_data):
            _load(ex, data_names, eval_batch.data)
            ex.forward(is_train=False)
            eval_metric.update(eval_batch.label, ex.outputs)
            _callbacks(eval_batch_end_callback, BatchEndParam(
                epoch=epoch, nbatch=i, eval_metric=eval_metric, locals=locals()))
            total += 1
        _callbacks(eval_end_callback, BatchEndParam(epoch=epoch, nbatch=total,
                                                    eval_metric=eval_metric, locals=locals()))
        eval_data.reset()

    # -- files --------------------------------------------------------------------------------------
    def save(self, prefix: str, epoch: int | None = None, remove_amp_cast: bool = True) -> None:
        if epoch is None:
            epoch = self.num_epoch
        if epoch is None:
            raise MXNetValueError("FeedForward.save: give an epoch (num_epoch is None)")
        save_checkpoint(prefix, epoch, self.symbol, self.arg_params or {},
                        self.aux_params or {})

    @staticmethod
    def load(prefix: str, epoch: int, ctx: Any = None, **kwargs: Any) -> FeedForward:
        symbol, arg_params, aux_params = load_checkpoint(prefix, epoch)
        return FeedForward(symbol, ctx=ctx, arg_params=arg_params, aux_params=aux_params,
                           begin_epoch=epoch, **kwargs)

    @staticmethod
    def create(symbol: Any, X: Any, y: Any = None, ctx: Any = None,
               num_epoch: int | None = None, epoch_size: int | None = None,
               optimizer: Any = "sgd", initializer: Any = Uniform(0.01),
               eval_data: Any = None, eval_metric: Any = "acc",
               epoch_end_callback: Any = None, batch_end_callback: Any = None,
               kvstore: Any = "local", logger: Any = None, work_load_list: Any = None,
               eval_end_callback: Any = LogValidationMetricsCallback(),
               eval_batch_end_callback: Any = None, **kwargs: Any) -> FeedForward:
        model = FeedForward(symbol, ctx=ctx, num_epoch=num_epoch, epoch_size=epoch_size,
                            optimizer=optimizer, initializer=initializer, **kwargs)
        model.fit(X, y, eval_data=eval_data, eval_metric=eval_metric,
                  epoch_end_callback=epoch_end_callback,
                  batch_end_callback=batch_end_callback, kvstore=kvstore, logger=logger,
                  work_load_list=work_load_list, eval_end_callback=eval_end_callback,
                  eval_batch_end_callback=eval_batch_end_callback)
        return model
