"""mx.image against MXNet 1.9.1 (tests/data/image, from tools/record_image_fixtures.py)."""

import json
import random
from pathlib import Path

import numpy as np
import pytest
from image import image_cases as ic

import jaxsym as mx
from jaxsym.base import MXNetValueError

pytest.importorskip("cv2")

DATA = Path(__file__).resolve().parents[1] / "data"
MANIFEST = json.loads((DATA / "image" / "manifest.json").read_text())
EXPECTED = np.load(DATA / "image" / "expected.npz")
_path = ic.path


def _source(spec):
    return ic.source(mx, spec)


def _run(case):
    """jaxsym's image for one case, and what else it returned (as the recorder's)."""
    return ic.run(mx, case)


@pytest.mark.parametrize("case", MANIFEST["cases"], ids=lambda c: c["name"])
def test_matches_mxnet(case):
    got, extra = _run(case)
    want = EXPECTED[case["name"]]
    assert isinstance(got, mx.nd.NDArray)
    assert got.shape == want.shape and got.dtype == want.dtype
    if want.dtype == np.uint8:
        np.testing.assert_array_equal(got.asnumpy(), want)
    else:
        np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-5, atol=1e-4)
    for key, value in extra.items():
        if key == "dumps":
            # JSON floats: MXNet's float32 mean/std print as their float64 expansion.
            mine, theirs = _tree(value), _tree(case[key])
            assert _names(mine) == _names(theirs)
            np.testing.assert_allclose(_numbers(mine), _numbers(theirs), rtol=1e-6)
        else:
            assert value == case[key], key


def _tree(dumps):
    """A dumps() result with its JSON strings parsed (list-valued dumps nest them)."""
    if isinstance(dumps, str) and dumps.startswith("["):
        return _tree(json.loads(dumps))
    return [_tree(item) for item in dumps] if isinstance(dumps, list) else dumps


def _names(tree):
    """The strings in a dumps() tree (augmenter names, dict keys), in order."""
    if isinstance(tree, str):
        return [tree]
    if isinstance(tree, dict):
        return list(tree) + _names(list(tree.values()))
    return [n for item in tree for n in _names(item)] if isinstance(tree, list) else []


def _numbers(tree):
    """The numbers in a dumps() tree, flattened in order."""
    if isinstance(tree, (int, float)) and not isinstance(tree, bool):
        return [float(tree)]
    if isinstance(tree, dict):
        tree = list(tree.values())
    if isinstance(tree, list):
        return [n for item in tree for n in _numbers(item)]
    return []


@pytest.mark.parametrize("src, size, want", MANIFEST["scale_down"])
def test_scale_down(src, size, want):
    assert mx.image.scale_down(tuple(src), tuple(size)) == tuple(want)


def test_imdecode_is_rgb_and_takes_every_buffer_type():
    buf = _path("photo.jpg").read_bytes()
    rgb = mx.image.imdecode(buf).asnumpy()
    bgr = mx.image.imdecode(buf, to_rgb=False).asnumpy()
    np.testing.assert_array_equal(rgb, bgr[:, :, ::-1])
    assert not np.array_equal(rgb, bgr)
    for other in (bytearray(buf), np.frombuffer(buf, np.uint8),
                  mx.nd.array(np.frombuffer(buf, np.uint8), dtype="uint8")):
        np.testing.assert_array_equal(mx.image.imdecode(other).asnumpy(), rgb)
    out = mx.nd.zeros(rgb.shape, dtype="uint8")
    assert mx.image.imdecode(buf, out=out) is out
    np.testing.assert_array_equal(out.asnumpy(), rgb)


def test_color_normalize_is_in_place_and_returns_src():
    src = _source("photo.jpg:f32")
    before = src.asnumpy()
    out = mx.image.color_normalize(src, mx.nd.array([1, 2, 3]), mx.nd.array([2, 4, 8]))
    assert out is src
    np.testing.assert_allclose(src.asnumpy(), (before - [1, 2, 3]) / np.float32([2, 4, 8]),
                               rtol=1e-6)


@pytest.mark.parametrize("seed", range(25))
def test_random_crop_property(seed):
    rng = np.random.RandomState(seed)
    h, w = (int(d) for d in rng.randint(1, 12, size=2))
    src = mx.nd.array(rng.randint(0, 256, (h, w, 3)), dtype="uint8")
    size = tuple(int(s) for s in rng.randint(1, 15, size=2))
    cw, ch = mx.image.scale_down((w, h), size)
    random.seed(seed)
    if min(cw, ch) == 0:
        with pytest.raises(MXNetValueError, match="empty or leaves"):
            mx.image.random_crop(src, size, interp=0)
        return
    out, (x0, y0, cw2, ch2) = mx.image.random_crop(src, size, interp=0)
    assert (cw2, ch2) == (cw, ch)
    assert 0 <= x0 <= w - cw and 0 <= y0 <= h - ch
    assert out.shape == (size[1], size[0], 3)
    crop = mx.nd.array(src.asnumpy()[y0:y0 + ch, x0:x0 + cw], dtype="uint8")
    want = crop if (cw, ch) == size else mx.image.imresize(crop, *size, interp=0)
    np.testing.assert_array_equal(out.asnumpy(), want.asnumpy())
