"""NDArray: a mutable handle over an immutable jax.Array, with MXNet's in-place API.

`mx.nd.<Op>` functions come from the same op registry as `mx.sym.<Op>`. No Symbol here.
"""

from .ndarray import (NDArray, arange, array, concat, empty, full, ones, zeros,  # noqa: F401
                      waitall, maximum, minimum, moveaxis, save, load, load_frombuffer)
from . import random  # noqa: F401
from . import op_functions as _op_functions

_op_functions.install(globals())
