"""GridGenerator, BilinearSampler and SpatialTransformer against MXNet-recorded fixtures,
plus the shape inference and errors MXNet cannot record as op cases.

Fixtures: tests/data/ops/spatial.{npz,json}, written by
    MXNET_SUBGRAPH_BACKEND=NONE /tmp/mxref/bin/python tools/record_op_fixtures.py spatial
from the cases in tests/conformance/cases_spatial.py.
"""

import json

import numpy as np
import pytest
from conformance.cases_spatial import CASES
from conformance.check import check_case, load_fixture

import jaxsym as mx

META, ARRAYS = load_fixture("spatial")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_spatial_case(case):
    check_case(case, META, ARRAYS)


def _stn(**kwargs):
    data, loc = mx.sym.Variable("data"), mx.sym.Variable("loc")
    return mx.sym.SpatialTransformer(data, loc, target_shape=(4, 5), transform_type="affine",
                                     sampler_type="bilinear", name="st", **kwargs)


def test_spatial_transformer_does_not_infer_loc():
    # MXNet 1.9.1's SpatialTransformer leaves loc unknown: the full form returns Nones,
    # the partial form () for loc and the output.
    stn = _stn()
    with pytest.warns(UserWarning, match="loc"):
        assert stn.infer_shape(data=(2, 3, 5, 6)) == (None, None, None)
    assert stn.infer_shape_partial(data=(2, 3, 5, 6)) == ([(2, 3, 5, 6), ()], [()], [])


def test_localisation_net_gives_loc_shape():
    # The usual network: loc comes out of a FullyConnected on the data.
    data = mx.sym.Variable("data")
    loc = mx.sym.FullyConnected(mx.sym.Flatten(data), num_hidden=6, name="loc")
    stn = mx.sym.SpatialTransformer(data, loc, target_shape=(4, 5), transform_type="affine",
                                    sampler_type="bilinear", name="st")
    args, outs, _ = stn.infer_shape(data=(2, 3, 5, 6))
    assert outs == [(2, 3, 4, 5)]
    assert dict(zip(stn.list_arguments(), args))["loc_weight"] == (6, 90)


def test_sampler_partial_inference_like_mxnet():
    data, grid = mx.sym.Variable("data"), mx.sym.Variable("grid")
    bs = mx.sym.BilinearSampler(data, grid, name="bs")
    assert bs.infer_shape_partial(data=(2, 3, 5, 6)) == ([(2, 3, 5, 6), ()], [()], [])
    assert bs.infer_shape_partial(grid=(2, 2, 3, 3)) == ([(), (2, 2, 3, 3)], [()], [])
    # MXNet 1.9.1 raises here ("lshape.ndim() == 2U (-1 vs. 2)"); docs/migration.md.
    grid = mx.sym.GridGenerator(mx.sym.Variable("loc"), transform_type="affine",
                                target_shape=(3, 4), name="gg")
    bs = mx.sym.BilinearSampler(data, grid, name="bs")
    assert bs.infer_shape_partial(data=(2, 3, 5, 6)) == ([(2, 3, 5, 6), ()], [()], [])


def test_json_counts_hidden_outputs_and_round_trips():
    # MXNet's node_row_ptr: GridGenerator and BilinearSampler have 2 outputs (one
    # hidden), SpatialTransformer 3 (grid_dst and grid_src hidden).
    loc = mx.sym.Variable("loc")
    grid = mx.sym.GridGenerator(loc, transform_type="affine", target_shape=(3, 4), name="gg")
    bs = mx.sym.BilinearSampler(mx.sym.Variable("data"), grid, cudnn_off=True, name="bs")
    doc = json.loads(bs.tojson())
    assert doc["node_row_ptr"] == [0, 1, 2, 4, 6]
    assert doc["nodes"][2]["attrs"] == {"target_shape": "(3, 4)", "transform_type": "affine"}
    assert doc["nodes"][3]["attrs"] == {"cudnn_off": "True"}
    assert json.loads(mx.sym.load_json(bs.tojson()).tojson()) == doc
    assert json.loads(_stn().tojson())["node_row_ptr"] == [0, 1, 2, 5]
    assert bs.list_outputs() == ["bs_output"]


def test_grid_generator_feeds_sampler_like_mxnet_docs():
    # The example in MXNet's BilinearSampler documentation: zoom out twice.
    data = mx.nd.array([[[[1, 4, 3, 6], [1, 8, 8, 9], [0, 4, 1, 5], [1, 0, 1, 3]]]])
    grid = mx.nd.GridGenerator(mx.nd.array([[2, 0, 0, 0, 2, 0]]), transform_type="affine",
                               target_shape=(4, 4))
    out = mx.nd.BilinearSampler(data, grid).asnumpy()[0, 0]
    np.testing.assert_allclose(out, [[0, 0, 0, 0], [0, 3.5, 6.5, 0], [0, 1.25, 2.5, 0],
                                     [0, 0, 0, 0]], atol=1e-5)
    # And shift left by one pixel with a warp flow.
    flow = mx.nd.array(np.stack([np.ones((4, 4)), np.zeros((4, 4))])[None])
    out = mx.nd.BilinearSampler(data, mx.nd.GridGenerator(flow, transform_type="warp"))
    np.testing.assert_allclose(out.asnumpy()[0, 0], [[4, 3, 6, 0], [8, 8, 9, 0],
                                                     [4, 1, 5, 0], [0, 1, 3, 0]], atol=1e-5)


def test_wrong_loc_shape_names_node_op_and_shapes():
    with pytest.raises(mx.MXNetError, match=r"'st'.*SpatialTransformer.*loc.*\(2, 4\)"):
        _stn().infer_shape(data=(2, 3, 5, 6), loc=(2, 4))
    with pytest.raises(mx.MXNetError, match=r"'st'.*SpatialTransformer.*\(3, 6\).*"
                                            r"\(2, 3, 5, 6\)"):
        _stn().simple_bind(mx.cpu(), data=(2, 3, 5, 6), loc=(3, 6))


def test_bad_parameters_name_node_and_values():
    loc = mx.sym.Variable("loc")
    with pytest.raises(mx.MXNetError, match=r"gg.*transform_type.*'perspective'.*affine"):
        mx.sym.GridGenerator(loc, transform_type="perspective", name="gg")
    with pytest.raises(mx.MXNetError, match=r"'gg'.*GridGenerator.*target_shape=\(0, 0\)"):
        mx.sym.GridGenerator(loc, transform_type="affine", name="gg").infer_shape(loc=(2, 6))
    with pytest.raises(mx.MXNetError, match=r"st.*sampler_type.*'nearest'"):
        mx.sym.SpatialTransformer(mx.sym.Variable("data"), loc, transform_type="affine",
                                  sampler_type="nearest", target_shape=(2, 2), name="st")
    with pytest.raises(mx.MXNetError, match=r"'bs'.*BilinearSampler.*grid.*\(2, 3, 3, 3\)"):
        mx.sym.BilinearSampler(mx.sym.Variable("data"), loc, name="bs").infer_shape(
            data=(2, 3, 4, 4), loc=(2, 3, 3, 3))


def test_gradient_flows_through_a_whole_stn():
    # data -> FC -> SpatialTransformer: loc's gradient reaches the localisation weights.
    data = mx.sym.Variable("data")
    loc = mx.sym.FullyConnected(mx.sym.Flatten(data), num_hidden=6, name="loc")
    stn = mx.sym.SpatialTransformer(data, loc, target_shape=(3, 3), transform_type="affine",
                                    sampler_type="bilinear", name="st")
    ex = stn.simple_bind(mx.cpu(), data=(2, 1, 4, 4))
    rng = np.random.RandomState(0)
    for name, arr in ex.arg_dict.items():
        arr[:] = rng.uniform(-0.5, 0.5, arr.shape)
    ex.forward(is_train=True)
    ex.backward(mx.nd.ones((2, 1, 3, 3)))
    assert np.abs(ex.grad_dict["loc_weight"].asnumpy()).sum() > 0
