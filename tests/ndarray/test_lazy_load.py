"""`mx.nd.load`'s NDArrays stay on the host until first use and behave like NDArrays.

The files are MXNet 1.9.1's (tests/data/params, see tests/formats/test_params.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

import jaxsym as mx
from jaxsym.ndarray.ndarray import NDArray, _HostNDArray

DATA = Path(__file__).resolve().parents[1] / "data" / "params"
MANIFEST = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))["files"]
with np.load(DATA / "manifest.npz") as _npz:
    EXPECTED = {key: _npz[key] for key in _npz.files}
LOADABLE = sorted(rel for rel, e in MANIFEST.items() if e["jaxsym"] == "ok")


def _expected(rel: str) -> list[np.ndarray] | dict[str, np.ndarray]:
    entry = MANIFEST[rel]
    arrays = [EXPECTED[f"{rel}|{i}"] for i in range(entry["count"])]
    return dict(zip(entry["names"], arrays)) if entry["form"] == "dict" else arrays


def _wide(arrays: list[np.ndarray]) -> bool:
    return any(a.dtype in (np.float64, np.int64) for a in arrays)


# Files mx.nd.save wrote (V2 records) with dtypes an NDArray keeps: mx.nd.save must
# reproduce them byte for byte.
RESAVABLE = sorted(
    rel for rel in LOADABLE
    if MANIFEST[rel]["written_by"] == "mx.nd.save" and not MANIFEST[rel]["np_shape"]
    and not _wide([EXPECTED[f"{rel}|{i}"] for i in range(MANIFEST[rel]["count"])]))


def _values(data):
    return list(data.values()) if isinstance(data, dict) else list(data)


def _on_host(data) -> bool:
    return all(type(a) is _HostNDArray for a in _values(data))


def _on_device(data) -> bool:
    return all(type(a) is NDArray for a in _values(data))


def test_resavable_fixtures_are_a_real_selection():
    assert {"dict.params", "list.params", "ndims.params", "unicode_names.params",
            "mean.bin"} <= set(RESAVABLE)


@pytest.mark.filterwarnings("ignore:overflow encountered in cast")  # int64 -> int32
@pytest.mark.parametrize("rel", LOADABLE)
def test_load_matches_mxnet_without_the_device(rel):
    want = _expected(rel)
    for got in (mx.nd.load(str(DATA / rel)),
                mx.nd.load_frombuffer((DATA / rel).read_bytes())):
        assert type(got) is type(want)
        if isinstance(want, dict):
            assert list(got) == list(want)
        for g, w in zip(_values(got), _values(want)):
            assert isinstance(g, NDArray) and g.context == mx.cpu()
            # Without x64, 64-bit types load as 32-bit, as device_put makes them.
            dt = {np.float64: np.float32, np.int64: np.int32}.get(w.dtype.type, w.dtype.type)
            assert (g.shape, g.dtype, g.size, g.ndim) == (w.shape, dt, w.size, w.ndim)
            np.testing.assert_array_equal(g.asnumpy(), w.astype(dt))
            assert g.asnumpy().dtype == dt
        assert _on_host(got)  # inspecting them did not move them


@pytest.mark.parametrize("rel", RESAVABLE)
def test_save_round_trip_is_byte_identical(rel, tmp_path):
    raw = (DATA / rel).read_bytes()
    loaded = mx.nd.load(str(DATA / rel))
    mx.nd.save(str(tmp_path / "host.params"), loaded)
    assert _on_host(loaded)
    assert (tmp_path / "host.params").read_bytes() == raw
    for arr in _values(loaded):
        arr.wait_to_read()
    assert _on_device(loaded)
    mx.nd.save(str(tmp_path / "device.params"), loaded)
    assert (tmp_path / "device.params").read_bytes() == raw


def test_first_use_moves_the_whole_load_and_demotes_to_plain_ndarrays():
    loaded = mx.nd.load(str(DATA / "dict.params"))
    other = mx.nd.load(str(DATA / "dict.params"))
    first = next(iter(loaded.values()))
    assert isinstance(first, NDArray) and _on_host(loaded)
    doubled = first * 2
    assert type(doubled) is NDArray
    np.testing.assert_array_equal(doubled.asnumpy(), first.asnumpy() * 2)
    assert _on_device(loaded) and _on_host(other)  # a batch is one load
    assert not hasattr(first, "__dict__") and type(first)._data is not _HostNDArray._data


def test_in_place_writes():
    want = _expected("dict.params")
    loaded = mx.nd.load(str(DATA / "dict.params"))
    names = list(want)
    a, b, c = (loaded[n] for n in names)
    a[:] = 1
    assert _on_device(loaded)
    np.testing.assert_array_equal(a.asnumpy(), np.ones_like(want[names[0]]))
    b += 1
    np.testing.assert_array_equal(b.asnumpy(), want[names[1]] + 1)
    c[0:1] = 7
    expect = want[names[2]].copy()
    expect[0:1] = 7
    np.testing.assert_array_equal(c.asnumpy(), expect)

    fresh = mx.nd.load(str(DATA / "dict.params"))
    target = mx.nd.zeros(want[names[0]].shape)
    assert fresh[names[0]].copyto(target) is target
    np.testing.assert_array_equal(target.asnumpy(), want[names[0]])
    fresh = mx.nd.load(str(DATA / "dict.params"))
    src = mx.nd.ones(want[names[1]].shape)
    src.copyto(fresh[names[1]])
    np.testing.assert_array_equal(fresh[names[1]].asnumpy(), np.ones_like(want[names[1]]))
    fresh[names[0]].reshape((-1,))[:] = 3
    np.testing.assert_array_equal(fresh[names[0]].asnumpy(),
                                  np.full_like(want[names[0]], 3))

    # Replacing the buffer outright (as executors do) leaves the rest of the load alone.
    fresh = mx.nd.load(str(DATA / "dict.params"))
    fresh[names[0]]._data = mx.nd.ones(want[names[0]].shape)._data
    assert type(fresh[names[0]]) is NDArray and type(fresh[names[1]]) is _HostNDArray
    np.testing.assert_array_equal(fresh[names[0]].asnumpy(), np.ones_like(want[names[0]]))


def test_host_copies_are_private():
    want = _expected("list.params")
    loaded = mx.nd.load(str(DATA / "list.params"))
    copy = loaded[0].asnumpy()
    copy[...] = 0  # asnumpy is a writable copy
    view = np.asarray(loaded[0])
    assert not view.flags.writeable
    with pytest.raises(ValueError):
        view[...] = 0
    np.testing.assert_array_equal(loaded[0].asnumpy(), want[0])
    twin = loaded[0].copy()
    twin += 1
    np.testing.assert_array_equal(loaded[0].asnumpy(), want[0])
    assert np.asarray(loaded[1], dtype=np.float64).dtype == np.float64


def test_repr_scalars_and_len_match_a_device_array():
    loaded = mx.nd.load(str(DATA / "list.params"))
    on_device = [mx.nd.array(a, dtype=a.dtype) for a in _expected("list.params")]
    for host, dev in zip(loaded, on_device):
        assert repr(host) == repr(dev) and str(host) == str(dev)
        assert len(host) == len(dev)
    single = mx.nd.load(str(DATA / "single.params"))[0]
    assert float(single[1:2]) == 1.0 and _on_host([single]) is False  # the slice used it
    assert mx.nd.load(str(DATA / "single.params"))[0].asnumpy().tolist() == [0, 1, 2, 3, 4]


def test_bound_executor_and_module_params():
    data = mx.sym.Variable("data")
    net = mx.sym.FullyConnected(data, num_hidden=3, name="fc")
    rng = np.random.default_rng(0)
    w = rng.standard_normal((3, 4)).astype(np.float32)
    bias = rng.standard_normal(3).astype(np.float32)
    x = rng.standard_normal((2, 4)).astype(np.float32)
    raw = mx.nd.load_frombuffer(_dumps({"fc_weight": w, "fc_bias": bias}))
    want = x @ w.T + bias

    ex = net.bind(mx.cpu(), {"data": mx.nd.array(x), "fc_weight": raw["fc_weight"],
                             "fc_bias": raw["fc_bias"]})
    np.testing.assert_allclose(ex.forward()[0].asnumpy(), want, rtol=1e-5)

    ex = net.simple_bind(mx.cpu(), data=(2, 4))
    ex.copy_params_from(mx.nd.load_frombuffer(_dumps({"fc_weight": w, "fc_bias": bias})))
    np.testing.assert_allclose(ex.forward(data=mx.nd.array(x))[0].asnumpy(), want, rtol=1e-5)

    mod = mx.mod.Module(net, data_names=["data"], label_names=None)
    mod.bind(data_shapes=[("data", (2, 4))], for_training=False)
    mod.set_params(mx.nd.load_frombuffer(_dumps({"fc_weight": w, "fc_bias": bias})), {})
    mod.forward(mx.io.DataBatch([mx.nd.array(x)]), is_train=False)
    np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), want, rtol=1e-5)

    mod2 = mx.mod.Module(net, data_names=["data"], label_names=None)
    mod2.bind(data_shapes=[("data", (2, 4))], for_training=False)
    mod2.init_params(mx.init.Load(mx.nd.load_frombuffer(
        _dumps({"arg:fc_weight": w, "arg:fc_bias": bias}))))
    np.testing.assert_array_equal(mod2.get_params()[0]["fc_weight"].asnumpy(), w)


def test_checkpoint_and_module_load(tmp_path):
    data = mx.sym.Variable("data")
    net = mx.sym.FullyConnected(data, num_hidden=2, name="fc")
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([0.5, -1], np.float32)
    prefix = str(tmp_path / "net")
    mx.model.save_checkpoint(prefix, 1, net, {"fc_weight": mx.nd.array(w),
                                              "fc_bias": mx.nd.array(b)}, {})
    saved = mx.nd.load(f"{prefix}-0001.params")
    assert sorted(saved) == ["arg:fc_bias", "arg:fc_weight"] and _on_host(saved)
    _, args, _ = mx.model.load_checkpoint(prefix, 1)
    np.testing.assert_array_equal(args["fc_weight"].asnumpy(), w)
    mod = mx.mod.Module.load(prefix, 1, data_names=["data"], label_names=None)
    mod.bind(data_shapes=[("data", (1, 3))], for_training=False)
    mod.forward(mx.io.DataBatch([mx.nd.ones((1, 3))]), is_train=False)
    np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), w.sum(1)[None] + b)
    # Re-saving what was loaded writes the same bytes.
    mx.nd.save(str(tmp_path / "again.params"), saved)
    assert (tmp_path / "again.params").read_bytes() == \
        Path(f"{prefix}-0001.params").read_bytes()


def test_concurrent_first_use():
    arrays = mx.nd.load_frombuffer(_dumps([np.full(1000, i, np.float32) for i in range(64)]))
    results: dict[int, float] = {}

    def use(i: int) -> None:
        results[i] = float((arrays[i] + 0).asnumpy()[0])

    threads = [threading.Thread(target=use, args=(i,)) for i in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: float(i) for i in range(64)} and _on_device(arrays)


def test_failed_first_use_leaves_the_arrays_on_the_host(monkeypatch):
    import jax

    loaded = mx.nd.load(str(DATA / "list.params"))

    def out_of_memory(*args, **kwargs):
        raise RuntimeError("RESOURCE_EXHAUSTED: out of memory")

    with monkeypatch.context() as patch:
        patch.setattr(jax, "device_put", out_of_memory)
        with pytest.raises(RuntimeError, match="RESOURCE_EXHAUSTED"):
            loaded[1].wait_to_read()
    assert _on_host(loaded)
    np.testing.assert_array_equal((loaded[1] + 1).asnumpy(), _expected("list.params")[1] + 1)
    assert _on_device(loaded)


def test_file_buffer_is_not_kept_once_all_arrays_are_on_the_device():
    import gc
    import weakref

    from jaxsym.formats import params

    # 1-d arrays: data at byte offsets 56 mod 64, so the device copies do not alias it.
    raw = _dumps([np.full(1 << 18, i, np.float32) for i in range(3)])
    arrays = mx.nd.load_frombuffer(raw)
    buffer = weakref.ref(params._SPARE[0])  # the buffer the file was read into
    (arrays[0] + 0).wait_to_read()
    gc.collect()
    assert buffer() is None and _on_device(arrays)
    assert [float(a.asnumpy()[0]) for a in arrays] == [0.0, 1.0, 2.0]
    assert params._SPARE == []


def test_load_inspect_and_save_need_no_jax_backend(tmp_path):
    """Loading, inspecting and re-saving never start JAX's backend (checked in a fresh
    process: the backend is what makes a first device transfer slow)."""
    script = textwrap.dedent(f"""
        import numpy as np
        import jaxsym as mx
        from jax._src import xla_bridge
        loaded = mx.nd.load({str(DATA / "dict.params")!r})
        for k, v in loaded.items():
            repr(v), v.shape, v.dtype, v.asnumpy(), np.asarray(v), len(v), v.context
        mx.nd.save({str(tmp_path / "out.params")!r}, loaded)
        print(xla_bridge.backends_are_initialized())
        loaded["arg:fc1_bias"].wait_to_read()
        print(xla_bridge.backends_are_initialized())
    """)
    env = dict(os.environ, PYTHONPATH=str(Path(mx.__file__).parents[1]))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, check=True).stdout.split()
    assert out == ["False", "True"]
    assert (tmp_path / "out.params").read_bytes() == (DATA / "dict.params").read_bytes()


def test_missing_gpu_still_fails_at_load():
    try:
        import jax
        if jax.devices("gpu"):
            pytest.skip("a GPU is present")
    except RuntimeError:
        pass
    with pytest.raises(mx.base.MXNetError, match="gpu"), mx.gpu(0):
        mx.nd.load(str(DATA / "dict.params"))


def _dumps(data) -> bytes:
    from jaxsym.formats.params import dumps_arrays
    return dumps_arrays(data)
