"""mx.image.ImageIter against MXNet 1.9.1's batches (ITERS in tools/record_image_fixtures.py)."""

import json
import random
from pathlib import Path

import numpy as np
import pytest
from image import image_cases as ic

import jaxsym as mx
from jaxsym.base import MXNetTypeError, MXNetValueError

pytest.importorskip("cv2")

DATA = Path(__file__).resolve().parents[1] / "data"
REC = DATA / "recordio"
MANIFEST = json.loads((DATA / "image" / "manifest.json").read_text())
EXPECTED = np.load(DATA / "image" / "expected.npz")

RUNS = MANIFEST["iters"]


def _kwargs(kwargs):
    """A recorded run's arguments as ImageIter takes them (as the recorder's)."""
    return ic.iter_kwargs(mx, kwargs)


@pytest.mark.parametrize("name", sorted(RUNS))
def test_batches_match_mxnet(name):
    seed, epochs, kwargs = (RUNS[name][k] for k in ("seed", "epochs", "kwargs"))
    if seed is not None:
        random.seed(seed)
    it = mx.image.ImageIter(**_kwargs(kwargs))
    shape = (kwargs["batch_size"],) + tuple(kwargs["data_shape"])
    assert it.provide_data == [("data", shape)]
    assert it.provide_label[0].shape == shape[:1] + ((2,) if "label_width" in kwargs else ())
    pads = []
    for epoch in range(epochs):
        if epoch:
            it.reset()
        pads.append([])
        for number, batch in enumerate(it):
            key = f"iter/{name}/{epoch}/{number}"
            data, label = batch.data[0].asnumpy(), batch.label[0].asnumpy()
            assert data.dtype == np.float32 and label.dtype == np.float32
            np.testing.assert_allclose(data, EXPECTED[key + "/data"], rtol=1e-6, atol=1e-5)
            np.testing.assert_array_equal(label, EXPECTED[key + "/label"])
            pads[-1].append(batch.pad)
    assert pads == RUNS[name]["pads"]


@pytest.mark.parametrize("kwargs, error, match", [
    ({}, MXNetValueError, "give path_imgrec, path_imglist or imglist"),
    ({"path_imgrec": "png.rec", "data_shape": (1, 4, 4)}, MXNetValueError,
     r"data_shape must be \(3, height, width\), got \(1, 4, 4\)"),
    ({"path_imgrec": "png.rec", "last_batch_handle": "keep"}, MXNetValueError, "'keep'"),
    ({"path_imgrec": "png.rec", "dtype": "uint8"}, MXNetValueError, "dtype 'uint8'"),
    ({"path_imgrec": "png.rec", "shuffle": True}, MXNetValueError, "give path_imgidx"),
    ({"path_imgrec": "png.rec", "brightnes": 0.1}, MXNetTypeError,
     r"unknown arguments \['brightnes'\]"),
    ({"path_imgrec": "png.rec", "rand_resize": True}, MXNetValueError,
     "rand_resize needs rand_crop=True"),
    ({"path_imgrec": "png.rec", "part_index": 2, "num_parts": 2}, MXNetValueError,
     "part_index 2"),
])
def test_bad_arguments(kwargs, error, match):
    args = {"batch_size": 2, "data_shape": (3, 4, 4), **kwargs}
    with pytest.raises(error, match=match):
        mx.image.ImageIter(**_kwargs(args))


def test_label_width_mismatch_and_broken_image_name_the_image(tmp_path):
    it = mx.image.ImageIter(2, (3, 4, 4), label_width=3, path_imgrec=str(REC / "png.rec"))
    with pytest.raises(MXNetValueError, match=r"has 1 labels \(\[0.0\]\), label_width is 3"):
        next(it)
    (tmp_path / "bad.png").write_bytes(b"not a png")
    it = mx.image.ImageIter(1, (3, 4, 4), imglist=[[0, "bad.png"]], path_root=str(tmp_path))
    with pytest.raises(MXNetValueError, match="broken image at key '1', file '.*bad.png'"):
        next(it)
    it = mx.image.ImageIter(1, (3, 4, 4), imglist=[[0, "gone.png"]], path_root=str(tmp_path))
    with pytest.raises(MXNetValueError, match="cannot read image '.*gone.png' .key '1'"):
        next(it)


def test_malformed_lst_lines_name_the_file_and_line(tmp_path):
    lst = tmp_path / "bad.lst"
    for line in ("0\tcat/gradient.png\n", "x\t1\tcat/gradient.png\n", "0\tone\tcat/a.png\n"):
        lst.write_text("0\t1\tcat/gradient.png\n" + line)
        with pytest.raises(MXNetValueError, match=r"bad\.lst: line 2: "):
            mx.image.ImageIter(1, (3, 4, 4), path_imglist=str(lst), path_root=str(REC))
