"""mx.rnn's convolutional cells against MXNet 1.9.1 (tests/data/convrnn/, recorded by
tools/record_convrnn_fixtures.py from convrnn_scenario.py): names, shapes, attributes,
unrolled outputs and final states, gradients, initializers and constructor errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from rnn import convrnn_scenario as sc

import jaxsym as mx
from jaxsym.base import MXNetError

DATA = Path(__file__).parents[1] / "data" / "convrnn"
FACTS = json.loads((DATA / "convrnn.json").read_text())
ARRAYS = np.load(DATA / "convrnn.npz")


@pytest.mark.parametrize("case", sorted(sc.CASES))
def test_unrolled_conv_cell_matches_mxnet(case):
    facts, arrays = sc.run_case(mx, case)
    assert json.loads(json.dumps(facts)) == FACTS["cases"][case]
    prefix = f"{case}/"
    assert {prefix + k for k in arrays} == {k for k in ARRAYS.files if k.startswith(prefix)}
    for name, value in arrays.items():
        np.testing.assert_allclose(value, ARRAYS[prefix + name], rtol=1e-4, atol=1e-5,
                                   err_msg=name)


def test_activation_string_and_callable_agree():
    # MXNet takes an act_type string or a callable; tanh both ways gives the same numbers
    # (and test_unrolled_conv_cell_matches_mxnet holds jaxsym to both cases).
    for kind in ("out/0", "grad/ConvRNN_h2h_weight", "grad/data"):
        np.testing.assert_array_equal(ARRAYS[f"rnn_custom_tanh/{kind}"],
                                      ARRAYS[f"rnn_custom_tanh_callable/{kind}"])


def test_initializers_are_variable_attributes():
    assert json.loads(json.dumps(sc.initialized(mx))) == FACTS["initialized"]


def test_step_by_step_matches_unroll_names():
    cell = mx.rnn.ConvGRUCell((2, 3, 6, 6), 4, prefix="g_")
    assert cell.state_shape == [(0, 4, 6, 6)]
    x = mx.sym.Variable("x")
    out, states = cell(x, cell.begin_state())
    out, _ = cell(x, states)
    names = out.get_internals().list_outputs()
    for name in ("g_t0_i2h_output", "g_t1__h2h_slice_output2", "g_t1__h_act_output",
                 "g_t1_out_output", "g_begin_state_0_output"):
        assert name in names
    _, out_shapes, _ = out.infer_shape(x=(2, 3, 6, 6))
    assert out_shapes == [(2, 4, 6, 6)]


def test_mxnet_errors_recorded():
    # MXNet asserts (AssertionError) on an even h2h_kernel; jaxsym raises MXNetValueError.
    assert FACTS["errors"]["even_h2h_kernel"][0] == "AssertionError"
    assert FACTS["errors"]["forget_bias"][0] == "TypeError"
    assert FACTS["errors"]["unbatched_input_shape"][0] == "MXNetError"


@pytest.mark.parametrize("kernel", [(3, 2), (2, 3), (4, 4), (3, 3, 3), 3, ("3", 3)])
def test_even_h2h_kernel_is_an_error(kernel):
    with pytest.raises(ValueError, match=r"ConvLSTMCell: h2h_kernel=\(.*\) must be two odd"):
        mx.rnn.ConvLSTMCell((2, 3, 6, 6), 4, h2h_kernel=kernel)
    with pytest.raises(MXNetError, match="h2h_kernel"):
        mx.rnn.ConvRNNCell((2, 3, 6, 6), 4, h2h_kernel=kernel)


def test_other_construction_errors():
    with pytest.raises(TypeError, match="forget_bias"):
        mx.rnn.ConvLSTMCell((2, 3, 6, 6), 4, forget_bias=1.0)
    with pytest.raises(MXNetError, match="convolution"):
        mx.rnn.ConvGRUCell((3, 6, 6), 4)
    base = mx.rnn.BaseConvRNNCell((2, 3, 6, 6), 4, (3, 3), (1, 1), (3, 3), (1, 1), (1, 1),
                                  (1, 1), None, None, "zeros", "zeros", "tanh")
    assert len(base.state_info) == 2
    with pytest.raises(NotImplementedError, match="abstract"):
        base(mx.sym.Variable("x"), [])


def test_unpack_and_pack_conv_weights_round_trip():
    # BaseRNNCell's per-gate split works on the 4-D convolution weights, as in MXNet.
    cell = mx.rnn.ConvLSTMCell((2, 3, 6, 6), 2, prefix="c_")
    rng = np.random.RandomState(0)
    args = {f"c_{g}_{k}": mx.nd.array(rng.rand(*s).astype(np.float32))
            for g, c in (("i2h", 3), ("h2h", 2))
            for k, s in (("weight", (8, c, 3, 3)), ("bias", (8,)))}
    unpacked = cell.unpack_weights(args)
    assert unpacked["c_i2h_f_weight"].shape == (2, 3, 3, 3)
    np.testing.assert_array_equal(unpacked["c_h2h_o_bias"].asnumpy(),
                                  args["c_h2h_bias"].asnumpy()[6:])
    packed = cell.pack_weights(unpacked)
    assert sorted(packed) == sorted(args)
    for name, value in args.items():
        np.testing.assert_array_equal(packed[name].asnumpy(), value.asnumpy())
