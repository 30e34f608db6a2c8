"""MXNet's uint8 bicubic (its OpenCV 3.4.2) on larger images, in imresize and ImageRecordIter.

Recorded by `record_cubic` in tools/record_image_fixtures.py.
"""

import json
from pathlib import Path

import numpy as np
import pytest

import jaxsym as mx

cv2 = pytest.importorskip("cv2")

DATA = Path(__file__).resolve().parents[1] / "data"
EXPECTED = np.load(DATA / "image" / "expected.npz")
NOISE = np.random.RandomState(0).randint(0, 256, (37, 53, 3)).astype(np.uint8)
CUBIC = sorted(k for k in EXPECTED.files if k.startswith("cubic/"))
RECORD_ITERS = json.loads((DATA / "image" / "manifest.json").read_text())["record_iters"]


def test_every_size_is_recorded():
    assert len(CUBIC) == 10


@pytest.mark.parametrize("key", CUBIC)
def test_imresize_bicubic_is_mxnets(key):
    size, channels = key.split("/")[1:]
    w, h = map(int, size.split("x"))
    src = mx.nd.array(NOISE[:, :, :int(channels)], dtype="uint8")
    got = mx.image.imresize(src, w, h, interp=2).asnumpy()
    np.testing.assert_array_equal(got, EXPECTED[key])


def test_installed_opencv_differs_from_mxnets_bicubic():
    """Why jaxsym has its own uint8 bicubic: OpenCV 4 and 5 round differently."""
    differs = [not np.array_equal(cv2.resize(NOISE, (w, h), interpolation=cv2.INTER_CUBIC),
                                  EXPECTED[f"cubic/{w}x{h}/3"])
               for w, h in ((101, 67), (13, 50), (53, 38))]
    assert any(differs)


@pytest.mark.parametrize("name", sorted(RECORD_ITERS))
def test_image_record_iter_bicubic_is_mxnets(name):
    kwargs = dict(RECORD_ITERS[name])
    kwargs["path_imgrec"] = str(DATA / "recordio" / kwargs["path_imgrec"])
    got = mx.io.ImageRecordIter(**kwargs).next().data[0].asnumpy()
    np.testing.assert_array_equal(got, EXPECTED[f"recorditer/{name}"])
