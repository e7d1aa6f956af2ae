from metastore.model import Column, Order, SerDeInfo, SkewedInfo, StorageDescriptor
from metastore.store import mapping as m


def _sd(location="file:/w/t"):
    return StorageDescriptor(
        columns=(Column("id", "bigint", "key"), Column("payload", "struct<a:int,b:array<string>>")),
        location=location, input_format="in", output_format="out", compressed=True, num_buckets=4,
        serde=SerDeInfo(name="s", serialization_lib="lib", parameters={"serialization.format": "1"}),
        bucket_columns=("id",), sort_columns=(Order("id", 1),), parameters={"p": "v"},
        skewed=SkewedInfo(("id",), (("1",),), ((("1",), "file:/w/t/id=1"),)),
        stored_as_sub_directories=True,
    )


def test_storage_descriptor_round_trips():
    sd = _sd()
    assert m.load_sd(m.dump_sd(sd)) == sd


def test_template_excludes_location_so_partitions_share_it():
    d1, body1 = m.sd_template(_sd("file:/w/t/ds=1"))
    d2, body2 = m.sd_template(_sd("file:/w/t/ds=2"))
    assert d1 == d2 and body1 == body2
    assert m.load_sd_template(body1, "file:/w/t/ds=2") == _sd("file:/w/t/ds=2")


def test_numeric_copy_of_partition_values():
    assert m.numeric_value("42") == 42.0
    assert m.numeric_value("-3.5") == -3.5
    assert m.numeric_value("2024-01-01") is None
    assert m.numeric_value("") is None
    assert m.numeric_value("__HIVE_DEFAULT_PARTITION__") is None
