"""`mx.nd.linalg`: the `_linalg_<x>` ops under their short names."""

from ..ops import registry as _registry
from .op_functions import make as _make

_PREFIX = "_linalg_"
globals().update({name[len(_PREFIX):]: _make(name, name[len(_PREFIX):])
                  for name in _registry.all_names() if name.startswith(_PREFIX)})
