"""mx.kv (KVStore) against MXNet 1.9.1 (tests/data/kvstore/kvstore.json, recorded by
tools/record_kvstore_fixtures.py from the scripts in kvstore_scenarios.py), plus the
behaviour jaxsym adds: early errors, non-pickle state files, Module/FeedForward wiring."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from train import kvstore_scenarios as sc

import jaxsym as mx
from jaxsym.base import MXNetError
from jaxsym.train import kvstore as kvs

FIX = json.loads((Path(__file__).parents[1] / "data" / "kvstore" / "kvstore.json").read_text())
SHAPE = sc.SHAPE


def nd(value, shape=SHAPE):
    return mx.nd.array(np.full(shape, value, np.float32))


def assert_close(got, want, where: str) -> None:
    """Nested pull results (ragged when keys have different device counts) are equal."""
    try:
        got_array, want_array = np.array(got, np.float64), np.array(want, np.float64)
    except ValueError:
        assert len(got) == len(want), where
        for g, w in zip(got, want, strict=True):
            assert_close(g, w, where)
        return
    np.testing.assert_allclose(got_array, want_array, rtol=1e-6, atol=1e-6, err_msg=where)


# -- against MXNet -------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(FIX["names"]))
def test_type_rank_num_workers(name):
    assert sc.describe(mx, name) == FIX["names"][name]


@pytest.mark.parametrize("script", sorted(FIX["scenarios"]))
def test_script_matches_mxnet(script, tmp_path):
    got = sc.run(mx, script, str(tmp_path))
    want = FIX["scenarios"][script]
    assert len(got["results"]) == len(want["results"])
    for i, (g, w) in enumerate(zip(got["results"], want["results"], strict=True)):
        assert_close(g, w, f"{script}: pull #{i}")
    assert [c[0] for c in got["calls"]] == [c[0] for c in want["calls"]]
    np.testing.assert_allclose([c[1:] for c in got["calls"]], [c[1:] for c in want["calls"]],
                               rtol=1e-6)


@pytest.mark.parametrize("case", sorted(FIX["errors"]))
def test_error_matches_mxnet(case, tmp_path):
    err = sc.run_error(mx, case, str(tmp_path))
    assert isinstance(err, MXNetError), (case, err)
    if FIX["errors"][case]["type"] == "ValueError":
        assert isinstance(err, ValueError)
    text = sc.ERRORS[case][3]
    if text is not None:
        assert text in FIX["errors"][case]["message"]
        assert text in str(err)


# -- what jaxsym checks earlier than MXNet ------------------------------------------------
def test_shape_errors_name_key_and_shapes():
    kv = mx.kv.create()
    kv.init(3, nd(1))
    with pytest.raises(MXNetError, match=r"pull: key 3 holds shape \(2, 3\); out has shape "
                                         r"\(3, 3\)"):
        kv.pull(3, out=mx.nd.zeros((3, 3)))
    # MXNet replaces the stored array by the pushed one of another shape and fails later.
    with pytest.raises(MXNetError, match=r"push: key 3 holds shape \(2, 3\); the pushed value "
                                         r"has shape \(3, 2\)"):
        kv.push(3, [nd(1), nd(1, (3, 2))])
    out = mx.nd.zeros(SHAPE)
    kv.pull(3, out=out)
    np.testing.assert_array_equal(out.asnumpy(), np.ones(SHAPE))


@pytest.mark.parametrize("op", ["push", "pushpull"])
def test_uninitialised_push_names_the_key(op):
    kv = mx.kv.create()
    kv.init(3, nd(1))
    with pytest.raises(MXNetError, match="key 8 has not been inited"):
        getattr(kv, op)(8, nd(1))


def test_bad_arguments():
    kv = mx.kv.create()
    with pytest.raises(TypeError, match="name must be a string"):
        mx.kv.create(3)
    with pytest.raises(MXNetError, match="2 keys but 1 values"):
        kv.init([1, 2], [nd(1)])
    with pytest.raises(TypeError, match="must be an NDArray"):
        kv.init(1, np.ones(SHAPE))
    with pytest.raises(TypeError, match="inconsistent types of keys"):
        kv.init([1, "a"], [nd(1), nd(1)])
    with pytest.raises(MXNetError, match="out is required"):
        kv.pull(1)


def test_stored_value_is_a_copy():
    # MXNet's store aliases a single pushed array; jaxsym keeps its own copy.
    kv = mx.kv.create()
    value = nd(1)
    kv.init(0, value)
    pushed = nd(4)
    kv.push(0, pushed)
    value[:] = 7
    pushed[:] = 9
    out = mx.nd.zeros(SHAPE)
    kv.pull(0, out=out)
    assert out.asnumpy()[0, 0] == 4


def test_compression_residual_is_per_device():
    kv = mx.kv.create("device")
    kv.set_gradient_compression({"type": "2bit", "threshold": 1.0, "ignored": 3})
    kv.init(0, nd(0, (2,)))
    out = mx.nd.zeros((2,))
    kv.pushpull(0, [mx.nd.array([0.6, -0.6]), mx.nd.array([0.5, 1.2])], out=out)
    np.testing.assert_array_equal(out.asnumpy(), [0, 1])
    kv.pushpull(0, [mx.nd.array([0.6, -0.6]), mx.nd.array([0.4, 0.0])], out=out)
    np.testing.assert_array_equal(out.asnumpy(), [1, -1])


# -- the rest of the API -----------------------------------------------------------------
def test_module_names():
    assert mx.kv is mx.kvstore is kvs
    assert isinstance(mx.kv.create("nccl"), mx.kvstore.KVStoreBase)
    assert mx.kv.create("nccl").type == "nccl"
    assert mx.kv.create().is_capable("OPTIMIZER") is True


def test_registered_store_is_created_by_name():
    class MyStore(mx.kv.KVStoreBase):
        pass

    try:
        assert mx.kv.KVStoreBase.register(MyStore) is MyStore
        assert type(mx.kv.create("MyStore")) is MyStore
        with pytest.warns(UserWarning, match="overriding existing kvstore"):
            mx.kv.KVStoreBase.register(MyStore)
    finally:
        del mx.kv.KVStoreBase.kv_registry["mystore"]


def test_barrier_and_server_commands_are_no_ops_in_one_process():
    kv = mx.kv.create("dist_sync")
    kv._barrier()
    kv._send_command_to_servers(0, "")
    assert (kv.rank, kv.num_workers) == (0, 1)


def test_optimizer_states_round_trip(tmp_path):
    fname = tmp_path / "kv.states"
    kv = mx.kv.create()
    kv.set_optimizer(mx.optimizer.SGD(learning_rate=0.5, momentum=0.9))
    kv.init("w", nd(1))
    kv.push("w", nd(1))
    kv.save_optimizer_states(str(fname), dump_optimizer=True)
    assert fname.read_bytes()[:2] == b"PK"  # an npz archive, never a pickle
    assert [p.name for p in tmp_path.iterdir()] == ["kv.states"]  # no temporary left

    other = mx.kv.create()
    other.set_optimizer(mx.optimizer.SGD(learning_rate=0.01))
    other.init("w", nd(0.5))
    other.load_optimizer_states(str(fname))
    # The loaded optimizer (lr 0.5, momentum 0.9) and momentum (-0.5) continue.
    other.push("w", nd(1))
    out = mx.nd.zeros(SHAPE)
    other.pull("w", out=out)
    np.testing.assert_allclose(out.asnumpy(), 0.5 - 0.45 - 0.5, rtol=1e-6)


def test_optimizer_state_file_errors(tmp_path):
    kv = mx.kv.create()
    with pytest.raises(MXNetError, match="no optimizer is set"):
        kv.save_optimizer_states(str(tmp_path / "a"))
    kv._set_updater(lambda key, value, stored: None)
    with pytest.raises(TypeError, match="keeps no states"):
        kv.load_optimizer_states(str(tmp_path / "a"))
    kv.set_optimizer(mx.optimizer.SGD())
    with pytest.raises(MXNetError, match="cannot read optimizer states"):
        kv.load_optimizer_states(str(tmp_path / "missing"))
    kv.save_optimizer_states(str(tmp_path / "good"))
    good = (tmp_path / "good").read_bytes()
    for name, data in [("garbage", b"garbage"), ("truncated", good[: len(good) // 2])]:
        (tmp_path / name).write_bytes(data)
        with pytest.raises(MXNetError, match=f"{name}: not an optimizer states file"):
            kv.load_optimizer_states(str(tmp_path / name))


# -- Module and FeedForward ----------------------------------------------------------------
class FourWorkers(kvs.KVStore):
    """A store that reports four workers, to see the rescale rules."""

    @property
    def num_workers(self) -> int:
        return 4


def _net():
    data = mx.sym.Variable("data")
    net = mx.sym.FullyConnected(data, num_hidden=3, name="fc")
    return mx.sym.SoftmaxOutput(net, name="softmax")


def _iter():
    rng = np.random.RandomState(0)
    x = rng.normal(0, 1, (40, 5)).astype(np.float32)
    return mx.io.NDArrayIter(x, (x[:, 0] > 0).astype(np.float32), batch_size=10)


def _fit_module(kvstore):
    mx.random.seed(1)
    mod = mx.mod.Module(_net(), context=mx.cpu())
    mod.fit(_iter(), num_epoch=2, kvstore=kvstore, initializer=mx.init.Xavier(),
            optimizer_params={"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01})
    return {k: v.asnumpy() for k, v in mod.get_params()[0].items()}


def test_module_fit_with_store_object_equals_string():
    # MXNet 1.9.1 gives bit-identical parameters for 'local' and mx.kv.create('local').
    by_name = _fit_module("local")
    by_object = _fit_module(mx.kv.create("local"))
    for name, value in by_name.items():
        np.testing.assert_array_equal(by_object[name], value)


@pytest.mark.parametrize("kv_type,workers", [("dist_sync", 4), ("dist_device_sync", 4),
                                             ("dist_async", 1), ("dist", 1), ("local", 1)])
def test_module_rescale_counts_sync_workers(kv_type, workers):
    mod = mx.mod.Module(_net(), context=mx.cpu())
    mod.bind(data_shapes=[("data", (10, 5))], label_shapes=[("softmax_label", (10,))])
    mod.init_params()
    mod.init_optimizer(kvstore=FourWorkers(kv_type))
    assert mod._optimizer.rescale_grad == pytest.approx(1 / (10 * workers))


@pytest.mark.parametrize("kv_type,workers", [("dist_sync", 4), ("dist", 4),
                                             ("dist_async", 1), ("local", 1)])
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_feedforward_rescale_counts_all_but_async_workers(kv_type, workers, monkeypatch):
    seen = {}
    monkeypatch.setattr(mx.model.FeedForward, "_train",
                        lambda self, data, *args, **kwargs: seen.update(opt=args[2]))
    model = mx.model.FeedForward(_net(), num_epoch=1)
    model.fit(_iter(), kvstore=FourWorkers(kv_type))
    assert seen["opt"].rescale_grad == pytest.approx(1 / (10 * workers))


def test_training_accepts_strings_and_rejects_other_kvstores():
    mod = mx.mod.Module(_net(), context=mx.cpu())
    mod.bind(data_shapes=[("data", (10, 5))], label_shapes=[("softmax_label", (10,))])
    mod.init_params()
    with pytest.raises(TypeError, match="kvstore must be KVStore, str or None"):
        mod.init_optimizer(kvstore=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mod.init_optimizer(kvstore="dist_sync")
    assert mod._optimizer.rescale_grad == pytest.approx(1 / 10)


# -- a process group -----------------------------------------------------------------------
WORKER = """
import sys
import jax
import numpy as np
jax.config.update("jax_platforms", "cpu")
rank = int(sys.argv[1])
jax.distributed.initialize(coordinator_address=sys.argv[2], num_processes=2, process_id=rank)
import jaxsym as mx
kv = mx.kv.create("dist_sync")
kv.init(0, mx.nd.array(np.full((2, 3), 10.0 + rank, np.float32)))
out, pulled = mx.nd.zeros((2, 3)), []
kv.pull(0, out=out); pulled.append(out.asnumpy()[0, 0])
kv.push(0, [mx.nd.ones((2, 3)) * (rank + 1), mx.nd.ones((2, 3))])
kv.pull(0, out=out); pulled.append(out.asnumpy()[0, 0])
kv.set_optimizer(mx.optimizer.SGD(learning_rate=0.1))
kv.pushpull(0, mx.nd.ones((2, 3)) * (rank + 1), out=out); pulled.append(out.asnumpy()[0, 0])
kv._barrier()
print(kv.rank, kv.num_workers, *[round(float(p), 5) for p in pulled])
"""


def test_dist_store_across_two_processes(tmp_path):
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{s.getsockname()[1]}"
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = dict(os.environ, PYTHONPATH=str(Path(mx.__file__).parents[1]))
    procs = [subprocess.Popen([sys.executable, str(script), str(rank), address], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for rank in (0, 1)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-2000:] for _, err in outputs]
    # init keeps rank 0's 10; push sums (1 + 1) + (2 + 1); SGD steps by 0.1 * (1 + 2).
    # (Gloo prints a connection line first.)
    assert [out.splitlines()[-1].split() for out, _ in outputs] == [
        [str(r), "2", "10.0", "5.0", "4.7"] for r in (0, 1)]
