"""plot_network against MXNet 1.9.1's drawings (tests/data/viz/, tools/record_viz_fixtures.py).

Each fixture holds the calls MXNet's plot_network made on graphviz's Digraph. jaxsym's calls
must be the same ones in the same order (nodes, labels, colours, edges, edge labels), and
replaying MXNet's calls on the installed graphviz package must give jaxsym's exact source.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

graphviz = pytest.importorskip("graphviz")

import viz_cases  # noqa: E402

import jaxsym as mx  # noqa: E402

DATA = Path(__file__).parent / "data" / "viz"
FIXTURES = sorted(p.stem for p in DATA.glob("*.json"))


def _load(case: str) -> dict[str, Any]:
    return json.loads((DATA / f"{case}.json").read_text())


def _kwargs(recorded: dict[str, Any]) -> dict[str, Any]:
    kwargs = dict(recorded)
    if "shape" in kwargs:
        kwargs["shape"] = {k: tuple(v) for k, v in kwargs["shape"].items()}
    return kwargs


def _draw_recording(case: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list]:
    """jaxsym's drawing of `case` and the Digraph calls it made."""
    calls: list = []

    class Recording(graphviz.Digraph):
        def __init__(self, *args: Any, **kw: Any) -> None:
            calls.append(["Digraph", list(args), kw])
            super().__init__(*args, **kw)

        def node(self, name: str, label: str | None = None, **attrs: Any) -> None:
            calls.append(["node", name, label, attrs])
            super().node(name, label=label, **attrs)

        def edge(self, tail_name: str, head_name: str, **attrs: Any) -> None:
            calls.append(["edge", tail_name, head_name, attrs])
            super().edge(tail_name, head_name, **attrs)

    fixture = _load(case)
    net = viz_cases.BUILDERS[fixture["builder"]](mx)
    monkeypatch.setattr(graphviz, "Digraph", Recording)
    graph = mx.viz.plot_network(net, **_kwargs(fixture["kwargs"]))
    return graph, calls


def test_every_case_is_recorded() -> None:
    assert FIXTURES == sorted(viz_cases.CASES)


@pytest.mark.parametrize("case", FIXTURES)
def test_same_graphviz_calls_as_mxnet(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _, calls = _draw_recording(case, monkeypatch)
    expected = _load(case)["calls"]
    assert [c[:2] for c in calls] == [c[:2] for c in expected]  # node ids and order first
    assert calls == expected


@pytest.mark.parametrize("case", FIXTURES)
def test_same_source_text_as_mxnet(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fixture = _load(case)
    (_, args, kw), *items = fixture["calls"]
    expected = graphviz.Digraph(*args, **kw)
    for kind, a, b, attrs in items:
        getattr(expected, kind)(a, b, **attrs)
    graph, _ = _draw_recording(case, monkeypatch)
    assert graph.source == expected.source
    assert graph.name == kw["name"] and graph.format == kw["format"]


def test_recorded_mxnet_source_shows_the_memo_details() -> None:
    """Spot checks on MXNet's own text, independent of the replay."""
    source = _load("lenet_shape")["source"]
    assert '"Convolution\n5x5/1, 8"' in source and '"Pooling\nmax, 2x2/2x2"' in source
    assert 'conv1 -> data [label="1x28x28" arrowtail=open dir=back]' in source
    assert "conv1_weight" not in source
    plain = _load("lenet_plain")["source"]
    assert 'conv1 -> data [label="" arrowtail=open dir=back]' in plain
    # Every edge out of a multi-output op carries the last output's shape.
    sliced = _load("slice_channel_shape")["source"]
    assert "fc0 -> split [label=2 arrowtail=open dir=back]" in sliced


def test_hide_weights_false_draws_edges_to_undeclared_weight_nodes() -> None:
    graph = mx.viz.plot_network(viz_cases.mlp(mx), hide_weights=False)
    assert "fullyconnected0 -> fullyconnected0_weight" in graph.source
    assert "\tfullyconnected0_weight [" not in graph.source  # MXNet declares no such node


def test_incomplete_shape_is_a_value_error() -> None:
    net = mx.sym.Concat(mx.sym.Variable("data"), mx.sym.Variable("other"), dim=1)
    with pytest.raises(ValueError, match="Input shape is incomplete"), \
            pytest.warns(UserWarning, match="other"):
        mx.viz.plot_network(net, shape={"data": (2, 4)})


def test_not_a_symbol() -> None:
    with pytest.raises(TypeError, match="Symbol"):
        mx.viz.plot_network("data")


def test_render_without_dot_explains_how_to_install(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    graph = mx.viz.plot_network(viz_cases.mlp(mx), save_format="svg")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(mx.MXNetError, match="Graphviz 'dot'.*apt-get install graphviz"):
        graph.render(filename=str(tmp_path / "net"), cleanup=True)
    with pytest.raises(mx.MXNetError, match="Graphviz 'dot'"):
        graph.view(filename=str(tmp_path / "net"))
    with pytest.raises(mx.MXNetError, match="Graphviz 'dot'"):
        graph.pipe(format="svg")  # what notebooks call to display the graph
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is not installed")
@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_render_writes_the_file_and_cleans_up(tmp_path: Path, fmt: str) -> None:
    graph = mx.viz.plot_network(viz_cases.resnet_block(mx), shape={"data": (1, 3, 8, 8)},
                                save_format=fmt)
    path = graph.render(filename=str(tmp_path / "block"), cleanup=True)
    assert Path(path) == tmp_path / f"block.{fmt}"
    assert [p.name for p in tmp_path.iterdir()] == [f"block.{fmt}"]  # cleanup removed the source
    head = Path(path).read_bytes()[:64]
    assert (b"<svg" in Path(path).read_bytes()) if fmt == "svg" else head.startswith(b"\x89PNG")


def test_missing_graphviz_package_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", None)  # makes `import graphviz` fail
    with pytest.raises(ImportError, match="pip install graphviz"):
        mx.viz.plot_network(viz_cases.mlp(mx))
