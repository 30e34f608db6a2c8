"""The user-facing Symbol: `mx.sym` / `mx.symbol`.

Sits above executor/ and formats/; nothing below imports it.
"""

from .symbol import Group, Symbol, Variable, var  # noqa: F401
from .symbol import load, load_json, fromjson  # noqa: F401
from .creation import arange, eye, full, linspace, ones, zeros  # noqa: F401
from . import random  # noqa: F401
import types as _types

from ..ops.registry import install_fluent_methods
from . import op_functions as _op_functions

# MXNet also exposes every op, underscored ones included, under `_internal`.
_internal = _types.ModuleType(__name__ + "._internal")
_op_functions.install(globals())
_op_functions.install(vars(_internal))
install_fluent_methods(Symbol, _op_functions.make)
# MXNet's Python-level split_v2 over the `_split_v2` op.
split_v2 = __import__("jaxsym.ops.misc", fromlist=["_"]).split_v2_wrapper(_internal._split_v2)
