import sys
from pathlib import Path

import pytest

# The conformance harness lives under tests/ and is imported as `conformance`.
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session", autouse=True)
def _compile_cache(tmp_path_factory):
    """JAX's persistent compilation cache in a temporary folder, for the whole run.

    Many tests rebuild the same networks and kernels; later ones load what the first
    compiled instead of compiling again (seconds per training step on 2 cores).
    """
    import jax

    names = ("jax_compilation_cache_dir", "jax_persistent_cache_min_compile_time_secs",
             "jax_persistent_cache_min_entry_size_bytes")
    old = {n: getattr(jax.config, n) for n in names}
    new = (str(tmp_path_factory.mktemp("jax_cache")), 0.2, 0)
    for name, value in zip(names, new):
        jax.config.update(name, value)
    yield
    for name, value in old.items():
        jax.config.update(name, value)


@pytest.fixture(autouse=True)
def _fresh_names():
    """Each test starts with fresh auto-name counters, as a new MXNet process would."""
    from jaxsym.graph import naming

    with naming.NameManager():
        yield
