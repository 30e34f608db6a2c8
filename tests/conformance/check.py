"""Compare a jaxsym run of an op case with the MXNet-recorded fixture."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import jaxsym as mx

from .runner import run_case

DATA = Path(__file__).resolve().parents[1] / "data" / "ops"


def load_fixture(family: str) -> tuple[dict, dict]:
    meta = json.loads((DATA / f"{family}.json").read_text())
    with np.load(DATA / f"{family}.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    return meta, arrays


def check_case(case: dict, meta: dict, arrays: dict, rtol: float = 1e-4,
               atol: float = 1e-5) -> None:
    expected = meta[case["id"]]
    if "error" in expected:
        with pytest.raises(mx.MXNetError):
            run_case(mx, case)
        return
    got = run_case(mx, case)
    for key in ("arg_names", "aux_names", "out_names", "arg_shapes", "out_shapes",
                "aux_shapes"):
        assert got[key] == expected[key], f"{case['id']}: {key}"
    prefix = case["id"] + "|"
    want = {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}
    assert set(got) - set(expected) - {k for k in got if not isinstance(got[k], np.ndarray)} \
        == set(want), f"{case['id']}: recorded arrays {sorted(want)} vs got " \
        f"{sorted(k for k in got if isinstance(got[k], np.ndarray))}"
    tol = case.get("tol", {})
    for key, value in want.items():
        np.testing.assert_allclose(
            got[key], value, rtol=tol.get("rtol", rtol), atol=tol.get("atol", atol),
            err_msg=f"{case['id']}: {key}")
        assert got[key].dtype == value.dtype, f"{case['id']}: {key} dtype"
