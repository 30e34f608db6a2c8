"""Elementwise and broadcast arithmetic, their scalar forms, and unary math."""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
from jax import lax

from . import attrs as A
from .registry import Param, Params, register, same_shape_inputs

Array = jax.Array


def _same_shape(name: str, fn: Callable[[Array, Array], Array]):
    def forward(p: Params, lhs: Array, rhs: Array) -> Array:
        if lhs.shape != rhs.shape:
            raise ValueError(f"{name} needs inputs of equal shape, got lhs {lhs.shape} "
                             f"and rhs {rhs.shape} (use broadcast_* to broadcast)")
        return fn(lhs, rhs)
    return forward


def _broadcast(name: str, fn: Callable[[Array, Array], Array]):
    def forward(p: Params, lhs: Array, rhs: Array) -> Array:
        # MXNet broadcasts only between equal ranks (size-1 axes); reject the rest.
        if lhs.ndim != rhs.ndim or any(
                a != b and a != 1 and b != 1 for a, b in zip(lhs.shape, rhs.shape)):
            raise ValueError(f"{name}: operands could not be broadcast together with "
                             f"shapes {lhs.shape} {rhs.shape}")
        return fn(lhs, rhs)
    return forward


def _as_input_dtype(fn: Callable[[Array, Array], Array]) -> Callable[[Array, Array], Array]:
    """MXNet's comparisons return 0/1 in the input dtype, not bool."""
    return lambda a, b: fn(a, b).astype(a.dtype)


def _mod(a: Array, b: Array) -> Array:
    # MXNet's mod follows the sign of the divisor, like Python and jnp.mod.
    return jnp.mod(a, b)


def _round_half_away(x: Array) -> Array:
    return jnp.sign(x) * jnp.floor(jnp.abs(x) + 0.5)


BINARY: dict[str, Callable[[Array, Array], Array]] = {
    "add": jnp.add, "sub": jnp.subtract, "mul": jnp.multiply, "div": jnp.divide,
    "mod": _mod, "power": jnp.power, "maximum": jnp.maximum, "minimum": jnp.minimum,
    "hypot": jnp.hypot,
    "equal": _as_input_dtype(jnp.equal), "not_equal": _as_input_dtype(jnp.not_equal),
    "greater": _as_input_dtype(jnp.greater),
    "greater_equal": _as_input_dtype(jnp.greater_equal),
    "lesser": _as_input_dtype(jnp.less), "lesser_equal": _as_input_dtype(jnp.less_equal),
    "logical_and": _as_input_dtype(jnp.logical_and),
    "logical_or": _as_input_dtype(jnp.logical_or),
    "logical_xor": _as_input_dtype(jnp.logical_xor),
}

# Same-shape binary ops: canonical name -> (BINARY key, aliases).
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
    register(_name, _same_shape(_name, BINARY[_key]), inputs=("lhs", "rhs"),
             aliases=_aliases, infer_inputs=same_shape_inputs,
             doc=f"Elementwise {_key} of two arrays of the same shape.")

BROADCAST_ALIASES = {"add": ("broadcast_plus",), "sub": ("broadcast_minus",)}
for _key, _fn in BINARY.items():
    _name = f"broadcast_{_key}"
    register(_name, _broadcast(_name, _fn), inputs=("lhs", "rhs"),
             aliases=BROADCAST_ALIASES.get(_key, ()),
             doc=f"Broadcast {_key}: size-1 axes stretch to match the other operand.")


# Scalar forms: canonical name -> (function of (array, scalar), aliases).
def _scalar_op(fn: Callable[[Array, Array], Array]):
    def forward(p: Params, data: Array) -> Array:
        return fn(data, jnp.asarray(p.scalar, dtype=data.dtype))
    return forward


SCALAR = {
    "_plus_scalar": (jnp.add, ("_PlusScalar",)),
    "_minus_scalar": (jnp.subtract, ("_MinusScalar",)),
    "_rminus_scalar": (lambda x, s: s - x, ("_RMinusScalar",)),
    "_mul_scalar": (jnp.multiply, ("_MulScalar",)),
    "_div_scalar": (jnp.divide, ("_DivScalar",)),
    "_rdiv_scalar": (lambda x, s: s / x, ("_RDivScalar",)),
    "_mod_scalar": (_mod, ("_ModScalar",)),
    "_rmod_scalar": (lambda x, s: _mod(s, x), ("_RModScalar",)),
    "_power_scalar": (jnp.power, ("_PowerScalar",)),
    "_rpower_scalar": (lambda x, s: jnp.power(s, x), ("_RPowerScalar",)),
    "_maximum_scalar": (jnp.maximum, ("_MaximumScalar",)),
    "_minimum_scalar": (jnp.minimum, ("_MinimumScalar",)),
    "_hypot_scalar": (jnp.hypot, ("_HypotScalar",)),
    "_equal_scalar": (BINARY["equal"], ("_EqualScalar",)),
    "_not_equal_scalar": (BINARY["not_equal"], ("_NotEqualScalar",)),
    "_greater_scalar": (BINARY["greater"], ("_GreaterScalar",)),
    "_greater_equal_scalar": (BINARY["greater_equal"], ("_GreaterEqualScalar",)),
    "_lesser_scalar": (BINARY["lesser"], ("_LesserScalar",)),
    "_lesser_equal_scalar": (BINARY["lesser_equal"], ("_LesserEqualScalar",)),
    "_logical_and_scalar": (BINARY["logical_and"], ("_LogicalAndScalar",)),
    "_logical_or_scalar": (BINARY["logical_or"], ("_LogicalOrScalar",)),
    "_logical_xor_scalar": (BINARY["logical_xor"], ("_LogicalXorScalar",)),
}
_SCALAR_PARAMS = {"scalar": Param(A.parse_float, 1.0, "scalar operand"),
                  "is_int": Param(A.parse_bool, True, "whether the scalar is an integer")}
for _name, (_fn, _aliases) in SCALAR.items():
    register(_name, _scalar_op(_fn), params=_SCALAR_PARAMS, aliases=_aliases,
             doc=f"{_name[1:]}: elementwise with a scalar.")


def _relu(x: Array) -> Array:
    return jnp.maximum(x, jnp.zeros_like(x))


def _rsqrt(x: Array) -> Array:
    return lax.rsqrt(x)


UNARY: dict[str, tuple[Callable[[Array], Array], tuple[str, ...]]] = {
    "exp": (jnp.exp, ()), "log": (jnp.log, ()), "log2": (jnp.log2, ()),
    "log10": (jnp.log10, ()), "log1p": (jnp.log1p, ()), "expm1": (jnp.expm1, ()),
    "sqrt": (jnp.sqrt, ()), "rsqrt": (_rsqrt, ()), "cbrt": (jnp.cbrt, ()),
    "rcbrt": (lambda x: 1.0 / jnp.cbrt(x), ()),
    "square": (jnp.square, ()), "reciprocal": (jnp.reciprocal, ()),
    "abs": (jnp.abs, ()), "sign": (jnp.sign, ()),
    "sin": (jnp.sin, ()), "cos": (jnp.cos, ()), "tan": (jnp.tan, ()),
    "arcsin": (jnp.arcsin, ()), "arccos": (jnp.arccos, ()), "arctan": (jnp.arctan, ()),
    "sinh": (jnp.sinh, ()), "cosh": (jnp.cosh, ()), "tanh": (jnp.tanh, ()),
    "arcsinh": (jnp.arcsinh, ()), "arccosh": (jnp.arccosh, ()),
    "arctanh": (jnp.arctanh, ()),
    "degrees": (jnp.degrees, ()), "radians": (jnp.radians, ()),
    "sigmoid": (jax.nn.sigmoid, ()), "relu": (_relu, ()),
    "softsign": (lambda x: x / (1 + jnp.abs(x)), ()),
    "erf": (jax.scipy.special.erf, ()), "erfinv": (jax.scipy.special.erfinv, ()),
    "gamma": (lambda x: jnp.exp(jax.scipy.special.gammaln(x)) * jnp.sign(
        jax.scipy.special.gamma(x)), ()),
    "gammaln": (jax.scipy.special.gammaln, ()),
    "floor": (jnp.floor, ()), "ceil": (jnp.ceil, ()), "trunc": (jnp.trunc, ()),
    "fix": (jnp.trunc, ()), "rint": (jnp.rint, ()), "round": (_round_half_away, ()),
    "negative": (jnp.negative, ()),
    "logical_not": (lambda x: jnp.logical_not(x).astype(x.dtype), ()),
    "_copy": (lambda x: x, ("identity",)),
}
for _name, (_fn, _aliases) in UNARY.items():
    register(_name, (lambda fn: lambda p, data: fn(data))(_fn), aliases=_aliases,
             doc=f"Elementwise {_name}.")
