"""Record math-op behaviour beyond the per-op case table from real MXNet 1.9.1.

Run in the reference venv:
    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_nd_math.py
Reads tests/conformance/cases_math.py and writes
- tests/data/ops/math_nd.{npz,json}: the exact-point groups (forward and gradients at
  ties, zeros and bounds) and the NDArray expressions (values, dtypes or the error);
- tests/data/ops/operator_names.json: the node each Symbol operator creates (op name,
  auto name, attributes) and MXNet's aliases of the math ops.
"""

from __future__ import annotations

import ctypes
import json
import os
from pathlib import Path

import numpy as np

os.environ.setdefault("MXNET_SUBGRAPH_BACKEND", "NONE")
import mxnet as mx
from mxnet.base import _LIB, MXNetError, OpHandle, c_str, check_call, mx_uint, py_str

ROOT = Path(__file__).resolve().parents[1]
from _sources import load_source  # tools/, on sys.path when run as a script
OUT = ROOT / "tests" / "data" / "ops"


def load_cases():
    return load_source(ROOT / "tests" / "conformance" / "cases_math.py", "cases_math")


def real_name(name: str) -> str:
    """The canonical name MXNet's registry gives an op name or alias."""
    handle = OpHandle()
    check_call(_LIB.NNGetOpHandle(c_str(name), ctypes.byref(handle)))
    real, desc, nargs = ctypes.c_char_p(), ctypes.c_char_p(), mx_uint()
    names, types, descs = (ctypes.POINTER(ctypes.c_char_p)() for _ in range(3))
    kv, ret = ctypes.c_char_p(), ctypes.c_char_p()
    check_call(_LIB.MXSymbolGetAtomicSymbolInfo(
        handle, ctypes.byref(real), ctypes.byref(desc), ctypes.byref(nargs),
        ctypes.byref(names), ctypes.byref(types), ctypes.byref(descs), ctypes.byref(kv),
        ctypes.byref(ret)))
    return py_str(real.value)


def all_op_names() -> list[str]:
    size, plist = ctypes.c_uint(), ctypes.POINTER(ctypes.c_char_p)()
    check_call(_LIB.MXListAllOpNames(ctypes.byref(size), ctypes.byref(plist)))
    return [py_str(plist[i]) for i in range(size.value)]


def record_aliases(cases) -> dict[str, str]:
    canonical = set(cases.ELEMWISE) | {f"broadcast_{k}" for k in cases.BROADCAST}
    canonical |= set(cases.SCALAR) | {real_name(op) for op in cases.UNARY}
    canonical |= {"sum", "mean", "max", "min", "prod", "nansum", "nanprod", "norm", "argmax",
                  "argmin", "argmax_channel", "dot", "batch_dot", "clip", "add_n", "hard_sigmoid",
                  "smooth_l1"}
    return {name: real_name(name) for name in sorted(all_op_names())
            if real_name(name) in canonical}


def record_operators(cases) -> dict[str, list[dict]]:
    found = {}
    for text, fn in cases.SYMBOL_OPERATORS.items():
        with mx.name.NameManager():
            try:
                sym = fn(mx.sym.Variable("a"), mx.sym.Variable("b"))
            except (MXNetError, TypeError, ValueError) as err:  # jaxsym must raise too
                found[text] = [{"error": type(err).__name__}]
                continue
        nodes = json.loads(sym.tojson())["nodes"]
        found[text] = [{"op": n["op"], "name": n["name"], "attrs": n.get("attrs", {}),
                        "inputs": [nodes[i[0]]["name"] for i in n["inputs"]]}
                       for n in nodes if n["op"] != "null"]
    return found


def main() -> None:
    cases = load_cases()
    arrays: dict[str, np.ndarray] = {}
    meta: dict[str, dict] = {"nd": {}}
    for group, entries in cases.GROUPS.items():
        for key, value in cases.run_group(mx, entries).items():
            arrays[f"{group}|{key}"] = value
    for name, fn in cases.ND_EXPRESSIONS.items():
        try:
            value = fn(mx, cases.nd_inputs(mx)).asnumpy()
        except (MXNetError, TypeError, ValueError) as err:  # jaxsym must raise too
            meta["nd"][name] = {"error": type(err).__name__}
            continue
        arrays[f"nd|{name}"] = value
        meta["nd"][name] = {"shape": list(value.shape), "dtype": value.dtype.name}
    np.savez_compressed(OUT / "math_nd.npz", **arrays)
    (OUT / "math_nd.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    names = {"operators": record_operators(cases), "aliases": record_aliases(cases)}
    (OUT / "operator_names.json").write_text(json.dumps(names, indent=1) + "\n")
    print(f"math_nd: {len(arrays)} arrays; operator_names: {len(names['operators'])} "
          f"expressions, {len(names['aliases'])} names")


if __name__ == "__main__":
    main()
