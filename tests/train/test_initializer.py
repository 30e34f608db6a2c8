"""Initializers against MXNet 1.9.1 (tests/data/train_math/initializers.json, written by
tools/record_train_math_fixtures.py): exact values for the deterministic ones,
distribution statistics for the random ones."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pytest

import jaxsym as mx
from jaxsym import _rng
from jaxsym.base import MXNetError
from jaxsym.train import initializer as init
from jaxsym.train.initializer import InitDesc

DATA = Path(__file__).resolve().parents[1] / "data" / "train_math"
FIX = json.loads((DATA / "initializers.json").read_text())
SHAPES = {"fc1_weight": (3, 4), "fc1_bias": (3,), "bn1_gamma": (3,), "bn1_beta": (3,),
          "q_min": (2,), "q_max": (2,), "bn1_moving_mean": (3,), "bn1_moving_var": (3,),
          "myvar": (2, 2)}


def nd_array(value):
    """A real NDArray of `value`, keeping its dtype."""
    value = np.asarray(value)
    return mx.nd.array(value, dtype=value.dtype)


def desc(name: str) -> InitDesc:
    return InitDesc(name, FIX["attr_dict"].get(name))


def filled(shape) -> np.ndarray:
    return np.full(shape, -7.0, np.float32)


@pytest.mark.parametrize("name", sorted(FIX["dumps"]))
def test_dumps_matches_mxnet(name):
    made = {"zero": init.Zero(), "one": init.One(), "constant": init.Constant(0.5),
            "uniform": init.Uniform(0.2), "normal": init.Normal(0.3),
            "xavier": init.Xavier(factor_type="in", magnitude=2.34),
            "msraprelu": init.MSRAPrelu(slope=0.1), "bilinear": init.Bilinear(),
            "lstmbias": init.LSTMBias(forget_bias=2.0),
            "orthogonal": init.Orthogonal(scale=1.1, rand_type="normal")}[name]
    assert made.dumps() == FIX["dumps"][name]
    assert init.create(made.dumps()) == made


def test_registered_names_and_create():
    assert set(FIX["registered"]) - {"fusedrnn"} <= set(init._REGISTRY.classes)
    assert isinstance(init.create("zeros"), init.Zero)
    assert isinstance(init.create("Xavier", magnitude=2), init.Xavier)
    assert init.create({"initializer": "constant", "value": 2.0}) == init.Constant(2.0)
    instance = init.Normal()
    assert init.create(instance) is instance
    with pytest.raises(MXNetError, match="'glorot' is not registered.*xavier"):
        init.create("glorot")


@pytest.mark.parametrize("init_name", sorted(FIX["desc_dispatch"]))
def test_initdesc_dispatch_and_init_attribute(init_name):
    made = {"constant": init.Constant(0.5), "zero": init.Zero(), "one": init.One()}[init_name]
    for name, expected in FIX["desc_dispatch"][init_name].items():
        arr = filled(SHAPES[name])
        made(desc(name), arr)
        np.testing.assert_array_equal(arr, np.array(expected, np.float32), err_msg=name)


def test_global_init_is_recorded_on_the_desc():
    d = InitDesc("fc1_weight")
    made = init.Zero()
    made(d, filled((2, 2)))
    assert d.global_init is made and d.attrs == {}


def test_legacy_string_dispatch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for name, rec in FIX["legacy_dispatch"].items():
            arr = filled(tuple(rec["shape"]))
            init.Constant(0.5)(name, arr)
            np.testing.assert_allclose(arr, np.array(rec["value"], np.float32), err_msg=name,
                                       rtol=1e-6)


def test_legacy_path_warns_deprecation():
    with pytest.warns(DeprecationWarning, match="InitDesc"):
        init.Zero()("fc_weight", filled((2,)))


def test_deterministic_initializers():
    det = FIX["deterministic"]
    for shape in [(1, 1, 4, 4), (2, 1, 3, 3), (1, 2, 5, 4)]:
        arr = np.zeros(shape, np.float32)
        init.Bilinear()(InitDesc("up_weight"), arr)
        np.testing.assert_allclose(arr, det[f"bilinear_{'x'.join(map(str, shape))}"],
                                   rtol=1e-6)
    arr = np.zeros((12,), np.float32)
    lstm = init.LSTMBias(forget_bias=2.0)
    lstm(InitDesc("lstm_i2h_bias", {"__init__": lstm.dumps()}), arr)
    np.testing.assert_array_equal(arr, det["lstmbias_12"])
    arr = np.zeros((8,), np.float32)
    init.LSTMBias(forget_bias=3.0)._init_weight("x", arr)
    np.testing.assert_array_equal(arr, det["lstmbias_weight_8"])


def test_constant_with_array_value_and_dumps():
    value = np.arange(4, dtype=np.float32).reshape(2, 2)
    c = init.Constant(nd_array(value))
    arr = nd_array(np.zeros((2, 2), np.float32))
    c(InitDesc("x_weight"), arr)
    np.testing.assert_array_equal(arr.asnumpy(), value)
    assert c.dumps() == '["constant", {"value": [[0.0, 1.0], [2.0, 3.0]]}]'


def load_params() -> dict:
    return {k: np.array(v, np.float32) for k, v in FIX["load"]["params"].items()}


@pytest.mark.parametrize("default_name", sorted(FIX["load"]["cases"]))
def test_load_with_default_init(default_name):
    case = FIX["load"]["cases"][default_name]
    default = {"constant": init.Constant(0.01), "xavier": init.Xavier()}[default_name]
    loader = init.Load({k: nd_array(v) for k, v in load_params().items()},
                       default_init=default)
    for name, expected in case["desc"].items():
        arr = filled(SHAPES[name])
        loader(desc(name), arr)
        np.testing.assert_array_equal(arr, np.array(expected, np.float32), err_msg=name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for name, expected in case["str"].items():
            arr = filled(SHAPES[name])
            loader(name, arr)
            np.testing.assert_array_equal(arr, np.array(expected, np.float32), err_msg=name)


def test_load_errors():
    loader = init.Load(load_params())
    with pytest.raises(MXNetError) as err:
        loader(InitDesc("fc1_weight"), np.zeros((4, 3), np.float32))
    assert str(err.value) == FIX["load"]["shape_mismatch_message"]
    with pytest.raises(MXNetError, match="Cannot Initialize fc9_weight.*no default"):
        loader(InitDesc("fc9_weight"), np.zeros((2,), np.float32))


def test_load_from_params_file(tmp_path):
    from jaxsym.formats.params import save_arrays

    fname = tmp_path / "model-0001.params"
    save_arrays(fname, load_params())
    loader = init.Load(str(fname), default_init=init.Zero())
    arr = filled((3,))
    loader(InitDesc("bn1_moving_mean"), arr)
    np.testing.assert_array_equal(arr, [1.5, 2.5, 3.5])


def test_mixed_first_matching_pattern_then_suffix_dispatch():
    mixed = init.Mixed(["bias", ".*gamma", ".*"],
                       [init.Zero(), init.Constant(2.0), init.Constant(3.0)])
    for name, expected in FIX["mixed"].items():
        arr = filled((2,))
        mixed(InitDesc(name), arr)
        np.testing.assert_array_equal(arr, expected, err_msg=name)
    with pytest.raises(MXNetError, match="did not match any pattern"):
        init.Mixed(["conv"], [init.Zero()])(InitDesc("fc_weight"), filled((2,)))


def test_error_messages():
    with pytest.raises(MXNetError, match=FIX["xavier_vector_error"].split(".")[0]):
        init.Xavier()(InitDesc("v_weight"), np.zeros((3,), np.float32))
    with pytest.raises(MXNetError, match="Unknown initialization pattern for mystery"):
        init.Uniform()(InitDesc("mystery"), np.zeros((3,), np.float32))
    assert FIX["unknown_pattern_error"].startswith("Unknown initialization pattern for mystery")
    with pytest.raises(MXNetError, match="Incorrect factor type"):
        init.Xavier(factor_type="fan")(InitDesc("w_weight"), np.zeros((3, 3), np.float32))


def xavier_scale(dumps: str, shape) -> float:
    _, kw = json.loads(dumps)
    if "slope" in kw:
        magnitude, factor_type = 2.0 / (1 + kw["slope"] ** 2), kw["factor_type"]
    else:
        magnitude, factor_type = kw["magnitude"], kw["factor_type"]
    hw = float(np.prod(shape[2:])) if len(shape) > 2 else 1.0
    fan_in, fan_out = shape[1] * hw, shape[0] * hw
    factor = {"avg": (fan_in + fan_out) / 2, "in": fan_in, "out": fan_out}[factor_type]
    return math.sqrt(magnitude / factor)


@pytest.mark.parametrize("case", [k for k in FIX["random_stats"] if "orthogonal" not in k])
def test_random_initializer_statistics_match_mxnet(case):
    rec = FIX["random_stats"][case]
    shape = tuple(rec["shape"])
    made = init.create(rec["dumps"])
    _rng.seed(123)
    arr = np.zeros(shape, np.float32)
    made(InitDesc("w_weight"), arr)
    assert arr.dtype == np.float32
    assert arr.std() == pytest.approx(rec["std"], rel=0.05)
    assert abs(arr.mean()) < 0.1 * rec["std"] + 1e-4
    if "uniform" in rec["dumps"] and "xavier" in rec["dumps"]:
        bound = xavier_scale(rec["dumps"], shape)
        assert np.abs(arr).max() <= bound
        assert rec["max_abs"] <= bound
        assert rec["std"] == pytest.approx(bound / math.sqrt(3), rel=0.05)
    elif "gaussian" in rec["dumps"] or "msraprelu" in rec["dumps"]:
        assert rec["std"] == pytest.approx(xavier_scale(rec["dumps"], shape), rel=0.05)


@pytest.mark.parametrize("case", [k for k in FIX["random_stats"] if "orthogonal" in k])
def test_orthogonal_gram_matrices_match_mxnet(case):
    rec = FIX["random_stats"][case]
    shape = tuple(rec["shape"])
    arr = np.zeros(shape, np.float32)
    init.create(rec["dumps"])(InitDesc("w_weight"), arr)
    m = arr.reshape(shape[0], -1).astype(np.float64)
    if shape[0] <= m.shape[1]:
        np.testing.assert_allclose(m @ m.T, rec["gram_rows"], atol=1e-5)
    else:
        np.testing.assert_allclose(m.T @ m, rec["gram_cols"], atol=1e-5)


def test_random_draws_follow_the_seed():
    draws = []
    for _ in range(2):
        _rng.seed(7)
        arr = np.zeros((4, 5), np.float32)
        init.Xavier()(InitDesc("a_weight"), arr)
        draws.append(arr)
    np.testing.assert_array_equal(*draws)
    init.Xavier()(InitDesc("a_weight"), arr)
    assert not np.array_equal(arr, draws[0])


def test_verbose_logging(caplog):
    made = init.One().set_verbosity(True)
    with caplog.at_level("INFO", logger="root"):
        made(InitDesc("fc_weight"), np.zeros((2, 2), np.float32))
    assert caplog.records[-1].getMessage() == "Initialized fc_weight as weight: 1.0"


def test_custom_initializer_registration():
    @init.register
    @init.alias("myinit")
    class CustomInit(init.Initializer):
        def _init_weight(self, _, arr):
            arr[:] = 0.1

    arr = filled((2,))
    init.create("myinit")(InitDesc("x_weight"), arr)
    np.testing.assert_allclose(arr, 0.1)
    del init._REGISTRY.classes["myinit"], init._REGISTRY.classes["custominit"]
