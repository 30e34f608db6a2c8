"""Record MXNet-written NDArray files (`mx.nd.save` / `.params`) as test fixtures.

Run with the reference MXNet 1.9.1 interpreter, from the repository root:

    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_params_fixtures.py

It writes into tests/data/params/:

* `*.params`, `mean.bin`: files written by `mx.nd.save`, or (`legacy_*`) handcrafted in
  the V1 and pre-V1 layouts that MXNet 1.9.1 still reads; each was loaded back by MXNet.
* `corrupt/*.params`: named corruptions of `dict.params`.
* `manifest.json`: per file, how it was written, its form (list/dict), its names, and
  what `mx.nd.load` did with it: "ok", "error" (with MXNet's message) or "crash".
  Each file is loaded in a fresh process, in the np-shape mode it was written in.
* `manifest.npz`: the arrays MXNet loaded, keyed "<file>|<index>" (no pickles).

MXNet 1.9.1 behaviour this records (see manifest.json for the exact messages):

* 0-d arrays. `mx.nd.array(3.5)` is 0-d even outside np-shape mode. `mx.nd.save` writes
  it as a V2 record with ndim 0 followed by the context, dtype and data, but the
  reader treats ndim 0 as "no array" and stops before the data, so the rest of the file
  is misread: `mx.nd.load` fails with "basic_string::resize" (zero_d_legacy.params).
  Under `mx.util.set_np_shape(True)` the record is V3 and loads back as 0-d. V1 and
  pre-V1 records with ndim 0 load as 0-d arrays holding one element.
* V2 and V3 records are not interchangeable: outside np-shape mode a V3 record fails
  ("ndarray was saved in np shape semantics, must be loaded in the same semantics"),
  and inside it a V2 record fails ("ndarray was not saved in np shape semantics").
* Outside np-shape mode, shapes with a zero dimension cannot be created, but a V2 record
  with one loads as an empty array.
* Corrupted files raise MXNetError "Check failed: <step>: Invalid NDArray file format"
  (bad list magic, short reads), "Unknown type enum 99" (dtype flag), "std::bad_alloc"
  (huge counts or lengths), "Unknown storage type5"; a V2 record with ndim -1 crashes
  the process (segmentation fault). Trailing bytes, a nonzero reserved word and a GPU
  context are accepted; with duplicate names the last array wins.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import mxnet as mx
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data",
                   "params")

# Loads one file in a fresh interpreter (a corrupted file can crash MXNet) and prints
# the result as JSON on the last line; the arrays go to an .npz beside it.
_LOADER = r"""
import json, sys
import mxnet as mx, numpy as np
path, np_shape, out = sys.argv[1], sys.argv[2] == "1", sys.argv[3]
mx.util.set_np_shape(np_shape)
try:
    res = mx.nd.load(path)
except Exception as err:
    print(json.dumps({"mxnet_load": "error", "mxnet_error": type(err).__name__,
                      "mxnet_message": str(err).strip().splitlines()[-1]}))
    sys.exit(0)
if isinstance(res, dict):
    names, arrays = list(res), list(res.values())
else:
    names, arrays = None, res
np.savez(out, **{str(i): a.asnumpy() for i, a in enumerate(arrays)})
print(json.dumps({"mxnet_load": "ok", "form": "dict" if names is not None else "list",
                  "names": names, "count": len(arrays)}))
"""


def _mx_load(path: str, np_shape: bool) -> tuple[dict, list[np.ndarray]]:
    """What `mx.nd.load` makes of `path`: a manifest entry plus the arrays."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "arrays.npz")
        proc = subprocess.run([sys.executable, "-c", _LOADER, path, str(int(np_shape)),
                               out], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            return {"mxnet_load": "crash", "mxnet_returncode": proc.returncode}, []
        entry = json.loads(proc.stdout.strip().splitlines()[-1])
        if entry["mxnet_load"] != "ok":
            return entry, []
        with np.load(out) as npz:
            arrays = [npz[str(i)] for i in range(entry["count"])]
        return entry, arrays


def _extremes(dtype: str) -> np.ndarray:
    """A (2, 3) array of `dtype` with its edge values."""
    if dtype == "bool":
        return np.array([[True, False, True], [False, False, True]])
    if dtype.startswith("float"):
        info = np.finfo(dtype)
        vals = [np.inf, -np.inf, np.nan, -0.0, float(info.tiny) / 2, float(info.max)]
        return np.array(vals, dtype=dtype).reshape(2, 3)
    info = np.iinfo(dtype)
    return np.array([info.min, info.max, 0, 1, -1 if info.min < 0 else 2, 7],
                    dtype=dtype).reshape(2, 3)


def _nd(arr: np.ndarray) -> mx.nd.NDArray:
    return mx.nd.array(arr, dtype=arr.dtype)


def _write_mxnet_files(rng: np.random.Generator) -> dict[str, dict]:
    """Files written by mx.nd.save; returns manifest entries (np_shape flag, origin)."""
    files: dict[str, dict] = {}

    def save(name: str, data: object, note: str, np_shape: bool = False) -> None:
        """mx.nd.save; in np-shape mode `data` is a callable run inside that mode."""
        mx.util.set_np_shape(np_shape)
        try:
            mx.nd.save(os.path.join(OUT, name), data() if np_shape else data)
        finally:
            mx.util.set_np_shape(False)
        files[name] = {"written_by": "mx.nd.save", "np_shape": np_shape, "note": note}

    def f32(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape).astype(np.float32)

    save("list.params", [_nd(f32(2, 3)), _nd(f32(4))], "list form")
    save("dict.params", {"arg:fc1_weight": _nd(f32(4, 3)), "arg:fc1_bias": _nd(f32(4)),
                         "aux:bn0_moving_var": _nd(f32(4) ** 2)},
         "dict form, checkpoint-style keys, insertion order kept")
    save("dtypes.params", {dt: _nd(_extremes(dt)) for dt in
                           ["float32", "float64", "float16", "uint8", "int32", "int8",
                            "int64", "bool"]},
         "one (2, 3) array per supported dtype, with edge values")
    save("ndims.params", [_nd(f32(*([2, 3, 1, 4, 2][:n]))) for n in range(1, 6)],
         "1-d to 5-d float32")
    save("empty_dict.params", {}, "empty dict: loads as [] (a list)")
    save("empty_list.params", [], "empty list: same bytes as the empty dict")
    save("single.params", _nd(np.arange(5, dtype=np.int32)),
         "a bare NDArray: saved and loaded as a 1-item list")
    save("unicode_names.params", {"größe": _nd(f32(2)), "层_0": _nd(f32(1))},
         "UTF-8 names")
    save("mean.bin", {"mean_img": _nd(rng.uniform(0, 255, (3, 16, 16)).astype(np.float32))},
         "ImageRecordIter mean_img file")
    save("zero_d_legacy.params", [_nd(np.array(3.5, np.float32))],
         "0-d array outside np-shape mode: MXNet writes it but cannot read it back")
    save("np_shape.params", lambda: [_nd(np.array(3.5, np.float32)), mx.nd.zeros((0, 3)),
                                     _nd(np.arange(4, dtype=np.int64).reshape(2, 2))],
         "V3 records (set_np_shape(True)): a 0-d array and a zero-size array",
         np_shape=True)
    save("np_shape_dict.params", lambda: {"scalar": _nd(np.array(-1.25, np.float64)),
                                          "w": _nd(f32(3, 2))},
         "V3 records, dict form", np_shape=True)
    save("sparse.params", [mx.nd.array(np.eye(3, dtype=np.float32)).tostype("row_sparse")],
         "row_sparse storage: MXNet loads it, jaxsym reads dense arrays only")
    files["sparse.params"]["jaxsym"] = "error"
    return files


def _record(arr: np.ndarray, layout: str) -> bytes:
    """One handcrafted array record in the V1 or pre-V1 layout."""
    flag = {np.dtype(np.float32): 0, np.dtype(np.float64): 1, np.dtype(np.int32): 4}
    if layout == "v1":
        head = struct.pack(f"<Ii{arr.ndim}q", 0xF993FAC8, arr.ndim, *arr.shape)
    else:
        head = struct.pack(f"<I{arr.ndim}I", arr.ndim, *arr.shape)
    return head + struct.pack("<iii", 1, 0, flag[arr.dtype]) + arr.tobytes()


def _names(names: list[str]) -> bytes:
    out = struct.pack("<Q", len(names))
    for name in names:
        out += struct.pack("<Q", len(name.encode())) + name.encode()
    return out


def _write_legacy_files(rng: np.random.Generator) -> dict[str, dict]:
    """V1 and pre-V1 files, built by hand (MXNet 1.9.1 reads but never writes them)."""
    arrays = [rng.standard_normal((2, 3)).astype(np.float32),
              np.arange(4, dtype=np.int32),
              np.array(2.5, np.float64)]
    files = {}
    for layout in ("v1", "prev1"):
        for form in ("list", "dict"):
            name = f"legacy_{layout}_{form}.params"
            body = struct.pack("<QQQ", 0x112, 0, len(arrays))
            body += b"".join(_record(a, layout) for a in arrays)
            body += _names(["a", "b", "scalar"] if form == "dict" else [])
            with open(os.path.join(OUT, name), "wb") as f:
                f.write(body)
            files[name] = {"written_by": "handcrafted", "np_shape": False,
                           "note": f"{layout} records, {form} form, incl. a 0-d array"}
    return files


def _corruptions(good: bytes) -> dict[str, tuple[bytes, str]]:
    """Named corruptions of dict.params (3 float32 records: 4x3, 4, 4; 3 names)."""

    def patch(offset: int, fmt: str, value: int) -> bytes:
        buf = bytearray(good)
        struct.pack_into(fmt, buf, offset, value)
        return bytes(buf)

    # Offsets in dict.params: header 0..24; record 0: magic 24, stype 28, ndim 32,
    # dims 36/44, dev_type 52, dev_id 56, dtype 60, data 64..112; record 1 at 112.
    names_at = len(good) - len(_names(["arg:fc1_weight", "arg:fc1_bias",
                                       "aux:bn0_moving_var"]))
    v3 = bytearray(good)
    for off in (24, 112, 160):
        struct.pack_into("<I", v3, off, 0xF993FACA)
    return {
        "empty_file": (b"", "no bytes at all"),
        "short_header": (good[:10], "ends inside the reserved word"),
        "bad_list_magic": (patch(0, "<Q", 0x113), "list magic 0x113"),
        "truncated_data": (good[:100], "ends inside the first array's data"),
        "truncated_names": (good[:-1], "ends inside the last name"),
        "huge_array_count": (patch(16, "<Q", 1 << 40), "array count 2**40"),
        "name_count_mismatch": (good[:names_at] + _names(["only_one"]),
                                "1 name for 3 arrays"),
        "huge_name_length": (patch(names_at + 8, "<Q", 1 << 40), "name length 2**40"),
        "non_utf8_name": (good[:names_at] + _names(["a", "b", "c"])[:-1] + b"\xff",
                          "last name is the byte 0xff"),
        "record_magic_bitflip": (patch(24, "<I", 0xF993FAD9), "record magic 0xf993fad9"),
        "unknown_stype": (patch(28, "<i", 5), "storage type 5"),
        "sparse_stype": (patch(28, "<i", 1), "storage type 1 on dense data"),
        "ndim_minus_one": (patch(32, "<i", -1), "ndim -1"),
        "ndim_negative": (patch(32, "<i", -5), "ndim -5"),
        "ndim_huge": (patch(32, "<i", 1 << 30), "ndim 2**30"),
        "dim_negative": (patch(36, "<q", -2), "dim -2"),
        "dim_huge": (patch(36, "<q", 1 << 40), "dim 2**40"),
        "dim_zero": (patch(36, "<q", 0), "dim 0: data no longer lines up"),
        "unknown_dtype": (patch(60, "<i", 99), "dtype flag 99"),
        "int16_dtype": (patch(60, "<i", 8), "dtype flag 8 (int16)"),
        "trailing_garbage": (good + b"garbage!", "8 bytes after the names"),
        "reserved_nonzero": (patch(8, "<Q", 0x0707070707070707), "reserved word set"),
        "gpu_context": (patch(52, "<i", 2), "dev_type 2 (gpu)"),
        "duplicate_names": (good[:names_at] + _names(["x", "y", "x"]),
                            "names x, y, x"),
        "v3_records": (bytes(v3), "V3 magics: MXNet reads it only in np-shape mode"),
    }


def main() -> None:
    rng = np.random.default_rng(20240601)
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(os.path.join(OUT, "corrupt"))
    files = _write_mxnet_files(rng)
    files.update(_write_legacy_files(rng))
    with open(os.path.join(OUT, "dict.params"), "rb") as f:
        good = f.read()
    for name, (data, note) in _corruptions(good).items():
        rel = f"corrupt/{name}.params"
        with open(os.path.join(OUT, rel), "wb") as f:
            f.write(data)
        files[rel] = {"written_by": "corrupted copy of dict.params", "np_shape": False,
                      "note": note}
    files["corrupt/v3_records.params"]["np_shape"] = True

    expected: dict[str, np.ndarray] = {}
    for rel, entry in files.items():
        result, arrays = _mx_load(os.path.join(OUT, rel), entry["np_shape"])
        entry.update(result)
        entry.setdefault("jaxsym", "ok" if result["mxnet_load"] == "ok" else "error")
        for i, arr in enumerate(arrays):
            expected[f"{rel}|{i}"] = arr
        print(f"{rel:40s} {entry['mxnet_load']:6s} {entry.get('mxnet_message', '')[:70]}")
    with open(os.path.join(OUT, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump({"mxnet_version": mx.__version__,
                   "command": "MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python "
                              "tools/record_params_fixtures.py",
                   "files": files}, f, indent=1, ensure_ascii=False, sort_keys=True)
        f.write("\n")
    np.savez(os.path.join(OUT, "manifest.npz"), **expected)


if __name__ == "__main__":
    main()
