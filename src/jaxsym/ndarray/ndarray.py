"""The NDArray handle and its creation functions."""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..base import Context, MXNetTypeError, MXNetValueError, current_context, dtype_np
from ..ops.elemwise import broadcast_form, install_python_operators

Shape = tuple[int, ...]


class NDArray:
    """A mutable handle: `b[:] = a`, `a.copyto(b)` and `+=` rebind b's buffer in place.

    `b = a` aliases (same object); `a.copy()` makes a new handle. The buffer itself
    is an immutable jax.Array, so handles never share writes by accident.
    """

    __slots__ = ("_data", "_ctx", "__weakref__")
    __array_priority__ = 1000.0

    def __init__(self, data: jax.Array, ctx: Context | None = None) -> None:
        self._data = data
        self._ctx = ctx or current_context()

    # -- properties ----------------------------------------------------------------------
    @property
    def shape(self) -> Shape:
        return tuple(self._data.shape)

    @property
    def dtype(self) -> type:
        return np.dtype(self._data.dtype).type

    @property
    def size(self) -> int:
        return int(self._data.size)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def context(self) -> Context:
        return self._ctx

    ctx = context

    @property
    def stype(self) -> str:
        return "default"

    @property
    def T(self) -> NDArray:
        """All axes reversed (a copy), as MXNet's `transpose()`."""
        return NDArray(self._data.T, self._ctx)

    @property
    def handle(self) -> jax.Array:
        return self._data

    # -- conversion -------------------------------------------------------------------------
    def asnumpy(self) -> np.ndarray:
        return np.array(self._data)

    def asscalar(self) -> Any:
        """The single value as a numpy scalar of the array's dtype (`np.float32(3.5)`)."""
        if self.shape != (1,) and self.shape != ():
            raise MXNetValueError("The current array is not a scalar")
        return self.asnumpy().reshape(())[()]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = np.asarray(self._data)
        return out.astype(dtype) if dtype is not None else out

    def astype(self, dtype: Any, copy: bool = True) -> NDArray:
        dt = dtype_np(dtype)
        if not copy and dt == np.dtype(self._data.dtype):
            return self
        return NDArray(self._data.astype(dt), self._ctx)

    def copy(self) -> NDArray:
        # A real buffer copy: training steps donate parameter buffers, so a copy that
        # shared one would be invalidated by the next step.
        return NDArray(jnp.array(self._data, copy=True), self._ctx)

    def copyto(self, other: NDArray | Context) -> NDArray:
        if isinstance(other, Context):
            return NDArray(jax.device_put(self._data, other.jax_device()), other)
        if not isinstance(other, NDArray):
            raise MXNetTypeError(f"copyto does not support type {type(other).__name__}")
        if other is self:
            return other
        if other.shape != self.shape:
            raise MXNetValueError(f"copyto: shape mismatch, source {self.shape} vs "
                                  f"target {other.shape}")
        other._data = self._data.astype(other._data.dtype)
        return other

    def as_in_context(self, context: Context) -> NDArray:
        if context == self._ctx:
            return self
        return self.copyto(context)

    def wait_to_read(self) -> None:
        self._data.block_until_ready()

    def reshape(self, *shape: Any, **kwargs: Any) -> NDArray:
        """A view with a new shape (MXNet's codes 0, -1, -2, -3, -4 and `reverse`).

        As in MXNet the result shares the buffer: writing to it writes to self.
        """
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        if "shape" in kwargs:
            shape = tuple(kwargs.pop("shape"))
        from .op_functions import make
        target = make("Reshape", "reshape")(self, shape=shape, **kwargs).shape
        return _View(self, _Reshape(target))

    def __len__(self) -> int:
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(self.shape[0]))

    def __repr__(self) -> str:
        shape = "x".join(str(d) for d in self.shape)
        return f"\n{self.asnumpy()}\n<NDArray {shape} @{self._ctx}>"

    def __bool__(self) -> bool:
        if self.size == 1:
            return bool(self.asnumpy().reshape(()))
        raise MXNetValueError("The truth value of an NDArray with multiple elements is "
                              "ambiguous.")

    def __float__(self) -> float:
        return float(self.asscalar())

    def __int__(self) -> int:
        return int(self.asscalar())

    # -- indexing -------------------------------------------------------------------------
    def _index(self, key: Any) -> Any:
        if isinstance(key, NDArray):
            return key._data.astype(jnp.int32)
        if isinstance(key, tuple):
            return tuple(self._index(k) for k in key)
        return key

    def __getitem__(self, key: Any) -> NDArray:
        """MXNet's legacy indexing: an int or a step-1 slice on the first axis gives a
        view sharing the buffer; other keys copy. An int index keeps one axis of
        length 1 on 1-D arrays, and a full tuple of ints gives shape (1,)."""
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            size = self.shape[0] if self.ndim else 0
            if not -size <= key < size:
                raise IndexError(f"index {key} is out of bounds for axis 0 with size {size}")
            key = int(key) % size
            if self.ndim == 1:
                return _View(self, slice(key, key + 1))
            return _View(self, key)
        if isinstance(key, slice) and key.step in (None, 1):
            return _View(self, key)
        out = self._data[self._index(key)]
        if isinstance(key, tuple) and len(key) == self.ndim and all(
                isinstance(k, (int, np.integer)) for k in key):
            out = out.reshape(1)
        return NDArray(out, self._ctx)

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(value, NDArray):
            value = value._data
        if isinstance(key, slice) and key == slice(None):
            # `b[:] = a` replaces the whole buffer, keeping b's shape and dtype.
            self._data = _fresh_copy(value, self._data)
            return
        index = self._index(key)
        if isinstance(index, jax.Array) and self.ndim > 1:
            # An NDArray key selects whole rows along the first axis.
            index = (index,)
        self._data = self._data.at[index].set(
            same_device(jnp.asarray(value, dtype=self._data.dtype), self._data))

    # -- arithmetic -------------------------------------------------------------------------
    def _binary(self, other: Any, op: str, scalar_op: str, reverse: bool = False) -> NDArray:
        from .op_functions import make
        if isinstance(other, NDArray):
            lhs, rhs = (other, self) if reverse else (self, other)
            # MXNet's NDArray operators broadcast (numpy-style) when shapes differ.
            return make(op if lhs.shape == rhs.shape else broadcast_form(op), op)(lhs, rhs)
        if isinstance(other, (int, float, np.number, bool)):
            return make(scalar_op, scalar_op)(self, scalar=float(other))
        if isinstance(other, np.ndarray):
            # As MXNet: a numpy operand must be wrapped with mx.nd.array first.
            raise TypeError(f"type {type(other)} not supported")
        return NotImplemented

    __hash__ = object.__hash__

    def __neg__(self) -> NDArray:
        return self._binary(-1.0, "elemwise_mul", "_mul_scalar")

    def __abs__(self) -> NDArray:
        from .op_functions import make
        return make("abs", "abs")(self)

    def _inplace(self, result: NDArray) -> NDArray:
        if result is NotImplemented:
            return result
        self._data = result._data.astype(self._data.dtype)
        return self

    def __iadd__(self, o: Any) -> NDArray: return self._inplace(self.__add__(o))
    def __isub__(self, o: Any) -> NDArray: return self._inplace(self.__sub__(o))
    def __imul__(self, o: Any) -> NDArray: return self._inplace(self.__mul__(o))
    def __itruediv__(self, o: Any) -> NDArray: return self._inplace(self.__truediv__(o))
    def __imod__(self, o: Any) -> NDArray: return self._inplace(self.__mod__(o))
    def __ipow__(self, o: Any) -> NDArray: return self._inplace(self.__pow__(o))


install_python_operators(NDArray, "_binary")


class _Reshape:
    """A reshape view's key: the view's shape."""

    __slots__ = ("shape",)

    def __init__(self, shape: Shape) -> None:
        self.shape = tuple(shape)


class _View(NDArray):
    """A handle onto part (or a reshape) of another handle's buffer.

    Reads see the base's current buffer; writes rebuild the base's buffer, so
    `a[0:1][:] = 0`, `a[1] += 1` and `a.reshape(...)[:] = x` change `a`, as in MXNet.
    """

    __slots__ = ("_base", "_key")

    def __init__(self, base: NDArray, key: Any) -> None:  # noqa: D107
        self._base = base
        self._key = key
        self._ctx = base._ctx

    @property  # type: ignore[override]
    def _data(self) -> jax.Array:
        data = self._base._data
        if isinstance(self._key, _Reshape):
            return data.reshape(self._key.shape)
        return data[self._key]

    @_data.setter
    def _data(self, value: jax.Array) -> None:
        base = self._base._data
        value = jnp.asarray(value, dtype=base.dtype)
        if isinstance(self._key, _Reshape):
            self._base._data = value.reshape(base.shape)
        else:
            self._base._data = base.at[self._key].set(value)


def _place(data: jax.Array, ctx: Context | None) -> NDArray:
    """Commit `data` to the context's device: mx.cpu() is the CPU even where JAX's
    default device is a GPU, so arrays of one context never mix devices."""
    ctx = ctx or current_context()
    return NDArray(jax.device_put(data, ctx.jax_device()), ctx)


def _fresh_copy(value: Any, like: jax.Array) -> jax.Array:
    """`value` (a jax array, numpy array or scalar) broadcast into a new buffer of
    `like`'s shape, dtype and device. Always a copy: training steps donate the buffers
    they update, so sharing one is unsafe. Nothing is compiled on the common paths
    (jnp.array compiles a copy kernel per shape, 20-40 ms of a cold start)."""
    device = next(iter(like.devices()))
    try:
        if isinstance(value, jax.Array):
            if value.shape != like.shape:
                value = jnp.broadcast_to(value, like.shape)
            if value.dtype != like.dtype:
                return jax.device_put(value.astype(like.dtype), device)
            return jax.device_put(value, device, may_alias=False)
        # A private host copy: the transfer may read it after we return, and the caller
        # is free to change its array.
        host = np.array(value, dtype=like.dtype)
        if host.shape != like.shape:
            host = np.array(np.broadcast_to(host, like.shape))
        return jax.device_put(host, device)
    except ValueError:
        raise MXNetValueError(f"cannot assign an array of shape {np.shape(value)} to an "
                              f"NDArray of shape {tuple(like.shape)}") from None


def same_device(data: jax.Array, like: jax.Array) -> jax.Array:
    """`data` on the device of `like` (a no-op when it is there already)."""
    device = next(iter(like.devices()))
    if data.devices() == {device}:
        return data
    return jax.device_put(data, device)


def _shape(shape: int | Sequence[int]) -> Shape:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def array(source_array: Any, ctx: Context | None = None, dtype: Any = None) -> NDArray:
    """An NDArray copied from any array-like; float32 unless `dtype` or an NDArray says."""
    if isinstance(source_array, NDArray):
        dt = dtype_np(dtype) if dtype is not None else source_array._data.dtype
        return _place(source_array._data.astype(dt), ctx or source_array.context)
    # MXNet's default is float32 even for numpy input of another dtype.
    dt = dtype_np(dtype) if dtype is not None else np.dtype(np.float32)
    # Straight from a private host copy: jnp.asarray compiles a program per shape (most
    # of a cold start's small compiles), and device_put may alias an aligned buffer.
    ctx = ctx or current_context()
    return NDArray(jax.device_put(np.array(source_array, dtype=dt), ctx.jax_device()), ctx)


def empty(shape: int | Sequence[int], ctx: Context | None = None,
          dtype: Any = "float32") -> NDArray:
    return zeros(shape, ctx, dtype)


def zeros(shape: int | Sequence[int], ctx: Context | None = None, dtype: Any = "float32",
          **kwargs: Any) -> NDArray:
    return full(shape, 0, ctx, dtype)


def ones(shape: int | Sequence[int], ctx: Context | None = None, dtype: Any = "float32",
         **kwargs: Any) -> NDArray:
    return full(shape, 1, ctx, dtype)


def full(shape: int | Sequence[int], val: float, ctx: Context | None = None,
         dtype: Any = "float32", out: NDArray | None = None) -> NDArray:
    # Filled on the host and transferred: jnp.full would compile a kernel per shape.
    host = np.full(_shape(shape), val, dtype_np(dtype or "float32"))
    ctx = ctx or current_context()
    result = NDArray(jax.device_put(host, ctx.jax_device()), ctx)
    if out is not None:
        out[:] = result
        return out
    return result


def arange(start: float, stop: float | None = None, step: float = 1.0, repeat: int = 1,
           infer_range: bool = False, ctx: Context | None = None,
           dtype: Any = "float32") -> NDArray:
    """Evenly spaced values, as MXNet's `_arange` (which mx.nd.arange calls with
    infer_range off: the argument is deprecated there)."""
    from .op_functions import make
    return _place(make("_arange", "arange")(start=start, stop=stop, step=step, repeat=repeat,
                                            dtype=dtype or "float32")._data, ctx)


def linspace(start: float, stop: float, num: int, endpoint: bool = True,
             ctx: Context | None = None, dtype: Any = "float32") -> NDArray:
    """`num` values from start to stop, as MXNet's `_linspace`."""
    from .op_functions import make
    return _place(make("_linspace", "linspace")(
        start=start, stop=stop, num=num, endpoint=endpoint, dtype=dtype)._data, ctx)


def eye(N: int, M: int = 0, k: int = 0, ctx: Context | None = None, dtype: Any = None,
        **kwargs: Any) -> NDArray:
    """N x M (M=0: N) with ones on diagonal k, as MXNet's `_eye`."""
    from .op_functions import make
    return _place(make("_eye", "eye")(N=N, M=M, k=k, dtype=dtype or "float32",
                                      **kwargs)._data, ctx)


def concat(*arrays: NDArray, dim: int = 1, **kwargs: Any) -> NDArray:
    from .op_functions import make
    return make("Concat", "concat")(*arrays, dim=dim, **kwargs)


def maximum(lhs: Any, rhs: Any) -> Any:
    return _minmax(lhs, rhs, "maximum")


def minimum(lhs: Any, rhs: Any) -> Any:
    return _minmax(lhs, rhs, "minimum")


def _minmax(lhs: Any, rhs: Any, which: str) -> Any:
    from .op_functions import make
    if isinstance(lhs, NDArray) and isinstance(rhs, NDArray):
        if lhs.shape == rhs.shape:
            return make(f"_{which}", which)(lhs, rhs)
        return make(f"broadcast_{which}", which)(lhs, rhs)
    if isinstance(lhs, NDArray):
        return make(f"_{which}_scalar", which)(lhs, scalar=float(rhs))
    if isinstance(rhs, NDArray):
        return make(f"_{which}_scalar", which)(rhs, scalar=float(lhs))
    return max(lhs, rhs) if which == "maximum" else min(lhs, rhs)


def moveaxis(tensor: NDArray, source: int, destination: int) -> NDArray:
    return NDArray(jnp.moveaxis(tensor._data, source, destination), tensor.context)


def waitall() -> None:
    """Block until every computation dispatched so far is done, as MXNet's engine-wide
    wait (`jax.effects_barrier` alone waits only for computations with side effects)."""
    jax.block_until_ready(jax.live_arrays())
    jax.effects_barrier()


def save(fname: str, data: NDArray | Sequence[NDArray] | dict[str, NDArray]) -> None:
    """Write arrays in MXNet's binary format (`.params`, `mean.bin`)."""
    from ..formats import params
    params.save_arrays(fname, _to_numpy_container(data))


def load(fname: str) -> list[NDArray] | dict[str, NDArray]:
    """Read a file written by `mx.nd.save`: a list, or a dict when it stores names.

    The arrays belong to the current context but stay on the host until first used on
    the device (see `_HostNDArray`), so loading, inspecting and re-saving need no device.
    """
    from ..formats import params
    return _from_numpy_container(params.load_arrays(fname))


def load_frombuffer(buf: bytes) -> list[NDArray] | dict[str, NDArray]:
    """`load` from the file's bytes."""
    from ..formats import params
    return _from_numpy_container(params.loads_arrays(buf))


def _to_numpy_container(data: Any) -> Any:
    if isinstance(data, NDArray):
        return [_saved(data)]
    if isinstance(data, dict):
        for key, value in data.items():
            if not isinstance(value, NDArray):
                raise MXNetTypeError(f"save: value for {key!r} must be an NDArray, got "
                                     f"{type(value).__name__}")
        return {str(k): _saved(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        for value in data:
            if not isinstance(value, NDArray):
                raise MXNetTypeError(f"save: items must be NDArrays, got "
                                     f"{type(value).__name__}")
        return [_saved(v) for v in data]
    raise MXNetTypeError(f"save: data needs to be an NDArray, a list or a dict of "
                         f"NDArrays, got {type(data).__name__}")


def _saved(arr: NDArray) -> np.ndarray:
    """What `save` writes for `arr`: a host array still on the host is written as is."""
    return arr._host() if type(arr) is _HostNDArray else arr.asnumpy()


def _from_numpy_container(data: Any) -> Any:
    ctx = current_context()
    if ctx.device_type != "cpu":
        ctx.jax_device()  # a missing GPU fails here, at load, as before arrays were lazy
    batch = _HostBatch()
    if isinstance(data, dict):
        return {k: _HostNDArray(v, ctx, batch) for k, v in data.items()}
    return [_HostNDArray(v, ctx, batch) for v in data]


# The base class's `_data` slot, reached past `_HostNDArray`'s property.
_DATA_SLOT = NDArray.__dict__["_data"]


class _HostBatch:
    """The arrays of one `load` (all of one context): the first to be used puts all that
    are left on the device in one batched `device_put`, half the cost of one per array."""

    __slots__ = ("lock", "members")

    def __init__(self) -> None:
        self.members: list[weakref.ref] = []
        self.lock = threading.Lock()


class _Pending:
    """What a `_HostNDArray`'s `_data` slot holds: the host array and its batch."""

    __slots__ = ("batch", "host")

    def __init__(self, host: np.ndarray, batch: _HostBatch) -> None:
        self.host = host
        self.batch = batch


class _HostNDArray(NDArray):
    """An NDArray from `mx.nd.load` whose data is still the loaded numpy array.

    Turning hundreds of arrays into device arrays costs more than reading the file, so
    it waits for first use: reading `_data` (what every op, executor and optimizer does)
    puts the arrays of the same load that are still on the host on their context's
    device together, stores each result in its slot and turns each object into a plain
    NDArray (`__class__` assignment), so afterwards they cost nothing. Writing `_data`
    turns just this one into a plain NDArray holding the new value. Until then shape,
    dtype, `asnumpy`, `__array__`, repr and `save` are served from the host copy.
    Nothing writes the host buffer, which `device_put` may alias.
    """

    __slots__ = ()

    def __init__(self, host: np.ndarray, ctx: Context, batch: _HostBatch) -> None:
        canonical = jax.dtypes.canonicalize_dtype(host.dtype)
        if host.dtype != canonical:
            # float64/int64 become what device_put would make of them (without x64).
            host = host.astype(canonical)
        _DATA_SLOT.__set__(self, _Pending(host, batch))
        self._ctx = ctx
        batch.members.append(weakref.ref(self))

    def _host(self) -> np.ndarray:
        return _DATA_SLOT.__get__(self).host

    @property  # type: ignore[override]
    def _data(self) -> jax.Array:
        pending = _DATA_SLOT.__get__(self)
        if not isinstance(pending, _Pending):  # another thread got here first
            return pending
        batch = pending.batch
        del pending  # it holds the file buffer, which should be freed below
        with batch.lock:
            if type(self) is _HostNDArray:
                todo = [a for a in (ref() for ref in batch.members)
                        if type(a) is _HostNDArray]
                values = jax.device_put([a._host() for a in todo], self._ctx.jax_device())
                batch.members = []
                for arr, value in zip(todo, values):
                    _DATA_SLOT.__set__(arr, value)
                    arr.__class__ = NDArray
                del todo
                # The file buffer is garbage now, or pinned by device arrays aliasing
                # it: either way, not for the next load to reuse.
                from ..formats.params import release_spare
                release_spare()
        return _DATA_SLOT.__get__(self)

    @_data.setter
    def _data(self, value: jax.Array) -> None:
        pending = _DATA_SLOT.__get__(self)
        # Under the batch's lock, so a concurrent first use cannot overwrite the value.
        with pending.batch.lock if isinstance(pending, _Pending) else contextlib.nullcontext():
            _DATA_SLOT.__set__(self, value)
            self.__class__ = NDArray

    @property
    def shape(self) -> Shape:
        return self._host().shape

    @property
    def dtype(self) -> type:
        return self._host().dtype.type

    @property
    def size(self) -> int:
        return self._host().size

    @property
    def ndim(self) -> int:
        return self._host().ndim

    def asnumpy(self) -> np.ndarray:
        return self._host().copy()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self._host().view()
        out.flags.writeable = False  # read-only, as numpy views of jax arrays are
        return out.astype(dtype) if dtype is not None else out
