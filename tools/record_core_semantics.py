"""Record the core Symbol/Executor/NDArray semantics from real MXNet 1.9.1.

Run in the reference venv:
    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_core_semantics.py
Runs every snippet of tests/symbol/core_snippets.py with `import mxnet as mx` and writes
what each returns to tests/data/core/core_semantics.json (an exception is recorded as its
class hierarchy and message). The tests replay the same snippets under jaxsym.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("MXNET_SUBGRAPH_BACKEND", "NONE")
import mxnet as mx  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
from _sources import load_source  # tools/, on sys.path when run as a script
OUT = ROOT / "tests" / "data" / "core" / "core_semantics.json"


def load_snippets():
    return load_source(ROOT / "tests" / "symbol" / "core_snippets.py", "core_snippets")


def main() -> None:
    snippets = load_snippets()
    recorded: dict[str, dict] = {}
    for table_name in ("SYMBOL", "EXECUTOR", "NDARRAY", "MEMO"):
        table = getattr(snippets, table_name)
        recorded[table_name] = {}
        for name, fn in table.items():
            value = snippets.run_snippet(mx, fn)
            recorded[table_name][name] = value
            print(f"{table_name}.{name}: recorded")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
