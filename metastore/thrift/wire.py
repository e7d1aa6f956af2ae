"""Encoding replies: the C-accelerated binary protocol, plus partition lists sent as bytes
encoded once per partition.

A big table's partitions are read far more often than they change, and building and encoding
their Thrift objects is most of a partition listing's cost (see PartitionEncoder for how a
partition's bytes are put together). Each partition model the store
hands out is immutable and, for a given row content, the same object (see the store's
decoded-partition memo), so its encoding is memoised under the model's identity and a reply's
partition list is written by joining those bytes. Nothing can go stale: a changed row is a
new model.

`PartitionList` is what the handler returns for lists of partitions. To Python code it is an
ordinary list of fresh `Partition` objects (built on first access); `WireProtocol` writes it
from the memoised bytes without building them.
"""
from __future__ import annotations

import struct
from typing import List, Sequence

from hive_metastore import ttypes as tt
from thrift.protocol import TBinaryProtocol
from thrift.protocol.fastbinary import encode_binary
from thrift.transport import TTransport
from thrift.Thrift import TType

from ..gcpause import gc_paused
from ..memo import BoundedMemo
from ..model import Partition
from . import convert as c

_PARTITION_SPEC = [tt.Partition, tt.Partition.thrift_spec]
_FIELD = struct.Struct("!bh")
_LIST = struct.Struct("!bi")
_STOP = b"\x00"

#: encoded partitions kept per server process (~0.6 kB each for a typical table)
ENCODED_MEMO_SIZE = 24_000


def _field_id(cls, name: str) -> int:
    return next(f[0] for f in cls.thrift_spec if f is not None and f[2] == name)


_SD_SPEC = [tt.StorageDescriptor, tt.StorageDescriptor.thrift_spec]
_SD_FIELD = _FIELD.pack(TType.STRUCT, _field_id(tt.Partition, "sd"))
_LOCATION_FIELD = _FIELD.pack(TType.STRING, _field_id(tt.StorageDescriptor, "location"))
_I32 = struct.Struct("!i")
_VALUES_HEAD = struct.Struct("!bhbi")  # the values field's header and its list's
_VALUES_ID = _field_id(tt.Partition, "values")
_TIMES = struct.Struct("!bhibhi")  # createTime and lastAccessTime, with their headers
_CREATE_TIME_ID = _field_id(tt.Partition, "createTime")
_LAST_ACCESS_ID = _field_id(tt.Partition, "lastAccessTime")


class PartitionEncoder:
    """The Thrift encoding of partition models, memoised by model identity.

    A partition's storage descriptor is most of its encoding and, but for the location, the
    same for all partitions of a table (the store's models share it: StorageDescriptor.at). So
    the rest of it is encoded once per shape and each partition's bytes are its own fields,
    the storage field's location, then that shared rest. (Binary-protocol readers take a
    struct's fields in any order: ids and types are what they match on.)"""

    def __init__(self, capacity: int = ENCODED_MEMO_SIZE):
        # id(model) → (model, bytes); holding the model keeps its id from being reused
        self._memo: BoundedMemo[tuple] = BoundedMemo(capacity)
        # id of a storage descriptor's shape → (the shape, the encoding of its fields but the
        # location); holding the shape keeps its id from being reused
        self._storage: BoundedMemo[tuple] = BoundedMemo(1024)

    def encoded(self, parts: Sequence[Partition]) -> List[bytes]:
        if len(parts) < 1000:
            return self._encoded(parts)
        with gc_paused():  # thousands of encodings the memo keeps: see metastore.gcpause
            return self._encoded(parts)

    def _encoded(self, parts: Sequence[Partition]) -> List[bytes]:
        memo = self._memo
        out: List[bytes] = []
        # Thrift pieces the misses of one reply have in common (keys: see _encode; convert's
        # keys are plain ids)
        shared: dict = {}
        for p in parts:
            hit = memo.get(id(p))
            if hit is None or hit[0] is not p:
                hit = memo.put(id(p), (p, self._encode(p, shared)))
            out.append(hit[1])
        return out

    def _encode(self, p: Partition, shared: dict) -> bytes:
        """A partition's fields: those its table's partitions share (names, the catalog and
        what Thrift writes by default; one encoding per reply), its values, times and
        parameters (one encoding per parameters object in a reply: partitions added together
        share theirs), then the storage descriptor as the class docstring says."""
        sd = p.sd
        shape = sd.shape
        storage = shared.get(("storage", id(shape)))
        if storage is None:
            hit = self._storage.get(id(shape))
            if hit is None or hit[0] is not shape:
                rest = encode_binary(c.sd_to(shape.at(None), shared), _SD_SPEC)[:-1]  # without its STOP
                hit = self._storage.put(id(shape), (shape, rest))
            storage = shared[("storage", id(shape))] = hit[1]  # (the reply's models hold the shape)
        common = shared.get(("common", p.db_name, p.table_name, p.catalog))
        if common is None:
            common = shared[("common", p.db_name, p.table_name, p.catalog)] = _common_fields(p)
        params = p.parameters
        own_params = shared.get(("parameters", id(params)))
        if own_params is None:  # (the reply's models hold the dict)
            own_params = shared[("parameters", id(params))] = encode_binary(
                tt.Partition(parameters=dict(params), writeId=None), _PARTITION_SPEC)[:-1]
        pieces = [common, _VALUES_HEAD.pack(TType.LIST, _VALUES_ID, TType.STRING, len(p.values))]
        for v in p.values:
            v = v.encode("utf-8")
            pieces += (_I32.pack(len(v)), v)
        pieces += (_TIMES.pack(TType.I32, _CREATE_TIME_ID, p.create_time, TType.I32, _LAST_ACCESS_ID, p.last_access_time),
                   own_params, _SD_FIELD)
        if sd.location is not None:
            location = sd.location.encode("utf-8")
            pieces += (_LOCATION_FIELD, _I32.pack(len(location)), location)
        pieces += (storage, _STOP, _STOP)
        return b"".join(pieces)


def _common_fields(p: Partition) -> bytes:
    """The encoding (no STOP) of every field convert.partition_to writes but those _encode
    writes per partition (values, times, parameters, storage)."""
    t = c.partition_to(p, storage=False)
    t.values = t.createTime = t.lastAccessTime = t.parameters = None
    return encode_binary(t, _PARTITION_SPEC)[:-1]


class PartitionList(list):
    """A list of Thrift `Partition`s for Python code, memoised bytes for `WireProtocol`."""

    __slots__ = ("models", "_encoder", "_built")

    def __init__(self, models: Sequence[Partition], encoder: PartitionEncoder):
        super().__init__()
        self.models = models
        self._encoder = encoder
        self._built = False

    def encoded(self) -> List[bytes]:
        return self._encoder.encoded(self.models)

    def _build(self) -> "PartitionList":
        if not self._built:
            self._built = True
            list.extend(self, c.partitions_to(self.models))
        return self

    # every way Python code reads a list goes through _build
    def __iter__(self):
        return list.__iter__(self._build())

    def __len__(self):
        return list.__len__(self._build())

    def __getitem__(self, i):
        return list.__getitem__(self._build(), i)

    def __bool__(self):
        return bool(self.models)

    def __contains__(self, x):
        return list.__contains__(self._build(), x)

    def __reversed__(self):
        return list.__reversed__(self._build())

    def __eq__(self, other):
        return list.__eq__(self._build(), other)

    def __ne__(self, other):
        return not self == other

    def __add__(self, other):
        return list(self) + list(other)

    def __repr__(self):
        return list.__repr__(self._build())

    def copy(self):
        return list(self)

    __hash__ = None


def _needs_wire_encoding(value) -> bool:
    if isinstance(value, PartitionList):
        return True
    fields = getattr(value, "thrift_spec", None) and getattr(value, "__dict__", None)
    return bool(fields) and any(isinstance(v, PartitionList) for v in fields.values())


def encode(obj, cls_and_spec) -> bytes:
    """fastbinary's `encode_binary`, except that PartitionLists (in a field of `obj` or of a
    struct in a field of `obj`) are written from their memoised bytes."""
    d = getattr(obj, "__dict__", None)
    if not d or not any(_needs_wire_encoding(v) for v in d.values() if v is not None):
        return encode_binary(obj, cls_and_spec)
    cls, spec = cls_and_spec
    rest = cls.__new__(cls)
    rest.__dict__.update(d)
    out: List[bytes] = [b""]
    for field in spec:
        if field is None:
            continue
        fid, ftype, name = field[0], field[1], field[2]
        value = d.get(name)
        if value is None or not _needs_wire_encoding(value):
            continue
        setattr(rest, name, None)
        out.append(_FIELD.pack(ftype, fid))
        if isinstance(value, PartitionList):
            out.append(_LIST.pack(TType.STRUCT, len(value.models)))
            out.extend(value.encoded())
        else:
            out.append(encode(value, [type(value), value.thrift_spec]))
    out[0] = encode_binary(rest, cls_and_spec)[:-1]  # its fields, without the STOP byte
    out.append(_STOP)
    return b"".join(out)


class WireProtocol(TBinaryProtocol.TBinaryProtocolAccelerated):
    """The accelerated binary protocol with `encode` as its struct encoder."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._fast_encode = encode


class WireProtocolFactory(TBinaryProtocol.TBinaryProtocolAcceleratedFactory):
    def getProtocol(self, trans):
        return WireProtocol(trans, string_length_limit=self.string_length_limit,
                            container_length_limit=self.container_length_limit)





class ReplyTransport(TTransport.TTransportBase):
    """The write side of a buffered (unframed) server connection: a reply is kept as the
    pieces the protocol wrote and sent at flush without copying them into one buffer first —
    a memoised partition list is one piece of several MB (10k partitions: ~6 MB), which
    TBufferedTransport would copy into a BytesIO. Small replies are joined and sent at once."""

    JOIN_BELOW = 64 * 1024

    def __init__(self, trans):
        self._trans = trans
        self._pieces: List[bytes] = []
        self._size = 0

    def isOpen(self):
        return self._trans.isOpen()

    def open(self):
        return self._trans.open()

    def close(self):
        return self._trans.close()

    def read(self, sz):
        raise TTransport.TTransportException(TTransport.TTransportException.UNKNOWN, "write-only transport")

    def write(self, buf):
        self._pieces.append(buf)
        self._size += len(buf)

    def flush(self):
        pieces, size = self._pieces, self._size
        self._pieces, self._size = [], 0  # reset first: a failed send must not resend
        if size < self.JOIN_BELOW:
            self._trans.write(b"".join(pieces))
        else:
            for piece in pieces:
                self._trans.write(piece)
        self._trans.flush()
