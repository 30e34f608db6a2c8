"""`jaxsym demo`, run as a user runs it: >= 95% held-out accuracy and every file it names."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("sklearn")

import jaxsym as mx  # noqa: E402
from jaxsym.cli import main  # noqa: E402


def test_demo_trains_checkpoints_and_draws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--no-progress"]) == 0
    out = capsys.readouterr().out
    listed = [Path(line.strip()) for line in out.split("files written:\n")[1].splitlines()]
    names = sorted(p.name for p in listed)
    picture = "lenet.svg" if shutil.which("dot") else "lenet.gv"  # the graph's source then
    assert names == sorted(["lenet-0010.params", "lenet-summary.txt", "lenet-symbol.json",
                            "lenet-tuned-0003.params", "lenet-tuned-symbol.json", picture])
    assert all(p.is_absolute() and p.parent == tmp_path / "jaxsym-demo" and p.stat().st_size
               for p in listed)
    assert sorted(p.name for p in (tmp_path / "jaxsym-demo").iterdir()) == names

    accuracy = float(out.split("held-out accuracy: ")[1].split()[0])
    assert accuracy >= 0.95
    # The checkpoint is MXNet's format: reload it here and check the number it reported.
    sym, arg_params, aux_params = mx.model.load_checkpoint("jaxsym-demo/lenet", 10)
    assert json.loads(sym.tojson())["nodes"][-1]["name"] == "softmax"
    assert sorted(arg_params) == ["conv1_bias", "conv1_weight", "conv2_bias", "conv2_weight",
                                  "fc1_bias", "fc1_weight", "fc2_bias", "fc2_weight"]
    tuned = mx.nd.load("jaxsym-demo/lenet-tuned-0003.params")
    assert "arg:fc_new_weight" in tuned and "arg:fc2_weight" not in tuned
    summary = (tmp_path / "jaxsym-demo" / "lenet-summary.txt").read_text()
    assert "Total params: 13706" in summary  # 160 + 4640 + 8256 + 650
