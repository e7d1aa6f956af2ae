import pytest

from metastore.service import hive_pattern, _match


@pytest.mark.parametrize("pattern, names, expected", [
    (None, ["a", "b"], ["a", "b"]),
    ("*", ["a", "b"], ["a", "b"]),
    ("sales*", ["sales", "sales_2024", "presales"], ["sales", "sales_2024"]),
    ("*_raw|dim_*", ["x_raw", "dim_a", "fact"], ["x_raw", "dim_a"]),
    ("SALES", ["sales"], ["sales"]),
    ("a.b", ["a.b", "axb", "ab"], ["a.b", "axb"]),  # the rest is a regex, as in Hive
    (".*s", ["sales", "items", "sx"], ["sales", "items"]),
    ("bad(", ["bad(", "bad"], ["bad("]),  # not a valid regex: literal
    ("t_1", ["t_1", "tx1"], ["t_1"]),
])
def test_hive_patterns(pattern, names, expected):
    assert _match(names, pattern) == expected


def test_empty_pattern_matches_everything():
    assert hive_pattern("") is None
