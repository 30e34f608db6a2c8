"""Record MXNet 1.9.1's training loops into tests/data/training/.

Run with the reference interpreter, from the repository root:

    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_training_fixtures.py

The networks, data, initial weights and callbacks come from
tests/train/training_scenarios.py, which the tests run unchanged under jaxsym. Writes:
- init_<model>.params: the weights every run starts from (`mx.init.Load`);
- training.json / training.npz: for each (model, API, optimizer as string or instance)
  the batch-end, epoch-end, eval-batch-end and eval-end callback arguments of 2 epochs,
  and the final parameters; plus predict/score/save/load facts, a resumed run and
  Module's step-by-step API (`manual_loop`);
- io.json: NDArrayIter batch sequences (pad/discard/roll_over over 2 epochs, list and
  dict inputs) and CSVIter batches;
- logs.json: the log lines of Speedometer, log_train_metric and ProgressBar;
- jaxsym_ckpt-symbol.json / -0002.params: a checkpoint written by jaxsym (this script runs
  the project venv in a subprocess), and jaxsym_ckpt.json: MXNet's predictions after
  loading it with `FeedForward.load` (proof that MXNet reads jaxsym's files).
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import warnings

import mxnet as mx
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "data", "training")
sys.path.insert(0, os.path.join(ROOT, "tests", "train"))
import training_scenarios as sc

JAXSYM_PYTHON = "/work/venv/bin/python"
# jaxsym writes this checkpoint: the MLP after 2 epochs of the string-optimizer run.
JAXSYM_CKPT_SCRIPT = """
import sys, warnings
sys.path.insert(0, {tests!r})
warnings.simplefilter("ignore")
import jaxsym as mx
import training_scenarios as sc
sc.run(mx, "mlp", "feedforward", "string", {init!r}, ckpt_prefix={prefix!r})
"""


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def capture_logs(fn):
    handler = Capture()
    root = logging.getLogger()
    root.addHandler(handler)
    old = root.level
    root.setLevel(logging.INFO)
    try:
        fn()
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
    return handler.lines


def mask(line: str) -> str:
    """Speeds and times vary: replace them by placeholders."""
    line = re.sub(r"Speed: [0-9.]+|Speed: inf", "Speed: <speed>", line)
    return re.sub(r"Time cost=[0-9.]+", "Time cost=<time>", line)


def record_runs(arrays: dict, facts: dict) -> None:
    for model in sc.MODELS:
        init = os.path.join(OUT, f"init_{model}.params")
        mx.nd.save(init, {k: mx.nd.array(v) for k, v in sc.weights(mx, model).items()})
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for model, api, how in sc.RUNS:
            key = f"{model}-{api}-{how}"
            prefix = os.path.join(tmp, key)
            rec, final, obj = sc.run(mx, model, api, how,
                                     os.path.join(OUT, f"init_{model}.params"),
                                     ckpt_prefix=prefix)
            runs[key] = rec.as_json()
            runs[key]["checkpoint_files"] = sorted(
                f for f in os.listdir(tmp) if f.startswith(key + "-"))
            for name, value in final.items():
                arrays[f"{key}/final/{name}"] = value
            for name, value in rec.epoch_params[0].items():
                arrays[f"{key}/epoch0/{name}"] = value
            if (model, how) == ("mlp", "string"):
                predict_facts(obj, api, model, facts, arrays)
            if (api, how) == ("feedforward", "string"):
                resume(model, prefix, arrays, facts)
    facts["runs"] = runs


def predict_facts(obj, api: str, model: str, facts: dict, arrays: dict) -> None:
    _, val = sc.iters(mx, model)
    pred = obj.predict(val)
    arrays[f"{api}/predict"] = pred if isinstance(pred, np.ndarray) else pred.asnumpy()
    rec = sc.Recorder()
    if api == "feedforward":
        score = obj.score(val, sc.metric(mx), batch_end_callback=rec.on_eval_batch)
        with tempfile.TemporaryDirectory() as tmp:
            obj.save(os.path.join(tmp, "m"))
            saved = sorted(os.listdir(tmp))
            loaded = mx.model.FeedForward.load(os.path.join(tmp, "m"), 2)
        facts[api] = {"predict_type": type(pred).__name__, "score_type": type(score).__name__,
                      "score": score, "save_files": saved,
                      "load_begin_epoch": loaded.begin_epoch,
                      "score_batch_end": rec.eval_batch_end}
    else:
        score = obj.score(val, sc.metric(mx), batch_end_callback=rec.on_eval_batch,
                          score_end_callback=rec.on_eval_end)
        facts[api] = {"predict_type": type(pred).__name__,
                      "score_type": [type(score).__name__, type(score[0]).__name__],
                      "score": [[n, float(v)] for n, v in score],
                      "score_batch_end": rec.eval_batch_end, "score_end": rec.eval_end}


def resume(model: str, prefix: str, arrays: dict, facts: dict) -> None:
    """Resume from the epoch-1 checkpoint for the second epoch, both APIs."""
    _, _, _, batch = sc.MODELS[model]
    opt, opt_params = sc.optimizer(mx, "string", batch)
    train, _ = sc.iters(mx, model)
    rec = sc.Recorder()
    ff = mx.model.FeedForward.load(prefix, 1, num_epoch=sc.NUM_EPOCH, optimizer=opt,
                                   **opt_params)
    ff.fit(train, eval_metric=sc.metric(mx), batch_end_callback=rec.on_batch)
    for name, value in list(ff.arg_params.items()) + list(ff.aux_params.items()):
        arrays[f"{model}-resume-feedforward/{name}"] = value.asnumpy()
    mod = mx.mod.Module.load(prefix, 1)
    train.reset()
    mod.fit(train, eval_metric=sc.metric(mx), num_epoch=sc.NUM_EPOCH, begin_epoch=1,
            optimizer=opt, optimizer_params=opt_params, batch_end_callback=rec.on_batch)
    args, auxs = mod.get_params()
    for name, value in list(args.items()) + list(auxs.items()):
        arrays[f"{model}-resume-module/{name}"] = value.asnumpy()
    facts[f"{model}-resume"] = rec.batch_end


def batches(it, epochs: int = 2) -> list:
    out = []
    for _ in range(epochs):
        epoch = []
        for b in it:
            epoch.append({"data": [d.asnumpy().tolist() for d in b.data],
                          "label": [lab.asnumpy().tolist() for lab in b.label],
                          "pad": b.pad})
        out.append(epoch)
        it.reset()
    return out


def descs(descs_) -> list:
    return [[d.name, list(d.shape), np.dtype(d.dtype).name, d.layout] for d in descs_]


def record_io() -> dict:
    x = np.arange(10 * 2, dtype=np.float32).reshape(10, 2)
    y = np.arange(10, dtype=np.float32)
    facts = {}
    for handle in ("pad", "discard", "roll_over"):
        it = mx.io.NDArrayIter(x, y, 4, last_batch_handle=handle)
        facts[handle] = {"batches": batches(it), "provide_data": descs(it.provide_data),
                         "provide_label": descs(it.provide_label)}
    np.random.seed(3)
    it = mx.io.NDArrayIter(x, y, 4, shuffle=True, last_batch_handle="roll_over")
    facts["shuffle"] = {"batches": batches(it), "provide_data": descs(it.provide_data),
                        "provide_label": descs(it.provide_label)}
    it = mx.io.NDArrayIter([x, x * 2], [y, y + 1], 5)
    facts["list"] = {"batches": batches(it, 1), "provide_data": descs(it.provide_data),
                     "provide_label": descs(it.provide_label)}
    it = mx.io.NDArrayIter({"b": x, "a": x + 1}, {"lab": y}, 5)
    facts["dict"] = {"batches": batches(it, 1), "provide_data": descs(it.provide_data),
                     "provide_label": descs(it.provide_label)}
    it = mx.io.NDArrayIter(x, None, 3, last_batch_handle="pad", data_name="feat")
    facts["no_label"] = {"batches": batches(it, 1), "provide_data": descs(it.provide_data),
                         "provide_label": descs(it.provide_label)}
    with tempfile.TemporaryDirectory() as tmp:
        data_csv, label_csv = os.path.join(tmp, "d.csv"), os.path.join(tmp, "l.csv")
        np.savetxt(data_csv, np.arange(7 * 6).reshape(7, 6) / 4.0, delimiter=",")
        np.savetxt(label_csv, np.arange(7) % 3, delimiter=",")
        it = mx.io.CSVIter(data_csv=data_csv, data_shape=(2, 3), label_csv=label_csv,
                           batch_size=3)
        facts["csv"] = {"batches": batches(it), "provide_data": descs(it.provide_data),
                        "provide_label": descs(it.provide_label),
                        "data": (np.arange(7 * 6).reshape(7, 6) / 4.0).tolist(),
                        "label": (np.arange(7) % 3).tolist()}
        it = mx.io.CSVIter(data_csv=data_csv, data_shape=(6,), batch_size=3,
                           round_batch=False)
        facts["csv_no_round"] = {"batches": [[{"pad": b.pad, "n": len(b.data[0])}
                                              for b in it]],
                                 "provide_label": descs(it.provide_label)}
    return facts


def record_logs() -> dict:
    init = os.path.join(OUT, "init_mlp.params")
    batch = sc.MODELS["mlp"][3]

    def logs(callbacks):
        return [mask(s) for s in capture_logs(lambda: sc.fit_one_epoch(mx, init, callbacks))]

    out = {"speedometer": logs([mx.callback.Speedometer(batch, 2)]),
           "speedometer_no_reset": logs([mx.callback.Speedometer(batch, 3, auto_reset=False)]),
           "log_train_metric": logs([mx.callback.log_train_metric(3)]),
           "progress_bar": logs([mx.callback.ProgressBar(7, length=20)])}
    with tempfile.TemporaryDirectory() as tmp:
        prefix = os.path.join(tmp, "mc")
        sc.fit_one_epoch(mx, init, None, lambda mod: mx.callback.module_checkpoint(
            mod, prefix, save_optimizer_states=True))
        out["module_checkpoint_files"] = sorted(os.listdir(tmp))
    return out


def record_jaxsym_checkpoint(facts: dict) -> None:
    prefix = os.path.join(OUT, "jaxsym_ckpt")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_prefix = os.path.join(tmp, "jaxsym_ckpt")
        script = JAXSYM_CKPT_SCRIPT.format(tests=os.path.join(ROOT, "tests", "train"),
                                           init=os.path.join(OUT, "init_mlp.params"),
                                           prefix=tmp_prefix)
        env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"), JAX_PLATFORMS="cpu")
        subprocess.run([JAXSYM_PYTHON, "-c", script], check=True, env=env)
        for name in ("jaxsym_ckpt-symbol.json", "jaxsym_ckpt-0002.params"):
            with open(os.path.join(tmp, name), "rb") as src, \
                    open(os.path.join(OUT, name), "wb") as dst:
                dst.write(src.read())
    model = mx.model.FeedForward.load(prefix, 2)
    _, val = sc.iters(mx, "mlp")
    facts["predict"] = model.predict(val).tolist()
    facts["arg_names"] = sorted(model.arg_params)
    mod = mx.mod.Module.load(prefix, 2)
    mod.bind(val.provide_data, val.provide_label, for_training=False)
    facts["module_score"] = [[n, float(v)] for n, v in mod.score(val, sc.metric(mx))]


def main() -> None:
    warnings.simplefilter("ignore")
    os.makedirs(OUT, exist_ok=True)
    arrays: dict = {}
    facts: dict = {"command": "MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python "
                              "tools/record_training_fixtures.py"}
    record_runs(arrays, facts)
    facts["manual"], manual = sc.manual_loop(mx, os.path.join(OUT, "init_mlp.params"))
    arrays.update({"manual/" + k: v for k, v in manual.items()})
    numpy_fit = sc.fit_numpy(mx, os.path.join(OUT, "init_mlp.params"))
    arrays.update({"numpy_fit/" + k: v for k, v in numpy_fit.items()})
    np.savez_compressed(os.path.join(OUT, "training.npz"), **arrays)
    with open(os.path.join(OUT, "training.json"), "w") as f:
        json.dump(facts, f, indent=1)
    with open(os.path.join(OUT, "io.json"), "w") as f:
        json.dump(record_io(), f)
    with open(os.path.join(OUT, "logs.json"), "w") as f:
        json.dump(record_logs(), f, indent=1)
    ckpt: dict = {}
    record_jaxsym_checkpoint(ckpt)
    with open(os.path.join(OUT, "jaxsym_ckpt.json"), "w") as f:
        json.dump(ckpt, f, indent=1)


if __name__ == "__main__":
    main()
