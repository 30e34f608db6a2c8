"""MXNet's tools/im2rec.py: make an image list (`--list`) or pack a list into `.rec`/`.idx`.

Run as `jaxsym im2rec PREFIX ROOT [options]` or `python -m jaxsym.tools.im2rec ...`, with
MXNet's options and file formats. For the same images it writes the same `.lst` lines and
the same records as MXNet 1.9.1's tool (both read, resize and encode with OpenCV). Images
are read as OpenCV does, BGR, and stored so: MXNet's readers then give BGR from
`recordio.unpack_img` and RGB from `io.ImageRecordIter`.

Differences: `--num-thread` encodes on threads (MXNet uses processes); an image that
cannot be read is reported and skipped (MXNet's single-process path crashes on it); the
`.rec`/`.idx` pair appears only once complete.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..base import MXNetError
from ..formats._cv2 import require_cv2, resize, short_edge_size
from ..formats.recordio import IRHeader, MXIndexedRecordIO, _parse_lst_line, pack, pack_img

# An image list entry: (index, relative path, label, ...more labels).
Item = list[Any]


def list_images(root: str, recursive: bool, exts: Sequence[str]) -> Iterator[tuple[int, str, int]]:
    """(index, path relative to root, label) of each image, in sorted walk order.

    Recursive: each folder holding images is a class, numbered in the order met
    (the root itself too, when it holds images); the classes are printed, as MXNet does.
    """
    i = 0
    if recursive:
        cat: dict[str, int] = {}
        for path, dirs, files in os.walk(root, followlinks=True):
            dirs.sort()
            files.sort()
            for fname in files:
                fpath = os.path.join(path, fname)
                if os.path.isfile(fpath) and os.path.splitext(fname)[1].lower() in exts:
                    cat.setdefault(path, len(cat))
                    yield i, os.path.relpath(fpath, root), cat[path]
                    i += 1
        for path, label in cat.items():
            print(os.path.relpath(path, root), label)
    else:
        for fname in sorted(os.listdir(root)):
            fpath = os.path.join(root, fname)
            if os.path.isfile(fpath) and os.path.splitext(fname)[1].lower() in exts:
                yield i, os.path.relpath(fpath, root), 0
                i += 1


def write_list(path_out: str, image_list: Sequence[Sequence[Any]]) -> None:
    """Writes `.lst` lines: index, each label as %f, path; tab-separated."""
    with open(path_out, "w") as fout:
        for item in image_list:
            labels = "".join(f"{label:f}\t" for label in item[2:])
            fout.write(f"{item[0]}\t{labels}{item[1]}\n")


def make_list(args: argparse.Namespace) -> None:
    """Writes PREFIX[_i][_train|_val|_test].lst, as MXNet's `--list` mode."""
    image_list = list(list_images(args.root, args.recursive, args.exts))
    if args.shuffle:
        # MXNet's fixed seed: the same images give the same shuffled list.
        random.seed(100)
        random.shuffle(image_list)
    chunk_size = (len(image_list) + args.chunks - 1) // args.chunks
    for i in range(args.chunks):
        chunk = image_list[i * chunk_size:(i + 1) * chunk_size]
        stem = args.prefix + (f"_{i}" if args.chunks > 1 else "")
        sep = int(chunk_size * args.train_ratio)
        sep_test = int(chunk_size * args.test_ratio)
        if args.train_ratio == 1.0:
            write_list(stem + ".lst", chunk)
        else:
            if args.test_ratio:
                write_list(stem + "_test.lst", chunk[:sep_test])
            if args.train_ratio + args.test_ratio < 1.0:
                write_list(stem + "_val.lst", chunk[sep_test + sep:])
            write_list(stem + "_train.lst", chunk[sep_test:sep_test + sep])


def read_list(path_in: str) -> Iterator[Item]:
    """[index, path, label, ...] per `.lst` line; malformed lines are reported and skipped,
    as MXNet's im2rec does."""
    with open(path_in) as fin:
        for line in fin:
            try:
                key, labels, path = _parse_lst_line(line)
            except ValueError as err:
                print(f"Parsing lst met error for {line.strip()!r}, detail: {err}")
                continue
            yield [key, path, *labels]


def encode_image(args: argparse.Namespace, item: Item) -> bytes | None:
    """One record for `item`, or None (reported) when the image cannot be read or encoded."""
    fullpath = os.path.join(args.root, item[1])
    label = item[2:] if len(item) > 3 and args.pack_label else item[2]
    header = IRHeader(0, label, item[0], 0)
    if args.pass_through:
        try:
            with open(fullpath, "rb") as fin:
                return pack(header, fin.read())
        except OSError as err:
            print(f"pack_img error: {item[1]} {err}")
            return None
    cv2 = require_cv2("im2rec")
    img = cv2.imread(fullpath, args.color)
    if img is None:
        print(f"imread read blank (None) image for file: {fullpath}")
        return None
    if args.center_crop:
        h, w = img.shape[:2]
        margin = abs(h - w) // 2
        img = img[margin:margin + w] if h > w else img[:, margin:margin + h]
    if args.resize:
        img = resize(cv2, img, short_edge_size(*img.shape[:2], args.resize), 1)
    try:
        return pack_img(header, img, quality=args.quality, img_fmt=args.encoding)
    except MXNetError as err:
        print(f"pack_img error on file: {fullpath} {err}")
        return None


def pack_list(args: argparse.Namespace, lst_path: str, working_dir: str) -> int:
    """Packs the images of one `.lst` file into `.rec`/`.idx` beside it; returns the count."""
    stem = os.path.join(working_dir, os.path.splitext(os.path.basename(lst_path))[0])
    items = list(read_list(lst_path))
    count = 0
    with MXIndexedRecordIO(stem + ".idx", stem + ".rec", "w") as record, \
            ThreadPoolExecutor(max(1, args.num_thread)) as pool:
        for item, packed in zip(items, pool.map(lambda it: encode_image(args, it), items)):
            if packed is not None:
                record.write_idx(item[0], packed)
                count += 1
    return count


def build_parser(add_help: bool = True) -> argparse.ArgumentParser:
    """MXNet's im2rec arguments, names and defaults."""
    parser = argparse.ArgumentParser(
        prog="im2rec", add_help=add_help, formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="Create an image list or make a record database by reading from an "
                    "image list")
    parser.add_argument("prefix", help="prefix of input/output lst and rec files.")
    parser.add_argument("root", help="path to folder containing images.")
    cgroup = parser.add_argument_group("Options for creating image lists")
    cgroup.add_argument("--list", action="store_true",
                        help="create image list(s) by traversing root and write <prefix>.lst; "
                             "otherwise read <prefix>*.lst and write <prefix>*.rec")
    cgroup.add_argument("--exts", nargs="+", default=[".jpeg", ".jpg", ".png"],
                        help="list of acceptable image extensions.")
    cgroup.add_argument("--chunks", type=int, default=1, help="number of chunks.")
    cgroup.add_argument("--train-ratio", type=float, default=1.0,
                        help="Ratio of images to use for training.")
    cgroup.add_argument("--test-ratio", type=float, default=0,
                        help="Ratio of images to use for testing.")
    cgroup.add_argument("--recursive", action="store_true",
                        help="walk subfolders, one label per folder; otherwise only the "
                             "images in root, with label 0")
    cgroup.add_argument("--no-shuffle", dest="shuffle", action="store_false",
                        help="keep the image order in <prefix>.lst")
    rgroup = parser.add_argument_group("Options for creating database")
    rgroup.add_argument("--pass-through", action="store_true",
                        help="whether to skip transformation and save image as is")
    rgroup.add_argument("--resize", type=int, default=0,
                        help="resize the shorter edge of image to the newsize, original "
                             "images will be packed by default.")
    rgroup.add_argument("--center-crop", action="store_true",
                        help="specify whether to crop the center image to make it square.")
    rgroup.add_argument("--quality", type=int, default=95,
                        help="JPEG quality for encoding, 1-100; or PNG compression, 1-9")
    rgroup.add_argument("--num-thread", type=int, default=1,
                        help="number of threads to encode with (the order is kept)")
    rgroup.add_argument("--color", type=int, default=1, choices=[-1, 0, 1],
                        help="1: color (BGR), 0: grayscale, -1: as stored, alpha included")
    rgroup.add_argument("--encoding", type=str, default=".jpg", choices=[".jpg", ".png"],
                        help="specify the encoding of the images.")
    rgroup.add_argument("--pack-label", action="store_true",
                        help="Whether to also pack multi dimensional label in the record file")
    return parser


def run(args: argparse.Namespace) -> int:
    """Runs the list or pack mode for parsed arguments; returns the exit status."""
    args.prefix = os.path.abspath(args.prefix)
    args.root = os.path.abspath(args.root)
    if not os.path.isdir(args.root):
        raise MXNetError(f"im2rec: image folder {args.root!r} does not exist")
    if args.list:
        make_list(args)
        return 0
    working_dir = args.prefix if os.path.isdir(args.prefix) else os.path.dirname(args.prefix)
    lists = sorted(os.path.join(working_dir, f) for f in os.listdir(working_dir)
                   if f.endswith(".lst") and os.path.join(working_dir, f).startswith(args.prefix)
                   and os.path.isfile(os.path.join(working_dir, f)))
    for lst in lists:
        print("Creating .rec file from", lst, "in", working_dir)
        print("packed", pack_list(args, lst, working_dir), "images")
    if not lists:
        raise MXNetError(f"im2rec: no .lst file with prefix {args.prefix} (make one with --list)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
