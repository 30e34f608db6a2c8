"""The package layering of STYLE.md: lower layers never import higher ones."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "jaxsym"

# package -> jaxsym packages/modules it must not import (directly or lazily).
FORBIDDEN = {
    "graph": {"jax", "ops", "executor", "symbol", "ndarray", "formats", "train", "io", "rnn",
              "image"},
    "ops": {"symbol", "executor", "ndarray", "formats", "train", "io", "rnn", "image"},
    "executor": {"symbol", "train", "formats", "rnn", "image"},
    "ndarray": {"symbol", "executor", "train", "rnn", "image"},
    "formats": {"jax", "symbol", "ndarray", "executor", "train", "rnn", "image"},
    "io": {"symbol", "executor", "train", "rnn", "image"},
    "image": {"symbol", "executor", "train", "rnn"},
    "tools": {"jax", "symbol", "ndarray", "executor", "train", "io", "rnn", "image"},
    # rnn/ sits above symbol/, io/, ndarray/ and train/; only the facade imports it.
    "rnn": {"jax", "executor", "formats", "graph", "ops"},
}


def _imports(path: Path) -> set[str]:
    """Top-level names a module imports: 'jax' or the jaxsym subpackage it reaches."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                parts = node.module.split(".")
                names.add(parts[1] if parts[0] == "jaxsym" and len(parts) > 1 else parts[0])
            elif node.level >= 2 and node.module:
                names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_respects_layering(package):
    bad = {}
    for path in sorted((SRC / package).rglob("*.py")):
        hits = _imports(path) & FORBIDDEN[package]
        if hits:
            bad[str(path.relative_to(SRC))] = sorted(hits)
    assert not bad, f"{package}/ imports what it must not: {bad}"
