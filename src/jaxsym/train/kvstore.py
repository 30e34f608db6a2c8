"""Key-value stores, as `mx.kvstore` (alias `mx.kv`) in MXNet 1.9.1.

`create(name)` reads the name as MXNet's `KVStore::Create` does: lower-cased, a name
containing "dist" is a distributed store, every other name ("local", "device",
"local_allreduce_cpu", "nccl", even an unknown one) a store in this process whose
`type` is the name. MXNet builds without NCCL refuse "nccl"; here it behaves as
"device".

A distributed store is this JAX process group, never a parameter server: `rank` is
`jax.process_index()` and `num_workers` is `jax.process_count()`, so in a single process
"dist_sync" is rank 0 of 1 and behaves as "local". Across processes, `init` keeps rank 0's
value and `push` sums the values of every process, as MXNet's synchronous server does;
"dist_async" is synchronous here. Each process runs its own updater on the same summed
gradient, which keeps the stored values equal everywhere.

MXNet's local-store semantics, kept here (checked against MXNet 1.9.1):

* A key is initialised once (`init` or `broadcast`); a store takes int keys or str keys,
  never both. A list of values for one key means one value per device: `push` sums them.
* Without an updater `push` replaces the stored value by the sum; with one (`set_optimizer`
  or `_set_updater`) it calls `updater(key, summed, stored)`, which writes `stored` in
  place. The key is an int, or for str keys the name as bytes (MXNet's C callback).
  Keys are updated in ascending order: ints by value, str keys in their `init` order.
* 2-bit gradient compression (stores whose type names "device" or "dist") quantises what
  is pushed, with an error-feedback residual, even when one device pushes: each device's
  value in a "device" store, the sum over devices in a "dist" store.

Where MXNet fails late or not at all, this store raises `MXNetError` at once: a push
whose shape differs from the stored one (MXNet replaces the stored array and fails at the
next pull), an uninitialised key in `push` or `pushpull`. The stored value is a copy:
MXNet's store aliases a single pushed array, so writing to it later changes the store.

Module and FeedForward read a store's `type` and `num_workers` (for `rescale_grad`) but
update in their own compiled step, never through the store (MXNet's `update_on_kvstore`),
so the store holds no parameters after `fit`; with one process the numbers are the same.

`save_optimizer_states` writes the updater's `get_states()` bytes (an npz archive with a
JSON header, see `optimizer.Updater`), atomically; MXNet pickles, and its files are not
read here.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import multihost_utils

from jaxsym.base import MXNetError, MXNetTypeError, MXNetValueError
from jaxsym.formats._atomic import write_atomic
from jaxsym.ndarray import NDArray
from jaxsym.train import optimizer as opt

__all__ = ["KVStore", "KVStoreBase", "create"]

Key = int | str
Values = NDArray | Sequence[NDArray] | Sequence[Sequence[NDArray]]


class KVStoreBase:
    """The interface of a key-value store for data-parallel training, as MXNet's.

    Subclasses registered with `KVStoreBase.register` are created by name (the class name,
    lower-cased) through `create`.
    """

    OPTIMIZER = "optimizer"
    kv_registry: ClassVar[dict[str, type[KVStoreBase]]] = {}

    @staticmethod
    def register(klass: type[KVStoreBase]) -> type[KVStoreBase]:
        """Register `klass` under its lower-cased name; a second class of a name warns."""
        name = klass.__name__.lower()
        if name in KVStoreBase.kv_registry:
            old = KVStoreBase.kv_registry[name]
            warnings.warn(f"WARNING: New kvstore {klass.__module__}.{klass.__name__} is "
                          f"overriding existing kvstore {old.__module__}.{old.__name__}",
                          stacklevel=2)
        KVStoreBase.kv_registry[name] = klass
        return klass

    def broadcast(self, key: Any, value: Any, out: Any, priority: int = 0) -> None:
        """Store rank 0's `value` under `key` and write it into `out`."""
        raise NotImplementedError

    def pushpull(self, key: Any, value: Any, out: Any = None, priority: int = 0) -> None:
        """Push `value`, then pull the result into `out` (into `value` when None)."""
        raise NotImplementedError

    def set_optimizer(self, optimizer: opt.Optimizer) -> None:
        """Run `optimizer` on the stored values at each push."""
        raise NotImplementedError

    def is_capable(self, capability: str) -> bool:
        """Whether the store supports `capability` (only `KVStoreBase.OPTIMIZER` is known)."""
        raise NotImplementedError

    def save_optimizer_states(self, fname: str, dump_optimizer: bool = False) -> None:
        """Write the optimizer states (and the optimizer when `dump_optimizer`) to `fname`."""
        raise NotImplementedError

    def load_optimizer_states(self, fname: str) -> None:
        """Read optimizer states written by `save_optimizer_states`."""
        raise NotImplementedError

    @property
    def type(self) -> str:
        """The store's type name."""
        raise NotImplementedError

    @property
    def rank(self) -> int:
        """This worker's rank, in [0, num_workers)."""
        raise NotImplementedError

    @property
    def num_workers(self) -> int:
        """The number of workers."""
        raise NotImplementedError


class KVStore(KVStoreBase):
    """MXNet's native key-value store, for the devices of this process or process group.

    Args:
        name: the store's type, as given to `create` (lower-cased there).
    """

    def __init__(self, name: str = "local") -> None:
        self._type = name
        self._dist = "dist" in name
        self._store: dict[Key, NDArray] = {}
        self._key_type: type | None = None
        self._str_order: dict[str, int] = {}  # str key -> its place in init order
        self._updater: Callable[[Any, NDArray, NDArray], Any] | None = None
        self._threshold: float | None = None  # 2-bit compression, when set
        self._residuals: dict[tuple[Key, int], jax.Array] = {}

    # -- properties ------------------------------------------------------------------------
    @property
    def type(self) -> str:
        return self._type

    @property
    def rank(self) -> int:
        return jax.process_index() if self._dist else 0

    @property
    def num_workers(self) -> int:
        return jax.process_count() if self._dist else 1

    def is_capable(self, capability: str) -> bool:
        if capability.lower() == KVStoreBase.OPTIMIZER:
            return True
        raise MXNetValueError(f"Unknown capability: {capability}")

    # -- keys and values -------------------------------------------------------------------
    def _pairs(self, key: Any, value: Any, what: str) -> list[tuple[Key, NDArray]]:
        """(key, array) pairs as MXNet flattens them: a list of arrays repeats its key."""
        if isinstance(key, (list, tuple)):
            if not isinstance(value, (list, tuple)) or len(value) != len(key):
                count = len(value) if isinstance(value, (list, tuple)) else 1
                raise MXNetValueError(f"KVStore.{what}: {len(key)} keys but {count} values")
            pairs = [p for k, v in zip(key, value, strict=True) for p in self._pairs(k, v, what)]
        elif not isinstance(key, (int, str)):
            raise MXNetTypeError(f"KVStore.{what}: unexpected type for keys: {type(key)}")
        elif isinstance(value, NDArray):
            pairs = [(key, value)]
        elif isinstance(value, (list, tuple)) and all(isinstance(v, NDArray) for v in value):
            pairs = [(key, v) for v in value]
        else:
            raise MXNetTypeError(f"KVStore.{what}: the value of key {key!r} must be an "
                                 f"NDArray or a list of NDArrays; received {type(value)}")
        if len({type(k) is str for k, _ in pairs}) > 1:
            raise MXNetTypeError(f"KVStore.{what}: inconsistent types of keys detected "
                                 f"(int and str): {[k for k, _ in pairs]}")
        return pairs

    def _check_key_type(self, key: Key) -> None:
        kind = str if isinstance(key, str) else int
        if self._key_type is None:
            self._key_type = kind
        elif kind is not self._key_type:
            raise MXNetTypeError(
                f"Mixed key types are not allowed: this store has {self._key_type.__name__} "
                f"keys; received key {key!r}")

    def _grouped(self, key: Any, value: Any, what: str) -> dict[Key, list[NDArray]]:
        """Arrays per initialised key, in MXNet's update order."""
        groups: dict[Key, list[NDArray]] = {}
        for k, v in self._pairs(key, value, what):
            self._check_key_type(k)
            if k not in self._store:
                raise MXNetValueError(f"KVStore.{what}: key {k} has not been inited")
            groups.setdefault(k, []).append(v)
        order = self._str_order.get if self._key_type is str else int
        return dict(sorted(groups.items(), key=lambda item: order(item[0])))

    def _check_shape(self, key: Key, array: NDArray, what: str, role: str) -> None:
        stored = self._store[key]
        if array.shape != stored.shape:
            raise MXNetValueError(f"KVStore.{what}: key {key} holds shape {stored.shape}; "
                                  f"{role} has shape {array.shape}")

    # -- the operations ----------------------------------------------------------------------
    def init(self, key: Key | Sequence[Key], value: Values) -> None:
        """Store the initial value of each key (rank 0's value in a process group).

        Args:
            key: an int or str key, or a list of keys.
            value: an NDArray per key. A list of arrays for one key initialises it once
                per array, which is a duplicate init, as in MXNet.
        """
        for k, v in self._pairs(key, value, "init"):
            self._check_key_type(k)
            if k in self._store:
                raise MXNetValueError(
                    f"KVStore.init: duplicate init of key {k}. Please double check if you "
                    "called kv.init or kv.broadcast with this key multiple times")
            data = v._data
            if self.num_workers > 1:
                # multihost_utils takes host arrays: a process's jax.Array is local to it.
                data = jnp.asarray(multihost_utils.broadcast_one_to_all(np.asarray(data)))
            self._store[k] = NDArray(jnp.array(data, copy=True), v.context)
            if isinstance(k, str):
                self._str_order[k] = len(self._str_order)

    def push(self, key: Key | Sequence[Key], value: Values, priority: int = 0) -> None:
        """Sum the values pushed to each key and update the stored value with the sum.

        Args:
            key: a key or a list of keys.
            value: an NDArray, or a list of NDArrays (one per device), per key.
            priority: accepted for MXNet's signature; operations run in call order.
        """
        for k, arrays in self._grouped(key, value, "push").items():
            for array in arrays:
                self._check_shape(k, array, "push", "the pushed value")
            stored = self._store[k]
            merged = NDArray(self._reduce(k, arrays), stored.context)
            if self._updater is None:
                self._store[k] = merged
            else:
                self._updater(k.encode() if isinstance(k, str) else k, merged, stored)

    def _reduce(self, key: Key, arrays: list[NDArray]) -> jax.Array:
        """The sum over devices (and processes), compressed if set.

        MXNet's local stores compress each device's value; its dist stores sum the
        devices' values first and compress the sum, which the worker sends.
        """
        parts = [a._data for a in arrays]
        if self._threshold is not None and self._dist:
            parts = [self._quantize(key, 0, functools.reduce(jnp.add, parts))]
        elif self._threshold is not None:
            parts = [self._quantize(key, i, part) for i, part in enumerate(parts)]
        total = functools.reduce(jnp.add, parts)
        if self.num_workers > 1:
            gathered = multihost_utils.process_allgather(np.asarray(total))
            total = jnp.asarray(np.sum(gathered, axis=0, dtype=gathered.dtype))
        return jnp.array(total, copy=True)

    def _quantize(self, key: Key, device: int, grad: jax.Array) -> jax.Array:
        """MXNet's 2-bit quantisation: +-threshold where the residual reaches it, else 0."""
        t = self._threshold
        residual = self._residuals.get((key, device), jnp.zeros_like(grad)) + grad
        sent = jnp.where(residual >= t, t, jnp.where(residual <= -t, -t, 0)).astype(grad.dtype)
        self._residuals[(key, device)] = residual - sent
        return sent

    def pull(self, key: Key | Sequence[Key], out: Values | None = None, priority: int = 0,
             ignore_sparse: bool = True) -> None:
        """Write each key's stored value into its output arrays, in place.

        Args:
            key: a key or a list of keys.
            out: an NDArray, or a list of NDArrays (one per device), per key; each is
                written through `out[:] = value`, cast to its own dtype.
            priority: accepted for MXNet's signature.
            ignore_sparse: accepted for MXNet's signature; every jaxsym array is dense.
        """
        if out is None:
            raise MXNetValueError("KVStore.pull: out is required")
        for k, outs in self._grouped(key, out, "pull").items():
            for o in outs:
                self._check_shape(k, o, "pull", "out")
            for o in outs:
                o[:] = self._store[k]

    def pushpull(self, key: Key | Sequence[Key], value: Values, out: Values | None = None,
                 priority: int = 0) -> None:
        """`push(key, value)` then `pull(key, out)`; `out=None` pulls into `value`."""
        self.push(key, value, priority)
        self.pull(key, value if out is None else out, priority)

    def broadcast(self, key: Key | Sequence[Key], value: Values, out: Values,
                  priority: int = 0) -> None:
        """`init(key, value)` then `pull(key, out)`, as MXNet: a key is broadcast once."""
        self.init(key, value)
        self.pull(key, out, priority)

    def row_sparse_pull(self, key: Key | Sequence[Key], out: Values | None = None,
                        priority: int = 0, row_ids: Any = None) -> None:
        """Always raises: MXNet requires row_sparse outputs, and jaxsym arrays are dense."""
        if out is None or row_ids is None:
            raise MXNetValueError("KVStore.row_sparse_pull: out and row_ids are required")
        raise MXNetTypeError(
            "KVStore.row_sparse_pull: expected row_sparse storage type for row_sparse_pull "
            "values, but out has storage type 'default'; jaxsym has dense NDArrays only, "
            "use kv.pull")

    # -- updates -----------------------------------------------------------------------------
    def set_optimizer(self, optimizer: opt.Optimizer) -> None:
        """Update stored values with `optimizer` at each push, through `get_updater`."""
        self._set_updater(opt.get_updater(optimizer))

    def _set_updater(self, updater: Callable[[Any, NDArray, NDArray], Any]) -> None:
        """Call `updater(key, summed_value, stored)` at each push; it writes `stored`."""
        self._updater = updater

    def set_gradient_compression(self, compression_params: dict[str, Any]) -> None:
        """2-bit compression of pushed values: `{'type': '2bit', 'threshold': 0.5}`.

        Only stores whose type names "device" or "dist" accept it, as in MXNet; other
        keys of `compression_params` are ignored, as MXNet does.
        """
        if "device" not in self._type and "dist" not in self._type:
            raise MXNetError("Gradient compression is not supported for this type of kvstore")
        if not isinstance(compression_params, dict):
            raise MXNetTypeError(f"unexpected type for param_dict: {type(compression_params)}")
        if "type" not in compression_params:
            raise MXNetValueError("Required parameter type of string is not presented")
        if compression_params["type"] != "2bit":
            raise MXNetValueError(
                f"Unknown type for gradient compression {compression_params['type']}")
        threshold = float(compression_params.get("threshold", 0.5))
        if threshold <= 0:
            raise MXNetValueError(
                f"Threshold for 2bit compression should be greater than zero; received "
                f"threshold={threshold}")
        self._threshold = threshold
        self._residuals = {}

    def save_optimizer_states(self, fname: str, dump_optimizer: bool = False) -> None:
        """Write the updater's states (npz with a JSON header, never pickle) atomically."""
        write_atomic(os.fspath(fname), [self._state_updater("save").get_states(dump_optimizer)],
                     "optimizer states file")

    def load_optimizer_states(self, fname: str) -> None:
        """Read states written by `save_optimizer_states` into the updater."""
        updater = self._state_updater("load")
        try:
            with open(fname, "rb") as f:
                data = f.read()
        except OSError as err:
            raise MXNetError(f"{fname}: cannot read optimizer states: "
                             f"{err.strerror or err}") from err
        try:
            updater.set_states(data)
        except MXNetValueError as err:  # set_states' message says what it expects
            raise MXNetValueError(f"{fname}: not an optimizer states file written by jaxsym "
                                  f"(save_optimizer_states): {err}") from err

    def _state_updater(self, what: str) -> opt.Updater:
        if self._updater is None:
            raise MXNetError(f"KVStore.{what}_optimizer_states: no optimizer is set "
                             "(call set_optimizer first)")
        if not isinstance(self._updater, opt.Updater):
            raise MXNetTypeError(
                f"KVStore.{what}_optimizer_states: the updater set by _set_updater "
                f"({self._updater!r}) keeps no states; only set_optimizer's updater does")
        return self._updater

    # -- process group -----------------------------------------------------------------------
    def _barrier(self) -> None:
        """Wait for every process of the group (nothing to wait for in one process)."""
        if self.num_workers > 1:
            multihost_utils.sync_global_devices(f"kvstore {self._type} barrier")

    def _send_command_to_servers(self, head: int, body: str) -> None:
        """No servers exist here; as MXNet's local store, the command is ignored."""


def create(name: str = "local") -> KVStoreBase:
    """A new store of type `name` (see the module docstring for the names).

    Args:
        name: "local", "device", "nccl", "dist_sync", "dist_async", "dist_device_sync",
            ..., or the lower-cased name of a class registered with `KVStoreBase.register`.

    Returns:
        The store.
    """
    if not isinstance(name, str):
        raise MXNetTypeError(f"name must be a string; received {type(name)}")
    name = name.lower()
    if name in KVStoreBase.kv_registry:
        return KVStoreBase.kv_registry[name]()
    return KVStore(name)


def _resolve(kvstore: KVStoreBase | str | None, num_device: int) -> KVStoreBase | None:
    """The store MXNet's `model._create_kvstore` gives Module and FeedForward.

    A string names a new store, except that one device in one process needs none
    (MXNet then returns None, so `kvstore.type` decides nothing).
    """
    if kvstore is None or isinstance(kvstore, KVStoreBase):
        return kvstore
    if isinstance(kvstore, str):
        return None if num_device == 1 and "dist" not in kvstore else create(kvstore)
    raise MXNetTypeError(f"kvstore must be KVStore, str or None; received {type(kvstore)}")
