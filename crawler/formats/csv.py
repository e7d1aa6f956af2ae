"""CSV/TSV and other delimited text: delimiter sniffing among `,` `|` tab `;`, header
detection, quoting, typed columns from sampled rows.

Storage: Hive's LazySimpleSerDe (typed columns, readable by Hive, Trino and Spark) when no
field is quoted; OpenCSVSerde (whose columns are strings for Hive and Trino) when fields
are quoted. Either way Spark reads the table with its own CSV datasource and the typed
schema, recorded as Spark's datasource properties.
"""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from typing import List, Optional, Sequence, Tuple

from .. import schema as S
from .base import FileSchema, FormatError, FormatPlugin, InferenceOptions, Source, Storage, TableInput
from .values import ColumnStats, classify

DELIMITERS = (",", "|", "\t", ";")
TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
LAZY_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
OPEN_CSV_SERDE = "org.apache.hadoop.hive.serde2.OpenCSVSerde"
_TEXT_EXTENSIONS = {".csv": 0.9, ".tsv": 0.9, ".psv": 0.9, ".tab": 0.9, ".txt": 0.6, ".dat": 0.6, "": 0.4}
_SNIFF_LINES = 200
_HEADER_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .\-/()#%]*$")
csv.field_size_limit(16 * 1024 * 1024)


def decode(data: bytes, complete: bool) -> str:
    """Bytes of a text sample as str (UTF-8, BOM dropped, a cut-off last line dropped).
    Raises FormatError for binary data."""
    if b"\x00" in data[:4096]:
        raise FormatError("binary data (NUL bytes), not delimited text")
    text = data.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    if not complete:
        cut = text.rfind("\n")
        text = text[: cut + 1] if cut >= 0 else text
    return text


def _rows(text: str, delimiter: str, limit: int) -> List[List[str]]:
    rows = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            rows.append(row)
            if len(rows) >= limit:
                break
    except csv.Error as e:
        raise FormatError(f"malformed delimited text: {e}") from e
    return rows


def sniff_delimiter(text: str, preferred: str = ",") -> Tuple[str, float]:
    """The delimiter among DELIMITERS that splits the first lines most consistently into
    two or more fields, with its consistency score (share of lines with the modal count);
    (`preferred`, 0.0) when none does."""
    best, best_key = preferred, (0.0, 0, 0)
    head = "".join(text.splitlines(keepends=True)[:_SNIFF_LINES])
    for i, d in enumerate(DELIMITERS):
        try:
            rows = _rows(head, d, _SNIFF_LINES)
        except FormatError:
            continue
        if not rows:
            continue
        counts = Counter(len(r) for r in rows)
        modal, n = counts.most_common(1)[0]
        if modal < 2:
            continue
        key = (n / len(rows), modal, -abs(DELIMITERS.index(preferred) - i) if preferred in DELIMITERS else 0)
        if key > best_key:
            best, best_key = d, key
    return best, best_key[0]


def _sanitize(names: Sequence[str]) -> List[str]:
    out: List[str] = []
    seen = set()
    for i, raw in enumerate(names):
        name = re.sub(r"[^0-9a-z_]+", "_", raw.strip().lower()).strip("_") or f"col{i}"
        base, n = name, 1
        while name in seen:
            name = f"{base}_{n}"
            n += 1
        seen.add(name)
        out.append(name)
    return out


def detect_header(rows: List[List[str]]) -> bool:
    """Whether the first row is a header: its values are distinct non-empty texts, and
    either some column's data is typed (numbers, dates, booleans) while its first value is
    not, or, for all-text data, every first-row value looks like a name and none occurs
    again in its column."""
    if not rows:
        return False
    first = [v.strip() for v in rows[0]]
    if any(not v for v in first) or len(set(first)) != len(first):
        return False
    if any(classify(v) != "string" for v in first):
        return False
    data = rows[1:]
    if not data:
        return all(_HEADER_NAME.match(v) for v in first)
    for i in range(len(first)):
        t = ColumnStats().add_all(r[i] if i < len(r) else None for r in data).hive_type()
        if t not in (S.STRING, S.VOID):
            return True
    if not all(_HEADER_NAME.match(v) for v in first):
        return False
    return not any(first[i] in {r[i].strip() for r in data if i < len(r)} for i in range(len(first)))


class CsvFormat(FormatPlugin):
    name = "csv"
    classification = "csv"
    priority = 90
    string_fallback_ok = True

    def detect(self, source: Source) -> float:
        base = _TEXT_EXTENSIONS.get(source.extension)
        if base is None:
            return 0.0
        try:
            data, complete = source.text_sample()
            text = decode(data[:65536], complete and len(data) <= 65536)
        except FormatError:
            return 0.0
        if not text.strip():
            return 0.0
        _, score = sniff_delimiter(text, "\t" if source.extension == ".tsv" else ",")
        if score >= 0.8:
            return max(base, 0.7)
        return base if base >= 0.9 else 0.0

    def infer_schema(self, source: Source, options: InferenceOptions) -> FileSchema:
        data, complete = source.text_sample()
        text = decode(data, complete)
        preferred = "\t" if source.extension in (".tsv", ".tab") else ("|" if source.extension == ".psv" else ",")
        delimiter = options.csv_delimiter or sniff_delimiter(text, preferred)[0]
        rows = _rows(text, delimiter, 10 ** 9 if complete else options.sample_rows + 1)
        if not rows:
            raise FormatError("no rows")
        if options.csv_header == "yes":
            header = True
        elif options.csv_header == "no":
            header = False
        else:
            header = detect_header(rows[: options.sample_rows + 1])
        width = max(len(r) for r in rows[: options.sample_rows + 1])
        if header:
            names = _sanitize(rows[0] + [f"col{i}" for i in range(len(rows[0]), width)])
            data_rows = rows[1:]
        else:
            names = [f"col{i}" for i in range(width)]
            data_rows = rows
        sample = data_rows[: options.sample_rows]
        fields = tuple(
            S.Field(name, ColumnStats().add_all(r[i] if i < len(r) else None for r in sample).hive_type())
            for i, name in enumerate(names))
        quoted = re.search(r'(^|[%s])"' % re.escape(delimiter), text, re.MULTILINE) is not None
        hints = [("quoted", "true" if quoted else "false"),
                 ("doubled_quotes", "true" if quoted and '""' in text else "false"),
                 ("multiline", "true" if any("\n" in v or "\r" in v for r in sample for v in r) else "false")]
        return FileSchema(
            format=self.name, fields=fields, compression=source.compression,
            layout=(("delimiter", delimiter), ("header", "true" if header else "false")),
            hints=tuple(hints) + source.compression_hints(), records=len(data_rows) if complete else None,
            records_exact=complete,
        )

    def storage(self, table: TableInput) -> Storage:
        layout = table.layout
        delimiter = layout.get("delimiter", ",")
        header = layout.get("header") == "true"
        quoted = table.any_hint("quoted") or table.any_hint("multiline")
        table_params = {"delimiter": delimiter, "areColumnsQuoted": str(quoted).lower(), "columnsOrdered": "true"}
        serde_params = {}
        if header:
            table_params["skip.header.line.count"] = "1"
            serde_params["skip.header.line.count"] = "1"
        spark = {"sep": delimiter, "header": "true" if header else "false", "quote": '"'}
        if table.any_hint("doubled_quotes"):
            spark["escape"] = '"'
        if table.any_hint("multiline"):
            spark["multiLine"] = "true"
        if quoted:
            serde_params.update({"separatorChar": delimiter, "quoteChar": '"',
                                 "escapeChar": '"' if table.any_hint("doubled_quotes") else "\\"})
            return Storage(TEXT_INPUT, TEXT_OUTPUT, OPEN_CSV_SERDE, serde_params=serde_params,
                           table_params=table_params,
                           hive_fields=tuple(S.Field(f.name, S.STRING) for f in table.fields),
                           spark_provider="csv", spark_options=spark)
        serde_params.update({"field.delim": delimiter, "serialization.format": delimiter})
        return Storage(TEXT_INPUT, TEXT_OUTPUT, LAZY_SERDE, serde_params=serde_params,
                       table_params=table_params, spark_provider="csv", spark_options=spark)
