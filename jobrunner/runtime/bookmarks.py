"""Bookmark sources: what a run has not processed yet, and the state to commit after it.

Two kinds of named source, each keeping a small JSON state in the job's bookmark:

- files (`Source.new_files`): a folder or fsspec URI. A file is new when its modification
  time is above the last committed high-water mark, or when it sits inside the mtime
  `window` below that mark and is not in the list of files the window remembers (with
  their mtime and size): files that land late, or change in place, are not lost.
- tables (`Source.filter_rows`, `Source.filter_dataframe`): rows whose bookmark key columns
  (compared as a tuple, lexicographically) are above the last committed maximum. The keys
  must increase monotonically with new data. The maximum is fixed when the source is read,
  so rows that arrive while the run works are left for the next run.

Modes: ENABLE reads and advances; PAUSE reads but never advances; DISABLE processes
everything and never advances. After "set to now", a source not updated since is treated
as fully processed (files up to that time; for tables, everything present at the next run).
"""
from __future__ import annotations

import datetime as _dt
import decimal
import fnmatch
import os
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

DEFAULT_WINDOW_SECONDS = 3600.0


# --- value encoding (table keys) ----------------------------------------------------------

def encode_value(v: Any) -> Any:
    if isinstance(v, bool) or v is None or isinstance(v, (int, float, str)):
        return v
    if isinstance(v, _dt.datetime):
        return {"$datetime": v.isoformat()}
    if isinstance(v, _dt.date):
        return {"$date": v.isoformat()}
    if isinstance(v, decimal.Decimal):
        return {"$decimal": str(v)}
    raise TypeError(f"cannot keep a bookmark key of type {type(v).__name__}")


def decode_value(v: Any) -> Any:
    if isinstance(v, dict):
        if "$datetime" in v:
            return _dt.datetime.fromisoformat(v["$datetime"])
        if "$date" in v:
            return _dt.date.fromisoformat(v["$date"])
        if "$decimal" in v:
            return decimal.Decimal(v["$decimal"])
    return v


# --- file listings ------------------------------------------------------------------------

def _mtime(info: Mapping[str, Any]) -> float:
    for key in ("mtime", "LastModified", "last_modified", "updated", "modified", "created"):
        v = info.get(key)
        if v is None:
            continue
        if isinstance(v, _dt.datetime):
            if v.tzinfo is None:
                v = v.replace(tzinfo=_dt.timezone.utc)
            return v.timestamp()
        if isinstance(v, str):
            try:
                return _dt.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
        return float(v)
    return 0.0


def list_files(root: str, pattern: str = "*", recursive: bool = True) -> List[Tuple[str, float, int]]:
    """(path, mtime, size) of the files under `root` (a path or fsspec URI) whose base
    name matches `pattern`; names starting with '.' or '_' (e.g. _SUCCESS) are skipped."""
    import fsspec

    fs, path = fsspec.core.url_to_fs(root)
    if not fs.exists(path):
        return []
    if fs.isfile(path):
        infos = [fs.info(path)]
    elif recursive:
        infos = list(fs.find(path, detail=True).values())
    else:
        infos = fs.ls(path, detail=True)
    local = "file" in (fs.protocol if isinstance(fs.protocol, (list, tuple)) else (fs.protocol,))
    out = []
    for info in infos:
        if info.get("type") not in ("file", None):
            continue
        name = info["name"]
        base = os.path.basename(name.rstrip("/"))
        if base.startswith((".", "_")) or not fnmatch.fnmatch(base, pattern):
            continue
        rel_parts = name[len(path):].strip("/").split("/")
        if any(p.startswith((".", "_")) for p in rel_parts[:-1]):
            continue
        full = name if local else fs.unstrip_protocol(name)
        out.append((full, _mtime(info), int(info.get("size") or 0)))
    return sorted(out)


def select_new_files(listing: Sequence[Tuple[str, float, int]], state: Optional[Mapping[str, Any]],
                     *, window: float, floor: Optional[float] = None
                     ) -> Tuple[List[str], Dict[str, Any]]:
    """The files of `listing` not processed according to `state`, and the state after
    processing them. `floor` (set-to-now) counts everything up to it as processed."""
    hw: Optional[float] = state.get("high_water") if state else None
    known: Dict[str, List[float]] = dict(state.get("files", {})) if state else {}
    if floor is not None:
        hw = floor if hw is None else max(hw, floor)
    new: List[str] = []
    for path, mtime, size in listing:
        if hw is None or mtime > hw:
            new.append(path)
        elif mtime > hw - window:
            seen = known.get(path)
            if seen is None or float(seen[0]) != float(mtime) or int(seen[1]) != int(size):
                new.append(path)  # landed late, or changed in place
    marks = [m for _, m, _ in listing] + ([hw] if hw is not None else [])
    new_hw = max(marks) if marks else None
    remembered: Dict[str, List[float]] = {}
    if new_hw is not None:
        for path, mtime, size in listing:
            if mtime > new_hw - window:
                remembered[path] = [mtime, size]
    return new, {"kind": "files", "high_water": new_hw, "window_seconds": window, "files": remembered}


# --- table keys ---------------------------------------------------------------------------

def _key_of(row: Any, keys: Sequence[str]) -> Tuple:
    if isinstance(row, Mapping):
        return tuple(row[k] for k in keys)
    try:
        return tuple(row[k] for k in keys)  # pyspark Row, pandas Series
    except (TypeError, KeyError, IndexError):
        return tuple(getattr(row, k) for k in keys)


def _lex_gt(cols: Sequence[Any], vals: Sequence[Any]):
    """Spark Column: (cols) > (vals), lexicographically."""
    from pyspark.sql import functions as F

    cond = None
    for i in range(len(cols)):
        term = cols[i] > F.lit(vals[i])
        for j in range(i):
            term = (cols[j] == F.lit(vals[j])) & term
        cond = term if cond is None else (cond | term)
    return cond


# --- a named source -----------------------------------------------------------------------

class Source:
    """One named source of a job's bookmark (get it from `JobContext.bookmark(name)`)."""

    def __init__(self, name: str, mode: str, committed: Optional[Mapping[str, Any]],
                 committed_on: Optional[float], floor: Optional[float], record: Callable[[str, Dict], None]):
        self.name = name
        self.mode = mode
        self._committed = dict(committed) if committed else None
        self._committed_on = committed_on
        self._floor = floor if (floor is not None and (committed_on is None or committed_on < floor)) else None
        self._record = record

    @property
    def committed_state(self) -> Optional[Dict[str, Any]]:
        return self._committed

    def _state_for(self, kind: str, **identity) -> Optional[Mapping[str, Any]]:
        if self.mode == "DISABLE" or not self._committed:
            return None
        st = self._committed
        if st.get("kind") != kind or any(st.get(k) != v for k, v in identity.items()):
            return None  # the source changed shape (other folder, other keys): start over
        return st

    # files -------------------------------------------------------------------------------
    def new_files(self, root: str, pattern: str = "*", *, recursive: bool = True,
                  window_seconds: float = DEFAULT_WINDOW_SECONDS) -> List[str]:
        """Files under `root` this job has not processed (all of them with bookmarks disabled)."""
        listing = list_files(root, pattern, recursive)
        state = self._state_for("files", root=root)
        floor = None if self.mode == "DISABLE" else self._floor
        new, after = select_new_files(listing, state, window=window_seconds, floor=floor)
        after["root"] = root
        self._record(self.name, after)
        return new

    # tables ------------------------------------------------------------------------------
    def filter_rows(self, rows: Iterable[Any], keys: Sequence[str]) -> List[Any]:
        """Rows (mappings or Row objects) whose `keys` are above the committed maximum."""
        keys = list(keys)
        rows = list(rows)
        state = self._state_for("table", keys=keys)
        last = tuple(decode_value(v) for v in state["last"]) if state and state.get("last") is not None else None
        all_keys = [_key_of(r, keys) for r in rows]
        if self._floor is not None and self.mode != "DISABLE":
            selected: List[Any] = []
        else:
            selected = [r for r, k in zip(rows, all_keys) if last is None or k > last]
        candidates = [k for k in all_keys if last is None or k > last] + ([last] if last is not None else [])
        upper = max(candidates) if candidates else None
        self._record(self.name, {"kind": "table", "keys": keys,
                                 "last": None if upper is None else [encode_value(v) for v in upper]})
        return selected

    def filter_dataframe(self, df, keys: Sequence[str]):
        """The rows of a Spark DataFrame whose `keys` are above the committed maximum and at
        most the maximum present now (fixed here, so later arrivals wait for the next run)."""
        from pyspark.sql import functions as F

        keys = list(keys)
        cols = [F.col(k) for k in keys]
        state = self._state_for("table", keys=keys)
        last = [decode_value(v) for v in state["last"]] if state and state.get("last") is not None else None
        base = df.filter(_lex_gt(cols, last)) if last is not None else df
        top = base.agg(F.max(F.struct(*cols)).alias("m")).collect()[0]["m"]
        upper = list(top) if top is not None else None
        if upper is None:
            self._record(self.name, {"kind": "table", "keys": keys,
                                     "last": None if last is None else [encode_value(v) for v in last]})
            return df.filter(F.lit(False))
        self._record(self.name, {"kind": "table", "keys": keys, "last": [encode_value(v) for v in upper]})
        if self._floor is not None and self.mode != "DISABLE":
            return df.filter(F.lit(False))
        return base.filter(~_lex_gt(cols, upper))
