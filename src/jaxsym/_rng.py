"""The process-wide random state behind `mx.random.seed`.

JAX keys feed ops that draw inside compiled graphs (Dropout, random ops); a numpy
Generator feeds host-side draws (initializers, iterator shuffling). Both are reset
together by `seed`, so a seeded program is reproducible run to run.
"""

from __future__ import annotations

import functools

import numpy as np

_state: dict[str, object] = {"seed": 0, "counter": 0, "np": np.random.default_rng(0)}


def seed(seed_state: int) -> None:
    """Reset every jaxsym random stream, as `mx.random.seed`."""
    _state["seed"] = int(seed_state)
    _state["counter"] = 0
    _state["np"] = np.random.default_rng(int(seed_state))


def next_key():  # -> jax.Array
    """A fresh JAX PRNG key; each call returns a different one."""
    _state["counter"] = int(_state["counter"]) + 1  # type: ignore[arg-type]
    return _derive()(int(_state["seed"]), int(_state["counter"]))  # type: ignore[arg-type]


@functools.cache
def _derive():  # -> Callable[[int, int], jax.Array]
    """key(seed, counter) as one compiled call (jax is imported on first use)."""
    import jax

    return jax.jit(lambda s, c: jax.random.fold_in(jax.random.PRNGKey(s), c))


def numpy_rng() -> np.random.Generator:
    """The host-side generator (initializers, shuffling)."""
    return _state["np"]  # type: ignore[return-value]
