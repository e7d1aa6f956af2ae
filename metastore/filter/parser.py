"""Lexer and recursive-descent parser for Hive partition filters.

Grammar (keywords are case-insensitive)::

    expr      := or
    or        := and (OR and)*
    and       := unary (AND unary)*
    unary     := NOT unary | '(' expr ')' | predicate
    predicate := key op literal
               | literal op key                      -- normalised to key-first
               | key [NOT] LIKE string
               | key [NOT] IN '(' literal (',' literal)* ')'
               | key [NOT] BETWEEN literal AND literal
    op        := '=' | '==' | '!=' | '<>' | '<' | '<=' | '>' | '>='
    key       := [A-Za-z_][A-Za-z0-9_]* | '`' any text, '``' for a backquote '`'
    literal   := 'string' | "string" | ['-']digits | DATE 'yyyy-mm-dd' | yyyy-mm-dd

AND, OR, NOT, LIKE, IN and BETWEEN are reserved; use a backquoted key to name a
partition key like one of them. `date` is a key unless a quoted string follows it.
Inside string literals `\\'`, `\\"` and `\\\\` stand for the escaped character; any
other backslash sequence is kept verbatim (so LIKE patterns such as `'50\\%'` survive).

Every malformed filter raises `FilterError` naming the problem and the 0-based
character position where it was found.
"""
from __future__ import annotations

import datetime
import re
import string
from dataclasses import dataclass
from typing import List, NoReturn, Optional, Tuple

from .ast import And, Between, Comparison, In, Literal, Node, Not, Or

__all__ = ["FilterError", "parse_filter", "MAX_NESTING"]

#: Deepest nesting of parentheses / NOT accepted (keeps recursion bounded).
MAX_NESTING = 100


class FilterError(ValueError):
    """A partition filter that does not parse.

    `str(err)` is the full message; `reason` is the bare problem and `position` the
    0-based character offset in the filter (None when not tied to one).
    """

    def __init__(self, message: str, *, reason: Optional[str] = None,
                 position: Optional[int] = None):
        super().__init__(message)
        self.message = message
        self.reason = message if reason is None else reason
        self.position = position


# ---------------------------------------------------------------------------- lexer

_EOF, _IDENT, _KEY, _STRING, _INT, _OP, _PUNCT = (
    "eof", "identifier", "key", "string", "int", "operator", "punctuation")
_DATE = "date"  # a bare yyyy-mm-dd, Hive's unquoted DateLiteral (what Spark sends for DATE keys)

_OPS = {"=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_FLIPPED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_KEYWORDS = frozenset({"AND", "OR", "NOT", "LIKE", "IN", "BETWEEN"})
_IDENT_START = frozenset(string.ascii_letters + "_")
_IDENT_CHARS = _IDENT_START | frozenset(string.digits)
_DIGITS = frozenset(string.digits)
_ESCAPES = {"'": "'", '"': '"', "\\": "\\"}
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class _Token:
    kind: str
    value: object  # operator (normalised), identifier text, string/key content, int
    pos: int
    text: str  # the token as written


def _fail(text: str, reason: str, pos: int) -> NoReturn:
    shown = text if len(text) <= 200 else text[:200] + "..."
    raise FilterError(f'Error parsing partition filter "{shown}": {reason} at position {pos}',
                      reason=reason, position=pos)


def _tokenize(text: str) -> List[_Token]:
    """Split `text` into tokens, ending with an EOF token at position len(text)."""
    tokens: List[_Token] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            tokens.append(_Token(_EOF, None, n, ""))
            return tokens
        ch = text[i]
        if ch in "(),":
            end, kind, value = i + 1, _PUNCT, ch
        elif ch in "=!<>":
            op = text[i:i + 2] if text[i:i + 2] in _OPS else ch
            if op not in _OPS:
                _fail(text, "unexpected character '!' (did you mean '!='?)", i)
            end, kind, value = i + len(op), _OP, _OPS[op]
        elif ch in "'\"":
            end, value = _lex_string(text, i)
            kind = _STRING
        elif ch == "`":
            end, value = _lex_backquoted(text, i)
            kind = _KEY
        elif ch in _DIGITS and _DATE_RE.match(text, i) and text[i + 10:i + 11] not in _IDENT_CHARS:
            end, kind, value = i + 10, _DATE, text[i:i + 10]
        elif ch in _DIGITS or (ch == "-" and text[i + 1:i + 2] in _DIGITS):
            end, value = _lex_int(text, i)
            kind = _INT
        elif ch in _IDENT_START:
            end = i + 1
            while end < n and text[end] in _IDENT_CHARS:
                end += 1
            kind, value = _IDENT, text[i:end]
        else:
            _fail(text, f"unexpected character {ch!r}", i)
        tokens.append(_Token(kind, value, i, text[i:end]))
        i = end


def _lex_string(text: str, start: int) -> Tuple[int, str]:
    """Lex the quoted string at `start`; return (end offset, unescaped content)."""
    quote, i, n = text[start], start + 1, len(text)
    parts: List[str] = []
    while i < n:
        ch = text[i]
        if ch == quote:
            return i + 1, "".join(parts)
        if ch == "\\" and i + 1 < n:
            nxt = text[i + 1]
            parts.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
        else:
            parts.append(ch)
            i += 1
    _fail(text, "unterminated string literal", start)


def _lex_backquoted(text: str, start: int) -> Tuple[int, str]:
    """Lex the backquoted key at `start` (`` `` `` escapes a backquote); return (end, name)."""
    i, n = start + 1, len(text)
    parts: List[str] = []
    while i < n:
        if text[i] == "`":
            if text[i + 1:i + 2] == "`":
                parts.append("`")
                i += 2
                continue
            if not parts:
                _fail(text, "empty backquoted key", start)
            return i + 1, "".join(parts)
        parts.append(text[i])
        i += 1
    _fail(text, "unterminated backquoted key", start)


def _lex_int(text: str, start: int) -> Tuple[int, int]:
    """Lex the (possibly negative) integer at `start`; return (end, value)."""
    n = len(text)
    end = start + 1
    while end < n and text[end] in _DIGITS:
        end += 1
    if end < n and (text[end] in _IDENT_CHARS or text[end] == "."):
        while end < n and (text[end] in _IDENT_CHARS or text[end] == "."):
            end += 1
        _fail(text, f"invalid number {_short(text[start:end])}", start)
    try:
        return end, int(text[start:end])
    except ValueError:  # beyond Python's int-from-str digit limit
        _fail(text, "integer literal is too long", start)


def _clip(source: str, limit: int = 40) -> str:
    return source if len(source) <= limit else source[:limit] + "..."


def _short(source: str) -> str:
    return repr(_clip(source))


def _describe(tok: _Token) -> str:
    """How a token is named in error messages ("keyword AND", "string 'x'", "')'", ...)."""
    if tok.kind == _EOF:
        return "the end of the filter"
    if tok.kind == _IDENT and tok.text.upper() in _KEYWORDS:
        return f"keyword {tok.text.upper()}"
    if tok.kind in (_OP, _PUNCT):
        return repr(tok.text)
    if tok.kind in (_STRING, _KEY):  # already quoted as written
        return f"{tok.kind} {_clip(tok.text)}"
    if tok.kind == _INT:
        return f"number {_clip(tok.text)}"
    return f"{tok.kind} {_short(tok.text)}"


# --------------------------------------------------------------------------- parser

class _Parser:
    """One-shot recursive-descent parser over the token list of one filter."""

    def __init__(self, text: str):
        self._text = text
        self._tokens = _tokenize(text)
        self._i = 0
        self._depth = 0

    # -- token helpers
    def _peek(self, ahead: int = 0) -> _Token:
        return self._tokens[min(self._i + ahead, len(self._tokens) - 1)]

    def _next(self) -> _Token:
        tok = self._tokens[self._i]
        if tok.kind != _EOF:
            self._i += 1
        return tok

    @staticmethod
    def _word(tok: _Token) -> Optional[str]:
        """The upper-cased identifier text, or None for a non-identifier token."""
        return tok.text.upper() if tok.kind == _IDENT else None

    def _fail_at(self, tok: _Token, expected: str) -> NoReturn:
        reason = expected if tok.kind == _EOF else f"{expected} but found {_describe(tok)}"
        _fail(self._text, reason, tok.pos)

    def _is_key(self, tok: _Token) -> bool:
        return tok.kind == _KEY or (tok.kind == _IDENT and self._word(tok) not in _KEYWORDS)

    def _at_literal(self) -> bool:
        tok = self._peek()
        return (tok.kind in (_STRING, _INT, _DATE)
                or (self._word(tok) == "DATE" and self._peek(1).kind == _STRING))

    def _enter(self, tok: _Token) -> None:
        self._depth += 1
        if self._depth > MAX_NESTING:
            _fail(self._text, f"filter is nested more than {MAX_NESTING} levels deep", tok.pos)

    # -- grammar
    def parse(self) -> Node:
        node = self._or()
        tok = self._peek()
        if tok.kind == _PUNCT and tok.value == ")":
            _fail(self._text, "unmatched ')'", tok.pos)
        if tok.kind != _EOF:
            self._fail_at(tok, "expected AND, OR or the end of the filter")
        return node

    def _or(self) -> Node:
        items = [self._and()]
        while self._word(self._peek()) == "OR":
            self._next()
            items.append(self._and())
        return _combine(Or, items)

    def _and(self) -> Node:
        items = [self._unary()]
        while self._word(self._peek()) == "AND":
            self._next()
            items.append(self._unary())
        return _combine(And, items)

    def _unary(self) -> Node:
        tok = self._peek()
        if self._word(tok) == "NOT":
            self._next()
            self._enter(tok)
            node: Node = Not(self._unary())
        elif tok.kind == _PUNCT and tok.value == "(":
            self._next()
            self._enter(tok)
            node = self._or()
            close = self._peek()
            if close.kind == _EOF:
                _fail(self._text, "unclosed '('", tok.pos)
            if not (close.kind == _PUNCT and close.value == ")"):
                self._fail_at(close, "expected ')'")
            self._next()
        else:
            return self._predicate()
        self._depth -= 1
        return node

    def _predicate(self) -> Node:
        tok = self._peek()
        if self._at_literal():
            return self._literal_first()
        if self._is_key(tok):
            self._next()
            return self._key_first(tok.value.lower())
        self._fail_at(tok, "expected a condition")

    def _literal_first(self) -> Comparison:
        """`literal op key`, returned flipped to key-first."""
        value = self._literal()
        tok = self._next()
        if tok.kind == _OP:
            return Comparison(self._key(), _FLIPPED[tok.value], value)
        word = self._word(tok)
        if word in ("LIKE", "IN", "BETWEEN", "NOT"):
            _fail(self._text, f"{word} needs the partition key on its left", tok.pos)
        self._fail_at(tok, "expected a comparison operator after the literal")

    def _key_first(self, key: str) -> Node:
        tok = self._next()
        if tok.kind == _OP:
            return Comparison(key, tok.value, self._literal())
        negated = self._word(tok) == "NOT"
        if negated:
            tok = self._next()
        word = self._word(tok)
        if word == "LIKE":
            pattern_tok = self._peek()
            pattern = self._literal()
            if pattern.kind != "string":
                _fail(self._text, "LIKE needs a quoted string pattern", pattern_tok.pos)
            node = Comparison(key, "LIKE", pattern)
            return Not(node) if negated else node
        if word == "IN":
            return In(key, self._literal_list(), negated)
        if word == "BETWEEN":
            low = self._literal()
            and_tok = self._next()
            if self._word(and_tok) != "AND":
                self._fail_at(and_tok, "expected AND between the BETWEEN bounds")
            return Between(key, low, self._literal(), negated)
        if negated:
            self._fail_at(tok, "expected LIKE, IN or BETWEEN after NOT")
        self._fail_at(tok, f"expected a comparison operator, LIKE, IN or BETWEEN after key {key!r}")

    def _key(self) -> str:
        tok = self._peek()
        if self._at_literal():
            _fail(self._text, "expected a partition key but found a literal "
                  "(comparing two literals is not supported)", tok.pos)
        if not self._is_key(tok):
            self._fail_at(tok, "expected a partition key")
        self._next()
        return tok.value.lower()

    def _literal(self) -> Literal:
        tok = self._next()
        if tok.kind == _STRING:
            return Literal(tok.value, "string")
        if tok.kind == _INT:
            return Literal(tok.value, "int")
        if tok.kind == _DATE:
            return Literal(self._date(tok), "date")
        if self._word(tok) == "DATE":
            quoted = self._next()
            if quoted.kind != _STRING:
                self._fail_at(quoted, "expected a quoted 'yyyy-mm-dd' date after DATE")
            return Literal(self._date(quoted), "date")
        self._fail_at(tok, "expected a literal")

    def _literal_list(self) -> Tuple[Literal, ...]:
        tok = self._next()
        if not (tok.kind == _PUNCT and tok.value == "("):
            self._fail_at(tok, "expected '(' after IN")
        values = [self._literal()]
        while True:
            tok = self._next()
            if tok.kind == _PUNCT and tok.value == ")":
                return tuple(values)
            if not (tok.kind == _PUNCT and tok.value == ","):
                self._fail_at(tok, "expected ',' or ')' in the IN list")
            values.append(self._literal())

    def _date(self, tok: _Token) -> datetime.date:
        text = tok.value
        if not _DATE_RE.fullmatch(text):
            _fail(self._text, f"invalid date literal {_short(text)}, expected 'yyyy-mm-dd'",
                  tok.pos)
        try:
            return datetime.date(int(text[:4]), int(text[5:7]), int(text[8:]))
        except ValueError as exc:
            _fail(self._text, f"invalid date literal {_short(text)} ({exc})", tok.pos)


def _combine(cls, items: List[Node]) -> Node:
    """Build a flattened `cls` (And/Or) node from `items`; a single item is returned as is."""
    flat: List[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, cls) else (item,))
    return flat[0] if len(flat) == 1 else cls(tuple(flat))


def parse_filter(text: str) -> Node:
    """Parse a Hive partition filter into its normalised AST.

    Raises FilterError for any malformed filter, including an empty one.
    """
    if not isinstance(text, str):
        raise TypeError(f"partition filter must be a str, not {type(text).__name__}")
    if not text.strip():
        _fail(text, "the filter is empty", 0)
    return _Parser(text).parse()
