"""Elementwise and broadcast arithmetic, their scalar forms, clip and unary math.

Conventions reproduced from MXNet 1.9.1:
- a binary op's output has the operands' dtype (comparisons give 0/1, not bool), and
  mixed dtypes are an error; integer division truncates;
- integer inputs to float math (sqrt, exp, sigmoid...) are computed in float and
  truncated back to the input's integer dtype;
- a scalar operand is first converted to the array's dtype, so `int32 * 2.5` is `* 2`;
- gradients are MXNet's closed forms where they differ from JAX's: maximum/minimum
  ties go to the left operand, relu and abs have slope 0 at 0, clip passes the gradient
  at its bounds, and power, hypot and mod use the textbook partials (nan at 0**0).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from . import attrs as A
from . import registry
from .registry import (
    REQUIRED,
    Param,
    Params,
    first_shape_output,
    register,
    same_shape_inputs,
    same_shape_output,
)

Array = jax.Array
Binary = Callable[[Array, Array], Array]
Unary = Callable[[Array], Array]


def _is_integer(x: Array) -> bool:
    return bool(jnp.issubdtype(x.dtype, jnp.integer))


def with_partials(fn: Binary, partials: Callable[[Array, Array, Array], tuple[Array, Array]]
                  ) -> Binary:
    """`fn` whose backward is MXNet's: partials(a, b, out) -> (d out/d a, d out/d b)."""
    op = jax.custom_vjp(fn)

    def fwd(a: Array, b: Array) -> tuple[Array, tuple[Array, Array, Array]]:
        out = fn(a, b)
        return out, (a, b, out)

    def bwd(res: tuple[Array, Array, Array], g: Array) -> tuple[Array, Array]:
        a, b, _ = res
        da, db = partials(*res)
        return _sum_to(g * da, a.shape), _sum_to(g * db, b.shape)

    op.defvjp(fwd, bwd)
    return op


def _sum_to(x: Array, shape: tuple[int, ...]) -> Array:
    """Sum a gradient down to an operand's shape (a scalar operand is 0-d)."""
    return x if x.shape == shape else jnp.sum(x).reshape(shape)


def _mod_value(a: Array, b: Array) -> Array:
    # MXNet's mod takes the divisor's sign (as Python's %) and gives 0 for x % 0.
    zero = b == 0
    return jnp.where(zero, jnp.zeros_like(a), jnp.mod(a, jnp.where(zero, jnp.ones_like(b), b)))


BINARY: dict[str, Binary] = {
    "add": jnp.add, "sub": jnp.subtract, "mul": jnp.multiply,
    # True division for floats, truncation for integers, as MXNet.
    "div": lambda a, b: lax.div(*jnp.broadcast_arrays(a, b)),
    "mod": with_partials(_mod_value, lambda a, b, out: (jnp.ones_like(a), -jnp.floor(a / b))),
    "power": with_partials(jnp.power,
                           lambda a, b, out: (b * jnp.power(a, b - 1), out * jnp.log(a))),
    "hypot": with_partials(jnp.hypot, lambda a, b, out: (a / out, b / out)),
    # `where` sends the gradient of a tie to the left operand only, as MXNet does.
    "maximum": lambda a, b: jnp.where(a >= b, a, b),
    "minimum": lambda a, b: jnp.where(a <= b, a, b),
    "equal": jnp.equal, "not_equal": jnp.not_equal, "greater": jnp.greater,
    "greater_equal": jnp.greater_equal, "lesser": jnp.less, "lesser_equal": jnp.less_equal,
    "logical_and": jnp.logical_and, "logical_or": jnp.logical_or,
    "logical_xor": jnp.logical_xor,
}


def _binary(name: str, fn: Binary, broadcast: bool) -> Callable[..., Array]:
    def forward(p: Params, lhs: Array, rhs: Array) -> Array:
        if lhs.dtype != rhs.dtype:
            raise TypeError(f"{name}: operands must have the same dtype, got lhs {lhs.dtype} "
                            f"and rhs {rhs.dtype}")
        if broadcast:
            # numpy's rule (right-aligned, size-1 axes stretch); a 0-d operand is an
            # unknown shape to MXNet and fails.
            try:
                if lhs.ndim == 0 or rhs.ndim == 0:
                    raise ValueError
                shape = jnp.broadcast_shapes(lhs.shape, rhs.shape)
            except ValueError:
                raise ValueError(f"{name}: operands could not be broadcast together with "
                                 f"shapes {lhs.shape} {rhs.shape}") from None
            lhs, rhs = jnp.broadcast_to(lhs, shape), jnp.broadcast_to(rhs, shape)
        elif lhs.shape != rhs.shape:
            raise ValueError(f"{name} needs inputs of equal shape, got lhs {lhs.shape} and "
                             f"rhs {rhs.shape} (use broadcast_* to broadcast)")
        return fn(lhs, rhs).astype(lhs.dtype)
    return forward


# Same-shape binary ops: MXNet name -> (BINARY key, aliases).
ELEMWISE = {
    "elemwise_add": ("add", ("_plus", "_Plus", "_add")),
    "elemwise_sub": ("sub", ("_minus", "_Minus", "_sub")),
    "elemwise_mul": ("mul", ("_mul", "_Mul")),
    "elemwise_div": ("div", ("_div", "_Div")),
    "_mod": ("mod", ("_Mod",)),
    "_power": ("power", ("_Power",)),
    "_maximum": ("maximum", ("_Maximum",)),
    "_minimum": ("minimum", ("_Minimum",)),
    "_hypot": ("hypot", ("_Hypot",)),
    "_equal": ("equal", ("_Equal",)),
    "_not_equal": ("not_equal", ("_Not_Equal",)),
    "_greater": ("greater", ("_Greater",)),
    "_greater_equal": ("greater_equal", ("_Greater_Equal",)),
    "_lesser": ("lesser", ("_Lesser",)),
    "_lesser_equal": ("lesser_equal", ("_Lesser_Equal",)),
    "_logical_and": ("logical_and", ("_Logical_And",)),
    "_logical_or": ("logical_or", ("_Logical_Or",)),
    "_logical_xor": ("logical_xor", ("_Logical_Xor",)),
}

for _name, (_key, _aliases) in ELEMWISE.items():
    register(_name, _binary(_name, BINARY[_key], broadcast=False), inputs=("lhs", "rhs"),
             aliases=_aliases, infer_inputs=same_shape_inputs,
             infer_outputs=same_shape_output,
             doc=f"Elementwise {_key} of two arrays of the same shape.")



def broadcast_form(op: str) -> str:
    """The broadcast_* op of a same-shape binary op or alias ('_Plus' -> 'broadcast_add')."""
    return f"broadcast_{ELEMWISE[registry.get(op).name][0]}"


# Python operators of Symbol and NDArray: dunder -> (op for an array operand, op for a
# number, operands reversed). The names are those MXNet's Python calls, so Symbol's auto
# names match (`_plus0`, `_mulscalar0`, `_rpower_scalar0`); NDArray runs the same ops,
# switching to broadcast_form() when the shapes differ.
PYTHON_OPERATORS: dict[str, tuple[str, str, bool]] = {
    "__add__": ("_Plus", "_PlusScalar", False), "__radd__": ("_Plus", "_PlusScalar", False),
    "__sub__": ("_Minus", "_MinusScalar", False),
    "__rsub__": ("_Minus", "_RMinusScalar", True),
    "__mul__": ("_Mul", "_MulScalar", False), "__rmul__": ("_Mul", "_MulScalar", False),
    "__truediv__": ("_Div", "_DivScalar", False),
    "__rtruediv__": ("_Div", "_RDivScalar", True),
    "__mod__": ("_Mod", "_ModScalar", False), "__rmod__": ("_Mod", "_RModScalar", True),
    "__pow__": ("_Power", "_PowerScalar", False),
    "__rpow__": ("_Power", "_rpower_scalar", True),
    "__eq__": ("_equal", "_equal_scalar", False),
    "__ne__": ("_not_equal", "_not_equal_scalar", False),
    "__gt__": ("_greater", "_greater_scalar", False),
    "__ge__": ("_greater_equal", "_greater_equal_scalar", False),
    "__lt__": ("_lesser", "_lesser_scalar", False),
    "__le__": ("_lesser_equal", "_lesser_equal_scalar", False),
}


def install_python_operators(cls: type, dispatch: str) -> None:
    """Give `cls` (Symbol or NDArray) the operators of PYTHON_OPERATORS, each calling
    `cls.<dispatch>(self, other, op, scalar_op, reverse)`, plus Python 2's div names."""
    def operator(op: str, scalar_op: str, reverse: bool) -> Any:
        def method(self: Any, other: Any) -> Any:
            return getattr(self, dispatch)(other, op, scalar_op, reverse)
        return method
    for dunder, spec in PYTHON_OPERATORS.items():
        setattr(cls, dunder, operator(*spec))
    cls.__div__ = cls.__truediv__  # type: ignore[attr-defined]
    cls.__rdiv__ = cls.__rtruediv__  # type: ignore[attr-defined]


def _broadcast_output(p: Params, shapes: list[registry.Shape]) -> list[registry.Shape] | None:
    """numpy's broadcast of two shapes, or None where they do not broadcast (or one is
    0-d, which MXNet rejects)."""
    lhs, rhs = shapes
    if not lhs or not rhs:
        return None
    n = max(len(lhs), len(rhs))
    out = []
    for a, b in zip((1,) * (n - len(lhs)) + lhs, (1,) * (n - len(rhs)) + rhs):
        if a != b and 1 not in (a, b):
            return None
        out.append(b if a == 1 else a)
    return [tuple(out)]


BROADCAST_ALIASES = {"add": ("broadcast_plus",), "sub": ("broadcast_minus",)}
for _key, _fn in BINARY.items():
    _name = f"broadcast_{_key}"
    register(_name, _binary(_name, _fn, broadcast=True), inputs=("lhs", "rhs"),
             aliases=BROADCAST_ALIASES.get(_key, ()), infer_outputs=_broadcast_output,
             doc=f"Broadcast {_key}: shapes align on the right and size-1 axes stretch.")


# -- scalar forms ---------------------------------------------------------------------------
def as_dtype(value: float, dtype: np.dtype) -> np.ndarray:
    """A Python number in an array's dtype; integers truncate toward zero, as C++ casts."""
    dtype = np.dtype(dtype)
    if np.issubdtype(dtype, np.integer):
        return np.asarray(int(value)).astype(dtype)
    return np.asarray(value, dtype=dtype)


def _scalar_op(fn: Binary, reverse: bool) -> Callable[..., Array]:
    def forward(p: Params, data: Array) -> Array:
        scalar = jnp.asarray(as_dtype(p.scalar, data.dtype))
        return (fn(scalar, data) if reverse else fn(data, scalar)).astype(data.dtype)
    return forward


# MXNet name -> (BINARY key, whether the scalar is the left operand, CamelCase alias).
SCALAR = {
    "_plus_scalar": ("add", False, "_PlusScalar"),
    "_minus_scalar": ("sub", False, "_MinusScalar"),
    "_rminus_scalar": ("sub", True, "_RMinusScalar"),
    "_mul_scalar": ("mul", False, "_MulScalar"),
    "_div_scalar": ("div", False, "_DivScalar"),
    "_rdiv_scalar": ("div", True, "_RDivScalar"),
    "_mod_scalar": ("mod", False, "_ModScalar"),
    "_rmod_scalar": ("mod", True, "_RModScalar"),
    "_power_scalar": ("power", False, "_PowerScalar"),
    "_rpower_scalar": ("power", True, "_RPowerScalar"),
    "_maximum_scalar": ("maximum", False, "_MaximumScalar"),
    "_minimum_scalar": ("minimum", False, "_MinimumScalar"),
    "_hypot_scalar": ("hypot", False, "_HypotScalar"),
    "_equal_scalar": ("equal", False, "_EqualScalar"),
    "_not_equal_scalar": ("not_equal", False, "_NotEqualScalar"),
    "_greater_scalar": ("greater", False, "_GreaterScalar"),
    "_greater_equal_scalar": ("greater_equal", False, "_GreaterEqualScalar"),
    "_lesser_scalar": ("lesser", False, "_LesserScalar"),
    "_lesser_equal_scalar": ("lesser_equal", False, "_LesserEqualScalar"),
    "_logical_and_scalar": ("logical_and", False, "_LogicalAndScalar"),
    "_logical_or_scalar": ("logical_or", False, "_LogicalOrScalar"),
    "_logical_xor_scalar": ("logical_xor", False, "_LogicalXorScalar"),
}
_SCALAR_PARAMS = {"scalar": Param(A.parse_float, 1.0, "scalar operand"),
                  "is_int": Param(A.parse_bool, True, "whether the scalar is an integer")}
for _name, (_key, _reverse, _alias) in SCALAR.items():
    register(_name, _scalar_op(BINARY[_key], _reverse), params=_SCALAR_PARAMS,
             aliases=(_alias,), infer_outputs=first_shape_output,
             doc=f"Elementwise {_key} with a scalar.")


def _clip(p: Params, data: Array) -> Array:
    lo = jnp.asarray(as_dtype(p.a_min, data.dtype))
    hi = jnp.asarray(as_dtype(p.a_max, data.dtype))
    # MXNet tests a_max first (so a_min > a_max is not an error) and passes the
    # gradient wherever a_min <= x <= a_max, bounds included.
    return jnp.where(data > hi, hi, jnp.where(data < lo, lo, data))


register("clip", _clip,
         params={"a_min": Param(A.parse_float, REQUIRED, "minimum value"),
                 "a_max": Param(A.parse_float, REQUIRED, "maximum value")},
         infer_outputs=first_shape_output, doc="Clip values to [a_min, a_max].")


def _hard_sigmoid(p: Params, data: Array) -> Array:
    y = p.alpha * data + p.beta
    # `where` leaves the slope alpha only strictly inside (0, 1), as MXNet's backward.
    return jnp.where(y <= 0, jnp.zeros_like(y), jnp.where(y >= 1, jnp.ones_like(y), y))


register("hard_sigmoid", _hard_sigmoid,
         params={"alpha": Param(A.parse_float, 0.2, "slope"),
                 "beta": Param(A.parse_float, 0.5, "offset")},
         infer_outputs=first_shape_output, doc="max(0, min(1, alpha * data + beta)).")


def _smooth_l1(p: Params, data: Array) -> Array:
    s2 = p.scalar * p.scalar
    # |x| == 1/sigma^2 takes the linear branch, whose slope sign(x) MXNet reports there.
    return jnp.where(jnp.abs(data) < 1.0 / s2, 0.5 * s2 * data * data,
                     jnp.sign(data) * data - 0.5 / s2)


register("smooth_l1", _smooth_l1,
         params={"scalar": Param(A.parse_float, REQUIRED, "sigma")},
         infer_outputs=first_shape_output,
         doc="Smooth L1: 0.5 (sigma x)^2 below |x| = 1/sigma^2, |x| - 0.5/sigma^2 above.")


# add_n / ElementWiseSum is registered in shape.py (owned by the shape-ops family).


# -- unary math -------------------------------------------------------------------------------
def _round_half_away(x: Array) -> Array:
    # C's round(); floor(|x| + 0.5) would round 0.49999997 up in float32.
    t = jnp.trunc(x)
    return jnp.where(jnp.abs(x - t) >= 0.5, t + jnp.sign(x), t)


def _rint(x: Array) -> Array:
    # MXNet's rint sends ties to the floor: rint(0.5) = 0, rint(-0.5) = -1, rint(1.5) = 1.
    lo, hi = jnp.floor(x), jnp.ceil(x)
    return jnp.where(x - lo <= hi - x, lo, hi)


def _float_math(fn: Unary) -> Unary:
    """MXNet computes float math on integer inputs in float and truncates back."""
    def run(x: Array) -> Array:
        if _is_integer(x):
            return fn(x.astype(jnp.float32)).astype(x.dtype)
        return fn(x)
    return run


@jax.custom_jvp
def _relu(x: Array) -> Array:
    """MXNet's `relu` op: NaN stays NaN, in the value and in the gradient (Activation's
    relu, in ops/nn.py, zeroes both); the slope at 0 is 0."""
    return jnp.maximum(x, jnp.zeros_like(x))


@_relu.defjvp
def _relu_jvp(primals: tuple[Array], tangents: tuple[Array]) -> tuple[Array, Array]:
    (x,), (t,) = primals, tangents
    if not jnp.issubdtype(x.dtype, jnp.floating):
        return _relu(x), t
    slope = jnp.where(x > 0, 1, jnp.where(jnp.isnan(x), jnp.nan, 0)).astype(x.dtype)
    return _relu(x), t * slope


# Exact on integers as they are (abs/relu written so the slope at 0 is 0, as MXNet's).
_INTEGER_EXACT: dict[str, Unary] = {
    "abs": lambda x: jnp.sign(x) * x,
    "relu": _relu,
    "sign": jnp.sign, "negative": jnp.negative, "square": jnp.square,
    "logical_not": lambda x: jnp.logical_not(x).astype(x.dtype),
}
_FLOAT_MATH: dict[str, Unary] = {
    "exp": jnp.exp, "log": jnp.log, "log2": jnp.log2, "log10": jnp.log10,
    "log1p": jnp.log1p, "expm1": jnp.expm1, "sqrt": jnp.sqrt, "rsqrt": lax.rsqrt,
    "cbrt": jnp.cbrt, "rcbrt": lambda x: 1.0 / jnp.cbrt(x), "reciprocal": jnp.reciprocal,
    "sin": jnp.sin, "cos": jnp.cos, "tan": jnp.tan,
    "arcsin": jnp.arcsin, "arccos": jnp.arccos, "arctan": jnp.arctan,
    "sinh": jnp.sinh, "cosh": jnp.cosh, "tanh": jnp.tanh,
    "arcsinh": jnp.arcsinh, "arccosh": jnp.arccosh, "arctanh": jnp.arctanh,
    "degrees": jnp.degrees, "radians": jnp.radians,
    "sigmoid": jax.nn.sigmoid, "softsign": lambda x: x / (1 + jnp.abs(x)),
    "erf": jax.scipy.special.erf, "erfinv": jax.scipy.special.erfinv,
    "gamma": jax.scipy.special.gamma, "gammaln": jax.scipy.special.gammaln,
    "floor": jnp.floor, "ceil": jnp.ceil, "trunc": jnp.trunc, "fix": jnp.trunc,
    "rint": _rint, "round": _round_half_away,
}
UNARY: dict[str, Unary] = {**_INTEGER_EXACT,
                           **{k: _float_math(f) for k, f in _FLOAT_MATH.items()}}



def _unary(fn: Unary) -> Callable[..., Array]:
    return lambda p, data: fn(data)


for _name, _fn in UNARY.items():
    register(_name, _unary(_fn), infer_outputs=first_shape_output,
             doc=f"Elementwise {_name}.")
register("_copy", lambda p, data: data, aliases=("identity",),
         infer_outputs=first_shape_output, doc="Identity (a copy).")
