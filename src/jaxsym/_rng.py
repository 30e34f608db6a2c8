"""The process-wide random state behind `mx.random.seed`.

JAX keys feed ops that draw inside compiled graphs (Dropout, random ops); a numpy
Generator feeds host-side draws (initializers, iterator shuffling). Both are reset
together by `seed`, so a seeded program is reproducible run to run.
"""

from __future__ import annotations

import numpy as np

_state: dict[str, object] = {"seed": 0, "counter": 0, "np": np.random.default_rng(0)}


def seed(seed_state: int) -> None:
    """Reset every jaxsym random stream, as `mx.random.seed`."""
    _state["seed"] = int(seed_state)
    _state["counter"] = 0
    _state["np"] = np.random.default_rng(int(seed_state))


def next_key():  # -> jax.Array
    """A fresh JAX PRNG key; each call returns a different one."""
    import jax

    _state["counter"] = int(_state["counter"]) + 1  # type: ignore[arg-type]
    return jax.random.fold_in(jax.random.PRNGKey(int(_state["seed"])), int(_state["counter"]))  # type: ignore[arg-type]


def numpy_rng() -> np.random.Generator:
    """The host-side generator (initializers, shuffling)."""
    return _state["np"]  # type: ignore[return-value]
