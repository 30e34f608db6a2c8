"""Record MXNet 1.9.1's ImageRecordIter augmentation (the default augmenter) on small images.

Run with the reference MXNet interpreter, from the repository root:

    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_imgaug_fixtures.py

It writes into tests/data/imgaug/:

* `images.rec/.idx` (five 3-channel images: PNG and JPEG, landscape and portrait, from
  seeded numpy pixels), `gray.rec/.idx` (two grayscale PNGs), `rgba.rec/.idx` (two
  4-channel PNGs).
* `expected.npz` and `manifest.json`: the batches of every run in `RUNS`, epoch by epoch
  (`<run>/<epoch>/<batch>`), its arguments and pads. Every run uses one decoding thread
  (`preprocess_threads=1`), which makes MXNet's random stream a single sequence.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("MXNET_SUBGRAPH_BACKEND", "NONE")
import cv2
import mxnet as mx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "imgaug"

U8 = {"dtype": "uint8"}
NORM = {"mean_r": 123.68, "mean_g": 116.28, "mean_b": 103.53, "std_r": 58.395,
        "std_g": 57.12, "std_b": 57.375, "scale": 0.5}
# example/image-classification/common/data.py, set_data_aug_level(3).
LEVEL3 = {"rand_crop": True, "rand_mirror": True, "random_h": 36, "random_s": 50,
          "random_l": 50, "max_rotate_angle": 10, "max_shear_ratio": 0.1,
          "max_aspect_ratio": 0.25}
# name: (rec file, epochs, kwargs); batch_size 3 over 5 images overflows into the next pass.
RUNS = {
    # Deterministic: fixed angle, sizes, borders and interpolation.
    "rotate": ("images", 1, {"rotate": 30, "data_shape": (3, 16, 16), **U8}),
    "rotate_cubic_fill": ("images", 1, {"rotate": 45, "fill_value": 0, "inter_method": 2,
                                        "data_shape": (3, 16, 16), **U8}),
    "rotate_area": ("images", 1, {"rotate": 20, "inter_method": 3,
                                  "data_shape": (3, 14, 14), **U8}),
    "rotate_lanczos": ("images", 1, {"rotate": 10, "inter_method": 4, "fill_value": 90,
                                     "data_shape": (3, 16, 16), **U8}),
    "rotate_auto_big": ("images", 1, {"rotate": 350, "inter_method": 9, "min_img_size": 30,
                                      "data_shape": (3, 24, 24), **U8}),
    "max_img_size": ("images", 1, {"max_img_size": 14, "data_shape": (3, 12, 12), **U8}),
    "min_img_size_auto": ("images", 1, {"min_img_size": 33, "inter_method": 9,
                                        "data_shape": (3, 30, 30), **U8}),
    "resize_rotate": ("images", 1, {"resize": 12, "rotate": 90, "data_shape": (3, 12, 12),
                                    **U8}),
    "pad": ("images", 1, {"pad": 3, "fill_value": 17, "data_shape": (3, 26, 26), **U8}),
    "pad_rotate_norm": ("images", 1, {"pad": 2, "rotate": 60, "fill_value": 300,
                                      "data_shape": (3, 20, 20), **NORM}),
    "crop_size": ("images", 1, {"min_crop_size": 12, "max_crop_size": 12, "inter_method": 2,
                                "data_shape": (3, 8, 8), **U8}),
    "crop_size_up": ("images", 1, {"min_crop_size": 10, "max_crop_size": 10,
                                   "data_shape": (3, 15, 13), **U8}),
    "upsize": ("images", 1, {"data_shape": (3, 26, 20), **U8}),
    "nearest_resize": ("images", 1, {"resize": 11, "inter_method": 0,
                                     "data_shape": (3, 10, 10), **U8}),
    "gray_rotate": ("gray", 1, {"rotate": 25, "fill_value": 40, "pad": 1,
                                "data_shape": (1, 16, 16), **U8}),
    "rgba_rotate": ("rgba", 1, {"rotate": 30, "pad": 2, "fill_value": 200,
                                "data_shape": (4, 16, 16), **U8}),
    # Random: MXNet's std::mt19937 stream.
    "rand_crop_mirror": ("images", 3, {"rand_crop": True, "rand_mirror": True,
                                       "data_shape": (3, 10, 10), **NORM}),
    "level3": ("images", 2, {**LEVEL3, "data_shape": (3, 14, 14), **U8}),
    "level3_norm_seed": ("images", 2, {**LEVEL3, "seed_aug": 7, "data_shape": (3, 14, 14),
                                       **NORM}),
    "scale_aspect": ("images", 2, {"min_random_scale": 0.8, "max_random_scale": 1.5,
                                   "max_aspect_ratio": 0.3, "min_img_size": 16,
                                   "max_img_size": 40, "data_shape": (3, 16, 16), **U8}),
    "min_aspect": ("images", 1, {"max_aspect_ratio": 1.5, "min_aspect_ratio": 0.5,
                                 "data_shape": (3, 12, 12), **U8}),
    "contrast_illumination": ("images", 2, {"max_random_contrast": 0.3,
                                            "max_random_illumination": 20, "rand_mirror": True,
                                            "data_shape": (3, 12, 12), **NORM}),
    "inter_random": ("images", 2, {"inter_method": 10, "resize": 14, "max_rotate_angle": 30,
                                   "data_shape": (3, 12, 12), **U8}),
    "crop_sizes_random": ("images", 2, {"min_crop_size": 8, "max_crop_size": 16,
                                        "rand_crop": True, "data_shape": (3, 10, 10),
                                        "seed_aug": 3, **U8}),
    "crop_sizes_idx": ("images", 2, {"min_crop_size": 8, "max_crop_size": 16,
                                     "rand_crop": True, "data_shape": (3, 10, 10),
                                     "seed_aug": 3, "path_imgidx": "images.idx", **U8}),
    "hsl": ("images", 2, {"random_h": 20, "random_s": 40, "random_l": 30,
                          "data_shape": (3, 12, 12), **U8}),
    "mean_created_rand": ("images", 1, {"rand_crop": True, "data_shape": (3, 12, 12),
                                        "mean_img": "mean_rand.bin"}),
}


def make_recs() -> None:
    """Smooth, seeded images (so interpolation shows) written with mx.recordio."""
    rng = np.random.RandomState(3)

    def smooth(h: int, w: int, c: int) -> np.ndarray:
        small = rng.randint(0, 256, (h // 4 + 1, w // 4 + 1, c)).astype(np.uint8)
        img = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
        return img.reshape(h, w, -1)

    sets = {
        "images": [(smooth(20, 28, 3), ".png"), (smooth(28, 22, 3), ".png"),
                   (smooth(24, 24, 3), ".jpg"), (rng.randint(0, 256, (18, 26, 3)), ".png"),
                   (smooth(22, 30, 3), ".jpg")],
        "gray": [(smooth(20, 24, 1), ".png"), (smooth(26, 18, 1), ".png")],
        "rgba": [(smooth(20, 22, 4), ".png"), (smooth(24, 20, 4), ".png")],
    }
    for name, images in sets.items():
        rec = mx.recordio.MXIndexedRecordIO(str(OUT / f"{name}.idx"), str(OUT / f"{name}.rec"),
                                            "w")
        for i, (img, fmt) in enumerate(images):
            header = mx.recordio.IRHeader(0, float(i), i, 0)
            rec.write_idx(i, mx.recordio.pack_img(header, img.astype(np.uint8), quality=90,
                                                  img_fmt=fmt))
        rec.close()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    make_recs()
    expected: dict[str, np.ndarray] = {}
    runs = {}
    cwd = os.getcwd()
    os.chdir(OUT)  # relative paths, as the tests pass them
    try:
        for name, (rec, epochs, kwargs) in RUNS.items():
            full = {"path_imgrec": f"{rec}.rec", "batch_size": 3, "preprocess_threads": 1,
                    **kwargs}
            it = mx.io.ImageRecordIter(**full)
            pads = []
            for e in range(epochs):
                pads.append([])
                for b, batch in enumerate(it):
                    expected[f"{name}/{e}/{b}"] = batch.data[0].asnumpy()
                    pads[-1].append(int(batch.pad))
                it.reset()
            runs[name] = {"kwargs": {k: list(v) if isinstance(v, tuple) else v
                                     for k, v in full.items()}, "pads": pads}
        if Path("mean_rand.bin").exists():
            os.rename("mean_rand.bin", "mean_rand_expected.bin")
    finally:
        os.chdir(cwd)
    np.savez_compressed(OUT / "expected.npz", **expected)
    (OUT / "manifest.json").write_text(json.dumps({"mxnet": mx.__version__,
                                                   "opencv": cv2.__version__, "runs": runs},
                                                  indent=1) + "\n")
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"wrote {OUT.relative_to(ROOT)}: {len(runs)} runs, {total} bytes")


if __name__ == "__main__":
    main()
