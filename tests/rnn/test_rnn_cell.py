"""mx.rnn cells against MXNet 1.9.1 (tests/data/rnn/, recorded by tools/record_rnn_fixtures.py
from rnn_scenario.py): argument names, shapes, attributes and forward outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from rnn import rnn_scenario as sc

import jaxsym as mx
from jaxsym.base import MXNetError

DATA = Path(__file__).parents[1] / "data" / "rnn"
FACTS = json.loads((DATA / "rnn.json").read_text())["cells"]
ARRAYS = np.load(DATA / "rnn.npz")


@pytest.mark.parametrize("case", sorted(sc.CELL_CASES))
def test_unrolled_cell_matches_mxnet(case):
    got, outs = sc.run_cell_case(mx, case)
    want = FACTS[case]
    assert json.loads(json.dumps(got)) == want
    assert len(outs) == len(want["outputs"])
    for k, out in enumerate(outs):
        np.testing.assert_allclose(out, ARRAYS[f"{case}/{k}"], rtol=1e-5, atol=1e-6)


def test_step_names_and_state_api():
    cell = mx.rnn.LSTMCell(3, prefix="lstm_")
    assert cell.state_shape == [(0, 3), (0, 3)]
    x = mx.sym.Variable("x")
    out, states = cell(x, cell.begin_state())
    out2, _ = cell(out, states)
    names = out2.get_internals().list_outputs()
    for name in ("lstm_t0_i2h_output", "lstm_t1_h2h_output", "lstm_t1_slice_output3",
                 "lstm_t0_state_output", "lstm_t1_out_output", "lstm_begin_state_1_output"):
        assert name in names
    assert out2.list_arguments() == ["x", "lstm_i2h_weight", "lstm_i2h_bias",
                                     "lstm_h2h_weight", "lstm_h2h_bias"]
    cell.reset()
    out, _ = cell(x, cell.begin_state(func=mx.sym.Variable))
    assert "lstm_begin_state_0" in out.list_arguments()
    assert "lstm_t0_out_output" in out.get_internals().list_outputs()


def test_params_are_shared_through_rnnparams():
    params = mx.rnn.RNNParams("shared_")
    a = mx.rnn.RNNCell(2, prefix="a_", params=params)
    b = mx.rnn.RNNCell(2, prefix="b_", params=params)
    x = mx.sym.Variable("x")
    out = mx.sym.Group([a(x, a.begin_state())[0], b(x, b.begin_state())[0]])
    assert out.list_arguments() == ["x", "shared_i2h_weight", "shared_i2h_bias",
                                    "shared_h2h_weight", "shared_h2h_bias"]
    stack = mx.rnn.SequentialRNNCell(params=mx.rnn.RNNParams("s_"))
    with pytest.raises(MXNetError, match="not both"):
        stack.add(mx.rnn.GRUCell(2, params=params))


def test_unpack_and_pack_weights_match_mxnet():
    want = json.loads((DATA / "rnn.json").read_text())["unpacked"]
    assert sc.unpacked(mx) == want


def test_unpack_and_pack_weights_round_trip():
    cell = mx.rnn.LSTMCell(2, prefix="l_")
    args = {"l_i2h_weight": mx.nd.array(np.arange(24.0).reshape(8, 3)),
            "l_i2h_bias": mx.nd.array(np.arange(8.0)),
            "l_h2h_weight": mx.nd.array(np.arange(16.0).reshape(8, 2)),
            "l_h2h_bias": mx.nd.array(-np.arange(8.0))}
    unpacked = cell.unpack_weights(args)
    assert sorted(unpacked) == sorted(f"l_{g}_{x}_{k}" for g in ("i2h", "h2h")
                                      for x in "ifco" for k in ("weight", "bias"))
    np.testing.assert_array_equal(unpacked["l_i2h_f_bias"].asnumpy(), [2, 3])
    packed = cell.pack_weights(unpacked)
    for name, value in args.items():
        np.testing.assert_array_equal(packed[name].asnumpy(), value.asnumpy())


def test_rnn_checkpoint_round_trip(tmp_path):
    cell = mx.rnn.GRUCell(2, prefix="g_")
    out, _ = cell.unroll(2, mx.sym.Variable("data"), merge_outputs=True)
    rng = np.random.RandomState(0)
    args = {n: mx.nd.array(rng.rand(*s).astype(np.float32)) for n, s in
            zip(out.list_arguments(), out.infer_shape(data=(1, 2, 3))[0]) if n != "data"}
    prefix = str(tmp_path / "gru")
    mx.rnn.do_rnn_checkpoint(cell, prefix)(0, out, args, {})
    saved = mx.nd.load(prefix + "-0001.params")
    assert "arg:g_i2h_r_weight" in saved and "arg:g_i2h_weight" not in saved
    sym, arg, aux = mx.rnn.load_rnn_checkpoint(cell, prefix, 1)
    assert sym.list_arguments() == out.list_arguments() and aux == {}
    for name, value in args.items():
        np.testing.assert_array_equal(arg[name].asnumpy(), value.asnumpy())


def test_bad_input_errors():
    cell = mx.rnn.RNNCell(2)
    with pytest.raises(MXNetError, match="got 1 inputs for length=2"):
        cell.unroll(2, [mx.sym.Variable("x")])
    with pytest.raises(MXNetError, match="inputs=None"):
        cell.unroll(2, None)
