"""Errors, dtype tables and device contexts. Knows nothing of graphs or arrays."""

from __future__ import annotations

import numpy as np

__all__ = ["MXNetError", "MXNetValueError", "MXNetTypeError", "Context", "cpu", "gpu",
           "current_context", "DTYPE_NP_TO_MX", "DTYPE_MX_TO_NP", "dtype_np", "dtype_name"]


class MXNetError(RuntimeError):
    """The error jaxsym raises for bad input; a RuntimeError, as `mxnet.base.MXNetError`."""


class MXNetValueError(MXNetError, ValueError):
    """A bad value (shape, parameter, file content)."""


class MXNetTypeError(MXNetError, TypeError):
    """A bad type (an argument that is not a Symbol, NDArray, ...)."""


# MXNet's dtype flags, as stored in .params files and used by infer_type.
DTYPE_MX_TO_NP: dict[int, np.dtype] = {
    0: np.dtype("float32"),
    1: np.dtype("float64"),
    2: np.dtype("float16"),
    3: np.dtype("uint8"),
    4: np.dtype("int32"),
    5: np.dtype("int8"),
    6: np.dtype("int64"),
    7: np.dtype("bool"),
}
DTYPE_NP_TO_MX: dict[np.dtype, int] = {v: k for k, v in DTYPE_MX_TO_NP.items()}


def dtype_np(dtype: object) -> np.dtype:
    """Normalise a dtype given as a name, numpy type or jax dtype."""
    try:
        return np.dtype(dtype)  # type: ignore[arg-type]
    except TypeError as err:
        raise MXNetTypeError(f"unknown dtype {dtype!r}") from err


def dtype_name(dtype: object) -> str:
    return dtype_np(dtype).name


class Context:
    """A device, as `mx.cpu(0)` / `mx.gpu(1)`; maps to a `jax.Device` on first use."""

    _default: Context | None = None

    def __init__(self, device_type: str | Context = "cpu", device_id: int = 0) -> None:
        if isinstance(device_type, Context):
            device_type, device_id = device_type.device_type, device_type.device_id
        if device_type not in ("cpu", "gpu", "cpu_pinned", "cpu_shared"):
            raise MXNetValueError(f"unknown device type {device_type!r}; use 'cpu' or 'gpu'")
        self.device_type = device_type
        self.device_id = int(device_id)

    @property
    def device_typeid(self) -> int:
        return {"cpu": 1, "gpu": 2, "cpu_pinned": 3, "cpu_shared": 5}[self.device_type]

    def jax_device(self):  # -> jax.Device
        """The jax device behind this context; a missing GPU is a clear error."""
        import jax

        # This process's devices: MXNet's gpu(i) is the i-th GPU of the machine the
        # process runs on, also when jax.distributed joins several processes.
        if self.device_type == "gpu":
            try:
                devices = jax.local_devices(backend="gpu")
            except RuntimeError:
                devices = []
            if self.device_id >= len(devices):
                raise MXNetError(
                    f"{self} is not available: this machine has {len(devices)} GPU(s) "
                    "visible to JAX (install jax[cuda12] and check the driver)")
            return devices[self.device_id]
        return jax.local_devices(backend="cpu")[0]

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Context) and self.device_type == other.device_type
                and self.device_id == other.device_id)

    def __hash__(self) -> int:
        return hash((self.device_type, self.device_id))

    def __repr__(self) -> str:
        return f"{self.device_type}({self.device_id})"

    __str__ = __repr__

    def __enter__(self) -> Context:
        self._old = Context._default
        Context._default = self
        return self

    def __exit__(self, *exc: object) -> None:
        Context._default = self._old


def cpu(device_id: int = 0) -> Context:
    return Context("cpu", device_id)


def gpu(device_id: int = 0) -> Context:
    return Context("gpu", device_id)


def current_context() -> Context:
    return Context._default or Context("cpu", 0)
