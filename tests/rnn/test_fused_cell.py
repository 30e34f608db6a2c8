"""mx.rnn.FusedRNNCell, mx.init.FusedRNN and the modifier cells against MXNet 1.9.1
(tests/data/rnnop/, recorded by tools/record_rnnop_fixtures.py from fused_scenario.py)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from rnn import fused_scenario as sc

import jaxsym as mx
from jaxsym.base import MXNetError

DATA = Path(__file__).parents[1] / "data" / "rnnop"
FACTS = json.loads((DATA / "rnnop.json").read_text())
ARRAYS = np.load(DATA / "rnnop.npz")


def _check_arrays(prefix: str, arrays: dict) -> None:
    assert {prefix + k for k in arrays} == {k for k in ARRAYS.files if k.startswith(prefix)}
    for name, value in arrays.items():
        np.testing.assert_allclose(value, ARRAYS[prefix + name], rtol=1e-4, atol=1e-5,
                                   err_msg=name)


@pytest.mark.parametrize("case", sorted(sc.CELL_CASES))
def test_fused_cell_unroll_unpack_and_unfuse_match_mxnet(case):
    if sc.CELL_CASES[case][3] == "NTC":
        with pytest.warns(UserWarning, match="NTC layout detected"):
            facts, arrays = sc.run_cell_case(mx, case)
    else:
        facts, arrays = sc.run_cell_case(mx, case)
    assert json.loads(json.dumps(facts)) == FACTS["cell"][case]
    _check_arrays(f"cell/{case}/", arrays)


@pytest.mark.parametrize("mode", ["lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_fused_rnn_initializer_matches_mxnet(mode, bidirectional):
    got = sc.fused_init(mx, mode, bidirectional)
    np.testing.assert_array_equal(got, ARRAYS[f"init/{mode}_{int(bidirectional)}"])


@pytest.mark.parametrize("case", sc.MODIFIER_CASES)
def test_modifier_and_bidirectional_cells_match_mxnet(case):
    facts, outs = sc.run_modifier_case(mx, case)
    assert json.loads(json.dumps(facts)) == FACTS["modifier"][case]
    _check_arrays(f"modifier/{case}/", {str(k): v for k, v in enumerate(outs)})


def test_fused_cell_variable_carries_fused_rnn_init():
    cell = mx.rnn.FusedRNNCell(4, num_layers=2, mode="gru", bidirectional=True,
                               forget_bias=2.0)
    out, states = cell.unroll(3, mx.sym.Variable("data"), layout="TNC")
    assert states == [] and out.list_arguments() == ["data", "gru_parameters"]
    init = mx.init.create(out.attr_dict()["gru_parameters"]["__init__"])
    assert isinstance(init, mx.init.FusedRNN)
    assert init.dumps() == mx.init.FusedRNN(None, 4, 2, "gru", True, 2.0).dumps()


def test_fused_cell_errors():
    cell = mx.rnn.FusedRNNCell(4, prefix="f_")
    with pytest.raises(MXNetError, match="cannot be stepped"):
        cell(mx.sym.Variable("x"), cell.begin_state())
    with pytest.raises(MXNetError, match="mode='foo'"):
        mx.rnn.FusedRNNCell(4, mode="foo")
    with pytest.raises(MXNetError, match="does not fit"):
        cell.unpack_weights({"f_parameters": mx.nd.zeros(7)})
    with pytest.raises(MXNetError, match="doesn't support zoneout"):
        mx.rnn.ZoneoutCell(cell)


def test_modified_base_cell_cannot_begin_state():
    base = mx.rnn.LSTMCell(3)
    mx.rnn.ResidualCell(base)
    with pytest.raises(MXNetError, match="modifier cell"):
        base.begin_state()


def test_fused_cell_unfuse_with_dropout_adds_dropout_cells():
    cell = mx.rnn.FusedRNNCell(4, num_layers=3, mode="rnn_tanh", dropout=0.3, prefix="f_")
    stack = cell.unfuse()
    kinds = [type(c).__name__ for c in stack._cells]
    assert kinds == ["RNNCell", "DropoutCell", "RNNCell", "DropoutCell", "RNNCell"]
    assert [c._prefix for c in stack._cells][:2] == ["f_l0_", "f__dropout0_"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, _ = cell.unroll(2, mx.sym.Variable("data"), layout="TNC", merge_outputs=True)
    assert out.infer_shape(data=(2, 3, 5))[1] == [(2, 3, 4)]
