"""`mx.nd.random`: draws from the process-wide key (`mx.random.seed`)."""

from __future__ import annotations

from typing import Any

from ..base import Context
from .ndarray import NDArray, _place

_NULL: Any = object()  # an argument left out (MXNet's _Null)


def uniform(low: Any = 0.0, high: Any = 1.0, shape: Any = _NULL, dtype: Any = "float32",
            ctx: Context | None = None, out: NDArray | None = None, **kwargs: Any) -> NDArray:
    """Uniform draws in [low, high), seeded by `mx.random.seed`."""
    return _draw("uniform", [low, high], shape, dtype or "float32", ctx, out, kwargs)


def normal(loc: Any = 0.0, scale: Any = 1.0, shape: Any = _NULL, dtype: Any = "float32",
           ctx: Context | None = None, out: NDArray | None = None, **kwargs: Any) -> NDArray:
    """Normal draws with mean `loc` and standard deviation `scale`."""
    return _draw("normal", [loc, scale], shape, dtype or "float32", ctx, out, kwargs)


def _maybe_out(result: NDArray, out: NDArray | None) -> NDArray:
    if out is None:
        return result
    out[:] = result
    return out


# -- every distribution goes to the registry's _random_* (number parameters, shape (1,) when
# left out, as MXNet's mx.nd.random) or _sample_* (NDArray parameters, per element) --------


def _draw(dist: str, params: list[Any], shape: Any, dtype: Any, ctx: Context | None,
          out: NDArray | None, kwargs: dict[str, Any]) -> NDArray:
    from .op_functions import make
    opts = {k: v for k, v in (("shape", shape), ("dtype", dtype)) if v is not _NULL}
    if all(isinstance(p, NDArray) for p in params):
        result = make(f"_sample_{dist}", f"_sample_{dist}")(*params, **opts, **kwargs)
        return _maybe_out(result, out)
    if shape is _NULL and out is None:
        opts["shape"] = (1,)
    elif shape is _NULL:
        opts["shape"] = out.shape  # type: ignore[union-attr]
    result = make(f"_random_{dist}", f"_random_{dist}")(*params, **opts, **kwargs)
    return _maybe_out(_place(result._data, ctx), out)


def gamma(alpha: Any = 1, beta: Any = 1, shape: Any = _NULL, dtype: Any = _NULL,
          ctx: Context | None = None, out: NDArray | None = None, **kwargs: Any) -> NDArray:
    """Gamma draws with shape alpha and scale beta."""
    return _draw("gamma", [alpha, beta], shape, dtype, ctx, out, kwargs)


def exponential(scale: Any = 1, shape: Any = _NULL, dtype: Any = _NULL,
                ctx: Context | None = None, out: NDArray | None = None,
                **kwargs: Any) -> NDArray:
    """Exponential draws with mean scale (the op's rate lam is 1 / scale)."""
    return _draw("exponential", [1.0 / scale], shape, dtype, ctx, out, kwargs)


def poisson(lam: Any = 1, shape: Any = _NULL, dtype: Any = _NULL, ctx: Context | None = None,
            out: NDArray | None = None, **kwargs: Any) -> NDArray:
    """Poisson draws with rate lam."""
    return _draw("poisson", [lam], shape, dtype, ctx, out, kwargs)


def negative_binomial(k: Any = 1, p: Any = 1, shape: Any = _NULL, dtype: Any = _NULL,
                      ctx: Context | None = None, out: NDArray | None = None,
                      **kwargs: Any) -> NDArray:
    """Failures before the k-th success, success probability p."""
    return _draw("negative_binomial", [k, p], shape, dtype, ctx, out, kwargs)


def generalized_negative_binomial(mu: Any = 1, alpha: Any = 1, shape: Any = _NULL,
                                  dtype: Any = _NULL, ctx: Context | None = None,
                                  out: NDArray | None = None, **kwargs: Any) -> NDArray:
    """Draws with mean mu and variance mu + alpha * mu^2."""
    return _draw("generalized_negative_binomial", [mu, alpha], shape, dtype, ctx, out, kwargs)


def randint(low: int, high: int, shape: Any = _NULL, dtype: Any = _NULL,
            ctx: Context | None = None, out: NDArray | None = None, **kwargs: Any) -> NDArray:
    """Uniform integers in [low, high)."""
    return _draw("randint", [low, high], shape, dtype, ctx, out, kwargs)


def multinomial(data: NDArray, shape: Any = _NULL, get_prob: bool = False,
                out: NDArray | None = None, dtype: Any = "int32", **kwargs: Any) -> Any:
    """Class indices drawn from data's last axis (and their log-probabilities)."""
    from .op_functions import make
    opts = {} if shape is _NULL else {"shape": shape}
    return make("_sample_multinomial", "multinomial")(
        data, **opts, get_prob=get_prob, dtype=dtype, out=out, **kwargs)


def shuffle(data: NDArray, **kwargs: Any) -> NDArray:
    """data with its first axis randomly permuted."""
    from .op_functions import make
    return make("_shuffle", "shuffle")(data, **kwargs)
