"""The reply encoder: partition lists written from memoised bytes must decode to what the C
encoder writes for the same objects (a partition's storage fields come in another order: any
binary-protocol reader takes fields in any order), and PartitionList must act as a list."""
from hive_metastore import ThriftHiveMetastore as T
from hive_metastore import ttypes as tt
from thrift.protocol import TBinaryProtocol
from thrift.protocol.fastbinary import encode_binary
from thrift.transport import TTransport

from metastore.model import Column, Partition, SerDeInfo, StorageDescriptor
from metastore.thrift import convert as c
from metastore.thrift.wire import PartitionEncoder, PartitionList, encode


def _models(n=3, tag="x"):
    sd = StorageDescriptor(columns=(Column("id", "bigint", None), Column("s", "string", "a comment")),
                           location=None, input_format="in.Format", output_format="out.Format",
                           serde=SerDeInfo(name=None, serialization_lib="some.Serde", parameters={"k": "v"}))
    return [Partition(db_name="db", table_name="t", values=(str(i),), sd=sd.at(f"file:///w/t/d={i}"),
                      parameters={"tag": tag, "i": str(i)}, create_time=100 + i) for i in range(n)]


def _plain(cls, value):
    return encode_binary(cls(success=value), [cls, cls.thrift_spec])


def _decoded(cls, data: bytes):
    """What the plain (pure-Python) binary-protocol reader makes of `data`."""
    obj = cls()
    obj.read(TBinaryProtocol.TBinaryProtocol(TTransport.TMemoryBuffer(data)))
    return obj


def _odd_models():
    """Partitions whose storage differs in every way the encoder keys on: no location, a
    non-ASCII one, another template, no columns, skew, sort columns, bucket columns (no skew
    location maps: the bindings' pure-Python reader cannot key a dict by a list)."""
    from metastore.model import Order, SkewedInfo

    other = StorageDescriptor(columns=(), location=None, input_format=None, output_format=None,
                              serde=SerDeInfo(name="n", serialization_lib=None, parameters={}),
                              bucket_columns=("id",), sort_columns=(Order("id", 1),), num_buckets=4,
                              skewed=SkewedInfo(("id",), (("1",),), ()), compressed=True,
                              parameters={"p": "ü"}, stored_as_sub_directories=True)
    base = _models(1)[0]
    return [Partition("db", "t", ("a",), sd=base.sd.at(None)),
            Partition("db", "t", ("b",), sd=base.sd.at("file:///w/t/d=ünï ☃"), parameters={}),
            Partition("db", "t", ("c",), sd=other.at("s3a://b/k=1"), create_time=2**31 - 1),
            Partition("db", "t", ("d", "e"), sd=other)]


def test_partition_list_reply_decodes_as_the_plain_encoding():
    cls = T.get_partitions_result
    for models in (_models(), _odd_models()):
        got = encode(cls(success=PartitionList(models, PartitionEncoder())), [cls, cls.thrift_spec])
        plain = _plain(cls, c.partitions_to(models))
        assert len(got) == len(plain)
        assert _decoded(cls, got) == _decoded(cls, plain) == cls(success=c.partitions_to(models))


def test_fields_shared_within_a_reply_are_told_apart():
    """One reply mixing tables and catalogs, one parameters object shared by two partitions
    and an equal one that is another object, empty and non-ASCII values."""
    sd = _models(1)[0].sd
    shared = {"transient_lastDdlTime": "1"}
    models = [Partition("db", "t", ("ü", ""), sd=sd.at("file:///a"), parameters=shared),
              Partition("db", "t2", ("x", "y"), sd=sd.at("file:///b"), parameters=shared),
              Partition("db", "t", ("z", "w"), sd=sd.at("file:///c"), parameters=dict(shared), catalog="other"),
              Partition("db2", "t", (), sd=sd.at("file:///d"), parameters=sd.parameters)]
    cls = T.get_partitions_result
    got = encode(cls(success=PartitionList(models, PartitionEncoder())), [cls, cls.thrift_spec])
    assert _decoded(cls, got) == cls(success=c.partitions_to(models))


def test_nested_partition_list_reply_decodes_as_the_plain_encoding():
    models = _models()
    cls = T.get_partitions_by_names_req_result
    nested = tt.GetPartitionsByNamesResult(partitions=PartitionList(models, PartitionEncoder()))
    plain = tt.GetPartitionsByNamesResult(partitions=c.partitions_to(models))
    assert _decoded(cls, encode(cls(success=nested), [cls, cls.thrift_spec])) == _decoded(cls, _plain(cls, plain))


def test_storage_shared_by_partitions_is_encoded_once():
    enc = PartitionEncoder()
    enc.encoded(_models(50))
    assert len(enc._storage) == 1
    enc.encoded(_odd_models())
    assert len(enc._storage) == 3  # the first template again (no location), and the other one


def test_other_replies_use_the_plain_encoder():
    cls = T.get_partition_names_result
    assert encode(cls(success=["d=1", "d=2"]), [cls, cls.thrift_spec]) == _plain(cls, ["d=1", "d=2"])
    cls = T.get_partitions_result
    assert encode(cls(success=[]), [cls, cls.thrift_spec]) == _plain(cls, [])


def test_encodings_are_memoised_per_model_and_new_models_reencode():
    enc = PartitionEncoder()
    models = _models()
    first = enc.encoded(models)
    assert all(a is b for a, b in zip(first, enc.encoded(models)))  # same objects: reused
    changed = _models(tag="y")  # equal in shape, other content, other objects
    second = enc.encoded(changed)
    assert second != first
    assert [_decoded(tt.Partition, b) for b in second] == c.partitions_to(changed)


def test_memo_is_bounded():
    enc = PartitionEncoder(capacity=10)
    for _ in range(5):
        enc.encoded(_models(20))
    assert len(enc._memo) <= 10


def test_partition_list_acts_as_a_list_of_fresh_thrift_partitions():
    models = _models()
    pl = PartitionList(models, PartitionEncoder())
    assert len(pl) == 3 and bool(pl)
    assert [p.values for p in pl] == [["0"], ["1"], ["2"]]
    assert pl[1].parameters == {"tag": "x", "i": "1"}
    assert pl == c.partitions_to(models)
    assert list(reversed(pl))[0].values == ["2"]
    assert pl[0] in pl
    assert len(pl + [tt.Partition()]) == 4
    # mutating what Python code got does not touch the memoised encoding
    before = PartitionEncoder()
    pl2 = PartitionList(models, before)
    b1 = pl2.encoded()
    pl2[0].parameters["tag"] = "mutated"
    assert pl2.encoded() == b1
    assert not PartitionList([], PartitionEncoder())


# --- ReplyTransport -------------------------------------------------------------------------------
class _Recorder:
    def __init__(self, fail=False):
        self.writes, self.flushes, self.fail = [], 0, fail

    def write(self, data):
        if self.fail:
            raise OSError("connection reset")
        self.writes.append(bytes(data))

    def flush(self):
        self.flushes += 1


def test_reply_transport_sends_small_replies_in_one_write_and_big_ones_uncopied():
    from metastore.thrift.wire import ReplyTransport

    under = _Recorder()
    t = ReplyTransport(under)
    t.write(b"head")
    t.write(b"body")
    t.flush()
    assert under.writes == [b"headbody"] and under.flushes == 1
    big = b"x" * ReplyTransport.JOIN_BELOW
    under.writes.clear()
    t.write(b"h")
    t.write(big)
    t.write(b"\x00")
    t.flush()
    assert under.writes == [b"h", big, b"\x00"] and under.flushes == 2
    assert b"".join(under.writes) == b"h" + big + b"\x00"


def test_reply_transport_starts_clean_after_a_failed_send():
    import pytest

    from metastore.thrift.wire import ReplyTransport

    under = _Recorder(fail=True)
    t = ReplyTransport(under)
    t.write(b"lost")
    with pytest.raises(OSError):
        t.flush()
    under.fail = False
    t.write(b"next")
    t.flush()
    assert under.writes == [b"next"]
