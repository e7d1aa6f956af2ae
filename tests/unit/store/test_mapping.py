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


def test_partition_values_round_trip_through_their_json():
    """load_values splits plain values without a JSON decode; anything dumps escapes goes
    through json — every shape must come back as it went in."""
    from metastore.store.mapping import dump_values, load_values

    shapes = [[], [""], ["", ""], ["2026-11-22"], ["a", "b", "c"], ['x"y', "z"], ["back\\slash"],
              ["ünï☃", "tab\t", "nl\n"], ['a","b'], ["[", "]"], ['"'], [",", ":"], ["\x00"]]
    for values in shapes:
        assert load_values(dump_values(values)) == tuple(values), values


def test_partitions_of_a_batch_share_their_decoded_parameters():
    from metastore.model import StorageDescriptor
    from metastore.store.mapping import _PARAMETERS_MAX, partition_from_row

    class Row:
        def __init__(self, i, params):
            self.vals, self.location, self.parameters = f'["{i}"]', f"file:/t/d={i}", params
            self.create_time = self.last_access_time = 0

    sd = StorageDescriptor(location=None)
    a, b = (partition_from_row(Row(i, '{"transient_lastDdlTime":"7"}'), "d", "t", "hive", sd) for i in (1, 2))
    assert a.parameters == {"transient_lastDdlTime": "7"} and a.parameters is b.parameters
    assert partition_from_row(Row(3, None), "d", "t", "hive", sd).parameters == {}
    for i in range(_PARAMETERS_MAX + 10):  # bounded: distinct texts do not pile up
        partition_from_row(Row(i, f'{{"n":"{i}"}}'), "d", "t", "hive", sd)
    from metastore.store import mapping

    assert len(mapping._PARAMETERS) <= _PARAMETERS_MAX
