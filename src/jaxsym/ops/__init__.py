"""Operator registry and definitions.

An op sees jax arrays and parsed parameters only, never Symbol, Executor or NDArray.
Importing this package registers every op family.
"""

from . import registry as registry  # noqa: F401  (re-export)
from . import elemwise, linalg, nn, output, reduce, rnn, shape  # noqa: F401  (registration)
from . import creation  # noqa: F401  (registration)
