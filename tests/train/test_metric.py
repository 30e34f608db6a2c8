"""Metrics against MXNet 1.9.1 (tests/data/train_math/metrics.json, written by
tools/record_train_math_fixtures.py), local and global counters included."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import jaxsym as mx
from jaxsym.base import MXNetError
from jaxsym.train import metric

DATA = Path(__file__).resolve().parents[1] / "data" / "train_math"
FIX = json.loads((DATA / "metrics.json").read_text())


def nd_array(value):
    """A real float32 NDArray, as metric inputs usually are."""
    return mx.nd.array(np.asarray(value, np.float32))


def batch(name: str) -> tuple[list, list]:
    labels, preds = FIX["data"][name]
    return [nd_array(x) for x in labels], [nd_array(x) for x in preds]


def same(got, expected):
    if isinstance(expected, float) and math.isnan(expected):
        return math.isnan(got)
    return got == pytest.approx(expected, rel=1e-6, abs=1e-9)


def check_pair(got, expected):
    name, value = got
    assert name == expected[0]
    if isinstance(expected[1], list):
        assert len(value) == len(expected[1])
        assert all(same(v, e) for v, e in zip(value, expected[1], strict=False))
    else:
        assert same(value, expected[1]), (value, expected[1])


@pytest.mark.parametrize("case_name", sorted(FIX["cases"]))
def test_metric_matches_mxnet(case_name):
    case = FIX["cases"][case_name]
    m = metric.create(case["name"], **case["kwargs"])
    for b in case["batches"]:
        m.update(*batch(b))
    check_pair(m.get(), case["get"])
    assert [n for n, _ in m.get_name_value()] == [n for n, _ in case["get_name_value"]]
    m.reset_local()
    m.update(*batch(case["batches"][0]))
    check_pair(m.get(), case["after_reset_local_get"])
    check_pair(m.get_global(), case["after_reset_local_get_global"])
    assert float(m.num_inst) == case["num_inst"]
    assert float(m.global_num_inst) == case["global_num_inst"]
    m.reset()
    check_pair(m.get(), case["after_reset_get"])
    if "config" in case:
        assert m.get_config() == case["config"]
        # As in MXNet, TopKAccuracy appends "_k" to the recreated name once more.
        assert type(metric.create(**m.get_config())) is type(m)


def test_custom_metrics_match_mxnet():
    custom = FIX["custom"]

    def feval(label, pred):
        return float(np.abs(label - pred).sum())

    def feval_tuple(label, pred):
        return float(np.abs(label - pred).sum()), label.size

    for key, fn in [("custom", feval), ("custom_tuple", feval_tuple)]:
        m = metric.create(fn)
        for _ in range(2):
            m.update(*batch("reg1"))
        assert m.name == custom[key]["name"]
        check_pair(m.get(), custom[key]["get"])
    m = metric.np(lambda label, pred: float((label * pred).sum()))
    m.update(*batch("reg1"))
    assert m.name == custom["np_lambda"]["name"]
    check_pair(m.get(), custom["np_lambda"]["get"])
    with pytest.raises(NotImplementedError, match="cannot be serialized"):
        m.get_config()


def test_composite_matches_mxnet():
    rec = FIX["custom"]["composite"]
    comp = metric.create(["acc", "ce", metric.TopKAccuracy(top_k=2)])
    for b in ["cls1", "cls2"]:
        comp.update(*batch(b))
    check_pair(comp.get(), rec["get"])
    assert [n for n, _ in comp.get_name_value()] == [n for n, _ in rec["get_name_value"]]
    assert comp.get_config() == rec["config"]
    assert comp.get_metric(1).name == "cross-entropy"
    with pytest.raises(MXNetError, match="out of range"):
        comp.get_metric(5)


def test_composite_update_dict_filters_names():
    comp = metric.CompositeEvalMetric(["mse"], label_names=["y"], output_names=["out"])
    comp.update_dict({"y": nd_array([1.0, 2.0]), "z": nd_array([9.0])},
                     {"out": nd_array([1.0, 4.0]), "other": nd_array([0.0])})
    assert comp.get() == (["mse"], [2.0])


def test_empty_metric_and_str():
    m = metric.create("acc")
    name, value = m.get()
    assert [name, str(value)] == FIX["custom"]["empty_get"]
    mse = metric.create("mse")
    assert str(mse).startswith("EvalMetric: {'mse': nan")
    assert FIX["custom"]["str"].startswith("EvalMetric: {'mse': nan")


def test_registered_names():
    assert set(FIX["registered"]) <= set(metric._REGISTRY.classes)


def test_numpy_inputs_and_single_arrays():
    m = metric.Accuracy()
    m.update(np.array([0, 1, 1]), np.array([[0.3, 0.7], [0, 1.0], [0.4, 0.6]]))
    assert m.get() == ("accuracy", pytest.approx(2 / 3))
    loss = metric.Loss()
    loss.update(None, np.array([1.0, 2.0, 3.0], np.float32))
    assert loss.get() == ("loss", 2.0)


def test_errors_are_clear():
    with pytest.raises(MXNetError, match="'accuracyy' is not registered.*accuracy") as err:
        metric.create("accuracyy")
    assert isinstance(err.value, ValueError)
    with pytest.raises(MXNetError, match="Shape of labels 1 does not match shape of "
                                         "predictions 2"):
        metric.Accuracy().update([nd_array([0])], [nd_array([[1, 0]])] * 2)
    with pytest.raises(MXNetError, match="only supports binary"):
        metric.F1().update([nd_array([0, 1, 2])], [nd_array(np.eye(3)[:, :2])])
    with pytest.raises(MXNetError, match="top_k is no more than 1"):
        metric.TopKAccuracy(top_k=1)
    with pytest.raises(MXNetError, match="shape mismatch"):
        metric.Perplexity(None).update([nd_array([0, 1, 2])], [nd_array(np.eye(2))])
    with pytest.raises(MXNetError, match="must be a name"):
        metric.create(3)


def test_check_label_shapes():
    a, b = metric.check_label_shapes(nd_array([1, 2]), nd_array([3, 4]), wrap=True)
    assert isinstance(a, list) and isinstance(b, list)
    with pytest.raises(MXNetError, match=r"\(2,\) does not match shape of predictions "
                                         r"\(2, 1\)"):
        metric.check_label_shapes(nd_array([1, 2]), nd_array([[1], [2]]), shape=True)
