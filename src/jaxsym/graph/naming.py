"""Automatic names and attribute scopes: MXNet's NameManager, Prefix and AttrScope."""

from __future__ import annotations

import threading
from typing import Any

_local = threading.local()


class NameManager:
    """Gives unnamed nodes MXNet's names: the lowercase op name plus a per-name counter.

    Used as a context manager, a fresh manager restarts every counter (`_plus0`
    again); leaving it restores the enclosing manager, whose counters carry on.
    """

    def __init__(self) -> None:
        self._counter: dict[str, int] = {}
        self._old: NameManager | None = None

    def get(self, name: str | None, hint: str) -> str:
        if name:
            return name
        hint = hint.lower()
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
    """Prepends `prefix` to every name, given or automatic: `Prefix('blk_')`."""

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

    Keys are stored in MXNet's hidden form: `AttrScope(ctx_group='dev1')` gives
    `__ctx_group__='dev1'`.
    """

    def __init__(self, **kwargs: Any) -> None:
        for value in kwargs.values():
            if not isinstance(value, str):
                raise ValueError("Attributes need to be string")
        self._attr = {f"__{k}__": v for k, v in kwargs.items()}
        self._old: AttrScope | None = None

    def get(self, attr: dict[str, str] | None) -> dict[str, str]:
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
