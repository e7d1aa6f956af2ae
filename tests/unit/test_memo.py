from metastore.memo import BoundedMemo


def test_get_put_and_promotion():
    m = BoundedMemo(4)
    m.put("a", 1)
    m.put("b", 2)  # young full (capacity // 2 == 2) on the next put
    m.put("c", 3)  # a, b → old generation
    assert m.get("a") == 1  # promoted back to young
    m.put("d", 4)  # young (c, a) full → old = {c, a}; b dropped
    assert m.get("b") is None
    assert m.get("a") == 1 and m.get("c") == 3 and m.get("d") == 4
    assert len(m) <= 4


def test_bounded_under_many_keys():
    m = BoundedMemo(100)
    for i in range(10_000):
        m.put(i, i)
        assert len(m) <= 100
    assert m.get(9_999) == 9_999
    m.clear()
    assert len(m) == 0 and m.get(9_999) is None


def test_rejects_tiny_capacity():
    import pytest
    with pytest.raises(ValueError):
        BoundedMemo(1)


def test_weighted_capacity_bounds_the_total_weight():
    m = BoundedMemo(100, weigh=len)
    for i in range(200):
        m.put(i, tuple(range(10)))
        total = sum(len(v) for v in list(m._young.values()) + list(m._old.values()))
        assert total <= 100
    assert m.get(199) == tuple(range(10))
    # a value heavier than half the capacity is returned but not kept
    big = tuple(range(60))
    assert m.put("big", big) is big and m.get("big") is None
