"""mx.io.ImageRecordIter against MXNet 1.9.1's batches (tests/data/recordio, written by
`MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_recordio_fixtures.py`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import jaxsym as mx
from jaxsym.base import MXNetValueError

DATA = Path(__file__).resolve().parents[1] / "data" / "recordio"
MANIFEST = json.loads((DATA / "manifest.json").read_text())
EXPECTED = np.load(DATA / "expected.npz")


@pytest.fixture
def in_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Run in a copy of the fixture folder (relative paths, as recorded; mean files made)."""
    for ext in ("*.rec", "*.idx", "mean.bin"):
        for path in DATA.glob(ext):
            shutil.copy(path, tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _descs(descs: list[mx.io.DataDesc]) -> list[list]:
    return [[d.name, list(d.shape), np.dtype(d.dtype).name] for d in descs]


@pytest.mark.parametrize("name", sorted(MANIFEST["iters"]))
def test_batches_match_mxnet(name: str, in_data: Path) -> None:
    spec = MANIFEST["iters"][name]
    kwargs = spec["kwargs"]
    it = mx.io.ImageRecordIter(**kwargs)
    assert _descs(it.provide_data) == spec["provide_data"]
    assert _descs(it.provide_label) == spec["provide_label"]
    for e, batches in enumerate(spec["epochs"]):
        got = list(it)
        it.reset()
        assert [b.pad for b in got] == [b["pad"] for b in batches]
        for b, batch in enumerate(got):
            # round_batch=False: MXNet's short last batch reports pad 0 and its tail is
            # stale memory; the fixture holds only the real images (zeros here).
            want = EXPECTED[f"iter/{name}/{e}/{b}/data"]
            real = len(want)
            assert not batch.data[0].asnumpy()[real:].any()
            assert batch.data[0].dtype == want.dtype
            np.testing.assert_allclose(batch.data[0].asnumpy()[:real], want[:real],
                                       rtol=1e-6, atol=1e-6)
            np.testing.assert_array_equal(batch.label[0].asnumpy()[:real],
                                          EXPECTED[f"iter/{name}/{e}/{b}/label"][:real])
            assert batch.index.tolist() == [0] * kwargs["batch_size"]
    if "mean_img" in kwargs and name == "mean_created":
        # Made when missing, as MXNet does, with the same bytes.
        assert (in_data / kwargs["mean_img"]).read_bytes() == \
            (DATA / "mean_created.bin").read_bytes()


@pytest.mark.parametrize("num_parts", [2, 3, 4])
@pytest.mark.parametrize("with_idx", [False, True])
def test_parts_match_mxnet(num_parts: int, with_idx: bool, in_data: Path) -> None:
    """By bytes without an index (dmlc's split), by record count with one."""
    seen = []
    for part in range(num_parts):
        want = EXPECTED[f"parts/{num_parts}/{int(with_idx)}/{part}"]
        kwargs = {"path_imgrec": "jpg_resize.rec", "data_shape": (3, 4, 4), "batch_size": 1,
                  "round_batch": False, "num_parts": num_parts, "part_index": part,
                  "path_imgidx": "jpg_resize.idx" if with_idx else ""}
        if not len(want):  # MXNet's constructor raises StopIteration for an empty part
            with pytest.raises(MXNetValueError, match=f"part {part} of {num_parts} holds no"):
                mx.io.ImageRecordIter(**kwargs)
            continue
        got = [b.data[0].asnumpy()[0] for b in mx.io.ImageRecordIter(**kwargs)]
        np.testing.assert_array_equal(np.array(got), want)
        seen += got
    assert len(seen) == 6


def test_red_lands_in_the_first_channel(tmp_path: Path) -> None:
    """ImageRecordIter gives RGB, where unpack_img gives OpenCV's BGR."""
    bgr = np.zeros((4, 6, 3), np.uint8)
    bgr[:, :3, 2] = 255  # pure red on the left half, in OpenCV's order
    rec = mx.recordio.MXRecordIO(tmp_path / "red.rec", "w")
    rec.write(mx.recordio.pack_img(mx.recordio.IRHeader(0, 3.0, 0, 0), bgr, img_fmt=".png"))
    rec.close()
    _, decoded = mx.recordio.unpack_img(mx.recordio.MXRecordIO(tmp_path / "red.rec", "r").read())
    assert (decoded[:, :3] == (0, 0, 255)).all()  # BGR
    for it in (mx.io.ImageRecordUInt8Iter(str(tmp_path / "red.rec"), (3, 4, 6), 1),
               mx.io.ImageRecordIter(str(tmp_path / "red.rec"), (3, 4, 6), 1, scale=1 / 255)):
        batch = it.next()
        img = batch.data[0].asnumpy()[0]
        assert (img[0, :, :3] == (255 if it.dtype == np.uint8 else 1.0)).all()  # R first
        assert not img[1:].any() and not img[:, :, 3:].any()
        assert batch.label[0].asnumpy().tolist() == [3.0]


def _decoded_rgb(path: Path) -> list[np.ndarray]:
    rec = mx.recordio.MXRecordIO(path, "r")
    out = []
    while (item := rec.read()) is not None:
        out.append(mx.recordio.unpack_img(item, iscolor=1)[1][:, :, ::-1].transpose(2, 0, 1))
    return out


def _is_crop_of(img: np.ndarray, full: np.ndarray) -> bool:
    h, w = img.shape[1:]
    return any(np.array_equal(img, full[:, y:y + h, x:x + w])
               for y in range(full.shape[1] - h + 1) for x in range(full.shape[2] - w + 1))


def test_random_crop_and_mirror_are_crops_of_the_image(in_data: Path) -> None:
    sources = _decoded_rgb(in_data / "jpg_resize.rec")
    it = mx.io.ImageRecordUInt8Iter("jpg_resize.rec", (3, 8, 8), 6, rand_crop=True,
                                    rand_mirror=True, seed_aug=3)
    flips = set()
    for _ in range(3):
        batch = it.next()
        it.reset()
        for img, full in zip(batch.data[0].asnumpy(), sources):
            plain, mirrored = _is_crop_of(img, full), _is_crop_of(img[:, :, ::-1], full)
            assert plain or mirrored
            flips.add(mirrored and not plain)
    assert flips == {True, False}


def test_shuffle_permutes_each_epoch(in_data: Path) -> None:
    it = mx.io.ImageRecordIter("png.rec", (3, 10, 10), 3, shuffle=True, seed=5,
                               dtype="uint8")
    plain = mx.io.ImageRecordIter("png.rec", (3, 10, 10), 6, dtype="uint8").next()
    reference = sorted(img.tobytes() for img in plain.data[0].asnumpy())
    orders = []
    for _ in range(3):
        imgs = [img.tobytes() for b in it for img in b.data[0].asnumpy()]
        it.reset()
        assert sorted(imgs) == reference
        orders.append(imgs)
    assert len({tuple(o) for o in orders}) > 1


@pytest.mark.parametrize("kwargs, match", [
    ({"max_crop_size": 13, "min_crop_size": 13},
     (r"record id 2 at byte offset 0: ImageRecordIter: the image is 12x16 after "
      r"augmentation, smaller than max_crop_size=13")),
    ({"label_width": 2}, "label_width must be 1 unless"),
    ({"data_shape": (2, 8, 8)}, "1, 3 or 4 channels"),
    ({"batch_size": 13}, "number of input images must be bigger than the batch size"),
    ({"pca_noise": 0.1}, "pca_noise=0.1 is not supported"),
    ({"bogus": 1}, "unknown argument 'bogus'"),
    ({"part_index": 2, "num_parts": 2}, r"part_index 2 is not in \[0, num_parts=2\)"),
    ({"path_imgrec": "nothere.rec"}, r"nothere\.rec: cannot open RecordIO file"),
])
def test_errors(kwargs: dict, match: str, in_data: Path) -> None:
    args = {"path_imgrec": "png.rec", "data_shape": (3, 8, 8), "batch_size": 4,
            "preprocess_threads": 4, **kwargs}
    with pytest.raises(mx.MXNetError, match=match):
        for _ in mx.io.ImageRecordIter(**args):
            pass


def test_multi_label_width_mismatch(in_data: Path) -> None:
    with pytest.raises(MXNetValueError, match="the record has 2 labels but label_width is 3"):
        mx.io.ImageRecordIter("multi.rec", (3, 8, 8), 2, label_width=3).next()
