"""Record MXNet 1.9.1's RecordIO files, im2rec output and ImageRecordIter batches.

Run with the reference MXNet interpreter (which has opencv-python-headless), from the
repository root:

    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_recordio_fixtures.py

It writes into tests/data/recordio/:

* `images/{cat,dog}/`: six small synthetic images (one grayscale, one JPEG source, one
  portrait, one with a pure red block), the input of every im2rec run below.
* `lists.json`: the .lst files MXNet's `im2rec.py --list` writes for several option sets,
  with what it prints.
* `<variant>.rec/.idx`: `im2rec.py` pack output for the variants in `PACK` (all from
  `data.lst`, or `multi.lst` for the multi-label pack).
* `records.rec/.idx`: `mx.recordio` writer output for `PAYLOADS` (records holding the
  magic word, empty and unaligned records) with string keys, plus `tell()` values.
* `mean.bin`: a mean image written by `mx.nd.save`; `mean_created.bin`: the one
  ImageRecordIter writes when `mean_img` names a missing file.
* `expected.npz` and `manifest.json`: what MXNet reads back (headers, `unpack_img` arrays)
  and the ImageRecordIter batches of the runs in `ITERS`, epoch by epoch.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("MXNET_SUBGRAPH_BACKEND", "NONE")
import cv2
import mxnet as mx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "recordio"
IM2REC = Path(mx.__file__).parent / "tools" / "im2rec.py"

# Records for the writer: the magic word (0xced7230a, little-endian) aligned, unaligned,
# twice, at the end; empty and 1..5-byte records (padding).
MAGIC = b"\x0a\x23\xd7\xce"
PAYLOADS = [b"", b"a", b"ab", b"abc", b"abcd", b"abcde", MAGIC, b"xxxx" + MAGIC + b"yy",
            b"x" + MAGIC + b"yyy", MAGIC + MAGIC, b"head" + MAGIC + b"mid!" + MAGIC,
            bytes(range(256)) * 3]
RECORD_KEYS = [f"k{i}" for i in range(len(PAYLOADS))]

LIST_RUNS = {
    "recursive": ["--recursive"],
    "recursive_noshuffle": ["--recursive", "--no-shuffle"],
    "flat": [],
    "exts": ["--recursive", "--exts", ".jpg"],
    "ratios": ["--recursive", "--train-ratio", "0.5", "--test-ratio", "0.2"],
    "train_only": ["--recursive", "--train-ratio", "0.6"],
    "chunks": ["--recursive", "--chunks", "2", "--no-shuffle"],
}
PACK = {
    "png": ["--encoding", ".png"],
    "jpg_resize": ["--resize", "10", "--quality", "90"],
    "jpg_crop_gray": ["--center-crop", "--color", "0"],
    "png_crop_resize": ["--center-crop", "--resize", "9", "--encoding", ".png",
                        "--quality", "3"],
    "passthrough": ["--pass-through"],
    "multi": ["--pack-label", "--encoding", ".png"],
}
NORM = {"mean_r": 123.68, "mean_g": 116.28, "mean_b": 103.53, "std_r": 58.395,
        "std_g": 57.12, "std_b": 57.375, "scale": 0.5}
ITERS = {
    # name: (rec variant, use idx, epochs, ImageRecordIter kwargs)
    "png_norm": ("png", False, 3, {"data_shape": (3, 10, 10), "batch_size": 4, **NORM}),
    "jpg_resize_idx": ("jpg_resize", True, 2, {"data_shape": (3, 8, 8), "batch_size": 4,
                                               "resize": 8, "round_batch": False,
                                               "scale": 1 / 255}),
    "gray": ("png", False, 1, {"data_shape": (1, 10, 12), "batch_size": 3}),
    "mean_img": ("png", True, 1, {"data_shape": (3, 10, 10), "batch_size": 6, "scale": 2.0,
                                  "mean_img": "mean.bin"}),
    "mean_created": ("png", False, 1, {"data_shape": (3, 10, 10), "batch_size": 5,
                                       "mean_img": "mean_created.bin"}),
    "multi": ("multi", True, 1, {"data_shape": (3, 8, 8), "batch_size": 4, "label_width": 2,
                                 "data_name": "img", "label_name": "lab"}),
    "uint8": ("jpg_resize", False, 1, {"data_shape": (3, 10, 10), "batch_size": 2,
                                       "dtype": "uint8"}),
}
PART_SHAPE = {"data_shape": (3, 4, 4), "batch_size": 1, "round_batch": False}


def make_images(root: Path) -> None:
    """Six images in two class folders; BGR as cv2.imwrite expects."""
    yy, xx = np.mgrid[0:12, 0:16]
    grad = np.stack([xx * 16, yy * 20, (xx + yy) * 9], -1).astype(np.uint8)
    checker = (((xx // 2 + yy // 2) % 2) * 200 + 30).astype(np.uint8)
    red = np.full((12, 16, 3), 40, np.uint8)
    red[:, :8] = (0, 0, 255)  # left half pure red (BGR)
    noise = np.random.RandomState(7).randint(0, 256, (12, 16, 3)).astype(np.uint8)
    portrait = np.ascontiguousarray(np.transpose(grad, (1, 0, 2))[:, ::-1])
    images = {
        "cat/gradient.png": grad,
        "cat/gray_checker.png": checker,
        "cat/red_left.png": red,
        "dog/noise.png": noise,
        "dog/portrait.png": portrait,
        "dog/photo.jpg": cv2.GaussianBlur(noise, (3, 3), 0),
    }
    for rel, img in images.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        assert cv2.imwrite(str(path), img)
    (root / "dog" / "notes.txt").write_text("not an image\n")


def im2rec(args: list[str], cwd: Path) -> str:
    proc = subprocess.run([sys.executable, str(IM2REC), *args], cwd=cwd, check=True,
                          capture_output=True, text=True)
    return proc.stdout


def record_lists(images: Path, work: Path) -> dict:
    lists = {}
    for name, opts in LIST_RUNS.items():
        run = work / f"list_{name}"
        run.mkdir()
        stdout = im2rec([str(run / "data"), str(images), "--list", *opts], run)
        files = {p.name: p.read_text() for p in sorted(run.glob("*.lst"))}
        lists[name] = {"args": opts, "stdout": stdout, "files": files}
    return lists


def record_packs(images: Path, work: Path, lst: str) -> None:
    multi = "".join(line.replace("\t", f"\t{7 + i}.500000\t", 1)
                    for i, line in enumerate(lst.splitlines(keepends=True)))
    (OUT / "data.lst").write_text(lst)
    (OUT / "multi.lst").write_text(multi)
    for name, opts in PACK.items():
        run = work / f"pack_{name}"
        run.mkdir()
        (run / "data.lst").write_text(multi if name == "multi" else lst)
        im2rec([str(run / "data"), str(images), *opts], run)
        for ext in (".rec", ".idx"):
            shutil.copyfile(run / f"data{ext}", OUT / f"{name}{ext}")


def record_reads(expected: dict, manifest: dict) -> None:
    for name in PACK:
        rec = mx.recordio.MXIndexedRecordIO(str(OUT / f"{name}.idx"), str(OUT / f"{name}.rec"),
                                            "r")
        headers = []
        for i, key in enumerate(rec.keys):
            header, img = mx.recordio.unpack_img(rec.read_idx(key))
            label = header.label
            headers.append([header.flag, np.asarray(label).tolist(), header.id, header.id2])
            expected[f"unpack_img/{name}/{i}"] = img
            _, gray = mx.recordio.unpack_img(rec.read_idx(key), iscolor=0)
            expected[f"unpack_img_gray/{name}/{i}"] = gray
        manifest["headers"][name] = {"keys": rec.keys, "headers": headers}
        rec.close()


def record_writer(manifest: dict) -> None:
    rec = mx.recordio.MXIndexedRecordIO(str(OUT / "records.idx"), str(OUT / "records.rec"),
                                        "w", key_type=str)
    tells = [rec.tell()]
    for key, payload in zip(RECORD_KEYS, PAYLOADS):
        rec.write_idx(key, payload)
        tells.append(rec.tell())
    rec.close()
    manifest["writer"] = {"tell": tells, "keys": RECORD_KEYS,
                          "payloads": [p.hex() for p in PAYLOADS]}
    header = mx.recordio.IRHeader(0, [1.5, -2.0, 3.25], 42, 7)
    manifest["pack"] = {
        "multi": mx.recordio.pack(header, b"payload").hex(),
        "scalar": mx.recordio.pack(mx.recordio.IRHeader(5, 2.5, 9, 1), b"xyz").hex(),
        "png": mx.recordio.pack_img(mx.recordio.IRHeader(0, 1.0, 3, 0),
                                    np.arange(36, dtype=np.uint8).reshape(3, 4, 3),
                                    quality=9, img_fmt=".png").hex(),
    }


def run_iter(it, epochs: int) -> list[list[dict]]:
    out = []
    for _ in range(epochs):
        batches = []
        for batch in it:
            batches.append({"data": batch.data[0].asnumpy(), "label": batch.label[0].asnumpy(),
                            "pad": int(batch.pad)})
        out.append(batches)
        it.reset()
    return out


def it_keys(variant: str) -> list[str]:
    return (OUT / f"{variant}.idx").read_text().splitlines()


def record_iters(expected: dict, manifest: dict) -> None:
    mx.nd.save(str(OUT / "mean.bin"),
               {"mean_img": mx.nd.array(np.linspace(0, 255, 300).reshape(3, 10, 10))})
    created = OUT / "mean_created.bin"
    if created.exists():
        created.unlink()
    cwd = os.getcwd()
    os.chdir(OUT)  # relative paths, as the tests pass them
    try:
        for name, (rec, with_idx, epochs, kwargs) in ITERS.items():
            kwargs = dict(kwargs, path_imgrec=f"{rec}.rec")
            if with_idx:
                kwargs["path_imgidx"] = f"{rec}.idx"
            it = mx.io.ImageRecordIter(**kwargs)
            epochs_out = run_iter(it, epochs)
            manifest["iters"][name] = {
                "kwargs": {k: list(v) if isinstance(v, tuple) else v for k, v in kwargs.items()},
                "provide_data": [[d.name, list(d.shape), np.dtype(d.dtype).name]
                                 for d in it.provide_data],
                "provide_label": [[d.name, list(d.shape), np.dtype(d.dtype).name]
                                  for d in it.provide_label],
                "epochs": [[{"pad": b["pad"]} for b in ep] for ep in epochs_out]}
            for e, ep in enumerate(epochs_out):
                for b, batch in enumerate(ep):
                    # round_batch=False: the short last batch's tail is stale memory.
                    real = (len(it_keys(rec)) - b * kwargs["batch_size"]
                            if not kwargs.get("round_batch", True) else None)
                    expected[f"iter/{name}/{e}/{b}/data"] = batch["data"][:real]
                    expected[f"iter/{name}/{e}/{b}/label"] = batch["label"][:real]
        for num_parts in (2, 3, 4):
            for with_idx in (False, True):
                for part in range(num_parts):
                    kwargs = dict(PART_SHAPE, path_imgrec="jpg_resize.rec", num_parts=num_parts,
                                  part_index=part)
                    if with_idx:
                        kwargs["path_imgidx"] = "jpg_resize.idx"
                    try:
                        it = mx.io.ImageRecordIter(**kwargs)
                    except StopIteration:  # MXNet's constructor reads a batch: none here
                        it = []
                    data = [b.data[0].asnumpy()[0] for b in it]
                    key = f"parts/{num_parts}/{int(with_idx)}/{part}"
                    expected[key] = np.array(data).reshape(-1, 3, 4, 4)
    finally:
        os.chdir(cwd)


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    images = OUT / "images"
    make_images(images)
    expected: dict[str, np.ndarray] = {}
    manifest: dict = {"headers": {}, "iters": {}, "mxnet": mx.__version__,
                      "opencv": cv2.__version__}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        manifest["lists"] = record_lists(images, work)
        lst = manifest["lists"]["recursive"]["files"]["data.lst"]
        record_packs(images, work, lst)
    record_reads(expected, manifest)
    record_writer(manifest)
    record_iters(expected, manifest)
    np.savez_compressed(OUT / "expected.npz", **expected)
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {OUT.relative_to(ROOT)}: {total} bytes")


if __name__ == "__main__":
    main()
