"""Real networks exported by MXNet 1.9.1 (Gluon model zoo, jaxsym.models under MXNet).

Golden data: tests/data/model_zoo/<name>.json.gz, written by
`MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_model_zoo.py`, which also
exports the real checkpoints into the cache folder ($JAXSYM_MODEL_CACHE, else
~/.cache/jaxsym-model-zoo). Parameters are rebuilt from the recorder's seeded recipe, so
the committed data stays small. Networks marked big (slow to compile or hundreds of MB of
weights) are only checked for structure and shapes unless JAXSYM_MODEL_ZOO_FULL=1.
"""

import gzip
import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest

import jaxsym as mx

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("record_model_zoo",
                                               ROOT / "tools" / "record_model_zoo.py")
zoo = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(zoo)

ENTRIES = {p.name.removesuffix(".json.gz"): json.loads(gzip.decompress(p.read_bytes()))
           for p in sorted(zoo.FIXTURES.glob("*.json.gz"))}
FULL = os.environ.get("JAXSYM_MODEL_ZOO_FULL") == "1"
# float32 through tens of layers: jaxsym is within 1e-5 of the array's largest magnitude
# on every recorded network (CPU); these bounds leave a margin of about 6x.
RTOL, ATOL = 1e-4, 5e-5


def _cases(only_small: bool) -> list:
    return [pytest.param(name, marks=pytest.mark.skipif(
        only_small and entry["big"] and not FULL,
        reason="big network: set JAXSYM_MODEL_ZOO_FULL=1 to run it"))
        for name, entry in ENTRIES.items()]


def _predict(net: mx.sym.Symbol, entry: dict, params: dict) -> list[np.ndarray]:
    """Head and probe outputs in inference mode (labels fed as zeros, as recorded)."""
    internals = net.get_internals()
    group = mx.sym.Group([net] + [internals[p] for p in entry["probes"]])
    shapes = zoo.symbol_shapes(net, entry["data_shape"])
    args = {"data": mx.nd.array(zoo.recipe_input(entry["data_shape"]))}
    args.update({k: mx.nd.zeros(s) for k, s in shapes.items()
                 if zoo.is_input(k) and k != "data"})
    aux_names = set(net.list_auxiliary_states())
    args.update({k: mx.nd.array(v) for k, v in params.items() if k not in aux_names})
    aux = {k: mx.nd.array(v) for k, v in params.items() if k in aux_names}
    executor = group.bind(mx.cpu(), args, aux_states=aux, grad_req="null")
    return [o.asnumpy() for o in executor.forward(is_train=False)]


def _assert_matches(got: np.ndarray, record: dict, what: str) -> None:
    assert list(got.shape) == record["shape"], what
    values = got.ravel()
    if "index" in record:
        values = values[record["index"]]
    want = np.asarray(record["values"], dtype=np.float32)
    scale = max(record["max_abs"], 1e-6)
    err = np.abs(values - want)
    assert np.isfinite(values).all(), f"{what}: non-finite outputs"
    assert (err <= ATOL * scale + RTOL * np.abs(want)).all(), (
        f"{what}: max abs error {err.max():.3g} (max |y| {scale:.3g}), "
        f"max rel {float((err / scale).max()):.3g}")
    assert np.isclose(float(got.astype(np.float64).sum()), record["sum"],
                      rtol=RTOL, atol=ATOL * scale * got.size ** 0.5), f"{what}: sum"


@pytest.mark.parametrize("name", _cases(only_small=False))
def test_structure_and_shapes_match_mxnet(name):
    entry = ENTRIES[name]
    net = mx.sym.load_json(entry["symbol"])
    assert net.list_arguments() == entry["arguments"]
    assert net.list_auxiliary_states() == entry["aux_states"]
    assert net.list_outputs() == entry["outputs"]
    arg_shapes, out_shapes, aux_shapes = net.infer_shape(data=tuple(entry["data_shape"]))
    assert [list(s) for s in arg_shapes] == entry["arg_shapes"]
    assert [list(s) for s in out_shapes] == entry["out_shapes"]
    assert [list(s) for s in aux_shapes] == entry["aux_shapes"]


@pytest.mark.parametrize("name", _cases(only_small=True))
def test_recipe_rebuilds_mxnet_parameters(name):
    entry = ENTRIES[name]
    params = zoo.symbol_recipe(mx.sym.load_json(entry["symbol"]), entry["data_shape"])
    assert sorted(params) == sorted(entry["fingerprints"])
    for key, value in params.items():
        np.testing.assert_allclose(zoo.fingerprint(value), entry["fingerprints"][key],
                                   rtol=1e-9, err_msg=key)


@pytest.mark.parametrize("name", _cases(only_small=True))
def test_predict_matches_mxnet(name):
    entry = ENTRIES[name]
    net = mx.sym.load_json(entry["symbol"])
    head, *probes = _predict(net, entry, zoo.symbol_recipe(net, entry["data_shape"]))
    _assert_matches(head, entry["head"], f"{name} head")
    for (probe, record), got in zip(entry["probes"].items(), probes):
        _assert_matches(got, record, f"{name} {probe}")


@pytest.mark.parametrize("name", _cases(only_small=True))
def test_exported_checkpoint_loads(name):
    """The real files MXNet wrote (cache only): same symbol, recipe parameters, outputs."""
    prefix = zoo.cache_dir() / name
    if not Path(f"{prefix}-symbol.json").exists() or not Path(f"{prefix}-0000.params").exists():
        pytest.skip(f"no exported checkpoint at {prefix}: run tools/record_model_zoo.py")
    entry = ENTRIES[name]
    net, arg_params, aux_params = mx.model.load_checkpoint(str(prefix), 0)
    assert net.list_arguments() == entry["arguments"]
    assert net.list_auxiliary_states() == entry["aux_states"]
    recipe = zoo.symbol_recipe(net, entry["data_shape"])
    assert sorted(arg_params) == sorted(k for k in recipe if k in entry["arguments"])
    assert sorted(aux_params) == sorted(entry["aux_states"])
    for key, value in {**arg_params, **aux_params}.items():
        assert value.dtype == np.float32, key
        np.testing.assert_array_equal(value.asnumpy(), recipe[key], err_msg=key)
    loaded = {k: v.asnumpy() for k, v in {**arg_params, **aux_params}.items()}
    head = _predict(net, {**entry, "probes": {}}, loaded)[0]
    _assert_matches(head, entry["head"], f"{name} head from checkpoint")
