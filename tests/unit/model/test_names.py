import pytest

from metastore.model import (
    DEFAULT_PARTITION_NAME, escape_path_name, make_partition_name, parse_partition_name,
    partition_values_from_name, unescape_path_name,
)


@pytest.mark.parametrize("raw, escaped", [
    ("plain-value_1.0", "plain-value_1.0"),
    ("a/b", "a%2Fb"),
    ("12:30", "12%3A30"),
    ("k=v", "k%3Dv"),
    ("100%", "100%25"),
    ("x#y?z*", "x%23y%3Fz%2A"),
    ("tab\there", "tab%09here"),
    ("[x]{y}^'\"\\", "%5Bx%5D%7By}%5E%27%22%5C"),  # Hive escapes { but not }
    ("with space", "with space"),  # Hive leaves spaces alone on Unix
    ("ünïcødé", "ünïcødé"),
])
def test_escape_matches_hive(raw, escaped):
    assert escape_path_name(raw) == escaped
    assert unescape_path_name(escaped) == raw


def test_unescape_leaves_invalid_sequences():
    assert unescape_path_name("50%zz") == "50%zz"
    assert unescape_path_name("trail%") == "trail%"


def test_make_and_parse_partition_name_round_trip():
    name = make_partition_name(["ds", "path"], ["2024-01-01", "a/b=c"])
    assert name == "ds=2024-01-01/path=a%2Fb%3Dc"
    assert parse_partition_name(name) == [("ds", "2024-01-01"), ("path", "a/b=c")]


def test_empty_value_is_default_partition():
    assert make_partition_name(["a"], [""]) == f"a={DEFAULT_PARTITION_NAME}"


def test_values_from_name_follows_key_order_and_checks_keys():
    assert partition_values_from_name(["a", "b"], "b=2/a=1") == ["1", "2"]
    with pytest.raises(ValueError):
        partition_values_from_name(["a", "b"], "a=1")
    with pytest.raises(ValueError):
        parse_partition_name("a=1/novalue")


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError):
        make_partition_name(["a", "b"], ["1"])


def test_normalize_partition_name_keeps_canonical_names_and_fixes_others():
    from metastore.model import normalize_partition_name as norm
    keys = ["ds", "hr"]
    assert norm(keys, "ds=2024-01-01/hr=3") == "ds=2024-01-01/hr=3"
    assert norm(keys, "hr=3/ds=2024-01-01") == "ds=2024-01-01/hr=3"  # key order
    assert norm(keys, "DS=2024-01-01/hr=3") == "ds=2024-01-01/hr=3"  # key case
    assert norm(["p"], "p=a%3Ab") == "p=a%3Ab"  # escaped stays escaped
    assert norm(["p"], "p=") == "p=__HIVE_DEFAULT_PARTITION__"
    import pytest
    for bad in ("ds=1", "ds=1/hr=2/x=3", "ds=1/xx=2", "nonsense"):
        with pytest.raises(ValueError):
            norm(keys, bad)
