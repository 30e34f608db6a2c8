"""Symbols built through the public API, shared by MXNet and jaxsym.

Each case takes the `mx` module (real MXNet or jaxsym) and returns a Symbol. The
recorder (tools/record_json_fixtures.py) stores MXNet's `tojson()` of each under
tests/data/json/built/; tests/formats/test_json.py builds the same in jaxsym and
compares the text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def mlp(mx: Any) -> Any:
    data = mx.sym.Variable("data")
    fc1 = mx.sym.FullyConnected(data, num_hidden=16, name="fc1")
    act = mx.sym.Activation(fc1, act_type="relu", name="relu1")
    fc2 = mx.sym.FullyConnected(act, num_hidden=10, name="fc2")
    return mx.sym.SoftmaxOutput(fc2, name="softmax")


def conv_bn(mx: Any) -> Any:
    data = mx.sym.Variable("data")
    conv = mx.sym.Convolution(data, kernel=(3, 3), num_filter=4, pad=(1, 1), name="conv1")
    bn = mx.sym.BatchNorm(conv, fix_gamma=False, name="bn1")
    act = mx.sym.Activation(bn, act_type="relu")
    pool = mx.sym.Pooling(act, kernel=(2, 2), stride=(2, 2), pool_type="avg")
    flat = mx.sym.Flatten(pool)
    fc = mx.sym.FullyConnected(flat, num_hidden=3, name="fc")
    return mx.sym.SoftmaxOutput(fc, name="softmax")


def unnamed_defaults(mx: Any) -> Any:
    # Auto names and default params: only the parameters given are written.
    data = mx.sym.Variable("data")
    conv = mx.sym.Convolution(data, kernel=(3, 3), num_filter=2)
    bn = mx.sym.BatchNorm(conv)
    return mx.sym.FullyConnected(bn, num_hidden=5, no_bias=True)


def max_pool_dropout(mx: Any) -> Any:
    # Ops with invisible outputs (max pooling's workspace, Dropout's mask, LRN).
    data = mx.sym.Variable("data")
    pool = mx.sym.Pooling(data, kernel=(2, 2), pool_type="max")
    lrn = mx.sym.LRN(pool, nsize=3)
    return mx.sym.Dropout(lrn, p=0.25)


def variable_attrs(mx: Any) -> Any:
    a = mx.sym.Variable("a", shape=(2, 3), dtype="float16", lr_mult=2, wd_mult=0.5,
                        init=mx.init.Xavier())
    b = mx.sym.Variable("b", attr={"mood": "angry", "__extra__": "x"}, lr_mult=0.1)
    c = mx.sym.Variable("c", init=mx.init.Constant(0.5), shape=(3,))
    return mx.sym.broadcast_add(a * b, c)


def attr_scope(mx: Any) -> Any:
    data = mx.sym.Variable("data")
    with mx.AttrScope(ctx_group="dev1", lr_mult="0.5"):
        fc1 = mx.sym.FullyConnected(data, num_hidden=4, name="fc1")
        with mx.AttrScope(ctx_group="dev2", __note__="inner"):
            fc2 = mx.sym.FullyConnected(fc1, num_hidden=2, name="fc2",
                                        attr={"__wd_mult__": "0"})
    return fc2


def slice_channel(mx: Any) -> Any:
    data = mx.sym.Variable("data")
    parts = mx.sym.SliceChannel(data, num_outputs=3, axis=1, name="slice")
    total = parts[0] + parts[2]
    return mx.sym.Group([parts[1], total, parts[0]])


def group(mx: Any) -> Any:
    data = mx.sym.Variable("data")
    shared = mx.sym.FullyConnected(data, num_hidden=4, name="shared")
    head1 = mx.sym.Activation(shared, act_type="tanh", name="head1")
    head2 = mx.sym.FullyConnected(shared, num_hidden=2, name="head2")
    return mx.sym.Group([head2, head1, shared])


def internals(mx: Any) -> Any:
    return mlp(mx).get_internals()


def internals_subset(mx: Any) -> Any:
    inner = conv_bn(mx).get_internals()
    return mx.sym.Group([inner["bn1_output"], inner["fc_output"], inner["bn1_moving_mean"]])


def scalar_ops(mx: Any) -> Any:
    a = mx.sym.Variable("a")
    b = mx.sym.Variable("b")
    terms = [a * 2, -a, 2 - a, a ** 2, a / b, a + b, 1 / a, a % 3, a + 1.5, a - b,
             abs(a), 3 ** a, a > 0.5, a == b, 0.25 * a]
    return mx.sym.Group(terms)


def elementwise(mx: Any) -> Any:
    a = mx.sym.Variable("a")
    b = mx.sym.Variable("b")
    out = mx.sym.broadcast_mul(mx.sym.exp(a), mx.sym.sqrt(b))
    out = mx.sym.sum(out, axis=1, keepdims=True)
    return mx.sym.Reshape(mx.sym.transpose(out), shape=(-1,))


def shared_aux(mx: Any) -> Any:
    # Variable versions: each BatchNorm mutates the shared statistics.
    data = mx.sym.Variable("data")
    mean = mx.sym.Variable("mean")
    var = mx.sym.Variable("var")
    bn1 = mx.sym.BatchNorm(data, moving_mean=mean, moving_var=var, name="bn1")
    bn2 = mx.sym.BatchNorm(bn1, moving_mean=mean, moving_var=var, name="bn2")
    return bn2 + mean


def concat12(mx: Any) -> Any:
    # More than 10 inputs, arguments and heads: dmlc writes those arrays one per line.
    parts = [mx.sym.Variable(f"v{i}") for i in range(12)]
    cat = mx.sym.Concat(*parts, dim=1, name="cat")
    return mx.sym.Group([cat] + parts[:11])


def prefix_names(mx: Any) -> Any:
    data = mx.sym.Variable("data")
    with mx.name.Prefix("blk_"):
        fc = mx.sym.FullyConnected(data, num_hidden=3)
        act = mx.sym.Activation(fc, act_type="relu")
    return act


def odd_strings(mx: Any) -> Any:
    # dmlc escapes only quote, backslash, CR, LF and TAB; the rest is written raw.
    a = mx.sym.Variable('a"b\\c\nd\te\x01f/\u00e9\u4e2d',
                        attr={"__note__": "q\"\\\r\u00fc", "__z__": "", "__A__": "1"})
    return mx.sym.relu(a, name="r\u00e9lu")


CASES: dict[str, Callable[[Any], Any]] = {f.__name__: f for f in (
    mlp, conv_bn, unnamed_defaults, max_pool_dropout, variable_attrs, attr_scope,
    slice_channel, group, internals, internals_subset, scalar_ops, elementwise,
    shared_aux, concat12, prefix_names, odd_strings)}


def build(mx: Any, name: str) -> Any:
    """Build case `name` with fresh auto-name counters, as in a new process."""
    with mx.name.NameManager():
        return CASES[name](mx)
