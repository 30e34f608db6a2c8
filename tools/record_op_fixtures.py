"""Record op golden values from real MXNet 1.9.1.

Run in the reference venv (see docs/developers.md):
    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_op_fixtures.py [family ...]
Reads the case tables tests/conformance/cases_<family>.py and writes
tests/data/ops/<family>.npz (arrays) + <family>.json (names, shapes, errors).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("MXNET_SUBGRAPH_BACKEND", "NONE")
import mxnet as mx  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
from _sources import load_source  # tools/, on sys.path when run as a script
sys.path.insert(0, str(ROOT / "tests"))
from conformance.runner import run_case  # noqa: E402


def load_cases(family: str) -> list[dict]:
    return load_source(ROOT / "tests" / "conformance" / f"cases_{family}.py",
                       f"cases_{family}").CASES


def record(family: str) -> None:
    arrays: dict[str, np.ndarray] = {}
    meta: dict[str, dict] = {}
    for case in load_cases(family):
        mx.random.seed(0)
        try:
            # Fresh auto-name counters per case, as tests/conftest.py gives each test.
            with mx.name.NameManager():
                result = run_case(mx, case)
        except Exception as err:  # recorded: jaxsym must fail too
            meta[case["id"]] = {"error": str(err).split("\n")[0][:300]}
            continue
        info = {}
        for key, value in result.items():
            if isinstance(value, np.ndarray):
                arrays[f"{case['id']}|{key}"] = value
            else:
                info[key] = value
        meta[case["id"]] = info
    out = ROOT / "tests" / "data" / "ops"
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / f"{family}.npz", **arrays)
    (out / f"{family}.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    print(f"{family}: {len(meta)} cases, {len(arrays)} arrays")


if __name__ == "__main__":
    families = sys.argv[1:] or sorted(
        p.stem[len("cases_"):] for p in (ROOT / "tests" / "conformance").glob("cases_*.py"))
    for fam in families:
        record(fam)
