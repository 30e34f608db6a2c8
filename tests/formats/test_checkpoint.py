"""Checkpoints in MXNet's layout, against files written by `mx.model.save_checkpoint`
(tests/data/json/checkpoint, from tools/record_json_fixtures.py)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import json_cases
import numpy as np
import pytest

import jaxsym as mx
from jaxsym.base import MXNetError
from jaxsym.formats import checkpoint as C
from jaxsym.formats.params import save_arrays

DATA = Path(__file__).resolve().parents[1] / "data" / "json"
CKPT = DATA / "checkpoint"
MANIFEST = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))
EPOCH = 3


@pytest.mark.parametrize("case", ["mlp", "conv_bn"])
def test_load_mxnet_checkpoint(case):
    heads, args, aux = C.load_arrays_checkpoint(str(CKPT / case), EPOCH)
    sym = mx.sym.Symbol(heads)
    assert sym.tojson() == (CKPT / f"{case}-symbol.json").read_text(encoding="utf-8")
    expected_args = [n for n in MANIFEST["built"][case]["arguments"]
                     if n not in ("data", "softmax_label")]
    assert list(args) == expected_args
    assert list(aux) == MANIFEST["built"][case]["aux"]
    arg_shapes, _, aux_shapes = sym.infer_shape(
        data=(2, 5) if case == "mlp" else (2, 3, 6, 6))
    shapes = dict(zip(sym.list_arguments(), arg_shapes)) | dict(
        zip(sym.list_auxiliary_states(), aux_shapes))
    for name, value in {**args, **aux}.items():
        assert value.shape == shapes[name] and value.dtype == np.float32, name


@pytest.mark.parametrize("case", ["mlp", "conv_bn"])
def test_resaved_checkpoint_is_byte_identical(case, tmp_path):
    heads, args, aux = C.load_arrays_checkpoint(str(CKPT / case), EPOCH)
    C.save_arrays_checkpoint(str(tmp_path / case), EPOCH, heads, args, aux)
    for name in (f"{case}-symbol.json", f"{case}-{EPOCH:04d}.params"):
        assert (tmp_path / name).read_bytes() == (CKPT / name).read_bytes(), name
    assert sorted(os.listdir(tmp_path)) == [f"{case}-{EPOCH:04d}.params",
                                            f"{case}-symbol.json"]


def test_symbol_and_ndarray_wrappers(tmp_path):
    sym, args, aux = mx.model.load_checkpoint(str(CKPT / "conv_bn"), EPOCH)
    assert isinstance(sym, mx.sym.Symbol)
    assert all(isinstance(v, mx.nd.NDArray) for v in {**args, **aux}.values())
    prefix = str(tmp_path / "again")
    mx.model.save_checkpoint(prefix, 12, sym, args, aux)
    assert (tmp_path / "again-0012.params").read_bytes() == \
        (CKPT / f"conv_bn-{EPOCH:04d}.params").read_bytes()
    sym2, args2, aux2 = mx.model.load_checkpoint(prefix, 12)
    assert sym2.tojson() == sym.tojson()
    for name, value in {**args, **aux}.items():
        np.testing.assert_array_equal(({**args2, **aux2})[name].asnumpy(), value.asnumpy())


def test_symbol_none_writes_only_params(tmp_path):
    mx.model.save_checkpoint(str(tmp_path / "p"), 1, None, {"w": np.ones(2, np.float32)}, {})
    assert os.listdir(tmp_path) == ["p-0001.params"]


def test_mxnet_loaded_a_jaxsym_checkpoint():
    """Recorded by the tool: MXNet 1.9.1's load_checkpoint read jaxsym's files with the
    same names and values, and its tojson reproduced jaxsym's symbol file."""
    record = MANIFEST["jaxsym_checkpoint"]
    assert record["same_keys"] and record["same_values"] and record["symbol_round_trip"]
    assert "aux:bn1_moving_mean" in record["loaded_keys"]


def test_built_symbol_checkpoint_matches_mxnet(tmp_path):
    net = json_cases.build(mx, "mlp")
    _, args, _ = C.load_arrays_checkpoint(str(CKPT / "mlp"), EPOCH)
    C.save_arrays_checkpoint(str(tmp_path / "mlp"), EPOCH, net._outputs, args, {})
    assert (tmp_path / "mlp-symbol.json").read_bytes() == (CKPT / "mlp-symbol.json").read_bytes()


def test_checkpoint_errors(tmp_path):
    shutil.copy(CKPT / "mlp-symbol.json", tmp_path / "m-symbol.json")
    with pytest.raises(MXNetError, match=r"m-0001\.params: cannot read"):
        mx.model.load_checkpoint(str(tmp_path / "m"), 1)
    with pytest.raises(MXNetError, match=r"x-symbol\.json: cannot read"):
        mx.model.load_checkpoint(str(tmp_path / "x"), 1)
    save_arrays(tmp_path / "m-0002.params", {"fc1_weight": np.zeros(2, np.float32)})
    with pytest.raises(MXNetError, match="key 'fc1_weight' has no 'arg:' or 'aux:' prefix"):
        mx.model.load_checkpoint(str(tmp_path / "m"), 2)
    save_arrays(tmp_path / "m-0003.params", [np.zeros(2, np.float32)])
    with pytest.raises(MXNetError, match="1 unnamed arrays"):
        mx.model.load_checkpoint(str(tmp_path / "m"), 3)
    # An empty dict is saved as an empty list; other prefixes are ignored, as in MXNet.
    save_arrays(tmp_path / "m-0004.params", {})
    assert C.load_arrays_checkpoint(str(tmp_path / "m"), 4)[1:] == ({}, {})
    save_arrays(tmp_path / "m-0005.params", {"opt:x": np.zeros(1, np.float32)})
    assert C.load_arrays_checkpoint(str(tmp_path / "m"), 5)[1:] == ({}, {})
