"""The user-facing Symbol: `mx.sym` / `mx.symbol`.

Sits above executor/ and formats/; nothing below imports it.
"""

from .symbol import Group, Symbol, Variable, var  # noqa: F401
from .symbol import load, load_json, fromjson  # noqa: F401
from . import op_functions as _op_functions

_op_functions.install(globals())
