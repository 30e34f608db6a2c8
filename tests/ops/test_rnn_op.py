"""The fused RNN operator against MXNet 1.9.1 (tests/data/rnnop/, recorded by
tools/record_rnnop_fixtures.py from tests/rnn/fused_scenario.py): infer_shape, forward
outputs and gradients of every mode, 1-2 layers, uni/bidirectional; JSON; errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from rnn import fused_scenario as sc

import jaxsym as mx
from jaxsym.base import MXNetError

DATA = Path(__file__).parents[1] / "data" / "rnnop"
FACTS = json.loads((DATA / "rnnop.json").read_text())
ARRAYS = np.load(DATA / "rnnop.npz")


@pytest.mark.parametrize("case", sorted(sc.OP_CASES))
def test_rnn_op_matches_mxnet(case):
    facts, arrays = sc.run_op_case(mx, case)
    assert facts == FACTS["op"][case]
    prefix = f"op/{case}/"
    want = {k[len(prefix):] for k in ARRAYS.files if k.startswith(prefix)}
    assert set(arrays) == want
    for name, value in arrays.items():
        np.testing.assert_allclose(value, ARRAYS[prefix + name], rtol=1e-4, atol=1e-5,
                                   err_msg=name)


def test_rnn_json_loads_and_round_trips():
    sym = mx.sym.load_json(FACTS["json"])
    assert sym.list_arguments() == ["data", "gru_parameters", "gru_state", "fc_weight",
                                    "fc_bias"]
    assert sym.list_outputs() == ["fc_output", "gru_state_output"]
    args, outs, _ = sym.infer_shape(data=(sc.T, sc.N, sc.C))
    assert args[1] == (840,) and args[2] == (4, sc.N, sc.H)
    assert outs == [(sc.T, sc.N, 3), (4, sc.N, sc.H)]
    assert json.loads(sc.rnn_json(mx)) == json.loads(FACTS["json"])


def _rnn(**kwargs):
    kwargs = {"state_size": 5, "num_layers": 1, "mode": "lstm", **kwargs}
    return mx.sym.RNN(mx.sym.Variable("data"), name="rnn0", **kwargs)


def test_dropout_between_layers_only_in_training():
    net = _rnn(num_layers=2, p=0.5, mode="gru")
    no_drop = _rnn(num_layers=2, p=0.0, mode="gru")
    shapes = dict(zip(net.list_arguments(), net.infer_shape(data=(3, 2, 4))[0]))
    rng = np.random.RandomState(0)
    args = {n: mx.nd.array(rng.uniform(-1, 1, s)) for n, s in shapes.items()}
    want = no_drop.bind(mx.cpu(), args=args).forward()[0].asnumpy()
    exe = net.bind(mx.cpu(), args=args)
    np.testing.assert_allclose(exe.forward(is_train=False)[0].asnumpy(), want, rtol=1e-6)
    assert not np.allclose(exe.forward(is_train=True)[0].asnumpy(), want, rtol=1e-3)


@pytest.mark.parametrize("kwargs, match", [
    ({"mode": "foo"}, "mode"),
    ({"projection_size": 3}, "projection_size=3"),
    ({"lstm_state_clip_min": -1.0, "lstm_state_clip_max": 1.0}, "clipping"),
    ({"use_sequence_length": True}, "use_sequence_length"),
])
def test_unsupported_or_bad_parameters_raise(kwargs, match):
    with pytest.raises(MXNetError, match=match):
        _rnn(**kwargs).infer_shape(data=(3, 2, 4))


def test_wrong_parameters_length_names_node():
    with pytest.raises(MXNetError, match=r"rnn0.*parameters.*\(220,\)"):
        _rnn().infer_shape(data=(3, 2, 4), rnn0_parameters=(219,))
    with pytest.raises(MXNetError, match=r"RNN.*parameters has shape \(219,\), expected "
                       r"\(220,\) from data \(3, 2, 4\)"):
        mx.nd.RNN(mx.nd.zeros((3, 2, 4)), mx.nd.zeros(219), mx.nd.zeros((1, 2, 5)),
                  mx.nd.zeros((1, 2, 5)), state_size=5, num_layers=1, mode="lstm")


def test_missing_state_and_bad_data_rank_raise():
    with pytest.raises(MXNetError, match="state_cell"):
        mx.nd.RNN(mx.nd.zeros((3, 2, 4)), mx.nd.zeros(220), mx.nd.zeros((1, 2, 5)),
                  state_size=5, num_layers=1, mode="lstm")
    with pytest.raises(MXNetError, match=r"TNC.*\(2, 4\)"):
        mx.nd.RNN(mx.nd.zeros((2, 4)), mx.nd.zeros(220), mx.nd.zeros((1, 2, 5)),
                  mx.nd.zeros((1, 2, 5)), state_size=5, num_layers=1, mode="lstm")
