"""Load a source file of this repository as a module without importing jaxsym (the
recording scripts run under MXNet's interpreter, which has no jax)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def load_source(path: Path, name: str, package: bool = False) -> ModuleType:
    """Execute `path` as module `name`; with `package`, `path` is a package's
    `__init__.py` and its submodules import relative to it."""
    spec = importlib.util.spec_from_file_location(
        name, path, submodule_search_locations=[str(path.parent)] if package else None)
    module = importlib.util.module_from_spec(spec)
    if package:
        sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_models() -> ModuleType:
    """src/jaxsym/models (the classic symbol builders) as a standalone package."""
    return load_source(ROOT / "src" / "jaxsym" / "models" / "__init__.py", "models", True)
