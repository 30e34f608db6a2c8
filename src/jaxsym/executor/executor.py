"""Executor: MXNet's bound graph, with arrays held in NDArray handles.

The graph is lowered once; each (is_train, gradient pattern) gets one jitted
function, and JAX's own cache keys it further by shapes and dtypes. Training-mode
forward computes outputs and the VJP residuals in one compiled call; when every
output is a loss layer (whose backward ignores head gradients) the gradients are
computed in that same call, so forward + backward is a single computation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .. import _rng
from ..base import Context, MXNetError, MXNetValueError, current_context, dtype_np
from ..graph.node import Entry
from ..ndarray.ndarray import NDArray
from . import infer
from .lower import Lowered

Shape = tuple[int, ...]
_GRAD_REQS = ("write", "add", "null")


class _Program:
    """Everything compiled for one graph; shared by an executor and its reshapes."""

    def __init__(self, heads: Sequence[Entry], output_names: list[str]) -> None:
        self.heads = tuple(heads)
        self.lowered = Lowered(heads)
        self.output_names = output_names
        self._cache: dict[tuple, Any] = {}

    def forward_fn(self, is_train: bool):
        key = ("fwd", is_train)
        if key not in self._cache:
            lowered = self.lowered

            def forward(args, aux, rng):
                return lowered(args, aux, rng, is_train)
            self._cache[key] = jax.jit(forward)
        return self._cache[key]

    def _split(self, diff: tuple[int, ...]):
        lowered = self.lowered

        def run(diff_args, other_args, aux, rng):
            args = list(other_args)
            for pos, value in zip(diff, diff_args):
                args[pos] = value
            return lowered(args, aux, rng, True)
        return run

    def vjp_fn(self, diff: tuple[int, ...]):
        """Forward in training mode returning outputs, new aux and a VJP closure."""
        key = ("vjp", diff)
        if key not in self._cache:
            run = self._split(diff)

            def forward(diff_args, other_args, aux, rng):
                def f(d):
                    outs, new_aux = run(d, other_args, aux, rng)
                    return outs, new_aux
                outs, pullback, new_aux = jax.vjp(f, diff_args, has_aux=True)
                return outs, new_aux, pullback
            self._cache[key] = jax.jit(forward)
        return self._cache[key]

    def fused_fn(self, diff: tuple[int, ...]):
        """Forward + backward with unit head gradients (all outputs are losses)."""
        key = ("fused", diff)
        if key not in self._cache:
            run = self._split(diff)

            def step(diff_args, other_args, aux, rng):
                def f(d):
                    outs, new_aux = run(d, other_args, aux, rng)
                    return outs, new_aux
                outs, pullback, new_aux = jax.vjp(f, diff_args, has_aux=True)
                (grads,) = pullback([jnp.ones_like(o) for o in outs])
                return outs, new_aux, grads
            self._cache[key] = jax.jit(step)
        return self._cache[key]

    def pullback_fn(self):
        if "pullback" not in self._cache:
            self._cache["pullback"] = jax.jit(lambda pullback, cts: pullback(cts)[0])
        return self._cache["pullback"]


def _as_list(name: str, value: Any, names: list[str], allow_missing: bool = False,
             what: str = "argument") -> list[Any]:
    if value is None:
        return [None] * len(names)
    if isinstance(value, Mapping):
        unknown = [k for k in value if k not in names]
        if unknown and what != "aux state":
            raise MXNetValueError(f"{name}: {unknown} are not {what}s of the symbol; "
                                  f"{what}s are {names}")
        out = [value.get(n) for n in names]
        missing = [n for n, v in zip(names, out) if v is None]
        if missing and not allow_missing:
            raise MXNetValueError(f"{name}: {what} {missing[0]!r} is missing; "
                                  f"give every one of {names}")
        return out
    value = list(value)
    if len(value) != len(names) and not (allow_missing and len(value) < len(names)):
        raise MXNetValueError(f"{name}: expected {len(names)} {what}s {names}, "
                              f"got {len(value)}")
    return value + [None] * (len(names) - len(value))


class Executor:
    """A symbol bound to arrays: forward, backward and the array dictionaries."""

    def __init__(self, program: _Program, ctx: Context, arg_arrays: list[NDArray],
                 grad_arrays: list[NDArray | None], grad_req: list[str],
                 aux_arrays: list[NDArray], symbol: Any = None) -> None:
        self._program = program
        self._ctx = ctx
        self._symbol = symbol
        self.arg_arrays = arg_arrays
        self.grad_arrays = grad_arrays
        self.aux_arrays = aux_arrays
        self._grad_req = grad_req
        names = program.lowered.arg_names
        self._diff = tuple(i for i, (req, g) in enumerate(zip(grad_req, grad_arrays))
                           if req != "null" and g is not None)
        self.arg_dict = dict(zip(names, arg_arrays))
        self.grad_dict = {n: g for n, g in zip(names, grad_arrays) if g is not None}
        self.aux_dict = dict(zip(program.lowered.aux_names, aux_arrays))
        self.outputs: list[NDArray] = []
        self._pending: dict[str, Any] = {}
        self._monitor = None

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def bind(cls, symbol: Any, ctx: Context | None, args: Any, args_grad: Any = None,
             grad_req: Any = "write", aux_states: Any = None, group2ctx: Any = None,
             shared_exec: Any = None) -> Executor:
        ctx = ctx or current_context()
        program = (shared_exec._program if shared_exec is not None and
                   shared_exec._program.heads == tuple(symbol._outputs)
                   else _Program(symbol._outputs, symbol.list_outputs()))
        names = program.lowered.arg_names
        aux_names = program.lowered.aux_names
        arg_arrays = _as_list("bind", args, names)
        for n, a in zip(names, arg_arrays):
            if not isinstance(a, NDArray):
                raise MXNetValueError(f"bind: argument {n!r} must be an NDArray, got "
                                      f"{type(a).__name__}")
        grad_arrays = _as_list("bind args_grad", args_grad, names, allow_missing=True)
        reqs = cls._grad_reqs(grad_req, names)
        if aux_names and aux_states is None:
            raise MXNetValueError(f"bind: aux_states must be given for {aux_names}")
        aux_arrays = _as_list("bind aux_states", aux_states, aux_names, what="aux state")
        for n, a in zip(aux_names, aux_arrays):
            if not isinstance(a, NDArray):
                raise MXNetValueError(f"bind: aux state {n!r} must be an NDArray")
        shapes = {n: a.shape for n, a in zip(names, arg_arrays)}
        shapes.update({n: a.shape for n, a in zip(aux_names, aux_arrays)})
        cls._check_shapes(program, shapes, arg_arrays, aux_arrays)
        for n, g, a in zip(names, grad_arrays, arg_arrays):
            if g is not None and g.shape != a.shape:
                raise MXNetValueError(f"bind: gradient array for {n!r} has shape {g.shape}, "
                                      f"argument has {a.shape}")
        return cls(program, ctx, arg_arrays, grad_arrays, reqs, aux_arrays, symbol)

    @staticmethod
    def _grad_reqs(grad_req: Any, names: list[str]) -> list[str]:
        if isinstance(grad_req, str):
            reqs = [grad_req] * len(names)
        elif isinstance(grad_req, Mapping):
            reqs = [grad_req.get(n, "null") for n in names]
        else:
            reqs = list(grad_req)
            if len(reqs) != len(names):
                raise MXNetValueError(f"grad_req: expected {len(names)} entries, got "
                                      f"{len(reqs)}")
        for n, r in zip(names, reqs):
            if r not in _GRAD_REQS:
                raise MXNetValueError(f"grad_req for {n!r} must be one of {_GRAD_REQS}, "
                                      f"got {r!r}")
        return reqs

    @staticmethod
    def _check_shapes(program: _Program, shapes: dict[str, Shape],
                      arg_arrays: list[NDArray], aux_arrays: list[NDArray]) -> None:
        """Validate every node once at bind, so errors name the node, not a JAX trace."""
        node_shapes, _, order = infer.propagate(program.heads, shapes)
        for node in order:
            if node.is_variable and node.name in shapes:
                inferred = node_shapes[id(node)][0]
                if inferred is not None and tuple(inferred) != tuple(shapes[node.name]):
                    raise MXNetValueError(
                        f"bind: argument {node.name!r} has shape {shapes[node.name]}, "
                        f"inferred {inferred}")

    @classmethod
    def simple_bind(cls, symbol: Any, ctx: Context | None, grad_req: Any = "write",
                    type_dict: Mapping[str, Any] | None = None, shared_exec: Any = None,
                    shapes: Mapping[str, Any] | None = None) -> Executor:
        ctx = ctx or current_context()
        shapes = dict(shapes or {})
        known = symbol._known((), shapes, "shape")
        arg_shapes, _, aux_shapes = symbol.infer_shape(**known)
        if arg_shapes is None:
            missing = infer.unknown_arguments(symbol._outputs, known)
            raise MXNetValueError(
                f"simple_bind: cannot infer the shapes of {missing} from the given shapes "
                f"{known}; give their shapes too")
        type_dict = {k: dtype_np(v) for k, v in (type_dict or {}).items()}
        arg_types, _, aux_types = symbol.infer_type(**type_dict) if type_dict else (
            None, None, None)
        names = symbol.list_arguments()
        aux_names = symbol.list_auxiliary_states()
        if arg_types is None:
            arg_types = [type_dict.get(n, np.float32) for n in names]
            aux_types = [type_dict.get(n, np.float32) for n in aux_names]
        reqs = cls._grad_reqs(grad_req, names)
        program = (shared_exec._program if shared_exec is not None else
                   _Program(symbol._outputs, symbol.list_outputs()))
        device = ctx.jax_device()

        def alloc(shape: Shape, dtype: Any) -> NDArray:
            return NDArray(jax.device_put(jnp.zeros(shape, dtype), device), ctx)
        args = [alloc(s, t) for s, t in zip(arg_shapes, arg_types)]
        grads = [alloc(s, t) if r != "null" else None
                 for s, t, r in zip(arg_shapes, arg_types, reqs)]
        aux = [alloc(s, t) for s, t in zip(aux_shapes, aux_types)]
        return cls(program, ctx, args, grads, reqs, aux, symbol)

    # -- running ----------------------------------------------------------------------------
    @property
    def output_dict(self) -> dict[str, NDArray]:
        return dict(zip(self._program.output_names, self.outputs))

    def _set_outputs(self, outs: Sequence[jax.Array]) -> None:
        if len(self.outputs) != len(outs):
            self.outputs = [NDArray(o, self._ctx) for o in outs]
        else:
            for handle, value in zip(self.outputs, outs):
                handle._data = value

    def forward(self, is_train: bool = False, **kwargs: Any) -> list[NDArray]:
        for name, value in kwargs.items():
            if name not in self.arg_dict:
                raise MXNetValueError(f"forward: unknown argument {name!r}; arguments are "
                                      f"{list(self.arg_dict)}")
            target = self.arg_dict[name]
            source = value._data if isinstance(value, NDArray) else jnp.asarray(value)
            if tuple(source.shape) != target.shape:
                raise MXNetValueError(f"forward: {name!r} has shape {tuple(source.shape)}, "
                                      f"the executor was bound with {target.shape}; use "
                                      "reshape() for a new shape")
            target[:] = source
        args = [a._data for a in self.arg_arrays]
        aux = [a._data for a in self.aux_arrays]
        rng = _rng.next_key() if self._program.lowered.needs_key else None
        self._pending = {}
        try:
            if not is_train or not self._diff:
                outs, new_aux = self._program.forward_fn(bool(is_train))(args, aux, rng)
                if is_train:
                    self._pending = {"aux": new_aux}
            else:
                diff_args = [args[i] for i in self._diff]
                if all(self._program.lowered.loss_heads):
                    outs, new_aux, grads = self._program.fused_fn(self._diff)(
                        diff_args, args, aux, rng)
                    self._pending = {"aux": new_aux, "grads": grads}
                else:
                    outs, new_aux, pullback = self._program.vjp_fn(self._diff)(
                        diff_args, args, aux, rng)
                    self._pending = {"aux": new_aux, "pullback": pullback}
        except MXNetError:
            raise
        self._set_outputs(outs)
        return self.outputs

    def backward(self, out_grads: Any = None, is_train: bool = True) -> None:
        pending = self._pending
        if not pending:
            raise MXNetError("backward: call forward(is_train=True) first")
        for handle, value in zip(self.aux_arrays, pending["aux"]):
            handle._data = value
        if "grads" in pending:
            grads = pending["grads"]
        elif "pullback" in pending:
            if out_grads is None:
                raise MXNetError(
                    "Because the last operator is not Loss function, head_gradient is "
                    "required when calling backward. If you are attempting to minimize the "
                    "output as an objective, please modify your network and pass it "
                    "through the make_loss symbol.")
            if isinstance(out_grads, NDArray):
                out_grads = [out_grads]
            if len(out_grads) != len(self.outputs):
                raise MXNetValueError(f"backward: expected {len(self.outputs)} head "
                                      f"gradients, got {len(out_grads)}")
            cts = []
            for i, (g, o) in enumerate(zip(out_grads, self.outputs)):
                g = g._data if isinstance(g, NDArray) else jnp.asarray(g)
                if tuple(g.shape) != o.shape:
                    raise MXNetValueError(f"backward: head gradient {i} has shape "
                                          f"{tuple(g.shape)}, output has {o.shape}")
                cts.append(g.astype(o._data.dtype))
            grads = self._program.pullback_fn()(pending["pullback"], cts)
        else:
            self._pending = {}
            return
        for pos, g in zip(self._diff, grads):
            handle = self.grad_arrays[pos]
            if self._grad_req[pos] == "add":
                handle._data = handle._data + g
            else:
                handle._data = g
        self._pending = {}

    # -- parameters -------------------------------------------------------------------------
    def copy_params_from(self, arg_params: Mapping[str, NDArray],
                         aux_params: Mapping[str, NDArray] | None = None,
                         allow_extra_params: bool = False) -> None:
        for name, value in arg_params.items():
            if name in self.arg_dict:
                self.arg_dict[name][:] = value
            elif not allow_extra_params:
                raise MXNetValueError(f"Find name {name!r} that is not in the arguments")
        for name, value in (aux_params or {}).items():
            if name in self.aux_dict:
                self.aux_dict[name][:] = value
            elif not allow_extra_params:
                raise MXNetValueError(f"Find name {name!r} that is not in the auxiliary "
                                      "states")

    def reshape(self, partial_shaping: bool = False, allow_up_sizing: bool = False,
                **kwargs: Any) -> Executor:
        """A new executor for new input shapes, sharing this one's compiled program."""
        symbol = self._symbol
        arg_shapes, _, aux_shapes = symbol.infer_shape(**kwargs)
        if arg_shapes is None:
            raise MXNetValueError(f"reshape: cannot infer all shapes from {kwargs}")
        names = self._program.lowered.arg_names

        def remake(old: NDArray | None, shape: Shape, name: str) -> NDArray | None:
            if old is None:
                return None
            if old.shape == tuple(shape):
                return old
            if name not in kwargs and not partial_shaping:
                raise MXNetValueError(
                    f"reshape: shape of unspecified array {name!r} changed from "
                    f"{old.shape} to {tuple(shape)}; set partial_shaping=True")
            if int(np.prod(shape)) > old.size and not allow_up_sizing:
                raise MXNetValueError(
                    f"reshape: new shape of {name!r} {tuple(shape)} is larger than the "
                    f"original {old.shape}; set allow_up_sizing=True")
            return NDArray(jnp.zeros(shape, old._data.dtype), old.context)
        args = [remake(a, s, n) for a, s, n in zip(self.arg_arrays, arg_shapes, names)]
        grads = [remake(g, s, n) for g, s, n in zip(self.grad_arrays, arg_shapes, names)]
        aux = [remake(a, s, n) for a, s, n in
               zip(self.aux_arrays, aux_shapes, self._program.lowered.aux_names)]
        return Executor(self._program, self._ctx, args, grads, self._grad_req, aux,  # type: ignore[arg-type]
                        symbol)

    def set_monitor_callback(self, callback: Any, monitor_all: bool = False) -> None:
        self._monitor = callback

    def debug_str(self) -> str:
        return self._symbol.debug_str() if self._symbol is not None else ""
