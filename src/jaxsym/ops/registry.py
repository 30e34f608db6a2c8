"""The op registry: one declarative `register(...)` per MXNet operator.

The one OpDef serves `mx.sym.X`, `mx.nd.X`, JSON loading, shape/type inference,
lowering and the generated docstrings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..base import MXNetValueError
from . import attrs as A

Shape = tuple[int, ...]


class _Required:
    def __repr__(self) -> str:
        return "required"


REQUIRED: Any = _Required()


@dataclass(frozen=True)
class Param:
    """One op parameter: how to parse it, its default, and a one-line doc."""

    parse: A.Parser
    default: Any = REQUIRED
    doc: str = ""

    def describe(self, name: str) -> str:
        kind = A.type_name(self.parse)
        if self.default is REQUIRED:
            return f"{name} ({kind}, required)"
        return f"{name} ({kind}, default {self.default!r})"


class Params:
    """Parsed parameters of one node: immutable, hashable, attribute access."""

    __slots__ = ("_items", "_hash")

    def __init__(self, items: dict[str, Any]) -> None:
        object.__setattr__(self, "_items", dict(items))
        object.__setattr__(self, "_hash", None)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._items[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Params are immutable")

    def as_dict(self) -> dict[str, Any]:
        return dict(self._items)

    def _key(self) -> tuple:
        return tuple(sorted(self._items.items()))

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(self._key()))
        return self._hash  # type: ignore[return-value]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Params) and self._key() == other._key()

    def __repr__(self) -> str:
        return "Params(" + ", ".join(f"{k}={v!r}" for k, v in self._items.items()) + ")"


NameList = Sequence[str] | Callable[[Params], Sequence[str]]


@dataclass
class OpDef:
    """Everything about one MXNet operator.

    forward: with `stateful=False`, `forward(p, *inputs) -> Array | tuple[Array, ...]`.
        With `stateful=True`, `forward(p, inputs, aux, is_train, key) ->
        (outputs, new_aux)`, for ops that read the train flag, draw random numbers or
        update aux states.
    inputs: input names, or a function of the params (FullyConnected drops `bias`
        when `no_bias`). With `variadic`, the names are `arg0, arg1, ...` and the
        param `variadic` holds their count.
    infer_inputs: fills in unknown input/aux shapes (learnable weights) from known
        ones: `(p, shapes) -> shapes`, shapes being inputs then aux, None if unknown.
    infer_outputs: output shapes from the input then aux shapes (all known), in plain
        Python: `(p, shapes) -> shapes`, or None (or ValueError) where the rule does not
        vouch for the inputs; shape inference then traces the op with jax.eval_shape,
        which also reports the error. Outputs take infer_dtype's dtype, or the inputs'
        one dtype. Must agree with eval_shape (tests/executor/test_shape_rules.py).
    random: the op draws random numbers from the key it is given (Dropout).
    loss: an output layer whose backward ignores the head gradient (SoftmaxOutput).
    fixed_inputs: inputs MXNet overwrites in the user's bound array with a constant
        whenever an executor computes gradients: `{slot: value}` (BatchNorm's gamma
        is reset to 1 under fix_gamma).
    hidden_outputs: outputs MXNet computes but does not list (BatchNorm's mean and var
        without output_mean_var, Dropout's mask); symbol JSON counts them in
        node_row_ptr.
    """

    name: str
    forward: Callable[..., Any]
    params: dict[str, Param] = field(default_factory=dict)
    inputs: NameList = ("data",)
    aux: NameList = ()
    num_outputs: int | Callable[[Params], int] = 1
    output_names: Callable[[Params], Sequence[str]] | None = None
    variadic: str | None = None
    infer_inputs: Callable[[Params, list[Shape | None]], list[Shape | None]] | None = None
    infer_dtype: Callable[[Params, list[Any]], Any] | None = None
    infer_outputs: Callable[[Params, list[Shape]], list[Shape] | None] | None = None
    stateful: bool = False
    random: bool = False
    loss: bool = False
    fixed_inputs: Callable[[Params], dict[str, float]] | None = None
    hidden_outputs: int | Callable[[Params], int] = 0
    aliases: tuple[str, ...] = ()
    doc: str = ""

    # -- parameters -------------------------------------------------------------
    def parse_params(self, given: dict[str, Any], where: str) -> Params:
        """Parse user values or JSON strings; unknown or bad values name the node."""
        parsed: dict[str, Any] = {}
        for key, value in given.items():
            spec = self.params.get(key)
            if spec is None:
                valid = ", ".join(p.describe(n) for n, p in self.params.items()) or "none"
                raise MXNetValueError(
                    f"{self.name} {where}: unknown parameter {key!r}; valid: {valid}")
            try:
                parsed[key] = spec.parse(value)
            except ValueError as err:
                raise MXNetValueError(
                    f"{self.name} {where}: invalid value for parameter {key!r}: {err}. "
                    f"Expected {spec.describe(key)}") from None
        for key, spec in self.params.items():
            if key not in parsed:
                if spec.default is REQUIRED:
                    raise MXNetValueError(
                        f"{self.name} {where}: required parameter {key!r} is missing "
                        f"({spec.describe(key)})")
                parsed[key] = spec.default
        return Params(parsed)

    # -- structure --------------------------------------------------------------
    def input_names(self, p: Params) -> list[str]:
        if self.variadic:
            return [f"arg{i}" for i in range(getattr(p, self.variadic))]
        names = self.inputs(p) if callable(self.inputs) else self.inputs
        return list(names)

    def aux_names(self, p: Params) -> list[str]:
        names = self.aux(p) if callable(self.aux) else self.aux
        return list(names)

    def n_outputs(self, p: Params) -> int:
        return self.num_outputs(p) if callable(self.num_outputs) else self.num_outputs

    def n_hidden_outputs(self, p: Params) -> int:
        return self.hidden_outputs(p) if callable(self.hidden_outputs) else self.hidden_outputs

    def list_output_names(self, p: Params) -> list[str]:
        if self.output_names is not None:
            return list(self.output_names(p))
        n = self.n_outputs(p)
        return ["output"] if n == 1 else [f"output{i}" for i in range(n)]

    # -- evaluation -------------------------------------------------------------
    def apply(self, p: Params, inputs: Sequence[Any], aux: Sequence[Any],
              is_train: bool, key: Any) -> tuple[list[Any], list[Any]]:
        """Run the op: returns (outputs, new aux values)."""
        if self.stateful:
            outs, new_aux = self.forward(p, list(inputs), list(aux), is_train, key)
            return list(outs), list(new_aux)
        out = self.forward(p, *inputs)
        return (list(out) if isinstance(out, (tuple, list)) else [out]), list(aux)

    def signature_doc(self) -> str:
        lines = [self.doc or self.name, "", "Parameters", "----------"]
        lines += [f"{n} : {p.describe(n)}  {p.doc}".rstrip() for n, p in self.params.items()]
        return "\n".join(lines)


_OPS: dict[str, OpDef] = {}  # every name and alias -> OpDef
_CANONICAL: dict[str, OpDef] = {}


def register(name: str, forward: Callable[..., Any], **kwargs: Any) -> OpDef:
    """Declare an op. See OpDef for the fields."""
    opdef = OpDef(name=name, forward=forward, **kwargs)
    for alias in (name, *opdef.aliases):
        if alias in _OPS:
            raise RuntimeError(f"op {alias!r} registered twice")
        _OPS[alias] = opdef
    _CANONICAL[name] = opdef
    return opdef


def get(name: str) -> OpDef:
    try:
        return _OPS[name]
    except KeyError:
        raise MXNetValueError(f"unknown operator {name!r}") from None


def exists(name: str) -> bool:
    return name in _OPS


def all_names() -> list[str]:
    """Every public op name and alias, sorted."""
    return sorted(_OPS)


# -- helpers shared by op families ----------------------------------------------
def same_shape_inputs(p: Params, shapes: list[Shape | None]) -> list[Shape | None]:
    """Elementwise ops: every input takes the shape of any known input."""
    known = next((s for s in shapes if s is not None), None)
    return [s if s is not None else known for s in shapes]


def same_shape_output(p: Params, shapes: list[Shape]) -> list[Shape] | None:
    """infer_outputs of elementwise ops: the inputs' one shape."""
    first = shapes[0]
    return [first] if all(s == first for s in shapes) else None


def first_shape_output(p: Params, shapes: list[Shape]) -> list[Shape] | None:
    """infer_outputs of ops whose one output has the shape of their first input."""
    return [shapes[0]]


class ShapeOnly:
    """An array's `.shape`, `.ndim` and `.size` without data, so an infer_outputs rule
    can run the same checks as the op's forward."""

    __slots__ = ("shape",)

    def __init__(self, shape: Shape) -> None:
        self.shape = tuple(shape)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)


PARAM_INT = A.parse_int
PARAM_FLOAT = A.parse_float
PARAM_BOOL = A.parse_bool


# -- calling an op from Python (shared by mx.sym.X and mx.nd.X) -----------------------
def split_call(opdef: OpDef, args: Sequence[Any], kwargs: dict[str, Any],
               is_operand: Callable[[Any], bool], where: str
               ) -> tuple[dict[str, Any], dict[str, Any], Params]:
    """Sort a call's arguments into operands (by input/aux name) and parameters.

    Returns (operands by slot name, raw parameter values as given, parsed params).
    Positional operands fill the input slots in order; a variadic op (Concat) takes
    them all and gets `num_args` from their count.
    """
    operands: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    for key, value in kwargs.items():
        if is_operand(value):
            operands[key] = value
        elif value is not None or key in opdef.params:
            # An explicit None reaches the op as "None", as in MXNet's generated
            # signatures (only omitted arguments take the default).
            raw[key] = value
    positional = list(args)
    # As MXNet's generated signatures (inputs, then parameters), trailing non-operand
    # positional values are parameters in declared order: `x.reshape((1, -1))`.
    n_operands = next((i for i, v in enumerate(positional) if not is_operand(v)),
                      len(positional))
    trailing = positional[n_operands:]
    positional = positional[:n_operands]
    for value in trailing:
        if is_operand(value):
            raise MXNetValueError(
                f"{opdef.name} {where}: an operand follows positional parameters; pass "
                "parameters by keyword")
    for key, value in zip(opdef.params, trailing):
        if key in raw:
            raise MXNetValueError(f"{opdef.name} {where}: parameter {key!r} given twice")
        raw[key] = value
    if len(trailing) > len(opdef.params):
        raise MXNetValueError(f"{opdef.name} {where}: too many positional arguments")
    if opdef.variadic:
        if opdef.variadic not in raw:
            raw[opdef.variadic] = len(positional) + len(operands)
        params = opdef.parse_params(raw, where)
        slots = opdef.input_names(params)
        named = dict(zip(slots, positional))
        named.update(operands)
        if len(positional) + len(operands) != len(slots):
            raise MXNetValueError(
                f"{opdef.name} {where}: {opdef.variadic}={len(slots)} but "
                f"{len(positional) + len(operands)} inputs were given")
        return named, raw, params
    params = opdef.parse_params(raw, where)
    slots = opdef.input_names(params) + opdef.aux_names(params)
    if len(positional) > len(slots):
        raise MXNetValueError(
            f"{opdef.name} {where}: takes at most {len(slots)} inputs {slots}, "
            f"got {len(positional)} positional")
    named = dict(zip(slots, positional))
    for key, value in operands.items():
        if key not in slots:
            raise MXNetValueError(
                f"{opdef.name} {where}: unknown input {key!r}; inputs are {slots}")
        if key in named:
            raise MXNetValueError(f"{opdef.name} {where}: input {key!r} given twice")
        named[key] = value
    return named, raw, params


# Methods that Symbol and NDArray forward to an op (`x.reshape(...)`, `x.sum()`), as
# MXNet's fluent API: method name -> op name.
_FLUENT = {name: name for name in (
    "reshape", "flatten", "transpose", "expand_dims", "squeeze", "sum", "mean", "max",
    "min", "prod", "norm", "argmax", "argmin", "clip", "abs", "sign", "exp", "log",
    "sqrt", "rsqrt", "square", "relu", "sigmoid", "tanh", "softmax", "log_softmax",
    "slice", "slice_axis", "take", "one_hot", "tile", "repeat", "broadcast_to",
    "broadcast_axis", "floor", "ceil", "round", "sin", "cos", "zeros_like", "ones_like",
    "reshape_like", "swapaxes", "flip", "nansum", "nanprod", "dot", "batch_dot", "log1p",
    "expm1", "reciprocal")}
_FLUENT.update(split="SliceChannel", pad="Pad")
_FLUENT.update({name: name for name in (
    "pick", "topk", "sort", "argsort", "slice_like", "shape_array", "size_array", "softmin",
    "depth_to_space", "space_to_depth", "diag")})


def install_fluent_methods(cls: type, make: Callable[[str, str], Callable[..., Any]]) -> None:
    """Give `cls` MXNet's fluent methods (`x.sum()`, `x.exp()`): each calls
    `make(op_name, method_name)` with the instance as the first input. Methods `cls`
    defines itself stay. Real methods rather than a `__getattr__`: a class with one
    pays a slower lookup on every attribute access, which showed in an executor's
    per-call cost."""
    for method_name, op_name in _FLUENT.items():
        if op_name in _OPS and method_name not in vars(cls):
            setattr(cls, method_name, _fluent_method(make(op_name, method_name),
                                                     method_name, op_name))


def _fluent_method(call: Callable[..., Any], method_name: str, op_name: str
                   ) -> Callable[..., Any]:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return call(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = method_name
    method.__doc__ = f"Fluent form of `{op_name}`, with this object as its first input."
    return method


def split_variables(order: Sequence[Any]) -> tuple[list[Any], list[Any]]:
    """A graph's variables, in `order`, split into (arguments, auxiliary states).

    A variable is an aux state when some op reads it through one of its aux slots
    (BatchNorm's moving_mean), as MXNet's list_auxiliary_states.
    """
    aux: set[int] = set()
    for node in order:
        if node.op is not None:
            n_in = len(get(node.op).input_names(node.params))
            aux.update(id(src) for src, _ in node.inputs[n_in:])
    variables = [n for n in order if n.op is None]
    return ([n for n in variables if id(n) not in aux],
            [n for n in variables if id(n) in aux])
