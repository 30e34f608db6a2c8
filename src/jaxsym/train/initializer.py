"""Weight initializers, as `mx.init` (`mx.initializer`) in MXNet 1.9.1.

An initializer is called as `init(desc, arr)` and fills `arr` in place
(`arr[:] = value`). With an `InitDesc` (Module's path) a variable's `__init__`
attribute wins: it is a JSON string such as '["zero", {}]' (BatchNorm's
moving_mean), '["one", {}]' (moving_var) or '["constant", {"value": 1.0}]'
(`Variable(init=mx.init.Constant(1.0))`), and that initializer's `_init_weight`
fills the array. Otherwise the name's suffix picks the method: `weight`, `bias` (0),
`gamma` (1), `beta` (0), `min` (0), `max` (1). A plain str name (FeedForward's
legacy path) dispatches on more suffixes, the moving statistics included.

Random draws come from `jaxsym._rng.numpy_rng()` (reset by `mx.random.seed`) in
float32; they follow MXNet's distributions, not its exact numbers.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from collections.abc import Callable
from math import sqrt
from typing import Any

import numpy as np

from jaxsym import _rng
from jaxsym.base import MXNetError, MXNetTypeError, MXNetValueError
from jaxsym.ops.rnn import packed_layout, rnn_param_size
from jaxsym.train._registry import ClassRegistry

__all__ = [
    "Bilinear",
    "Constant",
    "FusedRNN",
    "InitDesc",
    "Initializer",
    "LSTMBias",
    "Load",
    "MSRAPrelu",
    "Mixed",
    "Normal",
    "One",
    "Orthogonal",
    "Uniform",
    "Xavier",
    "Zero",
    "alias",
    "create",
    "register",
]


def _host(x: Any) -> np.ndarray:
    return np.asarray(x.asnumpy() if hasattr(x, "asnumpy") else x)


class InitDesc(str):
    """A parameter name carrying its variable attributes and the global initializer.

    Args:
        name: the variable's name.
        attrs: its attributes, as `Symbol.attr_dict()[name]` (may hold `__init__`).
        global_init: the initializer to fall back on (set on first use).
    """

    attrs: dict
    global_init: Initializer | None

    def __new__(cls, name: str, attrs: dict | None = None,
                global_init: Initializer | None = None) -> InitDesc:
        ret = super().__new__(cls, name)
        ret.attrs = attrs or {}
        ret.global_init = global_init
        return ret


class Initializer:
    """Base class: dispatches a parameter to `_init_weight`, `_init_bias`, ... by name."""

    def __init__(self, **kwargs: Any) -> None:
        self._kwargs = kwargs
        self._verbose = False
        self._print_func: Callable[[Any], str] | None = None

    def set_verbosity(self, verbose: bool = False,
                      print_func: Callable[[Any], str] | None = None) -> Initializer:
        """Log each initialized array with `print_func(arr)` (default: norm/sqrt(size))."""
        self._verbose = verbose
        if print_func is None:
            def print_func(x: Any) -> str:
                values = _host(x).astype(np.float64)
                return str(np.float32(np.linalg.norm(values.ravel()) / sqrt(values.size)))
        self._print_func = print_func
        return self

    def _verbose_print(self, desc: str, init: str, arr: Any) -> None:
        if self._verbose and self._print_func:
            logging.info("Initialized %s as %s: %s", desc, init, self._print_func(arr))

    def dumps(self) -> str:
        """The JSON string `create` accepts, e.g. '["normal", {"sigma": 0.5}]'."""
        return json.dumps([type(self).__name__.lower(), self._kwargs])

    def __call__(self, desc: str, arr: Any) -> None:
        """Fill `arr` for the parameter `desc` (an InitDesc, or a str: legacy path)."""
        if not isinstance(desc, InitDesc):
            self._legacy_init(desc, arr)
            return
        if desc.global_init is None:
            desc.global_init = self
        init = desc.attrs.get("__init__", "")
        if init:
            create(init)._init_weight(desc, arr)
            self._verbose_print(desc, init, arr)
            return
        # Checked in MXNet's order: 'x_weight_quantize' does not end in 'weight'.
        for suffix, method in (("weight", self._init_weight), ("bias", self._init_bias),
                               ("gamma", self._init_gamma), ("beta", self._init_beta),
                               ("min", self._init_zero), ("max", self._init_one),
                               ("weight_quantize", self._init_quantized_weight),
                               ("bias_quantize", self._init_quantized_bias)):
            if desc.endswith(suffix):
                method(desc, arr)
                self._verbose_print(desc, suffix, arr)
                return
        self._init_default(desc, arr)

    def _legacy_init(self, name: str, arr: Any) -> None:
        """FeedForward's path: a str name, dispatched on MXNet's legacy suffix table."""
        warnings.warn("Calling initializer with init(str, NDArray) has been deprecated."
                      "please use init(mx.init.InitDesc(...), NDArray) instead.",
                      DeprecationWarning, stacklevel=3)
        if not isinstance(name, str):
            raise MXNetTypeError(f"name must be string; received {name!r} "
                                 f"(of type {type(name).__name__})")
        if name.startswith("upsampling"):
            self._init_bilinear(name, arr)
        elif name.startswith("stn_loc") and name.endswith("weight"):
            self._init_zero(name, arr)
        elif name.startswith("stn_loc") and name.endswith("bias"):
            self._init_loc_bias(name, arr)
        elif name.endswith("bias"):
            self._init_bias(name, arr)
        elif name.endswith("gamma"):
            self._init_gamma(name, arr)
        elif name.endswith("beta"):
            self._init_beta(name, arr)
        elif name.endswith("weight"):
            self._init_weight(name, arr)
        elif name.endswith("moving_mean"):
            self._init_zero(name, arr)
        elif name.endswith("moving_var"):
            self._init_one(name, arr)
        elif name.endswith(("moving_inv_var", "moving_avg", "min")):
            self._init_zero(name, arr)
        elif name.endswith("max"):
            self._init_one(name, arr)
        else:
            self._init_default(name, arr)

    def _init_bilinear(self, _: str, arr: Any) -> None:
        arr[:] = _bilinear(tuple(arr.shape))

    def _init_loc_bias(self, name: str, arr: Any) -> None:
        if tuple(arr.shape)[:1] != (6,):
            raise MXNetValueError(f"{name}: the stn_loc bias must have 6 entries; received "
                                  f"shape {tuple(arr.shape)}")
        arr[:] = np.array([1.0, 0, 0, 0, 1.0, 0], np.float32)

    def _init_zero(self, _: str, arr: Any) -> None:
        arr[:] = 0.0

    def _init_one(self, _: str, arr: Any) -> None:
        arr[:] = 1.0

    def _init_bias(self, _: str, arr: Any) -> None:
        arr[:] = 0.0

    def _init_quantized_bias(self, _: str, arr: Any) -> None:
        arr[:] = 0

    def _init_gamma(self, _: str, arr: Any) -> None:
        arr[:] = 1.0

    def _init_beta(self, _: str, arr: Any) -> None:
        arr[:] = 0.0

    def _init_weight(self, name: str, arr: Any) -> None:
        """Fill a weight; each concrete initializer defines it."""
        raise NotImplementedError(f"{type(self).__name__} does not define _init_weight "
                                  f"(needed for {name})")

    def _init_quantized_weight(self, _: str, arr: Any) -> None:
        # MXNet draws one integer in [-127, 127) and fills the array with it.
        arr[:] = np.int8(_rng.numpy_rng().integers(-127, 127))

    def _init_default(self, name: str, _: Any) -> None:
        raise MXNetValueError(
            f"Unknown initialization pattern for {name}. Default initialization is now "
            'limited to "weight", "bias", "gamma" (1.0), and "beta" (0.0). Please use '
            "mx.sym.Variable(init=mx.init.*) to set initialization pattern")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Initializer):
            return NotImplemented
        return type(self) is type(other) and self._kwargs == other._kwargs


_REGISTRY = ClassRegistry(Initializer, "initializer")
register = _REGISTRY.register
alias = _REGISTRY.alias
create = _REGISTRY.create


class Load:
    """Initialize from saved arrays, falling back on `default_init` for the rest.

    Args:
        param: dict name -> array (NDArray or numpy), or a .params file name. The
            'arg:'/'aux:' prefixes are dropped; keys without them are kept; keys no
            parameter asks for are ignored.
        default_init: called (with the same name/InitDesc) for names not in `param`.
        verbose: log where each parameter came from.
    """

    def __init__(self, param: str | dict, default_init: Any = None,
                 verbose: bool = False) -> None:
        if isinstance(param, str):
            from jaxsym.formats.params import load_arrays

            loaded = load_arrays(param)
            if isinstance(loaded, list):
                if loaded:
                    raise MXNetValueError(f"{param}: Load needs a file of named arrays; "
                                          f"it holds {len(loaded)} unnamed arrays")
                loaded = {}
            param = loaded
        if not isinstance(param, dict):
            raise MXNetTypeError(f"Load expects a dict of name -> array or a file name; "
                                 f"received {type(param).__name__}")
        self.param = {}
        for name, arr in param.items():
            if name.startswith(("arg:", "aux:")):
                self.param[name[4:]] = arr
            else:
                self.param[name] = arr
        self.default_init = default_init
        self.verbose = verbose

    def __call__(self, name: str, arr: Any) -> None:
        if name in self.param:
            value = _host(self.param[name])
            if tuple(arr.shape) != value.shape:
                raise MXNetValueError(
                    f"Parameter {name} cannot be initialized from loading. Shape mismatch, "
                    f"target {tuple(arr.shape)} vs loaded {value.shape}")
            arr[:] = value
            if self.verbose:
                logging.info("Initialized %s by loading", name)
            return
        if self.default_init is None:
            raise MXNetError(f"Cannot Initialize {name}. Not found in loaded param and no "
                             "default Initializer is provided.")
        self.default_init(name, arr)
        if self.verbose:
            logging.info("Initialized %s by default", name)


class Mixed:
    """Route each parameter to the initializer of the first pattern that matches.

    Args:
        patterns: regular expressions, matched with `re.match` (anchored at the start).
        initializers: one initializer per pattern.
    """

    def __init__(self, patterns: list[str], initializers: list[Any]) -> None:
        if len(patterns) != len(initializers):
            raise MXNetValueError(f"Mixed needs one initializer per pattern; received "
                                  f"{len(patterns)} patterns and {len(initializers)} "
                                  "initializers")
        self.map = list(zip([re.compile(p) for p in patterns], initializers, strict=False))

    def __call__(self, name: str, arr: Any) -> None:
        for prog, init in self.map:
            if prog.match(name):
                init(name, arr)
                return
        raise MXNetValueError(
            f"Parameter name {name} did not match any pattern "
            f"({', '.join(p.pattern for p, _ in self.map)}). Consider adding a \".*\" "
            "pattern at the end with a default Initializer.")


@register
@alias("zeros")
class Zero(Initializer):
    """Weights 0."""

    def __init__(self) -> None:
        super().__init__()

    def _init_weight(self, _: str, arr: Any) -> None:
        arr[:] = 0


@register
@alias("ones")
class One(Initializer):
    """Weights 1."""

    def __init__(self) -> None:
        super().__init__()

    def _init_weight(self, _: str, arr: Any) -> None:
        arr[:] = 1


@register
class Constant(Initializer):
    """Weights set to `value`, a scalar or an array of the weight's shape."""

    def __init__(self, value: Any) -> None:
        super().__init__(value=value)
        self.value = value

    def _init_weight(self, _: str, arr: Any) -> None:
        arr[:] = self.value if np.isscalar(self.value) else _host(self.value)

    def dumps(self) -> str:
        value = self._kwargs["value"]
        if not np.isscalar(value):
            self._kwargs["value"] = _host(value).tolist()
        return json.dumps([type(self).__name__.lower(), self._kwargs])


@register
class Uniform(Initializer):
    """Weights drawn uniformly from [-scale, scale]."""

    def __init__(self, scale: float = 0.07) -> None:
        super().__init__(scale=scale)
        self.scale = scale

    def _init_weight(self, _: str, arr: Any) -> None:
        shape = tuple(arr.shape)
        arr[:] = _rng.numpy_rng().uniform(-self.scale, self.scale, shape).astype(np.float32)


@register
class Normal(Initializer):
    """Weights drawn from N(0, sigma**2)."""

    def __init__(self, sigma: float = 0.01) -> None:
        super().__init__(sigma=sigma)
        self.sigma = sigma

    def _init_weight(self, _: str, arr: Any) -> None:
        shape = tuple(arr.shape)
        arr[:] = _rng.numpy_rng().normal(0.0, self.sigma, shape).astype(np.float32)


@register
class Orthogonal(Initializer):
    """Weights `scale` times an orthogonal matrix (rows, or columns when tall).

    The weight is viewed as (shape[0], prod(shape[1:])); a random matrix
    (rand_type 'uniform' on [-1, 1] or 'normal') is replaced by a factor of its SVD.
    """

    def __init__(self, scale: float = 1.414, rand_type: str = "uniform") -> None:
        super().__init__(scale=scale, rand_type=rand_type)
        self.scale = scale
        self.rand_type = rand_type

    def _init_weight(self, name: str, arr: Any) -> None:
        shape = tuple(arr.shape)
        nout, nin = shape[0], int(np.prod(shape[1:]))
        rng = _rng.numpy_rng()
        if self.rand_type == "uniform":
            tmp = rng.uniform(-1.0, 1.0, (nout, nin)).astype(np.float32)
        elif self.rand_type == "normal":
            tmp = rng.normal(0.0, 1.0, (nout, nin)).astype(np.float32)
        else:
            raise MXNetValueError(f"Orthogonal: unknown rand_type {self.rand_type!r} for "
                                  f"{name}; use 'uniform' or 'normal'")
        u, _, v = np.linalg.svd(tmp, full_matrices=False)
        res = u if u.shape == tmp.shape else v
        arr[:] = (self.scale * res.reshape(shape)).astype(np.float32)


@register
class Xavier(Initializer):
    """Glorot/Xavier: uniform on [-c, c] or normal with std c, c = sqrt(magnitude / n).

    With fan_in = shape[1] * prod(shape[2:]) and fan_out = shape[0] * prod(shape[2:]),
    n is their mean ('avg'), fan_in ('in') or fan_out ('out').
    """

    def __init__(self, rnd_type: str = "uniform", factor_type: str = "avg",
                 magnitude: float = 3) -> None:
        super().__init__(rnd_type=rnd_type, factor_type=factor_type, magnitude=magnitude)
        self.rnd_type = rnd_type
        self.factor_type = factor_type
        self.magnitude = float(magnitude)

    def _init_weight(self, name: str, arr: Any) -> None:
        shape = tuple(arr.shape)
        if len(shape) < 2:
            raise MXNetValueError(f"Xavier initializer cannot be applied to vector {name}. "
                                  f"It requires at least 2D; received shape {shape}.")
        hw_scale = float(np.prod(shape[2:])) if len(shape) > 2 else 1.0
        fan_in, fan_out = shape[1] * hw_scale, shape[0] * hw_scale
        if self.factor_type == "avg":
            factor = (fan_in + fan_out) / 2.0
        elif self.factor_type == "in":
            factor = fan_in
        elif self.factor_type == "out":
            factor = fan_out
        else:
            raise MXNetValueError(f"Incorrect factor type {self.factor_type!r}; use 'avg', "
                                  "'in' or 'out'")
        scale = np.sqrt(self.magnitude / factor)
        rng = _rng.numpy_rng()
        if self.rnd_type == "uniform":
            values = rng.uniform(-scale, scale, shape)
        elif self.rnd_type == "gaussian":
            values = rng.normal(0.0, scale, shape)
        else:
            raise MXNetValueError(f"Unknown random type {self.rnd_type!r}; use 'uniform' "
                                  "or 'gaussian'")
        arr[:] = values.astype(np.float32)


@register
class MSRAPrelu(Xavier):
    """He/MSRA: Xavier 'gaussian' with magnitude 2 / (1 + slope**2)."""

    def __init__(self, factor_type: str = "avg", slope: float = 0.25) -> None:
        super().__init__("gaussian", factor_type, 2.0 / (1 + slope ** 2))
        self._kwargs = {"factor_type": factor_type, "slope": slope}


def _bilinear(shape: tuple[int, ...]) -> np.ndarray:
    """The bilinear-upsampling kernel of a (N, C, H, W) Deconvolution weight."""
    f = np.ceil(shape[3] / 2.0)
    c = (2 * f - 1 - f % 2) / (2.0 * f)
    x = np.arange(shape[3], dtype=np.float64)
    y = np.arange(shape[2], dtype=np.float64)
    kernel = np.outer(1 - np.abs(y / f - c), 1 - np.abs(x / f - c)).astype(np.float32)
    return np.broadcast_to(kernel, shape).copy()


@register
class Bilinear(Initializer):
    """Weights of a bilinear-upsampling Deconvolution, the same kernel per channel."""

    def __init__(self) -> None:
        super().__init__()

    def _init_weight(self, _: str, arr: Any) -> None:
        arr[:] = _bilinear(tuple(arr.shape))


@register
class LSTMBias(Initializer):
    """LSTM biases: 0, except the forget gate (the second quarter) at `forget_bias`."""

    def __init__(self, forget_bias: float = 1.0) -> None:
        super().__init__(forget_bias=forget_bias)
        self.forget_bias = forget_bias

    def _init_weight(self, name: str, arr: Any) -> None:
        values = np.zeros(tuple(arr.shape), np.float32)
        num_hidden = int(values.shape[0] / 4)
        values[num_hidden:2 * num_hidden] = self.forget_bias
        arr[:] = values


_FUSED_GATES = {"rnn_relu": ("",), "rnn_tanh": ("",), "lstm": ("_i", "_f", "_c", "_o"),
               "gru": ("_r", "_z", "_o")}


def _fused_rnn_slices(num_hidden: int, num_layers: int, mode: str, bidirectional: bool,
                     prefix: str = "", *, size: int | None = None,
                     num_input: int | None = None) -> list[tuple[str, int, tuple[int, ...]]]:
    """The per-gate pieces of a fused RNN `parameters` vector (ops.rnn.packed_layout),
    given its length `size` or the data's `num_input` columns.

    Returns `(name, offset, shape)` per gate, named as MXNet's FusedRNNCell.unpack_weights
    (`<prefix>l0_i2h_f_weight`, `r` for the backward direction).
    """
    gates = _FUSED_GATES[mode]
    if num_input is None:
        # The length grows by one column of every layer-0 matrix per input feature.
        per_input = (1 + bidirectional) * len(gates) * num_hidden
        empty = rnn_param_size(mode, num_hidden, num_layers, bidirectional, 0)
        num_input = (int(size or 0) - empty) // per_input
        if num_input <= 0 or rnn_param_size(mode, num_hidden, num_layers, bidirectional,
                                            num_input) != size:
            raise MXNetValueError(
                f"a parameters vector of length {size} does not fit a fused {mode} RNN "
                f"with num_hidden={num_hidden}, num_layers={num_layers}, "
                f"bidirectional={bidirectional}")
    out = []
    for kind, layer, direction, group, offset, shape in packed_layout(
            mode, num_hidden, num_layers, bidirectional, num_input):
        piece = (num_hidden,) + shape[1:]
        for k, gate in enumerate(gates):
            out.append((f"{prefix}{'lr'[direction]}{layer}_{group}{gate}_{kind}",
                        offset + k * int(np.prod(piece)), piece))
    return out


@register
class FusedRNN(Initializer):
    """Fills a fused RNN's `parameters` vector piece by piece, as if unpacked.

    Each unpacked weight and bias gets `init` (the global initializer when None); with
    mode 'lstm', every piece named `*_f_bias` (both i2h and h2h) gets `forget_bias`.
    """

    def __init__(self, init: Initializer | str | None, num_hidden: int, num_layers: int,
                 mode: str, bidirectional: bool = False, forget_bias: float = 1.0) -> None:
        if isinstance(init, str):
            init = create(init)
        super().__init__(init=init.dumps() if init is not None else None,
                         num_hidden=num_hidden, num_layers=num_layers, mode=mode,
                         bidirectional=bidirectional, forget_bias=forget_bias)
        self._init = init

    def _init_weight(self, desc: str, arr: Any) -> None:
        flat = np.zeros(tuple(arr.shape), np.float32)
        global_init = getattr(desc, "global_init", None)
        k = self._kwargs
        for name, offset, shape in _fused_rnn_slices(
                k["num_hidden"], k["num_layers"], k["mode"], k["bidirectional"], size=flat.size):
            piece = flat[offset:offset + int(np.prod(shape))].reshape(shape)
            if k["mode"] == "lstm" and name.endswith("_f_bias"):
                piece[:] = k["forget_bias"]
            else:
                init = self._init if self._init is not None else global_init
                if init is None:
                    raise MXNetValueError(f"FusedRNN for {desc}: no initializer for {name} "
                                          "(init is None and there is no global one)")
                init(InitDesc(name, global_init=global_init), piece)
        arr[:] = flat
