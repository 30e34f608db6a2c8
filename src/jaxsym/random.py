"""`mx.random`: seeding and NDArray draws."""

from ._rng import seed as seed  # noqa: F401
from .ndarray.random import normal as normal  # noqa: F401
from .ndarray.random import uniform as uniform  # noqa: F401
