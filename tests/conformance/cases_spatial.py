"""Spatial-transformer cases (format: tests/conformance/runner.py).

Grids given as `values` put the sampling points on pixel centres, on the last row and
column (whose right/bottom neighbours are outside) and past the border, where the
gradient of floor()-based interpolation depends on MXNet's conventions.
"""


def _c(cid: str, op: str, inputs: dict, **kwargs) -> dict:
    extra = {k: kwargs.pop(k) for k in ("values", "low", "high", "tol") if k in kwargs}
    kwargs.setdefault("name", "n")
    return {"id": cid, "op": op, "kwargs": kwargs, "inputs": inputs, **extra}


# A (1, 2, 3, 5) grid for 3x5 data: x = (g + 1) * 2 and y = g + 1 in pixels, so these
# are whole pixels (x 0..4, y 0..2), pixels past the border (x -1 and 5, y -1 and 3),
# half pixels and a point a hair inside the last column.
_X = [[-1.0, -0.5, 0.0, 0.5, 1.0], [-1.5, 1.5, 0.25, -0.75, 0.9999],
      [1.0, -1.0, 0.5, 0.75, -1.25]]
_Y = [[-1.0, -1.0, 0.0, 1.0, 1.0], [0.0, 0.0, -2.0, 2.0, 0.5],
      [1.0, 1.0, -0.5, 0.9999, 0.25]]
_GRID = [[_X, _Y], [[row[::-1] for row in _X], [row[::-1] for row in _Y]]]
_IDENTITY = [[1, 0, 0, 0, 1, 0], [1, 0, 0.5, 0, 1, -1]]  # the second shifts by whole pixels
_FLOW = [[[[1, 0, -1, 2], [0, 0, 1, -3], [4, 1, 0, 0]],
          [[0, 1, 0, -1], [2, 0, 0, 1], [-1, 0, -2, 3]]]]

CASES = [
    # GridGenerator
    _c("gg_affine", "GridGenerator", {"data": (2, 6)}, transform_type="affine",
       target_shape=(3, 4)),
    _c("gg_affine_strings", "GridGenerator", {"data": (3, 6)}, transform_type="affine",
       target_shape="(5, 2)", low=-2.0, high=2.0),
    _c("gg_affine_column", "GridGenerator", {"data": (1, 6)}, transform_type="affine",
       target_shape=(4, 1)),
    _c("gg_warp", "GridGenerator", {"data": (2, 2, 3, 4)}, transform_type="warp",
       low=-2.0, high=2.0),
    _c("gg_warp_integer", "GridGenerator", {"data": (1, 2, 3, 4)}, transform_type="warp",
       values={"data": _FLOW}),
    _c("gg_warp_target_ignored", "GridGenerator", {"data": (1, 2, 4, 3)},
       transform_type="warp", target_shape=(7, 7)),
    _c("gg_affine_no_target", "GridGenerator", {"data": (2, 6)}, transform_type="affine"),
    _c("gg_affine_bad_data", "GridGenerator", {"data": (2, 5)}, transform_type="affine",
       target_shape=(3, 4)),
    _c("gg_affine_3d_data", "GridGenerator", {"data": (2, 2, 3)}, transform_type="affine",
       target_shape=(3, 4)),
    _c("gg_warp_bad_flow", "GridGenerator", {"data": (2, 3, 4, 4)}, transform_type="warp"),
    _c("gg_unknown_type", "GridGenerator", {"data": (2, 6)}, transform_type="perspective",
       target_shape=(3, 4)),
    _c("gg_missing_type", "GridGenerator", {"data": (2, 6)}, target_shape=(3, 4)),
    # BilinearSampler
    _c("bs_random", "BilinearSampler", {"data": (2, 3, 4, 5), "grid": (2, 2, 3, 6)},
       low=-1.3, high=1.3),
    _c("bs_upsample", "BilinearSampler", {"data": (1, 2, 3, 3), "grid": (1, 2, 5, 7)}),
    _c("bs_integer_border", "BilinearSampler", {"data": (2, 2, 3, 5), "grid": (2, 2, 3, 5)},
       values={"grid": _GRID}),
    _c("bs_cudnn_off", "BilinearSampler", {"data": (1, 1, 4, 4), "grid": (1, 2, 2, 2)},
       cudnn_off=True),
    _c("bs_cudnn_off_string", "BilinearSampler", {"data": (1, 2, 3, 4), "grid": (1, 2, 3, 2)},
       cudnn_off="False", low=-2.0, high=2.0),
    _c("bs_grid_channels", "BilinearSampler", {"data": (2, 3, 4, 4), "grid": (2, 3, 3, 3)}),
    _c("bs_batch_mismatch", "BilinearSampler", {"data": (2, 3, 4, 4), "grid": (3, 2, 3, 3)}),
    _c("bs_data_3d", "BilinearSampler", {"data": (3, 4, 4), "grid": (3, 2, 3, 3)}),
    # SpatialTransformer
    _c("st_random", "SpatialTransformer", {"data": (2, 3, 5, 6), "loc": (2, 6)},
       target_shape=(4, 5), transform_type="affine", sampler_type="bilinear"),
    _c("st_identity_integer", "SpatialTransformer", {"data": (2, 2, 3, 5), "loc": (2, 6)},
       target_shape=(3, 5), transform_type="affine", sampler_type="bilinear",
       values={"loc": _IDENTITY}),
    _c("st_strings", "SpatialTransformer", {"data": (1, 2, 4, 4), "loc": (1, 6)},
       target_shape="(6, 3)", transform_type="affine", sampler_type="bilinear",
       cudnn_off="True", low=-1.5, high=1.5),
    _c("st_bad_loc", "SpatialTransformer", {"data": (2, 3, 5, 6), "loc": (2, 4)},
       target_shape=(4, 5), transform_type="affine", sampler_type="bilinear"),
    _c("st_no_target", "SpatialTransformer", {"data": (2, 3, 5, 6), "loc": (2, 6)},
       transform_type="affine", sampler_type="bilinear"),
    _c("st_missing_type", "SpatialTransformer", {"data": (2, 3, 5, 6), "loc": (2, 6)},
       target_shape=(4, 5), sampler_type="bilinear"),
    _c("st_unknown_sampler", "SpatialTransformer", {"data": (2, 3, 5, 6), "loc": (2, 6)},
       target_shape=(4, 5), transform_type="affine", sampler_type="nearest"),
]
