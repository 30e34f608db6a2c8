"""linalg_* ops: forward, gradients and inferred shapes against MXNet 1.9.1.

Recorded with: MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_op_fixtures.py linalg
Decompositions and solves get well-conditioned inputs built from seeded data (`values`).
"""

import numpy as np


def _c(cid: str, op: str, inputs: dict, extra: dict | None = None, **kwargs) -> dict:
    """A case: `inputs` maps input names to shapes, kwargs are op params."""
    return {"id": cid, "op": op, "kwargs": {"name": "n", **kwargs}, "inputs": inputs,
            **(extra or {})}


def _spd(shape: tuple, seed: int) -> list:
    """Symmetric positive definite matrices: B B^T + n I."""
    b = np.random.RandomState(seed).uniform(-1, 1, size=shape)
    return (b @ np.swapaxes(b, -1, -2) + shape[-1] * np.eye(shape[-1])).tolist()


def _tri(shape: tuple, seed: int, lower: bool = True) -> list:
    """Triangular matrices with a dominant positive diagonal (random opposite triangle,
    which the ops must ignore)."""
    m = np.random.RandomState(seed).uniform(-1, 1, size=shape)
    m += 2 * np.eye(shape[-1])
    return m.tolist()


def _wc(shape: tuple, seed: int) -> list:
    """Well-conditioned general matrices: I + 0.3 R."""
    r = np.random.RandomState(seed).uniform(-1, 1, size=shape)
    return (np.eye(shape[-2], shape[-1]) + 0.3 * r).tolist()


_TOL = {"tol": {"rtol": 1e-3, "atol": 1e-4}}


def _v(**values) -> dict:
    return {"values": values, **_TOL}


_ABC = {"A": (2, 3), "B": (3, 4), "C": (2, 4)}
CASES = [
    _c("gemm_default", "linalg_gemm", _ABC),
    _c("gemm_nondefault", "linalg_gemm", {"A": (3, 2), "B": (4, 3), "C": (2, 4)}, transpose_a=True,
       transpose_b=True, alpha=2.5, beta=-0.5),
    _c("gemm_batch", "linalg_gemm", {"A": (2, 2, 3), "B": (2, 3, 4), "C": (2, 2, 4)},
       alpha=0.5),
    _c("gemm_axis", "linalg_gemm", {"A": (2, 5, 3), "B": (3, 5, 4), "C": (2, 5, 4)}, axis=-3),
    _c("gemm_axis0", "linalg_gemm", {"A": (2, 3, 5), "B": (5, 3, 4), "C": (2, 3, 4)}, axis=0),
    _c("gemm_axis0_mismatch", "linalg_gemm", {"A": (2, 3, 5), "B": (3, 4, 5), "C": (2, 4, 5)},
       axis=0),
    _c("gemm_bad_shape", "linalg_gemm", {"A": (2, 3), "B": (4, 4), "C": (2, 4)}),
    _c("gemm_bad_c", "linalg_gemm", {"A": (2, 3), "B": (3, 4), "C": (3, 4)}),
    _c("gemm_1d", "linalg_gemm", {"A": (3,), "B": (3,), "C": (3,)}),
    _c("gemm2_default", "linalg_gemm2", {"A": (2, 3), "B": (3, 4)}),
    _c("gemm2_ta", "linalg_gemm2", {"A": (3, 2), "B": (3, 4)}, transpose_a=True, alpha=-1.5),
    _c("gemm2_tb_batch", "linalg_gemm2", {"A": (2, 2, 2, 3), "B": (2, 2, 4, 3)},
       transpose_b=True),
    _c("gemm2_axis", "linalg_gemm2", {"A": (2, 4, 3), "B": (2, 3, 5)}, axis=1),
    _c("gemm2_axis0_t", "linalg_gemm2", {"A": (3, 2, 4), "B": (5, 2, 3)}, axis=0,
       transpose_a=True, transpose_b=True),
    _c("gemm2_axis0", "linalg_gemm2", {"A": (4, 2, 3), "B": (3, 2, 5)}, axis=0),
    _c("gemm2_axis_bad", "linalg_gemm2", {"A": (2, 4, 3), "B": (3, 4, 5)}, axis=1),
    _c("gemm2_bad", "linalg_gemm2", {"A": (2, 3), "B": (2, 4)}),
    _c("potrf_2d", "linalg_potrf", {"A": (3, 3)}, _v(A=_spd((3, 3), 1))),
    _c("potrf_batch", "linalg_potrf", {"A": (2, 4, 4)}, _v(A=_spd((2, 4, 4), 2))),
    # The upper triangle is not read (LAPACK), yet the gradient is symmetric.
    _c("potrf_upper_ignored", "linalg_potrf", {"A": (3, 3)},
       _v(A=(np.array(_spd((3, 3), 24)) + np.triu(np.ones((3, 3)), 1)).tolist())),
    _c("potrf_nonsquare", "linalg_potrf", {"A": (2, 3)}),
    _c("potri_2d", "linalg_potri", {"A": (3, 3)}, _v(A=_tri((3, 3), 3))),
    _c("potri_batch", "linalg_potri", {"A": (2, 3, 3)}, _v(A=_tri((2, 3, 3), 4))),
    _c("trmm_default", "linalg_trmm", {"A": (3, 3), "B": (3, 2)}, _v(A=_tri((3, 3), 5))),
    _c("trmm_all", "linalg_trmm", {"A": (2, 3, 3), "B": (2, 2, 3)},
       _v(A=_tri((2, 3, 3), 6)), transpose=True, rightside=True, lower=False, alpha=2.0),
    _c("trmm_upper", "linalg_trmm", {"A": (3, 3), "B": (3, 2)}, _v(A=_tri((3, 3), 7)),
       lower=False),
    _c("trmm_right", "linalg_trmm", {"A": (3, 3), "B": (2, 3)}, _v(A=_tri((3, 3), 8)),
       rightside=True, transpose=True),
    _c("trmm_bad", "linalg_trmm", {"A": (3, 3), "B": (2, 3)}),
    _c("trsm_default", "linalg_trsm", {"A": (3, 3), "B": (3, 2)}, _v(A=_tri((3, 3), 9))),
    _c("trsm_all", "linalg_trsm", {"A": (2, 3, 3), "B": (2, 2, 3)},
       _v(A=_tri((2, 3, 3), 10)), transpose=True, rightside=True, lower=False, alpha=-0.5),
    _c("trsm_upper_t", "linalg_trsm", {"A": (3, 3), "B": (3, 2)}, _v(A=_tri((3, 3), 11)),
       lower=False, transpose=True),
    _c("trsm_right", "linalg_trsm", {"A": (3, 3), "B": (2, 3)}, _v(A=_tri((3, 3), 12)),
       rightside=True),
    _c("syrk_default", "linalg_syrk", {"A": (2, 3)}),
    _c("syrk_t", "linalg_syrk", {"A": (2, 3, 2)}, transpose=True, alpha=1.5),
    _c("sumlogdiag", "linalg_sumlogdiag", {"A": (3, 3)}, _v(A=_spd((3, 3), 13))),
    _c("sumlogdiag_batch", "linalg_sumlogdiag", {"A": (2, 3, 3)}, _v(A=_spd((2, 3, 3), 14))),
    _c("sumlogdiag_nonsquare", "linalg_sumlogdiag", {"A": (2, 3)}),
    _c("extractdiag", "linalg_extractdiag", {"A": (3, 3)}),
    _c("extractdiag_off", "linalg_extractdiag", {"A": (2, 4, 4)}, offset=1),
    _c("extractdiag_neg", "linalg_extractdiag", {"A": (4, 4)}, offset=-2),
    _c("extractdiag_too_far", "linalg_extractdiag", {"A": (3, 3)}, offset=3),
    _c("makediag", "linalg_makediag", {"A": (3,)}),
    _c("makediag_off", "linalg_makediag", {"A": (2, 2)}, offset=1),
    _c("makediag_neg", "linalg_makediag", {"A": (3,)}, offset=-2),
    _c("extracttrian", "linalg_extracttrian", {"A": (3, 3)}),
    _c("extracttrian_upper", "linalg_extracttrian", {"A": (2, 3, 3)}, lower=False),
    _c("extracttrian_off", "linalg_extracttrian", {"A": (4, 4)}, offset=1),
    _c("extracttrian_neg", "linalg_extracttrian", {"A": (4, 4)}, offset=-1, lower=False),
    _c("maketrian", "linalg_maketrian", {"A": (6,)}),
    _c("maketrian_upper", "linalg_maketrian", {"A": (2, 3)}, lower=False),
    _c("maketrian_off", "linalg_maketrian", {"A": (3,)}, offset=1),
    _c("maketrian_neg", "linalg_maketrian", {"A": (3,)}, offset=-2),
    _c("maketrian_bad", "linalg_maketrian", {"A": (4,)}),
    _c("inverse", "linalg_inverse", {"A": (3, 3)}, _v(A=_wc((3, 3), 15))),
    _c("inverse_batch", "linalg_inverse", {"A": (2, 2, 3, 3)}, _v(A=_wc((2, 2, 3, 3), 16))),
    _c("inverse_nonsquare", "linalg_inverse", {"A": (2, 3)}),
    _c("det", "linalg_det", {"A": (3, 3)}, _v(A=_wc((3, 3), 17))),
    _c("det_batch", "linalg_det", {"A": (2, 3, 3)}, _v(A=_wc((2, 3, 3), 18))),
    _c("slogdet", "linalg_slogdet", {"A": (3, 3)}, _v(A=(-np.array(_wc((3, 3), 19))).tolist())),
    _c("slogdet_batch", "linalg_slogdet", {"A": (2, 3, 3)}, _v(A=_wc((2, 3, 3), 20))),
    _c("gelqf", "linalg_gelqf", {"A": (2, 3)}, _v(A=_wc((2, 3), 21))),
    _c("gelqf_batch", "linalg_gelqf", {"A": (2, 3, 4)}, _v(A=_wc((2, 3, 4), 22))),
    _c("gelqf_square", "linalg_gelqf", {"A": (3, 3)}, _v(A=_wc((3, 3), 23))),
    _c("gelqf_tall", "linalg_gelqf", {"A": (3, 2)}),
]
