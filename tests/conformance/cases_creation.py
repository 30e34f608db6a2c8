"""Creation ops (`_zeros`, `_ones`, `_full`, `_arange`, `_linspace`, `_eye` and their
`mx.sym` wrappers): values, dtypes, shapes and errors against MXNet 1.9.1.

Recorded with:
    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_op_fixtures.py creation
The ops take no inputs, so there are no gradients to record. Every node is named 'n'.
"""


def _c(cid: str, op: str, **kwargs) -> dict:
    return {"id": cid, "op": op, "kwargs": {"name": "n", **kwargs}, "inputs": {},
            "grad": False}


CASES = [
    # zeros / ones / full: MXNet casts the value as C++ does (truncate, then wrap).
    _c("zeros_default", "zeros", shape=(2, 3)),
    _c("zeros_int_shape", "zeros", shape=4, dtype="int32"),
    _c("zeros_bool", "zeros", shape=(2,), dtype="bool"),
    _c("zeros_op", "_zeros", shape=(1, 2, 3)),
    _c("zeros_op_uint8", "_zeros", shape=(3,), dtype="uint8"),
    _c("ones_default", "ones", shape=(3, 2)),
    _c("ones_float16", "ones", shape=(2,), dtype="float16"),
    _c("ones_int8", "ones", shape=(2, 2), dtype="int8"),
    _c("ones_op", "_ones", shape=(2,)),
    _c("full_float", "full", shape=(2, 2), val=2.5),
    _c("full_int_truncates", "full", shape=(2, 2), val=3.7, dtype="int32"),
    _c("full_int_negative", "full", shape=(3,), val=-3.7, dtype="int32"),
    _c("full_uint8_negative_wraps", "full", shape=(2,), val=-3.7, dtype="uint8"),
    _c("full_uint8_large_wraps", "full", shape=(2,), val=300.7, dtype="uint8"),
    _c("full_int8_wraps", "full", shape=(2,), val=-129.5, dtype="int8"),
    _c("full_bool", "full", shape=(2,), val=0.5, dtype="bool"),
    _c("full_op", "_full", shape=(2, 1), value=-1.25),
    _c("full_op_float16", "_full", shape=(2,), value=1 / 3, dtype="float16"),
    # MXNet (legacy shapes) reads () and 0 dimensions as unknown: nothing to bind.
    _c("zeros_empty_shape", "zeros", shape=()),
    _c("zeros_zero_dim", "zeros", shape=(0, 3)),
    _c("ones_zero_dim", "ones", shape=(2, 0)),
    _c("full_missing_value", "_full", shape=(2,)),
    _c("zeros_bad_dtype", "zeros", shape=(2,), dtype="float128"),
    _c("zeros_unknown_param", "zeros", shape=(2,), foo=1),
    # arange: start + i * step in the output type, start and step cast to it first.
    _c("arange_stop_only", "arange", start=5),
    _c("arange_int", "arange", start=5, dtype="int32"),
    _c("arange_fraction", "arange", start=0, stop=1, step=0.3),
    _c("arange_negative_step", "arange", start=5, stop=0, step=-1.5),
    _c("arange_repeat", "arange", start=1, stop=4, repeat=3),
    _c("arange_int_truncates", "arange", start=0.5, stop=3.2, step=0.7, dtype="int32"),
    _c("arange_uint8_wraps", "arange", start=-3, stop=3, dtype="uint8"),
    _c("arange_uint8_overflow", "arange", start=250, stop=260, dtype="uint8"),
    _c("arange_float32_rounding", "arange", start=16777215, stop=16777220),
    _c("arange_float16_truncates", "arange", start=0.5, stop=3, step=0.7,
       dtype="float16"),
    _c("arange_float16_neg", "arange", start=2.5, stop=-3, step=-1.25, repeat=2,
       dtype="float16"),
    _c("arange_int8_repeat", "arange", start=-2, stop=7, step=3, repeat=2, dtype="int8"),
    _c("arange_op_defaults", "_arange", start=3),
    _c("arange_op_strings", "_arange", start="1", stop="2.5", step="0.5", repeat="2"),
    _c("arange_infer_range_with_stop", "arange", start=1, stop=3, infer_range=True),
    _c("arange_infer_range_no_stop", "arange", start=3, infer_range=True),
    _c("arange_step_zero", "arange", start=0, stop=5, step=0),
    _c("arange_empty", "arange", start=2, stop=2),
    _c("arange_wrong_direction", "arange", start=0, stop=5, step=-1),
    _c("arange_negative_stop_only", "arange", start=-5),
    _c("arange_repeat_zero", "arange", start=1, stop=4, repeat=0),
    _c("arange_bool", "arange", start=2, dtype="bool"),
    # linspace: start + i * step in double, then cast (integer types truncate).
    _c("linspace_default", "linspace", start=0, stop=1, num=5),
    _c("linspace_no_endpoint", "linspace", start=0, stop=1, num=7, endpoint=False),
    _c("linspace_reverse", "linspace", start=3, stop=-1, num=6),
    _c("linspace_one", "linspace", start=2, stop=3, num=1),
    _c("linspace_one_no_endpoint", "linspace", start=2, stop=3, num=1, endpoint=False),
    _c("linspace_zero", "linspace", start=2, stop=3, num=0),
    _c("linspace_int", "linspace", start=0, stop=10, num=4, dtype="int32"),
    _c("linspace_int_negative", "linspace", start=-3.5, stop=3.5, num=6, dtype="int32"),
    _c("linspace_uint8", "linspace", start=-2.5, stop=1, num=3, dtype="uint8"),
    _c("linspace_float16", "linspace", start=0, stop=1, num=5, dtype="float16"),
    _c("linspace_op", "_linspace", start=-1, stop=1, num=9, endpoint="False"),
    _c("linspace_negative_num", "linspace", start=2, stop=3, num=-1),
    _c("linspace_missing_num", "_linspace", start=0, stop=1),
    # eye: M=0 means N; k beyond the matrix gives zeros.
    _c("eye_square", "eye", N=3),
    _c("eye_rect_upper", "eye", N=3, M=4, k=1),
    _c("eye_rect_lower", "eye", N=3, M=4, k=-2),
    _c("eye_k_outside", "eye", N=3, M=2, k=5),
    _c("eye_int64", "eye", N=2, dtype="int32"),
    _c("eye_uint8_wide", "eye", N=2, M=5, k=2, dtype="uint8"),
    _c("eye_op", "_eye", N=2, M=3, k=-1),
    _c("eye_negative", "eye", N=-1),
    _c("eye_bool", "eye", N=2, dtype="bool"),
    _c("eye_missing_n", "_eye"),
]


# -- random draws: MXNet's stream cannot be reproduced, so the draws themselves are not
# recorded ('skip'); names, shapes, errors and the (zero) input gradients are.
def _r(cid: str, op: str, inputs: dict | None = None, skip: tuple = ("out0",),
       **kwargs) -> dict:
    return {"id": cid, "op": op, "kwargs": {"name": "n", **kwargs}, "inputs": inputs or {},
            "grad": bool(inputs), "skip": skip, "low": 0.5, "high": 2.0}


CASES += [
    _r("random_uniform", "random_uniform", low=-1, high=3, shape=(2, 3)),
    _r("uniform_alias", "uniform", shape=(4,)),
    _r("random_uniform_op_float16", "_random_uniform", shape=(2,), dtype="float16"),
    _r("random_normal", "random_normal", loc=1, scale=2, shape=(3, 2)),
    _r("normal_alias", "normal", shape=5),
    _r("random_gamma", "random_gamma", alpha=2, beta=3, shape=(2, 2)),
    _r("random_exponential", "random_exponential", lam=4, shape=(3,)),
    _r("random_poisson", "random_poisson", lam=3, shape=(2, 3)),
    # (random_negative_binomial and random_generalized_negative_binomial: their gamma and
    # Poisson draws take seconds to compile, so tests/ops/test_creation.py's moment test
    # alone covers them.)
    _r("random_randint", "random_randint", low=-2, high=3, shape=(3, 3)),
    _r("random_uniform_no_shape", "random_uniform"),
    _r("random_uniform_int_dtype", "random_uniform", shape=(2,), dtype="int32"),
    _r("random_randint_no_high", "_random_randint", low=0, shape=(2,)),
    _r("random_randint_float_dtype", "random_randint", low=0, high=3, shape=(2,),
       dtype="float32"),
    _r("sample_uniform", "sample_uniform", {"low": (2,), "high": (2,)}, shape=(3,)),
    _r("sample_normal", "sample_normal", {"mu": (2, 2), "sigma": (2, 2)}),
    _r("sample_normal_shape", "sample_normal", {"mu": (3,), "sigma": (3,)}, shape=(2, 2)),
    _r("sample_gamma", "sample_gamma", {"alpha": (2,), "beta": (2,)}, shape=(4,)),
    _r("sample_exponential", "sample_exponential", {"lam": (3,)}, shape=(2,)),
    _r("sample_poisson", "sample_poisson", {"lam": (2,)}, shape=(3, 2)),
    _r("sample_negative_binomial", "sample_negative_binomial", {"k": (2,), "p": (2,)},
       shape=(2,)),
    _r("sample_generalized_negative_binomial", "sample_generalized_negative_binomial",
       {"mu": (2,), "alpha": (2,)}),
    _r("sample_normal_mismatch", "sample_normal", {"mu": (2,), "sigma": (3,)}),
    _r("sample_multinomial", "sample_multinomial", {"data": (2, 4)}, shape=(3,)),
    _r("sample_multinomial_1d", "sample_multinomial", {"data": (4,)}),
    _r("sample_multinomial_prob", "sample_multinomial", {"data": (2, 4)},
       skip=("out0", "out1", "grad:data"), shape=(2,), get_prob=True),
    _r("sample_multinomial_bad_dtype", "sample_multinomial", {"data": (4,)},
       dtype="int64"),
    {**_r("shuffle", "shuffle", {"data": (4, 3)}), "grad": False},
]


# -- random_pdf_*: exact values and gradients (MXNet's: the discrete densities give the
# sample none; uniform ignores the support) -------------------------------------------
def _pdf(cid: str, dist: str, inputs: dict, extra: dict | None = None, **kwargs) -> dict:
    return {"id": cid, "op": f"random_pdf_{dist}", "kwargs": {"name": "n", **kwargs},
            "inputs": inputs, "low": 0.2, "high": 0.9, **(extra or {})}


def _two(a: str, b: str, params: tuple, sample: tuple) -> dict:
    return {"sample": sample, a: params, b: params}


CASES += [
    _pdf("pdf_uniform", "uniform", _two("low", "high", (2,), (2, 3)),
         {"int_inputs": {"high": (2, 4)}}),
    _pdf("pdf_uniform_log", "uniform", _two("low", "high", (2,), (2,)),
         {"int_inputs": {"high": (2, 4)}}, is_log=True),
    _pdf("pdf_normal", "normal", _two("mu", "sigma", (2,), (2, 4))),
    _pdf("pdf_normal_log", "normal", _two("mu", "sigma", (2, 2), (2, 2, 3)), is_log=True),
    _pdf("pdf_normal_same_shape", "normal", _two("mu", "sigma", (3,), (3,))),
    _pdf("pdf_gamma", "gamma", _two("alpha", "beta", (2,), (2, 3))),
    _pdf("pdf_gamma_log", "gamma", _two("alpha", "beta", (3,), (3, 2)), is_log=True),
    _pdf("pdf_exponential", "exponential", {"sample": (2, 3), "lam": (2,)}),
    _pdf("pdf_exponential_log", "exponential", {"sample": (3,), "lam": (3,)}, is_log="1"),
    _pdf("pdf_poisson", "poisson", {"sample": (2, 3), "lam": (2,)}),
    _pdf("pdf_poisson_log", "poisson", {"sample": (2, 2), "lam": (2, 2)}, is_log=True),
    _pdf("pdf_negative_binomial", "negative_binomial", _two("k", "p", (2,), (2, 3))),
    _pdf("pdf_negative_binomial_log", "negative_binomial", _two("k", "p", (3,), (3,)),
         is_log=True),
    _pdf("pdf_gen_negative_binomial", "generalized_negative_binomial",
         _two("mu", "alpha", (2,), (2, 3))),
    _pdf("pdf_gen_negative_binomial_log", "generalized_negative_binomial",
         _two("mu", "alpha", (2,), (2,)), is_log=True),
    _pdf("pdf_dirichlet", "dirichlet", {"sample": (2, 3), "alpha": (2, 3)}),
    _pdf("pdf_dirichlet_log_many", "dirichlet", {"sample": (2, 4, 3), "alpha": (2, 3)},
         is_log=True),
    _pdf("pdf_dirichlet_one_vector", "dirichlet", {"sample": (3,), "alpha": (3,)}),
    _pdf("pdf_dirichlet_shared", "dirichlet", {"sample": (5, 3), "alpha": (3,)}, is_log=True),
    _pdf("pdf_normal_param_mismatch", "normal", {"sample": (2, 3), "mu": (2,), "sigma": (3,)}),
    _pdf("pdf_normal_sample_mismatch", "normal", _two("mu", "sigma", (3,), (2, 3))),
    _pdf("pdf_normal_sample_too_small", "normal", _two("mu", "sigma", (2, 3), (2,))),
    _pdf("pdf_dirichlet_mismatch", "dirichlet", {"sample": (2, 3), "alpha": (2, 4)}),
]
