"""Operator registry and definitions.

An op sees jax arrays and parsed parameters only, never Symbol, Executor or NDArray.
Importing this package registers every op family.
"""

from . import (  # noqa: F401  (registration)
    creation,
    elemwise,
    legacy,
    linalg,
    misc,
    nn,
    output,
    reduce,
    rnn,
    shape,
    spatial,
    tensor,
)
from . import registry as registry  # noqa: F401  (re-export)
