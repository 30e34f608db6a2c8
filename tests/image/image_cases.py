"""How a recorded `mx.image` case runs, shared by tools/record_image_fixtures.py (under
MXNet 1.9.1) and the tests (under jaxsym): each function takes the `mx` module to use."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np

DATA = Path(__file__).resolve().parents[1] / "data"
REC = DATA / "recordio"
IMAGES = REC / "images"
FILES = {"photo.jpg": "dog", "portrait.png": "dog", "noise.png": "dog",
         "gray_checker.png": "cat", "gradient.png": "cat", "red_left.png": "cat"}


def path(file: str) -> Path:
    return IMAGES / FILES[file] / file


def value(mx: Any, arg: Any) -> Any:
    """A manifest argument as the library takes it (`{"nd": [...]}` is `mx.nd.array`)."""
    if isinstance(arg, dict) and "nd" in arg:
        return mx.nd.array(arg["nd"])
    if isinstance(arg, dict) and "np" in arg:
        return np.array(arg["np"])
    return tuple(arg) if isinstance(arg, list) else arg


def source(mx: Any, spec: str | dict) -> Any:
    """`file` (decoded RGB uint8), `file:gray` (flag=0) or `file:f32` (cast to float32);
    for imrotate, `file:chw` (float32, channels first), `file:chw64` (float64) and
    `file:nchw` (a batch of the image and its mirror image); a dict is a `value`."""
    if isinstance(spec, dict):
        return value(mx, spec)
    file, _, kind = spec.partition(":")
    img = mx.image.imdecode(path(file).read_bytes(), flag=0 if kind == "gray" else 1)
    if kind in ("chw", "chw64", "nchw"):
        chw = img.asnumpy().transpose(2, 0, 1).astype("float64" if kind == "chw64" else
                                                      "float32")
        if kind == "nchw":
            chw = np.stack([chw, chw[:, :, ::-1]])
        return mx.nd.array(chw, dtype=chw.dtype)
    return img.astype("float32") if kind == "f32" else img


def run(mx: Any, case: dict) -> tuple[Any, dict]:
    """The image one case returns (an NDArray), and what else it returned."""
    args = [value(mx, a) for a in case["args"]]
    kwargs = {k: value(mx, v) for k, v in case["kwargs"].items()}
    if case["seed"] is not None:
        random.seed(case["seed"])
        np.random.seed(case["seed"])  # LightingAug draws from numpy's global generator
    call = case["call"]
    if call in ("imdecode", "imread"):
        first = path(args[0]).read_bytes() if call == "imdecode" else str(path(args[0]))
        return getattr(mx.image, call)(first, **kwargs), {}
    src = source(mx, case["src"])
    if call == "CreateAugmenter":
        augs = mx.image.CreateAugmenter(**kwargs)
        for aug in augs:
            src = aug(src)
        return src, {"dumps": [aug.dumps() for aug in augs]}
    if call.endswith("Aug"):
        aug = getattr(mx.image, call)(*args, **kwargs)
        return aug(src), {"dumps": aug.dumps()}
    result = getattr(mx.image, call)(src, *args, **kwargs)
    if isinstance(result, tuple):
        return result[0], {"rect": list(result[1])}
    return result, {}


def iter_kwargs(mx: Any, kwargs: dict) -> dict:
    """A recorded ImageIter run's arguments as ImageIter takes them (paths under REC,
    augmenters built)."""
    out = {k: tuple(v) if k == "data_shape" else v for k, v in kwargs.items()}
    for key in ("path_imgrec", "path_imgidx", "path_imglist", "path_root"):
        if key in out:
            out[key] = str(REC / out[key])
    if "aug_list" in out:
        out["aug_list"] = [getattr(mx.image, name)(*(value(mx, a) for a in args))
                           for name, *args in out["aug_list"]]
    return out


def epochs(it: Any, count: int) -> tuple[dict, list[list[int]]]:
    """`count` epochs of an iterator, reset between them: its batches as
    `<epoch>/<batch>/{data,label}` arrays, and the pads per epoch."""
    arrays: dict = {}
    pads: list[list[int]] = []
    for epoch in range(count):
        if epoch:
            it.reset()
        pads.append([])
        for number, batch in enumerate(it):
            arrays[f"{epoch}/{number}/data"] = batch.data[0].asnumpy()
            arrays[f"{epoch}/{number}/label"] = batch.label[0].asnumpy()
            pads[-1].append(batch.pad)
    return arrays, pads
