"""Checkpoints of models built from RNN cells: weights are saved unpacked (one per gate)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..train.model import load_checkpoint, save_checkpoint
from .rnn_cell import BaseRNNCell


def _as_list(cells: BaseRNNCell | Sequence[BaseRNNCell]) -> list[BaseRNNCell]:
    return [cells] if isinstance(cells, BaseRNNCell) else list(cells)


def save_rnn_checkpoint(cells: BaseRNNCell | Sequence[BaseRNNCell], prefix: str, epoch: int,
                        symbol: Any, arg_params: dict[str, Any],
                        aux_params: dict[str, Any]) -> None:
    """`save_checkpoint` after `unpack_weights` of every cell."""
    for cell in _as_list(cells):
        arg_params = cell.unpack_weights(arg_params)
    save_checkpoint(prefix, epoch, symbol, arg_params, aux_params)


def load_rnn_checkpoint(cells: BaseRNNCell | Sequence[BaseRNNCell], prefix: str,
                        epoch: int) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """`load_checkpoint`, then `pack_weights` of every cell: `(symbol, arg, aux)`."""
    sym, arg, aux = load_checkpoint(prefix, epoch)
    for cell in _as_list(cells):
        arg = cell.pack_weights(arg)
    return sym, arg, aux


def do_rnn_checkpoint(cells: BaseRNNCell | Sequence[BaseRNNCell], prefix: str,
                      period: int = 1) -> Callable[..., None]:
    """An epoch-end callback calling `save_rnn_checkpoint` every `period` epochs (file e+1)."""
    period = int(max(1, period))

    def _callback(iter_no: int, sym: Any = None, arg: Any = None, aux: Any = None) -> None:
        if (iter_no + 1) % period == 0:
            save_rnn_checkpoint(cells, prefix, iter_no + 1, sym, arg, aux)
    return _callback
