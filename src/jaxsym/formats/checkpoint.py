"""MXNet checkpoints: `prefix-symbol.json` plus `prefix-%04d.params` (`arg:`/`aux:` keys).

`save_arrays_checkpoint`/`load_arrays_checkpoint` work on graph heads and numpy dicts;
`save_checkpoint`/`load_checkpoint` are `mx.model`'s Symbol/NDArray versions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..base import MXNetValueError
from ..graph.node import Entry
from . import json as json_format
from .params import load_arrays, save_arrays

__all__ = [
    "load_arrays_checkpoint",
    "params_file",
    "save_arrays_checkpoint",
    "symbol_file",
]

Arrays = dict[str, np.ndarray]


def symbol_file(prefix: str) -> str:
    return f"{prefix}-symbol.json"


def params_file(prefix: str, epoch: int) -> str:
    return f"{prefix}-{epoch:04d}.params"


def save_arrays_checkpoint(prefix: str, epoch: int, heads: Sequence[Entry] | None,
                           arg_params: Mapping[str, Any], aux_params: Mapping[str, Any],
                           ) -> None:
    """Write a checkpoint as `mx.model.save_checkpoint` does; each file atomically.

    Args:
      prefix: path prefix of both files.
      epoch: the number in the params file name (`prefix-0003.params`).
      heads: the network's outputs, or None to write only the parameters (as MXNet
        does for `symbol=None`).
      arg_params, aux_params: name -> array; stored as `arg:name` then `aux:name`.
    """
    if heads is not None:
        json_format.save_graph(symbol_file(prefix), heads)
    data = {f"arg:{k}": np.asarray(v) for k, v in arg_params.items()}
    data.update({f"aux:{k}": np.asarray(v) for k, v in aux_params.items()})
    save_arrays(params_file(prefix, epoch), data)


def load_arrays_checkpoint(prefix: str, epoch: int
                           ) -> tuple[list[Entry], Arrays, Arrays]:
    """Read a checkpoint written by MXNet or `save_arrays_checkpoint`.

    Returns:
      (graph heads, arg_params, aux_params). Keys with another prefix than `arg:` or
      `aux:` are ignored, as in MXNet.

    Raises:
      MXNetError: a file is missing or malformed, or a key has no `type:` prefix.
    """
    heads = json_format.load_graph(symbol_file(prefix))
    arg_params, aux_params = split_params(load_arrays(params_file(prefix, epoch)),
                                          params_file(prefix, epoch))
    return heads, arg_params, aux_params


def split_params(saved: Any, source: str) -> tuple[Arrays, Arrays]:
    """`{"arg:w": ..., "aux:m": ...}` -> (args, aux). An empty file loads as `[]`."""
    if isinstance(saved, list):
        if saved:
            raise MXNetValueError(f"{source}: holds {len(saved)} unnamed arrays; a "
                                  "checkpoint stores arrays under 'arg:NAME'/'aux:NAME'")
        return {}, {}
    arg_params: Arrays = {}
    aux_params: Arrays = {}
    for key, value in saved.items():
        kind, sep, name = key.partition(":")
        if not sep:
            raise MXNetValueError(f"{source}: key {key!r} has no 'arg:' or 'aux:' prefix")
        if kind == "arg":
            arg_params[name] = value
        elif kind == "aux":
            aux_params[name] = value
    return arg_params, aux_params
