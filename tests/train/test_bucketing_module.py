"""mx.mod.BucketingModule against MXNet 1.9.1 (tests/data/training/bucketing.*, recorded
by tools/record_bucketing_fixtures.py from the run in bucketing_scenario.py)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from train import bucketing_scenario as bs
from train import training_scenarios as sc

import jaxsym as mx
from jaxsym.base import MXNetError

DATA = Path(__file__).parents[1] / "data" / "training"
FACTS = json.loads((DATA / "bucketing.json").read_text())
ARRAYS = np.load(DATA / "bucketing.npz")


@pytest.fixture(scope="module")
def trained():
    rec = sc.Recorder()
    mod = bs.train(mx, rec)
    return rec, mod


def test_fit_over_three_buckets_matches_mxnet(trained):
    rec, mod = trained
    want = FACTS["run"]
    for what in ("batch_end", "eval_batch_end", "eval_end"):
        sc._assert_rows(getattr(rec, what), want[what], what)
    assert rec.epoch_end == want["epoch_end"]
    sc.assert_params_close(rec.epoch_params[0], ARRAYS, "epoch0")
    args, auxs = mod.get_params()
    sc.assert_params_close({k: v.asnumpy() for k, v in {**args, **auxs}.items()}, ARRAYS,
                           "final")
    # One Module per bucket, all over the default bucket's parameter handles.
    assert list(mod._buckets) == FACTS["bucket_keys"]
    default = mod._buckets[bs.DEFAULT_KEY]._exec.arg_dict
    for module in mod._buckets.values():
        assert all(module._exec.arg_dict[n] is default[n] for n in args)


def test_checkpoint_files_and_round_trip(trained, tmp_path):
    _, mod = trained
    mod.save_checkpoint(str(tmp_path / "b"), 7)
    assert sorted(os.listdir(tmp_path)) == FACTS["checkpoint_files_b7"]
    keys = mx.nd.load(str(tmp_path / "b.buckets"))[0]
    assert keys.dtype == np.int32 and keys.asnumpy().tolist() == FACTS["bucket_keys"]
    loaded = mx.mod.BucketingModule.load(str(tmp_path / "b"), 7, bs.sym_gen(mx),
                                         bs.DEFAULT_KEY)
    loaded.bind([("data", (bs.BATCH, bs.DEFAULT_KEY))],
                [("softmax_label", (bs.BATCH, bs.DEFAULT_KEY))], for_training=False)
    for name, value in loaded.get_params()[0].items():
        np.testing.assert_array_equal(value.asnumpy(), mod.get_params()[0][name].asnumpy())
    score = loaded.score(bs.make_iter(mx, 2, 1), bs.metric(mx))
    sc._assert_rows([["", 0, 0, score]], [["", 0, 0, FACTS["loaded_score"]]], "score")


def test_loads_mxnets_checkpoint(tmp_path):
    for name in FACTS["checkpoint_files"]:
        shutil.copy(DATA / name, tmp_path / name)
    loaded = mx.mod.BucketingModule.load(str(tmp_path / "mx_bucketing"), 2, bs.sym_gen(mx),
                                         bs.DEFAULT_KEY)
    assert list(loaded._buckets) == FACTS["bucket_keys"]
    loaded.bind([("data", (bs.BATCH, bs.DEFAULT_KEY))],
                [("softmax_label", (bs.BATCH, bs.DEFAULT_KEY))], for_training=False)
    sc.assert_params_close({k: v.asnumpy() for k, v in loaded.get_params()[0].items()},
                           ARRAYS, "final")
    score = loaded.score(bs.make_iter(mx, 2, 1), bs.metric(mx))
    sc._assert_rows([["", 0, 0, score]], [["", 0, 0, FACTS["loaded_score"]]], "score")


def test_step_by_step_api_matches_mxnet():
    facts, arrays = bs.manual(mx)
    want = FACTS["manual"]
    assert facts["keys"] == want["keys"]
    assert facts["output_shapes"] == want["output_shapes"]
    assert facts["after_switch"] == want["after_switch"]
    sc._assert_rows([["", 0, 0, facts["metric"]]], [["", 0, 0, want["metric"]]], "metric")
    for name, value in arrays.items():
        np.testing.assert_allclose(value, ARRAYS["manual/" + name], rtol=1e-4, atol=1e-6,
                                   err_msg=name)


def test_unbound_and_bad_arguments():
    with pytest.raises(MXNetError, match="default_bucket_key"):
        mx.mod.BucketingModule(bs.sym_gen(mx))
    with pytest.raises(MXNetError, match="'tokens' is not found"):
        mx.mod.BucketingModule(lambda key: (bs.sym_gen(mx)(key)[0], ("tokens",), None), 4)
    mod = mx.mod.BucketingModule(bs.sym_gen(mx), default_bucket_key=4)
    assert mod.data_names == ["data"] and mod.output_names == ["softmax_output"]
    with pytest.raises(MXNetError, match="bind"):
        mod.switch_bucket(6, [("data", (bs.BATCH, 6))])
    with pytest.raises(MXNetError, match="bind"):
        mod.forward(mx.io.DataBatch([mx.nd.zeros((bs.BATCH, 4))], bucket_key=4))
