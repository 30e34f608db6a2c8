"""NDArray: a mutable handle over an immutable jax.Array, with MXNet's in-place API.

`mx.nd.<Op>` functions come from the same op registry as `mx.sym.<Op>`. No Symbol here.
"""

import types as _types

from ..ops.registry import install_fluent_methods
from . import linalg, random  # noqa: F401
from . import op_functions as _op_functions
from .ndarray import (  # noqa: F401
                      NDArray,
                      arange,
                      array,
                      concat,
                      empty,
                      eye,
                      full,
                      linspace,
                      load,
                      load_frombuffer,
                      maximum,
                      minimum,
                      moveaxis,
                      ones,
                      save,
                      waitall,
                      zeros,
)

# MXNet also exposes every op, underscored ones included, under `_internal`.
_internal = _types.ModuleType(__name__ + "._internal")
_op_functions.install(globals())
_op_functions.install(vars(_internal))
install_fluent_methods(NDArray, _op_functions.make)
# MXNet's Python-level split_v2 over the `_split_v2` op.
from ..ops.misc import split_v2_wrapper as _split_v2_wrapper  # noqa: E402

split_v2 = _split_v2_wrapper(_internal._split_v2)
