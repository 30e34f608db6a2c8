"""`mx.sym.random`: MXNet's Python wrappers choosing `_random_<dist>` (number parameters)
or `_sample_<dist>` (Symbol parameters, one distribution per element)."""

from __future__ import annotations

from numbers import Number
from typing import Any

from ..base import MXNetTypeError
from .op_functions import make
from .symbol import Symbol

_NULL: Any = object()  # an argument left out: MXNet then stores no attribute


def _helper(dist: str, params: list[Any], shape: Any, dtype: Any,
            kwargs: dict[str, Any]) -> Symbol:
    opts = {k: v for k, v in (("shape", shape), ("dtype", dtype)) if v is not _NULL}
    if all(isinstance(p, Symbol) for p in params):
        return make(f"_sample_{dist}", f"_sample_{dist}")(*params, **opts, **kwargs)
    if all(isinstance(p, Number) for p in params):
        return make(f"_random_{dist}", f"_random_{dist}")(*params, **opts, **kwargs)
    raise MXNetTypeError("Distribution parameters must all be Symbols or all numbers, "
                         f"got {[type(p).__name__ for p in params]}")


def uniform(low: Any = 0, high: Any = 1, shape: Any = _NULL, dtype: Any = _NULL,
            **kwargs: Any) -> Symbol:
    """Uniform draws in [low, high)."""
    return _helper("uniform", [low, high], shape, dtype, kwargs)


def normal(loc: Any = 0, scale: Any = 1, shape: Any = _NULL, dtype: Any = _NULL,
           **kwargs: Any) -> Symbol:
    """Normal draws with mean loc and standard deviation scale."""
    return _helper("normal", [loc, scale], shape, dtype, kwargs)


def poisson(lam: Any = 1, shape: Any = _NULL, dtype: Any = _NULL, **kwargs: Any) -> Symbol:
    """Poisson draws with rate lam."""
    return _helper("poisson", [lam], shape, dtype, kwargs)


def exponential(scale: Any = 1, shape: Any = _NULL, dtype: Any = _NULL,
                **kwargs: Any) -> Symbol:
    """Exponential draws with mean scale (stored as the rate lam = 1 / scale)."""
    return _helper("exponential", [1.0 / scale], shape, dtype, kwargs)


def gamma(alpha: Any = 1, beta: Any = 1, shape: Any = _NULL, dtype: Any = _NULL,
          **kwargs: Any) -> Symbol:
    """Gamma draws with shape alpha and scale beta."""
    return _helper("gamma", [alpha, beta], shape, dtype, kwargs)


def negative_binomial(k: Any = 1, p: Any = 1, shape: Any = _NULL, dtype: Any = _NULL,
                      **kwargs: Any) -> Symbol:
    """Failures before the k-th success, success probability p."""
    return _helper("negative_binomial", [k, p], shape, dtype, kwargs)


def generalized_negative_binomial(mu: Any = 1, alpha: Any = 1, shape: Any = _NULL,
                                  dtype: Any = _NULL, **kwargs: Any) -> Symbol:
    """Draws with mean mu and variance mu + alpha * mu^2."""
    return _helper("generalized_negative_binomial", [mu, alpha], shape, dtype, kwargs)


def randint(low: int, high: int, shape: Any = _NULL, dtype: Any = _NULL,
            **kwargs: Any) -> Symbol:
    """Uniform integers in [low, high)."""
    opts = {k: v for k, v in (("shape", shape), ("dtype", dtype)) if v is not _NULL}
    return make("_random_randint", "_random_randint")(low, high, **opts, **kwargs)


def multinomial(data: Symbol, shape: Any = _NULL, get_prob: bool = True,
                dtype: Any = "int32", **kwargs: Any) -> Symbol:
    """Class indices drawn from data's last axis (get_prob defaults to True here, as in
    MXNet's mx.sym.random.multinomial; mx.sym.sample_multinomial's is False)."""
    opts = {} if shape is _NULL else {"shape": shape}
    return make("_sample_multinomial", "_sample_multinomial")(
        data, **opts, get_prob=get_prob, dtype=dtype, **kwargs)


def shuffle(data: Symbol, **kwargs: Any) -> Symbol:
    """data with its first axis randomly permuted."""
    return make("_shuffle", "_shuffle")(data, **kwargs)
