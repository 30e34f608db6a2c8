"""Executor semantics against MXNet 1.9.1, plus compile-count and dispatch-cost checks."""

import sys
from pathlib import Path

import numpy as np
import pytest

import jaxsym as mx
from jaxsym.executor import lower

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "symbol"))
from core_snippets import EXECUTOR, compare, load_recorded, run_snippet

RECORDED = load_recorded("EXECUTOR")


@pytest.mark.parametrize("name", sorted(EXECUTOR))
def test_matches_mxnet(name):
    compare(RECORDED[name], run_snippet(mx, EXECUTOR[name]))


@pytest.fixture
def trace_count(monkeypatch):
    """Counts traces of lowered graphs: Python runs Lowered.__call__ only while tracing."""
    calls = []
    original = lower.Lowered.__call__

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)
    monkeypatch.setattr(lower.Lowered, "__call__", counting)
    return calls


def test_repeated_forward_does_not_retrace(trace_count):
    # Names no other test uses: identical graphs share compiled programs.
    a, b = mx.sym.Variable("retrace_a"), mx.sym.Variable("retrace_b")
    c = a + b
    ex = c.bind(mx.cpu(), {"retrace_a": mx.nd.ones((2, 3)),
                                 "retrace_b": mx.nd.ones((2, 3))})
    for i in range(5):
        ex.forward(retrace_a=mx.nd.ones((2, 3)) * i)
    assert len(trace_count) == 1
    np.testing.assert_allclose(ex.outputs[0].asnumpy(), 5.0)
    # Binding the symbol again compiles nothing new.
    again = c.bind(mx.cpu(), {"retrace_a": mx.nd.ones((2, 3)),
                                    "retrace_b": mx.nd.ones((2, 3))})
    again.forward()
    assert len(trace_count) == 1
    # A reshaped executor shares the program: one more trace for the new shape only.
    ex2 = ex.reshape(allow_up_sizing=True, retrace_a=(4, 3), retrace_b=(4, 3))
    for _ in range(3):
        ex2.forward()
        ex.forward()
    assert len(trace_count) == 2


def test_loss_graph_training_step_is_one_compiled_call(trace_count, monkeypatch):
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(mx.sym.Variable("step_data"),
                                                     num_hidden=3, name="fc"), name="sm")
    ex = net.simple_bind(mx.cpu(), step_data=(4, 5))
    calls = []
    program = ex._program
    fused = program.fused_fn(ex._diff)

    def counted(*args):
        calls.append(1)
        return fused(*args)
    monkeypatch.setattr(program, "fused_fn", lambda diff: counted)
    monkeypatch.setattr(program, "pullback_fn", lambda: pytest.fail("separate backward"))
    for _ in range(3):
        ex.forward(is_train=True, step_data=mx.nd.ones((4, 5)))
        ex.backward()
    assert len(calls) == 3          # one compiled call per step, backward included
    assert len(trace_count) == 1    # traced once
    assert ex.grad_dict["fc_weight"].shape == (3, 5)


def test_inference_forward_reads_the_current_inputs_and_writes_the_same_outputs():
    # The no-gradient forward is a runner written for the executor's handles
    # (Executor._make_runner): every way of changing an input must reach it.
    a, b = mx.sym.Variable("run_a"), mx.sym.Variable("run_b")
    net = mx.sym.Group([a + b, mx.sym.SliceChannel(a * b, num_outputs=2, axis=1)[1]])
    ex = net.simple_bind(mx.cpu(), run_a=(2, 2), run_b=(2, 2))
    handles = list(ex.forward())
    expected = {"run_a": np.zeros((2, 2)), "run_b": np.zeros((2, 2))}

    def check():
        x, y = expected["run_a"], expected["run_b"]
        assert all(h is o for h, o in zip(handles, ex.outputs))
        np.testing.assert_array_equal(handles[0].asnumpy(), x + y)
        np.testing.assert_array_equal(handles[1].asnumpy(), (x * y)[:, 1:])

    expected["run_a"] = np.arange(4.0).reshape(2, 2)
    ex.arg_dict["run_a"][:] = expected["run_a"]
    ex.forward()
    check()
    expected["run_b"] = np.full((2, 2), 3.0)
    mx.nd.array(expected["run_b"]).copyto(ex.arg_dict["run_b"])
    ex.forward(is_train=False)
    check()
    expected["run_a"] = np.ones((2, 2))
    ex.forward(run_a=expected["run_a"])
    check()
    ex.forward(is_train=True)  # a training forward in between: same handles
    ex.backward([mx.nd.ones((2, 2)), mx.nd.ones((2, 1))])
    np.testing.assert_array_equal(ex.grad_dict["run_b"].asnumpy(), [[1.0, 2.0], [1.0, 2.0]])
    expected["run_b"] = -np.ones((2, 2))
    ex.arg_dict["run_b"][:] = expected["run_b"]
    ex.forward()
    check()


def test_inference_forward_holds_no_reference_cycle():
    # The per-executor inference forward (Executor._make_runner) must not keep its
    # executor alive: dropping the executor frees its buffers without the cycle collector.
    import gc
    import weakref

    a = mx.sym.Variable("cyc_a")
    ex = (a * 2).simple_bind(mx.cpu(), cyc_a=(2, 2))
    ex.forward()
    ex.forward()
    assert "forward" in vars(ex)  # the written-out one is installed
    kept = ex.forward
    ex.forward(is_train=True)     # pending for backward: the class's forward again
    assert "forward" not in vars(ex)
    ex.backward([mx.nd.ones((2, 2))])
    assert vars(ex)["forward"] is kept
    np.testing.assert_array_equal(ex.forward()[0].asnumpy(), np.zeros((2, 2)))
    gc.collect()
    gc.disable()
    try:
        ref = weakref.ref(ex)
        del ex
        assert ref() is None
    finally:
        gc.enable()
    with pytest.raises(mx.MXNetError, match="no longer exists"):
        kept(is_train=True)
    assert kept()[0].shape == (2, 2)  # the fast path only needs the handles


def test_errors_are_mxnet_errors_not_jax_tracebacks():
    x = mx.sym.Variable("x")
    fc = mx.sym.FullyConnected(x, num_hidden=4, name="fc1")
    args = {"x": mx.nd.ones((2, 3)), "fc1_weight": mx.nd.ones((5, 3)), "fc1_bias": mx.nd.ones(4)}
    with pytest.raises(mx.MXNetError, match="fc1.*weight.*\\(5, 3\\).*\\(4, 3\\)"):
        fc.bind(mx.cpu(), args)
    ex = fc.simple_bind(mx.cpu(), x=(2, 3))
    with pytest.raises(mx.MXNetError, match="call forward"):
        ex.backward()


def test_forward_keyword_inputs_are_copied_and_cast():
    x = mx.sym.Variable("feed_x")
    ex = (x * 2).simple_bind(mx.cpu(), feed_x=(2, 3), grad_req="null")
    host = np.arange(6, dtype=np.float64).reshape(2, 3)
    out = ex.forward(feed_x=host)[0]
    host[:] = -1  # the caller's array is theirs again once forward returns
    np.testing.assert_array_equal(out.asnumpy(), np.arange(6).reshape(2, 3) * 2)
    assert ex.arg_dict["feed_x"].dtype == np.float32
    given = mx.nd.ones((2, 3))
    ex.forward(feed_x=given)
    # A copy, not the caller's buffer: a training step may donate the bound one.
    assert ex.arg_dict["feed_x"]._data is not given._data
    np.testing.assert_array_equal(ex.arg_dict["feed_x"].asnumpy(), 1.0)
    ex.forward(feed_x=mx.nd.ones((2, 3), dtype="float16") * 3)
    assert ex.arg_dict["feed_x"].dtype == np.float32
    np.testing.assert_array_equal(ex.outputs[0].asnumpy(), 6.0)


def test_output_arrays_from_an_earlier_forward_see_the_new_values():
    # As MXNet's, whose outputs are fixed buffers the executor writes into.
    a, b = mx.sym.Variable("out_a"), mx.sym.Variable("out_b")
    ex = mx.sym.Group([a + b, a * b]).simple_bind(mx.cpu(), out_a=(2,), out_b=(2,))
    handles = list(ex.forward(out_a=np.array([1.0, 2.0]), out_b=np.array([3.0, 4.0])))
    ex.forward(is_train=True, out_a=np.array([2.0, 2.0]))
    np.testing.assert_array_equal(handles[0].asnumpy(), [5.0, 6.0])
    np.testing.assert_array_equal(handles[1].asnumpy(), [6.0, 8.0])


def test_inference_forward_draws_a_fresh_key_per_call():
    x = mx.sym.Variable("key_x")
    net = mx.sym.Dropout(x, p=0.5, mode="always", name="drop")
    ex = net.simple_bind(mx.cpu(), key_x=(64,), grad_req="null")
    ex.arg_dict["key_x"][:] = 1.0
    masks = [ex.forward(is_train=False)[0].asnumpy() for _ in range(2)]
    assert set(np.unique(masks[0])) <= {0.0, 2.0}
    assert not np.array_equal(masks[0], masks[1])
