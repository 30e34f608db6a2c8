"""Creation ops: `_zeros`, `_ones`, `_full`, `_arange`, `_linspace`, `_eye`.

They take no inputs; the output's shape and values follow from the parameters alone.
`mx.sym.zeros`... and `mx.nd.eye`... are MXNet's Python wrappers around these ops
(symbol/creation.py, ndarray/ndarray.py).
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from . import attrs as A
from .registry import REQUIRED, Param, Params, register, same_shape_inputs
from .shape import _dtype_choice, _jnp_dtype

Array = jax.Array

_NUMERIC = ("float16", "float32", "float64", "int32", "int64", "int8", "uint8")
_CTX = Param(A.parse_str, "", "context of an imperative call's output; unused in a graph")


def _dtype(choices: tuple[str, ...]) -> Param:
    return Param(_dtype_choice(*choices), "float32", "output dtype")


def _dtype_of(p: Params, default: str = "float32") -> Any:
    """The dtype parameter; the random ops' 'None' means `default`."""
    return _jnp_dtype(default if p.dtype == "None" else p.dtype)


def _out_dtype(p: Params, default: str = "float32") -> Any:
    """The dtype the output is computed in (float64 is float32 unless x64 is on)."""
    return jax.dtypes.canonicalize_dtype(_dtype_of(p, default))


def _infer_dtype(p: Params, dtypes: list[Any]) -> Any:
    return _dtype_of(p)


def _cast_host(values: Any, dtype: Any) -> np.ndarray:
    """Numbers (float64) as MXNet's C++ casts them: to an integer type by truncation and
    then wrapping (-3.7 is 253 as uint8, 300.7 is 44), to bool by != 0."""
    values = np.asarray(values, np.float64)
    if dtype == np.bool_:
        return values != 0
    if jnp.issubdtype(dtype, jnp.integer):
        return np.trunc(values).astype(np.int64).astype(dtype)
    return values.astype(dtype)


# -- _zeros / _ones / _full ----------------------------------------------------------------
def _fill_shape(p: Params) -> tuple[int, ...]:
    # MXNet (legacy shapes) reads () and 0 dimensions as unknown; it completes them from
    # the node's consumers in a graph and fails where nothing does (an imperative call).
    if not p.shape or any(d <= 0 for d in p.shape):
        raise ValueError(f"shape={p.shape} has unknown dimensions (0 or an empty shape); "
                         "jaxsym does not infer a creation op's shape from its consumers")
    return tuple(p.shape)


def _fill(p: Params, value: float) -> Array:
    dtype = _out_dtype(p)
    return jnp.full(_fill_shape(p), _cast_host(value, dtype)[()], dtype)


_FILL_DTYPES = ("bfloat16", "bool", *_NUMERIC)
for _name, _value in (("_zeros", 0.0), ("_ones", 1.0)):
    register(_name, lambda p, _v=_value: _fill(p, _v), inputs=(),
             params={"shape": Param(A.parse_shape, (), "output shape"), "ctx": _CTX,
                     "dtype": _dtype(_FILL_DTYPES)},
             infer_dtype=_infer_dtype, doc=f"An array of {_value:g}s of the given shape.")


register("_full", lambda p: _fill(p, p.value), inputs=(),
         params={"shape": Param(A.parse_shape, (), "output shape"), "ctx": _CTX,
                 "dtype": _dtype(_FILL_DTYPES),
                 "value": Param(A.parse_float, REQUIRED, "fill value")},
         infer_dtype=_infer_dtype, doc="An array of the given shape filled with value.")


# -- _arange -------------------------------------------------------------------------------
def _range_bounds(p: Params) -> tuple[float, float]:
    """(start, stop): without stop, MXNet counts from 0 to start."""
    start, stop = (0.0, p.start) if p.stop is None else (p.start, p.stop)
    if p.step == 0:
        raise ValueError(f"Range does not support step=0, received {p.step:g}")
    if p.repeat <= 0:
        raise ValueError(f"Range only supports repeat > 0, received {p.repeat}")
    if p.infer_range and p.stop is None:
        raise ValueError("infer_range=True without stop: MXNet takes the length from the "
                         "node's consumers, which jaxsym does not")
    if (p.step > 0 and not start < stop) or (p.step < 0 and not start > stop):
        raise ValueError(f"Invalid range (start, stop, step) = ({start:g}, {stop:g}, "
                         f"{p.step:g})")
    return start, stop


def _arange(p: Params) -> Array:
    start, stop = _range_bounds(p)
    length = math.ceil((stop - start) / p.step)
    dtype = _out_dtype(p)
    # MXNet computes start + i * step in the output type, with start and step cast to it
    # first: an integer type truncates them (arange(0.5, 3.2, 0.7) in int32 is all 0),
    # and so does float16 (its kernel converts through int).
    if dtype == np.float16 or jnp.issubdtype(dtype, jnp.integer):
        start, step = math.trunc(start), math.trunc(p.step)
        work = jnp.float32 if dtype == np.float16 else dtype
    else:
        step = p.step
        work = jnp.float32 if dtype == jnp.bfloat16 else dtype
    index = (jnp.arange(length * p.repeat) // p.repeat).astype(work)
    values = jnp.asarray(_cast_host(start, work)) + index * jnp.asarray(_cast_host(step, work))
    return values.astype(dtype)


register("_arange", _arange, inputs=(),
         params={"start": Param(A.parse_float, REQUIRED, "start, or stop when stop is None"),
                 "stop": Param(A.optional(A.parse_float), None, "end (excluded)"),
                 "step": Param(A.parse_float, 1.0, "spacing"),
                 "repeat": Param(A.parse_int, 1, "copies of each value"),
                 "infer_range": Param(A.parse_bool, False,
                                      "take the length from the consumers (unsupported)"),
                 "ctx": _CTX, "dtype": _dtype(("bfloat16", *_NUMERIC))},
         infer_dtype=_infer_dtype, doc="Evenly spaced values in [start, stop), repeated.")


# -- _linspace -----------------------------------------------------------------------------
def _linspace(p: Params) -> Array:
    if p.num < 0:
        raise ValueError(f"Number of sequence should be non-negative, received {p.num}")
    steps = p.num - 1 if p.endpoint else p.num
    step = (p.stop - p.start) / steps if steps > 0 else 0.0
    # MXNet computes start + i * step in double and then casts (an integer type
    # truncates), so the values are a constant from the parameters, made on the host.
    dtype = _out_dtype(p)
    return jnp.asarray(_cast_host(p.start + np.arange(p.num) * step, dtype))


register("_linspace", _linspace, inputs=(),
         params={"start": Param(A.parse_float, REQUIRED, "first value"),
                 "stop": Param(A.parse_float, REQUIRED, "last value (with endpoint)"),
                 "num": Param(A.parse_int, REQUIRED, "number of values"),
                 "endpoint": Param(A.parse_bool, True, "whether stop is the last value"),
                 "ctx": _CTX, "dtype": _dtype(("bfloat16", *_NUMERIC))},
         infer_dtype=_infer_dtype, doc="num evenly spaced values from start to stop.")


# -- _eye ----------------------------------------------------------------------------------
def _eye(p: Params) -> Array:
    if p.N < 0 or p.M < 0:
        raise ValueError(f"N and M must be non-negative, got N={p.N}, M={p.M}")
    return jnp.eye(p.N, p.M or p.N, p.k, _out_dtype(p))


register("_eye", _eye, inputs=(),
         params={"N": Param(A.parse_int, REQUIRED, "rows"),
                 "M": Param(A.parse_int, 0, "columns; 0 means N"),
                 "k": Param(A.parse_int, 0, "diagonal: > 0 above the main one, < 0 below"),
                 "ctx": _CTX, "dtype": _dtype(_NUMERIC)},
         infer_dtype=_infer_dtype, doc="A 2-D array with ones on the k-th diagonal.")


# -- random draws: `_random_*` (parameters) and `_sample_*` (per-element inputs) -------------
# MXNet's random stream cannot be reproduced; the draws come from the key the executor
# threads (a fresh one per forward, reset by mx.random.seed), as Dropout's.
def _parse_opt_dtype(*choices: str) -> A.Parser:
    """MXNet's dtype enum with 'None' (the default: float32, or int32 for randint)."""
    check = _dtype_choice(*choices)

    def parse(value: Any) -> str:
        return "None" if value is None or str(value) == "None" else check(value)

    parse.__name__ = "enum"
    parse.choices = ("None", *choices)  # type: ignore[attr-defined]
    return parse


_FLOATS = ("float16", "float32", "float64")


def _gamma(key: Array, alpha: Array, scale: Array, shape: tuple[int, ...]) -> Array:
    return jax.random.gamma(key, alpha, shape, jnp.float32) * scale


def _poisson(key: Array, lam: Array, shape: tuple[int, ...]) -> Array:
    return jax.random.poisson(key, lam, shape).astype(jnp.float32)


def _neg_binomial(key: Array, k: Array, p: Array, shape: tuple[int, ...]) -> Array:
    """Failures before the k-th success (success probability p): a gamma-Poisson mix."""
    k_gamma, k_poisson = jax.random.split(key)
    return _poisson(k_poisson, _gamma(k_gamma, k, (1 - p) / p, shape), shape)


def _gen_neg_binomial(key: Array, mu: Array, alpha: Array, shape: tuple[int, ...]) -> Array:
    """Mean mu, variance mu + alpha * mu^2; alpha = 0 is Poisson(mu)."""
    k_gamma, k_poisson = jax.random.split(key)
    safe = jnp.where(alpha > 0, alpha, 1.0)
    lam = jnp.where(alpha > 0, _gamma(k_gamma, 1 / safe, mu * safe, shape), mu)
    return _poisson(k_poisson, lam, shape)


# name: (parameter names with defaults, draw(key, *parameters, shape) in float32)
_DISTRIBUTIONS: dict[str, tuple[tuple[tuple[str, float, str], ...], Any]] = {
    "uniform": ((("low", 0.0, "lower bound"), ("high", 1.0, "upper bound (excluded)")),
                lambda key, lo, hi, shape: jax.random.uniform(key, shape, jnp.float32, lo, hi)),
    "normal": ((("loc", 0.0, "mean"), ("scale", 1.0, "standard deviation")),
               lambda key, mu, sigma, shape: jax.random.normal(key, shape) * sigma + mu),
    "gamma": ((("alpha", 1.0, "shape"), ("beta", 1.0, "scale")), _gamma),
    "exponential": ((("lam", 1.0, "rate"),),
                    lambda key, lam, shape: jax.random.exponential(key, shape) / lam),
    "poisson": ((("lam", 1.0, "rate"),), _poisson),
    "negative_binomial": ((("k", 1.0, "successes"), ("p", 1.0, "success probability")),
                          _neg_binomial),
    "generalized_negative_binomial": ((("mu", 1.0, "mean"), ("alpha", 1.0, "dispersion")),
                                      _gen_neg_binomial),
}
# The per-element inputs of `_sample_*` where they differ from `_random_*`'s parameters.
_SAMPLE_INPUTS = {"normal": ("mu", "sigma")}


def _random_op(name: str) -> Any:
    names, draw = _DISTRIBUTIONS[name]

    def forward(p: Params, inputs: list[Array], aux: list[Array], is_train: bool,
                key: Array) -> tuple[list[Array], list[Array]]:
        values = [jnp.float32(getattr(p, n)) for n, _, _ in names]
        return [draw(key, *values, _fill_shape(p)).astype(_out_dtype(p))], []
    return forward


def _sample_op(name: str) -> Any:
    _, draw = _DISTRIBUTIONS[name]

    def forward(p: Params, inputs: list[Array], aux: list[Array], is_train: bool,
                key: Array) -> tuple[list[Array], list[Array]]:
        first = inputs[0]
        for slot, other in zip(_sample_inputs(name)[1:], inputs[1:]):
            if other.shape != first.shape:
                raise ValueError(f"input {slot!r} has shape {other.shape}, expected "
                                 f"{first.shape} as the first input's")
        # One draw per element and per `shape` entry; MXNet gives the inputs no gradient.
        shape = tuple(first.shape) + tuple(p.shape)
        params = [_trailing_axes(lax.stop_gradient(x).astype(jnp.float32), len(p.shape))
                  for x in inputs]
        return [draw(key, *params, shape).astype(_out_dtype(p))], []
    return forward


def _sample_inputs(name: str) -> tuple[str, ...]:
    return _SAMPLE_INPUTS.get(name, tuple(n for n, _, _ in _DISTRIBUTIONS[name][0]))


def _trailing_axes(x: Array, n: int) -> Array:
    """x with n trailing unit axes, to broadcast over the per-element draws."""
    return x.reshape(x.shape + (1,) * n)


def _distribution_param(name: str, default: float, doc: str) -> Param:
    # negative_binomial's k is an int parameter in MXNet (its sample_ form takes floats).
    if name == "k":
        return Param(A.parse_int, int(default), doc)
    return Param(A.parse_float, default, doc)


for _dist, (_names, _) in _DISTRIBUTIONS.items():
    register(f"_random_{_dist}", _random_op(_dist), inputs=(),
             aliases=(f"random_{_dist}", *((_dist,) if _dist in ("uniform", "normal") else ())),
             params={**{n: _distribution_param(n, d, doc) for n, d, doc in _names},
                     "shape": Param(A.parse_shape, (), "output shape"), "ctx": _CTX,
                     "dtype": Param(_parse_opt_dtype(*_FLOATS), "None", "output dtype")},
             stateful=True, random=True, infer_dtype=_infer_dtype,
             doc=f"Draws from the {_dist.replace('_', ' ')} distribution with the given "
                 "parameters.")
    register(f"_sample_{_dist}", _sample_op(_dist), inputs=_sample_inputs(_dist),
             aliases=(f"sample_{_dist}",),
             params={"shape": Param(A.parse_shape, (), "draws per element"),
                     "dtype": Param(_parse_opt_dtype(*_FLOATS), "None", "output dtype")},
             stateful=True, random=True, infer_dtype=_infer_dtype,
             infer_inputs=same_shape_inputs,
             doc=f"Draws from {_dist.replace('_', ' ')} distributions whose parameters are "
                 "given per element; the output has the inputs' shape then `shape`.")


def _randint(p: Params, inputs: list[Array], aux: list[Array], is_train: bool,
             key: Array) -> tuple[list[Array], list[Array]]:
    dtype = _out_dtype(p, "int32")
    return [jax.random.randint(key, _fill_shape(p), p.low, p.high, dtype)], []


register("_random_randint", _randint, inputs=(), aliases=("random_randint",),
         params={"low": Param(A.parse_int, REQUIRED, "lower bound"),
                 "high": Param(A.parse_int, REQUIRED, "upper bound (excluded)"),
                 "shape": Param(A.parse_shape, (), "output shape"), "ctx": _CTX,
                 "dtype": Param(_parse_opt_dtype("int32", "int64"), "None", "output dtype")},
         stateful=True, random=True, infer_dtype=lambda p, d: _dtype_of(p, "int32"),
         doc="Uniform integers in [low, high).")


# -- _sample_multinomial / _shuffle --------------------------------------------------------
def _multinomial(p: Params, inputs: list[Array], aux: list[Array], is_train: bool,
                 key: Array) -> tuple[list[Array], list[Array]]:
    (data,) = inputs
    batch = tuple(data.shape[:-1])
    n_draws = math.prod(p.shape)
    logits = jnp.log(lax.stop_gradient(data)).reshape((-1, data.shape[-1]))
    picks = jax.random.categorical(key, logits, axis=-1, shape=(n_draws, logits.shape[0])).T
    # MXNet: a 1-D data with no `shape` gives one draw of shape (1,).
    out_shape = batch + tuple(p.shape) if batch or p.shape else (1,)
    samples = picks.reshape(out_shape)
    outs = [samples.astype(_out_dtype(p, "int32"))]
    if p.get_prob:
        # log p[sample]: its gradient, 1 / p[sample] at the sampled class, is MXNet's.
        rows = data.reshape((-1, data.shape[-1]))
        outs.append(jnp.log(jnp.take_along_axis(rows, picks, axis=-1)).reshape(out_shape))
    return outs, []


register("_sample_multinomial", _multinomial, aliases=("sample_multinomial",),
         params={"shape": Param(A.parse_shape, (), "draws per distribution"),
                 "get_prob": Param(A.parse_bool, False, "also output log p of each draw"),
                 "dtype": Param(_dtype_choice("float16", "float32", "float64", "int32",
                                              "uint8"), "int32", "samples' dtype")},
         num_outputs=lambda p: 2 if p.get_prob else 1, stateful=True, random=True,
         infer_dtype=lambda p, dtypes: [_jnp_dtype(p.dtype), *dtypes[:1]] if p.get_prob
         else _jnp_dtype(p.dtype),
         doc="Draws class indices from the categorical distributions on data's last axis.")


def _shuffle(p: Params, inputs: list[Array], aux: list[Array], is_train: bool,
             key: Array) -> tuple[list[Array], list[Array]]:
    return [jax.random.permutation(key, lax.stop_gradient(inputs[0]), axis=0)], []


register("_shuffle", _shuffle, aliases=("shuffle",), stateful=True, random=True,
         doc="The data with its first axis randomly permuted.")


# -- random_pdf_*: densities of samples under per-element parameters -------------------------
def _pdf_uniform(x: Array, low: Array, high: Array) -> Array:
    # MXNet does not check the support: every sample gets 1 / (high - low).
    return jnp.broadcast_to(-jnp.log(high - low), x.shape)


def _pdf_normal(x: Array, mu: Array, sigma: Array) -> Array:
    return -0.5 * ((x - mu) / sigma) ** 2 - jnp.log(jnp.sqrt(2 * jnp.pi) * sigma)


def _pdf_gamma(x: Array, alpha: Array, beta: Array) -> Array:
    # Here beta is a rate (the sampler's beta is a scale), as MXNet's density.
    return alpha * jnp.log(beta) + (alpha - 1) * jnp.log(x) - beta * x - lax.lgamma(alpha)


def _pdf_poisson(x: Array, lam: Array) -> Array:
    return x * jnp.log(lam) - lax.lgamma(x + 1) - lam


def _pdf_negative_binomial(x: Array, k: Array, p: Array) -> Array:
    return (lax.lgamma(x + k) - lax.lgamma(x + 1) - lax.lgamma(k) + k * jnp.log(p)
            + x * jnp.log(1 - p))


def _pdf_generalized_negative_binomial(x: Array, mu: Array, alpha: Array) -> Array:
    return _pdf_negative_binomial(x, 1 / alpha, 1 / (mu * alpha + 1))


# name: (parameter inputs, log-density, whether MXNet gives the sample a gradient)
_PDFS: dict[str, tuple[tuple[str, ...], Any, bool]] = {
    "uniform": (("low", "high"), _pdf_uniform, True),
    "normal": (("mu", "sigma"), _pdf_normal, True),
    "gamma": (("alpha", "beta"), _pdf_gamma, True),
    "exponential": (("lam",), lambda x, lam: jnp.log(lam) - lam * x, True),
    # The discrete densities' sample gets no gradient in MXNet (not lgamma's derivative).
    "poisson": (("lam",), _pdf_poisson, False),
    "negative_binomial": (("k", "p"), _pdf_negative_binomial, False),
    "generalized_negative_binomial": (("mu", "alpha"), _pdf_generalized_negative_binomial,
                                      False),
}


def _pdf_check(sample: Array, params: list[Array], names: tuple[str, ...],
               vector: bool) -> None:
    """MXNet: the parameters share one shape, the sample's leading axes (for a vector
    density, with the sample's last axis last)."""
    lead = params[0].ndim
    if lead > sample.ndim:
        raise ValueError(f"dimension of input samples ({sample.ndim}) must be at least "
                         f"dimension of distribution parameters ({lead})")
    want = tuple(sample.shape[:lead])
    if vector:
        want = want[:-1] + (sample.shape[-1],)
    for name, value in zip(names, params):
        if tuple(value.shape) != want:
            raise ValueError(f"input {name!r} has shape {tuple(value.shape)}, expected "
                             f"{want} from sample {tuple(sample.shape)}")


def _pdf_op(name: str) -> Any:
    names, log_pdf, sample_grad = _PDFS[name]

    def forward(p: Params, sample: Array, *params: Array) -> Array:
        _pdf_check(sample, list(params), names, False)
        if not sample_grad:
            sample = lax.stop_gradient(sample)
        extra = sample.ndim - params[0].ndim
        out = log_pdf(sample, *(_trailing_axes(v, extra) for v in params))
        return out if p.is_log else jnp.exp(out)
    return forward


_IS_LOG = {"is_log": Param(A.parse_bool, False, "return the log-density")}

for _dist, (_names, _, _) in _PDFS.items():
    register(f"_random_pdf_{_dist}", _pdf_op(_dist), inputs=("sample", *_names),
             aliases=(f"random_pdf_{_dist}",), params=dict(_IS_LOG),
             doc=f"The {_dist.replace('_', ' ')} density (or its log) of sample under "
                 "per-element parameters matching the sample's leading axes.")


def _pdf_dirichlet(p: Params, sample: Array, alpha: Array) -> Array:
    _pdf_check(sample, [alpha], ("alpha",), True)
    # alpha (B..., k) against sample (B..., S..., k): S axes inserted before k.
    a = alpha.reshape(alpha.shape[:-1] + (1,) * (sample.ndim - alpha.ndim) + alpha.shape[-1:])
    out = (jnp.sum((a - 1) * jnp.log(sample), axis=-1)
           + lax.lgamma(jnp.sum(a, axis=-1)) - jnp.sum(lax.lgamma(a), axis=-1))
    out = out.reshape(out.shape or (1,))  # MXNet: one vector sample gives shape (1,)
    return out if p.is_log else jnp.exp(out)


register("_random_pdf_dirichlet", _pdf_dirichlet, inputs=("sample", "alpha"),
         aliases=("random_pdf_dirichlet",), params=dict(_IS_LOG),
         doc="The Dirichlet density (or its log) of the vectors on sample's last axis.")
