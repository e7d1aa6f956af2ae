"""ORC: the schema, row count and codec from the footer (pyorc), whose type strings are
already Hive's; stored with Hive's ORC SerDe, which Spark reads natively."""
from __future__ import annotations

from .. import schema as S
from .base import FileSchema, FormatError, FormatPlugin, InferenceOptions, Source, Storage, TableInput

MAGIC = b"ORC"
INPUT_FORMAT = "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat"
OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat"
SERDE = "org.apache.hadoop.hive.ql.io.orc.OrcSerde"
_CODECS = {0: "none", 1: "zlib", 2: "snappy", 3: "lzo", 4: "lz4", 5: "zstd"}


class OrcFormat(FormatPlugin):
    name = "orc"
    classification = "orc"
    priority = 10

    def detect(self, source: Source) -> float:
        return 1.0 if source.head[:3] == MAGIC else 0.0

    def infer_schema(self, source: Source, options: InferenceOptions) -> FileSchema:
        import pyorc

        try:
            with source.open() as f:
                reader = pyorc.Reader(f)
                type_text = str(reader.schema)
                records = len(reader)
                codec = _CODECS.get(int(reader.compression), "none")
        except Exception as e:  # pyorc raises ParseError and friends
            raise FormatError(f"not a readable ORC file: {e}") from e
        try:
            root = S.parse_type(type_text.replace("timestamp with local time zone", "timestamp"))
        except S.TypeParseError as e:
            raise FormatError(f"unsupported ORC schema {type_text}: {e}") from e
        if not isinstance(root, S.Struct):
            raise FormatError(f"ORC file without a struct schema: {type_text}")
        fields = tuple(S.Field(n, t) for n, t in root.fields)
        return FileSchema(format=self.name, fields=fields, compression=codec, records=records,
                          records_exact=True)

    def storage(self, table: TableInput) -> Storage:
        return Storage(INPUT_FORMAT, OUTPUT_FORMAT, SERDE)
