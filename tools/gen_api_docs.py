"""Generate docs/api.md, the API reference, from jaxsym's docstrings and signatures.

    PYTHONPATH=src python tools/gen_api_docs.py

tests/test_docs.py fails when docs/api.md differs from what this script writes, so run it
after changing a public signature or docstring.
"""

from __future__ import annotations

import inspect
import re
import types
from pathlib import Path
from typing import Any

import jaxsym as mx
from jaxsym.ops import registry

OUT = Path(__file__).resolve().parent.parent / "docs" / "api.md"

# (how users reach it, module); the top-level facade is listed by name below.
MODULES: list[tuple[str, types.ModuleType]] = [
    ("mx.sym", mx.sym), ("mx.nd", mx.nd), ("mx.model", mx.model), ("mx.mod", mx.mod),
    ("mx.io", mx.io), ("mx.recordio", mx.recordio), ("mx.image", mx.image), ("mx.init", mx.init),
    ("mx.optimizer", mx.optimizer),
    ("mx.lr_scheduler", mx.lr_scheduler), ("mx.metric", mx.metric),
    ("mx.callback", mx.callback), ("mx.viz", mx.viz), ("mx.random", mx.random),
    ("mx.name", mx.name), ("mx.kv", mx.kv), ("mx.rnn", mx.rnn),
]
# Modules that re-export names defined elsewhere: the homes their entries may come from.
OTHER_HOMES = {"mx.sym": ("jaxsym.symbol.op_functions",),
               "mx.random": ("jaxsym._rng", "jaxsym.ndarray.random")}
TOP_LEVEL = ["Context", "MXNetError", "cpu", "gpu", "current_context", "AttrScope"]


def _summary(obj: Any) -> str:
    """The first paragraph of a docstring, on one line."""
    doc = inspect.getdoc(obj) or ""
    return " ".join(doc.split("\n\n")[0].split())


def _signature(obj: Any) -> str:
    """`(a, b=1, *args, **kw)`: names and defaults, no annotations (they are in the source)."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return "(...)"
    parts, star_done = [], False
    for p in sig.parameters.values():
        if p.kind is p.KEYWORD_ONLY and not star_done:
            parts.append("*")
        star_done = star_done or p.kind in (p.VAR_POSITIONAL, p.KEYWORD_ONLY)
        prefix = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "")
        text = prefix + p.name
        if p.default is not p.empty:
            text += "=" + re.sub(r" at 0x[0-9a-f]+", "", repr(p.default))
        parts.append(text)
    return "(" + ", ".join(parts) + ")"


def _public(title: str, module: types.ModuleType) -> list[tuple[str, Any]]:
    """Public names defined under the module's own package, classes and functions only."""
    items = []
    for name in sorted(dir(module)):
        obj = getattr(module, name)
        if name.startswith("_") or not (inspect.isclass(obj) or callable(obj)):
            continue
        if isinstance(obj, types.ModuleType):
            continue
        home = getattr(obj, "__module__", "") or ""
        # Functions bound to a shared helper object (a family's ClassRegistry) belong to
        # the module that exposes them.
        shared = inspect.ismethod(obj) and home.startswith("jaxsym.")
        if shared or home.startswith((module.__name__, *OTHER_HOMES.get(title, ()))):
            items.append((name, obj))
    return items


def _entry(title: str, obj: Any, level: str = "###") -> list[str]:
    lines = [f"{level} `{title}{_signature(obj)}`", ""]
    if _summary(obj):
        lines += [_summary(obj), ""]
    return lines


def _class(title: str, cls: type) -> list[str]:
    lines = _entry(title, cls)
    for name, member in sorted(vars(cls).items()):
        if name.startswith("_"):
            continue
        if isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        if isinstance(member, property):
            lines.append(f"- `{name}` (property): {_summary(member)}".rstrip(": "))
        elif callable(member):
            lines.append(f"- `{name}{_signature(member)}`: {_summary(member)}".rstrip(": "))
    return lines + [""] if lines[-1] else lines


def render() -> str:
    lines = ["# API reference", "",
             "Generated from the docstrings by `tools/gen_api_docs.py` (do not edit by hand; "
             "tests/test_docs.py checks it is current). Names, arguments and defaults follow "
             "MXNet 1.9.1; see the [user guide](guide.md) for examples.", "",
             "## `mx` (the `jaxsym` package)", ""]
    for name in TOP_LEVEL:
        obj = getattr(mx, name)
        lines += _class(f"mx.{name}", obj) if inspect.isclass(obj) else _entry(f"mx.{name}", obj)
    for title, module in MODULES:
        lines += [f"## `{title}`", ""]
        if _summary(module):
            lines += [_summary(module), ""]
        operators = []
        for name, obj in _public(title, module):
            if title in ("mx.sym", "mx.nd") and registry.exists(name):
                operators.append(name)
            elif inspect.isclass(obj):
                lines += _class(f"{title}.{name}", obj)
            else:
                lines += _entry(f"{title}.{name}", obj)
        if operators:
            lines += [f"### Operators in `{title}` ({len(operators)})", "",
                      f"Each takes MXNet's parameters (see `help({title}.<Op>)`): "
                      + ", ".join(f"`{n}`" for n in operators) + ".", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def main() -> None:
    OUT.write_text(render())
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
