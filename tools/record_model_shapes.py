"""Record the structure of jaxsym.models' networks as built by real MXNet 1.9.1.

Run in the reference venv:
    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_model_shapes.py
The builders are loaded from src/jaxsym/models without importing jaxsym (no jax there)
and given `mxnet.sym`. Writes tests/data/models/shapes.json: per case, the builder and
its arguments, then MXNet's argument/aux/output names, internal output names and
inferred shapes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("MXNET_SUBGRAPH_BACKEND", "NONE")
import mxnet as mx  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
from _sources import load_models  # tools/, on sys.path when run as a script

# id -> (module, keyword arguments, data shape)
CASES = {
    "mlp": ("mlp", {"num_classes": 10}, (2, 784)),
    "lenet": ("lenet", {"num_classes": 10}, (2, 1, 28, 28)),
    "resnet_v2_cifar20": ("resnet", {"num_classes": 10, "num_layers": 20,
                                     "image_shape": "3,28,28"}, (2, 3, 28, 28)),
    "resnet_v2_cifar164": ("resnet", {"num_classes": 10, "num_layers": 164,
                                      "image_shape": "3,28,28"}, (1, 3, 28, 28)),
    "resnet_v2_18": ("resnet", {"num_classes": 1000, "num_layers": 18}, (1, 3, 224, 224)),
    "resnet_v2_34": ("resnet", {"num_classes": 1000, "num_layers": 34}, (1, 3, 224, 224)),
    "resnet_v2_50": ("resnet", {"num_classes": 1000, "num_layers": 50}, (1, 3, 224, 224)),
    "resnet_v1_cifar20": ("resnet", {"num_classes": 10, "num_layers": 20, "version": 1,
                                     "image_shape": "3,28,28"}, (2, 3, 28, 28)),
    "resnet_v1_18": ("resnet", {"num_classes": 1000, "num_layers": 18, "version": 1},
                     (1, 3, 224, 224)),
    "resnet_v1_34": ("resnet", {"num_classes": 1000, "num_layers": 34, "version": 1},
                     (1, 3, 224, 224)),
    "resnet_v1_50": ("resnet", {"num_classes": 1000, "num_layers": 50, "version": 1},
                     (1, 3, 224, 224)),
    "vgg11": ("vgg", {"num_classes": 1000, "num_layers": 11}, (1, 3, 224, 224)),
    "vgg16_bn": ("vgg", {"num_classes": 100, "num_layers": 16, "batch_norm": True},
                 (1, 3, 224, 224)),
    "mobilenet": ("mobilenet", {"num_classes": 1000}, (1, 3, 224, 224)),
    "mobilenet_025_160": ("mobilenet", {"num_classes": 10, "alpha": 0.25,
                                        "resolution": 160}, (1, 3, 160, 160)),
    "inception_bn": ("inception_bn", {"num_classes": 1000}, (1, 3, 224, 224)),
    "inception_bn_28": ("inception_bn", {"num_classes": 10, "image_shape": "3,28,28"},
                        (2, 3, 28, 28)),
}


def describe(net, data_shape) -> dict:
    arg_shapes, out_shapes, aux_shapes = net.infer_shape(data=data_shape)
    return {"arguments": net.list_arguments(), "aux_states": net.list_auxiliary_states(),
            "outputs": net.list_outputs(),
            "internals": net.get_internals().list_outputs(),
            "arg_shapes": [list(s) for s in arg_shapes],
            "out_shapes": [list(s) for s in out_shapes],
            "aux_shapes": [list(s) for s in aux_shapes]}


# id -> (resnet.resnet keyword arguments, data shape)
SMALL_RESNETS = {
    "v2_imagenet_stem": ({"units": (1, 1), "filter_list": (4, 4, 8), "num_classes": 5,
                          "image_shape": (3, 40, 40), "bottle_neck": False, "version": 2},
                         (2, 3, 40, 40)),
    "v1_cifar_stem": ({"units": (1, 1), "filter_list": (4, 8, 8), "num_classes": 5,
                       "image_shape": (3, 12, 12), "bottle_neck": True, "version": 1},
                      (2, 3, 12, 12)),
}


def seeded_arrays(net, data_shape, seed: int) -> dict[str, np.ndarray]:
    """Inputs, parameters and moving statistics for `net`, from numpy's seeded RNG."""
    rng = np.random.default_rng(seed)
    arg_shapes, _, aux_shapes = net.infer_shape(data=data_shape)
    names = net.list_arguments() + net.list_auxiliary_states()
    arrays = {}
    for name, shape in zip(names, arg_shapes + aux_shapes):
        if name == "softmax_label":
            value = rng.integers(0, 5, shape)  # num_classes is 5
        elif name.endswith(("_gamma", "_moving_var")):
            value = rng.uniform(0.5, 1.5, shape)
        elif name.endswith("_weight"):  # fan-in scaling keeps the softmax unsaturated
            value = rng.normal(0, 1 / np.sqrt(np.prod(shape[1:])), shape)
        else:
            value = rng.normal(0, 0.5, shape)
        arrays[name] = value.astype(np.float32)
    return arrays


def record_small_resnets(models) -> None:
    out = {}
    for case_id, (kwargs, data_shape) in SMALL_RESNETS.items():
        with mx.name.NameManager():
            net = models.resnet.resnet(sym=mx.sym, **kwargs)
        arrays = seeded_arrays(net, data_shape, seed=len(out))
        args = {n: mx.nd.array(arrays[n]) for n in net.list_arguments()}
        aux = {n: mx.nd.array(arrays[n]) for n in net.list_auxiliary_states()}
        grads = {n: mx.nd.zeros(a.shape) for n, a in args.items()}
        ex = net.bind(mx.cpu(), args, args_grad=grads, aux_states=aux)
        out[f"{case_id}|infer"] = ex.forward(is_train=False)[0].asnumpy()
        out[f"{case_id}|train"] = ex.forward(is_train=True)[0].asnumpy()
        ex.backward()
        mx.nd.waitall()
        for name, value in arrays.items():
            out[f"{case_id}|in|{name}"] = value
        for name, grad in grads.items():
            if name not in ("data", "softmax_label"):
                out[f"{case_id}|grad|{name}"] = grad.asnumpy()
    path = ROOT / "tests" / "data" / "models" / "small_resnets.npz"
    np.savez_compressed(path, **out)
    print(f"{len(SMALL_RESNETS)} small ResNets -> {path} ({path.stat().st_size} bytes)")


def main() -> None:
    models = load_models()
    result = {}
    for case_id, (module, kwargs, data_shape) in CASES.items():
        with mx.name.NameManager():
            net = getattr(models, module).get_symbol(sym=mx.sym, **kwargs)
        result[case_id] = {"module": module, "kwargs": kwargs, "data_shape": list(data_shape),
                           **describe(net, data_shape)}
    out = ROOT / "tests" / "data" / "models" / "shapes.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, separators=(",", ":"), sort_keys=True) + "\n")
    print(f"{len(result)} cases -> {out} ({out.stat().st_size} bytes)")
    record_small_resnets(models)


if __name__ == "__main__":
    main()
