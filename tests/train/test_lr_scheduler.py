"""Learning-rate schedules against MXNet 1.9.1 (tests/data/train_math/lr_schedulers.json,
written by tools/record_train_math_fixtures.py)."""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

import pytest

from jaxsym.base import MXNetError
from jaxsym.train import lr_scheduler as lrs
from jaxsym.train.optimizer import SGD

DATA = Path(__file__).resolve().parents[1] / "data" / "train_math"
FIX = json.loads((DATA / "lr_schedulers.json").read_text())


@pytest.mark.parametrize("case_name", sorted(FIX["cases"]))
def test_schedule_and_log_match_mxnet(case_name, caplog):
    case = FIX["cases"][case_name]
    sched = getattr(lrs, case["class"])(**case["kwargs"])
    with caplog.at_level(logging.INFO, logger="root"):
        got = [sched(n) for n in case["num_updates"]]
    assert got == pytest.approx(case["lrs"], rel=1e-12)
    assert [r.getMessage() for r in caplog.records if r.name == "root"] == case["log"]


@pytest.mark.parametrize("cls", sorted(FIX["optimizer_override"]))
def test_optimizer_learning_rate_overrides_base_lr_only(cls):
    case = FIX["optimizer_override"][cls]
    sched = getattr(lrs, cls)(**case["kwargs"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        SGD(learning_rate=case["learning_rate"], lr_scheduler=sched)
    assert [sched(n) for n in range(8)] == pytest.approx(case["lrs"], rel=1e-12)


@pytest.mark.parametrize("make, message", [
    (lambda: lrs.FactorScheduler(step=0), "step must be greater"),
    (lambda: lrs.FactorScheduler(step=2, factor=1.5), "Factor must be no more than 1"),
    (lambda: lrs.MultiFactorScheduler(step=[3, 2]), "increasing integer list"),
    (lambda: lrs.MultiFactorScheduler(step=[0, 2]), "greater or equal than 1"),
    (lambda: lrs.MultiFactorScheduler(step=5), "non-empty list"),
    (lambda: lrs.PolyScheduler(max_update=0), "strictly positive"),
    (lambda: lrs.CosineScheduler(max_update=2.5), "max_update must be an int"),
    (lambda: lrs.FactorScheduler(step=1, base_lr=0.1, warmup_begin_lr=0.2),
     "higher than warmup_begin_lr"),
    (lambda: lrs.FactorScheduler(step=1, warmup_steps=-1), "positive or 0"),
    (lambda: lrs.FactorScheduler(step=1, warmup_steps=1.5), "warmup_steps must be an int"),
    (lambda: lrs.FactorScheduler(step=1, warmup_mode="cosine"), "linear and constant"),
])
def test_bad_arguments_are_errors(make, message):
    with pytest.raises(MXNetError, match=message) as err:
        make()
    assert isinstance(err.value, ValueError)


def test_base_class_must_be_overridden():
    with pytest.raises(NotImplementedError):
        lrs.LRScheduler()(3)


def test_scheduler_drives_the_optimizer_learning_rate():
    opt = SGD(lr_scheduler=lrs.MultiFactorScheduler(step=[2, 4], factor=0.1, base_lr=1.0))
    seen = []
    for _ in range(6):
        seen.append(opt.hyperparams(0)[0])
    assert seen == pytest.approx([1.0, 1.0, 0.1, 0.1, 0.01, 0.01])
