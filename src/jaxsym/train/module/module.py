"""Module: MXNet's intermediate-level training API.

`forward(is_train=True)`, `backward()` and `update()` are deferred until `update()`,
which runs forward, backward and the optimizer as one compiled step. Reading outputs
or gradients in between falls back to the executor, with the same numbers.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...base import MXNetError, MXNetValueError, current_context
from ...io.io import DataBatch, DataDesc, DataIter
from ...ndarray.ndarray import NDArray, array
from .. import metric as metric_mod
from .. import optimizer as opt
from ..initializer import InitDesc, Uniform
from ..kvstore import _resolve as _resolve_kvstore
from ..model import BatchEndParam, load_checkpoint, split_params
from ..step import FusedTrainer


def _as_list(obj: Any) -> list:
    if obj is None:
        return []
    return list(obj) if isinstance(obj, (list, tuple)) else [obj]


def _descs(shapes: Any) -> list[DataDesc]:
    out = []
    for item in shapes or []:
        if isinstance(item, DataDesc):
            out.append(item)
        else:
            name, shape = item
            out.append(DataDesc(name, shape))
    return out


class BaseModule:
    """The generic training loop: fit, score, predict, iter_predict."""

    def __init__(self, logger: Any = logging) -> None:
        self.logger = logger
        self.binded = False
        self.for_training = False
        self.inputs_need_grad = False
        self.params_initialized = False
        self.optimizer_initialized = False
        self._symbol: Any = None
        # (metric, its `_fold()`) while `fit` runs: `update` computes the metric's batch
        # statistics inside the training step and `update_metric` only files them.
        self._fold: tuple[Any, Any] | None = None

    @property
    def symbol(self) -> Any:
        return self._symbol

    # -- parameters ------------------------------------------------------------------------
    def init_params(self, initializer: Any = Uniform(0.01), arg_params: Any = None,
                    aux_params: Any = None, allow_missing: bool = False,
                    force_init: bool = False, allow_extra: bool = False) -> None:
        raise NotImplementedError

    def _copy_params(self, arg_params: Any, aux_params: Any, allow_extra: bool) -> None:
        """Copy the given values over the bound parameters (missing ones are kept)."""
        raise NotImplementedError

    def set_params(self, arg_params: Any, aux_params: Any, allow_missing: bool = False,
                   force_init: bool = True, allow_extra: bool = False) -> None:
        """Assign parameter and aux values; with allow_missing, absent ones keep theirs."""
        if not allow_missing:
            self.init_params(initializer=None, arg_params=arg_params, aux_params=aux_params,
                             allow_missing=allow_missing, force_init=force_init,
                             allow_extra=allow_extra)
            return
        if self.params_initialized and not force_init:
            warnings.warn("Parameters already initialized and force_init=False. "
                          "set_params call ignored.", stacklevel=2)
            return
        self._copy_params(arg_params, aux_params, allow_extra)
        self.params_initialized = True

    def save_params(self, fname: str) -> None:
        """`get_params()` as MXNet's .params file (`arg:`/`aux:` keys)."""
        from ...ndarray import save
        arg_params, aux_params = self.get_params()
        data = {f"arg:{k}": v for k, v in arg_params.items()}
        data.update({f"aux:{k}": v for k, v in aux_params.items()})
        save(fname, data)

    def load_params(self, fname: str) -> None:
        """`set_params` from a file written by `save_params`."""
        from ...ndarray import load
        self.set_params(*split_params(load(fname), fname, strict=True))

    # -- loops ------------------------------------------------------------------------------
    def prepare(self, data_batch: Any, sparse_row_id_fn: Any = None) -> None:
        """Get ready for `data_batch` (BucketingModule binds its bucket)."""

    def forward_backward(self, data_batch: DataBatch) -> None:
        self.forward(data_batch, is_train=True)
        self.backward()

    def score(self, eval_data: DataIter, eval_metric: Any, num_batch: int | None = None,
              batch_end_callback: Any = None, score_end_callback: Any = None,
              reset: bool = True, epoch: int = 0, sparse_row_id_fn: Any = None
              ) -> list[tuple[str, float]]:
        if not (self.binded and self.params_initialized):
            raise MXNetError("score: bind and init_params first")
        if reset:
            eval_data.reset()
        if not isinstance(eval_metric, metric_mod.EvalMetric):
            eval_metric = metric_mod.create(eval_metric)
        eval_metric.reset()
        actual_num_batch = 0
        for nbatch, eval_batch in enumerate(eval_data):
            if num_batch is not None and nbatch == num_batch:
                break
            self.prepare(eval_batch, sparse_row_id_fn=sparse_row_id_fn)
            self.forward(eval_batch, is_train=False)
            self.update_metric(eval_metric, eval_batch.label)
            for callback in _as_list(batch_end_callback):
                callback(BatchEndParam(epoch=epoch, nbatch=nbatch, eval_metric=eval_metric,
                                       locals=locals()))
            actual_num_batch += 1
        for callback in _as_list(score_end_callback):
            callback(BatchEndParam(epoch=epoch, nbatch=actual_num_batch,
                                   eval_metric=eval_metric, locals=locals()))
        return eval_metric.get_name_value()

    def iter_predict(self, eval_data: DataIter, num_batch: int | None = None,
                     reset: bool = True, sparse_row_id_fn: Any = None):
        if reset:
            eval_data.reset()
        for nbatch, eval_batch in enumerate(eval_data):
            if num_batch is not None and nbatch == num_batch:
                break
            self.prepare(eval_batch, sparse_row_id_fn=sparse_row_id_fn)
            self.forward(eval_batch, is_train=False)
            pad = eval_batch.pad or 0
            outputs = [out[0:out.shape[0] - pad].copy() for out in self.get_outputs()]
            yield outputs, nbatch, eval_batch

    def predict(self, eval_data: Any, num_batch: int | None = None,
                merge_batches: bool = True, reset: bool = True,
                always_output_list: bool = False, sparse_row_id_fn: Any = None) -> Any:
        if not (self.binded and self.params_initialized):
            raise MXNetError("predict: bind and init_params first")
        if isinstance(eval_data, (NDArray, np.ndarray)):
            if isinstance(eval_data, np.ndarray):
                eval_data = array(eval_data)
            self.forward(DataBatch([eval_data]))
            return self.get_outputs()[0]
        if not isinstance(eval_data, DataIter):
            raise MXNetValueError("eval_data must be of type NDArray or DataIter")
        output_list = [outs for outs, _, _ in self.iter_predict(eval_data, num_batch, reset)]
        if not output_list:
            return output_list
        if merge_batches:
            from ...ndarray import concat
            merged = [concat(*[outs[i] for outs in output_list], dim=0)
                      for i in range(len(output_list[0]))]
            if len(merged) == 1 and not always_output_list:
                return merged[0]
            return merged
        return output_list

    def fit(self, train_data: DataIter, eval_data: DataIter | None = None,
            eval_metric: Any = "acc", epoch_end_callback: Any = None,
            batch_end_callback: Any = None, kvstore: Any = "local", optimizer: Any = "sgd",
            optimizer_params: Any = (("learning_rate", 0.01),),
            eval_end_callback: Any = None, eval_batch_end_callback: Any = None,
            initializer: Any = Uniform(0.01), arg_params: Any = None, aux_params: Any = None,
            allow_missing: bool = False, force_rebind: bool = False, force_init: bool = False,
            begin_epoch: int = 0, num_epoch: int | None = None, validation_metric: Any = None,
            monitor: Any = None, sparse_row_id_fn: Any = None, progress: bool = False) -> None:
        """Train, calling back with MXNet's tuples (`nbatch` counts from 0 here).

        `progress=True` adds a live tqdm progress bar over each epoch's batches.
        """
        if num_epoch is None:
            raise MXNetValueError("fit: please specify number of epochs (num_epoch)")
        self.bind(data_shapes=train_data.provide_data, label_shapes=train_data.provide_label,
                  for_training=True, force_rebind=force_rebind)
        self.init_params(initializer=initializer, arg_params=arg_params,
                         aux_params=aux_params, allow_missing=allow_missing,
                         force_init=force_init)
        self.init_optimizer(kvstore=kvstore, optimizer=optimizer,
                            optimizer_params=optimizer_params)
        if monitor is not None:
            self.install_monitor(monitor)
        if validation_metric is None:
            validation_metric = eval_metric
        if not isinstance(eval_metric, metric_mod.EvalMetric):
            eval_metric = metric_mod.create(eval_metric)
        bar = None
        if progress:
            from ..callback import TqdmProgress
            bar = TqdmProgress()
            batch_end_callback = _as_list(batch_end_callback) + [bar]
        self._fold = (eval_metric, eval_metric._fold())
        try:
            self._fit_epochs(train_data, eval_data, eval_metric, epoch_end_callback,
                             batch_end_callback, eval_end_callback, eval_batch_end_callback,
                             begin_epoch, num_epoch, validation_metric, monitor,
                             sparse_row_id_fn)
        finally:
            self._fold = None
        if bar is not None:
            bar.close()

    def _fit_epochs(self, train_data: DataIter, eval_data: DataIter | None, eval_metric: Any,
                    epoch_end_callback: Any, batch_end_callback: Any, eval_end_callback: Any,
                    eval_batch_end_callback: Any, begin_epoch: int, num_epoch: int,
                    validation_metric: Any, monitor: Any, sparse_row_id_fn: Any) -> None:
        for epoch in range(begin_epoch, num_epoch):
            tic = time.time()
            eval_metric.reset()
            nbatch = 0
            data_iter = iter(train_data)
            end_of_batch = False
            next_data_batch = next(data_iter)
            while not end_of_batch:
                data_batch = next_data_batch
                if monitor is not None:
                    monitor.tic()
                self.forward_backward(data_batch)
                self.update()
                self.update_metric(eval_metric, data_batch.label)
                if monitor is not None:
                    monitor.toc_print()
                try:
                    next_data_batch = next(data_iter)
                    self.prepare(next_data_batch, sparse_row_id_fn=sparse_row_id_fn)
                except StopIteration:
                    end_of_batch = True
                if end_of_batch:
                    eval_name_vals = eval_metric.get_global_name_value()
                for callback in _as_list(batch_end_callback):
                    callback(BatchEndParam(epoch=epoch, nbatch=nbatch,
                                           eval_metric=eval_metric, locals=locals()))
                nbatch += 1
            for name, val in eval_name_vals:
                self.logger.info("Epoch[%d] Train-%s=%f", epoch, name, val)
            self.logger.info("Epoch[%d] Time cost=%.3f", epoch, time.time() - tic)
            arg_params_now, aux_params_now = self.get_params()
            for callback in _as_list(epoch_end_callback):
                callback(epoch, self.symbol, arg_params_now, aux_params_now)
            if eval_data is not None:
                res = self.score(eval_data, validation_metric,
                                 score_end_callback=eval_end_callback,
                                 batch_end_callback=eval_batch_end_callback, epoch=epoch)
                for name, val in res:
                    self.logger.info("Epoch[%d] Validation-%s=%f", epoch, name, val)
            train_data.reset()


class Module(BaseModule):
    """A module over one Symbol, as `mx.mod.Module`."""

    def __init__(self, symbol: Any, data_names: Sequence[str] = ("data",),
                 label_names: Sequence[str] | None = ("softmax_label",), logger: Any = logging,
                 context: Any = None, work_load_list: Any = None,
                 fixed_param_names: Sequence[str] | None = None,
                 state_names: Sequence[str] | None = None, group2ctxs: Any = None,
                 compression_params: Any = None) -> None:
        super().__init__(logger)
        self._symbol = symbol
        contexts = _as_list(context) or [current_context()]
        self._context = contexts
        self._data_names = list(data_names or [])
        self._label_names = list(label_names or [])
        self._state_names = list(state_names or [])
        self._fixed_param_names = list(fixed_param_names or [])
        arg_names = symbol.list_arguments()
        input_names = self._data_names + self._label_names + self._state_names
        for name in self._data_names:
            if name not in arg_names:
                raise MXNetValueError(f"Module: data name {name!r} is not an argument of the "
                                      f"symbol; arguments are {arg_names}")
        self._label_names = [n for n in self._label_names if n in arg_names]
        self._param_names = [n for n in arg_names if n not in input_names]
        self._aux_names = symbol.list_auxiliary_states()
        self._output_names = symbol.list_outputs()
        self._exec = None
        self._trainer: FusedTrainer | None = None
        self._optimizer: Any = None
        self._pending: dict[str, Any] = {}
        self._batch_label: Any = None
        self._folded: tuple | None = None  # (metric, labels, statistics) of the last step
        self._data_shapes: list[DataDesc] = []
        self._label_shapes: list[DataDesc] = []
        self._preload_opt_states: str | None = None

    # -- loading and saving ----------------------------------------------------------------
    @staticmethod
    def load(prefix: str, epoch: int, load_optimizer_states: bool = False,
             **kwargs: Any) -> Module:
        sym, args, auxs = load_checkpoint(prefix, epoch)
        mod = Module(symbol=sym, **kwargs)
        mod._arg_params = args
        mod._aux_params = auxs
        mod.params_initialized = True
        if load_optimizer_states:
            mod._preload_opt_states = f"{prefix}-{epoch:04d}.states"
        return mod

    def save_checkpoint(self, prefix: str, epoch: int, save_optimizer_states: bool = False,
                        remove_amp_cast: bool = True) -> None:
        self._symbol.save(f"{prefix}-symbol.json")
        self.save_params(f"{prefix}-{epoch:04d}.params")
        logging.info('Saved checkpoint to "%s-%04d.params"', prefix, epoch)
        if save_optimizer_states:
            self.save_optimizer_states(f"{prefix}-{epoch:04d}.states")

    def save_optimizer_states(self, fname: str) -> None:
        """Optimizer states in MXNet's .params container (no pickle): `<index>:<leaf>`."""
        import jax

        from ...formats.params import save_arrays
        if self._trainer is None:
            raise MXNetError("save_optimizer_states: call init_optimizer first")
        data: dict[str, np.ndarray] = {}
        for index, state in zip(self._trainer.indices, self._trainer.states):
            for leaf_no, leaf in enumerate(jax.tree_util.tree_leaves(state)):
                data[f"{index}:{leaf_no}"] = np.asarray(leaf)
        save_arrays(fname, data)

    def load_optimizer_states(self, fname: str) -> None:
        import jax
        import jax.numpy as jnp

        from ...formats.params import load_arrays
        if self._trainer is None:
            raise MXNetError("load_optimizer_states: call init_optimizer first")
        data = load_arrays(fname)
        if not isinstance(data, dict):
            data = {}
        states = []
        for index, state in zip(self._trainer.indices, self._trainer.states):
            leaves, treedef = jax.tree_util.tree_flatten(state)
            try:
                new = [jnp.asarray(data[f"{index}:{i}"]) for i in range(len(leaves))]
            except KeyError as err:
                raise MXNetValueError(f"{fname}: no optimizer state {err}") from None
            states.append(jax.tree_util.tree_unflatten(treedef, new))
        self._trainer.states = states

    # -- properties ----------------------------------------------------------------------------
    @property
    def data_names(self) -> list[str]:
        return self._data_names

    @property
    def label_names(self) -> list[str]:
        return self._label_names

    @property
    def output_names(self) -> list[str]:
        return self._output_names

    @property
    def data_shapes(self) -> list[DataDesc]:
        return self._data_shapes

    @property
    def label_shapes(self) -> list[DataDesc]:
        return self._label_shapes

    @property
    def output_shapes(self) -> list[tuple[str, tuple]]:
        if self._exec is None:
            raise MXNetError("output_shapes: bind first")
        shapes = {d.name: d.shape for d in self._data_shapes + self._label_shapes}
        _, out_shapes, _ = self._symbol.infer_shape(**shapes)
        return list(zip(self._output_names, out_shapes))

    # -- binding and parameters ---------------------------------------------------------------
    def bind(self, data_shapes: Any, label_shapes: Any = None, for_training: bool = True,
             inputs_need_grad: bool = False, force_rebind: bool = False,
             shared_module: Any = None, grad_req: Any = "write") -> None:
        if self.binded and not force_rebind:
            self.logger.warning("Already bound, ignoring bind()")
            return
        old_params = self.get_params() if self.params_initialized and self._exec else None
        self._data_shapes = _descs(data_shapes)
        self._label_shapes = _descs(label_shapes) if label_shapes else []
        shapes = {d.name: d.shape for d in self._data_shapes + self._label_shapes}
        types = {d.name: d.dtype for d in self._data_shapes + self._label_shapes}
        reqs = {}
        for name in self._symbol.list_arguments():
            if name in self._param_names:
                reqs[name] = ("null" if name in self._fixed_param_names or not for_training
                              else grad_req if isinstance(grad_req, str) else
                              grad_req.get(name, "write"))
            elif name in self._data_names:
                reqs[name] = "write" if inputs_need_grad and for_training else "null"
            else:
                reqs[name] = "null"
        ctx = self._context[0]
        self._exec = self._symbol.simple_bind(ctx, grad_req=reqs, type_dict=types, **shapes)
        self.binded = True
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        self._trainer = None
        self.optimizer_initialized = False
        if shared_module is not None:
            self._share_params(shared_module, reqs)
        elif old_params is not None:
            self.set_params(*old_params)
        elif self.params_initialized and hasattr(self, "_arg_params"):
            # Module.load: parameters arrived before bind.
            self.params_initialized = False
            self.init_params(arg_params=self._arg_params, aux_params=self._aux_params)

    def _share_params(self, shared_module: Module, reqs: dict[str, str]) -> None:
        """Bind to the very parameter and aux handles of `shared_module` (another bucket),
        so an update through either module is seen by both, as MXNet's shared memory."""
        if not (shared_module.binded and shared_module.params_initialized):
            raise MXNetError("bind: the shared module must be bound and initialized")
        ex, other = self._exec, shared_module._exec

        def pick(own: dict, theirs: dict, names: Sequence[str]) -> dict:
            out = dict(own)
            for name in names:
                if name in theirs and theirs[name].shape == own[name].shape:
                    out[name] = theirs[name]
            return out
        args = pick(ex.arg_dict, other.arg_dict, self._param_names)  # type: ignore[union-attr]
        aux = pick(ex.aux_dict, other.aux_dict, self._aux_names)  # type: ignore[union-attr]
        self._exec = self._symbol.bind(ex._ctx, args, args_grad=ex.grad_dict,  # type: ignore[union-attr]
                                       grad_req=reqs, aux_states=aux, shared_exec=other)
        self.params_initialized = True
        if shared_module.optimizer_initialized:
            self.borrow_optimizer(shared_module)

    def init_params(self, initializer: Any = Uniform(0.01), arg_params: Any = None,
                    aux_params: Any = None, allow_missing: bool = False,
                    force_init: bool = False, allow_extra: bool = False) -> None:
        if self.params_initialized and not force_init:
            warnings.warn("Parameters already initialized and force_init=False. "
                          "init_params call ignored.", stacklevel=2)
            return
        if not self.binded:
            raise MXNetError("call bind before initializing the parameters")
        ex = self._exec
        attrs = self._symbol.attr_dict()

        def fill(name: str, arr: NDArray, given: Any) -> None:
            if given is not None:
                if name in given:
                    src = given[name]
                    if tuple(src.shape) != arr.shape:
                        raise MXNetValueError(
                            f"init_params: {name!r} has shape {tuple(src.shape)} in the given "
                            f"params, the module expects {arr.shape}")
                    arr[:] = src
                    return
                if not allow_missing:
                    raise MXNetError(f"{name} is not presented")
            if initializer is not None:
                initializer(InitDesc(name, attrs.get(name, None)), arr)
        for name in sorted(self._param_names):
            fill(name, ex.arg_dict[name], arg_params)
        for name in sorted(self._aux_names):
            fill(name, ex.aux_dict[name], aux_params)
        # Names in arg_params that the module lacks are ignored, as in MXNet, whose
        # allow_extra only reaches a copy of the module's own parameters.
        self.params_initialized = True

    def _copy_params(self, arg_params: Any, aux_params: Any, allow_extra: bool) -> None:
        self._exec.copy_params_from(arg_params, aux_params,  # type: ignore[union-attr]
                                    allow_extra_params=allow_extra)

    def get_params(self) -> tuple[dict[str, NDArray], dict[str, NDArray]]:
        """Snapshots (real copies) of the parameters and aux states."""
        if not self.binded:
            return getattr(self, "_arg_params", {}), getattr(self, "_aux_params", {})
        self._flush()
        ex = self._exec
        import jax.numpy as jnp
        args = {n: NDArray(jnp.array(ex.arg_dict[n]._data, copy=True), ex._ctx)
                for n in self._param_names}
        aux = {n: NDArray(jnp.array(ex.aux_dict[n]._data, copy=True), ex._ctx)
               for n in self._aux_names}
        return args, aux

    def init_optimizer(self, kvstore: Any = "local", optimizer: Any = "sgd",
                       optimizer_params: Any = (("learning_rate", 0.01),),
                       force_init: bool = False) -> None:
        if self.optimizer_initialized and not force_init:
            self.logger.warning("optimizer already initialized, ignoring...")
            return
        kv = _resolve_kvstore(kvstore, len(self._context))
        batch_size = self._data_shapes[0].shape[0]
        # MXNet's Module scales by the workers of the dist stores named "_sync" only.
        if kv and "dist" in kv.type and "_sync" in kv.type:
            batch_size *= kv.num_workers
        rescale_grad = 1.0 / batch_size
        idx2name = dict(enumerate(self._param_names))
        if isinstance(optimizer, str):
            params = dict(optimizer_params)
            params.setdefault("rescale_grad", rescale_grad)
            optimizer = opt.create(optimizer, sym=self._symbol, param_idx2name=idx2name,
                                   **params)
        else:
            if getattr(optimizer, "rescale_grad", rescale_grad) != rescale_grad:
                warnings.warn(
                    "Optimizer created manually outside Module but rescale_grad is not "
                    f"normalized to 1.0/batch_size/num_workers ({optimizer.rescale_grad} vs. "
                    f"{rescale_grad}). Is this intended?", stacklevel=2)
            if not optimizer.idx2name:
                optimizer.idx2name = idx2name.copy()
        self._optimizer = optimizer
        self._trainer = FusedTrainer(self._exec, self._param_names, optimizer,  # type: ignore[arg-type]
                                     fixed=set(self._fixed_param_names))
        self.optimizer_initialized = True
        if self._preload_opt_states is not None:
            self.load_optimizer_states(self._preload_opt_states)
            self._preload_opt_states = None

    def borrow_optimizer(self, shared_module: Module) -> None:
        if not shared_module.optimizer_initialized:
            raise MXNetError("borrow_optimizer: the shared module has no optimizer")
        self._optimizer = shared_module._optimizer
        self._trainer = FusedTrainer(self._exec, self._param_names, self._optimizer,  # type: ignore[arg-type]
                                     fixed=set(self._fixed_param_names),
                                     shared=shared_module._trainer)
        self.optimizer_initialized = True

    # -- computation ------------------------------------------------------------------------------
    def _load_batch(self, data_batch: DataBatch) -> None:
        self._batch_label = data_batch.label
        self._folded = None
        names = self._data_names + (self._label_names if data_batch.label else [])
        values = list(data_batch.data) + list(data_batch.label or [])
        if not self._exec.load_inputs(names, values):  # type: ignore[union-attr]
            # As MXNet's forward, a batch of another shape re-shapes the module.
            self._reshape_for(data_batch)
            self._exec.load_inputs(names, values)  # type: ignore[union-attr]

    def _reshape_for(self, data_batch: DataBatch) -> None:
        shapes = {n: tuple(v.shape) for n, v in zip(self._data_names, data_batch.data)}
        if data_batch.label:
            shapes.update({n: tuple(v.shape) for n, v in zip(self._label_names,
                                                            data_batch.label)})
        self._flush()
        self._exec = self._exec.reshape(partial_shaping=True, allow_up_sizing=True,  # type: ignore[union-attr]
                                        **shapes)
        # As MXNet's forward, a batch of another shape re-shapes the module itself.
        self._data_shapes = [DataDesc(d.name, shapes[d.name], d.dtype, d.layout)
                             for d in self._data_shapes]
        self._label_shapes = [DataDesc(d.name, shapes.get(d.name, d.shape), d.dtype, d.layout)
                              for d in self._label_shapes]
        if self._trainer is not None:
            self._trainer = FusedTrainer(self._exec, self._param_names, self._optimizer,
                                         fixed=set(self._fixed_param_names),
                                         shared=self._trainer)

    def forward(self, data_batch: DataBatch, is_train: bool | None = None) -> None:
        if not (self.binded and self.params_initialized):
            raise MXNetError("forward: bind and init_params first")
        self._flush()
        if is_train is None:
            is_train = self.for_training
        self._load_batch(data_batch)
        if is_train and self.for_training:
            self._pending = {"forward": True}
        else:
            self._exec.forward(is_train=bool(is_train))  # type: ignore[union-attr]

    def backward(self, out_grads: Any = None) -> None:
        if not self.for_training:
            raise MXNetError("backward: the module is not bound for training")
        if self._pending.get("forward") and out_grads is None and not self.inputs_need_grad:
            self._pending["backward"] = True
            return
        self._materialize_forward()
        self._exec.backward(out_grads)  # type: ignore[union-attr]
        self._pending = {"backward_done": True}

    def update(self) -> None:
        if not self.optimizer_initialized:
            raise MXNetError("update: call init_optimizer first")
        if self._pending.get("forward") and self._pending.get("backward"):
            trainer = self._trainer
            labels = self._batch_label or []
            fold = None
            if self._fold is not None and len(labels) == len(self._label_names) > 0:
                fold = self._fold[1]
            _, stats = trainer.fused_step(  # type: ignore[union-attr]
                fold, trainer.positions(self._label_names))  # type: ignore[union-attr]
            if stats is not None:
                self._folded = (self._fold[0], self._batch_label, stats)  # type: ignore[index]
        elif self._pending.get("backward_done"):
            self._trainer.apply_gradients()  # type: ignore[union-attr]
        else:
            raise MXNetError("update: call forward(is_train=True) and backward() first")
        self._pending = {}

    def _materialize_forward(self) -> None:
        if self._pending.get("forward"):
            self._exec.forward(is_train=True)  # type: ignore[union-attr]
            self._pending = {"forward_done": True}

    def _flush(self) -> None:
        """Run any deferred forward/backward so arrays are observable."""
        if self._pending.get("forward") and self._pending.get("backward"):
            self._materialize_forward()
            self._exec.backward()  # type: ignore[union-attr]
            self._pending = {"backward_done": True}
        elif self._pending.get("forward"):
            self._materialize_forward()

    def get_outputs(self, merge_multi_context: bool = True) -> list[NDArray]:
        if self._pending.get("forward"):
            self._flush()
        return self._exec.outputs  # type: ignore[union-attr]

    def get_input_grads(self, merge_multi_context: bool = True) -> list[NDArray]:
        if not self.inputs_need_grad:
            raise MXNetError("get_input_grads: bind with inputs_need_grad=True")
        self._flush()
        return [self._exec.grad_dict[n] for n in self._data_names]  # type: ignore[union-attr]

    def update_metric(self, eval_metric: Any, labels: Any, pre_sliced: bool = False) -> None:
        folded, self._folded = self._folded, None
        if folded is not None and folded[0] is eval_metric and folded[1] is labels:
            eval_metric._push(folded[2])  # computed by the training step itself
            return
        eval_metric.update(labels, self.get_outputs())

    def install_monitor(self, mon: Any) -> None:
        mon.install(self._exec)

    def reshape(self, data_shapes: Any, label_shapes: Any = None) -> None:
        self._data_shapes = _descs(data_shapes)
        self._label_shapes = _descs(label_shapes) if label_shapes else []
        shapes = {d.name: d.shape for d in self._data_shapes + self._label_shapes}
        self._reshape_for(DataBatch(
            [np.zeros(shapes[n]) for n in self._data_names],
            [np.zeros(shapes[n]) for n in self._label_names] if self._label_shapes else None))

