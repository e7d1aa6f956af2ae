"""Write small data files with the real libraries (fastparquet, pyorc, fastavro, json,
csv) for crawler tests."""
from __future__ import annotations

import bz2
import csv
import datetime
import decimal
import gzip
import io
import json
import os
from pathlib import Path
from typing import Dict, List, Optional, Sequence


def _ensure(path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    return p


def write_parquet(path, columns: Dict[str, list], compression: str = "SNAPPY") -> Path:
    import fastparquet
    import pandas as pd

    p = _ensure(path)
    fastparquet.write(str(p), pd.DataFrame(columns), compression=compression, write_index=False)
    return p


def write_orc(path, schema: str, rows: Sequence[tuple], compression: str = "zlib") -> Path:
    import pyorc

    p = _ensure(path)
    kind = {"zlib": pyorc.CompressionKind.ZLIB, "none": pyorc.CompressionKind.NONE,
            "snappy": pyorc.CompressionKind.SNAPPY, "zstd": pyorc.CompressionKind.ZSTD}[compression]
    with open(p, "wb") as f:
        with pyorc.Writer(f, schema, compression=kind) as w:
            for r in rows:
                w.write(r)
    return p


def write_avro(path, schema: dict, records: Sequence[dict], codec: str = "deflate") -> Path:
    import fastavro

    p = _ensure(path)
    with open(p, "wb") as f:
        fastavro.writer(f, fastavro.parse_schema(schema), list(records), codec=codec, sync_interval=256)
    return p


def _compress(data: bytes, codec: Optional[str]) -> bytes:
    if codec is None:
        return data
    if codec == "gzip":
        return gzip.compress(data)
    if codec == "bzip2":
        return bz2.compress(data)
    if codec == "zstd":
        import zstandard
        return zstandard.ZstdCompressor().compress(data)
    if codec == "snappy":
        from crawler.compression import hadoop_snappy_compress
        return hadoop_snappy_compress(data)
    raise ValueError(codec)


def write_json_lines(path, records: Sequence[dict], codec: Optional[str] = None) -> Path:
    p = _ensure(path)
    data = "".join(json.dumps(r, default=str) + "\n" for r in records).encode()
    p.write_bytes(_compress(data, codec))
    return p


def write_json_array(path, records: Sequence[dict], indent: Optional[int] = 2) -> Path:
    p = _ensure(path)
    p.write_text(json.dumps(list(records), indent=indent, default=str))
    return p


def write_csv(path, header: Optional[Sequence[str]], rows: Sequence[Sequence], delimiter: str = ",",
              codec: Optional[str] = None, quoting: int = csv.QUOTE_MINIMAL) -> Path:
    p = _ensure(path)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator="\n")
    if header:
        w.writerow(header)
    for r in rows:
        w.writerow(r)
    p.write_bytes(_compress(buf.getvalue().encode(), codec))
    return p


USER_AVRO = {
    "type": "record", "name": "User", "namespace": "lake",
    "fields": [
        {"name": "id", "type": "long"},
        {"name": "name", "type": ["null", "string"], "default": None},
        {"name": "score", "type": "double"},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "joined", "type": {"type": "int", "logicalType": "date"}},
    ],
}


def avro_users(n: int, start: int = 0) -> List[dict]:
    return [{"id": start + i, "name": f"u{start + i}", "score": i * 1.5, "tags": ["a", "b"][: i % 3],
             "joined": datetime.date(2024, 1, 1) + datetime.timedelta(days=i)} for i in range(n)]


def make_lake(base) -> Dict[str, int]:
    """A lake with one table per format (and a few layouts); returns {table: rows}."""
    base = Path(base)
    counts: Dict[str, int] = {}
    # parquet, Hive-style partitions
    n = 0
    for ds in ("2024-01-01", "2024-01-02"):
        for part in range(2):
            write_parquet(base / "sales" / f"ds={ds}" / f"part-{part}.parquet",
                          {"id": [n + i for i in range(5)], "amount": [1.25 * i for i in range(5)],
                           "item": [f"i{i}" for i in range(5)]})
            n += 5
    (base / "sales" / "_SUCCESS").write_text("")
    counts["sales"] = n
    # orc, unpartitioned
    write_orc(base / "events" / "e1.orc", "struct<id:bigint,kind:string,at:timestamp,tags:array<string>>",
              [(i, "click", datetime.datetime(2024, 1, 1, 0, 0, i), ["x"]) for i in range(7)])
    write_orc(base / "events" / "e2.orc", "struct<id:bigint,kind:string,at:timestamp,tags:array<string>>",
              [(100 + i, "view", datetime.datetime(2024, 1, 2), []) for i in range(3)])
    counts["events"] = 10
    # avro
    write_avro(base / "users" / "u1.avro", USER_AVRO, avro_users(6))
    write_avro(base / "users" / "u2.avro", USER_AVRO, avro_users(4, start=6), codec="null")
    counts["users"] = 10
    # json lines, nested, gzip, unnamed partition levels
    k = 0
    for year in ("2023", "2024"):
        recs = [{"id": k + i, "user": {"name": f"n{i}", "age": 20 + i}, "items": [{"sku": "a", "qty": i}],
                 "attrs": {"color": "red"}} for i in range(4)]
        k += 4
        write_json_lines(base / "clicks" / year / "data.json.gz", recs, codec="gzip")
    counts["clicks"] = k
    # json array
    write_json_array(base / "orders" / "orders.json",
                     [{"order_id": i, "total": i * 2.5, "lines": [{"sku": "x", "n": 1}]} for i in range(5)])
    counts["orders"] = 5
    # csv: typed, quoted, header
    write_csv(base / "customers" / "c1.csv", ["id", "name", "balance", "since", "active", "zip"],
              [[i, f"Smith, {i}", f"{i}.50", f"2024-01-{i + 1:02d}", "true" if i % 2 else "false", f"0{i}123"]
               for i in range(8)])
    counts["customers"] = 8
    # tsv, no quotes, bzip2
    write_csv(base / "metrics" / "m.tsv.bz2", ["host", "cpu", "ts"],
              [[f"h{i}", i * 0.5, f"2024-01-01 00:00:0{i}"] for i in range(6)], delimiter="\t", codec="bzip2")
    counts["metrics"] = 6
    # junk
    (base / ".hidden").mkdir(parents=True, exist_ok=True)
    (base / ".hidden" / "x.csv").write_text("a,b\n1,2\n")
    (base / "sales" / "_temporary").mkdir(parents=True, exist_ok=True)
    (base / "sales" / "_temporary" / "p.parquet").write_bytes(b"junk")
    (base / "events" / ".old.orc.crc").write_bytes(b"crc")  # as Hadoop names them (no real file: not verified)
    (base / "events" / "empty.orc").write_bytes(b"")
    os.makedirs(base / "events" / "_delta_log", exist_ok=True)
    (base / "events" / "_delta_log" / "000.json").write_text("{}")
    return counts
