"""Automatic names and attribute scopes: MXNet's NameManager, Prefix and AttrScope."""

from __future__ import annotations

import threading
from typing import Any

_local = threading.local()

# Keys MXNet's C API stores in hidden form: `lr_mult` given anywhere becomes
# `__lr_mult__`, and list_attr reports both spellings.
HIDDEN_KEYS = ("ctx_group", "lr_mult", "wd_mult", "force_mirroring", "mirror_stage",
               "profiler_scope")


def is_dunder(key: str) -> bool:
    """`__key__`: a node attribute, never an op parameter."""
    return len(key) > 4 and key.startswith("__") and key.endswith("__")


def hidden_key(key: str) -> str:
    """The stored spelling of an attribute key (`lr_mult` -> `__lr_mult__`)."""
    return f"__{key}__" if key in HIDDEN_KEYS else key


class NameManager:
    """Gives unnamed nodes MXNet's names: the given hint plus a per-hint counter.

    Used as a context manager, a fresh manager restarts every counter (`_plus0`
    again); leaving it restores the enclosing manager, whose counters carry on.
    """

    def __init__(self) -> None:
        self._counter: dict[str, int] = {}
        self._old: NameManager | None = None

    def get(self, name: str | None, hint: str) -> str:
        if name:
            return name
        count = self._counter.get(hint, 0)
        self._counter[hint] = count + 1
        return f"{hint}{count}"

    def __enter__(self) -> NameManager:
        self._old = current()
        _local.name_manager = self
        return self

    def __exit__(self, *exc: object) -> None:
        _local.name_manager = self._old

    @staticmethod
    def current() -> NameManager:
        return current()


class Prefix(NameManager):
    """Prepends `prefix` to every op name, given or automatic: `Prefix('blk_')`."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self._prefix = prefix

    def get(self, name: str | None, hint: str) -> str:
        return self._prefix + super().get(name, hint)


def current() -> NameManager:
    manager = getattr(_local, "name_manager", None)
    if manager is None:
        manager = _local.name_manager = NameManager()
    return manager


class AttrScope:
    """Attributes attached to every symbol created inside the scope, as `mx.AttrScope`.

    Keys are kept as given; as in MXNet, the known hidden keys (`ctx_group`,
    `lr_mult`, ...) are stored as `__ctx_group__` when a node is created, and other
    plain keys given to an operator are parsed as its parameters.
    """

    def __init__(self, **kwargs: str) -> None:
        for value in kwargs.values():
            if not isinstance(value, str):
                raise ValueError("Attributes need to be string")
        self._attr: dict[str, str] = dict(kwargs)
        self._old: AttrScope | None = None

    def get(self, attr: dict[str, Any] | None) -> dict[str, Any]:
        """The scope's attributes updated with `attr` (the node's own win)."""
        merged = dict(self._attr)
        if attr:
            merged.update(attr)
        return merged

    def __enter__(self) -> AttrScope:
        self._old = current_attr_scope()
        # Nested scopes accumulate, inner keys winning.
        self._attr = {**self._old._attr, **self._attr}
        _local.attr_scope = self
        return self

    def __exit__(self, *exc: object) -> None:
        _local.attr_scope = self._old

    @staticmethod
    def current() -> AttrScope:
        return current_attr_scope()


def current_attr_scope() -> AttrScope:
    scope = getattr(_local, "attr_scope", None)
    if scope is None:
        scope = _local.attr_scope = AttrScope()
    return scope
