"""mx.recordio against MXNet 1.9.1's own files (tests/data/recordio, written by
`MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_recordio_fixtures.py`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import jaxsym as mx
from jaxsym.base import MXNetError, MXNetValueError
from jaxsym.formats import recordio

DATA = Path(__file__).resolve().parents[1] / "data" / "recordio"
MANIFEST = json.loads((DATA / "manifest.json").read_text())
EXPECTED = np.load(DATA / "expected.npz")
KEYS = MANIFEST["writer"]["keys"]
PAYLOADS = [bytes.fromhex(p) for p in MANIFEST["writer"]["payloads"]]


def test_facade_exports_recordio() -> None:
    assert mx.recordio.MXIndexedRecordIO is recordio.MXIndexedRecordIO
    assert mx.recordio.IRHeader(0, 1.0, 2, 0) == (0, 1.0, 2, 0)


def test_reads_mxnet_records_by_key_and_in_sequence() -> None:
    rec = recordio.MXIndexedRecordIO(DATA / "records.idx", DATA / "records.rec", "r",
                                     key_type=str)
    assert rec.keys == KEYS
    for key, payload in reversed(list(zip(KEYS, PAYLOADS))):
        assert rec.read_idx(key) == payload
    rec.close()
    with recordio.MXRecordIO(DATA / "records.rec", "r") as seq:
        assert [seq.read() for _ in PAYLOADS] == PAYLOADS
        assert seq.read() is None
        seq.reset()
        assert seq.read() == PAYLOADS[0]


def test_writer_is_byte_identical_to_mxnet(tmp_path: Path) -> None:
    rec = recordio.MXIndexedRecordIO(tmp_path / "r.idx", tmp_path / "r.rec", "w", key_type=str)
    tells = [rec.tell()]
    for key, payload in zip(KEYS, PAYLOADS):
        rec.write_idx(key, payload)
        tells.append(rec.tell())
    assert not (tmp_path / "r.rec").exists()  # complete files appear at close()
    rec.close()
    assert tells == MANIFEST["writer"]["tell"]
    assert (tmp_path / "r.rec").read_bytes() == (DATA / "records.rec").read_bytes()
    assert (tmp_path / "r.idx").read_bytes() == (DATA / "records.idx").read_bytes()


def test_pack_is_byte_identical_to_mxnet() -> None:
    header = recordio.IRHeader(0, [1.5, -2.0, 3.25], 42, 7)
    assert recordio.pack(header, b"payload").hex() == MANIFEST["pack"]["multi"]
    # A numeric label forces flag 0, whatever flag was given.
    assert recordio.pack(recordio.IRHeader(5, 2.5, 9, 1), b"xyz").hex() == \
        MANIFEST["pack"]["scalar"]
    img = np.arange(36, dtype=np.uint8).reshape(3, 4, 3)
    packed = recordio.pack_img(recordio.IRHeader(0, 1.0, 3, 0), img, quality=9, img_fmt=".png")
    assert packed.hex() == MANIFEST["pack"]["png"]
    header, back = recordio.unpack(recordio.pack(recordio.IRHeader(0, [1.5, 2.0], 4, 0), b"z"))
    assert header.flag == 2 and header.label.tolist() == [1.5, 2.0] and back == b"z"


@pytest.mark.parametrize("variant", sorted(MANIFEST["headers"]))
def test_unpack_img_matches_mxnet(variant: str) -> None:
    rec = recordio.MXIndexedRecordIO(DATA / f"{variant}.idx", DATA / f"{variant}.rec", "r")
    want = MANIFEST["headers"][variant]
    assert rec.keys == want["keys"]
    for i, key in enumerate(rec.keys):
        header, img = recordio.unpack_img(rec.read_idx(key))
        assert [header.flag, np.asarray(header.label).tolist(), header.id, header.id2] == \
            want["headers"][i]
        np.testing.assert_array_equal(img, EXPECTED[f"unpack_img/{variant}/{i}"])
        _, gray = recordio.unpack_img(rec.read_idx(key), iscolor=0)
        np.testing.assert_array_equal(gray, EXPECTED[f"unpack_img_gray/{variant}/{i}"])


def test_unpack_img_gives_bgr(tmp_path: Path) -> None:
    """A pure red block comes back in the last channel: OpenCV's BGR, as MXNet's."""
    bgr = np.zeros((4, 6, 3), np.uint8)
    bgr[:, :3, 2] = 255  # red, left half
    with recordio.MXRecordIO(tmp_path / "red.rec", "w") as rec:
        rec.write(recordio.pack_img(recordio.IRHeader(0, 0.0, 0, 0), bgr, img_fmt=".png"))
    with recordio.MXRecordIO(tmp_path / "red.rec", "r") as rec:
        _, img = recordio.unpack_img(rec.read())
    assert img[:, :3].tolist() == [[[0, 0, 255]] * 3] * 4 and not img[:, 3:].any()
    # MXNet's own file: cat/red_left.png (BGR (0, 0, 255) on its left half) is key 2.
    rec = recordio.MXIndexedRecordIO(DATA / "png.idx", DATA / "png.rec", "r")
    _, img = recordio.unpack_img(rec.read_idx(2))
    assert (img[:, :8] == (0, 0, 255)).all()


def _damaged(tmp_path: Path, data: bytes, name: str = "bad.rec") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_corrupt_files_raise_clear_errors(tmp_path: Path) -> None:
    good = (DATA / "records.rec").read_bytes()
    path = _damaged(tmp_path, b"\0\1\2\3" + good[4:])
    with pytest.raises(MXNetValueError, match=r"bad\.rec: .*byte offset 0: found 0x03020100"):
        recordio.MXRecordIO(path, "r").read()
    path = _damaged(tmp_path, good[:-5])
    with pytest.raises(MXNetValueError, match=r"byte offset 184: truncated record: its header "
                                              r"declares 768 bytes, only 763 remain"):
        rec = recordio.MXRecordIO(path, "r")
        while rec.read() is not None:
            pass
    with pytest.raises(MXNetValueError, match="truncated record header"):
        recordio.MXRecordIO(_damaged(tmp_path, good[:3]), "r").read()
    # Record k7 is split at its aligned magic word: its second part is not a record start.
    second_part = MANIFEST["writer"]["tell"][7] + 8 + 4
    with pytest.raises(MXNetValueError, match=rf"offset {second_part}: continuation flag 3 "
                                              r"\(last part\), expected a whole record"):
        recordio.MXRecordIO(DATA / "records.rec", "r").read_at(second_part)
    with pytest.raises(MXNetValueError, match="runs past the end"):
        recordio.MXRecordIO(_damaged(tmp_path, good[:-5]), "r").record_offsets()


def test_bad_index_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "bad.idx").write_text("0\t0\n1\t16\nnot-a-line\n")
    with pytest.raises(MXNetValueError, match=r"bad\.idx: line 3: expected 'key<TAB>offset', "
                                              r"found 'not-a-line'"):
        recordio.MXIndexedRecordIO(tmp_path / "bad.idx", DATA / "records.rec", "r")
    with pytest.raises(MXNetError, match=r"missing\.rec: cannot open RecordIO file"):
        recordio.MXRecordIO(tmp_path / "missing.rec", "r")
    with pytest.raises(MXNetError, match=r"missing\.idx: cannot read RecordIO index"):
        recordio.MXIndexedRecordIO(tmp_path / "missing.idx", DATA / "records.rec", "r")
    rec = recordio.MXIndexedRecordIO(DATA / "png.idx", DATA / "png.rec", "r")
    with pytest.raises(MXNetValueError, match=r"no record with key 9 \(6 keys: 2, 5, 0"):
        rec.read_idx(9)
    with pytest.raises(MXNetValueError, match="invalid flag 'a'"):
        recordio.MXRecordIO(DATA / "png.rec", "a")
    with pytest.raises(MXNetError, match="cannot write"):
        rec.write(b"x")
    with pytest.raises(MXNetValueError, match="24-byte header, got 6 bytes"):
        recordio.unpack(b"123456")
    with pytest.raises(MXNetValueError, match="announces 3 float32 labels"):
        recordio.unpack(recordio.pack(recordio.IRHeader(0, [1, 2, 3], 0, 0), b"")[:-4])


def test_failed_write_keeps_old_file_and_reset_truncates(tmp_path: Path) -> None:
    path = tmp_path / "a.rec"
    with recordio.MXRecordIO(path, "w") as rec:
        rec.write(b"old")
    with pytest.raises(RuntimeError, match="boom"), recordio.MXRecordIO(path, "w") as rec:
        rec.write(b"new")
        raise RuntimeError("boom")
    assert recordio.MXRecordIO(path, "r").read() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["a.rec"]  # no temporary left behind
    rec = recordio.MXRecordIO(path, "w")
    rec.write(b"first")
    rec.reset()  # as MXNet: a writer starts the file again
    rec.write(b"second")
    rec.close()
    reader = recordio.MXRecordIO(path, "r")
    assert (reader.read(), reader.read()) == (b"second", None)


def test_image_functions_without_opencv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cv2", None)  # import cv2 now raises ImportError
    with pytest.raises(MXNetError, match=r"pip install 'jaxsym\[image\]'"):
        recordio.unpack_img(recordio.pack(recordio.IRHeader(0, 0.0, 0, 0), b""))
    code = "import sys, jaxsym; assert 'cv2' not in sys.modules; jaxsym.recordio.pack"
    env = dict(os.environ, PYTHONPATH=str(Path(recordio.__file__).parents[2]))
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
