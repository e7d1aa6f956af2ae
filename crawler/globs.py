"""Exclusion globs with AWS Glue's semantics, matched against paths relative to the crawl
path ('/'-separated):

- `*` matches any characters within one path level (not `/`), `?` one character;
- `**` matches across levels (any characters, `/` included);
- `[abc]`, `[a-z]` a character class, `[!x]` its negation;
- `{a,b}` alternatives, which may hold globs themselves;
- a pattern that matches a folder excludes everything below it.

So `*.csv` excludes CSV files at the top level only, `**.csv` everywhere, `logs/**` the
`logs` folder's content, `{tmp,staging}/**` both folders, `year=20[!2]*/**` non-202x years.
"""
from __future__ import annotations

import re
from typing import Iterable, List, Pattern


class GlobError(ValueError):
    """A malformed glob (unclosed `[` or `{`)."""


def _translate(pat: str, i: int, stop: str) -> (str, int):
    out: List[str] = []
    n = len(pat)
    while i < n:
        c = pat[i]
        if stop and c in stop:
            return "".join(out), i
        if c == "*":
            if pat.startswith("**", i):
                out.append(".*")
                i += 2
            else:
                out.append("[^/]*")
                i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            j = pat.find("]", i + 2 if pat.startswith("[!", i) else i + 1)
            if j < 0:
                raise GlobError(f"unclosed '[' in glob {pat!r}")
            body = pat[i + 1:j]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = j + 1
        elif c == "{":
            alternatives = []
            i += 1
            while True:
                sub, i = _translate(pat, i, ",}")
                alternatives.append(sub)
                if i >= n:
                    raise GlobError(f"unclosed '{{' in glob {pat!r}")
                if pat[i] == "}":
                    i += 1
                    break
                i += 1
            out.append("(?:" + "|".join(alternatives) + ")")
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pat[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out), i


def compile_glob(pattern: str) -> Pattern[str]:
    """A regex matching relative paths the glob matches. Raises GlobError."""
    pat = pattern.strip().lstrip("/")
    if pat.endswith("/"):
        pat += "**"
    body, _ = _translate(pat, 0, "")
    return re.compile("^" + body + "$")


class Excluder:
    """Matches relative paths against several exclusion globs."""

    def __init__(self, patterns: Iterable[str] = ()):
        self.patterns = [p for p in patterns if p and p.strip()]
        self._compiled = [compile_glob(p) for p in self.patterns]

    def matches(self, rel: str) -> bool:
        """True when `rel` itself (not a folder above it) matches a pattern."""
        return any(rx.match(rel) for rx in self._compiled)

    def excluded(self, rel: str) -> bool:
        """True when the path, or a folder above it, matches a pattern."""
        if not self._compiled:
            return False
        parts = rel.split("/")
        for k in range(1, len(parts) + 1):
            prefix = "/".join(parts[:k])
            if any(rx.match(prefix) for rx in self._compiled):
                return True
        return False


__all__ = ["GlobError", "compile_glob", "Excluder"]
