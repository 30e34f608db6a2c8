"""How a recorded detection case runs, shared by tools/record_detection_fixtures.py (under
MXNet 1.9.1) and tests/image/test_detection.py (under jaxsym): each function takes the
`mx` module to use.

Arguments are JSON: `{"t": [...]}` is a tuple, `{"aug": spec}` an augmenter built from
`{"call", "args", "kwargs"}` (an `mx.image` name), and `image_cases.value` the rest
(`{"nd": ...}`, `{"np": ...}`); other lists stay lists (CreateMultiRandCropAugmenter
tells lists from tuples).
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
from image import image_cases as ic

DET = ic.DATA / "detection"
# file: its raw label as MXNet's im2rec packs it ([header width, object width, header...,
# objects...]); portrait.png has the [4, 5, width, height] header, red_left.png an empty box.
LABELS = {
    "photo.jpg": [2, 5, 0, 0.1, 0.2, 0.6, 0.7, 1, 0.5, 0.3, 0.9, 0.95],
    "portrait.png": [4, 5, 16, 12, 2, 0.2, 0.1, 0.8, 0.9],
    "noise.png": [2, 5, 1, 0.0, 0.0, 0.4, 0.5, 0, 0.3, 0.3, 0.7, 0.8, 2, 0.6, 0.1, 0.95, 0.6],
    "gray_checker.png": [2, 5, 0, 0.3, 0.3, 0.6, 0.6],
    "red_left.png": [2, 5, 1, 0.05, 0.05, 0.5, 0.9, 0, 0.1, 0.1, 0.1, 0.5],
    "gradient.png": [2, 5, 3, 0.25, 0.25, 0.75, 0.75, 1, 0.0, 0.5, 1.0, 1.0],
}


def value(mx: Any, arg: Any) -> Any:
    """A recorded argument as the library takes it (see the module docstring)."""
    if isinstance(arg, dict) and "t" in arg:
        return tuple(arg["t"])
    if isinstance(arg, dict) and "aug" in arg:
        return build(mx, arg["aug"])
    if isinstance(arg, list):
        return [value(mx, a) for a in arg]
    if isinstance(arg, dict) and not ({"nd", "np"} & set(arg)):
        return {k: value(mx, v) for k, v in arg.items()}
    return ic.value(mx, arg)


def build(mx: Any, spec: dict) -> Any:
    """The augmenter (or list of them) `spec` describes."""
    args = [value(mx, a) for a in spec.get("args", [])]
    kwargs = {k: value(mx, v) for k, v in spec.get("kwargs", {}).items()}
    return getattr(mx.image, spec["call"])(*args, **kwargs)


def dumps(aug: Any) -> Any:
    return [a.dumps() for a in aug] if isinstance(aug, list) else aug.dumps()


def run(mx: Any, case: dict) -> tuple[Any, np.ndarray, np.ndarray, Any]:
    """One augmenter case: the image and label it returns, the input label afterwards (the
    flip changes it in place) and `dumps()` after the call."""
    if case["seed"] is not None:
        random.seed(case["seed"])
        np.random.seed(case["seed"])  # LightingAug draws from numpy's global generator
    aug = build(mx, case["aug"])
    src = ic.source(mx, case["src"])
    label = np.array(case["label"], dtype=np.float32)
    given = label
    for one in aug if isinstance(aug, list) else [aug]:
        src, label = one(src, label)
    return src, np.asarray(label), given, dumps(aug)


def iter_kwargs(mx: Any, kwargs: dict) -> dict:
    """A recorded ImageDetIter run's arguments as ImageDetIter takes them (paths under DET,
    list paths under the recordio images, augmenters built)."""
    out = {k: value(mx, v) for k, v in kwargs.items() if k != "aug_list"}
    out["data_shape"] = tuple(out["data_shape"])
    for key in ("path_imgrec", "path_imgidx", "path_imglist"):
        if key in out:
            out[key] = str(DET / out[key])
    if "path_root" in out:
        out["path_root"] = str(ic.IMAGES)
    if "aug_list" in kwargs:
        out["aug_list"] = [build(mx, spec) for spec in kwargs["aug_list"]]
    return out


def run_iter(mx: Any, run: dict) -> tuple[dict, dict]:
    """One ImageDetIter run: its batches (`<epoch>/<batch>/{data,label}`) and a summary
    (pads per epoch, label shapes, provide_label)."""
    if run["seed"] is not None:
        random.seed(run["seed"])
        np.random.seed(run["seed"])
    it = mx.image.ImageDetIter(**iter_kwargs(mx, run["kwargs"]))
    summary: dict = {"label_shape": list(it.label_shape)}
    if "sync" in run:
        other = mx.image.ImageDetIter(**iter_kwargs(mx, run["sync"]))
        summary["other_label_shape"] = list(other.label_shape)
        it = other.sync_label_shape(it)
        summary["synced"] = [list(other.label_shape), list(it.label_shape)]
    if "reshape" in run:
        it.reshape(label_shape=tuple(run["reshape"]))
    summary["provide_label"] = [it.provide_label[0][0], list(it.provide_label[0][1])]
    arrays, pads = ic.epochs(it, run["epochs"])
    summary["pads"] = pads
    return arrays, summary
