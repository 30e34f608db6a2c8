"""mx.image.imrotate and random_rotate against MXNet 1.9.1 (tests/data/image, the
manifest's `rotate` and `rotate_errors`, from tools/record_image_fixtures.py)."""

import builtins
import json
from pathlib import Path

import numpy as np
import pytest
from image import image_cases as ic

import jaxsym as mx

pytest.importorskip("cv2")

DATA = Path(__file__).resolve().parents[1] / "data" / "image"
MANIFEST = json.loads((DATA / "manifest.json").read_text())
EXPECTED = np.load(DATA / "expected.npz")
# Where jaxsym's exception class differs from MXNet's: MXNet's list of angles fails
# inside imrotate on `.as_in_context` (AttributeError); jaxsym says what it needs.
DIFFERENT = {"list_angles": TypeError}


def _float64_arrays() -> bool:
    return mx.nd.array([0.0], dtype="float64").dtype == np.float64


@pytest.mark.parametrize("case", MANIFEST["rotate"], ids=lambda c: c["name"])
def test_matches_mxnet(case):
    got, _ = ic.run(mx, case)
    want = EXPECTED[case["name"]]
    assert isinstance(got, mx.nd.NDArray)
    assert got.shape == want.shape and got.dtype == want.dtype
    # Pixels are 0..255: a float32 rounding in a coordinate moves a value by ~1e-4.
    np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-5, atol=2e-3)


@pytest.mark.parametrize("case", MANIFEST["rotate_errors"], ids=lambda c: c["name"])
def test_errors_like_mxnet(case):
    if case["src"] == "photo.jpg:chw64" and not _float64_arrays():
        pytest.skip("without jax x64 a float64 NDArray holds float32, which imrotate takes")
    kind = DIFFERENT.get(case["name"], getattr(builtins, case["error"], mx.MXNetError))
    with pytest.raises(mx.MXNetError) as info:
        ic.run(mx, {**case, "seed": 0})
    assert isinstance(info.value, kind), (type(info.value), case["error"])
    if case["name"] not in DIFFERENT:
        # MXNet's message, then what jaxsym got.
        assert case["message"].rstrip(".") in str(info.value)


def _image(shape, seed=0):
    return mx.nd.array(np.random.RandomState(seed).uniform(0, 1, shape))


def test_zero_rotation_is_identity_and_full_turn_nearly():
    img = _image((3, 5, 7))
    np.testing.assert_allclose(mx.image.imrotate(img, 0).asnumpy(), img.asnumpy(), atol=1e-6)
    np.testing.assert_allclose(mx.image.imrotate(img, 360).asnumpy(), img.asnumpy(),
                               atol=1e-5)


def test_square_quarter_turn_is_rot90():
    # A positive angle turns the picture counter-clockwise as displayed (row 0 at the
    # top): out[y, x] = src[x, w-1-y].
    img = _image((2, 5, 5))
    out = mx.image.imrotate(img, 90).asnumpy()
    np.testing.assert_allclose(out, np.rot90(img.asnumpy(), axes=(1, 2)), atol=1e-5)


def test_batch_scalar_angle_equals_per_image_calls():
    batch = _image((3, 2, 4, 6))
    out = mx.image.imrotate(batch, 25, zoom_in=True).asnumpy()
    for i in range(3):
        one = mx.image.imrotate(batch[i], 25, zoom_in=True).asnumpy()
        np.testing.assert_allclose(out[i], one, atol=1e-6)


def test_zoom_in_hides_padding_and_zoom_out_shows_it():
    ones = mx.nd.ones((1, 9, 13))
    assert mx.image.imrotate(ones, 30).asnumpy().min() == 0
    # MXNet's zoom scale comes from the full height and width, while the grid spans the
    # pixel centres, so the two corner pixels still blend in a little padding (0.93).
    zoomed = mx.image.imrotate(ones, 30, zoom_in=True).asnumpy()
    assert zoomed.min() > 0.9 and (zoomed[0, 1:-1] == 1).all()
    out = mx.image.imrotate(ones, 30, zoom_out=True).asnumpy()
    assert out[0, 0, 0] == 0 and out[0, 4, 6] == pytest.approx(1.0)


def test_random_rotate_draws_numpy_angles():
    batch = _image((2, 1, 5, 6))
    np.random.seed(3)
    out = mx.image.random_rotate(batch, (-40, 40)).asnumpy()
    np.random.seed(3)
    angles = mx.nd.array(np.random.uniform(-40, 40, size=2))
    np.testing.assert_allclose(out, mx.image.imrotate(batch, angles).asnumpy(), atol=1e-6)


def test_bad_angles_say_what_is_wrong():
    batch = _image((2, 1, 4, 4))
    with pytest.raises(mx.MXNetError, match=r"2 images.*\(3,\)"):
        mx.image.imrotate(batch, mx.nd.array([1, 2, 3]))
    # MXNet fails on integer angles too (its float32 grid meets an int32 array).
    with pytest.raises(mx.MXNetError, match="int32"):
        mx.image.imrotate(batch, mx.nd.array([1, 2], dtype="int32"))
    with pytest.raises(TypeError, match="list"):
        mx.image.imrotate(batch, [1, 2])
