"""Optimizers against MXNet 1.9.1's recorded updates (tests/data/train_math/optimizers.json,
written by tools/record_train_math_fixtures.py), through both the imperative and the
functional API."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxsym as mx
from jaxsym.base import MXNetError
from jaxsym.train import lr_scheduler as lrs
from jaxsym.train import optimizer as opt_mod
from jaxsym.train.optimizer import SGD, MasterState, OptaxOptimizer, Optimizer

DATA = Path(__file__).resolve().parents[1] / "data" / "train_math"
FIX = json.loads((DATA / "optimizers.json").read_text())
MULT = json.loads((DATA / "multipliers.json").read_text())
W0 = np.array(FIX["w0"], np.float32)
GRADS = [np.array(g, np.float32) for g in FIX["grads"]]
W1 = np.array(FIX["w1"], np.float32)
GRADS1 = [np.array(g, np.float32) for g in FIX["grads1"]]
IDX2NAME = {0: "fc_weight", 1: "fc_bias"}
SINGLE = [k for k, c in FIX["cases"].items() if c["mode"] in ("update", "mp")]
UPDATER = [k for k, c in FIX["cases"].items() if "updater" in c["mode"]]


def nd_array(value):
    """A real NDArray of `value`, keeping its dtype (float16 for multi-precision)."""
    value = np.asarray(value)
    return mx.nd.array(value, dtype=value.dtype)


def make_optimizer(case: dict, **extra) -> Optimizer:
    kwargs = dict(case["kwargs"], **extra)
    if "lr_scheduler" in kwargs:
        name, sched_kwargs = kwargs["lr_scheduler"]
        kwargs["lr_scheduler"] = getattr(lrs, name)(**sched_kwargs)
    if "updater" in case["mode"]:
        kwargs["param_idx2name"] = dict(IDX2NAME)
    return opt_mod.create(case["optimizer"], **kwargs)


def flatten(state):
    if state is None:
        return []
    if isinstance(state, (tuple, list)):
        return [leaf for item in state for leaf in flatten(item)]
    return [np.asarray(state.asnumpy() if hasattr(state, "asnumpy") else state)]


def flatten_recorded(state):
    if state is None:
        return []
    if isinstance(state, list):
        return [leaf for item in state for leaf in flatten_recorded(item)]
    return [np.array(state["value"], np.dtype(state["dtype"]))]


def tolerances(dtype) -> dict:
    if np.dtype(dtype) == np.float16:
        return {"rtol": 2e-3, "atol": 2e-3}
    return {"rtol": 1e-5, "atol": 2e-6}


def check_state(state, recorded):
    mine, ref = flatten(state), flatten_recorded(recorded)
    assert len(mine) == len(ref)
    for a, b in zip(mine, ref, strict=False):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=2e-6)


@pytest.fixture(autouse=True)
def _quiet_float16_warning():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Accumulating with float16")
        yield


@pytest.mark.parametrize("case_name", SINGLE)
def test_update_matches_mxnet(case_name):
    case = FIX["cases"][case_name]
    opt = make_optimizer(case)
    dtype = np.float16 if case["mode"] == "mp" else np.float32
    weight = W0.astype(dtype)
    if case["mode"] == "mp":
        state = opt.create_state_multi_precision(0, weight)
    else:
        state = opt.create_state(0, weight)
    for k in range(5):
        grad = GRADS[k].astype(dtype)
        if case["mode"] == "mp":
            opt.update_multi_precision(0, weight, grad, state)
        else:
            opt.update(0, weight, grad, state)
        np.testing.assert_allclose(weight, np.array(case["weights"][k]), **tolerances(dtype))
        assert opt.learning_rate == pytest.approx(case["lrs"][k])
        if k == 0 and "grad_after_first_update" in case:
            np.testing.assert_allclose(grad, case["grad_after_first_update"], rtol=1e-6)
    check_state(state, case["state"])
    assert opt.num_update == case["num_update"]


@pytest.mark.parametrize("case_name", UPDATER)
def test_updater_matches_mxnet(case_name):
    case = FIX["cases"][case_name]
    opt = make_optimizer(case)
    updater = opt_mod.get_updater(opt)
    dtype = np.float16 if case["mode"] == "mp_updater" else np.float32
    weights = [W0.astype(dtype), W1.astype(dtype)]
    for k in range(5):
        updater([0, 1], [GRADS[k].astype(dtype), GRADS1[k].astype(dtype)], weights)
        np.testing.assert_allclose(weights[0], case["weights"][k], **tolerances(dtype))
        np.testing.assert_allclose(weights[1], case["weights1"][k], **tolerances(dtype))
        assert opt.learning_rate == pytest.approx(case["lrs"][k])
    check_state(updater.states[0], case["state"])
    check_state(updater.states[1], case["state1"])


@pytest.mark.parametrize("case_name", ["sgd_mom", "adam_wd_clip", "rmsprop_centered",
                                       "sgd_mp", "lamb"])
def test_update_on_ndarray_weights(case_name):
    """NDArray weights get NDArray states, written in place through x[:] = v."""
    case = FIX["cases"][case_name]
    opt = make_optimizer(case)
    dtype = np.float16 if case["mode"] == "mp" else np.float32
    weight = nd_array(W0.astype(dtype))
    state = opt.create_state_multi_precision(0, weight)
    assert all(isinstance(s, mx.nd.NDArray) for s in jax.tree_util.tree_leaves(
        state, is_leaf=lambda x: isinstance(x, mx.nd.NDArray)))
    for k in range(5):
        opt.update_multi_precision(0, weight, nd_array(GRADS[k].astype(dtype)), state)
    np.testing.assert_allclose(weight.asnumpy(), case["weights"][-1], **tolerances(dtype))
    check_state(state, case["state"])


def run_functional(case: dict, jit_step) -> tuple[np.ndarray, object]:
    opt = make_optimizer(case)
    dtype = jnp.float16 if case["mode"] == "mp" else jnp.float32
    weight = jnp.asarray(W0, dtype)
    state = opt.init_state(weight)
    for k in range(5):
        lr, wd = opt.hyperparams(0)
        t = opt._index_update_count[0]
        weight, state = jit_step(opt)(weight, jnp.asarray(GRADS[k], dtype), state, lr, wd, t)
        np.testing.assert_allclose(np.asarray(weight), case["weights"][k],
                                   **tolerances(dtype))
    return np.asarray(weight), state


@pytest.mark.parametrize("case_name", SINGLE)
def test_functional_step_matches_mxnet(case_name):
    case = FIX["cases"][case_name]
    # The compiled step the imperative path uses, called through the functional API.
    _, state = run_functional(case, lambda opt: opt._jitted_step())
    if case["mode"] == "mp":
        layout = (state.inner, state.weight32) if opt_mod.create(
            case["optimizer"])._MASTER_LAST else (state.weight32, state.inner)
        check_state(layout, case["state"])
    else:
        check_state(state, case["state"])


def test_functional_step_inside_one_jit_over_many_parameters():
    """The shape of jaxsym's training step: all parameters updated in one jit."""
    opt = SGD(learning_rate=0.1, momentum=0.9, wd=0.1, param_idx2name=dict(IDX2NAME),
              lr_scheduler=lrs.FactorScheduler(step=2, factor=0.5, base_lr=0.1))
    case = FIX["cases"]["sgd_updater"]
    params = [jnp.asarray(W0), jnp.asarray(W1)]
    states = [opt.init_state(p) for p in params]

    @jax.jit
    def train_step(params, grads, states, lrs_, wds_, ts_):
        out = [opt.step(p, g, s, lrs_[i], wds_[i], ts_[i])
               for i, (p, g, s) in enumerate(zip(params, grads, states, strict=False))]
        return [o[0] for o in out], [o[1] for o in out]

    for k in range(5):
        lrs_, wds_, ts_ = opt.step_inputs([0, 1])
        params, states = train_step(params, [jnp.asarray(GRADS[k]), jnp.asarray(GRADS1[k])],
                                    states, lrs_, wds_, ts_)
        np.testing.assert_allclose(params[0], case["weights"][k], rtol=1e-5, atol=2e-6)
        np.testing.assert_allclose(params[1], case["weights1"][k], rtol=1e-5, atol=2e-6)
    assert train_step._cache_size() == 1


def test_changing_lr_does_not_retrace():
    opt = opt_mod.Adam(learning_rate=0.01, wd=0.1)
    traces = []

    def step(w, g, s, lr, wd, t):
        traces.append(1)
        return opt.step(w, g, s, lr, wd, t)

    jitted = jax.jit(step)
    w = jnp.asarray(W0)
    s = opt.init_state(w)
    for i, lr in enumerate([0.1, 0.05, 0.001, 0.3]):
        w, s = jitted(w, jnp.asarray(GRADS[i]), s, lr, 0.1 * i, i + 1)
    assert len(traces) == 1


def test_imperative_path_compiles_once_across_lr_changes():
    opt = SGD(learning_rate=0.1, momentum=0.9)
    w = W0.copy()
    state = opt.create_state(0, w)
    opt.update(0, w, GRADS[0], state)
    jitted = opt._jitted_step()
    compiled = jitted._cache_size()
    for k, lr in enumerate([0.2, 0.05, 0.5, 0.01]):
        opt.set_learning_rate(lr)
        opt.update(0, w, GRADS[k + 1], state)
    assert jitted._cache_size() == compiled
    assert SGD(learning_rate=0.3, momentum=0.9)._jitted_step() is jitted
    opt.momentum = 0.5  # a compile-time constant: a new compiled step, not a stale one
    assert opt._jitted_step() is not jitted


def test_static_config_lists_compile_time_constants():
    opt = opt_mod.RMSProp(centered=True, clip_gradient=2.0)
    config = dict(opt.static_config())
    assert config["centered"] is True and config["clip_gradient"] == 2.0
    assert "lr" not in config and "wd" not in config


def test_master_state_layout():
    opt = SGD(momentum=0.9, multi_precision=True)
    state = opt.init_state(jnp.asarray(W0, jnp.float16))
    assert isinstance(state, MasterState)
    assert state.weight32.dtype == jnp.float32 and state.inner.dtype == jnp.float32
    adam = opt_mod.Adam(multi_precision=True)
    mx_layout = adam.create_state_multi_precision(0, W0.astype(np.float16))
    assert mx_layout[0].dtype == np.float32 and len(mx_layout[1]) == 2
    sgd_layout = opt.create_state_multi_precision(0, W0.astype(np.float16))
    assert sgd_layout[1].dtype == np.float32  # SGD keeps MXNet's (mom, weight32)


def test_adadelta_scales_the_callers_gradient_through_the_updater_too():
    grad = GRADS[0].copy()
    opt_mod.get_updater(opt_mod.AdaDelta(rescale_grad=0.5))(0, grad, W0.copy())
    np.testing.assert_allclose(grad, GRADS[0] * 0.5)


def test_float16_without_multi_precision_warns():
    with pytest.warns(UserWarning, match="multi_precision"):
        SGD().create_state_multi_precision(0, W0.astype(np.float16))


# -- hyperparameters and multipliers -------------------------------------------------


class FakeSymbol:
    def __init__(self, attr_dict, arguments):
        self._attrs, self._args = attr_dict, arguments

    def attr_dict(self):
        return self._attrs

    def list_arguments(self):
        return self._args


def module_optimizer(case: str) -> Optimizer:
    """Rebuild what Module.init_optimizer builds, without MXNet."""
    sym = FakeSymbol(MULT["attr_dict"], MULT["arguments"])
    kw = MULT["optimizer_kwargs"]
    idx2name = {int(k): v for k, v in MULT["cases"]["string"]["idx2name"].items()}
    if case == "string":
        return opt_mod.create("sgd", sym=sym, param_idx2name=idx2name, rescale_grad=0.5,
                              **kw)
    if case == "instance":
        opt = SGD(**kw)
    elif case == "instance_sym":
        opt = SGD(sym=sym, **kw)
    else:
        opt = SGD(param_idx2name={0: "fc1_weight", 1: "fc1_bias"}, **kw)
    if not opt.idx2name:
        opt.idx2name = idx2name.copy()
    return opt


@pytest.mark.parametrize("case", sorted(MULT["cases"]))
def test_multiplier_rules_match_module(case):
    recorded = MULT["cases"][case]
    opt = module_optimizer(case)
    assert opt.lr_mult == recorded["lr_mult"]
    assert opt.wd_mult == recorded["wd_mult"]
    for idx, name in opt.idx2name.items():
        assert opt._get_lr(idx) == pytest.approx(recorded["lr"][name]), name
        assert opt._get_wd(idx) == pytest.approx(recorded["wd"][name]), name


def test_multiplier_precedence():
    class Param:
        lr_mult, wd_mult = 3.0, 0.0

    opt = SGD(learning_rate=1.0, wd=1.0, param_idx2name={0: "a_weight", 1: "b_bias",
                                                          2: "c_weight"},
              param_dict={2: Param()})
    opt.set_lr_mult({"a_weight": 2.0, 0: 5.0})
    assert opt._get_lr(0) == 5.0  # an index key wins over the name
    assert opt._get_wd(1) == 0.0  # not *_weight/*_gamma, idx2name known at construction
    assert (opt._get_lr(2), opt._get_wd(2)) == (3.0, 0.0)  # param_dict first


def test_hyperparams_counts_then_schedules():
    sched = lrs.FactorScheduler(step=2, factor=0.5, base_lr=1.0)
    opt = SGD(lr_scheduler=sched, begin_num_update=3)
    assert opt.hyperparams(0) == (0.5, 0.0)  # count 4 > 0 + 2: one decay
    assert opt._index_update_count[0] == 4 and opt.num_update == 4
    assert opt.hyperparams(1)[0] == 0.5  # index 1 starts at begin_num_update too
    lrs_, wds_, ts_ = opt.step_inputs([0, 1])
    assert ts_.tolist() == [5, 5] and lrs_.dtype == np.float32 and wds_.dtype == np.float32
    assert opt.hyperparams([0, 1]) == ([0.25, 0.25], [0.0, 0.0])


def test_learning_rate_and_scheduler_override():
    sched = lrs.FactorScheduler(step=1, base_lr=0.2)
    with pytest.warns(UserWarning, match="overwritten"):
        opt = SGD(learning_rate=0.3, lr_scheduler=sched)
    assert sched.base_lr == 0.3 and opt.learning_rate == 0.3
    with pytest.raises(UserWarning, match="LRScheduler"):
        opt.set_learning_rate(0.1)
    plain = SGD()
    assert plain.lr == 0.01
    plain.set_learning_rate(0.5)
    assert plain.learning_rate == 0.5
    assert opt_mod.Ftrl(lr_scheduler=lrs.FactorScheduler(step=1)).lr == 0.1


def test_unknown_optimizer_lists_registered_names():
    with pytest.raises(MXNetError, match="Cannot find optimizer 'adamw'.*sgd") as err:
        opt_mod.create("adamw")
    assert isinstance(err.value, ValueError)


def test_registered_names_cover_the_supported_mxnet_optimizers():
    not_ported = {"dcasgd", "groupadagrad", "lars", "lbsgd", "nadam", "sgld", "test"}
    assert set(FIX["registered"]) - not_ported <= set(Optimizer.opt_registry)
    assert isinstance(opt_mod.create("SGD", momentum=0.9), SGD)


def test_register_custom_optimizer():
    @opt_mod.register
    class MyDescent(Optimizer):
        def _step(self, weight, grad, state, lr, wd, t):
            return weight - lr * grad, state

    opt = opt_mod.create("mydescent", learning_rate=0.5)
    w = np.ones(3, np.float32)
    opt.update(0, w, np.ones(3, np.float32), opt.create_state(0, w))
    np.testing.assert_allclose(w, 0.5)
    del Optimizer.opt_registry["mydescent"]


def test_bad_idx2name_is_an_error():
    with pytest.raises(MXNetError, match="param_idx2name should be a dict"):
        SGD(param_idx2name=["w"])


# -- states and optax -------------------------------------------------------------


def test_updater_states_round_trip_without_pickle():
    def run(steps, updater, weights):
        for k in steps:
            updater([0, 1], [GRADS[k], GRADS1[k]], weights)

    case = FIX["cases"]["adam_updater"]
    full = opt_mod.get_updater(make_optimizer(case))
    weights_full = [W0.copy(), W1.copy()]
    run(range(5), full, weights_full)

    first = opt_mod.get_updater(make_optimizer(case))
    weights = [W0.copy(), W1.copy()]
    run(range(2), first, weights)
    blob = first.get_states(dump_optimizer=True)
    assert isinstance(blob, bytes) and b"pickle" not in blob
    resumed = opt_mod.get_updater(opt_mod.Adam())
    resumed.set_states(blob)
    assert resumed.optimizer.num_update == 2 and resumed.optimizer.wd == 0.1
    run(range(2, 5), resumed, weights)
    np.testing.assert_allclose(weights[0], weights_full[0], rtol=1e-6)
    np.testing.assert_allclose(weights[1], weights_full[1], rtol=1e-6)

    states_only = opt_mod.get_updater(make_optimizer(case))
    states_only.set_states(first.get_states())
    assert sorted(states_only.states) == [0, 1]
    np.testing.assert_array_equal(states_only.states[0][1], first.states[0][1])
    with pytest.raises(MXNetError, match="expects \\[\\(5,\\), \\(5,\\)\\]"):
        states_only([0], [GRADS[0]], [np.zeros(5, np.float32)])


def test_optax_states_survive_get_and_set_states():
    def make():
        return OptaxOptimizer(optax.adam(0.01))

    updater = opt_mod.get_updater(make())
    w = W0.copy()
    updater(0, GRADS[0], w)
    restored = opt_mod.get_updater(make())
    restored.set_states(updater.get_states())
    w2 = w.copy()
    updater(0, GRADS[1], w)
    restored(0, GRADS[1], w2)
    np.testing.assert_array_equal(w, w2)
    assert type(restored.states[0][0]) is type(updater.states[0][0])


def test_dump_optimizer_keeps_the_scheduler():
    sched = lrs.MultiFactorScheduler(step=[1, 3], factor=0.5, base_lr=1.0)
    updater = opt_mod.get_updater(SGD(lr_scheduler=sched, momentum=0.9))
    w = W0.copy()
    for k in range(3):
        updater(0, GRADS[k], w)
    restored = opt_mod.get_updater(SGD())
    restored.set_states(updater.get_states(dump_optimizer=True))
    sched2 = restored.optimizer.lr_scheduler
    assert type(sched2) is lrs.MultiFactorScheduler
    assert (sched2.base_lr, sched2.cur_step_ind) == (sched.base_lr, sched.cur_step_ind)
    assert restored.optimizer.learning_rate == updater.optimizer.learning_rate


def test_set_states_rejects_foreign_bytes():
    with pytest.raises(MXNetError, match="pickled"):
        opt_mod.get_updater(SGD()).set_states(b"\x80\x04garbage")


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_set_states_rejects_truncated_states(cut):
    updater = opt_mod.get_updater(SGD(momentum=0.9))
    updater(0, mx.nd.ones((3,)), mx.nd.ones((3,)))
    blob = updater.get_states(dump_optimizer=True)
    with pytest.raises(MXNetError, match="get_states"):
        opt_mod.get_updater(SGD()).set_states(blob[:int(len(blob) * cut)])


def test_optax_sgd_equals_mxnet_sgd():
    case = FIX["cases"]["sgd_wd"]
    opt = OptaxOptimizer(optax.sgd(1.0), learning_rate=0.1, wd=0.01)
    w = W0.copy()
    state = opt.create_state(0, w)
    for k in range(5):
        opt.update(0, w, GRADS[k], state)
    np.testing.assert_allclose(w, case["weights"][-1], rtol=1e-5, atol=2e-6)


def test_optax_transformation_in_functional_step():
    opt = OptaxOptimizer(optax.adam(1e-2), clip_gradient=1.0, wd=0.1)
    w = jnp.asarray(W0)
    state = opt.init_state(w)
    step = jax.jit(opt.step)
    ref_w, mu, nu = W0.astype(np.float64), 0.0, 0.0
    for k in range(3):
        lr, wd = opt.hyperparams(0)
        w, state = step(w, jnp.asarray(GRADS[k]), state, lr, wd, opt._index_update_count[0])
        # optax's Adam on MXNet's preprocessed gradient clip(g) + wd * w.
        g = np.clip(GRADS[k], -1, 1) + 0.1 * ref_w
        mu, nu = 0.9 * mu + 0.1 * g, 0.999 * nu + 0.001 * g * g
        mu_hat, nu_hat = mu / (1 - 0.9 ** (k + 1)), nu / (1 - 0.999 ** (k + 1))
        ref_w = ref_w - 1e-2 * mu_hat / (np.sqrt(nu_hat) + 1e-8)
    np.testing.assert_allclose(w, ref_w, rtol=1e-5, atol=1e-6)
    with pytest.raises(MXNetError, match="GradientTransformation"):
        OptaxOptimizer("adam")
