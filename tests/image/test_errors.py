"""mx.image's bad inputs raise MXNetError subclasses that name the argument and values."""

import numpy as np
import pytest

import jaxsym as mx
from jaxsym.base import MXNetTypeError, MXNetValueError

pytest.importorskip("cv2")

IMG = mx.nd.array(np.arange(4 * 6 * 3).reshape(4, 6, 3), dtype="uint8")


@pytest.mark.parametrize("call, error, match", [
    (lambda: mx.image.imdecode(b"not an image"), MXNetValueError, "cannot decode these 12"),
    (lambda: mx.image.imdecode(b""), MXNetValueError, "buf is empty"),
    (lambda: mx.image.imdecode("a.jpg"), MXNetTypeError, "got str"),
    (lambda: mx.image.imdecode(b"x", flag=2), MXNetValueError, "flag must be 0 .* got 2"),
    (lambda: mx.image.imread("/no/such/file.png"), MXNetValueError, "cannot open '/no/such"),
    (lambda: mx.image.imresize(IMG, 0, 3), MXNetValueError, "w=0, h=3"),
    (lambda: mx.image.imresize(IMG, 3, 3, interp=9), MXNetValueError, "unknown interp 9"),
    (lambda: mx.image.imresize(IMG.astype("int32"), 3, 3), MXNetTypeError, "got int32"),
    (lambda: mx.image.imresize(IMG[:, :, 0], 3, 3), MXNetValueError, r"got \(4, 6\)"),
    (lambda: mx.image.imresize(IMG.asnumpy(), 3, 3), MXNetTypeError, "got ndarray"),
    (lambda: mx.image.resize_short(IMG, 3, interp=7), MXNetValueError, "unknown interp 7"),
    (lambda: mx.image.fixed_crop(IMG, 2, 1, 5, 2), MXNetValueError,
     "x0=2, y0=1, w=5, h=2 is empty or leaves the 6x4"),
    (lambda: mx.image.fixed_crop(IMG, -1, 0, 2, 2), MXNetValueError, "x0=-1"),
    (lambda: mx.image.center_crop(IMG, (100, 1)), MXNetValueError, "w=6, h=0"),
    (lambda: mx.image.color_normalize(IMG, mx.nd.array([1, 2, 3])), MXNetTypeError,
     "mean has dtype float32, src uint8"),
    (lambda: mx.image.color_normalize(IMG.astype("float32"), np.ones(3)), MXNetTypeError,
     "mean must be an NDArray, a number or None, got ndarray"),
    (lambda: mx.image.copyMakeBorder(IMG, 1, 1, 1, 1, type=5), MXNetValueError,
     "unknown type 5"),
    (lambda: mx.image.copyMakeBorder(IMG, -1, 1, 1, 1), MXNetValueError, "top=-1"),
    (lambda: mx.image.CreateAugmenter((3, 4, 4), rand_resize=True), MXNetValueError,
     "rand_resize needs rand_crop=True"),
    (lambda: mx.image.random_size_crop(IMG, (2, 2), 0.5, (1, 1), min_size=3), MXNetTypeError,
     r"unexpected keyword arguments \['min_size'\]"),
    (lambda: mx.image.CreateAugmenter((4, 4)), MXNetValueError, r"got \(4, 4\)"),
    (lambda: mx.image.CreateAugmenter((3, 4, 4), mean=[1, 2, 3]), MXNetValueError,
     "mean must be True, None, or a numpy array"),
    (lambda: mx.image.CreateAugmenter((3, 4, 4), mean=np.ones(2)), MXNetValueError,
     "of 1 or 3 numbers"),
    (lambda: mx.image.imdecode(b"x", out=mx.nd.zeros((1,))), MXNetValueError,
     "cannot decode"),
    (lambda: mx.image.imresize(IMG, 3, 2, out=mx.nd.zeros((2, 3, 3))), MXNetValueError,
     r"out has shape \(2, 3, 3\) and dtype float32, the result \(2, 3, 3\) uint8"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_imread_names_the_file_when_decoding_fails(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG garbage")
    with pytest.raises(MXNetValueError, match=r"imread '.*bad.png': imdecode: OpenCV cannot"):
        mx.image.imread(str(bad))


def test_augmenter_base_must_be_subclassed():
    with pytest.raises(NotImplementedError, match="Augmenter must define __call__"):
        mx.image.Augmenter()(IMG)
    assert mx.image.Augmenter(a=mx.nd.array([1, 2])).dumps() == '["augmenter", {"a": [1.0, 2.0]}]'


def test_sequential_aug_applies_in_order_and_dumps_a_list():
    seq = mx.image.SequentialAug([mx.image.CenterCropAug((4, 2)), mx.image.CastAug()])
    out = seq(IMG)
    assert out.shape == (2, 4, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out.asnumpy(), IMG.asnumpy()[1:3, 1:5])
    assert seq.dumps() == ["sequentialaug", ['["centercropaug", {"size": [4, 2], "interp": 2}]',
                                             '["castaug", {"type": "float32"}]']]
