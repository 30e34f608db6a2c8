"""jaxsym: Apache MXNet 1.x's symbolic API on JAX. Use as `import jaxsym as mx`.

This module is the `mx` facade: it re-exports the public modules and holds no logic.
"""

from __future__ import annotations

from . import base as base
from .base import Context as Context
from .base import MXNetError as MXNetError
from .base import cpu as cpu
from .base import current_context as current_context
from .base import gpu as gpu
from .graph import naming as name
from .graph.naming import AttrScope as AttrScope
from . import ops as _ops  # noqa: F401  (registers every op)
from . import ndarray as ndarray
from . import ndarray as nd
from . import symbol as symbol
from . import symbol as sym
from . import random as random
from . import io as io
from .formats import recordio as recordio
from . import image as image
from . import viz as viz
from . import rnn as rnn
from .train import callback as callback
from .train import initializer as initializer
from .train import initializer as init
from .train import kvstore as kv
from .train import kvstore as kvstore
from .train import lr_scheduler as lr_scheduler
from .train import metric as metric
from .train import model as model
from .train import module as mod
from .train import module as module
from .train import optimizer as optimizer
from .train import optimizer as opt

__version__ = "0.1.0"

__all__ = [
    "AttrScope", "Context", "MXNetError", "base", "callback", "cpu", "current_context", "gpu",
    "image", "init", "initializer", "io", "kv", "kvstore", "lr_scheduler", "metric", "mod",
    "model", "module", "name", "nd", "ndarray", "opt", "optimizer", "random", "recordio", "rnn",
    "sym", "symbol", "viz",
]
