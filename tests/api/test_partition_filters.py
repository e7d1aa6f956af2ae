"""get_partitions_by_filter: Hive's filter language with typed comparisons.

The filter strings include the exact forms Spark's HiveShim.convertFilters sends: IN as
`(k = a or k = b)`, NOT IN as `(k != a and k != b)`, big IN sets as `(k >= lo and k <= hi)`,
dates unquoted (`dt = 2019-01-01`), and StartsWith/EndsWith/Contains as JDO-style
`like "x.*"`, `like ".*x"`, `like ".*x.*"`.
"""
from __future__ import annotations

import pytest
from hive_metastore import ttypes as tt

from tests.api.helpers import database, names_of, partition, table

DAYS = ("2024-01-01", "2024-01-02")
HOURS = (1, 9, 10, 23)
REGIONS = ("us-east", "us-west", "eu-west")
ALL = [(d, h, r) for d in DAYS for h in HOURS for r in REGIONS]

DATES = ("2023-12-31", "2024-01-01", "2024-01-15", "2024-02-01", "2024-10-01")


@pytest.fixture
def sales(hms):
    """app.sales partitioned by (ds string, hr int, region string): 2 x 4 x 3 partitions."""
    hms.create_database(database("app"))
    hms.create_table(table("app", "sales", partition_keys=[("ds", "string"), ("hr", "int"), ("region", "string")]))
    t = hms.get_table("app", "sales")
    assert hms.add_partitions([partition(t, [d, str(h), r]) for d, h, r in ALL]) == len(ALL)
    return hms


@pytest.fixture
def dated(hms):
    """app.daily partitioned by (dt date)."""
    hms.create_database(database("app"))
    hms.create_table(table("app", "daily", partition_keys=[("dt", "date")]))
    t = hms.get_table("app", "daily")
    hms.add_partitions([partition(t, [d]) for d in DATES])
    return hms


def _sales(hms, flt, max_parts=-1):
    return sorted((d, int(h), r) for d, h, r in names_of(hms.get_partitions_by_filter("app", "sales", flt, max_parts)))


def _check_sales(hms, cases):
    """Every (filter, predicate) case must select exactly the partitions the predicate accepts."""
    wrong = []
    for flt, pred in cases:
        want = sorted(p for p in ALL if pred(*p))
        got = _sales(hms, flt)
        if got != want:
            wrong.append(f"{flt!r}: got {got}, want {want}")
    assert not wrong, "\n".join(wrong)


# --- integer keys compare as numbers ------------------------------------------------------
def test_integer_key_compares_numerically(sales):
    got = _sales(sales, "hr > 9")
    assert {h for _, h, _ in got} == {10, 23}
    assert len(got) == 12
    assert not any(h == 9 for _, h, _ in got)
    # string order would put "10" and "23" below "9"
    assert {h for _, h, _ in _sales(sales, "hr < 10")} == {1, 9}
    assert {h for _, h, _ in _sales(sales, "hr between 2 and 10")} == {9, 10}


def test_integer_comparisons(sales):
    _check_sales(sales, [
        ("hr = 10", lambda d, h, r: h == 10),
        ("hr = 09", lambda d, h, r: h == 9),
        ("hr != 9", lambda d, h, r: h != 9),
        ("hr <> 9", lambda d, h, r: h != 9),
        ("hr < 10", lambda d, h, r: h < 10),
        ("hr <= 9", lambda d, h, r: h <= 9),
        ("hr > 9", lambda d, h, r: h > 9),
        ("hr >= 9", lambda d, h, r: h >= 9),
        ("hr > -1", lambda d, h, r: True),
        ("hr > 100", lambda d, h, r: False),
        ("hr between 2 and 10", lambda d, h, r: 2 <= h <= 10),
        ("hr not between 2 and 10", lambda d, h, r: not 2 <= h <= 10),
        ("hr in (1, 23)", lambda d, h, r: h in (1, 23)),
        ("hr not in (1, 23)", lambda d, h, r: h not in (1, 23)),
        # Spark: IN / NOT IN / large InSet
        ("(hr = 1 or hr = 23)", lambda d, h, r: h in (1, 23)),
        ("(hr != 1 and hr != 23)", lambda d, h, r: h not in (1, 23)),
        ("(hr >= 1 and hr <= 9)", lambda d, h, r: 1 <= h <= 9),
        # literal first (Spark: `1 = intcol`)
        ("9 < hr", lambda d, h, r: h > 9),
        ("10 = hr", lambda d, h, r: h == 10),
        ("23 <= hr", lambda d, h, r: h >= 23),
        ("10 != hr", lambda d, h, r: h != 10),
    ])


def test_string_comparisons(sales):
    _check_sales(sales, [
        ('region = "us-east"', lambda d, h, r: r == "us-east"),
        ("region = 'us-east'", lambda d, h, r: r == "us-east"),
        ('region != "us-east"', lambda d, h, r: r != "us-east"),
        ("region <> 'us-east'", lambda d, h, r: r != "us-east"),
        ('region > "us-east"', lambda d, h, r: r > "us-east"),
        ('region < "us"', lambda d, h, r: r < "us"),
        ('region >= "us-east"', lambda d, h, r: r >= "us-east"),
        ('region <= "eu-west"', lambda d, h, r: r <= "eu-west"),
        ('ds >= "2024-01-02"', lambda d, h, r: d >= "2024-01-02"),
        ('ds = "2024-01-03"', lambda d, h, r: False),
        ('"us-west" = region', lambda d, h, r: r == "us-west"),
        ('"2024-01-02" > ds', lambda d, h, r: d < "2024-01-02"),
        ("region in ('us-east', 'eu-west')", lambda d, h, r: r in ("us-east", "eu-west")),
        ("region not in ('us-east', 'eu-west')", lambda d, h, r: r not in ("us-east", "eu-west")),
        ('ds between "2024-01-01" and "2024-01-01"', lambda d, h, r: d == "2024-01-01"),
        # Spark: string IN / NOT IN / large InSet
        ('(region = "us-east" or region = "eu-west")', lambda d, h, r: r in ("us-east", "eu-west")),
        ('(region != "us-east" and region != "eu-west")', lambda d, h, r: r == "us-west"),
        ('(region >= "eu" and region <= "us-east")', lambda d, h, r: "eu" <= r <= "us-east"),
        # values are case-sensitive
        ('region = "US-EAST"', lambda d, h, r: False),
    ])


def test_boolean_logic(sales):
    _check_sales(sales, [
        ('ds = "2024-01-01" and hr > 9', lambda d, h, r: d == "2024-01-01" and h > 9),
        ('(region = "us-east" or region = "eu-west") and hr > 9 and ds = "2024-01-02"',
         lambda d, h, r: r in ("us-east", "eu-west") and h > 9 and d == "2024-01-02"),
        ('region = "us-east" or hr = 1', lambda d, h, r: r == "us-east" or h == 1),
        ('region = "us-east" or hr = 1 and ds = "2024-01-02"',
         lambda d, h, r: r == "us-east" or (h == 1 and d == "2024-01-02")),
        ('(region = "us-east" or hr = 1) and ds = "2024-01-02"',
         lambda d, h, r: (r == "us-east" or h == 1) and d == "2024-01-02"),
        ("not (hr > 9)", lambda d, h, r: not h > 9),
        ('not region = "us-east"', lambda d, h, r: r != "us-east"),
        ('not (region = "us-east" or region = "us-west") and hr = 1',
         lambda d, h, r: r not in ("us-east", "us-west") and h == 1),
        ('((ds = "2024-01-01"))', lambda d, h, r: d == "2024-01-01"),
        ("HR > 9 AND Region = 'us-west'", lambda d, h, r: h > 9 and r == "us-west"),
        ('(ds = "2024-01-01" and hr = 1) or (ds = "2024-01-02" and hr = 23)',
         lambda d, h, r: (d, h) in (("2024-01-01", 1), ("2024-01-02", 23))),
    ])


def test_like_patterns_spark_sends(sales):
    _check_sales(sales, [
        ('region like "us.*"', lambda d, h, r: r.startswith("us")),  # StartsWith
        ('region like ".*west"', lambda d, h, r: r.endswith("west")),  # EndsWith
        ('region like ".*s-e.*"', lambda d, h, r: "s-e" in r),  # Contains
        ('ds like "2024-01-0.*"', lambda d, h, r: True),
        ('region like "us-east"', lambda d, h, r: r == "us-east"),
        ('region like "u.-east"', lambda d, h, r: r == "us-east"),
        ('region LIKE "US.*"', lambda d, h, r: False),  # case-sensitive
        # Hive matches JDO-style: `.*` is the wildcard, `%` stands for itself
        ('region like "us%"', lambda d, h, r: False),
        ('region like ".*west" and hr > 9', lambda d, h, r: r.endswith("west") and h > 9),
    ])


def test_values_with_quotes_as_spark_quotes_them(hms):
    """Spark wraps a value in double quotes, or in single quotes when it contains one."""
    hms.create_database(database("app"))
    hms.create_table(table("app", "q", partition_keys=[("k", "string")]))
    t = hms.get_table("app", "q")
    values = ['p1" and q="q1', "it's", "plain", r"back\slash"]
    hms.add_partitions([partition(t, [v]) for v in values])
    for flt, want in [
        ("""k = 'p1" and q="q1'""", ['p1" and q="q1']),
        ('''k = "it's"''', ["it's"]),
        ('''k != "it's"''', sorted(v for v in values if v != "it's")),
        ('k = "back\\slash"', [r"back\slash"]),
        ("""(k = "plain" or k = "it's")""", ["it's", "plain"]),
    ]:
        got = sorted(p.values[0] for p in hms.get_partitions_by_filter("app", "q", flt, -1))
        assert got == want, flt


def test_empty_filter_returns_everything(sales):
    assert len(_sales(sales, "")) == len(ALL)
    assert _sales(sales, "") == sorted(ALL)


def test_filter_with_max_parts_returns_the_first_by_name(sales):
    got = names_of(sales.get_partitions_by_filter("app", "sales", "hr > 9", 2))
    assert got == [("2024-01-01", "10", "eu-west"), ("2024-01-01", "10", "us-east")]


def test_count_partitions_by_filter(sales):
    assert sales.get_num_partitions_by_filter("app", "sales", "hr > 9") == 12
    assert sales.get_num_partitions_by_filter("app", "sales", 'region like "us.*" and hr = 1') == 4
    assert sales.get_num_partitions_by_filter("app", "sales", "") == len(ALL)


# --- date keys ----------------------------------------------------------------------------
def test_date_key_filters(dated):
    cases = [
        # Spark's forms: unquoted dates
        ("dt = 2024-01-01", lambda d: d == "2024-01-01"),
        ("2024-01-15 <= dt", lambda d: d >= "2024-01-15"),
        ("dt < 2024-01-01", lambda d: d < "2024-01-01"),
        ("dt != 2024-01-01", lambda d: d != "2024-01-01"),
        ("(dt = 2024-01-01 or dt = 2024-02-01)", lambda d: d in ("2024-01-01", "2024-02-01")),
        ("(dt != 2024-01-01 and dt != 2024-02-01)", lambda d: d not in ("2024-01-01", "2024-02-01")),
        ("(dt >= 2024-01-01 and dt <= 2024-01-31)", lambda d: "2024-01-01" <= d <= "2024-01-31"),
        ("dt between 2024-01-01 and 2024-01-31", lambda d: "2024-01-01" <= d <= "2024-01-31"),
        # Hive's DATE '...' literal and plain strings
        ("dt = date '2024-01-01'", lambda d: d == "2024-01-01"),
        ("dt > DATE '2024-01-01'", lambda d: d > "2024-01-01"),
        ("date '2024-02-01' > dt", lambda d: d < "2024-02-01"),
        ("dt >= '2024-01-15'", lambda d: d >= "2024-01-15"),
        ("dt between '2024-01-01' and '2024-01-31'", lambda d: "2024-01-01" <= d <= "2024-01-31"),
        ("dt in ('2024-01-01', '2024-10-01')", lambda d: d in ("2024-01-01", "2024-10-01")),
        ('dt like "2024-01.*"', lambda d: d.startswith("2024-01")),
        ("dt > date '2024-01-15' and dt < 2024-12-31", lambda d: "2024-01-15" < d < "2024-12-31"),
    ]
    wrong = []
    for flt, pred in cases:
        want = [(d,) for d in DATES if pred(d)]
        got = sorted(names_of(dated.get_partitions_by_filter("app", "daily", flt, -1)))
        if got != want:
            wrong.append(f"{flt!r}: got {got}, want {want}")
    assert not wrong, "\n".join(wrong)


# --- errors -------------------------------------------------------------------------------
def test_filter_on_non_partition_column_is_meta_exception(sales):
    with pytest.raises(tt.MetaException) as ei:
        sales.get_partitions_by_filter("app", "sales", "id = 1", -1)
    assert "id" in ei.value.message
    assert "is not a partitioning key" in ei.value.message
    with pytest.raises(tt.MetaException):
        sales.get_partitions_by_filter("app", "sales", 'ds = "2024-01-01" and name = "x"', -1)
    with pytest.raises(tt.MetaException):
        sales.get_num_partitions_by_filter("app", "sales", "id = 1")


@pytest.mark.parametrize("flt, problem", [
    ("hr >", "expected a literal"),
    ("ds = '2024", "unterminated string literal"),
    ("(hr = 1", "unclosed '('"),
    ("hr = 1)", "unmatched ')'"),
    ("hr ~ 1", "unexpected character '~'"),
    ("hr = 1 and", "expected a condition"),
    ("hr = 1 hr = 2", "expected AND, OR or the end of the filter"),
    ("dt = 2024-02-30", "invalid date literal '2024-02-30'"),
])
def test_unparseable_filter_is_meta_exception_naming_the_problem(sales, flt, problem):
    with pytest.raises(tt.MetaException) as ei:
        sales.get_partitions_by_filter("app", "sales", flt, -1)
    assert "Error parsing partition filter" in ei.value.message
    assert problem in ei.value.message


def test_filter_on_missing_table_is_no_such_object(sales):
    with pytest.raises(tt.NoSuchObjectException):
        sales.get_partitions_by_filter("app", "ghost", "hr > 9", -1)
