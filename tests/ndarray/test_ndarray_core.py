"""NDArray semantics against MXNet 1.9.1 (recorded by tools/record_core_semantics.py)."""

import sys
from pathlib import Path

import pytest

import jaxsym as mx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "symbol"))
from core_snippets import NDARRAY, compare, load_recorded, run_snippet  # noqa: E402

RECORDED = load_recorded("NDARRAY")


@pytest.mark.parametrize("name", sorted(NDARRAY))
def test_matches_mxnet(name):
    compare(RECORDED[name], run_snippet(mx, NDARRAY[name]))


def test_missing_gpu_is_a_clear_error():
    with pytest.raises(mx.MXNetError, match="gpu\\(0\\) is not available"):
        mx.nd.ones((2,), ctx=mx.gpu(0))


def test_ops_come_from_the_registry():
    from jaxsym.ops import registry
    for name in ("FullyConnected", "elemwise_add", "dot", "sin"):
        assert getattr(mx.nd, name).__doc__ == registry.get(name).signature_doc()
