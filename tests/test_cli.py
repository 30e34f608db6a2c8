"""The `jaxsym` command line: summary, plot, predict, and one-line errors with status 2."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import jaxsym as mx
from jaxsym.cli import main

W = np.array([[1.0, 0.0, -1.0], [0.5, 0.5, 0.5], [-1.0, 2.0, 0.0], [0.0, 0.0, 0.0]], np.float32)
B = np.array([0.1, -0.2, 0.0, 0.3], np.float32)


@pytest.fixture
def checkpoint(tmp_path: Path) -> str:
    """A softmax classifier over 3 features with known weights: tmp/clf-0003.params."""
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(mx.sym.Variable("data"), num_hidden=4,
                                                     name="fc"), name="softmax")
    prefix = str(tmp_path / "clf")
    mx.model.save_checkpoint(prefix, 3, net, {"fc_weight": mx.nd.array(W),
                                              "fc_bias": mx.nd.array(B)}, {})
    return prefix


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_summary_counts_parameters(checkpoint: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "summary", checkpoint + "-symbol.json", "--shape", "data=2,3")
    assert code == 0 and err == ""
    assert "fc(FullyConnected)" in out and "Total params: 16" in out  # 4*3 + 4


@pytest.mark.parametrize("fixed", [False, True])
def test_plot_writes_svg(checkpoint: str, tmp_path: Path, fixed: bool,
                         capfd: pytest.CaptureFixture[str]) -> None:
    if shutil.which("dot") is None:
        pytest.skip("graphviz's dot is not installed")
    target = tmp_path / "net.svg"
    code = main(["plot", checkpoint + "-symbol.json", "--shape", "data=2,3", "-o", str(target)]
                + ["--fixed-size"] * fixed)
    out, err = capfd.readouterr()
    assert code == 0 and out.strip() == str(target)
    text = target.read_text()
    assert "<svg" in text and "FullyConnected" in text and ">4<" in text  # edge label: 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clf-0003.params", "clf-symbol.json",
                                                          "net.svg"]
    # MXNet's fixed 1.3in boxes are too small for "FullyConnected"; by default boxes fit.
    assert ("too small for label" in err) == fixed


def test_plot_without_dot_is_one_line(checkpoint: str, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    code, out, err = _run(capsys, "plot", checkpoint + "-symbol.json", "-o",
                          str(tmp_path / "n.png"))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "apt-get install graphviz" in err


def test_predict_prints_top_classes(checkpoint: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    x = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], np.float32)
    np.save(tmp_path / "x.npy", x)
    code, out, err = _run(capsys, "predict", checkpoint, "3", "--input", str(tmp_path / "x.npy"),
                          "--top", "2")
    assert code == 0, err
    logits = x @ W.T + B
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = [f"sample {i}: " + ", ".join(f"class {c} ({p[c]:.4f})" for c in np.argsort(-p)[:2])
                for i, p in enumerate(probs)]
    assert out.splitlines() == expected


@pytest.mark.parametrize("argv, message", [
    (["summary", "{tmp}/missing-symbol.json"], "missing-symbol.json"),
    (["summary", "{ckpt}-symbol.json", "--shape", "data:2,3"], "NAME=D1,D2"),
    (["summary", "{ckpt}-symbol.json", "--shape", "data=2,x"], "must be integers"),
    (["summary", "{tmp}/corrupt.json"], "invalid JSON"),
    (["predict", "{ckpt}", "3", "--input", "{tmp}/none.npy"], "none.npy"),
    (["predict", "{ckpt}", "7", "--input", "{tmp}/x.npy"], "clf-0007.params"),
])
def test_user_errors_are_one_line_with_status_2(argv: list[str], message: str, checkpoint: str,
                                                tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "corrupt.json").write_text('{"nodes": [')
    np.save(tmp_path / "x.npy", np.zeros((1, 3), np.float32))
    argv = [a.format(tmp=tmp_path, ckpt=checkpoint) for a in argv]
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith(f"jaxsym {argv[0]}: error: ") and err.count("\n") == 1
    assert message in err and "Traceback" not in err


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("summary", "plot", "predict", "demo", "--shape data=1,1,8,8"):
        assert command in out


def test_installed_console_script(checkpoint: str) -> None:
    script = shutil.which("jaxsym", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the jaxsym console script is not installed in this environment")
    done = subprocess.run([script, "summary", checkpoint + "-symbol.json", "--shape",
                           "data=1,3"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Total params: 16" in done.stdout
    bad = subprocess.run([script, "summary", "nowhere-symbol.json"], capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("jaxsym summary: error: ") and bad.stderr.count("\n") == 1
