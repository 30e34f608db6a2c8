"""`jaxsym im2rec` against MXNet 1.9.1's tools/im2rec.py on the same images
(tests/data/recordio, written by tools/record_recordio_fixtures.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jaxsym.cli import main
from jaxsym.tools import im2rec

DATA = Path(__file__).resolve().parents[1] / "data" / "recordio"
MANIFEST = json.loads((DATA / "manifest.json").read_text())
IMAGES = DATA / "images"
# The options each fixture .rec was packed with (see the recording script's PACK).
PACK = {
    "png": ["--encoding", ".png"],
    "jpg_resize": ["--resize", "10", "--quality", "90", "--num-thread", "2"],
    "jpg_crop_gray": ["--center-crop", "--color", "0"],
    "png_crop_resize": ["--center-crop", "--resize", "9", "--encoding", ".png",
                        "--quality", "3"],
    "passthrough": ["--pass-through"],
    "multi": ["--pack-label", "--encoding", ".png"],
}


@pytest.mark.parametrize("name", sorted(MANIFEST["lists"]))
def test_list_mode_matches_mxnet(name: str, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    run = MANIFEST["lists"][name]
    assert im2rec.main([str(tmp_path / "data"), str(IMAGES), "--list", *run["args"]]) == 0
    assert capsys.readouterr().out == run["stdout"]
    assert {p.name: p.read_text() for p in tmp_path.glob("*.lst")} == run["files"]


@pytest.mark.parametrize("name", sorted(PACK))
def test_pack_mode_is_byte_identical_to_mxnet(name: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(DATA / ("multi.lst" if name == "multi" else "data.lst"), tmp_path / "data.lst")
    assert main(["im2rec", str(tmp_path / "data"), str(IMAGES), *PACK[name]]) == 0
    assert "packed 6 images" in capsys.readouterr().out
    assert (tmp_path / "data.rec").read_bytes() == (DATA / f"{name}.rec").read_bytes()
    assert (tmp_path / "data.idx").read_bytes() == (DATA / f"{name}.idx").read_bytes()


def test_unreadable_images_are_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "data.lst").write_text("0\t1.000000\tcat/gradient.png\n1\t0.000000\tgone.png\n"
                                       "just one field\n2\tnot-a-label\tcat/gradient.png\n")
    assert main(["im2rec", str(tmp_path / "data"), str(IMAGES)]) == 0
    out = capsys.readouterr().out
    assert "gone.png" in out and "at least has three parts" in out and "packed 1 images" in out
    assert "not-a-label" in out
    assert (tmp_path / "data.idx").read_text() == "0\t0\n"


def test_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["im2rec", str(tmp_path / "data"), str(tmp_path / "nothere")]) == 2
    assert "image folder" in capsys.readouterr().err
    assert main(["im2rec", str(tmp_path / "data"), str(IMAGES)]) == 2
    assert "no .lst file with prefix" in capsys.readouterr().err
