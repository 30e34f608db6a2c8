"""mx.mod.Module against MXNet 1.9.1 (tests/data/training/, recorded by
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
from jaxsym.base import MXNetError

DATA = Path(__file__).parents[1] / "data" / "training"
FACTS = json.loads((DATA / "training.json").read_text())
ARRAYS = np.load(DATA / "training.npz")
INIT = str(DATA / "init_mlp.params")



@pytest.mark.parametrize("model,how", [(m, h) for m, api, h in sc.RUNS if api == "module"])
def test_two_epochs_match_mxnet(model, how, tmp_path):
    key = f"{model}-module-{how}"
    # nbatch counts from 0 in training and evaluation; eval_end gets the count.
    rec, final, _ = sc.run(mx, model, "module", how, str(DATA / f"init_{model}.params"),
                           ckpt_prefix=str(tmp_path / key))
    sc.assert_run_matches(rec, final, FACTS, ARRAYS, key)
    assert sorted(os.listdir(tmp_path)) == FACTS["runs"][key]["checkpoint_files"]


def test_predict_and_score_types_and_values():
    want = FACTS["module"]
    _, _, mod = sc.run(mx, "mlp", "module", "string", INIT)
    _, val = sc.iters(mx, "mlp")
    pred = mod.predict(val)
    assert type(pred).__name__ == want["predict_type"] == "NDArray"
    np.testing.assert_allclose(pred.asnumpy(), ARRAYS["module/predict"], rtol=1e-4, atol=1e-6)
    rec = sc.Recorder()
    score = mod.score(val, sc.metric(mx), batch_end_callback=rec.on_eval_batch,
                      score_end_callback=rec.on_eval_end)
    assert [type(score).__name__, type(score[0]).__name__] == want["score_type"]
    assert [n for n, _ in score] == [n for n, _ in want["score"]]
    np.testing.assert_allclose([v for _, v in score], [v for _, v in want["score"]], rtol=1e-5)
    sc._assert_rows(rec.eval_batch_end, want["score_batch_end"], "score batch_end")
    sc._assert_rows(rec.eval_end, want["score_end"], "score_end")
    # iter_predict strips the pad of the last batch; merge_batches=False keeps batches.
    chunks = list(mod.iter_predict(val))
    assert [nbatch for _, nbatch, _ in chunks] == [0, 1, 2, 3]
    assert [outs[0].shape[0] for outs, _, _ in chunks] == [32, 32, 32, 4]
    per_batch = mod.predict(val, merge_batches=False)
    assert len(per_batch) == 4 and isinstance(per_batch[0], list)
    np.testing.assert_allclose(np.concatenate([b[0].asnumpy() for b in per_batch]),
                               pred.asnumpy())


def test_step_by_step_api_matches_mxnet():
    """forward/backward/get_input_grads/update/update_metric, a fixed parameter, and a
    forward at another batch size (the module reshapes)."""
    facts, arrays = sc.manual_loop(mx, INIT)
    want = dict(FACTS["manual"])
    (name, value), = facts.pop("metric")
    assert [name, value] == [want["metric"][0][0], pytest.approx(want.pop("metric")[0][1])]
    assert facts == want
    for name, value in arrays.items():
        np.testing.assert_allclose(value, ARRAYS["manual/" + name], rtol=1e-4, atol=1e-6,
                                   err_msg=name)
    assert not arrays["param/fc2_bias"].any()  # fixed: never updated


def bound_module(**bind_kwargs) -> mx.mod.Module:
    mod = mx.mod.Module(sc.build(mx, "mlp"))
    mod.bind([("data", (32, 20))], [("softmax_label", (32,))], **bind_kwargs)
    mod.init_params(sc.initializer(mx, INIT))
    return mod


def batch(i: int = 0) -> mx.io.DataBatch:
    x, y, _, _ = sc.data("mlp")
    return mx.io.DataBatch([mx.nd.array(x[32 * i:32 * i + 32])],
                           [mx.nd.array(y[32 * i:32 * i + 32])])


def test_checkpoint_params_and_optimizer_states_round_trip(tmp_path):
    mod = bound_module()
    mod.init_optimizer(optimizer="sgd", optimizer_params={"momentum": 0.9})
    mod.forward_backward(batch())
    mod.update()
    prefix = str(tmp_path / "m")
    mod.save_checkpoint(prefix, 3, save_optimizer_states=True)
    assert sorted(os.listdir(tmp_path)) == ["m-0003.params", "m-0003.states", "m-symbol.json"]
    args = mod.get_params()[0]
    loaded = mx.mod.Module.load(prefix, 3, load_optimizer_states=True)
    loaded.bind([("data", (32, 20))], [("softmax_label", (32,))])
    loaded.init_optimizer(optimizer="sgd", optimizer_params={"momentum": 0.9})
    for name, value in loaded.get_params()[0].items():
        np.testing.assert_array_equal(value.asnumpy(), args[name].asnumpy())
    # The same next step from the same momentum gives the same parameters.
    for m in (mod, loaded):
        m.forward_backward(batch(1))
        m.update()
    for name, value in loaded.get_params()[0].items():
        np.testing.assert_allclose(value.asnumpy(), mod.get_params()[0][name].asnumpy(),
                                   rtol=1e-6)
    mod.save_params(str(tmp_path / "p.params"))
    other = bound_module()
    other.load_params(str(tmp_path / "p.params"))
    np.testing.assert_array_equal(other.get_params()[0]["fc2_weight"].asnumpy(),
                                  mod.get_params()[0]["fc2_weight"].asnumpy())


def test_set_params_and_get_params_are_copies():
    mod = bound_module()
    args, auxs = mod.get_params()
    args["fc2_weight"][:] = 1.0  # a copy: the module keeps its own values
    assert not (mod.get_params()[0]["fc2_weight"].asnumpy() == 1).all()
    mod.set_params(args, auxs)
    assert (mod.get_params()[0]["fc2_weight"].asnumpy() == 1).all()
    with pytest.raises(MXNetError, match="fc1_bias"):
        mod.set_params({"fc2_weight": args["fc2_weight"]}, auxs)


def test_borrow_optimizer_shares_states():
    mod = bound_module()
    mod.init_optimizer(optimizer="sgd", optimizer_params={"momentum": 0.9})
    other = bound_module()
    other.borrow_optimizer(mod)
    assert other._optimizer is mod._optimizer
    other.forward_backward(batch())
    other.update()
    assert other._optimizer.num_update == 1


def test_input_grads_need_inputs_need_grad():
    mod = bound_module()
    mod.forward_backward(batch())
    with pytest.raises(MXNetError, match="inputs_need_grad"):
        mod.get_input_grads()


def test_fused_step_compiles_once_across_steps_and_lr_changes():
    sched = mx.lr_scheduler.FactorScheduler(step=2, factor=0.5, base_lr=0.1)
    mod = mx.mod.Module(sc.build(mx, "mlp"))
    mod.bind([("data", (32, 20))], [("softmax_label", (32,))])
    mod.init_params(mx.init.Xavier())
    mod.init_optimizer(optimizer="sgd", optimizer_params={"momentum": 0.9,
                                                          "lr_scheduler": sched})
    lrs = []
    for i in range(6):
        # Fresh (uncommitted) arrays every batch, and parameters set mid-training, must
        # not give the step a second compiled version.
        mod.forward_backward(mx.io.DataBatch([mx.nd.ones((32, 20)) * i], [mx.nd.zeros((32,))]))
        mod.update()
        if i == 3:
            mod.set_params(*mod.get_params())
        lrs.append(mod._optimizer.learning_rate)
    assert lrs[0] > lrs[-1]  # the schedule moved ...
    assert mod._trainer._fused()._cache_size() == 1  # ... without a retrace


def test_fit_accepts_all_of_mxnets_arguments():
    train, val = sc.iters(mx, "mlp")
    mod = mx.mod.Module(sc.build(mx, "mlp"))
    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mod.fit(train, eval_data=val, eval_metric="acc", epoch_end_callback=None,
                batch_end_callback=None, kvstore="local", optimizer="sgd",
                optimizer_params=(("learning_rate", 0.1),),
                eval_end_callback=lambda p: seen.append(p.nbatch),
                eval_batch_end_callback=None, initializer=sc.initializer(mx, INIT),
                arg_params=None, aux_params=None, allow_missing=False, force_rebind=False,
                force_init=False, begin_epoch=0, num_epoch=1, validation_metric="ce",
                monitor=None, sparse_row_id_fn=None)
    assert seen == [4]
    with pytest.raises(MXNetError, match="num_epoch"):
        mod.fit(train)


def test_fit_keeps_metric_statistics_on_the_device(monkeypatch):
    """No per-batch host read: the training step computes the metric's batch statistics,
    which stay device arrays until a callback reads the metric."""
    from jaxsym.train import metric as metric_mod

    def no_host(x):
        raise AssertionError("a metric read a batch on the host")
    train, _ = sc.iters(mx, "mlp")
    eval_metric = sc.metric(mx)
    pending = []
    monkeypatch.setattr(metric_mod, "_host", no_host)
    mod = mx.mod.Module(sc.build(mx, "mlp"))
    mod.fit(train, eval_metric=eval_metric, num_epoch=1, initializer=sc.initializer(mx, INIT),
            batch_end_callback=lambda p: pending.append(
                [len(m._pending) for m in p.eval_metric.metrics]))
    # The last batch's callback comes after fit reads the epoch's training metric.
    assert pending == [[n, n] for n in range(1, 7)] + [[0, 0]]
    assert any(key[2] is not None for key in mod._trainer._cache)  # metric folded in
    names, values = eval_metric.get()
    assert names == ["accuracy", "cross-entropy"]
    assert 0 <= values[0] <= 1 and values[1] > 0


def test_device_metric_local_and_global_counters_match_host():
    rng = np.random.RandomState(0)
    batches = [(rng.randint(0, 5, 8).astype(np.float32), rng.rand(8, 5).astype(np.float32))
               for _ in range(3)]
    results = []
    for wrap in (np.asarray, mx.nd.array):
        m = mx.metric.create(["acc", "ce", mx.metric.TopKAccuracy(top_k=2), "mse"])
        for i, (label, pred) in enumerate(batches):
            if i == 2:
                m.reset_local()  # with the first two batches still pending on the device
            m.update([wrap(label)], [wrap(pred)])
        results.append((m.get(), m.get_global()))
    (local, glob), (dev_local, dev_glob) = results
    assert local[0] == dev_local[0]
    np.testing.assert_allclose(dev_local[1], local[1], rtol=1e-6)
    np.testing.assert_allclose(dev_glob[1], glob[1], rtol=1e-6)
    assert dev_local[1] != dev_glob[1]


def test_step_hyperparameters_stay_on_the_device_and_follow_the_host_values():
    import jax

    from jaxsym.train.step import _StepHyperparams
    hyper = _StepHyperparams(jax.devices()[0])
    lrs, wds, ts = (np.array([0.1, 0.2], np.float32), np.array([1e-4, 0.0], np.float32),
                    np.array([1, 1], np.int32))
    first = hyper(lrs, wds, ts)
    for got, want in zip(first, (lrs, wds, ts)):
        np.testing.assert_array_equal(np.asarray(got), want)
    next_ts = jax.numpy.asarray(ts + 1)
    hyper.returned(ts, next_ts)
    # Unchanged rates and the counts the step returned: no new device arrays.
    second = hyper(lrs, wds, ts + 1)
    assert second[0] is first[0] and second[1] is first[1] and second[2] is next_ts
    # A new rate, or counts the optimizer moved in between, reach the device as they are.
    third = hyper(lrs * 0.5, wds, ts + 7)
    assert third[1] is first[1]
    np.testing.assert_array_equal(np.asarray(third[0]), lrs * 0.5)
    np.testing.assert_array_equal(np.asarray(third[2]), ts + 7)
