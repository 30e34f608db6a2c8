"""Record MXNet 1.9.1's symbol JSON and checkpoints as test fixtures, both directions.

Run with the reference MXNet interpreter, from the repository root:

    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_json_fixtures.py

It writes into tests/data/json/:

* `built/<case>.json`: MXNet's `tojson()` of each case in tests/formats/json_cases.py.
* `legacy/<case>.json` (handcrafted, in the older layouts MXNet still reads) and
  `legacy/<case>.expected.json`: MXNet's `tojson()` after loading it (the upgrade).
* `corrupt/<case>.json`: damaged files, with MXNet's outcome in the manifest.
* `checkpoint/`: `mx.model.save_checkpoint` output for the mlp and conv_bn cases.
* `manifest.json`: per case, MXNet's list_arguments/outputs/auxiliary_states and what
  happened when MXNet loaded the text jaxsym writes for the same case ("jaxsym":
  whether MXNet's load + tojson reproduces jaxsym's text byte for byte), and whether
  MXNet 1.9.1 loads a jaxsym-written checkpoint with the same names and values.

jaxsym's side runs in the project venv (/work/venv, PYTHONPATH=src) in a subprocess
that writes into a temporary directory; MXNet then loads those files here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import mxnet as mx
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "data", "json")
sys.path.insert(0, os.path.join(ROOT, "tests", "formats"))
import json_cases

JAXSYM_PYTHON = os.environ.get("JAXSYM_PYTHON", "/work/venv/bin/python")
EPOCH = 3

# Old layouts: "param" and "attr" node keys, 2-item entries, no node_row_ptr,
# backward_source_id, missing aux/weight inputs, plain hidden keys.
LEGACY = {
    # 0.8: no version; FullyConnected weights/biases and the BatchNorm statistics
    # are left out and recreated by the 0.9.0 upgrade, with the node's attributes.
    "v080_mlp_bn": {
        "nodes": [
            {"op": "null", "param": {}, "name": "data", "inputs": [],
             "backward_source_id": -1},
            {"op": "FullyConnected", "param": {"num_hidden": "4", "no_bias": "False"},
             "name": "fc1", "inputs": [[0, 0]], "backward_source_id": -1},
            {"op": "null", "param": {}, "name": "bn_gamma", "inputs": [],
             "backward_source_id": -1},
            {"op": "null", "param": {}, "name": "bn_beta", "inputs": [],
             "backward_source_id": -1},
            {"op": "BatchNorm", "param": {"eps": "0.001", "fix_gamma": "True"},
             "name": "bn", "inputs": [[1, 0], [2, 0], [3, 0]], "backward_source_id": -1},
            {"op": "Activation", "param": {"act_type": "relu"}, "name": "act",
             "inputs": [[4, 0]], "backward_source_id": -1},
        ],
        "arg_nodes": [0, 2, 3],
        "heads": [[5, 0]],
    },
    # Hidden keys stored plainly (before 1.9.1): `lr_mult` on a node becomes
    # `__lr_mult__`, `weight_lr_mult` on an op moves to its weight variable.
    "v100_hidden_keys": {
        "nodes": [
            {"op": "null", "name": "data", "attrs": {
                "lr_mult": "0.1", "foo_wd_mult": "1", "mood": "calm",
                "profiler_scope": "s"}, "inputs": []},
            {"op": "null", "name": "fc_weight", "inputs": []},
            {"op": "null", "name": "fc_bias", "inputs": []},
            {"op": "FullyConnected", "name": "fc", "attrs": {
                "num_hidden": "3", "lr_mult": "2", "weight_lr_mult": "3",
                "bias_wd_mult": "0", "ctx_group": "g", "__keep__": "k"},
             "inputs": [[0, 0, 0], [1, 0, 0], [2, 0, 0]]},
        ],
        "arg_nodes": [0, 1, 2],
        "node_row_ptr": [0, 1, 2, 3, 4],
        "heads": [[3, 0, 0]],
        "attrs": {"mxnet_version": ["int", 10000]},
    },
    # 0.9.3: BatchNorm statistics lack their initializers (added by the 0.9.4 upgrade,
    # keeping one already set); "attr" instead of "attrs".
    "v093_bn_init": {
        "nodes": [
            {"op": "null", "name": "data", "inputs": []},
            {"op": "null", "name": "bn_gamma", "inputs": []},
            {"op": "null", "name": "bn_beta", "inputs": []},
            {"op": "null", "name": "bn_moving_mean", "inputs": []},
            {"op": "null", "name": "bn_moving_var", "attr": {"__init__": "[\"one\", {}]",
                                                              "__shape__": "(3,)"},
             "inputs": []},
            {"op": "BatchNorm", "name": "bn", "attr": {"momentum": "0.8"},
             "inputs": [[0, 0], [1, 0], [2, 0], [3, 0], [4, 0]]},
        ],
        "arg_nodes": [0, 1, 2, 3, 4],
        "heads": [[5, 0]],
        "attrs": {"mxnet_version": ["int", 903]},
    },
    # 0.9.4: argmax's axis=-1 meant "flatten" and is dropped by the 0.9.5 upgrade.
    "v094_argmax": {
        "nodes": [
            {"op": "null", "name": "data", "inputs": []},
            {"op": "argmax", "name": "am", "attrs": {"axis": "-1"}, "inputs": [[0, 0, 0]]},
            {"op": "argmin", "name": "an", "attrs": {"axis": "1"}, "inputs": [[0, 0, 0]]},
        ],
        "arg_nodes": [0],
        "heads": [[1, 0, 0], [2, 0, 0]],
        "attrs": {"mxnet_version": ["int", 904]},
    },
    # Current version: forward references, alias op names, "attr" plus "param"
    # ("param" never overrides), empty control_deps/subgraphs, a plain `lr_mult` on a
    # variable that stays plain.
    "current_quirks": {
        "nodes": [
            {"op": "_Plus", "name": "plus", "inputs": [[3, 0, 0], [2, 0]],
             "control_deps": [], "subgraphs": []},
            {"op": "null", "name": "b", "attrs": {"lr_mult": "2"}, "inputs": []},
            {"op": "_MulScalar", "name": "times", "attr": {"scalar": "3"},
             "param": {"scalar": "5", "is_int": "False"}, "inputs": [[1, 0, 0]]},
            {"op": "flatten", "name": "flat", "inputs": [[4, 0, 0]]},
            {"op": "null", "name": "a", "inputs": []},
        ],
        "arg_nodes": [1, 4],
        "heads": [[0, 0, 0]],
        "attrs": {"mxnet_version": ["int", 10901]},
    },
}


def _corrupt_cases(base: dict) -> dict[str, str]:
    """Damaged versions of the mlp JSON, as text."""
    cases: dict[str, str] = {}

    def mutate(name: str, fn) -> None:
        obj = json.loads(json.dumps(base))
        fn(obj)
        cases[name] = json.dumps(obj)

    mutate("unknown_node_field", lambda o: o["nodes"][1].update(foo=1))
    mutate("unknown_graph_field", lambda o: o.update(foo=1))
    mutate("missing_arg_nodes", lambda o: o.pop("arg_nodes"))
    mutate("missing_heads", lambda o: o.pop("heads"))
    mutate("missing_name", lambda o: o["nodes"][1].pop("name"))
    mutate("head_4_items", lambda o: o.update(heads=[[o["heads"][0][0], 0, 0, 0]]))
    mutate("head_node_out_of_range", lambda o: o.update(heads=[[99, 0, 0]]))
    mutate("head_negative", lambda o: o.update(heads=[[-1, 0, 0]]))
    mutate("head_huge", lambda o: o.update(heads=[[2 ** 40, 0, 0]]))
    mutate("input_float", lambda o: o["nodes"][3]["inputs"][0].__setitem__(0, 1.0))
    mutate("unknown_op", lambda o: o["nodes"][3].update(op="NoSuchOp"))
    mutate("bad_param", lambda o: o["nodes"][3]["attrs"].update(num_hidden="abc"))
    mutate("unknown_param", lambda o: o["nodes"][3]["attrs"].update(foo="1"))
    mutate("plain_lr_mult_on_op", lambda o: o["nodes"][3]["attrs"].update(lr_mult="2"))
    mutate("attr_not_string", lambda o: o["nodes"][3]["attrs"].update(num_hidden=16))
    mutate("arg_node_not_variable", lambda o: o.update(arg_nodes=[3]))
    mutate("arg_node_out_of_range", lambda o: o.update(arg_nodes=[99]))
    mutate("version_not_int", lambda o: o["attrs"].update(mxnet_version=["str", "10901"]))
    mutate("version_bare", lambda o: o["attrs"].update(mxnet_version=10901))
    mutate("graph_attr_unknown_type", lambda o: o["attrs"].update(foo=["zzz", 1]))
    text = json.dumps(base)
    cases["truncated"] = text[: len(text) // 2]
    cases["empty"] = ""
    cases["not_json"] = "nodes: []"
    return cases


# Loads one text in a fresh interpreter (bad input can crash MXNet) and prints the result.
_LOADER = r"""
import sys, mxnet as mx
text = open(sys.argv[1], encoding="utf-8").read()
try:
    s = mx.sym.load_json(text)
    s.tojson()
    print("ok")
except Exception as err:
    print("error: " + str(err).strip().splitlines()[-1][:300])
"""

_JAXSYM_WRITER = r"""
import os, sys
sys.path.insert(0, os.path.join(sys.argv[1], "tests", "formats"))
import numpy as np
import jaxsym as mx
import json_cases
from jaxsym.formats import checkpoint
out = sys.argv[2]
for name in json_cases.CASES:
    try:
        text = json_cases.build(mx, name).tojson()
    except Exception as err:
        text = "ERROR " + type(err).__name__ + ": " + str(err)
    with open(os.path.join(out, name + ".json"), "w", encoding="utf-8") as f:
        f.write(text)
net = json_cases.build(mx, "conv_bn")
shapes, _, aux_shapes = net.infer_shape(data=(2, 3, 6, 6))
rng = np.random.default_rng(7)
args = {n: rng.standard_normal(s).astype(np.float32)
        for n, s in zip(net.list_arguments(), shapes) if n not in ("data", "softmax_label")}
aux = {n: rng.standard_normal(s).astype(np.float32)
       for n, s in zip(net.list_auxiliary_states(), aux_shapes)}
checkpoint.save_checkpoint(os.path.join(out, "ckpt"), 5, net,
                           {k: mx.nd.array(v) for k, v in args.items()},
                           {k: mx.nd.array(v) for k, v in aux.items()})
np.savez(os.path.join(out, "ckpt_values.npz"),
         **{"arg:" + k: v for k, v in args.items()}, **{"aux:" + k: v for k, v in aux.items()})
"""


def _mxnet_load(path: str) -> str:
    run = subprocess.run([sys.executable, "-c", _LOADER, path], capture_output=True,
                         text=True, check=False,
                         env={**os.environ, "MXNET_SUBGRAPH_BACKEND": "NONE"})
    if run.returncode != 0:
        return f"crash (exit {run.returncode})"
    return run.stdout.strip().splitlines()[-1]


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def _describe(sym: mx.sym.Symbol) -> dict:
    return {"arguments": sym.list_arguments(), "outputs": sym.list_outputs(),
            "aux": sym.list_auxiliary_states()}


def record_built(manifest: dict, jax_dir: str) -> None:
    os.makedirs(os.path.join(OUT, "built"), exist_ok=True)
    for name in json_cases.CASES:
        sym = json_cases.build(mx, name)
        text = sym.tojson()
        assert mx.sym.load_json(text).tojson() == text, name
        _write(os.path.join(OUT, "built", f"{name}.json"), text)
        entry = _describe(sym)
        with open(os.path.join(jax_dir, f"{name}.json"), encoding="utf-8") as f:
            ours = f.read()
        if ours.startswith("ERROR "):
            entry["jaxsym"] = ours
        else:
            again = mx.sym.load_json(ours).tojson()
            entry["jaxsym"] = {"mxnet_reproduces_jaxsym_text": again == ours,
                               "jaxsym_text_equals_mxnet": ours == text}
        manifest["built"][name] = entry


def record_legacy(manifest: dict) -> None:
    os.makedirs(os.path.join(OUT, "legacy"), exist_ok=True)
    for name, obj in LEGACY.items():
        text = json.dumps(obj, indent=1)
        _write(os.path.join(OUT, "legacy", f"{name}.json"), text)
        sym = mx.sym.load_json(text)
        _write(os.path.join(OUT, "legacy", f"{name}.expected.json"), sym.tojson())
        manifest["legacy"][name] = _describe(sym)


def record_corrupt(manifest: dict) -> None:
    os.makedirs(os.path.join(OUT, "corrupt"), exist_ok=True)
    with open(os.path.join(OUT, "built", "mlp.json"), encoding="utf-8") as f:
        base = json.load(f)
    paths = {}
    for name, text in _corrupt_cases(base).items():
        paths[name] = os.path.join(OUT, "corrupt", f"{name}.json")
        _write(paths[name], text)
    with ThreadPoolExecutor(8) as pool:  # one interpreter per file: MXNet may crash
        outcomes = pool.map(_mxnet_load, paths.values())
    manifest["corrupt"] = dict(zip(paths, outcomes))


def record_checkpoints(manifest: dict, jax_dir: str) -> None:
    directory = os.path.join(OUT, "checkpoint")
    os.makedirs(directory, exist_ok=True)
    rng = np.random.RandomState(0)
    for name, shape in (("mlp", (2, 5)), ("conv_bn", (2, 3, 6, 6))):
        net = json_cases.build(mx, name)
        arg_shapes, _, aux_shapes = net.infer_shape(data=shape)
        args = {n: mx.nd.array(rng.randn(*s)) for n, s in zip(net.list_arguments(), arg_shapes)
                if n not in ("data", "softmax_label")}
        aux = {n: mx.nd.array(rng.rand(*s)) for n, s in
               zip(net.list_auxiliary_states(), aux_shapes)}
        mx.model.save_checkpoint(os.path.join(directory, name), EPOCH, net, args, aux)
    # The checkpoint jaxsym wrote, loaded by MXNet.
    sym, args, aux = mx.model.load_checkpoint(os.path.join(jax_dir, "ckpt"), 5)
    expected = dict(np.load(os.path.join(jax_dir, "ckpt_values.npz")))
    loaded = {**{"arg:" + k: v.asnumpy() for k, v in args.items()},
              **{"aux:" + k: v.asnumpy() for k, v in aux.items()}}
    with open(os.path.join(jax_dir, "ckpt-symbol.json"), encoding="utf-8") as f:
        ours = f.read()
    manifest["jaxsym_checkpoint"] = {
        "loaded_keys": sorted(loaded),
        "same_keys": sorted(loaded) == sorted(expected),
        "same_values": all(np.array_equal(loaded[k], expected[k]) for k in expected
                           if k in loaded),
        "symbol_round_trip": sym.tojson() == ours,
        "arguments": sym.list_arguments(),
    }


def main() -> None:
    if os.path.isdir(OUT):
        for sub in ("built", "legacy", "corrupt", "checkpoint"):
            shutil.rmtree(os.path.join(OUT, sub), ignore_errors=True)
    os.makedirs(OUT, exist_ok=True)
    manifest: dict = {"mxnet": mx.__version__, "built": {}, "legacy": {}, "corrupt": {}}
    with tempfile.TemporaryDirectory() as jax_dir:
        subprocess.run([JAXSYM_PYTHON, "-c", _JAXSYM_WRITER, ROOT, jax_dir], check=True,
                       env={**os.environ, "PYTHONPATH": os.path.join(ROOT, "src"),
                            "JAX_PLATFORMS": "cpu"})
        record_built(manifest, jax_dir)
        record_legacy(manifest)
        record_corrupt(manifest)
        record_checkpoints(manifest, jax_dir)
    with open(os.path.join(OUT, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
