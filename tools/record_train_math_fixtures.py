"""Record MXNet 1.9.1's training math into tests/data/train_math/*.json.

Run with the reference interpreter, from the repository root:

    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_train_math_fixtures.py

It writes plain JSON (numbers and lists), so the tests need no MXNet:
optimizers.json (weights and states through 5 updates for each optimizer setting,
through `update`, `update_multi_precision` and `get_updater`), lr_schedulers.json,
initializers.json (deterministic outputs, statistics of random ones, `dumps()`),
metrics.json and multipliers.json (the lr/wd each parameter gets in Module, for an
optimizer given as a string, an instance, and an instance built with `sym=`).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import warnings

import mxnet as mx
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data",
                   "train_math")
COMMAND = ("MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python "
           "tools/record_train_math_fixtures.py")
N_STEPS = 5
SHAPE = (3, 4)


def as_list(x):
    """NDArray / numpy -> nested lists of Python floats (float32 values are exact)."""
    if hasattr(x, "asnumpy"):
        x = x.asnumpy()
    return np.asarray(x, dtype=np.float64).tolist()


def state_to_json(state):
    if state is None:
        return None
    if isinstance(state, (tuple, list)):
        return [state_to_json(s) for s in state]
    return {"dtype": np.dtype(state.dtype).name, "value": as_list(state)}


def inputs():
    rng = np.random.RandomState(0)
    w0 = rng.normal(0, 1, SHAPE).astype(np.float32)
    grads = [(rng.normal(0, 2, SHAPE)).astype(np.float32) for _ in range(N_STEPS)]
    w1 = rng.normal(0, 1, (5,)).astype(np.float32)
    grads1 = [(rng.normal(0, 2, (5,))).astype(np.float32) for _ in range(N_STEPS)]
    return w0, grads, w1, grads1


def make_scheduler(spec):
    if spec is None:
        return None
    name, kwargs = spec
    return getattr(mx.lr_scheduler, name)(**kwargs)


# (case name, optimizer name, kwargs (lr_scheduler as [class, kwargs]), mode)
# mode: "update" (create_state + update), "mp" (float16 weight through
# create_state_multi_precision + update_multi_precision), "updater" (get_updater with
# two parameters fc_weight/fc_bias and param_idx2name), "mp_updater" (the same with
# float16 weights).
FACTOR = ["FactorScheduler", {"step": 2, "factor": 0.5, "base_lr": 0.1}]
OPT_CASES = [
    ("sgd_plain", "sgd", {"learning_rate": 0.1}, "update"),
    ("sgd_wd", "sgd", {"learning_rate": 0.1, "wd": 0.01}, "update"),
    ("sgd_mom", "sgd", {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01}, "update"),
    ("sgd_mom_clip_rescale", "sgd", {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.001,
                                      "clip_gradient": 1.5, "rescale_grad": 0.5}, "update"),
    ("sgd_sched", "sgd", {"momentum": 0.5, "lr_scheduler": FACTOR}, "update"),
    ("sgd_mp", "sgd", {"learning_rate": 0.1, "momentum": 0.9, "multi_precision": True},
     "mp"),
    ("sgd_mp_nomom", "sgd", {"learning_rate": 0.1, "multi_precision": True}, "mp"),
    ("sgd_updater", "sgd", {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.1,
                            "lr_scheduler": FACTOR}, "updater"),
    ("ccsgd_mom", "ccsgd", {"learning_rate": 0.1, "momentum": 0.9}, "update"),
    ("nag_plain", "nag", {"learning_rate": 0.1, "wd": 0.01}, "update"),
    ("nag_mom", "nag", {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01}, "update"),
    ("nag_mom_clip", "nag", {"learning_rate": 0.1, "momentum": 0.9, "clip_gradient": 1.0,
                             "rescale_grad": 0.7}, "update"),
    ("nag_mp", "nag", {"learning_rate": 0.1, "momentum": 0.9, "multi_precision": True}, "mp"),
    ("adam_default", "adam", {}, "update"),
    ("adam_wd_clip", "adam", {"learning_rate": 0.01, "wd": 0.1, "clip_gradient": 0.5,
                              "rescale_grad": 2.0}, "update"),
    ("adam_betas", "adam", {"learning_rate": 0.05, "beta1": 0.5, "beta2": 0.9,
                            "epsilon": 1e-3}, "update"),
    ("adam_mp", "adam", {"learning_rate": 0.01, "multi_precision": True}, "mp"),
    ("adam_updater", "adam", {"learning_rate": 0.01, "wd": 0.1}, "updater"),
    ("adamax", "adamax", {"wd": 0.01, "clip_gradient": 3.0}, "update"),
    ("adagrad", "adagrad", {"learning_rate": 0.1}, "update"),
    ("adagrad_wd_clip", "adagrad", {"learning_rate": 0.1, "wd": 0.01, "clip_gradient": 1.0,
                                    "rescale_grad": 0.5, "eps": 1e-3}, "update"),
    ("rmsprop", "rmsprop", {"learning_rate": 0.01}, "update"),
    ("rmsprop_wd_clip", "rmsprop", {"learning_rate": 0.01, "wd": 0.05, "gamma1": 0.8,
                                    "clip_gradient": 1.0, "clip_weights": 1.2},
     "update"),
    ("rmsprop_centered", "rmsprop", {"learning_rate": 0.01, "centered": True}, "update"),
    ("rmsprop_centered_wd", "rmsprop", {"learning_rate": 0.01, "centered": True,
                                        "wd": 0.05, "gamma1": 0.95, "gamma2": 0.8,
                                        "rescale_grad": 0.5}, "update"),
    ("adadelta", "adadelta", {}, "update"),
    ("adadelta_wd_clip", "adadelta", {"wd": 0.01, "rho": 0.8, "clip_gradient": 1.0,
                                      "rescale_grad": 0.5, "epsilon": 1e-4}, "update"),
    ("signum", "signum", {}, "update"),
    ("signum_wd", "signum", {"learning_rate": 0.05, "momentum": 0.8, "wd": 0.1,
                             "wd_lh": 0.05, "clip_gradient": 1.0}, "update"),
    ("signsgd", "signum", {"learning_rate": 0.05, "momentum": 0.0, "wd": 0.1,
                           "rescale_grad": 0.1}, "update"),
    ("ftrl", "ftrl", {}, "update"),
    ("ftrl_wd", "ftrl", {"learning_rate": 0.5, "lamda1": 0.2, "beta": 0.5, "wd": 0.1,
                         "clip_gradient": 2.0}, "update"),
    ("ftml", "ftml", {"learning_rate": 0.01}, "update"),
    ("ftml_wd_clip", "ftml", {"learning_rate": 0.05, "wd": 0.1, "clip_gradient": 1.0,
                              "beta1": 0.5, "beta2": 0.9}, "update"),
    ("lamb", "lamb", {"learning_rate": 0.01}, "update"),
    ("lamb_wd_bounds", "lamb", {"learning_rate": 0.01, "wd": 0.1, "lower_bound": 1e-3,
                                "upper_bound": 1.5, "clip_gradient": 1.0}, "update"),
    ("lamb_nobias", "lamb", {"learning_rate": 0.01, "bias_correction": False,
                             "rescale_grad": 0.5}, "update"),
    # A single-index LAMB update_multi_precision never writes MXNet's float32 master
    # copy (mp_lamb_update_phase2 outputs only the float16 weight); Module goes
    # through the updater's aggregated multi_mp_lamb_update, which does.
    ("lamb_mp_updater", "lamb", {"learning_rate": 0.01, "wd": 0.01,
                                 "multi_precision": True}, "mp_updater"),
    ("sgd_mp_updater", "sgd", {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01,
                               "multi_precision": True}, "mp_updater"),
    ("adam_mp_updater", "adam", {"learning_rate": 0.01, "multi_precision": True},
     "mp_updater"),
    ("lamb_updater", "lamb", {"learning_rate": 0.01, "wd": 0.1}, "updater"),
]


def run_optimizer_case(opt_name, kwargs, mode, w0, grads, w1, grads1):
    kw = dict(kwargs)
    if "lr_scheduler" in kw:
        kw["lr_scheduler"] = make_scheduler(kw["lr_scheduler"])
    if mode in ("updater", "mp_updater"):
        kw["param_idx2name"] = {0: "fc_weight", 1: "fc_bias"}
    opt = mx.optimizer.create(opt_name, **kw)
    record = {"weights": [], "lrs": []}
    if mode in ("updater", "mp_updater"):
        dtype = np.float16 if mode == "mp_updater" else np.float32
        updater = mx.optimizer.get_updater(opt)
        weights = [mx.nd.array(w0, dtype=dtype), mx.nd.array(w1, dtype=dtype)]
        record["weights1"] = []
        for k in range(N_STEPS):
            updater([0, 1], [mx.nd.array(grads[k], dtype=dtype),
                             mx.nd.array(grads1[k], dtype=dtype)], weights)
            mx.nd.waitall()
            record["weights"].append(as_list(weights[0]))
            record["weights1"].append(as_list(weights[1]))
            record["lrs"].append(opt.learning_rate)
        record["state"] = state_to_json(updater.states[0])
        record["state1"] = state_to_json(updater.states[1])
        record["num_update"] = opt.num_update
        return record
    dtype = np.float16 if mode == "mp" else np.float32
    weight = mx.nd.array(w0, dtype=dtype)
    if mode == "mp":
        state = opt.create_state_multi_precision(0, weight)
    else:
        state = opt.create_state(0, weight)
    for k in range(N_STEPS):
        grad = mx.nd.array(grads[k], dtype=dtype)
        if mode == "mp":
            opt.update_multi_precision(0, weight, grad, state)
        else:
            opt.update(0, weight, grad, state)
        mx.nd.waitall()
        record["weights"].append(as_list(weight))
        record["lrs"].append(opt.learning_rate)
        if k == 0:
            # AdaDelta scales the caller's gradient array in place.
            record["grad_after_first_update"] = as_list(grad)
    record["state"] = state_to_json(state)
    record["num_update"] = opt.num_update
    return record


def record_optimizers():
    w0, grads, w1, grads1 = inputs()
    cases = {}
    for case, name, kwargs, mode in OPT_CASES:
        cases[case] = {"optimizer": name, "kwargs": kwargs, "mode": mode,
                       **run_optimizer_case(name, kwargs, mode, w0, grads, w1, grads1)}
    return {"_generated_by": COMMAND, "w0": as_list(w0), "grads": [as_list(g) for g in grads],
            "w1": as_list(w1), "grads1": [as_list(g) for g in grads1],
            "registered": sorted(mx.optimizer.Optimizer.opt_registry), "cases": cases}


SCHED_CASES = [
    ("factor", "FactorScheduler", {"step": 3, "factor": 0.5, "base_lr": 1.0}),
    ("factor_stop", "FactorScheduler", {"step": 2, "factor": 0.1, "base_lr": 1.0,
                                        "stop_factor_lr": 1e-3}),
    ("factor_warmup", "FactorScheduler", {"step": 4, "factor": 0.5, "base_lr": 0.8,
                                          "warmup_steps": 4, "warmup_begin_lr": 0.1}),
    ("factor_warmup_const", "FactorScheduler", {"step": 4, "factor": 0.9, "base_lr": 0.8,
                                                "warmup_steps": 3, "warmup_begin_lr": 0.2,
                                                "warmup_mode": "constant"}),
    ("multifactor", "MultiFactorScheduler", {"step": [2, 5, 7], "factor": 0.5,
                                             "base_lr": 1.0}),
    ("multifactor_warmup", "MultiFactorScheduler", {"step": [4, 8], "factor": 0.1,
                                                    "base_lr": 0.5, "warmup_steps": 3}),
    ("poly", "PolyScheduler", {"max_update": 10, "base_lr": 1.0, "pwr": 2}),
    ("poly_final_warmup", "PolyScheduler", {"max_update": 12, "base_lr": 1.0, "pwr": 1.5,
                                            "final_lr": 0.1, "warmup_steps": 3,
                                            "warmup_begin_lr": 0.05}),
    ("cosine", "CosineScheduler", {"max_update": 10, "base_lr": 1.0}),
    ("cosine_final_warmup", "CosineScheduler", {"max_update": 12, "base_lr": 2.0,
                                                "final_lr": 0.2, "warmup_steps": 4,
                                                "warmup_begin_lr": 0.1}),
]


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.INFO)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def record_schedulers():
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    out = {}
    for case, cls, kwargs in SCHED_CASES:
        sched = getattr(mx.lr_scheduler, cls)(**kwargs)
        cap = _Capture()
        root.addHandler(cap)
        # Forwards, then a jump back and forward again (the schedulers are stateful).
        seq = list(range(16)) + [3, 20]
        lrs = [sched(n) for n in seq]
        root.removeHandler(cap)
        out[case] = {"class": cls, "kwargs": kwargs, "num_updates": seq, "lrs": lrs,
                     "log": cap.messages}
    # An optimizer's learning_rate overrides the scheduler's base_lr, not its warmup
    # target; PolyScheduler keeps its own copy of the original base_lr.
    overrides = {}
    for cls, kwargs in [("FactorScheduler", {"step": 2, "factor": 0.5, "base_lr": 1.0,
                                             "warmup_steps": 2}),
                        ("PolyScheduler", {"max_update": 6, "base_lr": 1.0})]:
        sched = getattr(mx.lr_scheduler, cls)(**kwargs)
        mx.optimizer.SGD(learning_rate=0.3, lr_scheduler=sched)  # overrides base_lr
        overrides[cls] = {"kwargs": kwargs, "learning_rate": 0.3,
                          "lrs": [sched(n) for n in range(8)]}
    return {"_generated_by": COMMAND, "cases": out, "optimizer_override": overrides}


def record_initializers():
    out = {"_generated_by": COMMAND}
    # dumps()
    inits = {"zero": mx.init.Zero(), "one": mx.init.One(), "constant": mx.init.Constant(0.5),
             "uniform": mx.init.Uniform(0.2), "normal": mx.init.Normal(0.3),
             "xavier": mx.init.Xavier(factor_type="in", magnitude=2.34),
             "msraprelu": mx.init.MSRAPrelu(slope=0.1), "bilinear": mx.init.Bilinear(),
             "lstmbias": mx.init.LSTMBias(forget_bias=2.0),
             "orthogonal": mx.init.Orthogonal(scale=1.1, rand_type="normal")}
    out["dumps"] = {k: v.dumps() for k, v in inits.items()}
    out["registered"] = sorted(mx.registry._REGISTRY[mx.init.Initializer])

    # Dispatch of Initializer.__call__ with InitDesc (attrs as Module passes them).
    names = {"fc1_weight": (3, 4), "fc1_bias": (3,), "bn1_gamma": (3,), "bn1_beta": (3,),
             "q_min": (2,), "q_max": (2,)}
    data = mx.sym.Variable("data")
    v = mx.sym.Variable("myvar", shape=(2, 2), init=mx.init.Constant(4.0))
    net = mx.sym.BatchNorm(mx.sym.FullyConnected(data, num_hidden=3, name="fc1"),
                           name="bn1")
    net = mx.sym.Group([net, v])
    attrs = net.attr_dict()
    out["attr_dict"] = attrs
    desc_names = dict(names, bn1_moving_mean=(3,), bn1_moving_var=(3,), myvar=(2, 2))
    dispatch = {}
    for init_name, init in [("constant", mx.init.Constant(0.5)), ("zero", mx.init.Zero()),
                            ("one", mx.init.One())]:
        res = {}
        for name, shape in sorted(desc_names.items()):
            arr = mx.nd.full(shape, -7.0)
            init(mx.init.InitDesc(name, attrs.get(name, None)), arr)
            res[name] = as_list(arr)
        dispatch[init_name] = res
    out["desc_dispatch"] = dispatch

    # The legacy str path (FeedForward) dispatches on more suffixes.
    legacy_names = {"upsampling0_weight": (1, 1, 4, 4), "stn_loc_weight": (6, 4),
                    "stn_loc_bias": (6,), "fc_bias": (3,), "bn_gamma": (3,), "bn_beta": (3,),
                    "fc_weight": (2, 3), "bn_moving_mean": (3,), "bn_moving_var": (3,),
                    "bn_moving_inv_var": (3,), "bn_moving_avg": (3,), "q_min": (2,),
                    "q_max": (2,)}
    legacy = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, shape in sorted(legacy_names.items()):
            arr = mx.nd.full(shape, -7.0)
            mx.init.Constant(0.5)(name, arr)
            legacy[name] = {"shape": list(shape), "value": as_list(arr)}
    out["legacy_dispatch"] = legacy

    # Deterministic initializers.
    det = {}
    for shape in [(1, 1, 4, 4), (2, 1, 3, 3), (1, 2, 5, 4)]:
        arr = mx.nd.zeros(shape)
        mx.init.Bilinear()(mx.init.InitDesc("up_weight"), arr)
        det[f"bilinear_{'x'.join(map(str, shape))}"] = as_list(arr)
    arr = mx.nd.zeros((12,))
    mx.init.LSTMBias(forget_bias=2.0)(mx.init.InitDesc("lstm_i2h_bias", {"__init__":
                                       mx.init.LSTMBias(forget_bias=2.0).dumps()}), arr)
    det["lstmbias_12"] = as_list(arr)
    arr = mx.nd.zeros((8,))
    mx.init.LSTMBias(forget_bias=3.0)._init_weight("x", arr)
    det["lstmbias_weight_8"] = as_list(arr)
    out["deterministic"] = det

    # Load: arg:/aux: prefixes stripped, plain keys kept, extra keys ignored, and the
    # default_init dispatching on the name for the rest.
    params = {"arg:fc1_weight": np.arange(12, dtype=np.float32).reshape(3, 4),
              "aux:bn1_moving_mean": np.array([1.5, 2.5, 3.5], np.float32),
              "bn1_gamma": np.array([9.0, 8.0, 7.0], np.float32),
              "unused_extra": np.ones(2, np.float32)}
    load_cases = {}
    for default_name, default in [("constant", mx.init.Constant(0.01)),
                                  ("xavier", mx.init.Xavier())]:
        loader = mx.init.Load({k: mx.nd.array(v) for k, v in params.items()},
                              default_init=default)
        res_desc, res_str = {}, {}
        for name, shape in sorted(desc_names.items()):
            if default_name == "xavier" and name.endswith("weight") and name != "fc1_weight":
                continue
            arr = mx.nd.full(shape, -7.0)
            loader(mx.init.InitDesc(name, attrs.get(name, None)), arr)
            res_desc[name] = as_list(arr)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name, shape in sorted(desc_names.items()):
                if name == "myvar" or (default_name == "xavier" and name.endswith("weight")
                                       and name != "fc1_weight"):
                    continue
                arr = mx.nd.full(shape, -7.0)
                loader(name, arr)
                res_str[name] = as_list(arr)
        load_cases[default_name] = {"desc": res_desc, "str": res_str}
    out["load"] = {"params": {k: as_list(v) for k, v in params.items()},
                   "cases": load_cases}
    loader = mx.init.Load({k: mx.nd.array(v) for k, v in params.items()})
    try:
        loader(mx.init.InitDesc("fc1_weight"), mx.nd.zeros((4, 3)))
    except AssertionError as err:
        out["load"]["shape_mismatch_message"] = str(err)

    # Mixed: first matching pattern (re.match: anchored at the start) wins.
    mixed = mx.init.Mixed(["bias", ".*gamma", ".*"],
                          [mx.init.Zero(), mx.init.Constant(2.0), mx.init.Constant(3.0)])
    res = {}
    for name in ["bias_weight", "fc1_bias", "bn1_gamma", "fc1_weight"]:
        arr = mx.nd.full((2,), -7.0)
        mixed(mx.init.InitDesc(name), arr)
        res[name] = as_list(arr)
    out["mixed"] = res

    # Random initializers: statistics of MXNet's draws on big arrays.
    stats = {}
    mx.random.seed(0)
    for case, init, shape in [
            ("uniform", mx.init.Uniform(0.2), (64, 64)),
            ("normal", mx.init.Normal(0.3), (64, 64)),
            ("xavier_avg_uniform", mx.init.Xavier(), (64, 32, 3, 3)),
            ("xavier_in_gaussian", mx.init.Xavier("gaussian", "in", 2), (64, 32, 3, 3)),
            ("xavier_out_uniform", mx.init.Xavier("uniform", "out", 3), (48, 100)),
            ("msraprelu", mx.init.MSRAPrelu(), (64, 32, 3, 3)),
            ("msraprelu_in", mx.init.MSRAPrelu("in", 0.5), (128, 64))]:
        arr = mx.nd.zeros(shape)
        init(mx.init.InitDesc("w_weight"), arr)
        x = arr.asnumpy()
        stats[case] = {"dumps": init.dumps(), "shape": list(shape),
                       "mean": float(x.mean()), "std": float(x.std()),
                       "max_abs": float(np.abs(x).max())}
    for case, init, shape in [("orthogonal_uniform", mx.init.Orthogonal(), (6, 10)),
                              ("orthogonal_normal_tall", mx.init.Orthogonal(0.5, "normal"),
                               (10, 2, 2)),
                              ("orthogonal_conv", mx.init.Orthogonal(1.0), (4, 2, 3, 3))]:
        arr = mx.nd.zeros(shape)
        init(mx.init.InitDesc("w_weight"), arr)
        m = arr.asnumpy().reshape(shape[0], -1)
        stats[case] = {"dumps": init.dumps(), "shape": list(shape),
                       "gram_rows": as_list(m @ m.T), "gram_cols": as_list(m.T @ m)}
    out["random_stats"] = stats
    try:
        mx.init.Xavier()(mx.init.InitDesc("v_weight"), mx.nd.zeros((3,)))
    except ValueError as err:
        out["xavier_vector_error"] = str(err)
    try:
        mx.init.Uniform()(mx.init.InitDesc("mystery"), mx.nd.zeros((3,)))
    except ValueError as err:
        out["unknown_pattern_error"] = str(err)
    return out


def nd_list(arrs):
    return [mx.nd.array(a) for a in arrs]


def record_metrics():
    rng = np.random.RandomState(1)
    prob = rng.dirichlet(np.ones(4), size=6).astype(np.float32)
    label = np.array([0, 1, 3, 3, 2, 1], np.float32)
    prob2 = rng.dirichlet(np.ones(4), size=5).astype(np.float32)
    label2 = np.array([2, 2, 0, 1, 3], np.float32)
    bprob = rng.dirichlet(np.ones(2), size=8).astype(np.float32)
    blabel = np.array([0, 1, 1, 0, 1, 1, 0, 0], np.float32)
    bprob2 = rng.dirichlet(np.ones(2), size=6).astype(np.float32)
    blabel2 = np.array([1, 1, 0, 1, 0, 1], np.float32)
    reg_p = rng.normal(size=(6, 2)).astype(np.float32)
    reg_l = rng.normal(size=(6, 2)).astype(np.float32)
    reg_p2 = rng.normal(size=(4,)).astype(np.float32)
    reg_l2 = rng.normal(size=(4,)).astype(np.float32)
    seq_prob = rng.dirichlet(np.ones(5), size=6).astype(np.float32)
    seq_label = np.array([[0, 4, -1], [2, -1, 1]], np.float32)
    loss_out = rng.uniform(size=(5,)).astype(np.float32)
    data = {
        "cls1": ([label], [prob]), "cls2": ([label2], [prob2]),
        "cls1T": ([label], [np.ascontiguousarray(prob.T)]),
        "bin1": ([blabel], [bprob]), "bin2": ([blabel2], [bprob2]),
        "reg1": ([reg_l], [reg_p]), "reg2": ([reg_l2], [reg_p2]),
        "seq1": ([seq_label], [seq_prob]),
        "loss1": ([], [loss_out]),
        "argmax1": ([label], [prob.argmax(axis=1).astype(np.float32)]),
    }
    cases = [
        ("accuracy", "acc", {}, ["cls1", "cls2"]),
        ("accuracy_argmax", "accuracy", {}, ["argmax1", "cls2"]),
        ("accuracy_axis0", "acc", {"axis": 0}, ["cls1T"]),
        ("topk", "top_k_accuracy", {"top_k": 2}, ["cls1", "cls2"]),
        ("topk3", "top_k_acc", {"top_k": 3}, ["cls1", "cls2"]),
        ("f1_macro", "f1", {}, ["bin1", "bin2"]),
        ("f1_micro", "f1", {"average": "micro"}, ["bin1", "bin2"]),
        ("mcc_macro", "mcc", {}, ["bin1", "bin2"]),
        ("mcc_micro", "mcc", {"average": "micro"}, ["bin1", "bin2"]),
        ("mae", "mae", {}, ["reg1", "reg2"]),
        ("mse", "mse", {}, ["reg1", "reg2"]),
        ("rmse", "rmse", {}, ["reg1", "reg2"]),
        ("ce", "ce", {}, ["cls1", "cls2"]),
        ("ce_eps", "crossentropy", {"eps": 1e-3}, ["cls1", "cls2"]),
        ("nll", "nll_loss", {}, ["cls1", "cls2"]),
        ("perplexity_ignore", "perplexity", {"ignore_label": -1}, ["seq1", "seq1"]),
        ("perplexity_none", "perplexity", {"ignore_label": None}, ["cls1", "cls2"]),
        ("pearson_macro", "pearsonr", {}, ["reg1", "reg1"]),
        ("pearson_micro", "pearsonr", {"average": "micro"}, ["reg1", "reg2"]),
        ("pcc", "pcc", {}, ["cls1", "cls2"]),
        ("loss", "loss", {}, ["loss1", "loss1"]),
    ]
    out = {}
    for case, name, kwargs, batches in cases:
        metric = mx.metric.create(name, **kwargs)
        rec = {"name": name, "kwargs": kwargs, "batches": batches}
        for b in batches:
            labels, preds = data[b]
            metric.update(nd_list(labels), nd_list(preds))
        rec["get"] = list(metric.get())
        rec["get_name_value"] = [list(x) for x in metric.get_name_value()]
        # Local vs global counters: reset_local, one more batch.
        metric.reset_local()
        labels, preds = data[batches[0]]
        metric.update(nd_list(labels), nd_list(preds))
        rec["after_reset_local_get"] = list(metric.get())
        rec["after_reset_local_get_global"] = list(metric.get_global())
        rec["num_inst"] = float(metric.num_inst)
        rec["global_num_inst"] = float(metric.global_num_inst)
        metric.reset()
        rec["after_reset_get"] = list(metric.get())
        if name not in ("pcc",):
            rec["config"] = metric.get_config()
        out[case] = rec

    def feval(label, pred):
        return float(np.abs(label - pred).sum())

    def feval_tuple(label, pred):
        return float(np.abs(label - pred).sum()), label.size

    custom = {}
    for case, fn in [("custom", feval), ("custom_tuple", feval_tuple)]:
        metric = mx.metric.create(fn)
        for b in ["reg1", "reg1"]:
            labels, preds = data[b]
            metric.update(nd_list(labels), nd_list(preds))
        custom[case] = {"name": metric.name, "get": list(metric.get())}
    metric = mx.metric.np(lambda label, pred: float((label * pred).sum()))
    labels, preds = data["reg1"]
    metric.update(nd_list(labels), nd_list(preds))
    custom["np_lambda"] = {"name": metric.name, "get": list(metric.get())}
    comp = mx.metric.create(["acc", "ce", mx.metric.TopKAccuracy(top_k=2)])
    for b in ["cls1", "cls2"]:
        labels, preds = data[b]
        comp.update(nd_list(labels), nd_list(preds))
    custom["composite"] = {"name": comp.name, "get": [list(x) for x in comp.get()],
                           "get_name_value": [list(x) for x in comp.get_name_value()],
                           "config": comp.get_config()}
    nan_metric = mx.metric.create("acc")
    custom["empty_get"] = [nan_metric.get()[0], str(nan_metric.get()[1])]
    custom["str"] = str(mx.metric.create("mse"))
    return {"_generated_by": COMMAND, "data": {k: [[as_list(x) for x in v[0]],
                                                   [as_list(x) for x in v[1]]]
                                               for k, v in data.items()},
            "registered": sorted(mx.registry._REGISTRY[mx.metric.EvalMetric]),
            "cases": out, "custom": custom}


def record_multipliers():
    """The lr/wd each parameter gets after Module.init_optimizer, for each way of
    giving the optimizer. The symbol: fc1 with an explicit weight Variable carrying
    lr_mult/wd_mult, fc2 with op-level __lr_mult__/__wd_mult__ (inherited by its
    auto-created weight and bias), BatchNorm gamma/beta."""
    data = mx.sym.Variable("data")
    w = mx.sym.Variable("fc1_weight", lr_mult=2.0, wd_mult=3.0)
    net = mx.sym.FullyConnected(data, weight=w, num_hidden=4, name="fc1")
    net = mx.sym.BatchNorm(net, name="bn1")
    net = mx.sym.FullyConnected(net, num_hidden=3, name="fc2",
                                attr={"__lr_mult__": "0.5", "__wd_mult__": "0.1"})
    net = mx.sym.SoftmaxOutput(net, name="softmax")
    kw = {"learning_rate": 0.5, "wd": 0.5}
    variants = {
        "string": ("sgd", kw),
        "instance": (mx.optimizer.SGD(**kw), None),
        "instance_sym": (mx.optimizer.SGD(sym=net, **kw), None),
        "instance_idx2name": (mx.optimizer.SGD(param_idx2name={0: "fc1_weight",
                                                               1: "fc1_bias"}, **kw), None),
    }
    out = {"_generated_by": COMMAND, "attr_dict": net.attr_dict(),
           "arguments": net.list_arguments(), "optimizer_kwargs": kw, "cases": {}}
    for case, (opt, params) in variants.items():
        mod = mx.mod.Module(net, data_names=["data"], label_names=["softmax_label"])
        mod.bind(data_shapes=[("data", (2, 5))], label_shapes=[("softmax_label", (2,))])
        mod.init_params(mx.init.Uniform(0.1))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if params is None:
                mod.init_optimizer(optimizer=opt)
            else:
                mod.init_optimizer(optimizer=opt, optimizer_params=params)
        o = mod._optimizer
        out["cases"][case] = {
            "idx2name": {str(k): v for k, v in o.idx2name.items()},
            "lr_mult": o.lr_mult, "wd_mult": o.wd_mult,
            "lr": {o.idx2name[i]: o._get_lr(i) for i in sorted(o.idx2name)},
            "wd": {o.idx2name[i]: o._get_wd(i) for i in sorted(o.idx2name)},
            "rescale_grad": o.rescale_grad}
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    logging.getLogger().setLevel(logging.WARNING)
    outputs = {"optimizers.json": record_optimizers(),
               "lr_schedulers.json": record_schedulers(),
               "initializers.json": record_initializers(),
               "metrics.json": record_metrics(),
               "multipliers.json": record_multipliers()}
    total = 0
    for fname, content in outputs.items():
        path = os.path.join(OUT, fname)
        with open(path, "w") as f:
            json.dump(content, f, indent=None, sort_keys=True)
            f.write("\n")
        total += os.path.getsize(path)
        print(f"wrote {path} ({os.path.getsize(path)} bytes)")
    print(f"total {total} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
