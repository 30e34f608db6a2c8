"""User-level snippets run under real MXNet 1.9.1 and under jaxsym, compared value by value.

tools/record_core_semantics.py runs every snippet with `import mxnet as mx` and stores
what it returns in tests/data/core/core_semantics.json; the tests under tests/symbol,
tests/executor and tests/ndarray run the same functions with `import jaxsym as mx`.

A snippet is `f(mx) -> value` made of JSON-able data (see `show`). An expected error
is `raises(fn, *fragments)`: the recorded MXNet exception fixes the class jaxsym must
raise (MXNetError, or the same builtin such as ValueError), and jaxsym's message must
contain every fragment (the node, op and shapes MXNet's message names).
"""

from __future__ import annotations

import copy
import io
import json
import warnings
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import numpy as np

Snippet = Callable[[Any], Any]
SYMBOL: dict[str, Snippet] = {}
EXECUTOR: dict[str, Snippet] = {}
NDARRAY: dict[str, Snippet] = {}
MEMO: dict[str, Snippet] = {}
_KINDS = ("MXNetError", "ValueError", "TypeError", "IndexError", "KeyError",
          "AttributeError", "NotImplementedError", "DeprecationWarning", "RuntimeError")


def snippet(table: dict[str, Snippet]) -> Callable[[Snippet], Snippet]:
    def add(fn: Snippet) -> Snippet:
        table[fn.__name__] = fn
        return fn
    return add


# -- value conversion and comparison ---------------------------------------------------
def show(x: Any) -> Any:
    """A JSON-able view of x: NDArrays and numpy arrays become value/shape/dtype."""
    kind = type(x).__name__
    if hasattr(x, "asnumpy") and hasattr(x, "context"):
        arr = x.asnumpy()
        return {"nd": np.round(arr.astype(np.float64), 5).tolist(), "shape": list(arr.shape),
                "dtype": arr.dtype.name}
    if isinstance(x, np.ndarray):
        return {"np": np.round(x.astype(np.float64), 5).tolist(), "dtype": x.dtype.name}
    if isinstance(x, np.generic):
        return {"scalar": x.item(), "dtype": x.dtype.name}
    if isinstance(x, type) and issubclass(x, np.generic):
        return {"type": np.dtype(x).name}
    if isinstance(x, dict):
        return {str(k): show(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [show(v) for v in x]
    if kind in ("Symbol", "Context"):
        return repr(x) if kind == "Symbol" else str(x)
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    raise TypeError(f"cannot show {kind}")


def raises(fn: Callable[[], Any], *fragments: str) -> dict[str, Any]:
    """Run fn expecting an exception; returns its kind, message and the fragments."""
    try:
        fn()
    except Exception as err:  # noqa: BLE001 - the snippet records whatever is raised
        names = [c.__name__ for c in type(err).__mro__]
        return {"raised": names, "msg": str(err)[:400], "fragments": list(fragments)}
    return {"raised": None, "fragments": list(fragments)}


def error_kind(mro: list[str]) -> str:
    """The class a reimplementation must match: MXNetError or the nearest builtin."""
    if "MXNetError" in mro:
        return "MXNetError"
    return next(n for n in mro if n in _KINDS)


def compare(expected: Any, actual: Any, path: str = "$") -> None:
    """Assert actual (jaxsym) matches expected (recorded MXNet), floats to 1e-5."""
    if isinstance(expected, dict) and "raised" in expected:
        assert isinstance(actual, dict) and "raised" in actual, f"{path}: expected an error"
        assert actual["raised"] is not None, f"{path}: jaxsym raised nothing"
        kind = error_kind(expected["raised"])
        assert kind in actual["raised"], f"{path}: expected {kind}, got {actual['raised']}"
        for fragment in expected["fragments"]:
            assert fragment in actual["msg"], f"{path}: {fragment!r} not in {actual['msg']!r}"
        return
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected dict, got {actual!r}"
        assert set(expected) == set(actual), f"{path}: keys {sorted(expected)} != {sorted(actual)}"
        for key in expected:
            compare(expected[key], actual[key], f"{path}.{key}")
        return
    if isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), \
            f"{path}: {expected!r} != {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            compare(e, a, f"{path}[{i}]")
        return
    if isinstance(expected, float) and not isinstance(actual, bool):
        assert isinstance(actual, (int, float)) and np.isclose(actual, expected, rtol=1e-5,
                                                               atol=1e-6), \
            f"{path}: {actual!r} != {expected!r}"
        return
    assert actual == expected, f"{path}: {actual!r} != {expected!r}"


def run_snippet(mx: Any, fn: Snippet) -> Any:
    """Run one snippet in a fresh naming scope and seed; a snippet that fails as a
    whole is reported as `raises` would report it."""
    mx.random.seed(0)
    with mx.name.NameManager(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return show(fn(mx))
        except Exception:  # noqa: BLE001
            return raises(lambda: fn(mx))


def load_recorded(table: str) -> dict[str, Any]:
    """The MXNet values recorded by tools/record_core_semantics.py for one table."""
    path = Path(__file__).resolve().parents[1] / "data" / "core" / "core_semantics.json"
    return json.loads(path.read_text())[table]


def printed(fn: Callable[[], None]) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        fn()
    return out.getvalue()


def _net(mx: Any) -> Any:
    """fc1 (lr_mult 2) -> bn1 -> relu -> fc2 -> softmax."""
    data = mx.sym.Variable("data")
    fc1 = mx.sym.FullyConnected(data, num_hidden=8, name="fc1", attr={"__lr_mult__": "2"})
    bn1 = mx.sym.BatchNorm(fc1, name="bn1")
    act = mx.sym.Activation(bn1, act_type="relu", name="relu1")
    fc2 = mx.sym.FullyConnected(act, num_hidden=3, name="fc2")
    return mx.sym.SoftmaxOutput(fc2, name="softmax")


# -- Symbol: naming ----------------------------------------------------------------------
_EXPRS = {
    "a+b": lambda mx, a, b: a + b, "a-b": lambda mx, a, b: a - b,
    "a*b": lambda mx, a, b: a * b, "a/b": lambda mx, a, b: a / b,
    "a%b": lambda mx, a, b: a % b, "a**b": lambda mx, a, b: a ** b,
    "a+1": lambda mx, a, b: a + 1, "1+a": lambda mx, a, b: 1 + a,
    "a-1": lambda mx, a, b: a - 1, "2-a": lambda mx, a, b: 2 - a,
    "a*2": lambda mx, a, b: a * 2, "-a": lambda mx, a, b: -a,
    "a/2": lambda mx, a, b: a / 2, "2/a": lambda mx, a, b: 2 / a,
    "a%2": lambda mx, a, b: a % 2, "2%a": lambda mx, a, b: 2 % a,
    "a**2": lambda mx, a, b: a ** 2, "2**a": lambda mx, a, b: 2 ** a,
    "a==b": lambda mx, a, b: a == b, "a!=1": lambda mx, a, b: a != 1,
    "a>1": lambda mx, a, b: a > 1, "a>=b": lambda mx, a, b: a >= b,
    "a<1": lambda mx, a, b: a < 1, "a<=1": lambda mx, a, b: a <= 1,
    "1<a": lambda mx, a, b: 1 < a, "abs": lambda mx, a, b: abs(a),
    "fc": lambda mx, a, b: mx.sym.FullyConnected(a, num_hidden=2),
    "conv": lambda mx, a, b: mx.sym.Convolution(a, kernel=(3, 3), num_filter=2),
    "act": lambda mx, a, b: mx.sym.Activation(a, act_type="relu"),
    "bn": lambda mx, a, b: mx.sym.BatchNorm(a),
    "softmax_out": lambda mx, a, b: mx.sym.SoftmaxOutput(a),
    "sum": lambda mx, a, b: mx.sym.sum(a), "sum_method": lambda mx, a, b: a.sum(),
    "relu": lambda mx, a, b: mx.sym.relu(a), "flatten": lambda mx, a, b: mx.sym.Flatten(a),
    "flatten_lower": lambda mx, a, b: mx.sym.flatten(a),
    "reshape": lambda mx, a, b: a.reshape((1, -1)),
    "concat": lambda mx, a, b: mx.sym.Concat(a, b),
    "slicechannel": lambda mx, a, b: mx.sym.SliceChannel(a, num_outputs=2),
    "maximum": lambda mx, a, b: mx.sym.maximum(a, b),
    "maximum_scalar": lambda mx, a, b: mx.sym.maximum(a, 1),
    "elemwise_add": lambda mx, a, b: mx.sym.elemwise_add(a, b),
    "broadcast_add": lambda mx, a, b: mx.sym.broadcast_add(a, b),
    "dot": lambda mx, a, b: mx.sym.dot(a, b), "cast": lambda mx, a, b: a.astype("float16"),
    "makeloss": lambda mx, a, b: mx.sym.MakeLoss(a),
    "blockgrad": lambda mx, a, b: mx.sym.BlockGrad(a),
    "dropout": lambda mx, a, b: mx.sym.Dropout(a),
    "pooling": lambda mx, a, b: mx.sym.Pooling(a, kernel=(2, 2)),
    "embedding": lambda mx, a, b: mx.sym.Embedding(a, input_dim=3, output_dim=2),
}


@snippet(SYMBOL)
def auto_names(mx: Any) -> Any:
    """Every operator form's auto name, arguments and outputs, in one fresh scope."""
    out = {}
    with mx.name.NameManager():
        a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
        for key, build in _EXPRS.items():
            s = build(mx, a, b)
            out[key] = [s.name, s.list_arguments(), s.list_outputs(),
                        s.list_auxiliary_states()]
    return out


@snippet(SYMBOL)
def name_manager_scopes(mx: Any) -> Any:
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    with mx.name.NameManager():
        names = [(a + b).name]
        with mx.name.NameManager():
            names += [(a + b).name, (a + b).name]
        names.append((a + b).name)
        with mx.name.Prefix("blk_"):
            fc = mx.sym.FullyConnected(a, num_hidden=2)
            named = mx.sym.FullyConnected(a, num_hidden=2, name="fc")
            var = mx.sym.Variable("v")
        names += [fc.name, fc.list_arguments(), named.name, named.list_arguments(), var.name]
    return names


@snippet(SYMBOL)
def implicit_variable_attrs(mx: Any) -> Any:
    """Auto-created weight/bias/aux variables inherit the op's attributes."""
    x = mx.sym.Variable("x")
    fc = mx.sym.FullyConnected(x, num_hidden=8, name="fc1", attr={"__lr_mult__": "2"})
    bn = mx.sym.BatchNorm(fc, name="bn1", fix_gamma=False, attr={"__wd_mult__": "0"})
    plain = mx.sym.BatchNorm(x, name="bn2")
    sm = mx.sym.SoftmaxOutput(plain, name="sm")
    return [bn.attr_dict(), sm.attr_dict(), bn.list_arguments(), bn.list_auxiliary_states(),
            sm.list_inputs()]


@snippet(SYMBOL)
def user_given_aux_states(mx: Any) -> Any:
    x, mm, g = mx.sym.Variable("x"), mx.sym.Variable("mm"), mx.sym.Variable("g")
    mv = mx.sym.Variable("mv", init='["constant", {"value": 2}]')
    bn = mx.sym.BatchNorm(x, gamma=g, moving_mean=mm, moving_var=mv, name="bn")
    bn2 = mx.sym.BatchNorm(x, moving_mean=mm, name="bn2")
    return [bn.attr_dict(), mm.list_attr(), bn2.attr_dict(), bn.list_auxiliary_states(),
            raises(lambda: mx.sym.BatchNorm(x, moving_mean=x * 2, name="bn3"), "Variable")]


@snippet(SYMBOL)
def attr_scope(mx: Any) -> Any:
    x = mx.sym.Variable("x")
    with mx.AttrScope(ctx_group="dev1"):
        with mx.AttrScope(lr_mult="2", __foo__="bar"):
            fc = mx.sym.FullyConnected(x, num_hidden=4, name="fcA",
                                       attr={"__wd_mult__": "0", "lr_mult": "5"})
            v = mx.sym.Variable("v", attr={"wd_mult": "3"})
        with mx.AttrScope(ctx_group="dev2"):
            v2 = mx.sym.Variable("v2", attr={"__ctx_group__": "dev3"})
            v3 = mx.sym.Variable("v3")
    outside = mx.sym.Variable("v4")
    return [fc.attr_dict(), v.list_attr(), v2.list_attr(), v3.list_attr(), outside.list_attr(),
            raises(lambda: mx.AttrScope(x=1), "string")]


@snippet(SYMBOL)
def variable_kwargs(mx: Any) -> Any:
    w = mx.sym.Variable("w", shape=(2, 3), dtype="float16", lr_mult=2, wd_mult=0.5,
                        init='["zero", {}]', attr={"mood": "angry"}, __foo__="bar")
    return [w.list_attr(), w.attr("lr_mult"), w.attr("__lr_mult__"), w.attr("mood"),
            w.attr("foo"), w.attr("shape"), mx.sym.Variable("q", shape=[2, 3]).list_attr(),
            raises(lambda: mx.sym.Variable("w", foo=3), "foo", "double underscores"),
            raises(lambda: mx.sym.Variable(3)),
            raises(lambda: mx.sym.FullyConnected(w, num_hidden=3, attr={"foo": "1"}), "foo"),
            raises(lambda: mx.sym.FullyConnected(w, num_hidden=3, num_hiden=2), "num_hiden")]


@snippet(SYMBOL)
def list_attr_and_set_attr(mx: Any) -> Any:
    x = mx.sym.Variable("x")
    fc = mx.sym.FullyConnected(x, num_hidden=4, name="fc1")
    before = fc.list_attr()
    fc._set_attr(__foo__="bar", lr_mult="3", num_hidden="5")
    group = mx.sym.Group([x, fc])
    return [before, fc.list_attr(), fc.attr("foo"), fc.attr("lr_mult"), fc.attr("num_hidden"),
            fc.infer_shape(x=(2, 3))[1], group.list_attr(), group.attr("lr_mult"),
            raises(lambda: fc._set_attr(lr_mult=3), "string"),
            raises(lambda: fc._set_attr(foo="1"), "foo")]


@snippet(SYMBOL)
def groups_and_items(mx: Any) -> Any:
    x = mx.sym.Variable("x")
    sc = mx.sym.SliceChannel(x, num_outputs=3, name="sc")
    fc = mx.sym.FullyConnected(x, num_hidden=2, name="fc")
    g = mx.sym.Group([x, fc])
    return [[s.name for s in sc], sc.list_outputs(), sc[1].list_outputs(), sc["sc_output2"].name,
            len(sc), sc.name, repr(sc), repr(g), g.name, repr(mx.sym.Group([x])),
            mx.sym.Group([sc[0], sc[2]]).name, g[1:].list_outputs(), g[0:2:1].list_outputs(),
            list(g), len(g), g.list_arguments(), g.list_inputs(),
            raises(lambda: sc["nope"], "nope"), raises(lambda: sc[5]),
            raises(lambda: sc[-1], "nonnegative"), raises(lambda: sc[1.5])]


@snippet(SYMBOL)
def internals_and_children(mx: Any) -> Any:
    net = _net(mx)
    internals = net.get_internals()
    fc1 = internals["fc1_output"]
    y = mx.sym.Variable("y")
    return [internals.list_outputs(), fc1.name, fc1.list_arguments(),
            net.get_children().list_outputs(),
            net.get_children().get_children().list_outputs(), y.get_children(),
            mx.sym.SliceChannel(y, num_outputs=2, name="s").get_internals().list_outputs()]


@snippet(SYMBOL)
def compose(mx: Any) -> Any:
    x = mx.sym.Variable("x")
    fc = mx.sym.FullyConnected(x, num_hidden=4, name="fc1")
    net2 = mx.sym.FullyConnected(name="fc3", num_hidden=10)
    composed = net2(fc3_data=fc, name="composed")
    with mx.name.NameManager():
        y, z = mx.sym.Variable("y"), mx.sym.Variable("z")
        e = y * 2 + z
        e2 = e(y=x, z=fc, name="ee")
        e3 = e(z=x)
    return [net2.list_arguments(), composed.name, composed.list_arguments(), net2.name,
            e2.name, e2.list_arguments(), e3.name, e3.list_arguments(), e.list_arguments(),
            e2.infer_shape(x=(2, 4))[1],
            raises(lambda: e(q=x), "q"), raises(lambda: e(x, z=x)),
            raises(lambda: e(x)), raises(lambda: e(y=1))]


@snippet(SYMBOL)
def copies(mx: Any) -> Any:
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    with mx.name.NameManager():
        c = a + b
    c2, c3 = copy.copy(c), copy.deepcopy(c)
    return [c2.name, c2 is c, c2.list_arguments(), c3.name, c.__copy__().list_outputs(),
            repr(c)]


@snippet(SYMBOL)
def debug_strings(mx: Any) -> Any:
    x = mx.sym.Variable("x")
    fc = mx.sym.FullyConnected(x, num_hidden=4, name="fc1")
    act = mx.sym.Activation(fc, act_type="relu", name="relu1")
    out = mx.sym.SoftmaxOutput(act, name="sm")
    cv = mx.sym.Convolution(x, num_filter=2, kernel=(3, 3), pad=(1, 1), no_bias=True,
                            name="cv", attr={"__lr_mult__": "2", "__zz__": "1"})
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b", lr_mult=2)
    with mx.name.NameManager():
        g = mx.sym.Group([a + b, a * 2, -a])
    return [out.debug_str(), cv.debug_str(), g.debug_str()]


@snippet(SYMBOL)
def infer_shape_forms(mx: Any) -> Any:
    net = _net(mx)
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    x = mx.sym.Variable("x")
    fc = mx.sym.FullyConnected(x, num_hidden=4, name="fc1")
    w = mx.sym.Variable("w", shape=(3, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [net.infer_shape(data=(2, 5)), net.infer_shape(), net.infer_shape_partial(),
                fc.infer_shape(fc1_weight=(4, 3)), fc.infer_shape_partial(fc1_weight=(4, 3)),
                (a + b).infer_shape(a=(2, 3)), (a + b).infer_shape(a=(2, 0)),
                (a + b).infer_shape_partial(a=(2, 0))[0][0], (a + b).infer_shape_partial(),
                (w * 2).infer_shape(), mx.sym.Group([fc, x]).infer_shape(x=(5, 6)),
                net.infer_shape(bn1_moving_mean=(8,), data=(2, 5))[2],
                raises(lambda: (a + b).infer_shape(a=[2, 3]), "tuple"),
                raises(lambda: net.infer_shape(y=(2, 3)), "y")]


@snippet(SYMBOL)
def infer_shape_positional(mx: Any) -> Any:
    """MXNet 1.9.1's positional form is broken (an internal error), so only the error
    class is recorded here; the jaxsym test checks the documented result instead."""
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    return raises(lambda: (a + b).infer_shape((2, 3), (2, 3), (2, 3)))


@snippet(SYMBOL)
def infer_shape_errors(mx: Any) -> Any:
    x = mx.sym.Variable("x")
    fc = mx.sym.FullyConnected(x, num_hidden=4, name="fc1")
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    with mx.name.NameManager():
        add = a + b
    cv = mx.sym.Convolution(x, num_filter=2, kernel=(3, 3), name="cv")
    dot = mx.sym.dot(a, b, name="d")
    return [raises(lambda: fc.infer_shape(x=(2, 3), fc1_weight=(5, 3)), "fc1", "(5, 3)",
                   "(4, 3)"),
            raises(lambda: add.infer_shape(a=(2, 3), b=(3, 2)), "_plus0", "(2, 3)", "(3, 2)"),
            raises(lambda: cv.infer_shape(x=(1, 3, 8, 8), cv_weight=(2, 4, 3, 3)), "cv",
                   "(2, 4, 3, 3)", "(2, 3, 3, 3)"),
            raises(lambda: dot.infer_shape(a=(2, 3), b=(4, 5)), "d", "(2, 3)", "(4, 5)")]


@snippet(SYMBOL)
def infer_types(mx: Any) -> Any:
    net = _net(mx)
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    v = mx.sym.Variable("v", dtype="float16")
    with mx.name.NameManager():
        mixed = a + b
    return [net.infer_type(data="float32"), net.infer_type(),
            mx.sym.Cast(a, dtype="int32").infer_type(a="float16"),
            (mx.sym.Cast(a, dtype="int32") + b).infer_type(a="float16"),
            (v * 2).infer_type(), (a + b).infer_type(a=np.float64),
            raises(lambda: mixed.infer_type(a="float32", b="float16"), "_plus0", "float32",
                   "float16"),
            raises(lambda: (a + b).infer_type(c=np.float64), "c")]


@snippet(SYMBOL)
def list_attr_recursive(mx: Any) -> Any:
    """MXNet 1.9.1 raises DeprecationWarning as an exception (jaxsym warns instead)."""
    return [raises(lambda: _net(mx).list_attr(recursive=True)), _net(mx).attr_dict()]


@snippet(SYMBOL)
def gradient_api(mx: Any) -> Any:
    """1.9.1 has no Symbol.grad, and Symbol.gradient is not implemented."""
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    return [hasattr(a + b, "grad"), raises(lambda: (a + b).gradient(["a"]))]


# -- Executor ----------------------------------------------------------------------------
def _ab(mx: Any) -> tuple[Any, Any, Any]:
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    A = mx.nd.array([[1, 2], [3, 4]])
    B = mx.nd.array([[5, 6], [7, 8]])
    return a * b, A, B


@snippet(EXECUTOR)
def grad_req_add_and_null(mx: Any) -> Any:
    c, A, B = _ab(mx)
    ga, gb = mx.nd.ones((2, 2)), mx.nd.ones((2, 2)) * 7
    ex = c.bind(mx.cpu(), {"a": A, "b": B}, args_grad={"a": ga, "b": gb},
                grad_req={"a": "add", "b": "null"})
    ex.forward(is_train=True)
    ex.backward(mx.nd.ones((2, 2)))
    first = ga.asnumpy()
    ex.forward(is_train=True)
    ex.backward(mx.nd.ones((2, 2)) * 2)
    return [sorted(ex.grad_dict), first, ga, gb, ex.grad_dict["a"] is ga, ex.outputs,
            sorted(ex.output_dict), ex.arg_dict["a"] is A]


@snippet(EXECUTOR)
def bind_forms(mx: Any) -> Any:
    c, A, B = _ab(mx)
    ga = mx.nd.zeros((2, 2))
    ex = c.bind(mx.cpu(), [A, B], args_grad=[ga, None])
    ex.forward(is_train=True)
    ex.backward([mx.nd.ones((2, 2))])
    ex2 = c.bind(mx.cpu(), {"a": A, "b": B, "extra": B})
    ex2.forward()
    return [[g is None for g in ex.grad_arrays], sorted(ex.grad_dict), ga,
            ex2.outputs[0], ex.grad_dict["b"],
            c.bind(mx.cpu(), {"a": A, "b": B}, grad_req="write").forward()[0]]


@snippet(EXECUTOR)
def bind_errors(mx: Any) -> Any:
    c, A, B = _ab(mx)
    return [raises(lambda: c.bind(mx.cpu(), {"a": A}), "b", "missing"),
            raises(lambda: c.bind(mx.cpu(), [A]), "Length of args"),
            raises(lambda: c.bind(mx.cpu(), {"a": A, "b": mx.nd.ones((3, 3))}), "_mul",
                   "(2, 2)", "(3, 3)"),
            raises(lambda: c.bind(mx.cpu(), {"a": A, "b": 1.0})),
            raises(lambda: c.bind(mx.cpu(), {"a": A, "b": B}, grad_req="sometimes")),
            raises(lambda: c.bind("cpu", {"a": A, "b": B}))]


@snippet(EXECUTOR)
def forward_kwargs(mx: Any) -> Any:
    c, A, B = _ab(mx)
    ex = c.bind(mx.cpu(), {"a": A, "b": B})
    out = ex.forward(a=np.ones((2, 2), dtype=np.float32))
    first = out[0].asnumpy()
    ex.forward(b=mx.nd.ones((2, 2)))
    return [first, ex.outputs[0], A,
            raises(lambda: ex.forward(z=A), "z"),
            raises(lambda: ex.forward(a=mx.nd.ones((3, 3))), "a", "(2, 2)", "(3, 3)"),
            raises(lambda: ex.forward(a=[[1, 2], [3, 4]]))]


@snippet(EXECUTOR)
def backward_head_grads(mx: Any) -> Any:
    c, A, B = _ab(mx)
    ga, gb = mx.nd.zeros((2, 2)), mx.nd.zeros((2, 2))
    ex = c.bind(mx.cpu(), {"a": A, "b": B}, args_grad={"a": ga, "b": gb})
    ex.forward(is_train=True)
    missing = raises(lambda: ex.backward(), "head_gradient is required")
    ex.forward(is_train=True)
    ex.backward(mx.nd.ones((2, 2)) * 3)
    first = [ga.asnumpy(), gb.asnumpy()]
    ex.forward(is_train=True)
    ex.backward({c.list_outputs()[0]: mx.nd.ones((2, 2))})
    return [missing, first, ga, gb]


@snippet(EXECUTOR)
def backward_duplicated_outputs(mx: Any) -> Any:
    """An entry listed twice among a Group's outputs: MXNet keeps the last listing's head
    gradient only (its gradient pass assigns, rather than adds, per entry)."""
    x = mx.sym.Variable("x")
    y = x * 2
    parts = mx.sym.split(x, num_outputs=3, axis=0)
    grads = []
    for group, heads in (
            ([y, mx.sym.sin(x), y], [[1.0, 1.0, 1.0], [10.0, 10.0, 10.0], [100.0, 200.0, 300.0]]),
            ([parts[0], parts[1], parts[0]], [[1.0], [2.0], [5.0]]),
            ([x, x], [[1.0, 1.0, 1.0], [7.0, 7.0, 7.0]])):
        ex = mx.sym.Group(group).simple_bind(mx.cpu(), x=(3,))
        ex.arg_dict["x"][:] = mx.nd.array([1.0, 2.0, 3.0])
        ex.forward(is_train=True)
        ex.backward([mx.nd.array(h) for h in heads])
        grads.append(ex.grad_dict["x"])
    return grads


@snippet(EXECUTOR)
def loss_backward(mx: Any) -> Any:
    net = mx.sym.Variable("data")
    net = mx.sym.FullyConnected(net, name="fc", num_hidden=6)
    net = mx.sym.Activation(net, name="relu", act_type="relu")
    net = mx.sym.SoftmaxOutput(net, name="softmax")
    args = {"data": mx.nd.ones((1, 4)), "fc_weight": mx.nd.ones((6, 4)) * 0.1,
            "fc_bias": mx.nd.array((1, 4, 4, 4, 5, 6)), "softmax_label": mx.nd.ones((1,))}
    args_grad = {"fc_weight": mx.nd.zeros((6, 4)), "fc_bias": mx.nd.zeros((6,))}
    ex = net.bind(ctx=mx.cpu(), args=args, args_grad=args_grad, grad_req="write")
    out = ex.forward(is_train=True)[0].copy()
    ex.backward()
    return [out, ex.grad_dict["fc_weight"], ex.grad_dict["fc_bias"], sorted(ex.grad_dict),
            ex.grad_dict["data"] is None]


def _bn_case(mx: Any, grad_req: Any, is_train: bool, backward: bool, fix_gamma: bool = True,
             with_grads: bool = True) -> list[Any]:
    x = mx.sym.Variable("x")
    bn = mx.sym.BatchNorm(x, name="bn", fix_gamma=fix_gamma)
    data = np.random.RandomState(0).uniform(-1, 1, (4, 3)).astype("float32")
    args = {"x": mx.nd.array(data), "bn_gamma": mx.nd.ones(3) * 2, "bn_beta": mx.nd.zeros(3)}
    aux = {"bn_moving_mean": mx.nd.zeros(3), "bn_moving_var": mx.nd.ones(3)}
    grads = {k: mx.nd.ones(v.shape) * 9 for k, v in args.items()} if with_grads else None
    ex = bn.bind(mx.cpu(), args, args_grad=grads, grad_req=grad_req, aux_states=aux)
    ex.forward(is_train=is_train)
    mx.nd.waitall()
    after_forward = [args["bn_gamma"].asnumpy(), aux["bn_moving_mean"].asnumpy()]
    if backward:
        ex.backward(mx.nd.ones((4, 3)))
    mx.nd.waitall()
    return [after_forward, args["bn_gamma"], aux["bn_moving_mean"], aux["bn_moving_var"],
            None if grads is None else grads["bn_gamma"], ex.outputs[0]]


@snippet(EXECUTOR)
def batchnorm_fix_gamma_and_stats(mx: Any) -> Any:
    """When MXNet overwrites gamma with ones, and when moving statistics change."""
    null_gamma = {"x": "write", "bn_gamma": "null", "bn_beta": "write"}
    return {
        "write_train_backward": _bn_case(mx, "write", True, True),
        "write_train_no_backward": _bn_case(mx, "write", True, False),
        "write_inference": _bn_case(mx, "write", False, False),
        "all_null_train_backward": _bn_case(mx, "null", True, True),
        "gamma_null": _bn_case(mx, null_gamma, True, True),
        "gamma_add": _bn_case(mx, {"bn_gamma": "add"}, True, True),
        "x_only": _bn_case(mx, {"x": "write"}, True, True),
        "no_args_grad_train": _bn_case(mx, "write", True, False, with_grads=False),
        "no_fix_gamma": _bn_case(mx, "write", True, True, fix_gamma=False),
    }


@snippet(EXECUTOR)
def simple_bind_arrays(mx: Any) -> Any:
    net = _net(mx)
    ex = net.simple_bind(ctx=mx.cpu(), data=(4, 5))
    x = mx.sym.Variable("x")
    fc = mx.sym.FullyConnected(x, num_hidden=3, name="fc")
    e16 = fc.simple_bind(mx.cpu(), x=(4, 5), type_dict={"x": "float16"},
                         grad_req={"x": "null"})
    enull = fc.simple_bind(mx.cpu(), x=(4, 5), grad_req="null")
    return [[(k, v.shape, v.dtype) for k, v in ex.arg_dict.items()],
            [(k, v.shape) for k, v in ex.aux_dict.items()],
            sorted(ex.grad_dict), ex.arg_dict["fc1_weight"].asnumpy().sum(),
            [(k, v.dtype) for k, v in e16.arg_dict.items()],
            sorted(k for k, v in e16.grad_dict.items() if v is not None),
            enull.grad_arrays, ex.aux_dict["bn1_moving_var"],
            raises(lambda: fc.simple_bind(mx.cpu()), "x")]


@snippet(EXECUTOR)
def reshape_and_copy_params(mx: Any) -> Any:
    x = mx.sym.Variable("x")
    fc = mx.sym.FullyConnected(x, num_hidden=3, name="fc")
    e = fc.simple_bind(mx.cpu(), x=(4, 5))
    e.arg_dict["fc_weight"][:] = 3
    e2 = e.reshape(x=(2, 5))
    e2.arg_dict["fc_weight"][:] = 4
    e2.forward()
    e.copy_params_from({"fc_bias": mx.nd.ones((3,)) * 2, "zz": mx.nd.ones(1)},
                       allow_extra_params=True)
    return [e2.arg_dict["x"].shape, e.arg_dict["fc_weight"].asnumpy()[0, 0],
            e2.grad_dict["fc_weight"].shape, e2.outputs[0].shape, e.arg_dict["fc_bias"],
            e.reshape(allow_up_sizing=True, x=(8, 5)).arg_dict["x"].shape,
            e.reshape(partial_shaping=True, x=(4, 2)).arg_dict["fc_weight"].shape,
            raises(lambda: e.reshape(x=(8, 5)), "x", "larger"),
            raises(lambda: e.reshape(x=(4, 6)), "x"),
            raises(lambda: e.copy_params_from({"zz": mx.nd.ones(1)}), "zz")]


# -- NDArray -------------------------------------------------------------------------------
@snippet(NDARRAY)
def properties(mx: Any) -> Any:
    a = mx.nd.array([[1, 2, 3], [4, 5, 6]])
    return [repr(a), repr(mx.nd.arange(3)), repr(mx.nd.array([1, 2], dtype="int32")),
            repr(mx.nd.array(3.5)), a.dtype, str(a.context), a.size, a.ndim, a.shape,
            a.T.shape, mx.nd.zeros((2, 3, 4)).T.shape, mx.nd.zeros((3,)).T.shape, a.stype,
            len(a), [x.shape for x in a], a.asnumpy(),
            mx.nd.array([3.5]).asscalar(), raises(lambda: a.asscalar(), "scalar"),
            bool(mx.nd.array([0])), raises(lambda: bool(a), "ambiguous")]


@snippet(NDARRAY)
def creation(mx: Any) -> Any:
    return [mx.nd.array(np.ones(2)), mx.nd.array(np.ones(2, dtype=np.int32)),
            mx.nd.array(mx.nd.ones(2, dtype="int32")), mx.nd.array([1, 2], dtype="uint8"),
            mx.nd.array([[1, 2]]), mx.nd.ones((2,), dtype="int32"), mx.nd.zeros(3),
            mx.nd.ones(3, dtype=np.float16), mx.nd.full((2, 2), 7),
            [mx.nd.empty((2, 2)).shape, mx.nd.empty((2, 2)).dtype],
            mx.nd.arange(0, 5, 2, repeat=2), mx.nd.arange(5), mx.nd.arange(5, dtype="int32"),
            mx.nd.concat(mx.nd.ones((2, 2)), mx.nd.zeros((2, 1)), dim=1),
            mx.nd.concat(mx.nd.ones((2, 2)), mx.nd.zeros((1, 2)), dim=0).shape]


@snippet(NDARRAY)
def reshape_codes(mx: Any) -> Any:
    a = mx.nd.array([[1, 2, 3], [4, 5, 6]])
    z = mx.nd.zeros((2, 3, 4))
    two = [(3, 2), (-1,), (0, -1), (-2,), (-3,), (6, 1), (1, -1), (-1, 0)]
    three = [(0, -1), (-2, 1), (-3, -2), (2, -4, 1, 3, -2), (-4, -1, 1, -2), (0, -3)]
    return [[a.reshape(s).shape for s in two], [z.reshape(s).shape for s in three],
            a.reshape(3, 2).shape, a.reshape(shape=(3, 2)).shape,
            mx.nd.zeros((10, 5, 4)).reshape((-1, 0), reverse=True).shape,
            raises(lambda: a.reshape((4, 2)))]


def _set(mx: Any, key: Any, value: Any) -> Any:
    b = mx.nd.array([[1, 2, 3], [4, 5, 6]])
    b[key] = value
    return b


@snippet(NDARRAY)
def indexing(mx: Any) -> Any:
    a = mx.nd.array([[1, 2, 3], [4, 5, 6]])
    return [a[1], a[-1], a[0:1], a[:, ::2], a[1, 2], a[mx.nd.array([1, 0])],
            mx.nd.array([1, 2, 3])[1], raises(lambda: a[5]),
            _set(mx, 0, 7), _set(mx, (slice(None), 1), mx.nd.array([8, 9])),
            _set(mx, (slice(0, 1), slice(None, None, 2)), 5), _set(mx, slice(None), 3),
            _set(mx, mx.nd.array([1]), 0), _set(mx, (1, 2), -1),
            _set(mx, slice(None), np.arange(6).reshape(2, 3)),
            _set(mx, slice(None), mx.nd.array([1, 2, 3])),
            raises(lambda: _set(mx, slice(None), mx.nd.ones((3, 3))))]


@snippet(NDARRAY)
def views(mx: Any) -> Any:
    """Slices on the first axis and reshapes share the buffer; other keys copy."""
    out = []
    for key in (slice(0, 1), 1, slice(1, None)):
        b = mx.nd.array([[1, 2, 3], [4, 5, 6]])
        view = b[key]
        view[:] = 0
        out.append(b.asnumpy())
    b = mx.nd.array([[1, 2, 3], [4, 5, 6]])
    col = b[:, 1]
    col[:] = 0
    r = b.reshape((3, 2))
    r[:] = 1
    c = mx.nd.array([[1, 2, 3], [4, 5, 6]])
    tail = c[1:]
    tail += 1
    c[1][0:2][:] = 0
    v = mx.nd.array([1, 2, 3])
    item = v[1]
    item[:] = 9
    d = mx.nd.ones((2, 2))
    row = d[0]
    d[:] = 5
    return out + [b, c, v, row, isinstance(tail, mx.nd.NDArray)]


@snippet(NDARRAY)
def arithmetic(mx: Any) -> Any:
    a = mx.nd.array([[1, 2, 3], [4, 5, 6]])
    b = mx.nd.ones((2, 2))
    i0 = id(b)
    b += 1
    b *= mx.nd.ones((2, 2)) * 3
    b -= 1
    b /= 2
    ints = mx.nd.array([1, 2], dtype="int32")
    return [id(b) == i0, b, 2 - a, 2 / a, a ** 2, 2 ** a, a % 2, -a, a == 2, a > 2, a != a,
            a + mx.nd.array([1, 2, 3]), a + mx.nd.array([[1], [2]]), ints / 2, ints + 1.5,
            mx.nd.maximum(a, 3), mx.nd.maximum(2, a), mx.nd.minimum(a, mx.nd.array([3, 3, 3])),
            mx.nd.dot(a, a.T), mx.nd.sin(a).dtype, a.clip(2, 4), a.astype("int32"),
            a.astype("float32", copy=False) is a, a.astype("float32") is a,
            raises(lambda: a + mx.nd.ones((3, 2))),
            raises(lambda: mx.nd.elemwise_add(a, mx.nd.ones((3, 2))))]


@snippet(NDARRAY)
def copies_and_contexts(mx: Any) -> Any:
    a = mx.nd.ones((2, 2))
    b = a
    c = a.copy()
    d = mx.nd.zeros((2, 2))
    id_d = id(d)
    d[:] = a
    same_after_setitem = id(d) == id_d
    a.copyto(d)
    e = mx.nd.zeros((2, 2), dtype="int32")
    a.copyto(e)
    return [b is a, c is a, same_after_setitem, id(d) == id_d, e, a.copyto(mx.cpu(1)).context,
            str(mx.cpu(1)), str(mx.gpu(2)), mx.cpu() == mx.cpu(0),
            mx.nd.ones(2, ctx=mx.cpu(1)).context, a.wait_to_read(), mx.nd.waitall(),
            raises(lambda: a.copyto(mx.nd.zeros((3, 3)))),
            raises(lambda: mx.nd.ones((2,), ctx=mx.gpu(0)).asnumpy())]


@snippet(NDARRAY)
def random_draws(mx: Any) -> Any:
    mx.random.seed(42)
    u1 = mx.nd.random.uniform(shape=(2, 2)).asnumpy()
    n1 = mx.nd.random.normal(shape=(3,)).asnumpy()
    mx.random.seed(42)
    u2 = mx.nd.random.uniform(shape=(2, 2)).asnumpy()
    n2 = mx.nd.random.normal(shape=(3,)).asnumpy()
    u3 = mx.nd.random.uniform(-1, 1, shape=(1000,)).asnumpy()
    return [bool((u1 == u2).all()), bool((n1 == n2).all()),
            bool((u1 != u3[:4].reshape(2, 2)).any()),
            mx.nd.random.uniform(shape=(3,)).shape, mx.nd.random.normal(shape=5).shape,
            mx.nd.random.uniform().shape, mx.random.uniform(shape=(2,)).shape,
            mx.nd.random.uniform(-1, 1, shape=(2,)).dtype,
            bool(u3.min() >= -1 and u3.max() < 1 and u3.min() < -0.9)]


# -- the memo's snippets (seed/README.md rows) ------------------------------------------------
@snippet(MEMO)
def row3_composite(mx: Any) -> Any:
    with mx.name.NameManager():
        a = mx.sym.Variable("a")
        b = mx.sym.Variable("b")
        c = a + b
        return [type(c).__name__, c.name]


@snippet(MEMO)
def row4_shape_inference(mx: Any) -> Any:
    with mx.name.NameManager():
        a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
        c = a + b

        def body() -> None:
            arg_name = c.list_arguments()
            out_name = c.list_outputs()
            arg_shape, out_shape, aux_shape = c.infer_shape(a=(2, 3), b=(2, 3))
            print("inputs: %s" % (dict(zip(arg_name, arg_shape))))  # noqa: UP031 (memo)
            print("outputs: %s" % (dict(zip(out_name, out_shape))))  # noqa: UP031
            print(aux_shape)
        return printed(body)


@snippet(MEMO)
def row5_bind_evaluate(mx: Any) -> Any:
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    c = a + b

    def body() -> None:
        ex = c.bind(ctx=mx.cpu(), args={"a": mx.nd.ones([2, 3]), "b": mx.nd.ones([2, 3])})
        ex.forward()
        print("number of outputs = %d\nthe first output = \n%s" % (  # noqa: UP031 (memo)
            len(ex.outputs), ex.outputs[0].asnumpy()))
    return printed(body)


@snippet(MEMO)
def row7_grad(mx: Any) -> Any:
    """MXNet 1.9.1 has no Symbol.grad (AttributeError); see tests/test_memo.py."""
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    c = a + b
    return raises(lambda: c.grad(wrt=("a")))


@snippet(MEMO)
def row8_copies(mx: Any) -> Any:
    ids = []
    a = mx.nd.ones((2, 2))
    b = a
    same = b is a
    ids.append(id(a) == id(b))
    b = a.copy()
    copied = b is not a and bool((b.asnumpy() == a.asnumpy()).all())
    b = mx.nd.ones(a.shape)
    before = id(b)
    b[:] = a
    ids.append(id(b) == before)
    a.copyto(b)
    ids.append(id(b) == before)
    return [same, copied, ids]


@snippet(MEMO)
def row9_basic_operations(mx: Any) -> Any:
    def body() -> None:
        a = mx.nd.ones((2, 3))
        b = mx.nd.ones((2, 3))
        c = a + b
        d = - c
        print(d.asnumpy())
        e = mx.nd.sin(c**2).T
        print(e.asnumpy())
        f = mx.nd.maximum(a, c)
        print(f.asnumpy())
        a = mx.nd.ones((2, 2))
        b = a * a
        c = mx.nd.dot(a, a)
        print(b.asnumpy())
        print(c.asnumpy())
    return printed(body)


def _three_input_net(mx: Any) -> Any:
    branches = []
    for i in (1, 2, 3):
        data = mx.sym.Variable(f"input{i}")
        branches.append(mx.sym.Convolution(data, kernel=(3, 3), num_filter=4, pad=(1, 1),
                                           name=f"conv{i}"))
    net = mx.sym.Concat(*branches, dim=1, name="concat")
    net = mx.sym.Pooling(net, kernel=(2, 2), stride=(2, 2), pool_type="max", name="pool")
    net = mx.sym.FullyConnected(net, num_hidden=10, name="fc")
    return mx.sym.SoftmaxOutput(net, name="softmax")


@snippet(MEMO)
def row10_16_intermediate_outputs(mx: Any) -> Any:
    net = _three_input_net(mx)
    arg_shape, output_shape, aux_shape = net.infer_shape(
        input1=(8, 3, 32, 32), input2=(8, 3, 32, 32), input3=(8, 3, 32, 32))
    pool = net.get_internals()["pool_output"]
    return [arg_shape, output_shape, aux_shape, net.get_internals().list_outputs(),
            pool.list_outputs(), pool.list_arguments(),
            pool.infer_shape(input1=(8, 3, 32, 32), input2=(8, 3, 32, 32),
                             input3=(8, 3, 32, 32))[1]]


@snippet(MEMO)
def row17_attributes(mx: Any) -> Any:
    """The memo's list_attr(recursive=True): 1.9.1 raises, so MXNet's answer is taken
    from attr_dict, which the old recursive listing flattened as `name$key`."""
    data = mx.sym.Variable("data")
    fc = mx.sym.FullyConnected(data, num_hidden=4, name="fc1", attr={"__lr_mult__": "0.1"})
    w = mx.sym.Variable("fc2_weight", lr_mult=0)
    net = mx.sym.FullyConnected(fc, weight=w, num_hidden=2, name="fc2")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            listed = net.list_attr(recursive=True)
        warned = [w.category.__name__ for w in caught]
    except DeprecationWarning:
        listed = {f"{n}${k}": v for n, attrs in net.attr_dict().items()
                  for k, v in attrs.items()}
        warned = ["DeprecationWarning"]
    return [listed, warned]


@snippet(MEMO)
def row21_parameter_shapes(mx: Any) -> Any:
    data = mx.sym.Variable("data")
    net = mx.sym.FullyConnected(data, num_hidden=16, name="fc1")
    net = mx.sym.Activation(net, act_type="relu", name="relu1")
    net = mx.sym.FullyConnected(net, num_hidden=3, name="fc2")
    net = mx.sym.SoftmaxOutput(net, name="softmax")
    batch_size, num_features = 32, 10

    def body() -> None:
        ex = net.simple_bind(ctx=mx.cpu(), data=(batch_size, num_features))
        args = dict(zip(net.list_arguments(), ex.arg_arrays))
        for name in args:
            print(name, args[name].shape)
    return printed(body)
