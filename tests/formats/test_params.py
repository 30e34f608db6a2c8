"""Tests for jaxsym.formats.params against files written by MXNet 1.9.1.

The fixtures in tests/data/params come from
`MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_params_fixtures.py`;
manifest.json says what `mx.nd.load` made of each file, manifest.npz holds its arrays.
"""

from __future__ import annotations

import json
import os
import re
import stat
import struct
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jaxsym.base import DTYPE_MX_TO_NP, MXNetError, MXNetTypeError
from jaxsym.formats import params
from jaxsym.formats.params import dumps_arrays, load_arrays, loads_arrays, save_arrays

DATA = Path(__file__).resolve().parents[1] / "data" / "params"
MANIFEST = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))["files"]
with np.load(DATA / "manifest.npz") as _npz:
    EXPECTED = {key: _npz[key] for key in _npz.files}

LOADABLE = sorted(rel for rel, e in MANIFEST.items() if e["jaxsym"] == "ok")
REJECTED = sorted(rel for rel, e in MANIFEST.items() if e["jaxsym"] == "error")
# Files mx.nd.save wrote and mx.nd.load read back: dumps_arrays must reproduce them.
MXNET_WRITTEN = sorted(rel for rel in LOADABLE
                       if MANIFEST[rel]["written_by"] == "mx.nd.save")

DTYPES = list(DTYPE_MX_TO_NP.values())


def _expected(rel: str) -> list[np.ndarray] | dict[str, np.ndarray]:
    """What MXNet loaded from a fixture, in the same form (list or dict)."""
    entry = MANIFEST[rel]
    arrays = [EXPECTED[f"{rel}|{i}"] for i in range(entry["count"])]
    if entry["form"] == "dict":
        return dict(zip(entry["names"], arrays))
    return arrays


def _assert_same(got: object, want: object) -> None:
    """Same form, names, order, shapes, dtypes and bytes (so NaNs and -0.0 count)."""
    assert type(got) is type(want)
    if isinstance(want, dict):
        assert list(got) == list(want)
        got, want = list(got.values()), list(want.values())
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert isinstance(g, np.ndarray)
        assert (g.shape, g.dtype) == (w.shape, w.dtype)
        assert g.tobytes() == w.tobytes()


def _random_array(rng: np.random.Generator, shape: tuple[int, ...],
                  dtype: np.dtype) -> np.ndarray:
    raw = rng.integers(0, 256, size=int(np.prod(shape)) * dtype.itemsize, dtype=np.uint8)
    if dtype == np.bool_:
        return (raw % 2).astype(bool).reshape(shape)
    return raw.view(dtype).reshape(shape)


# --- MXNet-written files ------------------------------------------------------------


def test_manifest_covers_the_fixture_directory():
    on_disk = {p.relative_to(DATA).as_posix() for p in DATA.rglob("*")
               if p.is_file() and not p.name.startswith("manifest.")}
    assert on_disk == set(MANIFEST)


@pytest.mark.parametrize("rel", LOADABLE)
def test_load_matches_mxnet(rel):
    _assert_same(load_arrays(DATA / rel), _expected(rel))
    _assert_same(loads_arrays((DATA / rel).read_bytes()), _expected(rel))


@pytest.mark.parametrize("rel", MXNET_WRITTEN)
def test_dumps_is_byte_identical_to_mxnet(rel):
    raw = (DATA / rel).read_bytes()
    np_shape = MANIFEST[rel]["np_shape"]
    assert dumps_arrays(_expected(rel), np_shape=np_shape) == raw
    assert dumps_arrays(loads_arrays(raw), np_shape=np_shape) == raw


def test_saved_empty_dict_loads_as_empty_list():
    assert (DATA / "empty_dict.params").read_bytes() == dumps_arrays({}) == dumps_arrays([])
    assert load_arrays(DATA / "empty_dict.params") == []


def test_bare_array_saves_as_one_item_list():
    arr = np.arange(5, dtype=np.int32)
    assert dumps_arrays(arr) == (DATA / "single.params").read_bytes()


def test_zero_d_array_outside_np_shape_is_written_as_mxnet_but_not_loadable():
    raw = (DATA / "zero_d_legacy.params").read_bytes()
    assert MANIFEST["zero_d_legacy.params"]["mxnet_load"] == "error"
    assert dumps_arrays([np.array(3.5, np.float32)]) == raw
    with pytest.raises(MXNetError, match="zero_d_legacy.params.*0-d array in a V2 record"):
        load_arrays(DATA / "zero_d_legacy.params")


def test_duplicate_names_keep_the_last_array():
    got = load_arrays(DATA / "corrupt" / "duplicate_names.params")
    assert list(got) == ["x", "y"]
    assert got["x"].shape == (4,)


def test_mean_bin():
    got = load_arrays(DATA / "mean.bin")
    assert list(got) == ["mean_img"]
    assert (got["mean_img"].shape, got["mean_img"].dtype) == ((3, 16, 16), np.float32)


def test_loaded_arrays_are_writable_and_independent():
    raw = (DATA / "dtypes.params").read_bytes()
    for source in (loads_arrays(raw), load_arrays(DATA / "dtypes.params")):
        for arr in source.values():
            assert arr.flags.writeable and arr.flags.c_contiguous and arr.flags.aligned
        source["int32"][...] = 0
        assert source["int64"].any()
    assert loads_arrays(bytearray(raw)).keys() == loads_arrays(memoryview(raw)).keys()


# --- rejected files -----------------------------------------------------------------

# What each rejected fixture's message must say, after "<path>: invalid NDArray file".
REJECTION_MESSAGES = {
    "zero_d_legacy.params": r"array 0 of 1: 0-d array in a V2 record",
    "sparse.params": r"array 0 of 1: storage type 1 \(row_sparse\) is sparse",
    "corrupt/empty_file.params": r"header: list magic needs 8 bytes but only 0 remain",
    "corrupt/short_header.params": r"header: reserved word needs 8 bytes but only 2",
    "corrupt/bad_list_magic.params": r"list magic is 0x113, expected 0x112",
    "corrupt/truncated_data.params": r"array 0 of 3: data of shape \(4, 3\) float32 "
                                     r"needs 48 bytes but only 36 remain",
    "corrupt/truncated_names.params": r"name 2 of 3: name needs 18 bytes but only 17",
    "corrupt/huge_array_count.params": r"1099511627776 arrays declared",
    "corrupt/name_count_mismatch.params": r"names: 1 names for 3 arrays",
    "corrupt/huge_name_length.params": r"name 0 of 3: name needs 1099511627776 bytes",
    "corrupt/non_utf8_name.params": r"name 2 of 3: name b'\\xff' is not valid UTF-8",
    "corrupt/record_magic_bitflip.params": r"array 0 of 3: unknown record magic "
                                           r"0xf993fad9",
    "corrupt/unknown_stype.params": r"array 0 of 3: unknown storage type 5",
    "corrupt/sparse_stype.params": r"array 0 of 3: storage type 1 \(row_sparse\)",
    "corrupt/ndim_minus_one.params": r"array 0 of 3: ndim -1: the shape is unknown",
    "corrupt/ndim_negative.params": r"array 0 of 3: ndim -5",
    "corrupt/ndim_huge.params": r"array 0 of 3: ndim 1073741824 is absurd",
    "corrupt/dim_negative.params": r"array 0 of 3: shape \(-2, 3\) has a negative",
    "corrupt/dim_huge.params": r"array 0 of 3: data of shape \(1099511627776, 3\) "
                               r"float32 needs 13194139533312 bytes",
    "corrupt/dim_zero.params": r"array 1 of 3: (unknown record magic|ndim)",
    "corrupt/unknown_dtype.params": r"array 0 of 3: unsupported dtype flag 99; supported:"
                                    r" 0=float32",
    "corrupt/int16_dtype.params": r"array 0 of 3: unsupported dtype flag 8 \(int16\)",
}


def test_every_rejected_fixture_has_an_expected_message():
    assert set(REJECTION_MESSAGES) == set(REJECTED)


@pytest.mark.parametrize("rel", REJECTED)
def test_rejected_file_raises_mxnet_error_naming_file(rel):
    path = DATA / rel
    pattern = re.escape(str(path)) + ": invalid NDArray file: .*" + REJECTION_MESSAGES[rel]
    with pytest.raises(MXNetError, match=pattern):
        load_arrays(path)
    with pytest.raises(MXNetError, match="^<bytes>: invalid NDArray file"):
        loads_arrays(path.read_bytes())
    with pytest.raises(ValueError):  # MXNetValueError is also a ValueError
        loads_arrays(path.read_bytes(), source=rel)


@pytest.mark.parametrize("rel", REJECTED)
def test_hostile_files_fail_without_large_allocations(rel):
    raw = (DATA / rel).read_bytes()
    tracemalloc.start()
    try:
        with pytest.raises(MXNetError):
            loads_arrays(raw)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


def test_missing_file_names_the_file(tmp_path):
    missing = tmp_path / "nope.params"
    with pytest.raises(MXNetError, match=re.escape(str(missing)) + ".*No such file"):
        load_arrays(missing)


def test_loads_rejects_str():
    with pytest.raises(MXNetTypeError, match="needs bytes"):
        loads_arrays("not bytes")  # type: ignore[arg-type]


# --- writing ------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(3,), (2, 3), (2, 1, 3), (1, 2, 3, 2), (2, 1, 2, 1, 3),
                                   (0,), (2, 0, 3)])
def test_round_trip(dtype, shape):
    rng = np.random.default_rng(abs(hash((str(dtype), shape))) % 2**32)
    data = {"a": _random_array(rng, shape, dtype), "b": _random_array(rng, (2,), dtype)}
    for np_shape in (False, True):
        _assert_same(loads_arrays(dumps_arrays(data, np_shape=np_shape)), data)
        _assert_same(loads_arrays(dumps_arrays(list(data.values()), np_shape=np_shape)),
                     list(data.values()))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_zero_d_round_trips_in_np_shape_mode(dtype):
    arr = _random_array(np.random.default_rng(0), (), dtype)
    raw = dumps_arrays([arr], np_shape=True)
    assert struct.unpack_from("<Ii", raw, 24) == (params.V3_MAGIC, 0)
    _assert_same(loads_arrays(raw), [arr])


def test_layout_of_inputs_does_not_matter():
    base = np.arange(24, dtype=np.float32).reshape(4, 6)
    want = dumps_arrays([np.ascontiguousarray(base[:, ::2])])
    assert dumps_arrays([base[:, ::2]]) == want
    assert dumps_arrays([np.asfortranarray(base[:, ::2])]) == want
    assert dumps_arrays([base[:, ::2].astype(">f4")]) == want
    assert loads_arrays(dumps_arrays([base.astype(">i8")]))[0].dtype == np.int64


def test_dict_keeps_insertion_order():
    data = {"z": np.ones(1, np.float32), "a": np.zeros(2, np.float32)}
    assert list(loads_arrays(dumps_arrays(data))) == ["z", "a"]


@pytest.mark.parametrize(("data", "pattern"), [
    ([np.zeros(2, np.int16)], r"array 0 has dtype int16.*supported: float32"),
    ({"w": np.zeros(2, np.complex64)}, r"array 'w' has dtype complex64"),
    ([np.array(["a"])], r"array 0 has dtype <U1"),
    ({1: np.zeros(2, np.float32)}, r"dict keys must be str, got 1"),
    ([np.zeros(2, np.float32), [1.0, 2.0]], r"array 1 is not an array \(got list\)"),
    ("abc", r"data must be an array, a list of arrays or a dict"),
    (3.5, r"data must be an array"),
])
def test_dumps_rejects_bad_input(data, pattern):
    with pytest.raises(MXNetTypeError, match=pattern):
        dumps_arrays(data)


# --- atomic save --------------------------------------------------------------------

OLD = {"w": np.arange(6, dtype=np.float32).reshape(2, 3)}
NEW = {"w": np.ones((500, 100), np.float64), "b": np.zeros(3, np.int8)}


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != "model.params")


def test_save_and_load_file(tmp_path):
    path = tmp_path / "model.params"
    old_umask = os.umask(0o022)
    try:
        save_arrays(path, NEW)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert path.read_bytes() == dumps_arrays(NEW)
    _assert_same(load_arrays(str(path)), NEW)
    save_arrays(path, OLD)
    _assert_same(load_arrays(path), OLD)
    assert _leftovers(tmp_path) == []


def test_large_loads_reuse_a_free_buffer_and_only_a_free_one(tmp_path):
    """A large load reuses the last one's buffer once its arrays are gone (as MXNet's
    pooled allocator does), never while an array, or a device array aliasing one, is
    alive."""
    import jax

    rng = np.random.default_rng(0)
    # 2-d first arrays: their data starts at byte 64, so device_put may alias it.
    files = []
    for i in range(3):
        arrays = [rng.standard_normal((256, 1024), dtype=np.float32) for _ in range(2)]
        files.append((tmp_path / f"{i}.params", arrays))
        save_arrays(files[-1][0], arrays)

    first = load_arrays(files[0][0])
    address = first[0].ctypes.data
    del first
    again = load_arrays(files[1][0])
    assert again[0].ctypes.data == address  # reused...
    _assert_same(again, files[1][1])        # ...and overwritten with the new file
    kept = again
    third = load_arrays(files[2][0])
    assert third[0].ctypes.data != address
    _assert_same(kept, files[1][1])
    _assert_same(third, files[2][1])

    del kept, again, third
    aligned = load_arrays(files[0][0])[0]
    assert aligned.ctypes.data % 64 == 0
    on_device = jax.device_put(aligned, jax.devices("cpu")[0])
    del aligned
    load_arrays(files[1][0])
    np.testing.assert_array_equal(np.asarray(on_device), files[0][1][0])


def test_failed_rename_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.params"
    save_arrays(path, OLD)

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(params.os, "replace", broken_replace)
    with pytest.raises(MXNetError, match=re.escape(str(path)) + ".*No space left"):
        save_arrays(path, NEW)
    _assert_same(load_arrays(path), OLD)
    assert _leftovers(tmp_path) == []


def test_interrupted_write_keeps_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.params"
    save_arrays(path, OLD)
    real_chunks = params._chunks

    def interrupted(*args):
        for i, chunk in enumerate(real_chunks(*args)):
            if i == 3:
                raise KeyboardInterrupt
            yield chunk

    monkeypatch.setattr(params, "_chunks", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_arrays(path, NEW)
    _assert_same(load_arrays(path), OLD)
    assert _leftovers(tmp_path) == []


def test_bad_data_does_not_touch_file(tmp_path):
    path = tmp_path / "model.params"
    save_arrays(path, OLD)
    with pytest.raises(MXNetTypeError):
        save_arrays(path, {"w": np.zeros(2, np.int16)})
    _assert_same(load_arrays(path), OLD)
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")
def test_process_killed_mid_write_keeps_old_file(tmp_path):
    path = tmp_path / "model.params"
    save_arrays(path, OLD)
    script = textwrap.dedent(f"""
        import os, signal, numpy as np
        from jaxsym.formats import _atomic, params
        class Killer:  # a file that dies after writing 10 bytes
            def __init__(self, f): self.f = f
            def __enter__(self): return self
            def __exit__(self, *exc): self.f.close()
            def writelines(self, chunks):
                self.f.write(bytes(next(iter(chunks)))[:10]); self.f.flush()
                os.kill(os.getpid(), signal.SIGKILL)
        real_open = open
        _atomic.open = lambda fd, mode: Killer(real_open(fd, mode))
        params.save_arrays({str(path)!r}, {{"w": np.ones((1000, 100))}})
    """)
    env = dict(os.environ, PYTHONPATH=str(Path(params.__file__).parents[2]))
    proc = subprocess.run([sys.executable, "-c", script], env=env, check=False,
                          capture_output=True)
    assert proc.returncode == -9, proc.stderr.decode()
    _assert_same(load_arrays(path), OLD)
    (partial,) = _leftovers(tmp_path)  # the killed writer's temp file, never renamed
    assert partial.startswith(".model.params.") and partial.endswith(".tmp")


# --- fuzzing ------------------------------------------------------------------------


def _seed_files() -> list[bytes]:
    """Valid files in every layout the reader knows."""
    return [(DATA / rel).read_bytes() for rel in
            ("dict.params", "list.params", "dtypes.params", "ndims.params",
             "np_shape.params", "legacy_v1_dict.params", "legacy_prev1_list.params",
             "empty_dict.params", "unicode_names.params")]


SEEDS = _seed_files()
INTERESTING = [0, 1, 2, 3, 7, 8, 0x112, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 1 << 32,
               1 << 40, (1 << 63) - 1, 1 << 63, (1 << 64) - 1, 0xF993FAC8, 0xF993FAC9,
               0xF993FACA]


@st.composite
def mutated_files(draw: st.DrawFn) -> bytes:
    buf = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "truncate", "splice", "delete", "field",
                                     "field"]))
        pos = draw(st.integers(0, max(len(buf) - 1, 0)))
        if kind == "flip" and buf:
            buf[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            del buf[pos:]
        elif kind == "splice":
            buf[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del buf[pos:pos + draw(st.integers(1, 16))]
        elif kind == "field" and buf:
            size = draw(st.sampled_from([4, 8]))
            value = draw(st.sampled_from(INTERESTING) | st.integers(0, (1 << 64) - 1))
            pos -= pos % 4  # length fields sit on 4-byte boundaries
            buf[pos:pos + size] = (value % (1 << 8 * size)).to_bytes(size, "little")
    return bytes(buf)


def _check_result(result: object, buf: bytes) -> None:
    """A successful parse is a list/dict of supported arrays that round-trips."""
    assert isinstance(result, list | dict)
    arrays = list(result.values()) if isinstance(result, dict) else result
    assert sum(a.nbytes for a in arrays) <= len(buf)
    for arr in arrays:
        assert isinstance(arr, np.ndarray) and arr.dtype in DTYPES
    if any(a.ndim == 0 for a in arrays):
        again = loads_arrays(dumps_arrays(result, np_shape=True))
    else:
        again = loads_arrays(dumps_arrays(result))
    _assert_same(again, result)


@settings(max_examples=1200, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(mutated_files())
def test_mutated_files_raise_mxnet_error_or_parse(buf):
    try:
        result = loads_arrays(buf)
    except MXNetError as err:
        assert str(err).startswith("<bytes>: invalid NDArray file: ")
        return
    _check_result(result, buf)


@settings(max_examples=200, deadline=None, database=None)
@given(st.data())
def test_flipped_data_bit_changes_only_that_element(data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    dtype = data.draw(st.sampled_from(DTYPES))
    shapes = data.draw(st.lists(st.lists(st.integers(1, 3), min_size=1, max_size=4),
                                min_size=1, max_size=3))
    arrays = [_random_array(rng, tuple(s), dtype) for s in shapes]
    raw = bytearray(dumps_arrays(arrays))
    k = data.draw(st.integers(0, len(arrays) - 1))
    offset = 24
    for arr in arrays[:k]:
        offset += 24 + 8 * arr.ndim + arr.nbytes
    offset += 24 + 8 * arrays[k].ndim
    byte = data.draw(st.integers(0, arrays[k].nbytes - 1))
    bit = 0 if dtype == np.bool_ else data.draw(st.integers(0, 7))
    raw[offset + byte] ^= 1 << bit
    want = [a.copy() for a in arrays]
    want[k].reshape(-1).view(np.uint8)[byte] ^= 1 << bit
    _assert_same(loads_arrays(bytes(raw)), want)
