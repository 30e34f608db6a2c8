"""`mx.viz.print_summary` prints MXNet 1.9.1's table, character for character.

Golden text: the `summary` of each tests/data/model_zoo/<name>.json.gz, captured from
MXNet's `print_summary(sym, shape={'data': ...})` on the exported symbol
(tools/record_model_zoo.py). The classic networks are also built here with
jaxsym.models, whose layer names match those MXNet built.
"""

import gzip
import json
from pathlib import Path

import pytest

import jaxsym as mx
from jaxsym import models

ZOO = Path(__file__).parent / "data" / "model_zoo"
ENTRIES = {p.name.removesuffix(".json.gz"): json.loads(gzip.decompress(p.read_bytes()))
           for p in sorted(ZOO.glob("*.json.gz"))}
CLASSIC = sorted(name for name, entry in ENTRIES.items() if entry["kind"] == "classic")


def _summary(capsys, net, entry, with_shape: bool = True) -> str:
    capsys.readouterr()
    shape = {"data": tuple(entry["data_shape"])} if with_shape else None
    mx.viz.print_summary(net, shape=shape)
    return capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_loaded_symbol_summary_matches_mxnet(capsys, name):
    entry = ENTRIES[name]
    got = _summary(capsys, mx.sym.load_json(entry["symbol"]), entry)
    assert got.splitlines() == entry["summary"].splitlines()
    assert got == entry["summary"]


@pytest.mark.parametrize("name", CLASSIC)
def test_built_symbol_summary_matches_mxnet(capsys, name):
    entry = ENTRIES[name]
    net = getattr(models, entry["model"]).get_symbol(**entry["kwargs"])
    assert _summary(capsys, net, entry) == entry["summary"]


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_summary_without_shapes_matches_mxnet(capsys, name):
    """Without `shape` MXNet leaves the shape column empty and counts no fan-in."""
    entry = ENTRIES[name]
    got = _summary(capsys, mx.sym.load_json(entry["symbol"]), entry, with_shape=False)
    assert got == entry["summary_no_shape"]
