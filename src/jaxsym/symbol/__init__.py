"""The user-facing Symbol: `mx.sym` / `mx.symbol`.

Sits above executor/ and formats/; nothing below imports it.
"""

import types as _types

from ..ops.registry import install_fluent_methods
from . import linalg, random  # noqa: F401
from . import op_functions as _op_functions
from .creation import arange, eye, full, linspace, ones, zeros  # noqa: F401
from .symbol import Group, Symbol, Variable, fromjson, load, load_json, var  # noqa: F401  # noqa: F401

# MXNet also exposes every op, underscored ones included, under `_internal`.
_internal = _types.ModuleType(__name__ + "._internal")
_op_functions.install(globals())
_op_functions.install(vars(_internal))
install_fluent_methods(Symbol, _op_functions.make)
# MXNet's Python-level split_v2 over the `_split_v2` op.
from ..ops.misc import split_v2_wrapper as _split_v2_wrapper  # noqa: E402

split_v2 = _split_v2_wrapper(_internal._split_v2)
