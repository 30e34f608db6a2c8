"""graph/: node order and naming scopes (pure Python, no jax)."""

import sys

from jaxsym.graph import naming
from jaxsym.graph.node import Node, topological_order


def test_topological_order_is_post_order_left_to_right():
    a, b, c = Node(None, "a"), Node(None, "b"), Node(None, "c")
    ab = Node("elemwise_add", "ab", inputs=[(a, 0), (b, 0)])
    top = Node("elemwise_mul", "top", inputs=[(c, 0), (ab, 0), (a, 0)])
    assert [n.name for n in topological_order([(top, 0)])] == ["c", "a", "b", "ab", "top"]


def test_deep_chain_does_not_recurse():
    node = Node(None, "x")
    for i in range(sys.getrecursionlimit() + 100):
        node = Node("relu", f"r{i}", inputs=[(node, 0)])
    assert len(topological_order([(node, 0)])) == sys.getrecursionlimit() + 101


def test_name_manager_scopes_and_hidden_keys():
    with naming.NameManager() as outer:
        assert outer.get(None, "_plus") == "_plus0"
        with naming.NameManager():
            assert naming.current().get(None, "_plus") == "_plus0"
        assert naming.current().get(None, "_plus") == "_plus1"
        assert naming.current().get("given", "_plus") == "given"
    with naming.Prefix("p_"):
        assert naming.current().get("fc", "fc") == "p_fc"
    assert naming.hidden_key("lr_mult") == "__lr_mult__"
    assert naming.hidden_key("mood") == "mood"
    with naming.AttrScope(a="1"), naming.AttrScope(b="2"):
        assert naming.current_attr_scope().get({"a": "3"}) == {"a": "3", "b": "2"}
    assert naming.current_attr_scope().get(None) == {}
