"""Math ops against MXNet 1.9.1: the per-op case table, exact-point groups (gradients at
ties, zeros and bounds), NDArray arithmetic, and the nodes Symbol operators create.

Fixtures: tests/data/ops/math.{npz,json} from `tools/record_op_fixtures.py math`;
tests/data/ops/math_nd.{npz,json} and operator_names.json from `tools/record_nd_math.py`.
"""

import json

import numpy as np
import pytest
from conformance import cases_math
from conformance.cases_math import CASES
from conformance.check import DATA, check_case, load_fixture

import jaxsym as mx
from jaxsym.ops import registry

META, ARRAYS = load_fixture("math")
ND_META, ND_ARRAYS = load_fixture("math_nd")
OPERATORS = json.loads((DATA / "operator_names.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_math_case(case):
    check_case(case, META, ARRAYS)


@pytest.mark.parametrize("group", sorted(cases_math.GROUPS))
def test_exact_point_group(group):
    got = cases_math.run_group(mx, cases_math.GROUPS[group])
    want = {k.split("|", 1)[1]: v for k, v in ND_ARRAYS.items() if k.startswith(group + "|")}
    assert sorted(got) == sorted(want)
    for key, value in want.items():
        np.testing.assert_allclose(got[key], value, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{group}: {key}")
        assert got[key].dtype == value.dtype, key


@pytest.mark.parametrize("name", sorted(cases_math.ND_EXPRESSIONS))
def test_ndarray_expression(name):
    expected = ND_META["nd"][name]
    fn = cases_math.ND_EXPRESSIONS[name]
    if "error" in expected:
        # MXNet raises TypeError for operands it does not take (a numpy array).
        kind = TypeError if expected["error"] == "TypeError" else mx.MXNetError
        with pytest.raises(kind):
            fn(mx, cases_math.nd_inputs(mx))
        return
    got = fn(mx, cases_math.nd_inputs(mx)).asnumpy()
    want = ND_ARRAYS[f"nd|{name}"]
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("text", sorted(OPERATORS["operators"]))
def test_symbol_operator_node(text):
    want = OPERATORS["operators"][text]
    sym = cases_math.SYMBOL_OPERATORS[text](mx.sym.Variable("a"), mx.sym.Variable("b"))
    nodes = json.loads(sym.tojson())["nodes"]
    got = [{"op": n["op"], "name": n["name"], "attrs": n.get("attrs", {}),
            "inputs": [nodes[i[0]]["name"] for i in n["inputs"]]}
           for n in nodes if n["op"] != "null"]
    assert got == want


def test_math_aliases_resolve_like_mxnet():
    # Storage-type (_sparse_*) and numpy-interface (_npi_/_npx_) names are not modelled.
    skipped = ("_sparse_", "_npi_", "_npx_", "_np_")
    aliases = {a: c for a, c in OPERATORS["aliases"].items() if not a.startswith(skipped)}
    assert len(aliases) > 100
    for alias, canonical in aliases.items():
        assert registry.get(alias).name == canonical, alias


def test_registered_math_names_exist_in_mxnet():
    # Every name the math modules register is an MXNet 1.9.1 op name or alias.
    modules = {"jaxsym.ops.elemwise", "jaxsym.ops.reduce", "jaxsym.ops.linalg"}
    # The linalg_* family is checked against MXNet's names in tests/ops/test_linalg.py.
    ours = [n for n in registry.all_names() if registry.get(n).forward.__module__ in modules
            and not registry.get(n).name.startswith("_linalg_")]
    assert len(ours) > 100
    assert sorted(set(ours) - set(OPERATORS["aliases"])) == []
