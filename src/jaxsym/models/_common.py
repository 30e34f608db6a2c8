"""Helpers shared by the builders: the default namespace and image-shape parsing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def namespace(sym: Any) -> Any:
    """The symbol namespace to build with: the one given, else `jaxsym.sym`."""
    if sym is not None:
        return sym
    from jaxsym import sym as jaxsym_sym  # late: keeps this package importable beside MXNet
    return jaxsym_sym


def image_shape(shape: str | Sequence[int]) -> tuple[int, int, int]:
    """MXNet's scripts pass "3,224,224"; tuples are accepted too."""
    dims = [int(d) for d in shape.split(",")] if isinstance(shape, str) else list(shape)
    if len(dims) != 3:
        raise ValueError(f"image_shape must be (channels, height, width), got {shape!r}")
    return dims[0], dims[1], dims[2]
