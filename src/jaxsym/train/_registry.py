"""Name -> class registries of the training families (initializers, metrics,
optimizers), as MXNet's `mxnet.registry`: `register`, `alias` and `create`."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from ..base import MXNetTypeError, MXNetValueError

T = TypeVar("T")


class ClassRegistry(Generic[T]):
    """Subclasses of `base` by lower-cased name, for `kind` (the word in messages and
    the keyword that names the class in a dict spec: `{"initializer": "xavier", ...}`)."""

    def __init__(self, base: type[T], kind: str) -> None:
        self.base = base
        self.kind = kind
        self.classes: dict[str, type[T]] = {}

    def register(self, klass: type[T], name: str | None = None) -> type[T]:
        """Register `klass` under its lower-cased class name (or `name`)."""
        if not (isinstance(klass, type) and issubclass(klass, self.base)):
            raise MXNetTypeError(f"Can only register subclass of {self.base.__name__}; "
                                 f"received {klass!r}")
        key = (name or klass.__name__).lower()
        old = self.classes.get(key)
        if old is not None and old is not klass:
            warnings.warn(f"New {self.kind} {klass.__module__}.{klass.__name__} registered "
                          f"with name {key} is overriding existing {self.kind} "
                          f"{old.__module__}.{old.__name__}", UserWarning, stacklevel=3)
        self.classes[key] = klass
        return klass

    def alias(self, *aliases: str) -> Callable[[type[T]], type[T]]:
        """Decorator registering a class under extra names."""
        def register_all(klass: type[T]) -> type[T]:
            for name in aliases:
                self.register(klass, name)
            return klass
        return register_all

    def get(self, name: str) -> type[T]:
        klass = self.classes.get(str(name).lower())
        if klass is None:
            raise MXNetValueError(f"{self.kind} {name!r} is not registered; registered "
                                  f"{self.kind}s: {', '.join(sorted(self.classes))}")
        return klass

    def create(self, *args: Any, **kwargs: Any) -> T:
        """An instance from an instance, a registered name, a dict of a name and keyword
        arguments, or their JSON form (`'["xavier", {"magnitude": 2}]'`)."""
        if args:
            spec, args = args[0], args[1:]
        else:
            spec = kwargs.pop(self.kind)
        if isinstance(spec, self.base):
            if args or kwargs:
                raise MXNetValueError(f"{self.kind} is already an instance. Additional "
                                      "arguments are invalid")
            return spec
        if isinstance(spec, dict):
            return self.create(**spec)
        if not isinstance(spec, str):
            raise MXNetTypeError(f"{self.kind} must be a name, an instance, a dict or a JSON "
                                 f"string; received {spec!r} (of type {type(spec).__name__})")
        if spec.startswith(("[", "{")):
            if args or kwargs:
                raise MXNetValueError(f"a JSON {self.kind} spec takes no further arguments")
            try:
                parsed = json.loads(spec)
            except json.JSONDecodeError as err:
                raise MXNetValueError(f"cannot parse {self.kind} spec {spec!r}: {err}"
                                      ) from err
            if isinstance(parsed, list):
                return self.create(parsed[0], **parsed[1])
            return self.create(**parsed)
        return self.get(spec)(*args, **kwargs)
