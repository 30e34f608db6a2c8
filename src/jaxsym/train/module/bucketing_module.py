"""BucketingModule: one Module per bucket key over shared parameters, as MXNet 1.9.1.

`sym_gen(bucket_key)` gives each bucket its own symbol (e.g. an unrolled sequence
length); every bucket's executor is compiled for its own shapes, while the parameter and
aux handles, the optimizer and its states are the default bucket's, shared by all.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ...base import MXNetError, MXNetValueError, current_context
from ...graph.naming import NameManager
from ...io.io import DataBatch, DataDesc
from ...ndarray.ndarray import NDArray
from ..initializer import Uniform
from ..model import load_params
from .module import BaseModule, Module


def _check_input_names(symbol: Any, names: list[str], typename: str, throw: bool) -> None:
    """MXNet's check that the names given for data/label/state/fixed params are inputs."""
    args = symbol.list_arguments()
    for name in names:
        if name in args:
            continue
        candidates = [a for a in args
                      if not a.endswith(("_weight", "_bias", "_gamma", "_beta"))]
        msg = (f"You created Module with Module(..., {typename}_names={names}) but input "
               f"with name '{name}' is not found in symbol.list_arguments(). Did you mean "
               f"one of:\n\t" + "\n\t".join(candidates))
        if throw:
            raise MXNetValueError(msg)
        warnings.warn(msg, stacklevel=3)


class BucketingModule(BaseModule):
    """A module whose symbol depends on each batch's `bucket_key`, as
    `mx.mod.BucketingModule`.

    Args:
        sym_gen: `bucket_key -> (symbol, data_names, label_names)`.
        default_bucket_key: the bucket bound first; its shapes are the iterator's
            `provide_data`/`provide_label`, and its module owns the parameters.
        logger, context, work_load_list, fixed_param_names, state_names, group2ctxs,
            compression_params: passed to every bucket's `Module`.
    """

    def __init__(self, sym_gen: Callable, default_bucket_key: Any = None,
                 logger: Any = logging, context: Any = None, work_load_list: Any = None,
                 fixed_param_names: list[str] | None = None,
                 state_names: list[str] | None = None, group2ctxs: Any = None,
                 compression_params: Any = None) -> None:
        super().__init__(logger=logger)
        if default_bucket_key is None:
            raise MXNetValueError("BucketingModule: default_bucket_key is required")
        self._default_bucket_key = default_bucket_key
        self._sym_gen = sym_gen
        symbol, data_names, label_names = self._call_sym_gen(default_bucket_key)
        state_names = list(state_names or [])
        fixed_param_names = list(fixed_param_names or [])
        _check_input_names(symbol, list(data_names or []), "data", True)
        _check_input_names(symbol, list(label_names or []), "label", False)
        _check_input_names(symbol, state_names, "state", True)
        _check_input_names(symbol, fixed_param_names, "fixed_param", True)
        self._module_kwargs = {
            "logger": logger, "context": context or current_context(),
            "work_load_list": work_load_list, "fixed_param_names": fixed_param_names,
            "state_names": state_names, "group2ctxs": group2ctxs,
            "compression_params": compression_params}
        self._buckets: dict[Any, Module] = {}
        self._curr_module: Module | None = None
        self._curr_bucket_key: Any = None
        self._monitor: Any = None
        self._grad_req: Any = "write"

    def _reset_bind(self) -> None:
        self.binded = False
        self._buckets = {}
        self._curr_module = None
        self._curr_bucket_key = None

    def _call_sym_gen(self, bucket_key: Any) -> tuple[Any, Any, Any]:
        # A fresh NameManager: every call names auto-named nodes the same way.
        with NameManager():
            return self._sym_gen(bucket_key)

    def _module(self, bucket_key: Any, symbol: Any = None) -> Module:
        gen_symbol, data_names, label_names = self._call_sym_gen(bucket_key)
        return Module(gen_symbol if symbol is None else symbol, data_names, label_names,
                      **self._module_kwargs)

    def _current(self) -> Module:
        if self._curr_module is None:
            raise MXNetError("BucketingModule: call bind first")
        return self._curr_module

    # -- properties ----------------------------------------------------------------------
    @property
    def default_bucket_key(self) -> Any:
        return self._default_bucket_key

    @property
    def data_names(self) -> list[str]:
        if self.binded:
            return self._current().data_names
        return list(self._call_sym_gen(self._default_bucket_key)[1])

    @property
    def output_names(self) -> list[str]:
        if self.binded:
            return self._current().output_names
        return self._call_sym_gen(self._default_bucket_key)[0].list_outputs()

    @property
    def data_shapes(self) -> list[DataDesc]:
        return self._current().data_shapes

    @property
    def label_shapes(self) -> list[DataDesc]:
        return self._current().label_shapes

    @property
    def output_shapes(self) -> list[tuple[str, tuple]]:
        return self._current().output_shapes

    @property
    def symbol(self) -> Any:
        """The symbol of the current bucket."""
        return self._current().symbol

    # -- parameters ---------------------------------------------------------------------
    def get_params(self) -> tuple[dict[str, NDArray], dict[str, NDArray]]:
        if not self.params_initialized:
            raise MXNetError("get_params: call init_params first")
        return self._current().get_params()

    def _copy_params(self, arg_params: Any, aux_params: Any, allow_extra: bool) -> None:
        self._current().set_params(arg_params, aux_params, allow_missing=True,
                                   force_init=True, allow_extra=allow_extra)

    def init_params(self, initializer: Any = Uniform(0.01), arg_params: Any = None,
                    aux_params: Any = None, allow_missing: bool = False,
                    force_init: bool = False, allow_extra: bool = False) -> None:
        if self.params_initialized and not force_init:
            return
        if not self.binded:
            raise MXNetError("call bind before initializing the parameters")
        self._current().init_params(initializer=initializer, arg_params=arg_params,
                                    aux_params=aux_params, allow_missing=allow_missing,
                                    force_init=force_init, allow_extra=allow_extra)
        self.params_initialized = True

    # -- binding --------------------------------------------------------------------------
    def bind(self, data_shapes: Any, label_shapes: Any = None, for_training: bool = True,
             inputs_need_grad: bool = False, force_rebind: bool = False,
             shared_module: Any = None, grad_req: Any = "write") -> None:
        """Bind the default bucket; the others are bound by `switch_bucket`."""
        saved = self.get_params() if self.params_initialized else None
        if force_rebind:
            self._reset_bind()
        if self.binded:
            self.logger.warning("Already bound, ignoring bind()")
            return
        if shared_module is not None:
            raise MXNetValueError("shared_module for BucketingModule is not supported")
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        self.binded = True
        self._grad_req = grad_req
        module = self._buckets.get(self._default_bucket_key)
        if module is None:
            module = self._module(self._default_bucket_key)
        module.bind(data_shapes, label_shapes, for_training, inputs_need_grad,
                    force_rebind=False, shared_module=None, grad_req=grad_req)
        self._curr_module = module
        self._curr_bucket_key = self._default_bucket_key
        self._buckets[self._default_bucket_key] = module
        if saved is not None:
            self.set_params(*saved)

    def switch_bucket(self, bucket_key: Any, data_shapes: Any,
                      label_shapes: Any = None) -> None:
        """Make `bucket_key` current, binding it (sharing the default bucket's
        parameters and optimizer) the first time."""
        if not self.binded:
            raise MXNetError("call bind before switching bucket")
        module = self._buckets.get(bucket_key)
        if module is None:
            module = self._module(bucket_key)
            self._buckets[bucket_key] = module
        if not module.binded:
            current = self._current()
            module.bind(data_shapes, label_shapes, current.for_training,
                        current.inputs_need_grad, force_rebind=False,
                        shared_module=self._buckets[self._default_bucket_key],
                        grad_req=self._grad_req)
            if self._monitor is not None:
                module.install_monitor(self._monitor)
        self._curr_module = module
        self._curr_bucket_key = bucket_key

    def init_optimizer(self, kvstore: Any = "local", optimizer: Any = "sgd",
                       optimizer_params: Any = (("learning_rate", 0.01),),
                       force_init: bool = False) -> None:
        if not (self.binded and self.params_initialized):
            raise MXNetError("init_optimizer: bind and init_params first")
        if self.optimizer_initialized and not force_init:
            self.logger.warning("optimizer already initialized, ignoring.")
            return
        current = self._current()
        current.init_optimizer(kvstore, optimizer, optimizer_params, force_init=force_init)
        for module in self._buckets.values():
            if module is not current and module.binded:
                module.borrow_optimizer(current)
        self.optimizer_initialized = True

    # -- computation ---------------------------------------------------------------------
    def prepare(self, data_batch: DataBatch, sparse_row_id_fn: Any = None) -> None:
        """Bind the batch's bucket ahead of time, then switch back, as MXNet."""
        if not (self.binded and self.params_initialized):
            raise MXNetError("prepare: bind and init_params first")
        original = self._curr_bucket_key
        self.switch_bucket(data_batch.bucket_key, data_batch.provide_data,
                           data_batch.provide_label)
        self.switch_bucket(original, None, None)

    def forward(self, data_batch: DataBatch, is_train: bool | None = None) -> None:
        if not (self.binded and self.params_initialized):
            raise MXNetError("forward: bind and init_params first")
        self.switch_bucket(data_batch.bucket_key, data_batch.provide_data,
                           data_batch.provide_label)
        self._current().forward(data_batch, is_train=is_train)

    def backward(self, out_grads: Any = None) -> None:
        self._current().backward(out_grads=out_grads)

    def update(self) -> None:
        if not self.optimizer_initialized:
            raise MXNetError("update: call init_optimizer first")
        current = self._current()
        current._fold = self._fold
        try:
            current.update()
        finally:
            current._fold = None

    def get_outputs(self, merge_multi_context: bool = True) -> list[NDArray]:
        return self._current().get_outputs(merge_multi_context)

    def get_input_grads(self, merge_multi_context: bool = True) -> list[NDArray]:
        return self._current().get_input_grads(merge_multi_context)

    def update_metric(self, eval_metric: Any, labels: Any, pre_sliced: bool = False) -> None:
        self._current().update_metric(eval_metric, labels, pre_sliced)

    def install_monitor(self, mon: Any) -> None:
        self._monitor = mon
        for module in self._buckets.values():
            module.install_monitor(mon)

    # -- checkpoints -----------------------------------------------------------------------
    def save_checkpoint(self, prefix: str, epoch: int, remove_amp_cast: bool = False) -> None:
        """`<prefix>-<epoch>.params`, one `<prefix>-<key>-symbol.json` per bucket and
        `<prefix>.buckets` (the keys, int32) as MXNet; keys must be integers."""
        from ...ndarray import array, save
        if not self._buckets:
            raise MXNetError("Empty BucketingModule cannot be saved")
        self.save_params(f"{prefix}-{epoch:04d}.params")
        for bucket_key in self._buckets:
            symbol, _, _ = self._call_sym_gen(bucket_key)
            symbol.save(f"{prefix}-{bucket_key}-symbol.json", remove_amp_cast=remove_amp_cast)
        save(f"{prefix}.buckets", array(np.array(list(self._buckets), np.int32),
                                         dtype=np.int32))

    @staticmethod
    def load(prefix: str, epoch: int, sym_gen: Callable | None = None,
             default_bucket_key: Any = None, **kwargs: Any) -> BucketingModule:
        """A module from `save_checkpoint`'s files; bind it before use."""
        from ...ndarray import load
        from ...symbol import load as load_symbol
        if sym_gen is None or default_bucket_key is None:
            raise MXNetValueError("BucketingModule.load needs sym_gen and default_bucket_key")
        keys = [int(k) for k in load(f"{prefix}.buckets")[0].asnumpy()]  # type: ignore[index]
        mod = BucketingModule(sym_gen, default_bucket_key, **kwargs)
        for bucket_key in keys:
            symbol = load_symbol(f"{prefix}-{bucket_key}-symbol.json")
            mod._buckets[bucket_key] = mod._module(bucket_key, symbol)
        return mod._preloaded(*load_params(prefix, epoch))

    @staticmethod
    def load_dict(sym_dict: dict | None = None, sym_gen: Callable | None = None,
                  default_bucket_key: Any = None, arg_params: Any = None,
                  aux_params: Any = None, **kwargs: Any) -> BucketingModule:
        """A module from bucket key -> symbol and shared parameters."""
        if sym_dict is None or arg_params is None or aux_params is None \
                or default_bucket_key is None:
            raise MXNetValueError("BucketingModule.load_dict needs sym_dict, arg_params, "
                                  "aux_params and default_bucket_key")
        mod = BucketingModule(sym_gen, default_bucket_key, **kwargs)  # type: ignore[arg-type]
        for bucket_key, symbol in sym_dict.items():
            mod._buckets[bucket_key] = mod._module(default_bucket_key, symbol)
        return mod._preloaded(arg_params, aux_params)

    def _preloaded(self, arg_params: dict, aux_params: dict) -> BucketingModule:
        """Parameters waiting in the default bucket for `bind`, as `Module.load`."""
        module = self._buckets.get(self._default_bucket_key)
        if module is None:
            raise MXNetValueError(f"no bucket {self._default_bucket_key!r} (the default "
                                  f"key) among {list(self._buckets)}")
        self._curr_module = module
        module._arg_params = arg_params
        module._aux_params = aux_params
        module.params_initialized = True
        self.params_initialized = True
        return self
