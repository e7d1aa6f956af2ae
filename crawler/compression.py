"""Whole-file compression of data files: detect it (extension, then magic bytes) and read
a decompressed prefix for sampling.

Supported: gzip, bzip2, zstd, snappy (the framing format, and Hadoop's block format that
Hadoop's `SnappyCodec` writes). Columnar formats compress inside the file and report
their codec themselves.
"""
from __future__ import annotations

import bz2
import gzip
import io
import struct
from typing import BinaryIO, Optional, Tuple

NONE = "none"
GZIP = "gzip"
BZIP2 = "bzip2"
ZSTD = "zstd"
SNAPPY = "snappy"

_EXTENSIONS = {
    ".gz": GZIP, ".gzip": GZIP, ".bz2": BZIP2, ".zst": ZSTD, ".zstd": ZSTD,
    ".snappy": SNAPPY, ".sz": SNAPPY,
}
_SNAPPY_FRAME_MAGIC = b"\xff\x06\x00\x00sNaPpY"


class DecompressionError(ValueError):
    """The data is not valid for the codec it was detected as."""


def by_extension(path: str) -> Optional[str]:
    lower = path.lower()
    for ext, codec in _EXTENSIONS.items():
        if lower.endswith(ext):
            return codec
    return None


def strip_extension(path: str) -> str:
    """The file name without its compression extension (`a.csv.gz` → `a.csv`)."""
    lower = path.lower()
    for ext in _EXTENSIONS:
        if lower.endswith(ext):
            return path[: -len(ext)]
    return path


#: the extensions by which engines reading whole-file compressed text (Hadoop's codec factory
#: in Spark and Hive; Trino) choose a codec; `.zstd` is Spark's only with the table option that
#: crawler.spark.codec_options sets
ENGINE_EXTENSIONS = {GZIP: (".gz",), BZIP2: (".bz2",), ZSTD: (".zst", ".zstd"), SNAPPY: (".snappy",)}


def named_for_engines(path: str, codec: str) -> bool:
    """Whether a file compressed with `codec` (as detected) has a name that makes engines
    decompress it: they pick the codec by extension alone, and read other files as they are."""
    return codec == NONE or path.lower().endswith(ENGINE_EXTENSIONS.get(codec, ("\0",)))


def by_magic(head: bytes) -> Optional[str]:
    if head[:2] == b"\x1f\x8b":
        return GZIP
    if head[:3] == b"BZh" and head[3:4].isdigit():
        return BZIP2
    if head[:4] == b"\x28\xb5\x2f\xfd":
        return ZSTD
    if head[:10] == _SNAPPY_FRAME_MAGIC:
        return SNAPPY
    return None


def detect(path: str, head: bytes) -> str:
    """The codec of a file: magic bytes win over the extension (a `.gz` that is not gzip is
    read as plain); a `.snappy` file (no magic in Hadoop's block format) goes by its name."""
    magic = by_magic(head)
    if magic:
        return magic
    ext = by_extension(path)
    if ext == SNAPPY and _looks_like_hadoop_snappy(head):
        return SNAPPY
    return NONE


def _looks_like_hadoop_snappy(head: bytes) -> bool:
    if len(head) < 8:
        return False
    raw_len, comp_len = struct.unpack(">II", head[:8])
    return 0 < raw_len < (1 << 30) and 0 < comp_len < (1 << 30)


def read_prefix(raw: BinaryIO, codec: str, max_bytes: int) -> Tuple[bytes, bool]:
    """Up to `max_bytes` of decompressed data from an open raw stream.

    Returns (data, complete) where complete is True when the whole file fit. Raises
    DecompressionError for corrupt input.
    """
    try:
        if codec == NONE:
            data = raw.read(max_bytes + 1)
        elif codec == GZIP:
            data = gzip.GzipFile(fileobj=raw).read(max_bytes + 1)
        elif codec == BZIP2:
            data = bz2.BZ2File(raw).read(max_bytes + 1)
        elif codec == ZSTD:
            import zstandard

            reader = zstandard.ZstdDecompressor().stream_reader(raw)
            data = _read_upto(reader, max_bytes + 1)
        elif codec == SNAPPY:
            data = _snappy_prefix(raw, max_bytes + 1)
        else:
            raise DecompressionError(f"unknown codec {codec}")
    except DecompressionError:
        raise
    except (OSError, EOFError, ValueError, RuntimeError) as e:
        if isinstance(e, (EOFError,)) or "end-of-stream" in str(e).lower():
            raise DecompressionError(f"truncated {codec} data: {e}") from e
        raise DecompressionError(f"bad {codec} data: {e}") from e
    except Exception as e:  # zstandard.ZstdError and friends
        raise DecompressionError(f"bad {codec} data: {e}") from e
    return data[:max_bytes], len(data) <= max_bytes


def _read_upto(reader, n: int) -> bytes:
    chunks, total = [], 0
    while total < n:
        chunk = reader.read(min(1 << 16, n - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _snappy_prefix(raw: BinaryIO, n: int) -> bytes:
    import cramjam

    head = raw.read(10)
    if head == _SNAPPY_FRAME_MAGIC:
        rest = raw.read()
        return bytes(cramjam.snappy.decompress(head + rest))[:n]
    # Hadoop block format: [u32 raw length][u32 chunk length][raw snappy chunk]...
    buf = io.BytesIO(head + raw.read())
    out = bytearray()
    while len(out) < n:
        header = buf.read(4)
        if len(header) < 4:
            break
        (block_len,) = struct.unpack(">I", header)
        got = 0
        while got < block_len:
            clen_b = buf.read(4)
            if len(clen_b) < 4:
                raise DecompressionError("truncated hadoop-snappy block")
            (clen,) = struct.unpack(">I", clen_b)
            chunk = bytes(cramjam.snappy.decompress_raw(buf.read(clen)))
            out += chunk
            got += len(chunk)
    return bytes(out)


def hadoop_snappy_compress(data: bytes, block_size: int = 256 * 1024) -> bytes:
    """Compress `data` in Hadoop's snappy block format (what Spark/Hadoop read as `.snappy`)."""
    import cramjam

    out = bytearray()
    for i in range(0, len(data), block_size):
        block = data[i:i + block_size]
        comp = bytes(cramjam.snappy.compress_raw(block))
        out += struct.pack(">I", len(block)) + struct.pack(">I", len(comp)) + comp
    return bytes(out)


__all__ = ["NONE", "GZIP", "BZIP2", "ZSTD", "SNAPPY", "DecompressionError", "by_extension", "by_magic",
           "detect", "read_prefix", "strip_extension", "hadoop_snappy_compress", "ENGINE_EXTENSIONS",
           "named_for_engines"]
