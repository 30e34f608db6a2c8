"""Record MXNet 1.9.1's `mx.viz.plot_network` drawings as test fixtures.

Run with the reference MXNet interpreter, from the repository root:

    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_viz_fixtures.py

For every case in tests/viz_cases.py it writes tests/data/viz/<case>.json holding the
calls MXNet made on graphviz's Digraph (constructor arguments, then every `node` and `edge`
call with its attributes, in order) and MXNet's `.source` text. The calls are what the tests
compare: replayed on the installed graphviz package they give the exact source MXNet's
drawing has with that package (the reference venv pins an old graphviz whose text layout
differs from today's).
"""

from __future__ import annotations

import json
import os
import sys
import warnings

import graphviz
import mxnet as mx

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "data", "viz")
sys.path.insert(0, os.path.join(ROOT, "tests"))
import viz_cases  # noqa: E402


def _jsonable(kwargs: dict) -> dict:
    return {k: ({n: list(v) for n, v in val.items()} if k == "shape" else val)
            for k, val in kwargs.items()}


def record(case: str) -> dict:
    builder, kwargs = viz_cases.CASES[case]
    calls: list = []

    class Recording(graphviz.Digraph):
        def __init__(self, *args, **kw):
            calls.append(["Digraph", list(args), kw])
            super().__init__(*args, **kw)

        def node(self, name, label=None, **attrs):
            calls.append(["node", name, label, attrs])
            super().node(name, label=label, **attrs)

        def edge(self, tail_name, head_name, **attrs):
            calls.append(["edge", tail_name, head_name, attrs])
            super().edge(tail_name, head_name, **attrs)

    original = graphviz.Digraph
    graphviz.Digraph = Recording
    try:
        with mx.name.NameManager(), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            net = viz_cases.BUILDERS[builder](mx)
            graph = mx.viz.plot_network(net, **kwargs)
    finally:
        graphviz.Digraph = original
    return {"builder": builder, "kwargs": _jsonable(kwargs), "calls": calls,
            "source": graph.source, "warnings": [str(w.message) for w in caught]}


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    for case in sorted(viz_cases.CASES):
        result = record(case)
        with open(os.path.join(OUT, f"{case}.json"), "w") as fh:
            json.dump(result, fh, indent=1, sort_keys=True)
            fh.write("\n")
        print(f"{case}: {sum(c[0] == 'node' for c in result['calls'])} nodes, "
              f"{sum(c[0] == 'edge' for c in result['calls'])} edges")


if __name__ == "__main__":
    main()
