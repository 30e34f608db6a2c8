"""Record real networks under MXNet 1.9.1: Gluon's model zoo and jaxsym.models' builders.

Run in the reference venv:
    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_model_zoo.py [name ...]

For each network the parameters are set from `recipe_params` (seeded numpy, no download),
then the network is exported as MXNet does it (Gluon: hybridize, forward, `export`; classic
builders: `mx.model.save_checkpoint`) into the cache folder (`$JAXSYM_MODEL_CACHE`, else
~/.cache/jaxsym-model-zoo; never committed). The recorder checks that the exported .params
equal the recipe bit for bit, so tests can rebuild them without the file.

Committed per network, as tests/data/model_zoo/<name>.json.gz: the symbol JSON, the data
shape, MXNet's argument/aux/output names and inferred shapes, a fingerprint of each
parameter, the head and two internal outputs on `recipe_input` (all values, or an evenly
spaced sample of large ones), and MXNet's `print_summary` text with and without shapes.

This module's recipe functions use numpy only, so the tests import them from here.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "data" / "model_zoo"

PARAM_SEED = 0
INPUT_SEED = 1
# Arrays up to this size are stored whole; larger ones as this many evenly spaced values.
SAMPLE = 1024

# name -> (kind, model or builder, builder kwargs, data shape, big). `big` networks are
# tested only on request (slow to compile or large weights).
NETWORKS: dict[str, tuple[str, str, dict, tuple[int, ...], bool]] = {
    "resnet18_v1": ("gluon", "resnet18_v1", {}, (1, 3, 224, 224), False),
    "resnet50_v2": ("gluon", "resnet50_v2", {}, (1, 3, 224, 224), True),
    "mobilenet1.0": ("gluon", "mobilenet1.0", {}, (1, 3, 224, 224), False),
    "mobilenetv2_1.0": ("gluon", "mobilenetv2_1.0", {}, (1, 3, 224, 224), False),
    "squeezenet1.1": ("gluon", "squeezenet1.1", {}, (1, 3, 224, 224), False),
    "densenet121": ("gluon", "densenet121", {}, (1, 3, 224, 224), True),
    "vgg11_bn": ("gluon", "vgg11_bn", {}, (1, 3, 224, 224), True),
    "alexnet": ("gluon", "alexnet", {}, (1, 3, 224, 224), True),
    "inceptionv3": ("gluon", "inceptionv3", {}, (1, 3, 299, 299), True),
    "classic_mlp": ("classic", "mlp", {"num_classes": 10}, (2, 784), False),
    "classic_lenet": ("classic", "lenet", {"num_classes": 10}, (2, 1, 28, 28), False),
    "classic_resnet_v2_cifar20": ("classic", "resnet", {
        "num_classes": 10, "num_layers": 20, "image_shape": "3,28,28"}, (2, 3, 28, 28), False),
    "classic_resnet_v1_18": ("classic", "resnet", {
        "num_classes": 1000, "num_layers": 18, "version": 1}, (1, 3, 224, 224), True),
    "classic_inception_bn_28": ("classic", "inception_bn", {
        "num_classes": 10, "image_shape": "3,28,28"}, (2, 3, 28, 28), False),
    "classic_inception_bn": ("classic", "inception_bn", {"num_classes": 1000},
                             (1, 3, 224, 224), True),
    "classic_mobilenet": ("classic", "mobilenet", {"num_classes": 1000}, (1, 3, 224, 224),
                          True),
    "classic_vgg11": ("classic", "vgg", {"num_classes": 1000, "num_layers": 11},
                      (1, 3, 224, 224), True),
}


# -- the recipe (numpy only: shared with tests/models/test_model_zoo.py) -------------------
def is_input(name: str) -> bool:
    """Data and label arguments are fed, not learned."""
    return name == "data" or name.endswith("_label")


def recipe_params(shapes: Mapping[str, Sequence[int]], seed: int = PARAM_SEED
                  ) -> dict[str, np.ndarray]:
    """Every parameter and aux state, drawn in sorted-name order from one RandomState.

    Weights are He-scaled normals (std sqrt(2 / fan_in)) so activations stay O(1) through
    deep ReLU networks; biases, betas and moving means are small uniforms; gammas and
    moving variances are uniform in [0.5, 1.5], so variances stay positive.
    """
    rng = np.random.RandomState(seed)
    params = {}
    for name in sorted(shapes):
        shape = tuple(int(d) for d in shapes[name])
        if name.endswith("_weight"):
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
            value = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
        elif name.endswith(("_bias", "_beta", "_mean")):
            value = rng.uniform(-0.1, 0.1, shape)
        elif name.endswith(("_gamma", "_var")):
            value = rng.uniform(0.5, 1.5, shape)
        else:
            raise ValueError(f"no recipe for parameter {name!r}")
        params[name] = value.astype(np.float32)
    return params


def symbol_shapes(net, data_shape: Sequence[int]) -> dict[str, tuple[int, ...]]:
    """Argument and aux shapes of an MXNet or jaxsym symbol for this data shape."""
    arg_shapes, _, aux_shapes = net.infer_shape(data=tuple(data_shape))
    shapes = dict(zip(net.list_arguments(), arg_shapes))
    shapes.update(zip(net.list_auxiliary_states(), aux_shapes))
    return shapes


def symbol_recipe(net, data_shape: Sequence[int]) -> dict[str, np.ndarray]:
    """`recipe_params` for every learned argument and aux state of `net`."""
    shapes = symbol_shapes(net, data_shape)
    return recipe_params({k: s for k, s in shapes.items() if not is_input(k)})


def recipe_input(shape: Sequence[int], seed: int = INPUT_SEED) -> np.ndarray:
    """The fixed input batch: uniform in [-1, 1)."""
    return np.random.RandomState(seed).uniform(-1, 1, tuple(shape)).astype(np.float32)


def fingerprint(value: np.ndarray) -> list[float]:
    """[sum, first element] in float64: enough to tell two recipes apart."""
    flat = np.asarray(value, dtype=np.float64).ravel()
    return [float(flat.sum()), float(flat[0])]


def sample(value: np.ndarray) -> dict:
    """The shape, summary statistics and all values (or SAMPLE evenly spaced ones)."""
    flat = np.asarray(value, dtype=np.float32).ravel()
    record = {"shape": list(value.shape), "sum": float(flat.astype(np.float64).sum()),
              "max_abs": float(np.abs(flat).max())}
    if flat.size > SAMPLE:
        record["index"] = sample_index(flat.size).tolist()
        flat = flat[record["index"]]
    record["values"] = [float(v) for v in flat]
    return record


def sample_index(size: int) -> np.ndarray:
    return np.linspace(0, size - 1, SAMPLE).astype(np.int64)


def cache_dir() -> Path:
    """Where exported checkpoints live: $JAXSYM_MODEL_CACHE or ~/.cache/jaxsym-model-zoo."""
    return Path(os.environ.get("JAXSYM_MODEL_CACHE")
                or Path.home() / ".cache" / "jaxsym-model-zoo")


def fixture_path(name: str) -> Path:
    return FIXTURES / f"{name}.json.gz"


# -- recording (needs MXNet) ------------------------------------------------------------
def _export_gluon(mx, model: str, data: np.ndarray, prefix: Path) -> None:
    """Random init, hybridize, forward, recipe parameters, forward, export (epoch 0)."""
    from mxnet.gluon.model_zoo import vision

    net = vision.get_model(model)
    net.initialize()
    net.hybridize()
    net(mx.nd.array(data))  # resolves deferred shapes
    params = net.collect_params()
    values = recipe_params({k: p.shape for k, p in params.items()})
    for key, param in params.items():
        param.set_data(mx.nd.array(values[key]))
    net(mx.nd.array(data)).wait_to_read()
    net.export(str(prefix), epoch=0)


def _export_classic(mx, models, builder: str, kwargs: dict, data_shape, prefix: Path
                    ) -> None:
    with mx.name.NameManager():
        net = getattr(models, builder).get_symbol(sym=mx.sym, **kwargs)
    values = {k: mx.nd.array(v) for k, v in symbol_recipe(net, data_shape).items()}
    args = {k: v for k, v in values.items() if k in net.list_arguments()}
    aux = {k: v for k, v in values.items() if k not in args}
    mx.model.save_checkpoint(str(prefix), 0, net, args, aux)


def _summary_text(mx, symbol, data_shape) -> str:
    """MXNet's printed table, with shapes, or without when `data_shape` is None."""
    buffer = io.StringIO()
    shape = None if data_shape is None else {"data": tuple(data_shape)}
    with contextlib.redirect_stdout(buffer):
        mx.viz.print_summary(symbol, shape=shape)
    return buffer.getvalue()


def _probe_names(graph: dict) -> list[str]:
    """Two internal outputs (a third and two thirds of the way in), and the head's
    first input when the head is a loss layer (its probabilities hide the logits)."""
    nodes = graph["nodes"]
    ops = [i for i, n in enumerate(nodes) if n["op"] != "null"]
    names = [nodes[ops[len(ops) // 3]]["name"], nodes[ops[2 * len(ops) // 3]]["name"]]
    head = nodes[graph["heads"][0][0]]
    if head["op"] == "SoftmaxOutput":
        names.append(nodes[head["inputs"][0][0]]["name"])
    return [f"{n}_output" for n in dict.fromkeys(names)]


def record(mx, models, name: str) -> dict:
    kind, model, kwargs, data_shape, big = NETWORKS[name]
    prefix = cache_dir() / name
    prefix.parent.mkdir(parents=True, exist_ok=True)
    data = recipe_input(data_shape)
    if kind == "gluon":
        _export_gluon(mx, model, data, prefix)
    else:
        _export_classic(mx, models, model, kwargs, data_shape, prefix)

    symbol_json = Path(f"{prefix}-symbol.json").read_text()
    net, arg_params, aux_params = mx.model.load_checkpoint(str(prefix), 0)
    arg_shapes, out_shapes, aux_shapes = net.infer_shape(data=data_shape)
    shapes = symbol_shapes(net, data_shape)
    recipe = symbol_recipe(net, data_shape)
    saved = {**arg_params, **aux_params}
    if sorted(saved) != sorted(recipe):
        raise AssertionError(f"{name}: exported names differ from the recipe's")
    for key, value in recipe.items():
        if not np.array_equal(saved[key].asnumpy(), value):
            raise AssertionError(f"{name}: exported {key} differs from the recipe")

    graph = json.loads(symbol_json)
    probes = _probe_names(graph)
    internals = net.get_internals()
    group = mx.sym.Group([net] + [internals[p] for p in probes])
    feed = {"data": mx.nd.array(data)}
    feed.update({k: mx.nd.zeros(s) for k, s in shapes.items() if is_input(k) and k != "data"})
    executor = group.bind(mx.cpu(), {**feed, **arg_params}, aux_states=aux_params,
                          grad_req="null")
    outputs = [o.asnumpy() for o in executor.forward(is_train=False)]
    if not all(np.isfinite(o).all() for o in outputs):
        raise AssertionError(f"{name}: non-finite outputs")
    return {
        "name": name, "kind": kind, "model": model, "kwargs": kwargs,
        "data_shape": list(data_shape), "big": big,
        "param_seed": PARAM_SEED, "input_seed": INPUT_SEED,
        "symbol": symbol_json,
        "arguments": net.list_arguments(), "aux_states": net.list_auxiliary_states(),
        "outputs": net.list_outputs(),
        "arg_shapes": [list(s) for s in arg_shapes],
        "out_shapes": [list(s) for s in out_shapes],
        "aux_shapes": [list(s) for s in aux_shapes],
        "fingerprints": {k: fingerprint(v) for k, v in sorted(recipe.items())},
        "head": sample(outputs[0]),
        "probes": {p: sample(o) for p, o in zip(probes, outputs[1:])},
        "summary": _summary_text(mx, net, data_shape),
        "summary_no_shape": _summary_text(mx, net, None),
    }


def main(argv: Sequence[str]) -> None:
    os.environ.setdefault("MXNET_SUBGRAPH_BACKEND", "NONE")
    import mxnet as mx

    names = list(argv) or list(NETWORKS)
    unknown = sorted(set(names) - set(NETWORKS))
    if unknown:
        raise SystemExit(f"unknown networks {unknown}; choose from {sorted(NETWORKS)}")
    from _sources import load_models  # tools/, on sys.path when run as a script
    models = load_models()
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for name in names:
        entry = record(mx, models, name)
        text = json.dumps(entry, sort_keys=True).encode()
        # mtime=0: re-recording the same network gives the same bytes.
        with open(fixture_path(name), "wb") as raw, gzip.GzipFile(
                fileobj=raw, mode="wb", mtime=0, compresslevel=9) as out:
            out.write(text)
        print(f"{name}: {fixture_path(name).stat().st_size // 1024} KiB, head max |y| "
              f"{entry['head']['max_abs']:.3g}, probes "
              f"{[round(p['max_abs'], 3) for p in entry['probes'].values()]}")


if __name__ == "__main__":
    main(sys.argv[1:])
