"""mx.image's detection augmenters and ImageDetIter against MXNet 1.9.1 (tests/data/detection,
from tools/record_detection_fixtures.py)."""

import json

import numpy as np
import pytest
from image import detection_cases as dc
from image import image_cases as ic

import jaxsym as mx
from jaxsym.base import MXNetTypeError, MXNetValueError

pytest.importorskip("cv2")

MANIFEST = json.loads((dc.DET / "manifest.json").read_text())
EXPECTED = np.load(dc.DET / "expected.npz")
RUNS = MANIFEST["iters"]


def _close(got, want):
    assert got.shape == want.shape and got.dtype == want.dtype
    if want.dtype == np.uint8:
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


def _dumps_equal(mine, theirs):
    """Equal up to float32 noise in numbers (MXNet writes float64 expansions)."""
    if isinstance(mine, str) and mine.startswith("["):  # a nested dumps() string
        mine, theirs = json.loads(mine), json.loads(theirs)
    if isinstance(mine, (list, tuple)):
        assert len(mine) == len(theirs)
        for a, b in zip(mine, theirs, strict=True):
            _dumps_equal(a, b)
    elif isinstance(mine, dict):
        assert sorted(mine) == sorted(theirs)
        for key in mine:
            _dumps_equal(mine[key], theirs[key])
    elif isinstance(mine, float):
        assert mine == pytest.approx(theirs, rel=1e-6)
    else:
        assert mine == theirs


@pytest.mark.parametrize("case", MANIFEST["cases"],
                         ids=lambda c: f"{c['name']}-{c['aug']['call']}")
def test_augmenters_match_mxnet(case):
    data, label, given, dumped = dc.run(mx, case)
    assert isinstance(data, mx.nd.NDArray)
    _close(data.asnumpy(), EXPECTED[case["name"] + "/data"])
    np.testing.assert_allclose(label, EXPECTED[case["name"] + "/label"], rtol=1e-6, atol=1e-7)
    assert label.dtype == np.float32
    # The flip changes the caller's label in place, as MXNet's; the others leave it.
    np.testing.assert_array_equal(given, EXPECTED[case["name"] + "/given"])
    _dumps_equal(dumped, case["dumps"])


@pytest.mark.parametrize("name", sorted(RUNS))
def test_image_det_iter_matches_mxnet(name):
    run = RUNS[name]
    batches, summary = dc.run_iter(mx, run)
    for key in ("label_shape", "provide_label", "pads", "synced", "other_label_shape"):
        assert summary.get(key) == run.get(key), key
    want = sorted(k for k in EXPECTED.files if k.startswith(f"iter/{name}/"))
    assert sorted(f"iter/{name}/{k}" for k in batches) == want
    for key, got in batches.items():
        _close(got, EXPECTED[f"iter/{name}/{key}"])


def test_rec_holds_the_labels_as_packed():
    rec = mx.recordio.MXIndexedRecordIO(str(dc.DET / "det.idx"), str(dc.DET / "det.rec"), "r")
    for key, (file, raw) in enumerate(dc.LABELS.items()):
        header, img = mx.recordio.unpack(rec.read_idx(key))
        assert header.flag == len(raw)
        np.testing.assert_array_equal(header.label, np.float32(raw))
        assert img == ic.path(file).read_bytes()


def _iter(imglist, **kwargs):
    return mx.image.ImageDetIter(2, (3, 4, 4), imglist=imglist, path_root=str(ic.IMAGES),
                                 **kwargs)


@pytest.mark.parametrize("label, match", [
    ([2, 5, 0, 0.1, 0.1], r"has 5 numbers .*at least 7"),
    ([2, 5, 0, 0.1, 0.1, 0.5, 0.5, 1], r"8 numbers, header width 2 and object width 5"),
    ([2, 4, 0, 0.1, 0.1, 0.5, 0.5, 1], "object width 4"),
    ([2, 5, 0, 0.5, 0.1, 0.5, 0.5], "no valid box"),
])
def test_bad_labels_raise_naming_the_image(label, match):
    with pytest.raises(MXNetValueError, match=match) as err:
        _iter([[label, "cat/gradient.png"]])
    assert "key '1'" in str(err.value) and "gradient.png" in str(err.value)


def test_reshape_and_label_shape_checks():
    it = _iter([[[2, 5, 0, 0.1, 0.1, 0.5, 0.5], "cat/gradient.png"]])
    assert it.label_shape == (1, 5)
    it.reshape(label_shape=(4, 5))
    assert it.provide_label[0].shape == (2, 4, 5)
    np.testing.assert_array_equal(it.next().label[0].asnumpy()[0, 1:], -np.ones((3, 5)))
    for shape, match in (((3, 5), "reduce the object count from 4 to 3"),
                         ((4, 6), "object width 6, the labels 5"),
                         ((4,), r"must be \(objects, object width\)")):
        with pytest.raises(MXNetValueError, match=match):
            it.reshape(label_shape=shape)
    with pytest.raises(MXNetValueError, match=r"data_shape must be \(3, height, width\)"):
        it.reshape(data_shape=(1, 4, 4))
    # The augmenters still resize to the old shape, as MXNet's.
    it.reshape(data_shape=(3, 5, 5))
    it.reset()
    with pytest.raises(MXNetValueError, match=r"is \(3, 4, 4\) after augmentation"):
        it.next()
    wide = _iter([[[2, 6, 0, 0.1, 0.1, 0.5, 0.5, 0], "cat/gradient.png"]])
    with pytest.raises(MXNetValueError, match="object width mismatch, 6 here and 5 in it"):
        wide.sync_label_shape(_iter([[[2, 5, 0, 0.1, 0.1, 0.5, 0.5], "cat/gradient.png"]]))
    with pytest.raises(MXNetTypeError, match="must be an ImageDetIter"):
        wide.sync_label_shape(object())


@pytest.mark.parametrize("make, error, match", [
    (lambda: mx.image.DetBorrowAug(3), MXNetTypeError, "must be an mx.image.Augmenter"),
    (lambda: mx.image.DetRandomSelectAug([mx.image.CastAug()]), MXNetValueError,
     "DetAugmenters only, got CastAug"),
    (lambda: mx.image.DetRandomCropAug(area_range=(0.5, 0.1)), MXNetTypeError,
     r"invalid area_range \(0.5, 0.1\)"),
    (lambda: mx.image.DetRandomCropAug(aspect_ratio_range=(0.75, 0.5)), MXNetTypeError,
     "invalid aspect_ratio_range"),
    (lambda: mx.image.DetRandomPadAug(area_range=(1.0, 0.9)), MXNetTypeError,
     "invalid area_range"),
    (lambda: mx.image.DetRandomCropAug(area_range="big"), MXNetTypeError,
     "area_range must be a number or a"),
    (lambda: mx.image.CreateDetAugmenter((3, 8, 8), rand_crop=1, rand_pad=1,
                                         area_range=[(0.1, 1.0), (0.2, 1.5)]),
     MXNetTypeError, r"DetRandomPadAug: area_range must be .*got \(1.0, \(0.2, 1.5\)\)"),
    (lambda: mx.image.CreateMultiRandCropAugmenter(min_object_covered=[0.1, 0.2],
                                                   max_attempts=[1, 2, 3]),
     MXNetValueError, r"lengths \[2, 1, 1, 1, 3\]"),
    (lambda: mx.image.CreateDetAugmenter((3, 4)), MXNetValueError, "data_shape must be"),
    (lambda: mx.image.CreateDetAugmenter((3, 4, 4), mean=[1, 2]), MXNetValueError,
     "CreateDetAugmenter: mean must be True"),
    (lambda: _iter([[[2, 5, 0, 0.1, 0.1, 0.5, 0.5], "cat/gradient.png"]], rand_crp=1),
     MXNetTypeError, r"unknown arguments \['rand_crp'\]"),
    (lambda: mx.image.DetHorizontalFlipAug(1)(mx.nd.zeros((2, 2, 3)), np.zeros((2, 4))),
     MXNetValueError, r"shape \(objects, 5\+\).*got \(2, 4\)"),
    (lambda: _iter([[[2, 5, 0, 0.1, 0.1, 0.5, 0.5], "cat/gradient.png"]]).draw_next(),
     MXNetValueError, "draw_next is not implemented"),
])
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_too_many_objects_for_the_label_shape():
    it = _iter([[[2, 5, 0, 0.1, 0.1, 0.5, 0.5], "cat/gradient.png"]],
               aug_list=[mx.image.DetBorrowAug(mx.image.ForceResizeAug((4, 4)))])
    it.auglist.append(_Duplicate())
    with pytest.raises(MXNetValueError, match=r"labels \(2, 5\), more than label_shape"):
        it.next()


class _Duplicate(mx.image.DetAugmenter):
    """Doubles the objects, so that the label outgrows the estimated shape."""

    def __call__(self, src, label):
        return src, np.concatenate([label, label])
