"""Record MXNet 1.9.1's `mx.image` results on the small images of tests/data/recordio/images.

Run with the reference MXNet interpreter, from the repository root:

    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_image_fixtures.py

It writes into tests/data/image/:

* `manifest.json`: one entry per case: the function, its source image, its arguments (a
  `{"nd": [...]}` argument is `mx.nd.array(...)`), the `random.seed` set before the call
  when there is one, and what MXNet returned besides the image (crop rectangles,
  `scale_down` sizes, augmenter `dumps()`).
* `expected.npz`: the image each case returned, keyed by the case name, and the batches of
  the `ImageIter` runs in `ITERS` (`iter/<run>/<epoch>/<batch>/{data,label}`); the
  manifest's `iters` holds each run's seed, epochs, arguments and pads per batch;
  `cubic/...` and `recorditer/...`: MXNet's bicubic resizes (`record_cubic`), with
  the manifest's `record_iters`; `rotate/<n>`: imrotate and random_rotate on
  channels-first float32 images (`rotate_cases`), with the manifest's `rotate`, and
  `rotate_errors`: the calls MXNet rejects, with its exception class and message.

A source image is `file` (decoded by `mx.image.imdecode`, RGB uint8), `file:gray`
(flag=0) or `file:f32` (decoded, then cast to float32).
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

os.environ.setdefault("MXNET_SUBGRAPH_BACKEND", "NONE")
import mxnet as mx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "image"
sys.path.insert(0, str(ROOT / "tests" / "image"))
import image_cases as ic  # how a case runs, shared with the tests

FILES, REC = ic.FILES, ic.REC
# name: (random.seed before construction, epochs, ImageIter kwargs); paths relative to REC.
ITERS = {
    "rec_pad": (None, 2, {"batch_size": 4, "data_shape": (3, 8, 8), "path_imgrec": "png.rec",
                          "resize": 10, "inter_method": 1, "mean": True, "std": True}),
    "rec_idx_shuffle_roll": (1, 3, {"batch_size": 4, "data_shape": (3, 6, 6),
                                    "path_imgrec": "png.rec", "path_imgidx": "png.idx",
                                    "shuffle": True, "rand_crop": True, "rand_mirror": True,
                                    "inter_method": 1, "last_batch_handle": "roll_over"}),
    "lst_discard": (None, 2, {"batch_size": 5, "data_shape": (3, 8, 8),
                              "path_imglist": "data.lst", "path_root": "images",
                              "resize": 8, "inter_method": 0,
                              "last_batch_handle": "discard"}),
    "imglist_multi": (None, 1, {"batch_size": 3, "data_shape": (3, 5, 5), "label_width": 2,
                                "imglist": [[[1, 2], "cat/red_left.png"],
                                            [3, 4, "dog/photo.jpg"],
                                            [[5, 6], "dog/noise.png"]],
                                "path_root": "images", "inter_method": 1}),
    "imglist_scalar": (None, 1, {"batch_size": 2, "data_shape": (3, 4, 4),
                                 "imglist": [[7, "cat/gradient.png"], [8, "dog/portrait.png"],
                                             [9.5, "cat/gray_checker.png"]],
                                 "path_root": "images", "inter_method": 1}),
    "multi_rec": (None, 1, {"batch_size": 6, "data_shape": (3, 7, 7), "label_width": 2,
                            "path_imgrec": "multi.rec", "inter_method": 1}),
    "rec_lst_labels": (None, 1, {"batch_size": 3, "data_shape": (3, 7, 7),
                                 "path_imgrec": "png.rec", "path_imgidx": "png.idx",
                                 "path_imglist": "data.lst", "inter_method": 1}),
    "parts": (None, 1, {"batch_size": 2, "data_shape": (3, 6, 6), "path_imgrec": "png.rec",
                        "path_imgidx": "png.idx", "num_parts": 2, "part_index": 1,
                        "inter_method": 1}),
    "aug_list": (None, 1, {"batch_size": 6, "data_shape": (3, 5, 4),
                           "path_imgrec": "png.rec",
                           "aug_list": [["ForceResizeAug", [4, 5], 1]]}),
}

MEAN = {"nd": [123.68, 116.28, 103.53]}
EIGVAL = {"np": [55.46, 4.794, 1.148]}
EIGVEC = {"np": [[-0.5675, 0.7192, 0.4009], [-0.5808, -0.0045, -0.8140],
                 [-0.5836, -0.6948, 0.4203]]}
STD = {"nd": [58.395, 57.12, 57.375]}


def cases() -> list[dict]:
    """Every case, as data: name, call, src, args, kwargs, and an optional seed."""
    out = []

    def add(call, src, *args, seed=None, **kwargs):
        name = f"{call}/{len(out)}"
        out.append({"name": name, "call": call, "src": src, "args": list(args),
                    "kwargs": kwargs, "seed": seed})

    for file in FILES:
        for flag in (0, 1):
            for to_rgb in (True, False):
                add("imdecode", None, file, flag=flag, to_rgb=to_rgb)
    add("imread", None, "photo.jpg")
    add("imread", None, "gray_checker.png", flag=0)
    for src in ("photo.jpg", "portrait.png", "gray_checker.png:gray"):
        for w, h in ((7, 5), (20, 30), (16, 12), (3, 9)):
            for interp in range(5):
                add("imresize", src, w, h, interp=interp)
    for interp in (0, 1, 2, 3):
        add("imresize", "photo.jpg:f32", 9, 7, interp=interp)
        add("imresize", "photo.jpg:f32", 25, 19, interp=interp)
    for src in ("photo.jpg", "portrait.png"):
        for size in (5, 8, 20):
            for interp in (0, 1, 2, 3, 4, 9):
                add("resize_short", src, size, interp)
    for args in ((2, 3, 5, 4), (2, 3, 5, 4, (8, 6)), (0, 0, 16, 12, (16, 12)),
                 (1, 1, 6, 6, (3, 3), 9), (4, 2, 10, 7, (20, 14), 1), (0, 5, 16, 7, (5, 5), 3)):
        add("fixed_crop", "photo.jpg", *args)
    for src in ("photo.jpg", "portrait.png", "gray_checker.png:gray"):
        for size in ((8, 6), (20, 5), (16, 12), (4, 10), (30, 30), (5, 5)):
            for interp in (1, 2):
                add("center_crop", src, size, interp)
    for seed in range(6):
        for size in ((8, 6), (20, 20), (3, 11)):
            add("random_crop", "photo.jpg", size, seed=seed)
    add("color_normalize", "photo.jpg:f32", MEAN, STD)
    add("color_normalize", "photo.jpg:f32", MEAN)
    add("color_normalize", "photo.jpg:f32", None, STD)
    add("color_normalize", "photo.jpg:f32", 100.0, 3.0)
    add("color_normalize", "gray_checker.png:gray", 1)
    for src in ("photo.jpg", "gray_checker.png:gray", "photo.jpg:f32"):
        for border in range(5):
            add("copyMakeBorder", src, 1, 2, 3, 4, type=border)
    add("copyMakeBorder", "photo.jpg", 2, 0, 1, 0, value=7)
    add("copyMakeBorder", "photo.jpg", 0, 3, 0, 2, values=[10, 20, 30])
    add("copyMakeBorder", "gray_checker.png:gray", 2, 2, 2, 2, values=[99])
    augment = [
        ({"data_shape": (3, 6, 6), "resize": 8, "mean": True, "std": True}, None),
        ({"data_shape": (3, 8, 8)}, None),
        ({"data_shape": (3, 5, 7), "resize": 10, "inter_method": 1,
          "mean": {"np": [1.0, 2.0, 3.0]}, "std": {"np": [2.0, 2.0, 2.0]}}, None),
        ({"data_shape": (3, 20, 20), "inter_method": 9, "mean": True}, None),
        ({"data_shape": (3, 6, 6), "rand_crop": True, "rand_mirror": True}, 3),
        ({"data_shape": (3, 6, 6), "rand_crop": True, "rand_mirror": True}, 4),
        ({"data_shape": (3, 9, 5), "resize": 9, "rand_mirror": True, "std": True}, 0),
    ]
    for kwargs, seed in augment:
        for src in ("photo.jpg", "portrait.png"):
            add("CreateAugmenter", src, seed=seed, **kwargs)
    for size, interp in (((7, 9), 9), ((20, 4), 2), ((16, 12), 1)):
        add("ForceResizeAug", "photo.jpg", size, interp)
    for seed in range(4):
        add("HorizontalFlipAug", "photo.jpg", 0.5, seed=seed)
    # The random-sized crop and the colour augmenters (Python's random; LightingAug numpy's).
    for seed in range(3):
        add("random_size_crop", "photo.jpg", (8, 6), 0.08, (0.75, 4 / 3), seed=seed)
        add("random_size_crop", "portrait.png", (5, 9), (0.3, 0.9), (0.5, 2.0), 1, seed=seed)
        add("RandomSizedCropAug", "photo.jpg", (7, 7), 0.5, (0.75, 4 / 3), seed=seed)
        add("BrightnessJitterAug", "photo.jpg:f32", 0.3, seed=seed)
        add("ContrastJitterAug", "photo.jpg:f32", 0.3, seed=seed)
        add("SaturationJitterAug", "portrait.png:f32", 0.4, seed=seed)
        add("HueJitterAug", "photo.jpg:f32", 0.25, seed=seed)
        add("ColorJitterAug", "photo.jpg:f32", 0.2, 0.3, 0.4, seed=seed)
        add("LightingAug", "photo.jpg:f32", 0.1, EIGVAL, EIGVEC, seed=seed)
        add("RandomGrayAug", "portrait.png:f32", 0.5, seed=seed)
        add("CreateAugmenter", "photo.jpg", seed=seed, data_shape=(3, 8, 8), rand_crop=True,
            rand_resize=True, rand_mirror=True, brightness=0.125, contrast=0.125,
            saturation=0.125, hue=0.1, pca_noise=0.05, rand_gray=0.3, mean=True, std=True)
    # Never fits (ratio 50 on a 16x12 image): falls back to the centre crop.
    add("random_size_crop", "photo.jpg", (4, 4), 0.9, (50.0, 60.0), seed=0)
    add("ColorJitterAug", "photo.jpg:f32", 0.0, 0.3, 0.0, seed=5)
    return out


def rotate_cases() -> list[dict]:
    """imrotate and random_rotate (channels-first float32 images), in `cases()`'s format;
    their images are keyed `rotate/<n>`."""
    out = []

    def add(call, src, *args, seed=None, **kwargs):
        out.append({"name": f"rotate/{len(out)}", "call": call, "src": src,
                    "args": list(args), "kwargs": kwargs, "seed": seed})

    for src in ("photo.jpg:chw", "portrait.png:chw"):
        for degrees in (0, 30, -45, 90, 180, 37.5, 400):
            add("imrotate", src, degrees)
        for degrees in (30, -100):
            add("imrotate", src, degrees, zoom_in=True)
            add("imrotate", src, degrees, zoom_out=True)
    add("imrotate", "photo.jpg:nchw", 20)
    add("imrotate", "photo.jpg:nchw", {"nd": [30, -60]})
    add("imrotate", "portrait.png:nchw", {"nd": [15, 250]}, zoom_in=True)
    add("imrotate", "portrait.png:nchw", {"nd": [15, 250]}, zoom_out=True)
    add("imrotate", "photo.jpg:nchw", {"nd": [45, 45]}, zoom_in=False, zoom_out=False)
    for seed in range(3):
        add("random_rotate", "photo.jpg:chw", (-30, 30), seed=seed)
        add("random_rotate", "photo.jpg:nchw", (-90, 90), seed=seed)
        add("random_rotate", "portrait.png:nchw", (10, 20), seed=seed, zoom_in=True)
        add("random_rotate", "portrait.png:chw", (-180, 180), seed=seed, zoom_out=True)
    return out


# Calls MXNet rejects: the exception's class name and message are recorded.
ROTATE_ERRORS = [
    {"name": "both_zooms", "call": "imrotate", "src": "photo.jpg:chw", "args": [10],
     "kwargs": {"zoom_in": True, "zoom_out": True}},
    {"name": "random_both_zooms", "call": "random_rotate", "src": "photo.jpg:nchw",
     "args": [[-10, 10]], "kwargs": {"zoom_in": True, "zoom_out": True}},
    {"name": "float64", "call": "imrotate", "src": "photo.jpg:chw64", "args": [10],
     "kwargs": {}},
    {"name": "uint8_hwc", "call": "imrotate", "src": "photo.jpg", "args": [10], "kwargs": {}},
    {"name": "single_image_array_angle", "call": "imrotate", "src": "photo.jpg:chw",
     "args": [{"nd": [10]}], "kwargs": {}},
    {"name": "two_dims", "call": "imrotate", "src": {"nd": [[1, 2], [3, 4]]}, "args": [10],
     "kwargs": {}},
    {"name": "five_dims", "call": "imrotate", "src": {"nd": [[[[[1, 2], [3, 4]]]]]},
     "args": [10], "kwargs": {}},
    {"name": "angle_count", "call": "imrotate", "src": "photo.jpg:nchw",
     "args": [{"nd": [1, 2, 3]}], "kwargs": {}},
    {"name": "list_angles", "call": "imrotate", "src": "photo.jpg:nchw", "args": [[1, 2]],
     "kwargs": {}},
]


def record_rotate(arrays: dict) -> tuple[list[dict], list[dict]]:
    """The rotate cases (their images into `arrays`) and ROTATE_ERRORS with MXNet's
    exception class and first message line."""
    cases = []
    for case in rotate_cases():
        image, extra = ic.run(mx, case)
        arrays[case["name"]] = image.asnumpy()
        cases.append({**case, **extra})
    errors = []
    for case in ROTATE_ERRORS:
        try:
            ic.run(mx, {**case, "seed": 0})
        except Exception as err:  # recorded: jaxsym must raise the same class
            errors.append({**case, "error": type(err).__name__,
                           "message": str(err).strip().split("\n")[-1][:200]})
        else:
            raise AssertionError(f"{case['name']} did not fail under MXNet")
    return cases, errors


def record_iters(arrays: dict) -> dict:
    """Every ITERS run with its pads per epoch; its batches go into `arrays`."""
    runs = {}
    for name, (seed, epochs, kwargs) in ITERS.items():
        if seed is not None:
            random.seed(seed)
        it = mx.image.ImageIter(**ic.iter_kwargs(mx, kwargs))
        batches, pads = ic.epochs(it, epochs)
        arrays.update({f"iter/{name}/{key}": value for key, value in batches.items()})
        runs[name] = {"seed": seed, "epochs": epochs, "kwargs": kwargs, "pads": pads}
    return runs


# Bicubic on larger images (MXNet's OpenCV 3.4.2 rounds some pixels unlike OpenCV 4 and 5):
# a RandomState(0) uint8 image of NOISE_SHAPE, resized to each (w, h); and ImageRecordIter
# runs resizing with inter_method=2.
NOISE_SHAPE = (37, 53, 3)
CUBIC_SIZES = [(101, 67), (13, 50), (9, 9), (53, 38), (200, 3)]
RECORD_ITERS = {
    "cubic": {"path_imgrec": "png.rec", "data_shape": (3, 9, 9), "batch_size": 6,
              "resize": 23, "inter_method": 2},
    "cubic_down": {"path_imgrec": "jpg_resize.rec", "data_shape": (3, 5, 5), "batch_size": 6,
                   "resize": 5, "inter_method": 2},
}


def record_cubic(arrays: dict) -> None:
    """MXNet's bicubic results: `cubic/<w>x<h>/<channels>` and `recorditer/<name>`."""
    noise = np.random.RandomState(0).randint(0, 256, NOISE_SHAPE).astype(np.uint8)
    for channels in (3, 1):
        src = mx.nd.array(noise[:, :, :channels], dtype="uint8")
        for w, h in CUBIC_SIZES:
            arrays[f"cubic/{w}x{h}/{channels}"] = mx.image.imresize(src, w, h, interp=2).asnumpy()
    for name, kwargs in RECORD_ITERS.items():
        kwargs = {**kwargs, "path_imgrec": str(REC / kwargs["path_imgrec"])}
        arrays[f"recorditer/{name}"] = mx.io.ImageRecordIter(**kwargs).next().data[0].asnumpy()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    manifest, arrays = [], {}
    for case in cases():
        image, extra = ic.run(mx, case)
        arrays[case["name"]] = image.asnumpy()
        manifest.append({**case, **extra})
    scale = [[src, size, list(mx.image.scale_down(src, size))]
             for src, size in (((640, 480), (720, 120)), ((16, 12), (100, 5)),
                               ((16, 12), (8, 30)), ((5, 5), (5, 5)), ((10, 3), (4, 7)))]
    iters = record_iters(arrays)
    record_cubic(arrays)
    rotate, rotate_errors = record_rotate(arrays)
    np.savez_compressed(OUT / "expected.npz", **arrays)
    (OUT / "manifest.json").write_text(json.dumps({"cases": manifest, "scale_down": scale,
                                                   "iters": iters,
                                                   "record_iters": RECORD_ITERS,
                                                   "rotate": rotate,
                                                   "rotate_errors": rotate_errors},
                                                  indent=1) + "\n")
    print(f"{len(manifest)} cases, {(OUT / 'expected.npz').stat().st_size} bytes")


if __name__ == "__main__":
    main()
