"""Spark's datasource-table properties, so Spark reads a crawled table with its own reader
when the table's Hive SerDe is not on Spark's classpath (JSON) or gives only strings (CSV).

Spark's Hive catalog treats a table whose parameters name `spark.sql.sources.provider` as a
datasource table: its schema comes from `spark.sql.sources.schema` (split into
`.numParts` / `.part.N` chunks of at most 4000 characters, as Spark writes it), its
partition columns from `.numPartCols` / `.partCol.N`, its location from the `path` SerDe
parameter, its reader options from the other SerDe parameters. With
`spark.sql.partitionProvider=catalog`, Spark takes partitions (and their folders) from the
metastore, so unnamed partition folders work too.
"""
from __future__ import annotations

import json
from typing import Dict, Mapping, Optional, Sequence, Tuple

from . import schema as S

PROVIDER = "spark.sql.sources.provider"
SCHEMA = "spark.sql.sources.schema"
PARTITION_PROVIDER = "spark.sql.partitionProvider"
CHUNK = 4000


def table_properties(provider: str, fields: Sequence[S.Field], partition_keys: Sequence[Tuple[str, object]]
                     ) -> Dict[str, str]:
    """The table parameters that make Spark read the table with datasource `provider`."""
    text = S.spark_schema_json(fields, partition_keys)
    props = {PROVIDER: provider}
    chunks = [text[i:i + CHUNK] for i in range(0, len(text), CHUNK)] or [""]
    props[f"{SCHEMA}.numParts"] = str(len(chunks))
    for i, chunk in enumerate(chunks):
        props[f"{SCHEMA}.part.{i}"] = chunk
    if partition_keys:
        props[f"{SCHEMA}.numPartCols"] = str(len(partition_keys))
        for i, (name, _) in enumerate(partition_keys):
            props[f"{SCHEMA}.partCol.{i}"] = name
        props[PARTITION_PROVIDER] = "catalog"
    return props


#: What Spark reads zstd text with. Hadoop's own ZStandardCodec (the one Spark's file sources
#: pick for `.zst`) works only with a libhadoop built with zstd, which pyspark does not ship
#: ("native zStandard library not available: this version of libhadoop was built without zstd
#: support"). Spark's jars do carry two pure-Java (or bundled-JNI) Hadoop codecs: aircompressor's
#: (`.zst`) and parquet-hadoop's on zstd-jni (`.zstd`). A datasource option is put in the Hadoop
#: configuration of the table's scan, and codecs listed in `io.compression.codecs` take their
#: extensions over the built-in ones.
ZSTD_CODECS = "io.airlift.compress.zstd.ZstdCodec,org.apache.parquet.hadoop.codec.ZstandardCodec"
CODECS_OPTION = "io.compression.codecs"


def codec_options(compressions) -> Dict[str, str]:
    """Datasource options Spark needs to read text files of these whole-file codecs."""
    return {CODECS_OPTION: ZSTD_CODECS} if "zstd" in compressions else {}


def is_spark_key(key: str) -> bool:
    return key.startswith("spark.sql.sources.") or key == PARTITION_PROVIDER


def read_schema(params: Mapping[str, str]) -> Optional[Tuple[S.Field, ...]]:
    """The data columns (partition columns removed) recorded in Spark's properties, or
    None when the table has none. Raises TypeParseError for a schema it cannot read."""
    text = params.get(SCHEMA)
    if text is None:
        parts = params.get(f"{SCHEMA}.numParts")
        if parts is None:
            return None
        text = "".join(params.get(f"{SCHEMA}.part.{i}", "") for i in range(int(parts)))
    try:
        struct = S.from_spark(json.loads(text))
    except ValueError as e:
        raise S.TypeParseError(f"bad Spark schema property: {e}") from e
    part_cols = {params.get(f"{SCHEMA}.partCol.{i}", "").lower()
                 for i in range(int(params.get(f"{SCHEMA}.numPartCols", "0")))}
    return tuple(S.Field(n, t) for n, t in struct.fields if n.lower() not in part_cols)


__all__ = ["PROVIDER", "SCHEMA", "PARTITION_PROVIDER", "table_properties", "is_spark_key", "read_schema",
           "codec_options", "ZSTD_CODECS", "CODECS_OPTION"]
