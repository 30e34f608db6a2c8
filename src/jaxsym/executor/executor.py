"""Executor: MXNet's bound graph, with arrays held in NDArray handles.

The graph is lowered once per symbol (`_Program`, shared by `reshape` and
`shared_exec`); each (is_train, gradient pattern) gets one jitted function, and
JAX's own cache keys it further by shapes and dtypes, so a repeated forward only
dispatches. Training-mode forward computes outputs and the VJP residuals in one
compiled call; when every output is a loss layer (whose backward ignores head
gradients) the gradients come from that same call, so forward + backward is a
single computation.

MXNet behaviours reproduced here:
- gradients are computed only for arguments whose grad_req is not 'null' and that
  have a gradient array; 'add' accumulates; a 'null' array is left untouched;
- aux states (BatchNorm's moving statistics) are committed by `backward`, and only
  when the executor computes some gradient, never by `forward` alone;
- an executor that computes gradients overwrites inputs an op declares fixed
  (BatchNorm's gamma under fix_gamma becomes ones) on every forward.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .. import _rng
from ..base import Context, MXNetError, MXNetTypeError, MXNetValueError, current_context, dtype_np
from ..graph.node import Entry, topological_order
from ..ndarray.ndarray import NDArray, same_device
from ..ops import registry
from . import infer
from .lower import Lowered, compiler_options, inference_forward, materialize_scalar, outputs_forward

Shape = tuple[int, ...]
_GRAD_REQS = ("write", "add", "null")
_HEAD_GRAD_REQUIRED = (
    "Because the last operator is not Loss function, head_gradient is required when "
    "calling backward. If you are attempting to minimize the output as an objective, "
    "please modify your network and pass it through the make_loss symbol.")


class _Program:
    """Everything compiled for one graph; shared by an executor and its reshapes."""

    def __init__(self, heads: Sequence[Entry], output_names: list[str]) -> None:
        self.heads = tuple(heads)
        self.lowered = Lowered(heads)
        self.output_names = output_names
        self.fixed_args = self._fixed_args()
        # MXNet's gradient pass keeps one head gradient per graph entry: an entry listed
        # twice among the outputs gets only the head gradient of its last listing.
        last = {(id(node), index): i for i, (node, index) in enumerate(self.heads)}
        self.shadowed_heads = tuple(i for i, (node, index) in enumerate(self.heads)
                                    if last[(id(node), index)] != i)
        self._cache: dict[Any, Any] = {}

    def _fixed_args(self) -> tuple[tuple[int, float], ...]:
        """(argument position, constant) for op inputs MXNet pins (fix_gamma)."""
        positions = {id(n): i for i, n in enumerate(self.lowered.arg_nodes)}
        fixed = []
        for node in topological_order(self.heads):
            if node.is_variable:
                continue
            opdef = registry.get(node.op)
            if opdef.fixed_inputs is None:
                continue
            slots = opdef.input_names(node.params)
            for slot, value in opdef.fixed_inputs(node.params).items():
                src = node.inputs[slots.index(slot)][0]
                if id(src) in positions:
                    fixed.append((positions[id(src)], value))
        return tuple(fixed)

    def forward_fn(self, is_train: bool):
        """`(*args, *aux[, key]) -> outputs`: a forward that computes no gradient."""
        key = ("fwd", is_train)
        if key not in self._cache:
            # Inference re-lays-out kernels and folds BatchNorm once per set of weights.
            self._cache[key] = inference_forward(self.lowered) if not is_train else \
                outputs_forward(self.lowered, True)
        return self._cache[key]

    @property
    def _train_options(self) -> dict[str, Any]:
        return compiler_options(self.lowered, True)

    def _vjp(self, diff: tuple[int, ...]):
        """Training forward over the `diff` arguments: (outputs, new aux, pullback)."""
        lowered = self.lowered

        def run(diff_args, other_args, aux, rng, materialize):
            def f(values):
                args = list(other_args)
                for pos, value in zip(diff, values):
                    args[pos] = value
                return lowered(args, aux, rng, True, materialize=materialize)
            outs, pullback, new_aux = jax.vjp(f, diff_args, has_aux=True)
            return outs, new_aux, pullback
        return run

    def vjp_fn(self, diff: tuple[int, ...]):
        """Training forward returning outputs, new aux and the VJP closure."""
        key = ("vjp", diff)
        if key not in self._cache:
            self._cache[key] = jax.jit(self._vjp(diff), compiler_options=self._train_options)
        return self._cache[key]

    def fused_fn(self, diff: tuple[int, ...]):
        """Forward + backward in one call (every output is a loss layer)."""
        key = ("fused", diff)
        if key not in self._cache:
            run = self._vjp(diff)

            def step(diff_args, other_args, aux, rng, materialize):
                outs, new_aux, pullback = run(diff_args, other_args, aux, rng, materialize)
                (grads,) = pullback([jnp.ones_like(o) for o in outs])
                return outs, new_aux, grads
            self._cache[key] = jax.jit(step, compiler_options=self._train_options)
        return self._cache[key]

    def pullback_fn(self):
        if "pullback" not in self._cache:
            self._cache["pullback"] = jax.jit(lambda pullback, cts: pullback(cts)[0],
                                              compiler_options=self._train_options)
        return self._cache["pullback"]


def _class_forward(executor: Executor) -> Callable[..., list[NDArray]]:
    """`Executor.forward` of `executor`, through a weak reference (see _make_runner)."""
    ref = weakref.ref(executor)

    def forward(is_train: bool = False, **kwargs: Any) -> list[NDArray]:
        live = ref()
        if live is None:
            raise MXNetError("forward: this executor no longer exists (only its forward "
                             "method was kept)")
        return Executor.forward(live, is_train, **kwargs)
    return forward


_PROGRAMS: OrderedDict[tuple, _Program] = OrderedDict()
_MAX_PROGRAMS = 64


def _structure(heads: Sequence[Entry]) -> tuple:
    """What a compiled program depends on: ops, parameters, wiring and names."""
    order = topological_order(heads)
    slot = {id(n): i for i, n in enumerate(order)}
    nodes = tuple((n.name, n.op, n.params, tuple((slot[id(s)], i) for s, i in n.inputs))
                  for n in order)
    return nodes, tuple((slot[id(n)], i) for n, i in heads)


def program_for(heads: Sequence[Entry], output_names: list[str]) -> _Program:
    """The compiled program of a graph, shared by every executor of an identical graph
    (rebinding a symbol, or rebuilding the same network, compiles nothing new)."""
    key = _structure(heads)
    program = _PROGRAMS.get(key)
    if program is None:
        program = _PROGRAMS[key] = _Program(heads, output_names)
        if len(_PROGRAMS) > _MAX_PROGRAMS:
            _PROGRAMS.popitem(last=False)
    else:
        _PROGRAMS.move_to_end(key)
    return program


def _arrays(what: str, value: Any, names: list[str], allow_missing: bool
            ) -> list[NDArray | None]:
    """MXNet's bind argument forms: a list in `names` order or a dict by name."""
    if isinstance(value, Mapping):
        out = []
        for name in names:
            if name not in value:
                if not allow_missing:
                    raise MXNetValueError(f"key `{name}` is missing in `{what}`")
                out.append(None)
                continue
            out.append(value[name])
    elif isinstance(value, (list, tuple)):
        if len(value) != len(names):
            raise MXNetValueError(f"Length of {what} does not match the number of "
                                  f"arguments: got {len(value)}, expected {len(names)} "
                                  f"{names}")
        out = list(value)
    else:
        raise MXNetTypeError(f"{what}: Only accept list of NDArrays or dict of str to "
                             f"NDArray, got {type(value).__name__}")
    for name, array in zip(names, out):
        if not (isinstance(array, NDArray) or (array is None and allow_missing)):
            raise MXNetTypeError(f"{what}: Only accept list of NDArrays or dict of str to "
                                 f"NDArray; {name!r} is {type(array).__name__}")
    return out


def _grad_reqs(grad_req: Any, names: list[str]) -> list[str]:
    if isinstance(grad_req, str):
        reqs = [grad_req] * len(names)
    elif isinstance(grad_req, Mapping):
        reqs = [grad_req.get(n, "null") for n in names]
    else:
        reqs = list(grad_req)
        if len(reqs) != len(names):
            raise MXNetValueError(f"grad_req: expected {len(names)} entries for {names}, "
                                  f"got {len(reqs)}")
    for name, req in zip(names, reqs):
        if req not in _GRAD_REQS:
            raise MXNetValueError(f"grad_req must be in {_GRAD_REQS}, got {req!r} for "
                                  f"{name!r}")
    return reqs


class Executor:
    """A symbol bound to arrays: forward, backward and the array dictionaries."""

    def __init__(self, program: _Program, ctx: Context, arg_arrays: list[NDArray],
                 grad_arrays: list[NDArray | None], grad_req: list[str],
                 aux_arrays: list[NDArray], symbol: Any) -> None:
        self._program = program
        self._ctx = ctx
        self._symbol = symbol
        self.arg_arrays = arg_arrays
        self.grad_arrays = grad_arrays
        self.aux_arrays = aux_arrays
        # MXNet writes (never adds) the zero gradient of a pinned input (fix_gamma).
        pinned = {pos for pos, _ in program.fixed_args}
        self._grad_req = [("write" if i in pinned and req == "add" else req)
                          for i, req in enumerate(grad_req)]
        names = program.lowered.arg_names
        self._diff = tuple(i for i, (req, g) in enumerate(zip(grad_req, grad_arrays))
                           if req != "null" and g is not None)
        self._fixed = program.fixed_args if self._diff else ()
        self._pinned: dict[int, jax.Array] = {}
        self._fused = bool(self._diff) and all(program.lowered.loss_heads)
        self.arg_dict = dict(zip(names, arg_arrays))
        self.grad_dict = dict(zip(names, grad_arrays))
        self.aux_dict = dict(zip(program.lowered.aux_names, aux_arrays))
        self.outputs: list[NDArray] = []
        self._variables = tuple(arg_arrays) + tuple(aux_arrays)
        self._runners: dict[bool, Callable[[], None]] = {}  # see _make_runner
        self._pending: dict[str, Any] = {}
        self._fast_forward: Callable[..., list[NDArray]] | None = None  # see _make_runner
        self._monitor = None
        # Training programs' runtime 1.0 (lower.materialize_scalar); None for graphs that
        # need none. FusedTrainer passes the same one.
        self._materialize = materialize_scalar(program.lowered, ctx.jax_device())

    # -- construction -----------------------------------------------------------------
    @classmethod
    def bind(cls, symbol: Any, ctx: Context | None, args: Any, args_grad: Any = None,
             grad_req: Any = "write", aux_states: Any = None, group2ctx: Any = None,
             shared_exec: Executor | None = None) -> Executor:
        if ctx is not None and not isinstance(ctx, Context):
            raise MXNetTypeError("Context type error")
        ctx = ctx or current_context()
        program = cls._program_for(symbol, shared_exec)
        names = program.lowered.arg_names
        aux_names = program.lowered.aux_names
        arg_arrays = _arrays("args", args, names, allow_missing=False)
        grad_arrays = ([None] * len(names) if args_grad is None
                       else _arrays("args_grad", args_grad, names, allow_missing=True))
        reqs = _grad_reqs(grad_req, names)
        aux_arrays = _arrays("aux_states", [] if aux_states is None else aux_states,
                             aux_names, allow_missing=False)
        shapes = {n: a.shape for n, a in zip(names + aux_names, arg_arrays + aux_arrays)}
        # Validates every node once, so a bad shape names the node, never a JAX trace.
        infer.propagate(program.heads, shapes)
        for name, grad, array in zip(names, grad_arrays, arg_arrays):
            if grad is not None and grad.shape != array.shape:
                raise MXNetValueError(f"bind: gradient array for {name!r} has shape "
                                      f"{grad.shape}, the argument has {array.shape}")
        return cls(program, ctx, arg_arrays, grad_arrays, reqs, aux_arrays,  # type: ignore[arg-type]
                   symbol)

    @staticmethod
    def _program_for(symbol: Any, shared_exec: Executor | None) -> _Program:
        if shared_exec is not None and shared_exec._program.heads == tuple(symbol._outputs):
            return shared_exec._program
        return program_for(symbol._outputs, symbol.list_outputs())

    @classmethod
    def simple_bind(cls, symbol: Any, ctx: Context | None, grad_req: Any = "write",
                    type_dict: Mapping[str, Any] | None = None,
                    shared_exec: Executor | None = None,
                    shapes: Mapping[str, Any] | None = None) -> Executor:
        """Allocate every argument, gradient and aux state (zeros) from given shapes."""
        ctx = ctx or current_context()
        known = {k: tuple(int(d) for d in v) for k, v in (shapes or {}).items()}
        inputs = symbol.list_inputs()
        unknown = [k for k in known if k not in inputs]
        if unknown:
            raise MXNetValueError(f"simple_bind: {unknown} are not inputs of the symbol; "
                                  f"inputs are {inputs}")
        arg_shapes, _, aux_shapes = infer.infer_shape(symbol._outputs, known, partial=False)
        if arg_shapes is None:
            missing = infer.unknown_arguments(symbol._outputs, known)
            raise MXNetError(
                "simple_bind error: InferShape pass cannot decide shapes for the following "
                f"arguments: {missing}. Please consider providing them as inputs (given: "
                f"{known})")
        type_dict = {k: dtype_np(v) for k, v in (type_dict or {}).items()}
        arg_types, _, aux_types = infer.infer_type(symbol._outputs, type_dict)
        names = symbol.list_arguments()
        aux_names = symbol.list_auxiliary_states()
        if arg_types is None:
            arg_types = [type_dict.get(n, np.float32) for n in names]
            aux_types = [type_dict.get(n, np.float32) for n in aux_names]
        reqs = _grad_reqs(grad_req, names)
        program = cls._program_for(symbol, shared_exec)
        device = ctx.jax_device()

        # From host zeros, in one transfer: jnp.zeros compiles one XLA program per new
        # shape (~30 ms), and one device_put per array costs ~1 ms (100 ms for ResNet-18).
        specs = list(zip(arg_shapes, arg_types))
        specs += [spec for spec, r in zip(specs, reqs) if r != "null"]
        specs += list(zip(aux_shapes, aux_types))
        arrays = iter(NDArray(a, ctx) for a in jax.device_put(
            [np.zeros(shape, dtype) for shape, dtype in specs], device))
        args = [next(arrays) for _ in arg_shapes]
        grads = [next(arrays) if r != "null" else None for r in reqs]
        aux = list(arrays)
        return cls(program, ctx, args, grads, reqs, aux, symbol)

    # -- running ------------------------------------------------------------------------
    @property
    def output_dict(self) -> dict[str, NDArray]:
        return dict(zip(self._program.output_names, self.outputs))

    def _set_outputs(self, outs: Sequence[jax.Array]) -> None:
        """As MXNet, the same output NDArrays on every forward, rebound to new values."""
        if len(self.outputs) != len(outs):
            self.outputs = [NDArray(o, self._ctx) for o in outs]
        else:
            for handle, value in zip(self.outputs, outs):
                handle._data = value

    def load_inputs(self, names: Sequence[str], values: Sequence[Any]) -> bool:
        """Point data/label arguments at a batch's arrays, without copying them.

        For inputs no training step donates (data and labels), so sharing the batch's
        buffers is safe. Returns False, changing nothing, when a shape differs.
        """
        sources = []
        for name, value in zip(names, values):
            target = self.arg_dict[name]
            source = value._data if isinstance(value, NDArray) else jnp.asarray(value)
            if tuple(source.shape) != target.shape:
                return False
            if source.dtype != target._data.dtype:
                source = source.astype(target._data.dtype)
            sources.append(same_device(source, target._data))
        for name, source in zip(names, sources):
            self.arg_dict[name]._data = source
        return True

    def _feed(self, kwargs: dict[str, Any]) -> None:
        for name, value in kwargs.items():
            if not isinstance(value, (NDArray, np.ndarray)):
                raise MXNetValueError("only accept keyword argument of NDArrays and "
                                      f"numpy.ndarray; {name!r} is {type(value).__name__}")
            target = self.arg_dict.get(name)
            if target is None:
                raise MXNetTypeError(f"Unknown argument {name}; arguments are "
                                     f"{list(self.arg_dict)}")
            if tuple(value.shape) != target.shape:
                raise MXNetValueError(f"Shape not match! Argument {name}, need: "
                                      f"{target.shape}, received: {tuple(value.shape)}")
            target[:] = value  # a copy, cast to the argument's dtype

    def forward(self, is_train: bool = False, **kwargs: Any) -> list[NDArray]:
        """Compute the outputs; with is_train, also what backward needs."""
        run = self._runners.get(is_train)
        if run is not None and not kwargs and not self._pending:
            run()  # the short path: on a small graph it is most of the latency
            return self.outputs
        if kwargs:
            self._feed(kwargs)
        if is_train and self._diff:
            return self._forward_train()
        if self._fixed or self._pending:  # an executor that also trains
            self._forward_no_grad(is_train)
        elif run is None:
            # Building the runner runs the forward once: running it again would draw a
            # second key, so a first forward after mx.random.seed would not repeat.
            self._make_runner(is_train)
        else:
            run()
        return self.outputs

    def _no_grad_fn(self, is_train: bool) -> Any:
        """`(*args, *aux) -> outputs`, drawing a fresh key per call if the graph needs one."""
        fn = self._program.forward_fn(is_train)
        if self._program.lowered.needs_key:
            compiled = fn

            def fn(*arrays: jax.Array) -> Any:
                return compiled(*arrays, _rng.next_key())
        return fn

    def _forward_no_grad(self, is_train: bool) -> None:
        if self._fixed:
            self._pin_fixed()
        self._set_pending({})
        outs = self._no_grad_fn(is_train)(*[handle._data for handle in self._variables])
        self._set_outputs((outs,) if len(self._program.output_names) == 1 else outs)

    def _make_runner(self, is_train: bool) -> Callable[[], None]:
        """Run once, then keep `run()`: the forward with no gradient written out for this
        executor's inputs and outputs, `o0._data[, o1._data...] = fn(h0._data, ...)`, as
        collections.namedtuple writes its classes: a comprehension over the inputs and a
        loop over the outputs cost about a fifth of a tiny graph's call.

        For inference the same code also becomes this executor's own `forward` (an
        instance attribute; anything but a plain `forward()`/`forward(False)` goes on to
        the class's): one Python frame less per call, about 3% of a tiny graph's latency.
        It holds the handles and a weak reference to the executor, never the executor
        itself, so that dropping an executor frees its buffers at once (no cycle).
        """
        self._forward_no_grad(is_train)
        ins = [f"h{i}" for i in range(len(self._variables))]
        outs = [f"o{i}" for i in range(len(self.outputs))]
        call = (f"{', '.join(o + '._data' for o in outs)} = "
                f"fn({', '.join(h + '._data' for h in ins)})")
        source = (f"def make({', '.join(['fn', 'slow', 'outputs', *ins, *outs])}):\n"
                  f"    def run():\n"
                  f"        {call}\n"
                  f"    def forward(is_train=False, **kwargs):\n"
                  f"        if is_train or kwargs:\n"
                  f"            return slow(is_train, **kwargs)\n"
                  f"        {call}\n"
                  f"        return outputs\n"
                  f"    return run, forward\n")
        namespace: dict[str, Any] = {}
        exec(source, namespace)  # noqa: S102 - generated from counts only
        run, forward = namespace["make"](self._no_grad_fn(is_train), _class_forward(self),
                                         self.outputs, *self._variables, *self.outputs)
        self._runners[is_train] = run
        if not is_train:  # nothing is pending here: _forward_no_grad just cleared it
            forward.__doc__ = Executor.forward.__doc__
            self._fast_forward = self.forward = forward  # type: ignore[method-assign]
        return run

    def _set_pending(self, pending: dict[str, Any]) -> None:
        """Record what the last training forward left for backward. While something is
        pending, `forward` must be the class's (it checks); otherwise the written-out one."""
        self._pending = pending
        if pending:
            self.__dict__.pop("forward", None)
        elif self._fast_forward is not None:
            self.forward = self._fast_forward  # type: ignore[method-assign]

    def _forward_train(self) -> list[NDArray]:
        """Outputs plus the gradients (fused) or the pullback that backward applies."""
        if self._fixed:
            self._pin_fixed()
        args = [a._data for a in self.arg_arrays]
        aux = [a._data for a in self.aux_arrays]
        rng = _rng.next_key() if self._program.lowered.needs_key else None
        diff_args = [args[i] for i in self._diff]
        if self._fused:
            outs, new_aux, grads = self._program.fused_fn(self._diff)(
                diff_args, args, aux, rng, self._materialize)
            self._set_pending({"aux": new_aux, "grads": grads})
        else:
            outs, new_aux, pullback = self._program.vjp_fn(self._diff)(
                diff_args, args, aux, rng, self._materialize)
            self._set_pending({"aux": new_aux, "pullback": pullback})
        self._set_outputs(outs)
        return self.outputs

    def _pin_fixed(self) -> None:
        for pos, value in self._fixed:
            # MXNet overwrites a pinned input (fix_gamma) on every such forward; skip the
            # device work while the handle still holds the array written last time.
            handle = self.arg_arrays[pos]
            if handle._data is not self._pinned.get(pos):
                handle._data = self._pinned[pos] = jnp.full_like(handle._data, value)

    def backward(self, out_grads: Any = None, is_train: bool = True) -> None:
        """Write (or add) the gradients of the last training forward."""
        pending = self._pending
        if not self._diff:
            return
        if not pending:
            raise MXNetError("backward: call forward(is_train=True) first")
        if "grads" in pending:
            grads = pending["grads"]
        else:
            grads = self._program.pullback_fn()(pending["pullback"],
                                                self._head_grads(out_grads))
        for handle, value in zip(self.aux_arrays, pending["aux"]):
            handle._data = value
        for pos, grad in zip(self._diff, grads):
            handle = self.grad_arrays[pos]
            handle._data = handle._data + grad if self._grad_req[pos] == "add" else grad  # type: ignore[union-attr]
        self._set_pending({})

    def _head_grads(self, out_grads: Any) -> list[jax.Array]:
        if isinstance(out_grads, NDArray):
            out_grads = [out_grads]
        elif isinstance(out_grads, Mapping):
            out_grads = [out_grads[k] for k in self._program.output_names]
        out_grads = list(out_grads or [])
        loss = self._program.lowered.loss_heads
        cts = []
        for i, output in enumerate(self.outputs):
            given = out_grads[i] if i < len(out_grads) else None
            if given is None:
                if not loss[i]:
                    raise MXNetError(_HEAD_GRAD_REQUIRED)
                cts.append(jnp.ones_like(output._data))
                continue
            if not isinstance(given, NDArray):
                raise MXNetTypeError("inputs must be NDArray")
            if given.shape != output.shape:
                raise MXNetValueError(f"backward: head gradient {i} has shape {given.shape}, "
                                      f"output {self._program.output_names[i]!r} has "
                                      f"{output.shape}")
            cts.append(given._data.astype(output._data.dtype))
        for i in self._program.shadowed_heads:
            cts[i] = jnp.zeros_like(cts[i])
        return cts

    # -- parameters -----------------------------------------------------------------------
    def copy_params_from(self, arg_params: Mapping[str, NDArray],
                         aux_params: Mapping[str, NDArray] | None = None,
                         allow_extra_params: bool = False) -> None:
        """Copy values into the bound arrays by name (cast to their dtype)."""
        for name, value in arg_params.items():
            if name in self.arg_dict:
                value.astype(self.arg_dict[name].dtype).copyto(self.arg_dict[name])
            elif not allow_extra_params:
                raise MXNetValueError(f'Find name "{name}" that is not in the arguments')
        for name, value in (aux_params or {}).items():
            if name in self.aux_dict:
                value.astype(self.aux_dict[name].dtype).copyto(self.aux_dict[name])
            elif not allow_extra_params:
                raise MXNetValueError(f"Find name {name} that is not in the auxiliary "
                                      "states")

    def reshape(self, partial_shaping: bool = False, allow_up_sizing: bool = False,
                **kwargs: Any) -> Executor:
        """A new executor for new input shapes, sharing this one's compiled program.

        Arrays whose shape is unchanged are shared; as in MXNet, a larger array needs
        allow_up_sizing and a changed array that was not named needs partial_shaping.
        """
        lowered = self._program.lowered
        known = {k: tuple(v) for k, v in kwargs.items()}
        arg_shapes, _, aux_shapes = infer.infer_shape(self._program.heads, known,
                                                      partial=False)
        if arg_shapes is None:
            missing = infer.unknown_arguments(self._program.heads, known)
            raise MXNetValueError(f"reshape: cannot infer the shapes of {missing} from "
                                  f"{known}")

        def remake(old: NDArray | None, shape: Shape, name: str) -> NDArray | None:
            if old is None or old.shape == tuple(shape):
                return old
            if int(np.prod(shape)) > old.size and not allow_up_sizing:
                raise MXNetValueError(
                    f"New shape of arg: {name} {tuple(shape)} is larger than original "
                    f"{old.shape}. First making a big executor and then down sizing it is "
                    "more efficient than the reverse. If you really want to up size, set "
                    "allow_up_sizing=True to enable allocation of new arrays.")
            if name not in known and not partial_shaping:
                raise MXNetValueError(
                    f"New shape of arg: {name} {tuple(shape)} differs from the original "
                    f"{old.shape} although it was not given; set partial_shaping=True")
            host = np.zeros(shape, old._data.dtype)
            return NDArray(jax.device_put(host, old.context.jax_device()), old.context)
        names = lowered.arg_names
        args = [remake(a, s, n) for a, s, n in zip(self.arg_arrays, arg_shapes, names)]
        grads = [remake(g, s, n) for g, s, n in zip(self.grad_arrays, arg_shapes, names)]
        aux = [remake(a, s, n) for a, s, n in
               zip(self.aux_arrays, aux_shapes, lowered.aux_names)]
        return Executor(self._program, self._ctx, args, grads, self._grad_req, aux,  # type: ignore[arg-type]
                        self._symbol)

    def set_monitor_callback(self, callback: Any, monitor_all: bool = False) -> None:
        self._monitor = callback

    def debug_str(self) -> str:
        return self._symbol.debug_str()
