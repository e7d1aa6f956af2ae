"""Tests for the Hive partition-filter parser (metastore.filter)."""
from __future__ import annotations

import datetime
import random
import re

import pytest

from metastore.filter import (
    And, Between, Comparison, FilterError, In, Literal, MAX_NESTING, Not, Or, keys, parse_filter,
)


def S(value: str) -> Literal:
    return Literal(value, "string")


def I(value: int) -> Literal:  # noqa: E743
    return Literal(value, "int")


def D(year: int, month: int, day: int) -> Literal:
    return Literal(datetime.date(year, month, day), "date")


def C(key: str, op: str, value: Literal) -> Comparison:
    return Comparison(key, op, value)


# ------------------------------------------------------------------ basic predicates

@pytest.mark.parametrize("text, op", [
    ("a = 1", "="), ("a == 1", "="), ("a != 1", "!="), ("a <> 1", "!="),
    ("a < 1", "<"), ("a <= 1", "<="), ("a > 1", ">"), ("a >= 1", ">="),
])
def test_comparison_operators(text, op):
    assert parse_filter(text) == C("a", op, I(1))


@pytest.mark.parametrize("text", ["a=1", "a =1", "a= 1", "  a \t=\n 1  "])
def test_whitespace_is_optional_and_free(text):
    assert parse_filter(text) == C("a", "=", I(1))


@pytest.mark.parametrize("text, expected", [
    ("'2024' < year", C("year", ">", S("2024"))),
    ("'2024' <= year", C("year", ">=", S("2024"))),
    ("'2024' > year", C("year", "<", S("2024"))),
    ("'2024' >= year", C("year", "<=", S("2024"))),
    ("'2024' = year", C("year", "=", S("2024"))),
    ("'2024' == year", C("year", "=", S("2024"))),
    ("'2024' != year", C("year", "!=", S("2024"))),
    ("'2024' <> year", C("year", "!=", S("2024"))),
    ("10 < hr", C("hr", ">", I(10))),
    ("-3 >= delta", C("delta", "<=", I(-3))),
    ("DATE '2024-01-01' <= ds", C("ds", ">=", D(2024, 1, 1))),
    ("'x' = `Odd Key`", C("odd key", "=", S("x"))),
])
def test_literal_first_comparisons_are_flipped(text, expected):
    assert parse_filter(text) == expected


def test_string_literals_single_and_double_quoted():
    assert parse_filter("ds = '2024-01-01'") == C("ds", "=", S("2024-01-01"))
    assert parse_filter('ds = "2024-01-01"') == C("ds", "=", S("2024-01-01"))
    assert parse_filter("ds = ''") == C("ds", "=", S(""))
    assert parse_filter('ds = ""') == C("ds", "=", S(""))


@pytest.mark.parametrize("text, value", [
    (r"k = 'it\'s'", "it's"),
    (r'k = "say \"hi\""', 'say "hi"'),
    (r"k = 'back\\slash'", "back\\slash"),
    (r"k = 'ends with \\'", "ends with \\"),
    (r'k = "it\'s"', "it's"),
    (r"k = 'say \"hi\"'", 'say "hi"'),
    ("k = 'a \"double\" inside'", 'a "double" inside'),
    ('k = "a \'single\' inside"', "a 'single' inside"),
    (r"k = '50\%'", r"50\%"),  # unknown escapes are kept verbatim
    (r"k = 'a\nb'", r"a\nb"),
    ("k = 'a and b or c'", "a and b or c"),
    ("k = 'héllo wörld ✓'", "héllo wörld ✓"),
    ("k = '  padded  '", "  padded  "),
    ("k = '(not) a = 1'", "(not) a = 1"),
])
def test_string_escapes(text, value):
    assert parse_filter(text) == C("k", "=", S(value))


@pytest.mark.parametrize("text, value", [
    ("n = 0", 0), ("n = -0", 0), ("n = 42", 42), ("n = -42", -42), ("n=-7", -7),
    ("n = 007", 7),
    ("n = 123456789012345678901234567890", 123456789012345678901234567890),
    ("n = -123456789012345678901234567890", -123456789012345678901234567890),
])
def test_integer_literals(text, value):
    node = parse_filter(text)
    assert node == C("n", "=", I(value))
    assert type(node.value.value) is int


@pytest.mark.parametrize("text", [
    "ds = DATE '2024-02-29'", 'ds = date "2024-02-29"', "ds = Date'2024-02-29'",
])
def test_date_literals(text):
    assert parse_filter(text) == C("ds", "=", D(2024, 2, 29))


def test_date_is_a_plain_key_unless_followed_by_a_string():
    assert parse_filter("date = 1") == C("date", "=", I(1))
    assert parse_filter("DATE >= date '2024-01-01'") == C("date", ">=", D(2024, 1, 1))
    assert parse_filter("date in ('a')") == In("date", (S("a"),), False)


# ------------------------------------------------------------------------------ keys

def test_keys_are_lower_cased():
    assert parse_filter("DS = 'x'") == C("ds", "=", S("x"))
    assert parse_filter("Event_Date_2 = 'x'") == C("event_date_2", "=", S("x"))
    assert parse_filter("_hidden = 1") == C("_hidden", "=", I(1))


@pytest.mark.parametrize("text, key", [
    ("`weird key` = 1", "weird key"),
    ("`Weird-Key.X` = 1", "weird-key.x"),
    ("`and` = 1", "and"),
    ("`between` = 1", "between"),
    ("`2024` = 1", "2024"),
    ("`it``s` = 1", "it`s"),
    ("`'quoted'` = 1", "'quoted'"),
])
def test_backquoted_keys(text, key):
    assert parse_filter(text) == C(key, "=", I(1))


# ------------------------------------------------------------------------------ LIKE

@pytest.mark.parametrize("text, pattern", [
    ('key like "abc%"', "abc%"),       # Spark StartsWith
    ('key like "%abc"', "%abc"),       # Spark EndsWith
    ('key like "%abc%"', "%abc%"),     # Spark Contains
    ("key LIKE 'a_c'", "a_c"),
    ("key Like 'x'", "x"),
])
def test_like(text, pattern):
    assert parse_filter(text) == C("key", "LIKE", S(pattern))


def test_not_like():
    expected = Not(C("key", "LIKE", S("abc%")))
    assert parse_filter("key not like 'abc%'") == expected
    assert parse_filter("key NOT LIKE 'abc%'") == expected
    assert parse_filter("not key like 'abc%'") == expected
    assert parse_filter("NOT (key LIKE 'abc%')") == expected


# -------------------------------------------------------------------------------- IN

def test_in_and_not_in():
    assert parse_filter("hr in (1, 2, 3)") == In("hr", (I(1), I(2), I(3)), False)
    assert parse_filter("hr IN(1)") == In("hr", (I(1),), False)
    assert parse_filter("hr not in (1,2)") == In("hr", (I(1), I(2)), True)
    assert parse_filter("ds NOT IN ('a', \"b\", date '2024-01-01', -5)") == In(
        "ds", (S("a"), S("b"), D(2024, 1, 1), I(-5)), True)
    assert parse_filter("not hr in (1)") == Not(In("hr", (I(1),), False))


# --------------------------------------------------------------------------- BETWEEN

def test_between_and_not_between():
    assert parse_filter("hr between 1 and 5") == Between("hr", I(1), I(5), False)
    assert parse_filter("hr NOT BETWEEN 1 AND 5") == Between("hr", I(1), I(5), True)
    assert parse_filter("ds between '2024-01-01' and '2024-12-31'") == Between(
        "ds", S("2024-01-01"), S("2024-12-31"), False)
    assert parse_filter("ds between date '2024-01-01' and date '2024-12-31'") == Between(
        "ds", D(2024, 1, 1), D(2024, 12, 31), False)
    assert parse_filter("t between -10 and -1") == Between("t", I(-10), I(-1), False)


def test_between_and_binds_to_between_not_to_conjunction():
    assert parse_filter("a between 1 and 2 and b = 3") == And((
        Between("a", I(1), I(2), False), C("b", "=", I(3))))
    assert parse_filter("b = 3 and a between 1 and 2 or c = 4") == Or((
        And((C("b", "=", I(3)), Between("a", I(1), I(2), False))), C("c", "=", I(4))))


# -------------------------------------------------------------- boolean structure

A, B, C3, D4 = C("a", "=", I(1)), C("b", "=", I(2)), C("c", "=", I(3)), C("d", "=", I(4))


@pytest.mark.parametrize("text, expected", [
    ("a=1 or b=2 and c=3", Or((A, And((B, C3))))),
    ("a=1 and b=2 or c=3", Or((And((A, B)), C3))),
    ("(a=1 or b=2) and c=3", And((Or((A, B)), C3))),
    ("a=1 and (b=2 or c=3)", And((A, Or((B, C3))))),
    ("a=1 and b=2 and c=3 and d=4", And((A, B, C3, D4))),
    ("a=1 or b=2 or c=3 or d=4", Or((A, B, C3, D4))),
    ("(a=1 and b=2) and (c=3 and d=4)", And((A, B, C3, D4))),
    ("((a=1 or b=2)) or c=3", Or((A, B, C3))),
    ("a=1 and b=2 or c=3 and d=4", Or((And((A, B)), And((C3, D4))))),
    ("(((a=1)))", A),
])
def test_precedence_parentheses_and_flattening(text, expected):
    assert parse_filter(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("not a=1", Not(A)),
    ("NOT a=1 and b=2", And((Not(A), B))),
    ("not (a=1 and b=2)", Not(And((A, B)))),
    ("not a=1 or not b=2", Or((Not(A), Not(B)))),
    ("not not a=1", Not(Not(A))),
    ("a=1 and not (b=2 or c=3)", And((A, Not(Or((B, C3)))))),
])
def test_not(text, expected):
    assert parse_filter(text) == expected


@pytest.mark.parametrize("text", [
    "a=1 AND b=2 OR c=3", "a=1 and b=2 or c=3", "a=1 And b=2 oR c=3",
])
def test_keywords_are_case_insensitive(text):
    assert parse_filter(text) == Or((And((A, B)), C3))


def test_keywords_case_insensitive_everywhere():
    assert parse_filter("k NoT In (1) aNd j BeTwEeN 1 AnD 2 and l nOt LiKe 'x'") == And((
        In("k", (I(1),), True), Between("j", I(1), I(2), False), Not(C("l", "LIKE", S("x")))))


# ------------------------------------------------------------- Spark / Hive generated

@pytest.mark.parametrize("text, expected", [
    ('(ds = "2024-01-01") and (hr >= 10)',
     And((C("ds", "=", S("2024-01-01")), C("hr", ">=", I(10))))),
    ('ds = "2024-01-01" and hr in (1, 2, 3)',
     And((C("ds", "=", S("2024-01-01")), In("hr", (I(1), I(2), I(3)), False)))),
    ('((ds = "2024-01-01") or (ds = "2024-01-02")) and (hr < 5)',
     And((Or((C("ds", "=", S("2024-01-01")), C("ds", "=", S("2024-01-02")))),
          C("hr", "<", I(5))))),
    ('(ds like "2024-01%")', C("ds", "LIKE", S("2024-01%"))),
    ('(not (ds = "x"))', Not(C("ds", "=", S("x")))),
    ("(year = 2024) and (month = 1) and (day = 15)",
     And((C("year", "=", I(2024)), C("month", "=", I(1)), C("day", "=", I(15))))),
    ('(("2024-01-01" <= ds) and (ds < "2024-02-01"))',
     And((C("ds", ">=", S("2024-01-01")), C("ds", "<", S("2024-02-01"))))),
    ("ds >= '2024-01-01' AND ds <= '2024-01-31' AND region <> 'eu'",
     And((C("ds", ">=", S("2024-01-01")), C("ds", "<=", S("2024-01-31")),
          C("region", "!=", S("eu"))))),
])
def test_spark_and_hive_generated_filters(text, expected):
    assert parse_filter(text) == expected


# ------------------------------------------------------------------------- AST API

def test_keys_helper():
    node = parse_filter("(A = 1 or b in (2)) and not c between 1 and 2 and `D x` like 'y%' "
                        "and a > 0 and not e not like 'z'")
    assert keys(node) == {"a", "b", "c", "d x", "e"}
    assert keys(C("k", "=", I(1))) == {"k"}


def test_nodes_are_immutable_and_hashable():
    node = parse_filter("a in (1, 2) and b between 1 and 2 or not c like 'x'")
    assert hash(node) == hash(parse_filter("a in (1, 2) and b between 1 and 2 or not c like 'x'"))
    with pytest.raises(AttributeError):
        node.items = ()  # type: ignore[misc]
    assert {node: 1}[parse_filter("a in (1, 2) and b between 1 and 2 or not c like 'x'")] == 1


def test_ast_constructors_normalise_sequences_to_tuples():
    assert In("k", [I(1)], False).values == (I(1),)
    assert And([A, B]).items == (A, B)
    assert Or([A, B]).items == (A, B)


def test_literal_validation():
    with pytest.raises(ValueError):
        Literal("x", "float")
    with pytest.raises(TypeError):
        Literal(1, "string")
    with pytest.raises(TypeError):
        Literal(True, "int")
    with pytest.raises(TypeError):
        Literal(datetime.datetime(2024, 1, 1), "date")
    with pytest.raises(ValueError):
        Comparison("k", "<>", I(1))


def test_filter_error_is_a_value_error():
    assert issubclass(FilterError, ValueError)


def test_non_string_input_is_a_type_error():
    with pytest.raises(TypeError):
        parse_filter(None)  # type: ignore[arg-type]


# -------------------------------------------------------------------------- errors

@pytest.mark.parametrize("text, fragment, position", [
    ("", "the filter is empty", 0),
    ("   \t\n", "the filter is empty", 0),
    ("a = ", "expected a literal", 4),
    ("a", "expected a comparison operator, LIKE, IN or BETWEEN after key 'a'", 1),
    ("a 1", "expected a comparison operator, LIKE, IN or BETWEEN after key 'a' but found number 1", 2),
    ("= 1", "expected a condition but found '='", 0),
    ("a = b", "expected a literal but found identifier 'b'", 4),
    ("a = 1 b = 2", "expected AND, OR or the end of the filter but found identifier 'b'", 6),
    ("a = 1 and", "expected a condition", 9),
    ("a = 1 or or b = 2", "expected a condition but found keyword OR", 9),
    ("and a = 1", "expected a condition but found keyword AND", 0),
    ("a = 1)", "unmatched ')'", 5),
    ("(a = 1", "unclosed '('", 0),
    ("((a = 1)", "unclosed '('", 0),
    ("(a = 1 b", "expected ')' but found identifier 'b'", 7),
    ("()", "expected a condition but found ')'", 1),
    ("not", "expected a condition", 3),
    ("a = 'abc", "unterminated string literal", 4),
    ('a = "abc', "unterminated string literal", 4),
    ("a = 'abc\\'", "unterminated string literal", 4),
    ("a = 'x' 'y'", "found string 'y'", 8),
    ("`abc = 1", "unterminated backquoted key", 0),
    ("`` = 1", "empty backquoted key", 0),
    ("a ! 1", "unexpected character '!'", 2),
    ("a = 1 & b = 2", "unexpected character '&'", 6),
    ("a = 1 && b = 2", "unexpected character '&'", 6),
    ("a = 1; drop table t", "unexpected character ';'", 5),
    ("a = -", "unexpected character '-'", 4),
    ("a = - 1", "unexpected character '-'", 4),
    ("a = +1", "unexpected character '+'", 4),
    ("a = 1.5", "invalid number '1.5'", 4),
    ("a = 12abc", "invalid number '12abc'", 4),
    ("1a = 1", "invalid number '1a'", 0),
    ("é = 1", "unexpected character 'é'", 0),
    ("a = 1 and b = 2 c", "found identifier 'c'", 16),
    ("a =< 1", "expected a literal but found '<'", 3),
    ("a <=> 1", "expected a literal but found '>'", 4),
    ("a = null", "expected a literal but found identifier 'null'", 4),
    ("a = true", "expected a literal but found identifier 'true'", 4),
    ("a = (1)", "expected a literal but found '('", 4),
    ("'a' = 'b'", "expected a partition key but found a literal", 6),
    ("1 = 2", "expected a partition key but found a literal", 4),
    ("'a' = date '2024-01-01'", "expected a partition key but found a literal", 6),
    ("'a' = and", "expected a partition key but found keyword AND", 6),
    ("'a'", "expected a comparison operator after the literal", 3),
    ("'a' b", "expected a comparison operator after the literal but found identifier 'b'", 4),
    ("'abc%' like k", "LIKE needs the partition key on its left", 7),
    ("'abc%' not like k", "NOT needs the partition key on its left", 7),
    ("1 in (k)", "IN needs the partition key on its left", 2),
    ("1 between a and b", "BETWEEN needs the partition key on its left", 2),
    ("k like 1", "LIKE needs a quoted string pattern", 7),
    ("k like date '2024-01-01'", "LIKE needs a quoted string pattern", 7),
    ("k like", "expected a literal", 6),
    ("k not = 1", "expected LIKE, IN or BETWEEN after NOT but found '='", 6),
    ("k not", "expected LIKE, IN or BETWEEN after NOT", 5),
    ("k in 1", "expected '(' after IN but found number 1", 5),
    ("k in ()", "expected a literal but found ')'", 6),
    ("k in (1,)", "expected a literal but found ')'", 8),
    ("k in (1 2)", "expected ',' or ')' in the IN list but found number 2", 8),
    ("k in (1, 2", "expected ',' or ')' in the IN list", 10),
    ("k in (a)", "expected a literal but found identifier 'a'", 6),
    ("k between 1", "expected AND between the BETWEEN bounds", 11),
    ("k between 1 or 2", "expected AND between the BETWEEN bounds but found keyword OR", 12),
    ("k between 1 and", "expected a literal", 15),
    ("k between and 2", "expected a literal but found keyword AND", 10),
    ("ds = date", "expected a quoted 'yyyy-mm-dd' date after DATE", 9),
    ("ds = date 20240101", "expected a quoted 'yyyy-mm-dd' date after DATE but found number", 10),
    ("ds = date '2024-02-30'", "invalid date literal '2024-02-30' (day is out of range", 10),
    ("ds = date '2024-13-01'", "invalid date literal '2024-13-01' (month must be in 1..12", 10),
    ("ds = date '0000-01-01'", "invalid date literal '0000-01-01'", 10),
    ("ds = date '2024-1-1'", "invalid date literal '2024-1-1', expected 'yyyy-mm-dd'", 10),
    ("ds = date '20240101'", "invalid date literal '20240101', expected 'yyyy-mm-dd'", 10),
    ("ds = date '2024-01-01T00:00'", "expected 'yyyy-mm-dd'", 10),
    ("ds = date ''", "expected 'yyyy-mm-dd'", 10),
    ("ds = date '２０２４-01-01'", "expected 'yyyy-mm-dd'", 10),
    ("n = " + "9" * 5000, "integer literal is too long", 4),
])
def test_malformed_filters(text, fragment, position):
    with pytest.raises(FilterError) as info:
        parse_filter(text)
    err = info.value
    message = str(err)
    assert message.startswith("Error parsing partition filter \"")
    assert fragment in message
    assert err.position == position
    assert message.endswith(f" at position {position}")
    assert fragment in err.reason


def test_error_message_format_example():
    with pytest.raises(FilterError) as info:
        parse_filter("a = ")
    assert str(info.value) == 'Error parsing partition filter "a = ": expected a literal at position 4'


def test_error_message_truncates_huge_filters():
    text = "a = 1 and " * 1000 + "b"
    with pytest.raises(FilterError) as info:
        parse_filter(text)
    assert len(str(info.value)) < 400
    assert info.value.position == len(text)


def test_nesting_limit():
    ok = "(" * MAX_NESTING + "a = 1" + ")" * MAX_NESTING
    assert parse_filter(ok) == C("a", "=", I(1))
    assert parse_filter("not " * MAX_NESTING + "a = 1") is not None
    for deep in ("(" * 100_000 + "a = 1" + ")" * 100_000, "not " * 100_000 + "a = 1",
                 "(not " * 5_000 + "a = 1" + ")" * 5_000):
        with pytest.raises(FilterError, match="nested more than"):
            parse_filter(deep)


def test_long_flat_filters_do_not_recurse():
    text = " or ".join(f"k = {i}" for i in range(20_000))
    node = parse_filter(text)
    assert isinstance(node, Or) and len(node.items) == 20_000
    assert keys(node) == {"k"}


# ------------------------------------------------------------------- randomized

_FRAGMENTS = [
    "a", "ds", "Hr", "`x y`", "`", "``", "date", "DATE", "'2024-01-01'", '"2024-02-30"', "'",
    '"', "\\", "'it\\'s'", "=", "==", "!=", "<>", "<", "<=", ">", ">=", "!", "(", ")", ",",
    "and", "OR", "not", "like", "in", "between", "1", "-", "-1", "007", "1.5", "9" * 30, " ",
    "  ", "\t", "\n", "é", "\x00", "%", "_", ";", "''", '""', "`and`", "\ud800",
]


def _check_parses_or_filter_error(text: str) -> None:
    try:
        node = parse_filter(text)
    except FilterError as err:
        assert str(err).startswith("Error parsing partition filter")
        assert err.position is None or 0 <= err.position <= len(text)
    else:
        assert isinstance(node, (Comparison, In, Between, And, Or, Not))
        keys(node)


@pytest.mark.parametrize("seed", range(5))
def test_random_garbage_only_raises_filter_error(seed):
    rng = random.Random(seed)
    alphabet = "".join(chr(c) for c in range(32, 127)) + "\t\n\x00é✓`"
    for _ in range(1500):
        if rng.random() < 0.5:
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        else:
            text = " ".join(rng.choice(_FRAGMENTS) for _ in range(rng.randint(0, 15)))
        _check_parses_or_filter_error(text)


_VALID = [
    '(ds = "2024-01-01") and (hr >= 10)',
    "a between 1 and 2 or not (b not in ('x', \"y\") and c like '%z%')",
    "DATE '2024-01-01' <= ds and `Odd Key` <> -5",
]


@pytest.mark.parametrize("seed", range(3))
def test_mutated_valid_filters_only_raise_filter_error(seed):
    rng = random.Random(1000 + seed)
    for _ in range(2000):
        chars = list(rng.choice(_VALID))
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(chars) + 1)
            action = rng.random()
            if action < 0.4 and pos < len(chars):
                del chars[pos]
            elif action < 0.7:
                chars.insert(pos, rng.choice("()'\"`,=<>!- aZ9\\"))
            elif pos < len(chars):
                chars[pos] = rng.choice("()'\"`,=<>!- aZ9\\")
        _check_parses_or_filter_error("".join(chars))


# Round trip: random ASTs rendered with random spelling must parse back to themselves.

_KEYS = ["a", "ds", "hr", "date", "x_1", "odd key", "and", "in", "it`s"]
_IDENT_RE = re.compile(r"[a-z_][a-z0-9_]*")
_KEYWORDS = {"and", "or", "not", "like", "in", "between"}


def _case(rng: random.Random, word: str) -> str:
    return "".join(ch.upper() if rng.random() < 0.5 else ch.lower() for ch in word)


def _ws(rng: random.Random) -> str:
    return rng.choice([" ", "  ", "\t", "\n "])


def _render_key(rng: random.Random, key: str) -> str:
    if _IDENT_RE.fullmatch(key) and key not in _KEYWORDS:
        return _case(rng, key)
    return "`" + key.replace("`", "``") + "`"


def _render_literal(rng: random.Random, lit: Literal) -> str:
    if lit.kind == "int":
        return str(lit.value)
    quote = rng.choice("'\"")
    text = lit.value.isoformat() if lit.kind == "date" else lit.value
    body = quote + text.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote
    return (_case(rng, "date") + _ws(rng) + body) if lit.kind == "date" else body


_FLIP = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_SPELLINGS = {"=": ["=", "=="], "!=": ["!=", "<>"]}


def _render(rng: random.Random, node) -> str:
    w = _ws(rng)
    if isinstance(node, Comparison):
        key, lit = _render_key(rng, node.key), _render_literal(rng, node.value)
        if node.op == "LIKE":
            return f"{key}{w}{_case(rng, 'like')}{w}{lit}"
        if rng.random() < 0.5:
            return f"{key}{w}{rng.choice(_SPELLINGS.get(node.op, [node.op]))}{w}{lit}"
        flipped = _FLIP[node.op]
        return f"{lit}{w}{rng.choice(_SPELLINGS.get(flipped, [flipped]))}{w}{key}"
    if isinstance(node, In):
        neg = _case(rng, "not") + w if node.negated else ""
        values = ("," + w).join(_render_literal(rng, v) for v in node.values)
        return f"{_render_key(rng, node.key)}{w}{neg}{_case(rng, 'in')}{w}({values})"
    if isinstance(node, Between):
        neg = _case(rng, "not") + w if node.negated else ""
        return (f"{_render_key(rng, node.key)}{w}{neg}{_case(rng, 'between')}{w}"
                f"{_render_literal(rng, node.low)}{w}{_case(rng, 'and')}{w}"
                f"{_render_literal(rng, node.high)}")
    if isinstance(node, Not):
        inner = node.item
        if isinstance(inner, Comparison) and inner.op == "LIKE" and rng.random() < 0.5:
            return (f"{_render_key(rng, inner.key)}{w}{_case(rng, 'not')}{w}"
                    f"{_case(rng, 'like')}{w}{_render_literal(rng, inner.value)}")
        return f"{_case(rng, 'not')}{w}({_render(rng, inner)})"
    word = _case(rng, "and" if isinstance(node, And) else "or")
    return f"{w}{word}{w}".join(f"({_render(rng, item)})" for item in node.items)


def _random_literal(rng: random.Random) -> Literal:
    kind = rng.choice(["string", "int", "date"])
    if kind == "int":
        return I(rng.choice([0, 1, -1, 42, -(10 ** 25), 10 ** 30]))
    if kind == "date":
        return D(rng.randint(1, 9999), rng.randint(1, 12), rng.randint(1, 28))
    return S(rng.choice(["", "x", "it's", 'say "hi"', "a\\b", "50%", "and or", "é✓", "\\"]))


def _random_node(rng: random.Random, depth: int, parent=None):
    choice = rng.random() if depth > 0 else rng.random() * 0.6
    key = rng.choice(_KEYS)
    if choice < 0.25:
        op = rng.choice(["=", "!=", "<", "<=", ">", ">=", "LIKE"])
        value = S(rng.choice(["a%", "%b", "%c%"])) if op == "LIKE" else _random_literal(rng)
        return Comparison(key, op, value)
    if choice < 0.4:
        values = tuple(_random_literal(rng) for _ in range(rng.randint(1, 4)))
        return In(key, values, rng.random() < 0.5)
    if choice < 0.6:
        return Between(key, _random_literal(rng), _random_literal(rng), rng.random() < 0.5)
    if choice < 0.7:
        return Not(_random_node(rng, depth - 1))
    cls = rng.choice([c for c in (And, Or) if c is not parent])
    return cls(tuple(_random_node(rng, depth - 1, cls) for _ in range(rng.randint(2, 4))))


@pytest.mark.parametrize("seed", range(5))
def test_random_round_trip(seed):
    rng = random.Random(2000 + seed)
    for _ in range(300):
        node = _random_node(rng, depth=4)
        text = _render(rng, node)
        assert parse_filter(text) == node, text


# ------------------------------------------------- bare dates (Hive's unquoted DateLiteral)

@pytest.mark.parametrize("text, expected", [
    # the exact strings Spark's HiveShim.convertFilters sends for DATE partition keys
    ("datecol = 2019-01-01", C("datecol", "=", D(2019, 1, 1))),
    ("2019-01-01 = datecol", C("datecol", "=", D(2019, 1, 1))),
    ("datecol != 2019-01-01", C("datecol", "!=", D(2019, 1, 1))),
    ("(datecol = 2019-01-01 or datecol = 2019-01-07)",
     Or((C("datecol", "=", D(2019, 1, 1)), C("datecol", "=", D(2019, 1, 7))))),
    ("(datecol >= 1970-01-02 and datecol <= 1970-01-20)",
     And((C("datecol", ">=", D(1970, 1, 2)), C("datecol", "<=", D(1970, 1, 20))))),
    ("d between 2024-01-01 and 2024-12-31", Between("d", D(2024, 1, 1), D(2024, 12, 31), False)),
    ("d in (2024-01-01, 2024-01-02)", In("d", (D(2024, 1, 1), D(2024, 1, 2)), False)),
    ("n = 20240101", C("n", "=", I(20240101))),
])
def test_bare_date_literals(text, expected):
    assert parse_filter(text) == expected


@pytest.mark.parametrize("text, fragment", [
    ("d = 2024-02-30", "invalid date literal '2024-02-30'"),
    ("d = 2024-01-01x", "invalid number"),
    ("d like 2024-01-01", "LIKE needs a quoted string pattern"),
])
def test_bad_bare_date_literals(text, fragment):
    with pytest.raises(FilterError) as info:
        parse_filter(text)
    assert fragment in str(info.value)
