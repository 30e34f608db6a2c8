"""Record MXNet 1.9.1's detection pipeline (`mx.image.Det*`, `ImageDetIter`).

Run with the reference MXNet interpreter, from the repository root:

    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_detection_fixtures.py

It writes into tests/data/detection/:

* `det.rec`, `det.idx`: the six images of tests/data/recordio/images (their file bytes as
  they are) with the labels of `detection_cases.LABELS`, packed as MXNet's im2rec packs a
  multi-value label (flag = label length); `det.lst`: the same as an image list.
* `manifest.json`: `cases` (one augmenter or `CreateDetAugmenter` list on one image and
  label, after `random.seed` and `np.random.seed`, with `dumps()` after the call) and
  `iters` (ImageDetIter runs with their seed, epochs, arguments, pads and label shapes).
* `expected.npz`: `case/<n>/{data,label,given}` (given: the input label afterwards) and
  `iter/<run>/<epoch>/<batch>/{data,label}`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("MXNET_SUBGRAPH_BACKEND", "NONE")
import mxnet as mx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from image import detection_cases as dc  # how a case runs, shared with the tests
from image import image_cases as ic

OUT = dc.DET


def aug(call: str, *args, **kwargs) -> dict:
    return {"aug": {"call": call, "args": list(args), "kwargs": kwargs}}


def t(*values) -> dict:
    return {"t": list(values)}


FLIP = aug("DetHorizontalFlipAug", 0.5)
CROP = aug("DetRandomCropAug", min_object_covered=0.5, aspect_ratio_range=t(0.5, 2.0),
           area_range=t(0.1, 0.8), min_eject_coverage=0.3)
PAD = aug("DetRandomPadAug", aspect_ratio_range=t(0.75, 1.33), area_range=t(1.0, 2.5))
PHOTO = dc.LABELS["photo.jpg"]
NOISE = dc.LABELS["noise.png"]


def objects(raw: list) -> list:
    """The object rows of a raw label."""
    return np.reshape(raw[int(raw[0]):], (-1, int(raw[1]))).tolist()


def cases() -> list[dict]:
    out = []

    def add(spec, src, label, seed):
        out.append({"name": f"case/{len(out)}", "aug": spec["aug"], "src": src,
                    "label": label, "seed": seed})

    for seed in range(4):
        add(FLIP, "photo.jpg", objects(PHOTO), seed)
        add(CROP, "noise.png", objects(NOISE), seed)
        add(CROP, "photo.jpg:f32", objects(PHOTO), seed)
        add(PAD, "photo.jpg", objects(PHOTO), seed)
        add(aug("DetRandomSelectAug", [FLIP, CROP, PAD], 0.3), "noise.png", objects(NOISE),
            seed)
        add(aug("DetBorrowAug", aug("BrightnessJitterAug", 0.3)), "photo.jpg:f32",
            objects(PHOTO), seed)
        add(aug("CreateMultiRandCropAugmenter", min_object_covered=[0.1, 0.5, 0.9],
                area_range=[t(0.1, 1.0), t(0.3, 0.9), t(0.5, 1.0)], skip_prob=0.2),
            "noise.png", objects(NOISE), seed)
    add(aug("DetRandomCropAug", 0.1, 1.0, 0.25), "photo.jpg", objects(PHOTO), 7)
    add(aug("DetRandomCropAug", 0.99, max_attempts=3), "noise.png", objects(NOISE), 1)
    add(aug("DetRandomPadAug", 1.0, 2.0, pad_val=7), "photo.jpg", objects(PHOTO), 2)
    add(aug("DetRandomPadAug", 1.0, 2.0, pad_val=[7.5, 8, 9]), "photo.jpg:f32",
        objects(PHOTO), 2)
    add(aug("DetRandomPadAug", pad_val=[1, 2, 3]), "portrait.png", [[0, 0.2, 0.2, 0.5, 0.6]],
        5)
    add(aug("DetRandomSelectAug", []), "photo.jpg", objects(PHOTO), 0)
    add(aug("DetBorrowAug", aug("ForceResizeAug", t(9, 7), 1)), "photo.jpg",
        objects(PHOTO), None)
    create = [
        {"data_shape": t(3, 10, 10), "rand_crop": 0.8, "rand_pad": 0.6, "rand_mirror": True,
         "mean": True, "std": True, "inter_method": 1},
        {"data_shape": t(3, 8, 12), "resize": 14, "rand_crop": 1, "rand_gray": 0.5,
         "brightness": 0.2, "contrast": 0.2, "saturation": 0.2, "hue": 0.1, "pca_noise": 0.1,
         "min_object_covered": [0.3, 0.7], "area_range": t(0.3, 2.0), "pad_val": t(0, 0, 0),
         "rand_pad": 1, "mean": {"np": [100.0, 110.0, 120.0]}, "std": {"np": [50.0]}},
        {"data_shape": t(3, 6, 6)},
    ]
    for kwargs in create:
        for seed in range(3):
            add(aug("CreateDetAugmenter", **kwargs), "noise.png", objects(NOISE), seed)
    return out


def _imglist(width6: bool = False) -> list:
    """A Python imglist; `width6` gives each object a sixth number (a difficulty flag)."""
    out = []
    for file, raw in dc.LABELS.items():
        if width6:
            rows = [row + [k % 2] for k, row in enumerate(objects(raw))]
            raw = [4, 6, 16, 12] + [v for row in rows for v in row]
        out.append([raw, f"{ic.FILES[file]}/{file}"])
    return out


# name: seed, epochs, ImageDetIter kwargs, optional "reshape" (a label shape set before
# reading) and "sync" (the kwargs of an iterator synced with this one first).
ITERS = {
    "rec_pad": {"seed": None, "epochs": 2, "kwargs": {
        "batch_size": 4, "data_shape": [3, 8, 8], "path_imgrec": "det.rec"}},
    "rec_idx_shuffle_roll": {"seed": 3, "epochs": 3, "kwargs": {
        "batch_size": 4, "data_shape": [3, 10, 10], "path_imgrec": "det.rec",
        "path_imgidx": "det.idx", "shuffle": True, "rand_crop": 0.7, "rand_pad": 0.5,
        "rand_mirror": True, "mean": True, "std": True, "brightness": 0.1, "pca_noise": 0.05,
        "inter_method": 1, "last_batch_handle": "roll_over"}},
    "lst_discard": {"seed": 5, "epochs": 2, "kwargs": {
        "batch_size": 4, "data_shape": [3, 6, 8], "path_imglist": "det.lst",
        "path_root": "images", "rand_mirror": True, "last_batch_handle": "discard",
        "label_name": "boxes"}},
    "imglist_width6": {"seed": 1, "epochs": 1, "kwargs": {
        "batch_size": 3, "data_shape": [3, 6, 10], "imglist": _imglist(True),
        "path_root": "images", "resize": 10, "rand_crop": 1, "inter_method": 0}},
    "reshape": {"seed": None, "epochs": 1, "reshape": [5, 5], "kwargs": {
        "batch_size": 6, "data_shape": [3, 7, 7], "path_imgrec": "det.rec",
        "path_imgidx": "det.idx", "num_parts": 2, "part_index": 1}},
    "sync": {"seed": None, "epochs": 1, "kwargs": {
        "batch_size": 2, "data_shape": [3, 5, 5],
        "imglist": [[[2, 5, 0, 0.1, 0.1, 0.9, 0.9], "cat/gradient.png"],
                    [[2, 5, 1, 0.2, 0.2, 0.4, 0.4], "dog/photo.jpg"]],
        "path_root": "images"},
        "sync": {"batch_size": 2, "data_shape": [3, 5, 5], "path_imgrec": "det.rec"}},
    "skip_negative_class": {"seed": None, "epochs": 1, "kwargs": {
        "batch_size": 2, "data_shape": [3, 4, 4], "path_root": "images",
        "imglist": [[[2, 5, -1, 0.1, 0.1, 0.9, 0.9], "cat/gradient.png"],
                    [[2, 5, 1, 0.2, 0.2, 0.4, 0.4], "dog/photo.jpg"],
                    [[2, 5, 0, 0.5, 0.5, 0.6, 0.6, -1, 0, 0, 1, 1], "dog/noise.png"]]}},
    "aug_list": {"seed": 0, "epochs": 1, "kwargs": {
        "batch_size": 6, "data_shape": [3, 6, 6], "path_imgrec": "det.rec",
        "aug_list": [{"call": "DetHorizontalFlipAug", "args": [1]},
                     {"call": "DetBorrowAug", "args": [aug("ForceResizeAug", t(6, 6), 1)]},
                     {"call": "DetBorrowAug", "args": [aug("CastAug")]}]}},
}


def write_sources() -> None:
    """det.rec/.idx and det.lst from the test images and LABELS."""
    OUT.mkdir(parents=True, exist_ok=True)
    rec = mx.recordio.MXIndexedRecordIO(str(OUT / "det.idx"), str(OUT / "det.rec"), "w")
    lines = []
    for key, (file, raw) in enumerate(dc.LABELS.items()):
        header = mx.recordio.IRHeader(0, np.array(raw, dtype=np.float32), key, 0)
        rec.write_idx(key, mx.recordio.pack(header, ic.path(file).read_bytes()))
        labels = "\t".join(f"{v:f}" for v in raw)
        lines.append(f"{key}\t{labels}\t{ic.FILES[file]}/{file}\n")
    rec.close()
    (OUT / "det.lst").write_text("".join(lines))


def main() -> None:
    write_sources()
    manifest, arrays = [], {}
    for case in cases():
        data, label, given, dumped = dc.run(mx, case)
        arrays[case["name"] + "/data"] = data.asnumpy()
        arrays[case["name"] + "/label"] = label
        arrays[case["name"] + "/given"] = given
        manifest.append({**case, "dumps": dumped})
    iters = {}
    for name, run in ITERS.items():
        batches, summary = dc.run_iter(mx, run)
        arrays.update({f"iter/{name}/{k}": v for k, v in batches.items()})
        iters[name] = {**run, **summary}
    np.savez_compressed(OUT / "expected.npz", **arrays)
    (OUT / "manifest.json").write_text(json.dumps({"cases": manifest, "iters": iters},
                                                  indent=1) + "\n")
    print(f"{len(manifest)} cases, {len(iters)} runs, "
          f"{(OUT / 'expected.npz').stat().st_size} bytes")


if __name__ == "__main__":
    main()
