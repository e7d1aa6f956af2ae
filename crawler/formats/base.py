"""The format-plugin interface and the objects plugins exchange with the crawler.

A plugin is an object with a `name`, and three methods:

- `detect(source) -> float`: how sure it is (0 = not this format, 1 = certain) that a file
  is in its format, from the file's name and first bytes (`source.head`,
  `source.text_sample()`); must not raise.
- `infer_schema(source, options) -> FileSchema`: the file's schema, read from metadata where
  the format has it (footers, headers) and from sampled records otherwise; raises
  `FormatError` for a file it cannot read.
- `storage(table: TableInput) -> Storage`: the Hive storage (SerDe, input/output formats,
  SerDe and table parameters) for a table of such files, and the Spark datasource to use
  when Spark's classpath lacks the SerDe.

Third-party plugins register under the `lakeglue.crawler.formats` entry-point group.
"""
from __future__ import annotations

import abc
import io
import os
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Dict, Mapping, NamedTuple, Optional, Sequence, Tuple

from .. import compression
from ..schema import Field


#: FileSchema hint: the file is compressed but its name does not say so (see Source.compression_hints)
CODEC_NOT_IN_NAME = "codec_not_in_name"


class FormatError(Exception):
    """A file that cannot be read as the format it was detected as (corrupt, truncated)."""


class FileEntry(NamedTuple):
    """A listed data file: `path` as its filesystem knows it, `rel` relative to the crawl
    path ('/'-separated), size in bytes, modification time (epoch seconds) and ETag.
    (A named tuple: crawls create one per file, and lakes have millions.)"""

    path: str
    rel: str
    size: int
    mtime: Optional[float] = None
    etag: Optional[str] = None

    @property
    def name(self) -> str:
        return self.rel.rsplit("/", 1)[-1]

    @property
    def folder(self) -> str:
        return self.rel.rsplit("/", 1)[0] if "/" in self.rel else ""


@dataclass
class InferenceOptions:
    """How much to read from text files and how to read CSV.

    sample_rows: records sampled per JSON/CSV file; sample_bytes: decompressed bytes read
    at most per file; csv_header: "auto", "yes" or "no"; csv_delimiter: None to sniff.
    """

    sample_rows: int = 1000
    sample_bytes: int = 4 * 1024 * 1024
    csv_header: str = "auto"
    csv_delimiter: Optional[str] = None


def is_local(fs: Any) -> bool:
    """Whether an fsspec filesystem is the local one (its paths are plain OS paths)."""
    protocol = getattr(fs, "protocol", None)
    protocols = protocol if isinstance(protocol, (tuple, list)) else (protocol,)
    return "file" in protocols and type(fs).__name__ == "LocalFileSystem"


class Source:
    """One file being inspected: opens it through its filesystem on demand and caches the
    raw head and the decompressed sample so several plugins can look at them cheaply."""

    HEAD_BYTES = 64
    SMALL_FILE = 64 * 1024

    def __init__(self, fs: Any, entry: FileEntry, options: Optional[InferenceOptions] = None,
                 local: Optional[bool] = None):
        self.fs = fs
        self.entry = entry
        self.options = options or InferenceOptions()
        self._head: Optional[bytes] = None
        self._sample: Optional[Tuple[bytes, bool]] = None
        self._codec: Optional[str] = None
        self._local = is_local(fs) if local is None else local  # (given by callers with many files)
        self._fd: Optional[int] = None
        self._whole: Optional[bytes] = None
        self.bytes_read = 0

    @property
    def path(self) -> str:
        return self.entry.path

    @property
    def extension(self) -> str:
        """The extension left after any compression extension (`a.csv.gz` → `.csv`)."""
        return os.path.splitext(compression.strip_extension(self.entry.name))[1].lower()

    def open(self) -> BinaryIO:
        """The raw file, seekable. Raises OSError."""
        if self._local:  # the builtin: fsspec's local wrapper costs more than the read itself
            return open(self.entry.path, "rb")
        return self.fs.open(self.entry.path, "rb")

    @property
    def local(self) -> bool:
        """Whether the file is on the local filesystem (then `size` and `read_at` work)."""
        return self._local

    def _descriptor(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.entry.path, os.O_RDONLY)
        return self._fd

    def size(self) -> int:
        """A local file's current size. Raises OSError (also for a file that is not local)."""
        if not self._local:
            raise OSError("size() is for local files")
        if self._whole is not None:
            return len(self._whole)
        return os.fstat(self._descriptor()).st_size

    def read_at(self, offset: int, length: int) -> bytes:
        """`length` bytes of a local file from `offset` (one descriptor per Source, kept
        until `close`: detection and inference then open a file once; a small file is read
        whole with its head, see `head`). Raises OSError."""
        if not self._local:
            raise OSError("read_at() is for local files")
        if self._whole is not None:
            return self._whole[offset:offset + length]
        data = os.pread(self._descriptor(), length, offset)
        self.bytes_read += len(data)
        return data

    def close(self) -> None:
        if self._fd is not None:
            try:
                os.close(self._fd)
            finally:
                self._fd = None

    def __del__(self) -> None:  # a Source not closed by its user
        try:
            self.close()
        except OSError:
            pass

    @property
    def head(self) -> bytes:
        """The first HEAD_BYTES bytes. A local file no bigger than SMALL_FILE (as listed) is
        read whole at once: the footer or header a plugin reads next is then at hand."""
        if self._head is None:
            try:
                if self._local:
                    size = self.entry.size
                    if 0 < size <= self.SMALL_FILE:
                        data = self.read_at(0, size + 1)
                        if len(data) == size:  # (not when it changed since it was listed)
                            self._whole = data
                        self._head = data[:self.HEAD_BYTES]
                    else:
                        self._head = self.read_at(0, self.HEAD_BYTES)
                    return self._head
                with self.open() as f:
                    self._head = f.read(self.HEAD_BYTES)
            except OSError:
                self._head = b""
            self.bytes_read += len(self._head)
        return self._head

    @property
    def compression(self) -> str:
        if self._codec is None:
            self._codec = compression.detect(self.entry.path, self.head)
        return self._codec

    def compression_hints(self) -> Tuple[Tuple[str, str], ...]:
        """The FileSchema hints about the file's whole-file compression that every format
        read through `text_sample` adds: CODEC_NOT_IN_NAME when the name does not tell the
        codec the content has (engines would read the compressed bytes as text)."""
        if compression.named_for_engines(self.entry.name, self.compression):
            return ()
        return ((CODEC_NOT_IN_NAME, "true"),)

    def text_sample(self) -> Tuple[bytes, bool]:
        """(decompressed prefix of at most options.sample_bytes, whether it is the whole file).

        Raises FormatError when the data does not decompress."""
        if self._sample is None:
            try:
                codec = self.compression
                if self._whole is not None:  # a small file, read whole with its head
                    data, complete = compression.read_prefix(io.BytesIO(self._whole), codec, self.options.sample_bytes)
                else:
                    with self.open() as f:
                        data, complete = compression.read_prefix(f, codec, self.options.sample_bytes)
                        self.bytes_read += f.tell() if hasattr(f, "tell") else len(data)
            except compression.DecompressionError as e:
                raise FormatError(str(e)) from e
            except OSError as e:
                raise FormatError(f"cannot read: {e}") from e
            self._sample = (data, complete)
        return self._sample


@dataclass(frozen=True)
class FileSchema:
    """What a plugin learned about one file.

    layout: settings every file of a table must share (e.g. the CSV delimiter); files with
    different layouts never become one table. hints: settings merged across a table's files
    (e.g. "some CSV fields are quoted"). records: the record count (exact when
    records_exact, else an estimate or None). extra: format-specific data the plugin's
    `storage` needs (e.g. the Avro writer schema).
    """

    format: str
    fields: Tuple[Field, ...]
    compression: str = compression.NONE
    layout: Tuple[Tuple[str, str], ...] = ()
    hints: Tuple[Tuple[str, str], ...] = ()
    records: Optional[int] = None
    records_exact: bool = False
    extra: Tuple[Tuple[str, str], ...] = ()

    def layout_dict(self) -> Dict[str, str]:
        return dict(self.layout)

    def hint(self, key: str, default: str = "") -> str:
        return dict(self.hints).get(key, default)

    def extra_value(self, key: str) -> Optional[str]:
        return dict(self.extra).get(key)


@dataclass(frozen=True)
class TableInput:
    """What `storage` gets: the table's location URI, merged data columns, partition keys
    (name, Hive type), and the schemas of its files (each distinct one once, record counts
    aside), in the order the files were found."""

    location: str
    fields: Tuple[Field, ...]
    partition_keys: Tuple[Tuple[str, Any], ...]
    files: Sequence[FileSchema]

    def any_hint(self, key: str) -> bool:
        return any(f.hint(key) == "true" for f in self.files)

    @property
    def layout(self) -> Dict[str, str]:
        return self.files[0].layout_dict() if self.files else {}


@dataclass(frozen=True)
class Storage:
    """A plugin's storage decision for a table.

    hive_fields: the columns Hive should see when they differ from the inferred ones (e.g.
    all strings for OpenCSVSerde); spark_provider/spark_options: Spark's datasource and its
    options when Spark must not use the Hive SerDe (the crawler then records Spark's
    datasource properties and the `path` SerDe parameter).
    """

    input_format: str
    output_format: str
    serde: str
    serde_params: Mapping[str, str] = field(default_factory=dict)
    table_params: Mapping[str, str] = field(default_factory=dict)
    hive_fields: Optional[Tuple[Field, ...]] = None
    spark_provider: Optional[str] = None
    spark_options: Mapping[str, str] = field(default_factory=dict)
    notes: Tuple[str, ...] = ()  # caveats shown by --explain and --dry-run


class FormatPlugin(abc.ABC):
    """Base class for format plugins (see the module doc)."""

    name: str = ""
    #: Glue's `classification` table parameter.
    classification: str = ""
    #: Detection order: lower runs first; cheap magic-byte checks before text sniffing.
    priority: int = 50
    #: Whether a column whose type differs between files may become `string` (text formats,
    #: where every value is text anyway) rather than split the files into several tables.
    string_fallback_ok: bool = False

    @abc.abstractmethod
    def detect(self, source: Source) -> float:
        """Confidence in [0, 1] that `source` is in this format; never raises."""

    @abc.abstractmethod
    def infer_schema(self, source: Source, options: InferenceOptions) -> FileSchema:
        """The file's schema. Raises FormatError for an unreadable file."""

    @abc.abstractmethod
    def storage(self, table: TableInput) -> Storage:
        """Hive storage and parameters for a table of this format."""


__all__ = ["CODEC_NOT_IN_NAME", "FormatError", "FileEntry", "InferenceOptions", "Source", "FileSchema", "TableInput",
           "Storage", "FormatPlugin"]
