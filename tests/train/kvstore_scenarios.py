"""KVStore scripts defined once and run on both sides: real MXNet 1.9.1 (by
tools/record_kvstore_fixtures.py) and jaxsym (by tests/train/test_kvstore.py). `run` and
`run_error` take the `mx` module, so the very same code drives both stores.

A script is a list of operations on one store. Values are specs, built on each side
with numpy: `C(v)` an array filled with v, `R(seed)` seeded normal values, `Z()` zeros
to pull into; a list of specs is one value per device. Pulls record what they wrote.
"""

from __future__ import annotations

import os

import numpy as np

SHAPE = (2, 3)
NAMES = ["local", "device", "local_update_cpu", "local_allreduce_cpu",
         "local_allreduce_device", "LOCAL", "Device", "my_store"]
# Recorded under a one-worker launcher (MXNet's dist stores need one).
DIST_NAMES = ["dist_sync", "dist_async", "dist_sync_device", "dist_device_sync"]


def C(value: float, shape: tuple = SHAPE) -> dict:
    return {"fill": value, "shape": list(shape)}


def R(seed: int, shape: tuple = SHAPE) -> dict:
    return {"rand": seed, "shape": list(shape)}


def Z(shape: tuple = SHAPE) -> dict:
    return {"zeros": list(shape)}


SGD = {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01, "rescale_grad": 0.5}
FACTOR = {"learning_rate": 0.1, "momentum": 0.5,
          "lr_scheduler": {"step": 2, "factor": 0.5, "base_lr": 0.1}}
NAMED = {"learning_rate": 0.1, "wd": 0.1, "param_idx2name": {0: "fc_weight", 1: "fc_bias"}}
W, B = (4, 3), (4,)


def _steps(keys: list, shapes: list, n: int, seed: int, per_device: int = 1) -> list:
    """n rounds of push (one random gradient per device) then pull, for every key."""
    ops = []
    for step in range(n):
        grads = [[R(seed + 100 * step + 10 * i + d, s) for d in range(per_device)]
                 for i, s in enumerate(shapes)]
        ops.append(["push", keys, grads])
        ops.append(["pull", keys, [Z(s) for s in shapes]])
    return ops


SCENARIOS: dict[str, tuple[str, list]] = {
    "int_keys": ("local", [
        ["init", 3, C(2)], ["pull", 3, Z()],
        ["push", 3, C(8)], ["pull", 3, [Z(), Z()]],
        ["push", 3, [C(1), C(3), R(0)]], ["pull", 3, Z()],
        ["init", [5, 7, 9], [R(1), R(2), R(3)]],
        ["push", [5, 7], [[C(1), C(2)], C(5)]], ["pull", [5, 7, 9], [Z(), [Z(), Z()], Z()]],
        ["push", [9, 9], [C(1), C(10)]], ["pull", 9, Z()],
        ["init", -1, C(4)], ["pull", -1, Z()],
    ]),
    "str_keys": ("device", [
        ["init", ["w", "b"], [R(4), C(1)]], ["pull", ["b", "w"], [Z(), Z()]],
        ["push", "w", [C(1), C(2)]], ["push", "b", R(5)], ["pull", ["w", "b"], [Z(), Z()]],
    ]),
    "dtype_follows_push": ("local", [
        ["init", 0, C(1.5)], ["pull", 0, {"zeros": list(SHAPE), "dtype": "int32"}],
        ["push", 0, C(2.75)], ["pull", 0, {"zeros": list(SHAPE), "dtype": "float64"}],
    ]),
    "pushpull": ("local", [
        ["init", [0, 1, 2], [C(1), C(1), R(18)]],
        ["pushpull", 0, C(6), Z()], ["pushpull", 1, [C(1), C(2)], [Z(), Z()]],
        ["pushpull", 0, [C(1), C(2)], None],
        ["set_updater"], ["pushpull", [0, 1], [C(1), R(6)], [Z(), Z()]],
        # Key 2 only: after a no-updater push of several values MXNet's stored array is
        # its reduce buffer, which the next push of several values overwrites.
        ["pushpull", 2, [C(2), C(3)], None],
    ]),
    "broadcast": ("local", [
        ["broadcast", 4, R(7), Z()], ["broadcast", [5, 6], [C(1), C(2)], [[Z(), Z()], Z()]],
        ["push", 4, C(3)], ["pull", 4, Z()],
    ]),
    "updater_int": ("local", [
        ["set_updater"], ["init", [5, 3, 9, 1], [C(1), C(2), C(3), C(4)]],
        ["push", [5, 3, 9, 5, 1], [C(1), C(1), C(1), C(1), C(1)]],
        ["pull", [1, 3, 5, 9], [Z(), Z(), Z(), Z()]],
    ]),
    "updater_str": ("local", [
        ["set_updater"], ["init", ["zb", "ya", "xc"], [C(1), C(2), C(3)]],
        ["push", ["xc", "ya", "zb"], [C(1), [C(1), C(2)], C(1)]],
        ["pull", ["zb", "ya", "xc"], [Z(), Z(), Z()]],
    ]),
    "sgd_momentum": ("local", [
        ["set_optimizer", SGD], ["init", [0, 1], [R(8, W), R(9, B)]],
        *_steps([0, 1], [W, B], 3, seed=20),
        *_steps([0, 1], [W, B], 2, seed=50, per_device=2),
    ]),
    "sgd_scheduler_str": ("local", [
        ["set_optimizer", FACTOR], ["init", ["fc_weight", "fc_bias"], [R(10, W), R(11, B)]],
        *_steps(["fc_weight", "fc_bias"], [W, B], 5, seed=60),
    ]),
    "sgd_named_wd": ("local", [
        ["set_optimizer", NAMED], ["init", ["fc_weight", "fc_bias"], [R(12, W), R(13, B)]],
        *_steps(["fc_weight", "fc_bias"], [W, B], 3, seed=70),
    ]),
    "states_roundtrip": ("local", [
        ["set_optimizer", SGD], ["init", [0, 1], [R(14, W), R(15, B)]],
        *_steps([0, 1], [W, B], 2, seed=80),
        ["save_states"], ["reload_states", SGD, [0, 1], [W, B]],
        *_steps([0, 1], [W, B], 2, seed=90),
    ]),
    "compression_2bit": ("device", [
        ["compression", {"type": "2bit", "threshold": 0.5}], ["init", 0, C(0, (6,))],
        *[op for s in range(4) for op in (["push", 0, R(200 + s, (6,))], ["pull", 0, Z((6,))])],
        ["pushpull", 0, R(210, (6,)), Z((6,))],
    ]),
    "sgd_dist": ("dist_sync", [
        ["set_optimizer", SGD], ["init", [0, 1], [R(16, W), R(17, B)]],
        ["push", 0, [C(1, W), C(2, W)]], ["pull", 0, Z(W)],
        *_steps([0, 1], [W, B], 3, seed=400),
    ]),
    "compression_dist": ("dist_sync", [
        ["compression", {"type": "2bit", "threshold": 0.25}], ["init", "g", C(0, (6,))],
        *[op for s in range(3) for op in (["push", "g", R(300 + s, (6,))],
                                          ["pull", "g", Z((6,))])],
        # A dist store sums the devices' values first and compresses the sum once.
        *[op for s in range(3) for op in (["push", "g", [R(310 + s, (6,)), R(320 + s, (6,))]],
                                          ["pull", "g", Z((6,))])],
    ]),
}

# name -> (store type, setup ops, failing op, text both MXNet's message and ours contain)
ERRORS: dict[str, tuple[str, list, list, str | None]] = {
    "reinit_int": ("local", [["init", 3, C(1)]], ["init", 3, C(2)],
                   "duplicate init of key 3"),
    "reinit_str": ("local", [["init", "w", C(1)]], ["init", "w", C(2)],
                   "duplicate init of key w"),
    "reinit_by_broadcast": ("local", [["broadcast", 4, C(1), Z()]],
                            ["broadcast", 4, C(1), Z()], "duplicate init of key 4"),
    "init_list_for_one_key": ("local", [], ["init", 11, [C(1), C(2)]],
                              "duplicate init of key 11"),
    "pull_unknown": ("local", [["init", 3, C(1)]], ["pull", 99, Z()],
                     "key 99 has not been inited"),
    "mixed_key_types": ("local", [["init", 3, C(1)]], ["init", "w", C(1)],
                        "Mixed key types are not allowed"),
    "mixed_key_types_pull": ("local", [["init", "w", C(1)]], ["pull", 3, Z()],
                             "Mixed key types are not allowed"),
    "pull_shape": ("local", [["init", 3, C(1)]], ["pull", 3, Z((3, 3))], None),
    "key_type": ("local", [], ["init", 3.5, C(1)], "unexpected type for keys: <class 'float'>"),
    "compression_local": ("local", [], ["compression", {"type": "2bit"}],
                          "Gradient compression is not supported for this type of kvstore"),
    "compression_1bit": ("device", [], ["compression", {"type": "1bit"}],
                         "Unknown type for gradient compression 1bit"),
    "compression_no_type": ("device", [], ["compression", {"threshold": 0.5}],
                            "Required parameter type of string is not presented"),
    "row_sparse_pull": ("local", [["init", 3, C(1)]], ["row_sparse_pull", 3, Z()],
                        "xpected row_sparse storage type for row_sparse_pull values"),
    "unknown_capability": ("local", [], ["is_capable", "foo"], "Unknown capability: foo"),
    "save_without_optimizer": ("local", [], ["save_states"], None),
}


def build(mx, spec):
    """An NDArray (or list of them) from a value spec."""
    if spec is None:
        return None
    if isinstance(spec, list):
        return [build(mx, s) for s in spec]
    if "zeros" in spec:
        return mx.nd.zeros(tuple(spec["zeros"]), dtype=spec.get("dtype", "float32"))
    if "fill" in spec:
        return mx.nd.array(np.full(spec["shape"], spec["fill"], np.float32))
    values = np.random.RandomState(spec["rand"]).normal(0, 1, spec["shape"])
    return mx.nd.array(values.astype(np.float32))


def _host(arrays):
    if isinstance(arrays, list):
        return [_host(a) for a in arrays]
    return np.asarray(arrays.asnumpy(), np.float64).tolist()


def _optimizer(mx, kwargs: dict):
    kwargs = dict(kwargs)
    if "lr_scheduler" in kwargs:
        kwargs["lr_scheduler"] = mx.lr_scheduler.FactorScheduler(**kwargs["lr_scheduler"])
    return mx.optimizer.SGD(**kwargs)


class _Runner:
    """Runs ops on one store, recording pulls and the custom updater's calls."""

    def __init__(self, mx, name: str, tmpdir: str) -> None:
        self.mx, self.kv, self.tmpdir = mx, mx.kv.create(name), tmpdir
        self.results: list = []
        self.calls: list = []

    def updater(self, key, value, stored) -> None:
        shown = {"bytes": key.decode()} if isinstance(key, bytes) else key
        self.calls.append([shown, float(value.asnumpy().sum()), float(stored.asnumpy().sum())])
        stored += value * 2

    def do(self, op: list):
        mx, kv, kind = self.mx, self.kv, op[0]
        states = os.path.join(self.tmpdir, "kv.states")
        if kind == "init":
            kv.init(op[1], build(mx, op[2]))
        elif kind == "push":
            kv.push(op[1], build(mx, op[2]))
        elif kind in ("pull", "row_sparse_pull"):
            out = build(mx, op[2])
            if kind == "pull":
                kv.pull(op[1], out=out)
            else:
                kv.row_sparse_pull(op[1], out=out, row_ids=mx.nd.array([0]))
            self.results.append(_host(out))
        elif kind == "pushpull":
            value, out = build(mx, op[2]), build(mx, op[3])
            kv.pushpull(op[1], value, out=out)
            self.results.append(_host(value if out is None else out))
        elif kind == "broadcast":
            out = build(mx, op[3])
            kv.broadcast(op[1], build(mx, op[2]), out=out)
            self.results.append(_host(out))
        elif kind == "set_optimizer":
            kv.set_optimizer(_optimizer(mx, op[1]))
        elif kind == "set_updater":
            kv._set_updater(self.updater)
        elif kind == "compression":
            kv.set_gradient_compression(op[1])
        elif kind == "is_capable":
            return kv.is_capable(op[1])
        elif kind == "save_states":
            kv.save_optimizer_states(states)
        elif kind == "reload_states":
            # A new store, as after a restart: same optimizer, current weights, saved states.
            current = [build(mx, Z(s)) for s in op[3]]
            kv.pull(op[2], out=current)
            self.kv = mx.kv.create(kv.type)
            self.kv.set_optimizer(_optimizer(mx, op[1]))
            self.kv.init(op[2], current)
            self.kv.load_optimizer_states(states)
        mx.nd.waitall()
        return None


def run(mx, script: str, tmpdir: str) -> dict:
    """Run SCENARIOS[script]: {"results": pulled values, "calls": custom updater calls}."""
    name, ops = SCENARIOS[script]
    runner = _Runner(mx, name, tmpdir)
    for op in ops:
        runner.do(op)
    return {"results": runner.results, "calls": runner.calls}


def run_error(mx, case: str, tmpdir: str) -> BaseException | None:
    """The exception the failing op of ERRORS[case] raises (None when it succeeds)."""
    name, setup, failing, _ = ERRORS[case]
    runner = _Runner(mx, name, tmpdir)
    for op in setup:
        runner.do(op)
    try:
        runner.do(failing)
    except Exception as err:  # noqa: BLE001 - the exception is the result
        return err
    return None


def describe(mx, name: str) -> list:
    """[type, rank, num_workers] of a new store called `name`."""
    kv = mx.kv.create(name)
    return [kv.type, kv.rank, kv.num_workers]
