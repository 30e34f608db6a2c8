"""mx.model.FeedForward against MXNet 1.9.1 (tests/data/training/, recorded by
tools/record_training_fixtures.py from the runs in training_scenarios.py)."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from train import training_scenarios as sc

import jaxsym as mx

DATA = Path(__file__).parents[1] / "data" / "training"
FACTS = json.loads((DATA / "training.json").read_text())
ARRAYS = np.load(DATA / "training.npz")



@pytest.fixture(autouse=True)
def _no_deprecation_noise():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def init_file(model: str) -> str:
    return str(DATA / f"init_{model}.params")


@pytest.mark.parametrize("model,how", [(m, h) for m, api, h in sc.RUNS if api == "feedforward"])
def test_two_epochs_match_mxnet(model, how, tmp_path):
    key = f"{model}-feedforward-{how}"
    prefix = str(tmp_path / key)
    rec, final, _ = sc.run(mx, model, "feedforward", how, init_file(model), ckpt_prefix=prefix)
    # nbatch counts from 1 in training, from 0 in evaluation; eval_end gets the count.
    sc.assert_run_matches(rec, final, FACTS, ARRAYS, key)
    assert sorted(os.listdir(tmp_path)) == FACTS["runs"][key]["checkpoint_files"]
    # do_checkpoint's files hold the epoch-end params.
    _, args, auxs = mx.model.load_checkpoint(prefix, 2)
    saved = {k: v.asnumpy() for k, v in list(args.items()) + list(auxs.items())}
    sc.assert_params_close(saved, ARRAYS, f"{key}/final")
    if how == "string":
        resume(model, prefix)


def resume(model: str, prefix: str) -> None:
    """Epoch 1's checkpoint, resumed for epoch 2 by FeedForward.load and Module.load."""
    _, _, _, batch = sc.MODELS[model]
    opt, opt_params = sc.optimizer(mx, "string", batch)
    train, _ = sc.iters(mx, model)
    rec = sc.Recorder()
    ff = mx.model.FeedForward.load(prefix, 1, num_epoch=sc.NUM_EPOCH, optimizer=opt,
                                   **opt_params)
    assert ff.begin_epoch == 1
    ff.fit(train, eval_metric=sc.metric(mx), batch_end_callback=rec.on_batch)
    got = {k: v.asnumpy() for k, v in list(ff.arg_params.items()) + list(ff.aux_params.items())}
    sc.assert_params_close(got, ARRAYS, f"{model}-resume-feedforward")
    mod = mx.mod.Module.load(prefix, 1)
    train.reset()
    # fit's init_params warns (as MXNet does) that loaded parameters are kept.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mod.fit(train, eval_metric=sc.metric(mx), num_epoch=sc.NUM_EPOCH, begin_epoch=1,
                optimizer=opt, optimizer_params=opt_params,
                batch_end_callback=rec.on_batch)
    assert any("already initialized" in str(w.message) for w in caught)
    args, auxs = mod.get_params()
    got = {k: v.asnumpy() for k, v in list(args.items()) + list(auxs.items())}
    sc.assert_params_close(got, ARRAYS, f"{model}-resume-module")
    sc._assert_rows(rec.batch_end, FACTS[f"{model}-resume"], "resume batch_end")


def trained_mlp() -> mx.model.FeedForward:
    _, _, ff = sc.run(mx, "mlp", "feedforward", "string", init_file("mlp"))
    return ff


def test_predict_score_save_load(tmp_path):
    want = FACTS["feedforward"]
    ff = trained_mlp()
    _, val = sc.iters(mx, "mlp")
    pred = ff.predict(val)
    assert type(pred).__name__ == want["predict_type"] == "ndarray"
    np.testing.assert_allclose(pred, ARRAYS["feedforward/predict"], rtol=1e-4, atol=1e-6)
    rec = sc.Recorder()
    score = ff.score(val, sc.metric(mx), batch_end_callback=rec.on_eval_batch)
    # FeedForward.score returns `eval_metric.get()[1]`: a list for a composite metric.
    assert type(score).__name__ == want["score_type"] == "list"
    np.testing.assert_allclose(score, want["score"], rtol=1e-5)
    assert isinstance(ff.score(val, "acc"), float)
    sc._assert_rows(rec.eval_batch_end, want["score_batch_end"], "score callbacks")
    ff.save(str(tmp_path / "m"))  # epoch defaults to num_epoch
    assert sorted(os.listdir(tmp_path)) == want["save_files"]
    loaded = mx.model.FeedForward.load(str(tmp_path / "m"), 2)
    assert loaded.begin_epoch == want["load_begin_epoch"]
    np.testing.assert_allclose(loaded.predict(val), pred, rtol=1e-6)


def test_numpy_input_predict_returns_numpy():
    ff = trained_mlp()
    _, _, ex, _ = sc.data("mlp")
    pred = ff.predict(ex)
    assert isinstance(pred, np.ndarray) and pred.shape == (len(ex), 5)
    np.testing.assert_allclose(pred, ARRAYS["feedforward/predict"], rtol=1e-4, atol=1e-6)


def test_jaxsym_checkpoint_is_read_by_mxnet():
    """The committed jaxsym checkpoint: MXNet loaded it and recorded its predictions."""
    want = json.loads((DATA / "jaxsym_ckpt.json").read_text())
    ff = mx.model.FeedForward.load(str(DATA / "jaxsym_ckpt"), 2)
    assert sorted(ff.arg_params) == want["arg_names"]
    _, val = sc.iters(mx, "mlp")
    np.testing.assert_allclose(ff.predict(val), want["predict"], rtol=1e-5, atol=1e-7)
    # It holds what a 2-epoch run ends with, in MXNet's numbers too.
    got = {k: v.asnumpy() for k, v in ff.arg_params.items()}
    sc.assert_params_close(got, ARRAYS, "mlp-feedforward-string/final")


def test_checkpoint_symbol_file_is_what_jaxsym_writes(tmp_path):
    ff = mx.model.FeedForward.load(str(DATA / "jaxsym_ckpt"), 2)
    ff.save(str(tmp_path / "again"), 2)
    assert (tmp_path / "again-symbol.json").read_text() == \
        (DATA / "jaxsym_ckpt-symbol.json").read_text()
    assert (tmp_path / "again-0002.params").read_bytes() == \
        (DATA / "jaxsym_ckpt-0002.params").read_bytes()


def test_numpy_input_is_shuffled_as_mxnet_does():
    sc.assert_params_close(sc.fit_numpy(mx, init_file("mlp")), ARRAYS, "numpy_fit")
