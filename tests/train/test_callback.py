"""Callbacks' log lines and file names against MXNet 1.9.1 (tests/data/training/logs.json,
recorded by tools/record_training_fixtures.py)."""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

import pytest
from train import training_scenarios as sc

import jaxsym as mx

DATA = Path(__file__).parents[1] / "data" / "training"
LOGS = json.loads((DATA / "logs.json").read_text())
INIT = str(DATA / "init_mlp.params")
BATCH = sc.MODELS["mlp"][3]



def mask(line: str) -> str:
    line = re.sub(r"Speed: [0-9.]+|Speed: inf", "Speed: <speed>", line)
    return re.sub(r"Time cost=[0-9.]+", "Time cost=<time>", line)


def logged(caplog, callbacks) -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.INFO):
        sc.fit_one_epoch(mx, INIT, callbacks)
    return [mask(r.getMessage()) for r in caplog.records if r.name == "root"]


@pytest.mark.parametrize("key,make", [
    ("speedometer", lambda: mx.callback.Speedometer(BATCH, 2)),
    ("speedometer_no_reset", lambda: mx.callback.Speedometer(BATCH, 3, auto_reset=False)),
    ("log_train_metric", lambda: mx.callback.log_train_metric(3)),
    ("progress_bar", lambda: mx.callback.ProgressBar(7, length=20)),
])
def test_log_lines_match_mxnet(caplog, key, make):
    assert logged(caplog, [make()]) == LOGS[key]


def test_speedometer_reports_a_speed(caplog):
    caplog.clear()
    with caplog.at_level(logging.INFO):
        sc.fit_one_epoch(mx, INIT, [mx.callback.Speedometer(BATCH, 2)])
    speeds = [float(m.group(1)) for r in caplog.records
              if (m := re.search(r"Speed: ([0-9.]+) samples/sec", r.getMessage()))]
    assert len(speeds) == 3 and all(s > 0 for s in speeds)


def test_module_checkpoint_file_names(tmp_path):
    prefix = str(tmp_path / "mc")
    sc.fit_one_epoch(mx, INIT, None, lambda mod: mx.callback.module_checkpoint(
        mod, prefix, save_optimizer_states=True))
    assert sorted(os.listdir(tmp_path)) == LOGS["module_checkpoint_files"]


def test_do_checkpoint_period(tmp_path):
    """do_checkpoint numbers files epoch+1 and writes every `period` epochs."""
    callback = mx.callback.do_checkpoint(str(tmp_path / "p"), period=2)
    net = sc.build(mx, "mlp")
    arg = {"fc2_bias": mx.nd.zeros((5,))}
    for epoch in range(4):
        callback(epoch, net, arg, {})
    assert sorted(os.listdir(tmp_path)) == ["p-0002.params", "p-0004.params", "p-symbol.json"]
