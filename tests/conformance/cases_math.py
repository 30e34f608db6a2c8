"""Math op cases: elementwise/broadcast/scalar arithmetic, unary math, reductions, dot.

Three kinds, all recorded from MXNet 1.9.1:
- CASES, per-op cases for `tools/record_op_fixtures.py math`: shapes, output names,
  errors, integer dtypes, and gradients where broadcasting or contraction shapes them
  (XLA compiles each case, so most are forward-only to keep the tests fast);
- GROUPS, many ops over hand-picked values (ties, zeros, bounds, rounding halves) bound
  as one graph: forward values and MXNet's gradient at its non-smooth points;
- ND_EXPRESSIONS and SYMBOL_OPERATORS: NDArray arithmetic and the nodes Symbol operators
  create. GROUPS and these two are recorded by `tools/record_nd_math.py`.
"""

ELEMWISE = ["elemwise_add", "elemwise_sub", "elemwise_mul", "elemwise_div", "_mod", "_power",
            "_maximum", "_minimum", "_hypot", "_equal", "_not_equal", "_greater",
            "_greater_equal", "_lesser", "_lesser_equal", "_logical_and", "_logical_or",
            "_logical_xor"]
BROADCAST = ["add", "sub", "mul", "div", "mod", "power", "maximum", "minimum", "hypot",
             "equal", "not_equal", "greater", "greater_equal", "lesser", "lesser_equal",
             "logical_and", "logical_or", "logical_xor"]
SCALAR = ["_plus_scalar", "_minus_scalar", "_rminus_scalar", "_mul_scalar", "_div_scalar",
          "_rdiv_scalar", "_mod_scalar", "_rmod_scalar", "_power_scalar", "_rpower_scalar",
          "_maximum_scalar", "_minimum_scalar", "_hypot_scalar", "_equal_scalar",
          "_not_equal_scalar", "_greater_scalar", "_greater_equal_scalar", "_lesser_scalar",
          "_lesser_equal_scalar", "_logical_and_scalar", "_logical_or_scalar",
          "_logical_xor_scalar"]
UNARY = ["exp", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "cbrt", "rcbrt",
         "square", "reciprocal", "abs", "sign", "sin", "cos", "tan", "arcsin", "arccos",
         "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "degrees",
         "radians", "sigmoid", "relu", "softsign", "erf", "erfinv", "gamma", "gammaln",
         "floor", "ceil", "trunc", "fix", "rint", "round", "negative", "logical_not", "_copy"]

FWD = {"train": False}  # forward only
INT = {"dtype": "int32", "int_dtype": "int32", "train": False}


def _shapes(lhs, rhs):
    return {"lhs": lhs, "rhs": rhs}


CASES = [
    # errors
    {"id": "elemwise_add_shape_mismatch", "op": "elemwise_add", "inputs": _shapes((2, 3), (2, 1))},
    {"id": "mixed_dtypes", "op": "elemwise_add", "inputs": _shapes((2, 3), (2, 3)),
     "int_inputs": {"rhs": (0, 3)}, "int_dtype": "int32", **FWD},
    {"id": "broadcast_mul_mismatch", "op": "broadcast_mul", "inputs": _shapes((2, 3), (4,))},
    {"id": "clip_missing_a_max", "op": "clip", "kwargs": {"a_min": 0.5},
     "inputs": {"data": (3, 4)}},
    {"id": "sum_duplicate_axes", "op": "sum", "kwargs": {"axis": (1, 1)},
     "inputs": {"data": (2, 3)}},
    {"id": "sum_axis_out_of_range", "op": "sum", "kwargs": {"axis": 2}, "inputs": {"data": (2, 3)}},
    {"id": "norm_out_dtype_other", "op": "norm", "kwargs": {"out_dtype": "float64"},
     "inputs": {"data": (2, 3)}},
    {"id": "norm_ord3", "op": "norm", "kwargs": {"ord": 3}, "inputs": {"data": (2, 3)}},
    {"id": "argmax_axis_out_of_range", "op": "argmax", "kwargs": {"axis": 3},
     "inputs": {"data": (2, 3, 4)}},
    {"id": "dot_mismatch", "op": "dot", "inputs": _shapes((2, 3), (2, 3))},
    {"id": "dot_vec_transposed", "op": "dot", "kwargs": {"transpose_a": True},
     "inputs": _shapes((3,), (3,))},
    {"id": "batch_dot_batch_mismatch", "op": "batch_dot", "inputs": _shapes((2, 3, 4), (3, 4, 5))},
    {"id": "batch_dot_rank2", "op": "batch_dot", "inputs": _shapes((2, 3), (3, 2))},
    # gradients reduced over broadcast axes, unequal ranks included
    *({"id": f"broadcast_{k}_grad", "op": f"broadcast_{k}", "inputs": _shapes((2, 1, 3), (4, 1)),
       "low": 0.5, "high": 2.0} for k in ["add", "sub", "mul", "div", "power", "maximum", "hypot"]),
    {"id": "broadcast_mod_grad", "op": "broadcast_mod", "inputs": _shapes((3,), (2, 1)),
     "low": -3, "high": 3},
    {"id": "add_n", "op": "add_n", "inputs": {"*": [(2, 3), (2, 3), (2, 3)]}},
    {"id": "ElementWiseSum", "op": "ElementWiseSum", "inputs": {"*": [(2, 3), (2, 3)]}, **FWD},
]
for op in ELEMWISE:
    CASES.append({"id": op, "op": op, "inputs": _shapes((2, 3), (2, 3)), **FWD})
for key in BROADCAST:
    CASES.append({"id": f"broadcast_{key}", "op": f"broadcast_{key}",
                  "inputs": _shapes((2, 1, 3), (4, 1)), "low": 0.5, "high": 2.0, **FWD})

# -- reductions: output shapes ---------------------------------------------------------------
REDUCE_VARIANTS = {
    "all": {}, "axis1": {"axis": 1}, "axes02_keep": {"axis": (0, 2), "keepdims": True},
    "neg_axis": {"axis": -1}, "exclude": {"axis": 1, "exclude": True},
    "all_keep": {"keepdims": True}, "empty_axes_exclude": {"axis": (), "exclude": True},
}
for tag, kwargs in REDUCE_VARIANTS.items():
    CASES.append({"id": f"sum_{tag}", "op": "sum", "kwargs": kwargs,
                  "inputs": {"data": (2, 3, 4)}, **FWD})
for op, tag in [("mean", "exclude"), ("max", "axes02_keep"), ("min", "neg_axis"),
                ("prod", "all"), ("nansum", "all_keep"), ("nanprod", "axis1")]:
    CASES.append({"id": f"{op}_{tag}", "op": op, "kwargs": REDUCE_VARIANTS[tag],
                  "inputs": {"data": (2, 3, 4)}, "low": 0.5, "high": 1.5, **FWD})
CASES += [
    {"id": "sum_axes02_keep_grad", "op": "sum", "kwargs": {"axis": (0, 2), "keepdims": True},
     "inputs": {"data": (2, 3, 4)}},
    {"id": "prod_exclude_grad", "op": "prod", "kwargs": {"axis": 1, "exclude": True},
     "inputs": {"data": (2, 3, 4)}, "low": 0.5, "high": 1.5},
    {"id": "sum_axis_alias", "op": "sum_axis", "kwargs": {"axis": 0},
     "inputs": {"data": (2, 3)}, **FWD},
    {"id": "norm", "op": "norm", "inputs": {"data": (2, 3, 4)}, **FWD},
    {"id": "norm_ord1", "op": "norm", "kwargs": {"ord": 1}, "inputs": {"data": (2, 3, 4)}, **FWD},
    {"id": "norm_ord1_axis_neg", "op": "norm", "kwargs": {"ord": 1, "axis": -1},
     "inputs": {"data": (2, 3, 4)}, **FWD},
    {"id": "norm_axes02_keep_grad", "op": "norm", "kwargs": {"axis": (0, 2), "keepdims": True},
     "inputs": {"data": (2, 3, 4)}},
    {"id": "norm_keepdims", "op": "norm", "kwargs": {"keepdims": True},
     "inputs": {"data": (2, 3)}, **FWD},
    {"id": "norm_out_dtype_same", "op": "norm", "kwargs": {"out_dtype": "float32"},
     "inputs": {"data": (2, 3)}, **FWD},
    {"id": "argmax_all", "op": "argmax", "inputs": {"data": (2, 3, 4)}, **FWD},
    {"id": "argmax_all_keep", "op": "argmax", "kwargs": {"keepdims": True},
     "inputs": {"data": (2, 3, 4)}, **FWD},
    {"id": "argmin_axis_neg_keep", "op": "argmin", "kwargs": {"axis": -1, "keepdims": True},
     "inputs": {"data": (2, 3, 4)}, **FWD},
    {"id": "argmax_channel", "op": "argmax_channel", "inputs": {"data": (2, 3, 4)}, **FWD},
    {"id": "argmax_channel_2d", "op": "argmax_channel", "inputs": {"data": (3, 5)}, **FWD},
]

# -- dot / batch_dot ------------------------------------------------------------------------------
DOT = {
    "mat_mat": ((2, 3), (3, 4), {}), "vec_vec": ((3,), (3,), {}), "mat_vec": ((2, 3), (3,), {}),
    "vec_mat": ((3,), (3, 4), {}), "ta": ((3, 2), (3, 4), {"transpose_a": True}),
    "tb": ((2, 3), (4, 3), {"transpose_b": True}),
    "ta_tb": ((3, 2), (4, 3), {"transpose_a": True, "transpose_b": True}),
    "nd": ((2, 3, 4), (4, 5), {}), "nd_nd": ((2, 3, 4), (4, 5, 2), {}),
    "nd_ta": ((4, 2, 3), (4, 5), {"transpose_a": True}),
    "nd_tb": ((2, 3, 4), (6, 5, 4), {"transpose_b": True}),
    "vec_tb": ((3,), (4, 3), {"transpose_b": True}),
    "mat_ta_vec": ((3, 2), (3,), {"transpose_a": True}),
}
DOT_GRAD = {"vec_vec", "ta_tb", "nd_ta", "nd_tb", "mat_vec"}
for tag, (ls, rs, kwargs) in DOT.items():
    CASES.append({"id": f"dot_{tag}", "op": "dot", "kwargs": kwargs, "inputs": _shapes(ls, rs),
                  **({} if tag in DOT_GRAD else FWD)})
BATCH_DOT = {
    "plain": ((2, 3, 4), (2, 4, 5), {}), "ta": ((2, 4, 3), (2, 4, 5), {"transpose_a": True}),
    "tb": ((2, 3, 4), (2, 5, 4), {"transpose_b": True}),
    "ta_tb": ((2, 4, 3), (2, 5, 4), {"transpose_a": True, "transpose_b": True}),
    "4d": ((2, 2, 3, 4), (2, 2, 4, 5), {}),
}
for tag, (ls, rs, kwargs) in BATCH_DOT.items():
    CASES.append({"id": f"batch_dot_{tag}", "op": "batch_dot", "kwargs": kwargs,
                  "inputs": _shapes(ls, rs), **({} if tag in ("ta_tb", "4d") else FWD)})

# -- integer inputs: MXNet computes in the input dtype and truncates -----------------------------
CASES += [
    {"id": "int_div_scalar", "op": "_div_scalar", "kwargs": {"scalar": 2},
     "inputs": {"data": (2, 5)}, "int_inputs": {"data": (-9, 10)}, **INT},
    {"id": "int_mul_scalar_fraction", "op": "_mul_scalar", "kwargs": {"scalar": 2.5},
     "inputs": {"data": (2, 5)}, "int_inputs": {"data": (-9, 10)}, **INT},
    {"id": "int_greater_scalar_fraction", "op": "_greater_scalar", "kwargs": {"scalar": -1.5},
     "inputs": {"data": (2, 5)}, "int_inputs": {"data": (-4, 4)}, **INT},
    {"id": "int_elemwise_div", "op": "elemwise_div", "inputs": _shapes((2, 5), (2, 5)),
     "int_inputs": {"lhs": (-9, 10), "rhs": (1, 4)}, **INT},
    {"id": "int_mod", "op": "_mod", "inputs": _shapes((2, 5), (2, 5)),
     "int_inputs": {"lhs": (-9, 10), "rhs": (1, 4)}, **INT},
    {"id": "int_sqrt", "op": "sqrt", "inputs": {"data": (2, 5)},
     "int_inputs": {"data": (0, 20)}, **INT},
    {"id": "int_sigmoid", "op": "sigmoid", "inputs": {"data": (2, 5)},
     "int_inputs": {"data": (-3, 3)}, **INT},
    {"id": "int_abs", "op": "abs", "inputs": {"data": (2, 5)},
     "int_inputs": {"data": (-9, 9)}, **INT},
    {"id": "int_mean", "op": "mean", "kwargs": {"axis": 1}, "inputs": {"data": (2, 5)},
     "int_inputs": {"data": (0, 9)}, **INT},
    {"id": "int_argmax", "op": "argmax", "kwargs": {"axis": 1}, "inputs": {"data": (2, 5)},
     "int_inputs": {"data": (0, 9)}, **INT},
    {"id": "int_clip", "op": "clip", "kwargs": {"a_min": -2.5, "a_max": 3.5},
     "inputs": {"data": (2, 5)}, "int_inputs": {"data": (-9, 9)}, **INT},
]

# -- float16: computed and returned in float16 -------------------------------------------------
F16 = {"dtype": "float16", "train": False, "tol": {"rtol": 2e-3, "atol": 2e-3}}
CASES += [
    {"id": "f16_mul_scalar", "op": "_mul_scalar", "kwargs": {"scalar": 0.1},
     "inputs": {"data": (2, 5)}, **F16},
    {"id": "f16_sum", "op": "sum", "kwargs": {"axis": 1}, "inputs": {"data": (2, 50)}, **F16},
    {"id": "f16_broadcast_div", "op": "broadcast_div", "inputs": _shapes((2, 5), (1, 5)),
     "low": 0.5, "high": 2.0, **F16},
    {"id": "f16_exp", "op": "exp", "inputs": {"data": (2, 5)}, **F16},
    {"id": "f16_argmax", "op": "argmax", "kwargs": {"axis": 1}, "inputs": {"data": (2, 5)},
     **F16},
]

# -- exact-point groups -------------------------------------------------------------------------
# An entry is (label, op, kwargs, {input slot: values}).
HALVES = [-2.5, -1.5, -1.0, -0.5, 0.0, 0.3, 0.5, 1.0, 1.5, 2.5]
UNARY_VALUES = {
    "log": [0.25, 0.5, 1.0, 2.0, 3.0], "log2": [0.25, 1.0, 3.0], "log10": [0.25, 1.0, 30.0],
    "log1p": [-0.5, 0.0, 1.0, 3.0], "sqrt": [0.0, 0.25, 1.0, 2.0], "rsqrt": [0.25, 1.0, 2.0],
    "cbrt": [-8.0, -0.5, 0.5, 27.0], "rcbrt": [-8.0, -0.5, 0.5, 27.0],
    "reciprocal": [-2.0, -0.5, 0.5, 4.0], "arcsin": [-0.9, 0.0, 0.5], "arccos": [-0.9, 0.0, 0.5],
    "arccosh": [1.5, 2.0, 3.0], "arctanh": [-0.9, 0.0, 0.5], "erfinv": [-0.9, 0.0, 0.5],
    "gamma": [0.5, 1.0, 2.5, 4.0, -0.5, -1.5], "gammaln": [0.5, 1.0, 2.5, 4.0, -0.5, -1.5],
    "tan": [-1.0, 0.0, 0.5, 1.2], "logical_not": [-1.0, 0.0, 0.5, 2.0],
}
PAIR = {"lhs": [1.0, 2.0, 3.0, 0.0, 0.0, -2.0, 5.0, -5.0, 3.5, -2.0],
        "rhs": [1.0, 3.0, 2.0, 0.0, 2.0, 0.5, 3.0, -3.0, 1.0, 0.0]}
TIES = [-2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 3.0]
MATRIX = [[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [-1.0, 0.0, 0.0, 5.0]]
GROUPS = {
    "unary": [(op, op, {}, {"data": UNARY_VALUES.get(op, HALVES)}) for op in UNARY] + [
        ("hard_sigmoid", "hard_sigmoid", {}, {"data": HALVES}),
        ("hard_sigmoid_bounds", "hard_sigmoid", {"alpha": 0.5, "beta": 0.25}, {"data": HALVES}),
        ("smooth_l1", "smooth_l1", {"scalar": 1.0}, {"data": HALVES}),
        ("smooth_l1_sigma2", "smooth_l1", {"scalar": 2.0}, {"data": HALVES}),
        # relu keeps NaN, Activation's relu zeroes it; both have gradient 0 at 0.
        ("relu_nan", "relu", {}, {"data": [float("nan"), 0.0, -0.0, -1.0, 2.0]}),
        ("activation_relu_nan", "Activation", {"act_type": "relu"},
         {"data": [float("nan"), 0.0, -0.0, -1.0, 2.0]}),
    ],
    "binary": [(op, op, {}, PAIR) for op in ELEMWISE if op not in ("elemwise_div", "_power")] + [
        ("div", "elemwise_div", {}, {"lhs": [1.0, -3.0, 0.0], "rhs": [2.0, 0.5, 4.0]}),
        ("power", "_power", {},
         {"lhs": [0.0, 0.0, 2.0, 1.5, 4.0], "rhs": [0.0, 2.0, 0.5, -1.0, 0.0]}),
    ],
    "scalar": [(op, op, {"scalar": 1.0}, {"data": TIES}) for op in SCALAR
               if op not in ("_rdiv_scalar", "_rmod_scalar", "_rpower_scalar")] + [
        ("mod_neg", "_mod_scalar", {"scalar": -2.0}, {"data": TIES}),
        ("rmod_neg", "_rmod_scalar", {"scalar": -2.0}, {"data": [-2.0, -1.0, 0.5, 3.0]}),
        ("rdiv", "_rdiv_scalar", {"scalar": 3.0}, {"data": [-2.0, -1.0, 0.5, 3.0]}),
        ("rpower", "_rpower_scalar", {"scalar": 2.0}, {"data": [-2.0, 0.0, 0.5, 3.0]}),
        ("rpower_neg", "_rpower_scalar", {"scalar": -2.0}, {"data": [-2.0, 0.0, 0.5, 3.0]}),
        ("power_half", "_power_scalar", {"scalar": 0.5}, {"data": [0.0, 0.25, 1.0, 4.0]}),
        ("power_neg", "_power_scalar", {"scalar": -2.0}, {"data": [-2.0, 0.5, 3.0]}),
        ("hypot_zero", "_hypot_scalar", {"scalar": 0.0}, {"data": [-2.0, 0.0, 3.0]}),
    ],
    "broadcast": [
        (f"broadcast_{k}", f"broadcast_{k}", {},
         {"lhs": [[1.0, 2.0, 3.0], [0.0, -1.0, 3.0]], "rhs": [2.0, -1.0, 3.0]})
        for k in BROADCAST
    ] + [
        ("maximum_column", "broadcast_maximum", {},
         {"lhs": [[1.0, 2.0, 3.0]], "rhs": [[1.0], [2.0], [3.0]]}),
    ],
    "reduce": [
        (f"{op}_{tag}", op, kwargs, {"data": MATRIX})
        for op in ["max", "min", "prod", "norm", "argmax", "argmin"]
        for tag, kwargs in (("all", {}), ("axis1", {"axis": 1}))
    ] + [
        ("sum_axis0", "sum", {"axis": 0}, {"data": MATRIX}),
        ("mean_axis0", "mean", {"axis": 0}, {"data": MATRIX}),
        ("norm_ord1", "norm", {"ord": 1, "axis": 1}, {"data": [[1.0, 0.0, -3.0], [0.0, 0.0, 0.0]]}),
        ("norm_zero", "norm", {"axis": 1}, {"data": [[3.0, 4.0], [0.0, 0.0]]}),
        ("nanprod", "nanprod", {"axis": 1}, {"data": [[float("nan"), 2.0, 3.0], [0.0, 1.0, 2.0]]}),
        ("nansum", "nansum", {"axis": 1}, {"data": [[float("nan"), 2.0, 3.0], [1.0, 1.0, 2.0]]}),
        ("prod_two_zeros", "prod", {}, {"data": [0.0, 0.0, 3.0]}),
        ("max_nan", "max", {}, {"data": [1.0, float("nan"), 3.0]}),
        ("clip", "clip", {"a_min": -1.0, "a_max": 1.0}, {"data": HALVES}),
        ("clip_reversed", "clip", {"a_min": 1.0, "a_max": -1.0}, {"data": HALVES}),
    ],
}


def run_group(mx, entries):
    """Bind all entries as one Group; forward in training mode, backward with set heads.

    Returns {"out:<label>": array, "grad:<label>:<slot>": array}.
    """
    import numpy as np

    outs, args = [], {}
    for i, (label, op, kwargs, inputs) in enumerate(entries):
        syms = {slot: mx.sym.Variable(f"g{i}_{slot}") for slot in inputs}
        fn = getattr(mx.sym, op, None) or getattr(mx.sym._internal, op)
        outs.append(fn(name=f"g{i}", **syms, **kwargs))
        args.update({f"g{i}_{slot}": np.asarray(v, dtype=np.float32)
                     for slot, v in inputs.items()})
    group = mx.sym.Group(outs)
    names = group.list_arguments()
    ex = group.bind(mx.cpu(), args={n: mx.nd.array(args[n]) for n in names},
                    args_grad={n: mx.nd.zeros(args[n].shape) for n in names})
    results = ex.forward(is_train=True)
    rng = np.random.RandomState(7)
    heads = [mx.nd.array(rng.uniform(0.5, 1.5, size=o.shape).astype(np.float32))
             for o in results]
    ex.backward(heads)
    mx.nd.waitall()
    found = {}
    for i, ((label, _, _, inputs), out) in enumerate(zip(entries, results)):
        found[f"out:{label}"] = out.asnumpy()
        for slot in inputs:
            found[f"grad:{label}:{slot}"] = ex.grad_dict[f"g{i}_{slot}"].asnumpy()
    return found



# -- NDArray arithmetic and Symbol operators ----------------------------------------------------
def nd_inputs(mx):
    """The arrays the NDArray expressions use."""
    return {"a": mx.nd.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),
            "b": mx.nd.array([[2.0, 2.0, -2.0], [-4.0, 5.0, 0.5]]),
            "c": mx.nd.array([[-1.5], [2.0]]), "r": mx.nd.array([10.0, 20.0, 30.0]),
            "s": mx.nd.array([[1.0, 2.0], [3.0, 4.0]]),
            "i": mx.nd.array([[-7, 7, 5], [-5, 0, 3]], dtype="int32")}


def _iadd(x, y):
    x = x.copy()
    x += y
    return x


# Each expression takes (mx, inputs) and returns an NDArray (or raises, which is recorded).
ND_EXPRESSIONS = {
    "maximum_a_c": lambda mx, v: mx.nd.maximum(v["a"], v["c"]),
    "minimum_a_r": lambda mx, v: mx.nd.minimum(v["a"], v["r"]),
    "maximum_a_b": lambda mx, v: mx.nd.maximum(v["a"], v["b"]),
    "maximum_a_2": lambda mx, v: mx.nd.maximum(v["a"], 2),
    "maximum_2_a": lambda mx, v: mx.nd.maximum(2.5, v["a"]),
    "minimum_a_2": lambda mx, v: mx.nd.minimum(v["a"], 2),
    "dot_s_s": lambda mx, v: mx.nd.dot(v["s"], v["s"]),
    "dot_a_a": lambda mx, v: mx.nd.dot(v["a"], v["a"]),
    "dot_a_aT": lambda mx, v: mx.nd.dot(v["a"], v["a"].T),
    "dot_r_r": lambda mx, v: mx.nd.dot(v["r"], v["r"]),
    "sin_c_squared_T": lambda mx, v: mx.nd.sin(v["c"] ** 2).T,
    "a_pow_2": lambda mx, v: v["a"] ** 2,
    "two_pow_a": lambda mx, v: 2 ** v["a"],
    "a_pow_b": lambda mx, v: v["a"] ** v["b"],
    "neg_a": lambda mx, v: -v["a"],
    "abs_b": lambda mx, v: abs(v["b"]),
    "a_mod_b": lambda mx, v: v["a"] % v["b"],
    "a_mod_2": lambda mx, v: v["a"] % 2,
    "a_mod_neg": lambda mx, v: v["a"] % -4,
    "seven_mod_b": lambda mx, v: 7 % v["b"],
    "a_mod_r": lambda mx, v: v["a"] % v["r"],
    "a_plus_r": lambda mx, v: v["a"] + v["r"],
    "r_plus_a": lambda mx, v: v["r"] + v["a"],
    "a_minus_c": lambda mx, v: v["a"] - v["c"],
    "c_times_r": lambda mx, v: v["c"] * v["r"],
    "r_div_c": lambda mx, v: v["r"] / v["c"],
    "two_minus_a": lambda mx, v: 2 - v["a"],
    "two_div_a": lambda mx, v: 2 / v["a"],
    "a_eq_b": lambda mx, v: v["a"] == v["b"],
    "a_gt_c": lambda mx, v: v["a"] > v["c"],
    "a_ge_3": lambda mx, v: v["a"] >= 3,
    "three_lt_a": lambda mx, v: 3 < v["a"],
    "a_ne_r": lambda mx, v: v["a"] != v["r"],
    "iadd_broadcast": lambda mx, v: _iadd(v["a"], v["r"]),
    "a_sum": lambda mx, v: v["a"].sum(),
    "a_sum_axis1": lambda mx, v: v["a"].sum(axis=1),
    "a_argmax": lambda mx, v: v["a"].argmax(axis=1),
    "a_norm": lambda mx, v: v["a"].norm(),
    "a_clip": lambda mx, v: v["a"].clip(a_min=2, a_max=5),
    "a_clip_positional": lambda mx, v: v["a"].clip(2, 5),
    "nd_clip_positional": lambda mx, v: mx.nd.clip(v["b"], -1, 2.5),
    "a_sum_positional": lambda mx, v: mx.nd.sum(v["a"], 1),
    "a_plus_numpy": lambda mx, v: v["a"] + v["a"].asnumpy(),
    "int_div_2": lambda mx, v: v["i"] / 2,
    "int_mod_3": lambda mx, v: v["i"] % 3,
    "int_times_half": lambda mx, v: v["i"] * 1.5,
    "int_gt": lambda mx, v: v["i"] > -5.5,
    "int_neg": lambda mx, v: -v["i"],
    "int_sqrt": lambda mx, v: mx.nd.sqrt(mx.nd.abs(v["i"])),
    "mixed_dtype_add": lambda mx, v: v["a"] + v["i"],
}

# Symbol operator expressions on Variables a and b; the recorder stores MXNet's node.
SYMBOL_OPERATORS = {
    "a + b": lambda a, b: a + b, "a - b": lambda a, b: a - b, "a * b": lambda a, b: a * b,
    "a / b": lambda a, b: a / b, "a ** b": lambda a, b: a ** b, "a % b": lambda a, b: a % b,
    "-a": lambda a, b: -a, "abs(a)": lambda a, b: abs(a),
    "a + 2": lambda a, b: a + 2, "2 + a": lambda a, b: 2 + a, "a - 2": lambda a, b: a - 2,
    "2 - a": lambda a, b: 2 - a, "a * 2": lambda a, b: a * 2, "2 * a": lambda a, b: 2 * a,
    "a * 2.5": lambda a, b: a * 2.5, "a * 1e-07": lambda a, b: a * 1e-07,
    "a / 2": lambda a, b: a / 2, "2 / a": lambda a, b: 2 / a, "a ** 2": lambda a, b: a ** 2,
    "2 ** a": lambda a, b: 2 ** a, "a % 2": lambda a, b: a % 2, "2 % a": lambda a, b: 2 % a,
    "a == b": lambda a, b: a == b, "a != b": lambda a, b: a != b,
    "a > b": lambda a, b: a > b, "a >= b": lambda a, b: a >= b,
    "a < b": lambda a, b: a < b, "a <= b": lambda a, b: a <= b,
    "a == 2": lambda a, b: a == 2, "a != 2": lambda a, b: a != 2,
    "a > 2": lambda a, b: a > 2, "a >= 2": lambda a, b: a >= 2,
    "a < 2": lambda a, b: a < 2, "a <= 2": lambda a, b: a <= 2,
    "2 < a": lambda a, b: 2 < a, "2 >= a": lambda a, b: 2 >= a,
    "a + b + a": lambda a, b: a + b + a, "a * 2 * 3": lambda a, b: a * 2 * 3,
}

# The recorder runs every case in one MXNet process, whose auto-name counters carry on
# (dot0, dot1, ...); a fixed node name keeps the recorded output names per case.
for _case in CASES:
    _case.setdefault("kwargs", {}).setdefault("name", "node")
