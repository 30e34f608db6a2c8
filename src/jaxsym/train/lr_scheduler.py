"""Learning-rate schedules, as `mx.lr_scheduler` in MXNet 1.9.1.

A scheduler maps `num_update` (the largest number of updates applied to any weight)
to a learning rate. Schedulers are stateful host objects: Factor and MultiFactor
decay `base_lr` in place as the count passes each step, and log each change through
the root `logging` logger as MXNet does.
"""

from __future__ import annotations

import logging
from math import cos, pi

from jaxsym.base import MXNetValueError

__all__ = [
    "CosineScheduler",
    "FactorScheduler",
    "LRScheduler",
    "MultiFactorScheduler",
    "PolyScheduler",
]

_WARMUP_MODES = ("linear", "constant")


class LRScheduler:
    """Base class of a learning-rate schedule with an optional warmup.

    Args:
        base_lr: the learning rate once warmup is over.
        warmup_steps: number of updates spent warming up.
        warmup_begin_lr: the learning rate warmup starts from.
        warmup_mode: 'linear' (equal increments up to `base_lr`) or 'constant'
            (`warmup_begin_lr` throughout the warmup).
    """

    def __init__(self, base_lr: float = 0.01, warmup_steps: int = 0,
                 warmup_begin_lr: float = 0, warmup_mode: str = "linear") -> None:
        if not isinstance(warmup_steps, int):
            raise MXNetValueError(
                f"warmup_steps must be an int; received warmup_steps={warmup_steps!r} "
                f"(of type {type(warmup_steps).__name__})")
        if warmup_begin_lr > base_lr:
            raise MXNetValueError(
                "Base lr has to be higher than warmup_begin_lr; received "
                f"base_lr={base_lr}, warmup_begin_lr={warmup_begin_lr}")
        if warmup_steps < 0:
            raise MXNetValueError(
                f"Warmup steps has to be positive or 0; received warmup_steps={warmup_steps}")
        if warmup_mode not in _WARMUP_MODES:
            raise MXNetValueError(
                "Supports only linear and constant modes of warmup; received "
                f"warmup_mode={warmup_mode!r}")
        self.base_lr = base_lr
        self.warmup_steps = warmup_steps
        # MXNet fixes the warmup target at construction: an optimizer that later
        # overrides `base_lr` with its own learning_rate does not move it.
        self.warmup_final_lr = base_lr
        self.warmup_begin_lr = warmup_begin_lr
        self.warmup_mode = warmup_mode

    def get_warmup_lr(self, num_update: int) -> float:
        """The learning rate at update `num_update` < `warmup_steps`."""
        if num_update >= self.warmup_steps:
            raise MXNetValueError(
                f"get_warmup_lr called after warmup: num_update={num_update}, "
                f"warmup_steps={self.warmup_steps}")
        if self.warmup_mode == "linear":
            increase = ((self.warmup_final_lr - self.warmup_begin_lr)
                        * float(num_update) / float(self.warmup_steps))
            return self.warmup_begin_lr + increase
        return self.warmup_begin_lr

    def __call__(self, num_update: int) -> float:
        """The learning rate after `num_update` updates of the most-updated weight."""
        raise NotImplementedError(f"{type(self).__name__} must override __call__")


def _check_factor(factor: float) -> None:
    if factor > 1.0:
        raise MXNetValueError(
            f"Factor must be no more than 1 to make lr reduce; received factor={factor}")


class FactorScheduler(LRScheduler):
    """Multiply the learning rate by `factor` every `step` updates.

    The rate never falls below `stop_factor_lr`.
    """

    def __init__(self, step: int, factor: float = 1, stop_factor_lr: float = 1e-8,
                 base_lr: float = 0.01, warmup_steps: int = 0, warmup_begin_lr: float = 0,
                 warmup_mode: str = "linear") -> None:
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        if step < 1:
            raise MXNetValueError(
                f"Schedule step must be greater or equal than 1 round; received step={step}")
        _check_factor(factor)
        self.step = step
        self.factor = factor
        self.stop_factor_lr = stop_factor_lr
        self.count = 0

    def __call__(self, num_update: int) -> float:
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        # A loop, not an if: resuming at a late num_update applies every decay due.
        while num_update > self.count + self.step:
            self.count += self.step
            self.base_lr *= self.factor
            if self.base_lr < self.stop_factor_lr:
                self.base_lr = self.stop_factor_lr
                logging.info("Update[%d]: now learning rate arrived at %0.5e, will not "
                             "change in the future", num_update, self.base_lr)
            else:
                logging.info("Update[%d]: Change learning rate to %0.5e",
                             num_update, self.base_lr)
        return self.base_lr


class MultiFactorScheduler(LRScheduler):
    """Multiply the learning rate by `factor` each time `num_update` passes a step.

    Args:
        step: strictly increasing list of update counts, each >= 1.
        factor: the multiplier (<= 1).
    """

    def __init__(self, step: list[int], factor: float = 1, base_lr: float = 0.01,
                 warmup_steps: int = 0, warmup_begin_lr: float = 0,
                 warmup_mode: str = "linear") -> None:
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        if not isinstance(step, list) or not step:
            raise MXNetValueError(
                f"step must be a non-empty list of ints; received step={step!r}")
        for i, s in enumerate(step):
            if i and s <= step[i - 1]:
                raise MXNetValueError(
                    f"Schedule step must be an increasing integer list; received step={step}")
            if s < 1:
                raise MXNetValueError(
                    "Schedule step must be greater or equal than 1 round; received "
                    f"step={step}")
        _check_factor(factor)
        self.step = step
        self.cur_step_ind = 0
        self.factor = factor
        self.count = 0

    def __call__(self, num_update: int) -> float:
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        while self.cur_step_ind < len(self.step) and num_update > self.step[self.cur_step_ind]:
            self.count = self.step[self.cur_step_ind]
            self.cur_step_ind += 1
            self.base_lr *= self.factor
            logging.info("Update[%d]: Change learning rate to %0.5e", num_update, self.base_lr)
        return self.base_lr


def _check_max_update(max_update: int) -> None:
    if not isinstance(max_update, int):
        raise MXNetValueError(
            f"max_update must be an int; received max_update={max_update!r} "
            f"(of type {type(max_update).__name__})")
    if max_update < 1:
        raise MXNetValueError(
            "maximum number of updates must be strictly positive; received "
            f"max_update={max_update}")


class _DecayScheduler(LRScheduler):
    """Warmup, then a decay from base_lr to final_lr over the max_steps = max_update -
    warmup_steps updates that follow (`_decayed`); the rate stays at its last value
    after max_update."""

    def __init__(self, max_update: int, base_lr: float, final_lr: float, warmup_steps: int,
                 warmup_begin_lr: float, warmup_mode: str) -> None:
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        _check_max_update(max_update)
        self.base_lr_orig = self.base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.max_steps = self.max_update - self.warmup_steps

    def _decayed(self, nup: int) -> float:
        """The rate `nup` updates after warmup."""
        raise NotImplementedError

    def __call__(self, num_update: int) -> float:
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        if num_update <= self.max_update:
            self.base_lr = self._decayed(num_update - self.warmup_steps)
        return self.base_lr


class PolyScheduler(_DecayScheduler):
    """Polynomial decay after warmup.

    lr = final_lr + (base_lr - final_lr) * (1 - nup / max_steps) ** pwr, where
    nup counts updates after warmup and max_steps = max_update - warmup_steps; the
    rate stays at its last value after max_update.
    """

    def __init__(self, max_update: int, base_lr: float = 0.01, pwr: float = 2,
                 final_lr: float = 0, warmup_steps: int = 0, warmup_begin_lr: float = 0,
                 warmup_mode: str = "linear") -> None:
        super().__init__(max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr,
                         warmup_mode)
        self.power = pwr

    def _decayed(self, nup: int) -> float:
        frac = float(nup) / float(self.max_steps)
        return self.final_lr + (self.base_lr_orig - self.final_lr) * pow(1 - frac, self.power)


class CosineScheduler(_DecayScheduler):
    """Cosine decay after warmup.

    lr = final_lr + (base_lr - final_lr) * (1 + cos(pi * nup / max_steps)) / 2, with
    nup and max_steps as in `PolyScheduler`.
    """

    def __init__(self, max_update: int, base_lr: float = 0.01, final_lr: float = 0,
                 warmup_steps: int = 0, warmup_begin_lr: float = 0,
                 warmup_mode: str = "linear") -> None:
        super().__init__(max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr,
                         warmup_mode)

    def _decayed(self, nup: int) -> float:
        phase = pi * nup / self.max_steps
        return self.final_lr + (self.base_lr_orig - self.final_lr) * (1 + cos(phase)) / 2
