"""Optimizers, as `mx.optimizer` in MXNet 1.9.1, written once as pure JAX.

Each optimizer states its update rule once, in `_step`, following MXNet 1.9.1's
update kernels to the operation (where weight decay enters, which clipping applies,
how momentum is stored). Two APIs are built on that one rule:

* Functional, for jaxsym's jitted training step: `init_state(weight) -> state` and
  `step(weight, grad, state, lr, wd, t) -> (new_weight, new_state)`. `lr` and `wd`
  are per-parameter scalars that already include lr_mult/wd_mult, and `t` is the
  update count of this parameter; all three are traced, so a new learning rate does
  not recompile. Everything else (rescale_grad, clip_gradient, momentum, betas, ...)
  is read from the optimizer as a compile-time constant; `static_config()` lists
  those values so a caller can key its compiled step on them. The host-side
  `hyperparams(index)` advances the update counters and the schedule exactly as
  MXNet's `update` does (`_update_count`, then `_get_lr`, `_get_wd`).
* MXNet's imperative API: `create_state(index, weight)`, `update(index, weight,
  grad, state)` and `update_multi_precision`, which run `step` (jitted) and write
  the weight and state arrays in place through `arr[:] = value`.

States have MXNet's layout: None, one array, or a tuple of arrays. With
`multi_precision=True` a float16 weight keeps a float32 master copy, laid out as
MXNet does: `(weight32, state)`, or `(state, weight32)` for SGD and NAG.

`OptaxOptimizer(tx)` wraps any `optax.GradientTransformation` with the same two
APIs; MXNet's own optimizers do not use optax, because optax's variants differ from
MXNet's formulas (Adam's epsilon placement, coupled weight decay, Ftrl, ...).

`Updater.get_states`/`set_states` serialise to an npz archive with a JSON header,
never pickle; MXNet's pickled state files are not read.
"""

from __future__ import annotations

import io
import json
import math
import os
import warnings
import zipfile
from typing import Any, ClassVar, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from jaxsym.base import MXNetError, MXNetTypeError, MXNetValueError
from jaxsym.train import lr_scheduler as _lrs
from jaxsym.train._registry import ClassRegistry

__all__ = [
    "FTML",
    "LAMB",
    "NAG",
    "SGD",
    "AdaDelta",
    "AdaGrad",
    "Adam",
    "Adamax",
    "Ftrl",
    "MasterState",
    "OptaxOptimizer",
    "Optimizer",
    "RMSProp",
    "Signum",
    "Updater",
    "ccSGD",
    "create",
    "get_updater",
    "register",
]

State = Any  # None, an array, or a (nested) tuple of arrays


class MasterState(NamedTuple):
    """Functional state of a float16 weight under multi_precision."""

    weight32: jax.Array
    inner: State


# ---------------------------------------------------------------------------
# host <-> device helpers for the imperative API


def _host(x: Any) -> np.ndarray:
    """A numpy view of an NDArray (via asnumpy) or array-like."""
    return np.asarray(x.asnumpy() if hasattr(x, "asnumpy") else x)


def _ndarray_from_numpy(value: np.ndarray) -> Any:
    """A new jaxsym NDArray holding `value` (states of NDArray weights are NDArrays)."""
    from jaxsym import ndarray as nd

    return nd.array(value, dtype=value.dtype)


def _like(value: np.ndarray, weight: Any) -> Any:
    """`value` as the same kind of array as `weight`: numpy stays numpy."""
    if isinstance(weight, np.ndarray):
        return np.array(value)
    return _ndarray_from_numpy(np.asarray(value))


def _assign(dst: Any, src: Any) -> None:
    """Write `src` into `dst` in place (`arr[:] = value`; `[...]` for numpy 0-d)."""
    if isinstance(dst, np.ndarray):
        dst[...] = np.asarray(src)
    else:
        dst[:] = np.asarray(src)


def _is_leaf(x: Any) -> bool:
    return x is not None and not isinstance(x, (tuple, list))


def _tree_map(fn: Any, tree: Any, *rest: Any) -> Any:
    return jax.tree_util.tree_map(fn, tree, *rest, is_leaf=_is_leaf)


def _to_device(tree: Any) -> Any:
    return _tree_map(lambda x: jnp.asarray(_host(x)), tree)


def _write_back(dst_tree: Any, src_tree: Any) -> None:
    leaves_dst = jax.tree_util.tree_leaves(dst_tree, is_leaf=_is_leaf)
    leaves_src = jax.tree_util.tree_leaves(src_tree, is_leaf=_is_leaf)
    for dst, src in zip(leaves_dst, leaves_src, strict=True):
        _assign(dst, src)


def _dtype(x: Any) -> np.dtype:
    return np.dtype(x.dtype)


def _device_id(weight: Any) -> int:
    ctx = getattr(weight, "context", None)
    return int(getattr(ctx, "device_id", 0))


# ---------------------------------------------------------------------------
# pieces of MXNet's kernels


def _f32(x: float) -> np.float32:
    return np.float32(x)


def _one_minus(x: float) -> np.float32:
    """`1.f - x` as MXNet's kernels compute it, in float32."""
    return np.float32(1) - np.float32(x)


def _one_minus_pow_exact(beta: float, t: jax.Array) -> jax.Array:
    """1 - beta**t to float32 accuracy (MXNet computes Adam's correction in double)."""
    log_beta = math.log(beta) if beta > 0 else -math.inf
    return -jnp.expm1(jnp.asarray(t, jnp.float32) * _f32(log_beta))


def _one_minus_pow_f32(beta: float, t: jax.Array) -> jax.Array:
    """1 - beta**t with beta**t rounded to float32, as the FTML and LAMB kernels do."""
    return 1 - jnp.power(_f32(beta), jnp.asarray(t, jnp.float32))


def _clip_box(x: jax.Array, bound: float) -> jax.Array:
    return jnp.clip(x, -bound, bound)


# ---------------------------------------------------------------------------
# the base class


class Optimizer:
    """Base class of the optimizers, with MXNet 1.9.1's constructor and bookkeeping.

    Args:
        rescale_grad: multiplies the gradient first (usually 1/batch_size).
        param_idx2name: index -> parameter name. When given here, parameters whose
            name ends neither in `_weight` nor in `_gamma` get no weight decay.
        wd: weight decay (L2) coefficient.
        clip_gradient: clip the (rescaled) gradient to [-clip_gradient, clip_gradient].
        learning_rate: initial rate; overrides `lr_scheduler.base_lr` when both are
            given, and defaults to 0.01 when neither is.
        lr_scheduler: an `LRScheduler` called with `num_update`.
        sym: a Symbol (duck type: `attr_dict()`, `list_arguments()`) whose variables'
            `__lr_mult__`/`__wd_mult__` attributes set the multipliers.
        begin_num_update: initial update count.
        multi_precision: keep float32 master copies of float16 weights.
        param_dict: index -> object with `lr_mult` and `wd_mult` (Gluon parameters);
            these take precedence over every other multiplier.
    """

    opt_registry: ClassVar[dict[str, type[Optimizer]]]  # name -> class (see below)
    # Every attribute `_step` reads, which `step` bakes into a compiled function (see
    # static_config); a subclass that reads more must list them here.
    _STATIC: tuple[str, ...] = ("rescale_grad", "clip_gradient")
    # MXNet's multi-precision state layout: SGD and NAG put the master copy last.
    _MASTER_LAST = False
    # Given a list of indices, MXNet's SGD counts them all before taking any learning
    # rate; LAMB counts and takes the rate one index at a time.
    _COUNT_CHUNK_FIRST = False

    def __init__(self, rescale_grad: float = 1.0, param_idx2name: dict | None = None,
                 wd: float = 0.0, clip_gradient: float | None = None,
                 learning_rate: float | None = None,
                 lr_scheduler: _lrs.LRScheduler | None = None, sym: Any = None,
                 begin_num_update: int = 0, multi_precision: bool = False,
                 param_dict: dict | None = None) -> None:
        self.rescale_grad = rescale_grad
        self.lr_scheduler = lr_scheduler
        if lr_scheduler is None and learning_rate is None:
            learning_rate = 0.01
        self.lr = learning_rate
        if (lr_scheduler is not None and learning_rate is not None
                and lr_scheduler.base_lr != learning_rate):
            warnings.warn("learning rate from ``lr_scheduler`` has been overwritten by "
                          "``learning_rate`` in optimizer.", UserWarning, stacklevel=2)
            lr_scheduler.base_lr = learning_rate
        self.wd = wd
        self.lr_mult: dict = {}
        self.wd_mult: dict = {}
        self.begin_num_update = begin_num_update
        self.num_update = begin_num_update
        self._all_index_update_counts: dict[int, dict] = {0: {}}
        self._index_update_count = self._all_index_update_counts[0]
        self.clip_gradient = clip_gradient
        self.multi_precision = multi_precision
        self.aggregate_num = 0
        if param_idx2name is None:
            param_idx2name = {}
        if not isinstance(param_idx2name, dict):
            raise MXNetTypeError(
                "param_idx2name should be a dict of param indexes to names; received "
                f"param_idx2name={param_idx2name!r} (of type {type(param_idx2name).__name__})")
        self.idx2name = param_idx2name.copy()
        self.sym_info = (sym.attr_dict(), sym.list_arguments()) if sym is not None else ()
        self.param_dict = param_dict if param_dict else {}
        self.set_lr_mult({})
        self.set_wd_mult({})

    # -- registry ---------------------------------------------------------

    @staticmethod
    def register(klass: type[Optimizer]) -> type[Optimizer]:
        """Register an optimizer class under its lower-cased class name."""
        return _REGISTRY.register(klass)

    @staticmethod
    def create_optimizer(name: str, **kwargs: Any) -> Optimizer:
        """Instantiate a registered optimizer by (case-insensitive) name."""
        klass = Optimizer.opt_registry.get(str(name).lower())
        if klass is None:
            valid = ", ".join(sorted(Optimizer.opt_registry))
            raise MXNetValueError(f"Cannot find optimizer {name!r}; registered optimizers: "
                                  f"{valid}")
        return klass(**kwargs)

    # -- learning rate and multipliers -----------------------------------

    @property
    def learning_rate(self) -> float:
        """The current base rate: the scheduler's at `num_update`, else `lr`."""
        if self.lr_scheduler is not None:
            return self.lr_scheduler(self.num_update)
        return self.lr

    def set_learning_rate(self, lr: float) -> None:
        """Set `lr`; an error (as MXNet's UserWarning) when a scheduler is in charge."""
        if self.lr_scheduler is not None:
            raise UserWarning("LRScheduler of the optimizer has already been defined. Note "
                              "that set_learning_rate can mutate the value of the learning "
                              "rate of the optimizer only when the LRScheduler of the "
                              "optimizer is undefined.")
        self.lr = lr

    def set_lr_scale(self, args_lrscale: dict) -> None:
        """Removed in MXNet; use set_lr_mult."""
        raise DeprecationWarning(
            f"set_lr_scale is deprecated; use set_lr_mult (received {args_lrscale!r})")

    def set_lr_mult(self, args_lr_mult: dict) -> None:
        """Replace the lr multipliers: the symbol's `__lr_mult__` attributes, then these.

        Keys are parameter names or update indices; an index key wins over the name.
        """
        self.lr_mult = {}
        if self.sym_info:
            attr, arg_names = self.sym_info
            for name in arg_names:
                if name in attr and "__lr_mult__" in attr[name]:
                    self.lr_mult[name] = float(attr[name]["__lr_mult__"])
        self.lr_mult.update(args_lr_mult)

    def set_wd_mult(self, args_wd_mult: dict) -> None:
        """Replace the wd multipliers.

        Names known from `param_idx2name` *at this call* that end neither in `_weight`
        nor in `_gamma` get 0; then the symbol's `__wd_mult__` attributes apply, then
        `args_wd_mult`. (Module hands an optimizer *instance* its idx2name only after
        construction, so such an instance decays biases too.)
        """
        self.wd_mult = {}
        for name in self.idx2name.values():
            if not (name.endswith(("_weight", "_gamma"))):
                self.wd_mult[name] = 0.0
        if self.sym_info:
            attr, arg_names = self.sym_info
            for name in arg_names:
                if name in attr and "__wd_mult__" in attr[name]:
                    self.wd_mult[name] = float(attr[name]["__wd_mult__"])
        self.wd_mult.update(args_wd_mult)

    def _set_current_context(self, device_id: int) -> None:
        """Switch to the update counters of device `device_id`."""
        if device_id not in self._all_index_update_counts:
            self._all_index_update_counts[device_id] = {}
        self._index_update_count = self._all_index_update_counts[device_id]

    def _update_count(self, index: Any) -> None:
        """Count one more update of `index` (or of each index in a list)."""
        indices = index if isinstance(index, (list, tuple)) else [index]
        for idx in indices:
            if idx not in self._index_update_count:
                self._index_update_count[idx] = self.begin_num_update
            self._index_update_count[idx] += 1
            self.num_update = max(self._index_update_count[idx], self.num_update)

    def _scaled(self, base: float, indices: list, kind: str) -> list[float]:
        """`base` times each index's multiplier of `kind` ('lr' or 'wd').

        A Gluon param_dict entry wins, then a multiplier keyed by index, then one keyed
        by the index's parameter name.
        """
        mults = self.lr_mult if kind == "lr" else self.wd_mult
        values = [base for _ in indices]
        for i, index in enumerate(indices):
            if index in self.param_dict:
                values[i] *= getattr(self.param_dict[index], f"{kind}_mult")
            elif index in mults:
                values[i] *= mults[index]
            elif index in self.idx2name:
                values[i] *= mults.get(self.idx2name[index], 1.0)
        return values

    def _get_lrs(self, indices: list) -> list[float]:
        lr = self.lr_scheduler(self.num_update) if self.lr_scheduler is not None else self.lr
        return self._scaled(lr, indices, "lr")

    def _get_lr(self, index: Any) -> float:
        """The learning rate of `index`: base rate times its lr multiplier."""
        return self._get_lrs([index])[0]

    def _get_wds(self, indices: list) -> list[float]:
        return self._scaled(self.wd, indices, "wd")

    def _get_wd(self, index: Any) -> float:
        """The weight decay of `index`: wd times its wd multiplier."""
        return self._get_wds([index])[0]

    # -- the functional API ----------------------------------------------

    def hyperparams(self, index: Any) -> tuple[Any, Any]:
        """Advance the counters and return `(lr, wd)` for one update of `index`.

        This is what MXNet's `update` does before its kernel: `_update_count`, then
        `_get_lr` and `_get_wd`. A list of indices is counted first, then returns
        lists, as MXNet's aggregated updates do. The `t` for `step` is
        `self._index_update_count[index]` afterwards.
        """
        self._update_count(index)
        if isinstance(index, (list, tuple)):
            return self._get_lrs(list(index)), self._get_wds(list(index))
        return self._get_lr(index), self._get_wd(index)

    def _hyperparams_of(self, indices: list) -> tuple[list, list]:
        """(lrs, wds) for one update of each index, counted as MXNet's aggregated
        update counts them: a chunk-first optimizer (SGD) counts them all before taking
        any rate (and calls the scheduler once), the others one index at a time."""
        if self._COUNT_CHUNK_FIRST:
            return self.hyperparams(list(indices))
        pairs = [self.hyperparams(i) for i in indices]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    def step_inputs(self, indices: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`hyperparams` for every index of one step, as float32/float32/int32 arrays.

        Returns:
            (lrs, wds, ts), each of shape (len(indices),), ready to be passed to a
            jitted training step as traced arguments.
        """
        lrs, wds = self._hyperparams_of(indices)
        ts = [self._index_update_count[idx] for idx in indices]
        return (np.asarray(lrs, np.float32), np.asarray(wds, np.float32),
                np.asarray(ts, np.int32))

    def static_config(self) -> tuple:
        """The constants `step` compiles in, as a hashable tuple of (name, value)."""
        return tuple((name, getattr(self, name)) for name in self._STATIC)

    def _uses_master(self, dtype: Any) -> bool:
        return bool(self.multi_precision) and np.dtype(dtype) == np.float16

    def init_state(self, weight: jax.Array) -> State:
        """The initial optimizer state of `weight` (a pytree of jax arrays)."""
        weight = jnp.asarray(weight)
        if self._uses_master(weight.dtype):
            weight32 = weight.astype(jnp.float32)
            return MasterState(weight32, self._init(weight32))
        if weight.dtype == jnp.float16:
            warnings.warn("Accumulating with float16 in optimizer can lead to poor accuracy "
                          "or slow convergence. Consider using multi_precision=True option "
                          f"of the {type(self).__name__} optimizer", UserWarning,
                          stacklevel=2)
        return self._init(weight)

    def step(self, weight: jax.Array, grad: jax.Array, state: State, lr: Any, wd: Any,
             t: Any) -> tuple[jax.Array, State]:
        """One update of one parameter; pure and traceable.

        Args:
            weight: the parameter.
            grad: its gradient, same shape.
            state: from `init_state` (a `MasterState` for multi-precision float16).
            lr, wd: this parameter's learning rate and weight decay (multipliers
                included), scalars, may be traced.
            t: this parameter's update count including this update (1 on the first).

        Returns:
            (new_weight, new_state), with the dtypes and structure of the inputs.
        """
        if isinstance(state, MasterState):
            new32, inner = self._step_cast(state.weight32, grad.astype(jnp.float32),
                                           state.inner, lr, wd, t,
                                           **self._master_extras(weight))
            return new32.astype(weight.dtype), MasterState(new32, inner)
        return self._step_cast(weight, grad, state, lr, wd, t)

    def _master_extras(self, weight: jax.Array) -> dict:
        """Extra `_step` arguments taken from the float16 weight under multi-precision."""
        return {}

    def _step_cast(self, weight: jax.Array, grad: jax.Array, state: State, lr: Any,
                   wd: Any, t: Any, **extras: Any) -> tuple[jax.Array, State]:
        """`_step` with float32 hyperparameters and the input dtypes kept."""
        lr = jnp.asarray(lr, jnp.float32)
        wd = jnp.asarray(wd, jnp.float32)
        new_weight, new_state = self._step(weight, grad, state, lr, wd, t, **extras)
        new_state = _tree_map(lambda new, old: new.astype(old.dtype), new_state, state)
        return new_weight.astype(weight.dtype), new_state

    def _init(self, weight: jax.Array) -> State:
        """The initial state for a weight of this dtype (MXNet's create_state)."""
        return None

    def _step(self, weight: jax.Array, grad: jax.Array, state: State, lr: jax.Array,
              wd: jax.Array, t: Any) -> tuple[jax.Array, State]:
        """The update rule: MXNet's kernel for this optimizer."""
        raise NotImplementedError(f"{type(self).__name__} does not define an update rule")

    def _clip(self, grad: jax.Array) -> jax.Array:
        """Gradient clipping as MXNet's kernels do it: only when clip_gradient > 0."""
        if self.clip_gradient and self.clip_gradient >= 0:
            return _clip_box(grad, self.clip_gradient)
        return grad

    def _clip_python(self, grad: jax.Array) -> jax.Array:
        """Clipping as MXNet's Python-side updates do it: whenever it is not None."""
        if self.clip_gradient is not None:
            return _clip_box(grad, self.clip_gradient)
        return grad

    # -- MXNet's imperative API ------------------------------------------

    def _jitted_step(self) -> Any:
        """`step` under jax.jit, shared by every optimizer of this class and config.

        The compiled step belongs to a bare copy holding only the `_STATIC`
        attributes: optimizers that agree on them share it, changing one of them
        (momentum, rescale_grad, ...) selects another rather than a stale one, and an
        attribute missing from `_STATIC` fails loudly at trace time.
        """
        key = (type(self), self.static_config())
        fn = _JIT_STEPS.get(key)
        if fn is None:
            proxy = type(self).__new__(type(self))
            proxy.__dict__.update({name: getattr(self, name) for name in self._STATIC})
            fn = _JIT_STEPS[key] = jax.jit(proxy.step)
        return fn

    def create_state(self, index: Any, weight: Any) -> State:
        """The state arrays for `weight` (NDArrays for an NDArray weight)."""
        state = self._init(jnp.asarray(_host(weight)))
        return _tree_map(lambda x: _like(np.asarray(x), weight), state)

    def create_state_multi_precision(self, index: Any, weight: Any) -> State:
        """`create_state`, plus a float32 master copy for float16 weights."""
        if self._uses_master(_dtype(weight)):
            weight32 = _like(_host(weight).astype(np.float32), weight)
            inner = self.create_state(index, weight32)
            return (inner, weight32) if self._MASTER_LAST else (weight32, inner)
        if _dtype(weight) == np.float16:
            warnings.warn("Accumulating with float16 in optimizer can lead to poor accuracy "
                          "or slow convergence. Consider using multi_precision=True option "
                          f"of the {type(self).__name__} optimizer", UserWarning,
                          stacklevel=2)
        return self.create_state(index, weight)

    def _apply(self, weight: Any, grad: Any, state: State, lr: float, wd: float, t: int,
               master: bool) -> None:
        """Run the jitted step on host arrays and write weight and state back."""
        if master:
            weight32, inner = (state[1], state[0]) if self._MASTER_LAST else state
            dev_state: State = MasterState(jnp.asarray(_host(weight32)), _to_device(inner))
        else:
            dev_state = _to_device(state)
        new_weight, new_state = self._jitted_step()(
            jnp.asarray(_host(weight)), jnp.asarray(_host(grad)), dev_state, lr, wd, t)
        _assign(weight, new_weight)
        if master:
            _assign(weight32, new_state.weight32)
            _write_back(inner, new_state.inner)
        else:
            _write_back(state, new_state)

    def _update_impl(self, index: Any, weight: Any, grad: Any, state: State,
                     multi_precision: bool) -> None:
        if isinstance(index, (list, tuple)):
            lrs, wds = self._hyperparams_of(index)
            for i, idx in enumerate(index):
                master = multi_precision and self._uses_master(_dtype(weight[i]))
                self._apply(weight[i], grad[i], state[i], lrs[i], wds[i],
                            self._index_update_count[idx], master)
            return
        lr, wd = self.hyperparams(index)
        master = multi_precision and self._uses_master(_dtype(weight))
        self._apply(weight, grad, state, lr, wd, self._index_update_count[index], master)

    def update(self, index: Any, weight: Any, grad: Any, state: State) -> None:
        """Update `weight` (and `state`) in place from `grad`, as MXNet's `update`."""
        self._update_impl(index, weight, grad, state, multi_precision=False)

    def update_multi_precision(self, index: Any, weight: Any, grad: Any,
                               state: State) -> None:
        """`update`, through the float32 master copy for float16 weights."""
        self._update_impl(index, weight, grad, state, multi_precision=True)


_REGISTRY = ClassRegistry(Optimizer, "optimizer")
Optimizer.opt_registry = _REGISTRY.classes
register = Optimizer.register
create = Optimizer.create_optimizer
_JIT_STEPS: dict[tuple, Any] = {}


def _aggregation_size(default: str) -> int:
    return int(os.getenv("MXNET_OPTIMIZER_AGGREGATION_SIZE", default))


def _momentum_buffer(momentum: float, weight: jax.Array) -> State:
    """SGD's and NAG's state: a zero momentum buffer, or none without momentum."""
    return jnp.zeros(weight.shape, weight.dtype) if momentum != 0.0 else None


def _plain_sgd(weight: jax.Array, grad: jax.Array, lr: Any, wd: Any) -> jax.Array:
    """The momentum-free update of SGD and NAG (kernel sgd_update), grad already clipped."""
    return (1 - lr * wd) * weight - lr * grad


# ---------------------------------------------------------------------------
# the optimizers


@register
class SGD(Optimizer):
    """SGD with momentum and weight decay (kernels sgd_update / sgd_mom_update).

    mom = momentum * mom - lr * wd * w - lr * clip(rescale_grad * grad)
    w = w + mom
    """

    _STATIC = Optimizer._STATIC + ("momentum",)
    _MASTER_LAST = True
    _COUNT_CHUNK_FIRST = True

    def __init__(self, momentum: float = 0.0, lazy_update: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.momentum = momentum
        self.lazy_update = lazy_update
        self.aggregate_num = _aggregation_size("4")

    def _init(self, weight: jax.Array) -> State:
        return _momentum_buffer(self.momentum, weight)

    def _step(self, weight, grad, state, lr, wd, t):
        g = self._clip(_f32(self.rescale_grad) * grad)
        if state is None:
            return _plain_sgd(weight, g, lr, wd), None
        momentum = _f32(self.momentum if self.momentum > 0 else 0.0)
        mom = momentum * state - lr * wd * weight - lr * g
        return weight + mom, mom


@register
class ccSGD(SGD):
    """Deprecated alias of SGD, kept registered as in MXNet."""


@register
class NAG(Optimizer):
    """Nesterov accelerated SGD (kernel nag_mom_update).

    mom = momentum * mom
    w_new = w - mom + (momentum + 1) * (mom - lr * (clip(rescale_grad * grad) + wd * w))
    mom = mom - lr * (clip(rescale_grad * grad) + wd * w_new)

    The momentum's decay term reads the *updated* weight: MXNet's optimizer calls the
    kernel with out=weight, and the kernel writes the weight before the momentum.
    """

    _STATIC = Optimizer._STATIC + ("momentum",)
    _MASTER_LAST = True

    def __init__(self, momentum: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.momentum = momentum

    def _init(self, weight):
        return _momentum_buffer(self.momentum, weight)

    def _step(self, weight, grad, state, lr, wd, t):
        g = self._clip(_f32(self.rescale_grad) * grad)
        if state is None:
            return _plain_sgd(weight, g, lr, wd), None
        momentum = _f32(self.momentum if self.momentum > 0 else 0.0)
        mom = momentum * state
        new_weight = weight - mom + (momentum + 1) * (mom - lr * (g + wd * weight))
        return new_weight, mom - lr * (g + wd * new_weight)


@register
class Signum(Optimizer):
    """signSGD and Signum (kernels signsgd_update / signum_update).

    Without momentum: w = (1 - lr * wd) * w - lr * sign(grad); rescale_grad and
    clip_gradient are ignored, as in MXNet. With momentum:
    mom = momentum * mom - (1 - momentum) * (wd * w + clip(rescale_grad * grad))
    w = (1 - lr * wd_lh) * w + lr * sign(mom)
    """

    _STATIC = Optimizer._STATIC + ("momentum", "wd_lh")

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.9,
                 wd_lh: float = 0.0, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum = momentum
        self.wd_lh = wd_lh

    def _init(self, weight):
        if self.momentum != 0.0:
            return jnp.zeros(weight.shape, weight.dtype)
        return None

    def _step(self, weight, grad, state, lr, wd, t):
        if state is None:
            return (1 - lr * wd) * weight - lr * jnp.sign(grad), None
        momentum = _f32(self.momentum if self.momentum > 0 else 0.0)
        rest = _one_minus(momentum)
        g = self._clip(_f32(self.rescale_grad) * grad)
        mom = momentum * state - rest * wd * weight - rest * g
        new_weight = (1 - lr * _f32(self.wd_lh or 0.0)) * weight + lr * jnp.sign(mom)
        return new_weight, mom


@register
class Adam(Optimizer):
    """Adam (kernel adam_update), bias correction folded into the rate.

    g = clip(rescale_grad * grad + wd * w)
    m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g**2
    w = w - lr * sqrt(1 - beta2**t) / (1 - beta1**t) * m / (sqrt(v) + epsilon)
    """

    _STATIC = Optimizer._STATIC + ("beta1", "beta2", "epsilon")

    def __init__(self, learning_rate: float = 0.001, beta1: float = 0.9,
                 beta2: float = 0.999, epsilon: float = 1e-8, lazy_update: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.lazy_update = lazy_update

    def _init(self, weight):
        return (jnp.zeros(weight.shape, weight.dtype), jnp.zeros(weight.shape, weight.dtype))

    def _step(self, weight, grad, state, lr, wd, t):
        mean, var = state
        coef1 = _one_minus_pow_exact(self.beta1, t)
        coef2 = _one_minus_pow_exact(self.beta2, t)
        lr_t = lr * jnp.sqrt(coef2) / coef1
        beta1, beta2 = _f32(self.beta1), _f32(self.beta2)
        g = self._clip(grad * _f32(self.rescale_grad) + weight * wd)
        mean = beta1 * mean + _one_minus(beta1) * g
        var = beta2 * var + _one_minus(beta2) * g * g
        new_weight = weight - lr_t * mean / (jnp.sqrt(var) + _f32(self.epsilon))
        return new_weight, (mean, var)


@register
class Adamax(Optimizer):
    """AdaMax, Adam with the infinity norm (MXNet's Python-side update).

    g = clip(rescale_grad * grad + wd * w)
    m = beta1 * m + (1 - beta1) * g;  u = max(beta2 * u, |g|)
    w = w - lr / (1 - beta1**t) * m / u
    """

    _STATIC = Optimizer._STATIC + ("beta1", "beta2")

    def __init__(self, learning_rate: float = 0.002, beta1: float = 0.9,
                 beta2: float = 0.999, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2

    def _init(self, weight):
        return (jnp.zeros(weight.shape, weight.dtype), jnp.zeros(weight.shape, weight.dtype))

    def _step(self, weight, grad, state, lr, wd, t):
        m, u = state
        lr_t = lr / _one_minus_pow_exact(self.beta1, t)
        g = self._clip_python(grad * _f32(self.rescale_grad) + wd * weight)
        m = _f32(self.beta1) * m + _f32(1.0 - self.beta1) * g
        u = jnp.maximum(_f32(self.beta2) * u, jnp.abs(g))
        return weight - lr_t * m / u, (m, u)


@register
class AdaGrad(Optimizer):
    """AdaGrad (MXNet's Python-side dense update).

    g = clip(rescale_grad * grad);  history += g**2
    w = w - lr * (g / sqrt(history + eps) + wd * w)
    """

    _STATIC = Optimizer._STATIC + ("float_stable_eps",)

    def __init__(self, eps: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.float_stable_eps = eps

    def _init(self, weight):
        # MXNet creates the history without a dtype: always float32.
        return jnp.zeros(weight.shape, jnp.float32)

    def _step(self, weight, grad, state, lr, wd, t):
        g = self._clip_python(grad * _f32(self.rescale_grad))
        history = state + jnp.square(g)
        div = g / jnp.sqrt(history + _f32(self.float_stable_eps))
        return weight + (div + weight * wd) * -lr, history


@register
class RMSProp(Optimizer):
    """RMSProp: Tieleman & Hinton (centered=False) or Graves (centered=True).

    g = clip(rescale_grad * grad + wd * w);  n = (1 - gamma1) * g**2 + gamma1 * n
    centered=False: w = w - lr * g / sqrt(n + epsilon)
    centered=True:  gm = (1 - gamma1) * g + gamma1 * gm
                    delta = gamma2 * delta - lr * g / sqrt(n - gm**2 + epsilon)
                    w = w + delta
    then w is clipped to [-clip_weights, clip_weights] when clip_weights is set.
    """

    _STATIC = Optimizer._STATIC + ("gamma1", "gamma2", "epsilon", "centered", "clip_weights")

    def __init__(self, learning_rate: float = 0.001, gamma1: float = 0.9,
                 gamma2: float = 0.9, epsilon: float = 1e-8, centered: bool = False,
                 clip_weights: float | None = None, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.gamma1 = gamma1
        self.gamma2 = gamma2
        self.centered = centered
        self.epsilon = epsilon
        self.clip_weights = clip_weights

    def _init(self, weight):
        zeros = jnp.zeros(weight.shape, jnp.float32)  # no dtype in MXNet: float32
        return (zeros, zeros, zeros) if self.centered else (zeros,)

    def _step(self, weight, grad, state, lr, wd, t):
        gamma1 = _f32(self.gamma1)
        rest = _one_minus(gamma1)
        eps = _f32(self.epsilon)
        g = self._clip(_f32(self.rescale_grad) * grad + wd * weight)
        if self.centered:
            n, gm, delta = state
            n = rest * g * g + gamma1 * n
            gm = rest * g + gamma1 * gm
            delta = _f32(self.gamma2) * delta - lr * g / jnp.sqrt(n - gm * gm + eps)
            new_weight, new_state = weight + delta, (n, gm, delta)
        else:
            (n,) = state
            n = rest * (g * g) + gamma1 * n
            new_weight, new_state = weight - lr * (g / jnp.sqrt(n + eps)), (n,)
        if self.clip_weights and self.clip_weights >= 0:
            new_weight = _clip_box(new_weight, self.clip_weights)
        return new_weight, new_state


@register
class AdaDelta(Optimizer):
    """AdaDelta (MXNet's Python-side update); the learning rate is not used.

    g = clip(rescale_grad * grad)
    acc_g = rho * acc_g + (1 - rho) * g**2
    delta = sqrt(acc_delta + epsilon) / sqrt(acc_g + epsilon) * g
    acc_delta = rho * acc_delta + (1 - rho) * delta**2
    w = w - (delta + wd * w)
    """

    _STATIC = Optimizer._STATIC + ("rho", "epsilon")

    def __init__(self, rho: float = 0.90, epsilon: float = 1e-5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def _init(self, weight):
        zeros = jnp.zeros(weight.shape, jnp.float32)  # no dtype in MXNet: float32
        return (zeros, zeros)

    def _step(self, weight, grad, state, lr, wd, t):
        acc_g, acc_delta = state
        rho, rest, eps = _f32(self.rho), _f32(1.0 - self.rho), _f32(self.epsilon)
        g = self._clip_python(grad * _f32(self.rescale_grad))
        acc_g = acc_g * rho + rest * g * g
        delta = jnp.sqrt(acc_delta + eps) / jnp.sqrt(acc_g + eps) * g
        acc_delta = acc_delta * rho + rest * delta * delta
        return weight - (delta + wd * weight), (acc_g, acc_delta)

    def _apply(self, weight: Any, grad: Any, state: State, lr: float, wd: float, t: int,
               master: bool) -> None:
        super()._apply(weight, grad, state, lr, wd, t, master)
        # MXNet's AdaDelta runs `grad *= rescale_grad` on the caller's array (on the
        # float32 copy it makes under multi-precision, which nobody sees).
        if not master and self.rescale_grad != 1.0:
            _assign(grad, _host(grad) * np.float32(self.rescale_grad))


@register
class Ftrl(Optimizer):
    """FTRL-Proximal (kernel ftrl_update); state is (z, n).

    g = clip(rescale_grad * grad)
    z += g - (sqrt(n + g**2) - sqrt(n)) * w / lr;  n += g**2
    w = (sign(z) * lamda1 - z) / ((beta + sqrt(n)) / lr + wd) * (|z| > lamda1)
    """

    _STATIC = Optimizer._STATIC + ("lamda1", "beta")

    def __init__(self, lamda1: float = 0.01, learning_rate: float = 0.1, beta: float = 1,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lamda1 = lamda1
        self.beta = beta
        # As MXNet: set after the base constructor, so it never overrides a scheduler.
        self.lr = learning_rate

    def _init(self, weight):
        zeros = jnp.zeros(weight.shape, jnp.float32)  # no dtype in MXNet: float32
        return (zeros, zeros)

    def _step(self, weight, grad, state, lr, wd, t):
        z, n = state
        lamda1 = _f32(self.lamda1)
        g = self._clip(grad * _f32(self.rescale_grad))
        z = z + g - (jnp.sqrt(n + jnp.square(g)) - jnp.sqrt(n)) * weight / lr
        n = n + jnp.square(g)
        active = (jnp.abs(z) > lamda1).astype(z.dtype)
        new_weight = ((jnp.sign(z) * lamda1 - z)
                      / ((_f32(self.beta) + jnp.sqrt(n)) / lr + wd) * active)
        return new_weight, (z, n)


@register
class FTML(Optimizer):
    """Follow the Moving Leader (kernel ftml_update); state is (d, v, z).

    g = clip(rescale_grad * grad + wd * w)
    v = beta2 * v + (1 - beta2) * g**2
    d_t = (1 - beta1**t) / lr * (sqrt(v / (1 - beta2**t)) + epsilon)
    z = beta1 * z + (1 - beta1) * g - (d_t - beta1 * d) * w;  d = d_t
    w = -z / d_t
    """

    _STATIC = Optimizer._STATIC + ("beta1", "beta2", "epsilon")

    def __init__(self, beta1: float = 0.6, beta2: float = 0.999, epsilon: float = 1e-8,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon

    def _init(self, weight):
        zeros = jnp.zeros(weight.shape, weight.dtype)
        return (zeros, zeros, zeros)

    def _step(self, weight, grad, state, lr, wd, t):
        d, v, z = state
        beta1, beta2 = _f32(self.beta1), _f32(self.beta2)
        g = self._clip(_f32(self.rescale_grad) * grad + wd * weight)
        v = beta2 * v + (1 - beta2) * jnp.square(g)
        d_t = (_one_minus_pow_f32(self.beta1, t) / lr
               * (jnp.sqrt(v / _one_minus_pow_f32(self.beta2, t)) + _f32(self.epsilon)))
        z = beta1 * z + (1 - beta1) * g - (d_t - beta1 * d) * weight
        return -z / d_t, (d_t, v, z)


@register
class LAMB(Optimizer):
    """LAMB (kernels lamb_update_phase1/phase2, and multi_lamb_update).

    g = clip(rescale_grad * grad)
    m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g**2
    u = m_hat / (sqrt(v_hat) + epsilon) + wd * w   (m_hat, v_hat bias-corrected
        when bias_correction, else m, v)
    r1 = ||w|| bounded by lower_bound/upper_bound, r2 = ||u||
    w = w - lr * (r1 / r2 if both are nonzero else 1) * u

    Multi-precision follows Module's path (multi_mp_lamb_update): the float32 master
    copy is updated and r1 is the norm of the float16 weight. MXNet's single-index
    `update_multi_precision` (mp_lamb_update_phase2) never writes the master copy;
    that bug is not reproduced.
    """

    _STATIC = Optimizer._STATIC + ("beta1", "beta2", "epsilon", "lower_bound",
                                   "upper_bound", "bias_correction")

    def __init__(self, learning_rate: float = 0.001, beta1: float = 0.9,
                 beta2: float = 0.999, epsilon: float = 1e-6,
                 lower_bound: float | None = None, upper_bound: float | None = None,
                 bias_correction: bool = True, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound
        self.bias_correction = bias_correction
        self.aggregate_num = max(1, min(45, _aggregation_size("45")))

    def _init(self, weight):
        return (jnp.zeros(weight.shape, weight.dtype), jnp.zeros(weight.shape, weight.dtype))

    def _master_extras(self, weight):
        # MXNet's multi_mp_lamb_update (Module's path) takes the trust ratio's ||w||
        # from the float16 weight, not from the float32 master copy.
        return {"norm_weight": weight}

    def _step(self, weight, grad, state, lr, wd, t, norm_weight=None):
        mean, var = state
        norm_weight = weight if norm_weight is None else norm_weight
        beta1, beta2, eps = _f32(self.beta1), _f32(self.beta2), _f32(self.epsilon)
        g = self._clip(grad * _f32(self.rescale_grad))
        mean = beta1 * mean + _one_minus(beta1) * g
        var = beta2 * var + _one_minus(beta2) * g * g
        if self.bias_correction:
            m_hat = mean / _one_minus_pow_f32(self.beta1, t)
            v_hat = var / _one_minus_pow_f32(self.beta2, t)
        else:
            m_hat, v_hat = mean, var
        u = m_hat / (jnp.sqrt(v_hat) + eps) + wd * weight
        r1 = jnp.sqrt(jnp.sum(jnp.square(norm_weight.astype(jnp.float32))))
        r2 = jnp.sqrt(jnp.sum(jnp.square(u.astype(jnp.float32))))
        if self.lower_bound and self.lower_bound >= 0:
            r1 = jnp.maximum(r1, _f32(self.lower_bound))
        if self.upper_bound and self.upper_bound >= 0:
            r1 = jnp.minimum(r1, _f32(self.upper_bound))
        ratio = jnp.where((r1 == 0) | (r2 == 0), _f32(1.0), r1 / jnp.where(r2 == 0, 1, r2))
        return weight - lr * ratio * u, (mean, var)


class OptaxOptimizer(Optimizer):
    """Any `optax.GradientTransformation` behind MXNet's optimizer interface.

    MXNet's preprocessing comes first: g = clip(rescale_grad * grad) + wd * w. The
    transformation then maps g to updates (with its own step size), and
    w = w + lr * updates, where lr is `learning_rate` (default 1.0, so the
    transformation's own rate applies unchanged) times the schedule and lr_mult.
    The transformation is applied per parameter, so transformations that couple
    parameters (global-norm clipping, say) see one parameter at a time.

    Args:
        tx: the transformation, e.g. `optax.adamw(1e-3)`.
        **kwargs: the base `Optimizer` arguments.
    """

    _STATIC = Optimizer._STATIC + ("tx",)

    def __init__(self, tx: Any, learning_rate: float | None = 1.0, **kwargs: Any) -> None:
        if not (hasattr(tx, "init") and hasattr(tx, "update")):
            raise MXNetTypeError(
                "OptaxOptimizer expects an optax.GradientTransformation; received "
                f"tx={tx!r} (of type {type(tx).__name__})")
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.tx = tx

    def _init(self, weight):
        return self.tx.init(weight)

    def _step(self, weight, grad, state, lr, wd, t):
        g = self._clip(_f32(self.rescale_grad) * grad) + wd * weight
        updates, new_state = self.tx.update(g, state, weight)
        return weight + lr * updates, new_state


# ---------------------------------------------------------------------------
# the updater and its serialisation


class Updater:
    """MXNet's updater closure: `updater(index, grad, weight)` keeps one state per index.

    Lists of indices are accepted as MXNet's Module passes them; optimizers with a
    positive `aggregate_num` (SGD, LAMB) then count a whole chunk before taking the
    learning rates, as MXNet's aggregated kernels do.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = optimizer
        self.states: dict = {}
        self.states_synced: dict = {}
        self.aggregate_updates = optimizer.aggregate_num > 0

    def __call__(self, index: Any, grad: Any, weight: Any) -> None:
        if isinstance(index, (list, tuple)):
            indices, grads, weights = list(index), list(grad), list(weight)
        else:
            indices, grads, weights = [index], [grad], [weight]
        if weights:
            self.optimizer._set_current_context(_device_id(weights[0]))
        for i, idx in enumerate(indices):
            if isinstance(idx, bytes):
                idx = indices[i] = idx.decode()
            if idx not in self.states:
                self.states[idx] = self.optimizer.create_state_multi_precision(idx, weights[i])
                self.states_synced[idx] = True
            elif not self.states_synced[idx]:
                self.states[idx] = self._restore(idx, weights[i], self.states[idx])
                self.states_synced[idx] = True
        if not self.aggregate_updates:
            for idx, w, g in zip(indices, weights, grads, strict=False):
                self.optimizer.update_multi_precision(idx, w, g, self.states[idx])
            return
        by_dtype: dict = {}
        for idx, w, g in zip(indices, weights, grads, strict=False):
            by_dtype.setdefault(_dtype(w), []).append((idx, w, g))
        size = self.optimizer.aggregate_num
        for group in by_dtype.values():
            for start in range(0, len(group), size):
                chunk = group[start:start + size]
                idxs = [c[0] for c in chunk]
                self.optimizer.update_multi_precision(
                    idxs, [c[1] for c in chunk], [c[2] for c in chunk],
                    [self.states[i] for i in idxs])

    def _restore(self, index: Any, weight: Any, loaded: State) -> State:
        """Loaded numpy states, rebuilt as fresh states of `weight`'s kind and layout."""
        state = self.optimizer.create_state_multi_precision(index, weight)
        fresh = jax.tree_util.tree_leaves(state, is_leaf=_is_leaf)
        saved = jax.tree_util.tree_leaves(loaded, is_leaf=_is_leaf)
        if [tuple(x.shape) for x in fresh] != [tuple(x.shape) for x in saved]:
            raise MXNetValueError(
                f"saved optimizer state of parameter {index!r} has arrays of shapes "
                f"{[tuple(x.shape) for x in saved]}; {type(self.optimizer).__name__} "
                f"expects {[tuple(x.shape) for x in fresh]} for its weight of shape "
                f"{tuple(weight.shape)}")
        for dst, src in zip(fresh, saved, strict=False):
            _assign(dst, src)
        return state

    def get_states(self, dump_optimizer: bool = False) -> bytes:
        """The states (and optionally the optimizer's settings) as npz bytes."""
        arrays: dict[str, np.ndarray] = {}

        def encode_state(state: Any) -> Any:
            if state is None:
                return None
            if isinstance(state, (tuple, list)):
                return {"seq": [encode_state(s) for s in state],
                        "tuple": isinstance(state, tuple)}
            key = f"a{len(arrays)}"
            arrays[key] = _host(state)
            return {"array": key}

        header = {"format": "jaxsym-updater-states", "version": 1,
                  "states": [[_encode_value(k, "index"), encode_state(v)]
                             for k, v in self.states.items()]}
        if dump_optimizer:
            header["optimizer"] = _encode_optimizer(self.optimizer)
        arrays["__header__"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        return buf.getvalue()

    def set_states(self, states: bytes) -> None:
        """Restore from `get_states` bytes.

        Each state is rebuilt on the next update of its parameter, as the kind of array
        its weight is and in the optimizer's layout (optax states included).
        """
        def decode_state(node: Any) -> Any:
            if node is None:
                return None
            if "array" in node:
                return np.array(archive[node["array"]])
            seq = [decode_state(s) for s in node["seq"]]
            return tuple(seq) if node["tuple"] else seq

        try:
            archive = np.load(io.BytesIO(states), allow_pickle=False)
            header = json.loads(archive["__header__"].tobytes().decode())
            decoded = {_decode_value(k): decode_state(v) for k, v in header["states"]}
            optimizer = (_decode_optimizer(header["optimizer"]) if "optimizer" in header
                         else self.optimizer)
        except (ValueError, KeyError, TypeError, OSError, EOFError,
                zipfile.BadZipFile) as err:  # a truncated archive is a BadZipFile
            raise MXNetValueError(
                "set_states expects bytes from jaxsym's Updater.get_states (an npz archive "
                f"with a JSON header); MXNet's pickled optimizer states cannot be read ({err})"
            ) from err
        self.states = decoded
        self.optimizer = optimizer
        self.states_synced = dict.fromkeys(self.states, False)


def get_updater(optimizer: Optimizer) -> Updater:
    """The updater closure MXNet's Module and KVStore call as `updater(i, grad, w)`."""
    return Updater(optimizer)


_SKIPPED_ATTRS = ("param_dict", "_index_update_count")


def _encode_value(value: Any, where: str) -> Any:
    """Tagged JSON for the plain values an optimizer's settings are made of."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return {"tuple": [_encode_value(v, where) for v in value]}
    if isinstance(value, list):
        return {"list": [_encode_value(v, where) for v in value]}
    if isinstance(value, dict):
        return {"dict": [[_encode_value(k, where), _encode_value(v, where)]
                         for k, v in value.items()]}
    if isinstance(value, _lrs.LRScheduler):
        return {"lr_scheduler": type(value).__name__,
                "attrs": {k: _encode_value(v, f"{where}.{k}")
                          for k, v in vars(value).items()}}
    raise MXNetTypeError(
        f"cannot serialise optimizer attribute {where} = {value!r} (of type "
        f"{type(value).__name__}); only numbers, strings, lists, tuples, dicts and "
        "jaxsym LRSchedulers are saved")


def _decode_value(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if "tuple" in node:
        return tuple(_decode_value(v) for v in node["tuple"])
    if "list" in node:
        return [_decode_value(v) for v in node["list"]]
    if "dict" in node:
        return {_decode_value(k): _decode_value(v) for k, v in node["dict"]}
    klass = _scheduler_class(node["lr_scheduler"])
    sched = klass.__new__(klass)
    sched.__dict__.update({k: _decode_value(v) for k, v in node["attrs"].items()})
    return sched


def _scheduler_class(name: str) -> type:
    pending = [_lrs.LRScheduler]
    while pending:
        klass = pending.pop()
        if klass.__name__ == name:
            return klass
        pending.extend(klass.__subclasses__())
    raise MXNetValueError(f"unknown learning-rate scheduler class {name!r} in saved states")


def _encode_optimizer(opt: Optimizer) -> dict:
    name = type(opt).__name__.lower()
    if Optimizer.opt_registry.get(name) is not type(opt):
        raise MXNetValueError(
            f"get_states(dump_optimizer=True) needs a registered optimizer; "
            f"{type(opt).__name__} is not registered (use mx.optimizer.register)")
    attrs = {k: _encode_value(v, k) for k, v in vars(opt).items() if k not in _SKIPPED_ATTRS}
    return {"class": name, "attrs": attrs}


def _decode_optimizer(node: dict) -> Optimizer:
    klass = Optimizer.opt_registry.get(node["class"])
    if klass is None:
        raise MXNetError(f"saved states name optimizer {node['class']!r}, which is not "
                         "registered")
    opt = klass.__new__(klass)
    opt.__dict__.update({k: _decode_value(v) for k, v in node["attrs"].items()})
    opt.param_dict = {}
    opt._index_update_count = opt._all_index_update_counts[0]
    return opt
