"""Symbol JSON against MXNet 1.9.1's own text (tests/data/json, from
tools/record_json_fixtures.py): writing byte for byte, reading every layout, and
rejecting damaged files with MXNetError."""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

import json_cases
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jaxsym as mx
from jaxsym.base import MXNetError
from jaxsym.formats import json as J
from jaxsym.graph.node import Node

DATA = Path(__file__).resolve().parents[1] / "data" / "json"
MANIFEST = json.loads((DATA / "manifest.json").read_text(encoding="utf-8"))
BUILT = sorted(p.stem for p in (DATA / "built").glob("*.json"))
LEGACY = sorted(p.name[: -len(".expected.json")] for p in (DATA / "legacy").glob("*.expected.json"))
CORRUPT = sorted(p.stem for p in (DATA / "corrupt").glob("*.json"))


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_every_case_is_recorded():
    assert BUILT == sorted(json_cases.CASES)
    assert set(MANIFEST["built"]) == set(json_cases.CASES)


@pytest.mark.parametrize("case", BUILT)
def test_tojson_matches_mxnet(case):
    assert json_cases.build(mx, case).tojson() == _text(DATA / "built" / f"{case}.json")


@pytest.mark.parametrize("case", BUILT)
def test_mxnet_text_round_trips(case):
    text = _text(DATA / "built" / f"{case}.json")
    sym = mx.sym.load_json(text)
    assert sym.tojson() == text
    expected = MANIFEST["built"][case]
    assert sym.list_arguments() == expected["arguments"]
    assert sym.list_outputs() == expected["outputs"]
    assert sym.list_auxiliary_states() == expected["aux"]


def test_mxnet_read_back_what_jaxsym_writes():
    """The recorder loaded jaxsym's text for every case in MXNet 1.9.1 and wrote it
    again: MXNet reproduced it byte for byte."""
    for case, entry in MANIFEST["built"].items():
        assert entry["jaxsym"] == {"jaxsym_text_equals_mxnet": True,
                                   "mxnet_reproduces_jaxsym_text": True}, case


def _drop_versions(text: str) -> str:
    # MXNet keeps entry versions as read; jaxsym recomputes them as MXNet's compose does
    # (BatchNorm statistics get 1), which old files never stored.
    return re.sub(r"\[(\d+), (\d+), \d+\]", r"[\1, \2, v]", text)


@pytest.mark.parametrize("case", LEGACY)
def test_legacy_layouts_upgrade_like_mxnet(case):
    heads = J.load_graph(DATA / "legacy" / f"{case}.json")
    expected = _text(DATA / "legacy" / f"{case}.expected.json")
    assert _drop_versions(J.dumps_graph(heads)) == _drop_versions(expected)
    sym = mx.sym.Symbol(heads)
    assert sym.list_arguments() == MANIFEST["legacy"][case]["arguments"]
    assert sym.list_auxiliary_states() == MANIFEST["legacy"][case]["aux"]


def test_legacy_hidden_keys_move_to_variables():
    sym = mx.sym.load(str(DATA / "legacy" / "v100_hidden_keys.json"))
    attrs = sym.attr_dict()
    assert attrs["fc_weight"]["__lr_mult__"] == "3"
    assert attrs["fc_bias"]["__wd_mult__"] == "0"
    assert attrs["fc"]["__lr_mult__"] == "2" and attrs["fc"]["__ctx_group__"] == "g"
    assert attrs["data"]["__lr_mult__"] == "0.1" and attrs["data"]["foo_wd_mult"] == "1"


@pytest.mark.parametrize("case", CORRUPT)
def test_corrupt_files_raise(case):
    assert MANIFEST["corrupt"][case].startswith(("error", "crash")), "MXNet rejects it too"
    path = DATA / "corrupt" / f"{case}.json"
    with pytest.raises(MXNetError, match=re.escape(str(path))):
        J.load_graph(path)


# -- handcrafted graphs -------------------------------------------------------------------
def _graph(nodes, heads, arg_nodes=None, version=J.MXNET_VERSION):
    if arg_nodes is None:
        arg_nodes = [i for i, n in enumerate(nodes) if n["op"] == "null"]
    return json.dumps({"nodes": nodes, "arg_nodes": arg_nodes, "heads": heads,
                       "attrs": {"mxnet_version": ["int", version]}})


def _var(name):
    return {"op": "null", "name": name, "inputs": []}


def _relu(name, *inputs):
    return {"op": "relu", "name": name, "inputs": [list(e) for e in inputs]}


def test_forward_references_are_read_as_mxnet_does():
    # MXNet links nodes by index after reading them all, so order in the file is free.
    text = _graph([_relu("r", (1, 0, 0)), _var("x")], [[0, 0, 0]])
    sym = mx.sym.load_json(text)
    assert sym.list_arguments() == ["x"]
    assert sym.tojson() == mx.sym.relu(mx.sym.Variable("x"), name="r").tojson()


@pytest.mark.parametrize("nodes, heads, match", [
    ([_relu("r", (0, 0, 0))], [[0, 0, 0]], r"cycle: node 0 'r' \(op relu\)"),
    ([_var("x"), {"op": "elemwise_add", "name": "a", "inputs": [[0, 0, 0], [2, 0, 0]]},
      _relu("r", (1, 0, 0))], [[2, 0, 0]], "cycle"),
    ([_var("x"), _relu("r", (0, 0, 0))], [[1, 1, 0]],
     r"head 0 reads output 1 of node 1 'r' \(op relu\), which has 1 output"),
    ([_var("x"), _relu("r", (0, 3, 0))], [[1, 0, 0]],
     r"node 1 'r' \(op relu\): input 0 reads output 3 of node 0 'x' \(variable\)"),
    ([_var("x"), _relu("r", (0, 0, 0), (0, 0, 0))], [[1, 0, 0]],
     r"'r' \(op relu\): expects 1 inputs \['data'\], the file gives 2"),
    ([_var("x"), {"op": "FullyConnected", "name": "fc", "attrs": {"num_hidden": "2"},
                  "inputs": [[0, 0, 0]]}], [[1, 0, 0]],
     r"'fc' \(op FullyConnected\): expects 3 inputs \['data', 'weight', 'bias'\]"),
    ([_var("x"), {"op": "null", "name": "y", "inputs": [[0, 0, 0]]}], [[1, 0, 0]],
     "variable cannot have inputs"),
    ([_var("x")], [], "'heads' is empty"),
    ([_var("x"), _relu("r", (5, 0, 0))], [[1, 0, 0]], "refers to node 5, but the file has 2"),
    ([_var("x"), _relu("r", (0, 0))], [[1, 0, 0, 0]], "head 0 must be"),
    ([_var("x"), _relu("r", (0, True))], [[1, 0, 0]], "output index must be an integer"),
    ([_var("x"), {"op": "Concat", "name": "c", "attrs": {"num_args": "1000000000"},
                  "inputs": [[0, 0, 0]]}], [[1, 0, 0]], "num_args=1000000000 is out of range"),
    ([_var("x"), {**_relu("r", (0, 0, 0)), "control_deps": [0]}], [[1, 0, 0]],
     "'control_deps' .* not supported"),
    ([_var("x"), {"op": "Foo", "name": "f", "inputs": [[0, 0, 0]]}], [[1, 0, 0]],
     "node 1 'f': unknown operator 'Foo'"),
    ([_var("x"), {"op": "Activation", "name": "act", "attrs": {"act_type": "nope"},
                  "inputs": [[0, 0, 0]]}], [[1, 0, 0]],
     r"node 1 'act' \(op Activation\): .*act_type"),
    ([_var("x"), {"op": "Reshape", "name": "rs", "attrs": {"shape": "(" * 500 + ")" * 500},
                  "inputs": [[0, 0, 0]]}], [[1, 0, 0]], r"node 1 'rs' \(op Reshape\)"),
])
def test_bad_graphs_name_the_node(nodes, heads, match):
    with pytest.raises(MXNetError, match=match):
        J.loads_graph(_graph(nodes, heads), "net.json")


_HEADER = '{"nodes": [], "arg_nodes": [], "heads": [[0, 0, 0]], "attrs": {"mxnet_version": '


@pytest.mark.parametrize("text, match", [
    (b"\xff\xfe{}", "not UTF-8"),
    ("[" * 100000 + "]" * 100000, "invalid JSON"),
    (_HEADER + '["int", 1' + "0" * 5000 + "]}}", "invalid JSON"),
    (_HEADER + '["int", 1e400]}}', "must be an integer"),
    ("[]", "symbol file must be an object"),
    ('{"nodes": {}, "arg_nodes": [], "heads": []}', "'nodes' must be an array"),
])
def test_bad_text(text, match):
    with pytest.raises(MXNetError, match=r"net\.json: .*" + match):
        J.loads_graph(text, "net.json")


def test_default_params_are_not_written():
    sym = mx.sym.Convolution(mx.sym.Variable("x"), kernel=(3, 3), num_filter=2, name="c")
    node = json.loads(sym.tojson())["nodes"][-1]
    assert node["attrs"] == {"kernel": "(3, 3)", "num_filter": "2"}


def test_variable_attributes_survive_round_trip():
    v = mx.sym.Variable("w", shape=(3, 4), dtype="float16", lr_mult=0.5, wd_mult=2,
                        init=mx.init.Uniform(0.1), attr={"__custom__": "yes"})
    net = mx.sym.FullyConnected(mx.sym.Variable("x"), weight=v, num_hidden=3, name="fc")
    again = mx.sym.load_json(net.tojson())
    assert again.attr_dict()["w"] == net.attr_dict()["w"]
    attrs = again.get_internals()["w"].list_attr()
    assert attrs["__shape__"] == "(3, 4)" and attrs["__dtype__"] == "2"
    assert attrs["__lr_mult__"] == "0.5" and attrs["__wd_mult__"] == "2"
    assert json.loads(attrs["__init__"])[0] == "uniform"
    assert again.tojson() == net.tojson()


def test_save_and_load_files(tmp_path):
    net = json_cases.build(mx, "mlp")
    path = tmp_path / "net-symbol.json"
    net.save(str(path))
    assert path.read_text(encoding="utf-8") == _text(DATA / "built" / "mlp.json")
    assert os.listdir(tmp_path) == ["net-symbol.json"]  # no temporary file left behind
    assert mx.sym.load(str(path)).tojson() == net.tojson()
    with pytest.raises(MXNetError, match="cannot write symbol file"):
        J.save_graph(tmp_path / "missing" / "x.json", net._outputs)
    with pytest.raises(MXNetError, match="cannot read symbol file"):
        mx.sym.load(str(tmp_path / "nope.json"))


# -- fuzzing: damaged files raise MXNetError or load as a valid graph ------------------------
_SEEDS = [json.loads(_text(DATA / d / f"{c}.json")) for d, c in (
    ("built", "mlp"), ("built", "conv_bn"), ("built", "slice_channel"),
    ("legacy", "v080_mlp_bn"), ("legacy", "current_quirks"), ("legacy", "v100_hidden_keys"))]
_SEED_TEXTS = [json.dumps(s) for s in _SEEDS]
_ODD_VALUES = [-1, 0, 1, 2, 3, 7, 12, 2 ** 31, 2 ** 32, 2 ** 64, -(2 ** 40), 0.5, 1e308,
               float("nan"), True, False, None, "", "x", "null", "relu", "FullyConnected",
               "(3, 3)", "True", "lr_mult", "-1", "\ud800", [], [0], [0, 0, 0], [-1, 2], {},
               {"num_hidden": "2"}, [[0, 0, 0]]]


def _containers(obj):
    if isinstance(obj, (dict, list)):
        if obj:
            yield obj
        for value in (obj.values() if isinstance(obj, dict) else obj):
            yield from _containers(value)


def _mutate(rng, doc):
    """1-3 structural mutations: delete, replace, swap, duplicate or bump an item."""
    for _ in range(rng.randint(1, 3)):
        spots = list(_containers(doc))
        if not spots:
            break
        target = rng.choice(spots)
        key = rng.choice(list(target) if isinstance(target, dict) else range(len(target)))
        action = rng.choice(["delete", "replace", "replace", "swap", "duplicate", "bump"])
        if action == "delete":
            del target[key]
        elif action == "replace":
            target[key] = json.loads(json.dumps(rng.choice(_ODD_VALUES)))
        elif action == "swap" and isinstance(target, list):
            other = rng.randrange(len(target))
            target[key], target[other] = target[other], target[key]
        elif action == "duplicate" and isinstance(target, list):
            target.append(json.loads(json.dumps(target[key])))
        elif isinstance(target[key], int) and not isinstance(target[key], bool):
            target[key] += rng.choice([-2, -1, 1, 2, 2 ** 32])
    return doc


def _check_loads(text):
    try:
        heads = J.loads_graph(text, "fuzz.json")
    except MXNetError as err:
        assert "fuzz.json" in str(err)
        return
    assert heads and all(isinstance(n, Node) and isinstance(i, int) for n, i in heads)
    J.dumps_graph(heads)  # a graph that loads can be written again


@settings(max_examples=2500, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2 ** 32 - 1))
def test_fuzzed_files_raise_mxneterror_or_load(seed):
    # Hypothesis supplies the seed; a plain RNG drives the mutations, which keeps
    # thousands of examples within a few seconds.
    rng = random.Random(seed)
    text = rng.choice(_SEED_TEXTS)
    if rng.random() < 0.2:
        _check_loads(text[: rng.randrange(len(text))])
    else:
        _check_loads(json.dumps(_mutate(rng, json.loads(text))))
