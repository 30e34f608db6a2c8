"""Parsers for MXNet's string attributes: `"(3, 3)"`, `"True"`, `"None"`, `"float32"`.

Each parser accepts either the Python value a user passes or the string form found
in symbol JSON, and returns the typed value. A parser raises ValueError with a short
reason; the registry turns it into an MXNetError naming the node and parameter.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Parser = Callable[[Any], Any]


def parse_int(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        try:
            as_float = float(text)
        except ValueError:
            raise ValueError(f"expected an integer, got {value!r}") from None
        if as_float.is_integer():
            return int(as_float)
        raise ValueError(f"expected an integer, got {value!r}") from None


def parse_float(value: Any) -> float:
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"expected a number, got {value!r}") from None


def parse_bool(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise ValueError(f"expected a boolean, got {value!r}")


def parse_str(value: Any) -> str:
    return str(value)


def _literal(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text in ("None", ""):
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise ValueError(f"cannot parse {value!r}") from None


def parse_shape(value: Any) -> tuple[int, ...]:
    """A tuple of ints: `(3, 3)`, `"(3, 3)"`, `"[3,3]"`, `3`, `"3"`, `()`."""
    parsed = _literal(value)
    if parsed is None:
        return ()
    if isinstance(parsed, (int, np.integer)) and not isinstance(parsed, bool):
        return (int(parsed),)
    if isinstance(parsed, (tuple, list)):
        try:
            return tuple(parse_int(v) for v in parsed)
        except ValueError:
            raise ValueError(f"expected a tuple of integers, got {value!r}") from None
    raise ValueError(f"expected a tuple of integers, got {value!r}")


def parse_float_tuple(value: Any) -> tuple[float, ...]:
    parsed = _literal(value)
    if parsed is None:
        return ()
    if isinstance(parsed, (int, float)):
        return (float(parsed),)
    try:
        return tuple(float(v) for v in parsed)
    except (TypeError, ValueError):
        raise ValueError(f"expected a tuple of numbers, got {value!r}") from None


def optional(parser: Parser) -> Parser:
    """Accepts None / "None" as well as what `parser` accepts."""

    def parse(value: Any) -> Any:
        if value is None or (isinstance(value, str) and value.strip() in ("None", "")):
            return None
        return parser(value)

    parse.__name__ = f"optional_{parser.__name__}"
    return parse


def enum(*choices: str) -> Parser:
    def parse(value: Any) -> str:
        text = str(value)
        if text not in choices:
            raise ValueError(f"expected one of {list(choices)}, got {value!r}")
        return text

    parse.__name__ = "enum"
    parse.choices = choices  # type: ignore[attr-defined]
    return parse


def parse_dtype(value: Any) -> str:
    if value is None:
        raise ValueError("expected a dtype, got None")
    try:
        return np.dtype(value).name
    except TypeError:
        raise ValueError(f"expected a dtype name, got {value!r}") from None


def parse_axis(value: Any) -> tuple[int, ...] | None:
    """Reduction axes: None (all), an int, or a tuple of ints."""
    parsed = _literal(value)
    if parsed is None:
        return None
    return parse_shape(parsed)


def format_value(value: Any) -> str:
    """The string MXNet stores for a parameter value the user passed."""
    if isinstance(value, str):
        return value
    # A list is stored as Python prints it, '[3, 3]', as MXNet's symbol creator does.
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return np.dtype(value).name
    return str(value)


def type_name(parser: Parser) -> str:
    names = {parse_int: "int", parse_float: "float", parse_bool: "boolean",
             parse_str: "string", parse_shape: "Shape(tuple)", parse_dtype: "dtype",
             parse_float_tuple: "tuple of float", parse_axis: "Shape or None"}
    if parser in names:
        return names[parser]
    choices: Sequence[str] | None = getattr(parser, "choices", None)
    if choices:
        return "{" + ", ".join(repr(c) for c in choices) + "}"
    return parser.__name__.replace("parse_", "")
