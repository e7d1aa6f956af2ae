"""JSON: newline-delimited records, or a top-level array of records (`[{...}, ...]`, pretty
printed or not). Types from sampled records: nested objects become structs, arrays arrays,
and objects whose keys vary from record to record (ids, dates as keys) become maps.

Storage: Hive's `org.apache.hive.hcatalog.data.JsonSerDe` (Hive, Trino) plus Spark's JSON
datasource properties, since that SerDe is not on Spark's classpath; arrays are read by
Spark with `multiLine`.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Set, Tuple

from .. import schema as S
from .base import FileSchema, FormatError, FormatPlugin, InferenceOptions, Source, Storage, TableInput
from .csv import TEXT_INPUT, TEXT_OUTPUT, decode

SERDE = "org.apache.hive.hcatalog.data.JsonSerDe"
_DECODER = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")
_DATA_KEY = re.compile(r"^(-?\d+(\.\d+)?|\d{4}-\d{2}-\d{2}.*|[0-9a-fA-F]{8}-[0-9a-fA-F-]{27,}|[0-9a-fA-F]{16,})$")
MAX_STRUCT_FIELDS = 200
_INT64 = 2 ** 63


@dataclass
class _KeyStats:
    objects: int = 0
    key_total: int = 0
    keys: Set[str] = field(default_factory=set)


class _Inferrer:
    """Infers record types and keeps per-path key statistics for map detection."""

    def __init__(self) -> None:
        self.stats: Dict[Tuple[str, ...], _KeyStats] = defaultdict(_KeyStats)

    def infer(self, value: Any, path: Tuple[str, ...] = ()):
        if value is None:
            return S.VOID
        if isinstance(value, bool):
            return S.BOOLEAN
        if isinstance(value, int):
            if abs(value) < _INT64:
                return S.BIGINT
            return S.Decimal(len(str(abs(value))), 0) if len(str(abs(value))) <= 38 else S.DOUBLE
        if isinstance(value, float):
            return S.DOUBLE
        if isinstance(value, str):
            return S.STRING
        if isinstance(value, list):
            t = S.VOID
            for item in value:
                t = S.merge_type(t, self.infer(item, path + ("[]",)))
            return S.Array(t)
        if isinstance(value, dict):
            st = self.stats[path]
            st.objects += 1
            st.key_total += len(value)
            if len(st.keys) <= 10 * MAX_STRUCT_FIELDS:
                st.keys.update(value.keys())
            return S.Struct(tuple((k, self.infer(v, path + (k,))) for k, v in value.items()))
        return S.STRING

    def is_map(self, path: Tuple[str, ...]) -> bool:
        st = self.stats.get(path)
        if st is None or st.objects == 0 or not st.keys:
            return False
        distinct = len(st.keys)
        if distinct > MAX_STRUCT_FIELDS:
            return True
        if all(_DATA_KEY.match(k) for k in st.keys):
            return True
        average = st.key_total / st.objects
        return st.objects >= 3 and distinct >= 8 and distinct > 3 * average

    def mapify(self, t, path: Tuple[str, ...] = ()):
        """Turn struct types at map-like paths into maps (not at the top level)."""
        if isinstance(t, S.Array):
            return S.Array(self.mapify(t.element, path + ("[]",)))
        if isinstance(t, S.Map):
            return S.Map(t.key, self.mapify(t.value, path + ("*",)))
        if isinstance(t, S.Struct):
            fields = tuple((n, self.mapify(ft, path + (n,))) for n, ft in t.fields)
            if path and self.is_map(path):
                value = S.VOID
                for _, ft in fields:
                    value = S.merge_type(value, ft)
                return S.Map(S.STRING, value)
            return S.Struct(fields)
        return t


def iter_records(text: str) -> Iterator[Tuple[Any, bool]]:
    """JSON values of a sample, each with whether it sat inside a top-level array.
    Stops quietly at a value cut off by the end of the sample. Raises FormatError for
    text that is not JSON."""
    pos = _WS.match(text, 0).end()
    if text.startswith("[", pos):
        pos += 1
        while True:
            pos = _WS.match(text, pos).end()
            if pos >= len(text) or text.startswith("]", pos):
                return
            try:
                value, pos = _DECODER.raw_decode(text, pos)
            except ValueError:
                return  # cut off by the sample limit (or corrupt: reported if nothing parsed)
            yield value, True
            pos = _WS.match(text, pos).end()
            if text.startswith(",", pos):
                pos += 1
        return
    first = True
    while pos < len(text):
        try:
            value, end = _DECODER.raw_decode(text, pos)
        except ValueError as e:
            if first:
                raise FormatError(f"not JSON: {e}") from e
            if "\n" not in text[pos:].rstrip():
                return  # the sample's last, cut-off line
            raise FormatError(f"bad JSON record at offset {pos}: {e}") from e
        first = False
        yield value, False
        pos = _WS.match(text, end).end()


class JsonFormat(FormatPlugin):
    name = "json"
    classification = "json"
    priority = 50
    string_fallback_ok = True

    def detect(self, source: Source) -> float:
        try:
            data, complete = source.text_sample()
        except FormatError:
            return 0.0
        head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
        if head[:1] == b"{":
            return 0.95
        if head[:1] == b"[" and head[1:].lstrip()[:1] in (b"{", b"]"):
            return 0.95
        return 0.0

    def infer_schema(self, source: Source, options: InferenceOptions) -> FileSchema:
        data, complete = source.text_sample()
        try:
            text = decode(data, True)
        except FormatError:
            raise
        inferrer = _Inferrer()
        record_type = S.Struct(())
        count = 0
        in_array = False
        for value, in_array in iter_records(text):
            if not isinstance(value, dict):
                raise FormatError(f"JSON record is a {type(value).__name__}, not an object")
            count += 1
            if count <= options.sample_rows:
                record_type = S.merge_type(record_type, inferrer.infer(value))
            elif not complete:
                break
        if count == 0:
            raise FormatError("no JSON records")
        record_type = inferrer.mapify(record_type)
        fields = tuple(S.Field(n, S.finalize(t)) for n, t in record_type.fields)
        return FileSchema(
            format=self.name, fields=fields, compression=source.compression, hints=source.compression_hints(),
            layout=(("json_layout", "array" if in_array else "lines"),),
            records=count if complete else None, records_exact=complete,
        )

    def storage(self, table: TableInput) -> Storage:
        options = {}
        notes = ()
        if table.layout.get("json_layout") == "array":
            options["multiLine"] = "true"
            notes = ("files hold top-level JSON arrays: Spark reads them (multiLine); Hive and Trino read "
                     "JSON one record per line and cannot",)
        serde_params = {"paths": ",".join(f.name for f in table.fields)}
        return Storage(TEXT_INPUT, TEXT_OUTPUT, SERDE, serde_params=serde_params,
                       spark_provider="json", spark_options=options, notes=notes)
