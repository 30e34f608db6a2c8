"""NDArray semantics against MXNet 1.9.1 (recorded by tools/record_core_semantics.py)."""

import sys
from pathlib import Path

import pytest

import jaxsym as mx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "symbol"))
from core_snippets import NDARRAY, compare, load_recorded, run_snippet  # noqa: E402

RECORDED = load_recorded("NDARRAY")


def _has_gpu() -> bool:
    import jax
    try:
        return bool(jax.devices("gpu"))
    except RuntimeError:
        return False


# The fixtures come from MXNet's CPU build, where mx.gpu(0) fails.
needs_no_gpu = pytest.mark.skipif(_has_gpu(), reason="a GPU is present: mx.gpu(0) works")


@pytest.mark.parametrize("name", sorted(NDARRAY))
def test_matches_mxnet(name):
    if name == "copies_and_contexts" and _has_gpu():
        pytest.skip("recorded on MXNet's CPU build, where mx.gpu(0) fails")
    compare(RECORDED[name], run_snippet(mx, NDARRAY[name]))


@needs_no_gpu
def test_missing_gpu_is_a_clear_error():
    with pytest.raises(mx.MXNetError, match="gpu\\(0\\) is not available"):
        mx.nd.ones((2,), ctx=mx.gpu(0))


def test_ops_come_from_the_registry():
    from jaxsym.ops import registry
    for name in ("FullyConnected", "elemwise_add", "dot", "sin"):
        assert getattr(mx.nd, name).__doc__ == registry.get(name).signature_doc()


def test_waitall_waits_for_every_dispatched_computation():
    # A chain of large products takes a good fraction of a second on a CPU: right after
    # dispatch it is still running, and waitall returns only once it is done.
    x = mx.nd.ones((800, 800)) / 800
    chain = [x]
    for _ in range(24):
        chain.append(mx.nd.dot(chain[-1], x))
    last = chain[-1]._data
    del chain
    mx.nd.waitall()
    assert last.is_ready()
    # Buffers donated to a computation are not waited on, nor an error.
    import jax
    donor = jax.numpy.ones((3,))
    jax.jit(lambda x: x + 1, donate_argnums=0)(donor)
    mx.nd.waitall()
