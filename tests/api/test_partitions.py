"""Partitions: add/get/list/alter/rename/drop, names and escaping, data dirs, atomicity."""
from __future__ import annotations

import os

import pytest
from hive_metastore import ttypes as tt

from tests.api.helpers import database, exists, join, local_path, names_of, partition, put_file, table

DAY1, DAY2 = "2024-01-01", "2024-01-02"


@pytest.fixture
def logs(hms):
    """app.logs (ds string, hr int), managed, no partitions yet."""
    hms.create_database(database("app"))
    hms.create_table(table("app", "logs", partition_keys=[("ds", "string"), ("hr", "int")]))
    return hms.get_table("app", "logs")


@pytest.fixture
def filled(hms, logs):
    """app.logs with ds in {DAY1, DAY2} x hr in {1, 9, 10}."""
    assert hms.add_partitions([partition(logs, [d, h]) for d in (DAY1, DAY2) for h in ("1", "9", "10")]) == 6
    return logs


def _names(hms, tbl="logs", max_parts=-1):
    return hms.get_partition_names("app", tbl, max_parts)


# --- add ----------------------------------------------------------------------------------
def test_add_partition_defaults(hms, logs):
    added = hms.add_partition(partition(logs, [DAY1, "1"], parameters={"numFiles": "0"}))
    expected_loc = join(logs.sd.location, f"ds={DAY1}/hr=1")
    assert added.values == [DAY1, "1"]
    assert added.sd.location == expected_loc
    assert exists(expected_loc)
    p = hms.get_partition("app", "logs", [DAY1, "1"])
    assert (p.dbName, p.tableName, p.values) == ("app", "logs", [DAY1, "1"])
    assert p.sd.location == expected_loc
    assert [c.name for c in p.sd.cols] == ["id", "name"]
    assert p.sd.serdeInfo.serializationLib == logs.sd.serdeInfo.serializationLib
    assert p.parameters["numFiles"] == "0"
    assert int(p.parameters["transient_lastDdlTime"]) > 0
    assert p.createTime > 0


def test_add_partition_with_environment_context_and_location(hms, logs, tmp_path):
    loc = "file:" + str(tmp_path / "custom" / "p1")
    ctx = tt.EnvironmentContext(properties={"k": "v"})
    added = hms.add_partition_with_environment_context(partition(logs, [DAY1, "2"], location=loc), ctx)
    assert added.sd.location == loc
    assert hms.get_partition("app", "logs", [DAY1, "2"]).sd.location == loc
    assert exists(loc)


def test_partition_values_are_stored_verbatim(hms, logs):
    hms.add_partition(partition(logs, ["MixedCase", "7"]))
    assert _names(hms) == ["ds=MixedCase/hr=7"]
    assert hms.get_partition("app", "logs", ["MixedCase", "7"]).values == ["MixedCase", "7"]
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_partition("app", "logs", ["mixedcase", "7"])


def test_add_duplicate_partition_is_already_exists(hms, logs):
    hms.add_partition(partition(logs, [DAY1, "1"], parameters={"v": "1"}))
    with pytest.raises(tt.AlreadyExistsException) as ei:
        hms.add_partition(partition(logs, [DAY1, "1"], parameters={"v": "2"}))
    assert f"ds={DAY1}/hr=1" in ei.value.message
    assert hms.get_partition("app", "logs", [DAY1, "1"]).parameters["v"] == "1"


@pytest.mark.parametrize("values", [[DAY1], [DAY1, "1", "extra"], []])
def test_add_partition_with_wrong_number_of_values(hms, logs, values):
    with pytest.raises(tt.InvalidObjectException):
        hms.add_partition(partition(logs, values))
    assert _names(hms) == []


def test_add_partition_to_missing_table(hms, logs):
    t = table("app", "ghost", partition_keys=[("ds", "string")])
    with pytest.raises(tt.InvalidObjectException):
        hms.add_partition(partition(t, [DAY1]))
    with pytest.raises(tt.InvalidObjectException):
        hms.add_partitions([partition(t, [DAY1])])


def test_add_partitions_returns_count(hms, logs):
    assert hms.add_partitions([]) == 0
    n = hms.add_partitions([partition(logs, [DAY1, h]) for h in ("1", "2", "3")])
    assert n == 3
    assert _names(hms) == [f"ds={DAY1}/hr=1", f"ds={DAY1}/hr=2", f"ds={DAY1}/hr=3"]
    for h in ("1", "2", "3"):
        assert exists(join(logs.sd.location, f"ds={DAY1}/hr={h}"))


def test_add_partitions_with_an_existing_member_adds_nothing(hms, logs):
    hms.add_partition(partition(logs, [DAY1, "2"]))
    batch = [partition(logs, [DAY1, "1"]), partition(logs, [DAY1, "2"]), partition(logs, [DAY1, "3"])]
    with pytest.raises(tt.AlreadyExistsException) as ei:
        hms.add_partitions(batch)
    assert f"ds={DAY1}/hr=2" in ei.value.message
    assert _names(hms) == [f"ds={DAY1}/hr=2"]
    assert not exists(join(logs.sd.location, f"ds={DAY1}/hr=1"))
    assert not exists(join(logs.sd.location, f"ds={DAY1}/hr=3"))


def test_add_partitions_repeating_a_member_adds_nothing(hms, logs):
    """Hive rejects a batch naming one partition twice, even with ifNotExists."""
    batch = [partition(logs, [DAY1, "1"]), partition(logs, [DAY1, "2"]), partition(logs, [DAY1, "1"])]
    with pytest.raises(tt.MetaException) as ei:
        hms.add_partitions(batch)
    assert "Duplicate partitions in the list" in ei.value.message
    assert _names(hms) == []
    for if_not_exists in (False, True):
        req = tt.AddPartitionsRequest(dbName="app", tblName="logs", parts=batch, ifNotExists=if_not_exists,
                                      needResult=True)
        with pytest.raises(tt.MetaException) as ei:
            hms.add_partitions_req(req)
        assert "Duplicate partitions in the list" in ei.value.message
    assert _names(hms) == []
    assert not exists(join(logs.sd.location, f"ds={DAY1}/hr=2"))


def test_add_partitions_with_one_bad_member_adds_nothing(hms, logs):
    batch = [partition(logs, [DAY1, "1"]), partition(logs, [DAY1]), partition(logs, [DAY1, "3"])]
    with pytest.raises(tt.InvalidObjectException):
        hms.add_partitions(batch)
    assert _names(hms) == []
    assert not exists(join(logs.sd.location, f"ds={DAY1}/hr=1"))
    req = tt.AddPartitionsRequest(dbName="app", tblName="logs", parts=batch, ifNotExists=True, needResult=True)
    with pytest.raises(tt.InvalidObjectException):
        hms.add_partitions_req(req)
    assert _names(hms) == []


def test_one_call_adding_more_partitions_than_one_insert_statement_holds(hms, logs, tmp_path):
    """2,345 partitions of two keys in one call: several multi-row INSERTs for the partitions
    and for their key values; every partition and every value row belongs together."""
    days = [f"2026-{m:02d}-{d:02d}" for m in range(1, 13) for d in range(1, 29)]
    batch = [partition(logs, [days[i % len(days)], str(i // len(days))], location="file:" + str(tmp_path / f"p{i}"),
                      parameters={"n": str(i), "pct": f"{i}%s"})
             for i in range(2345)]
    assert hms.add_partitions(batch) == 2345
    assert len(_names(hms)) == 2345
    got = hms.get_partitions_by_filter("app", "logs", "hr = 6 and ds >= '2026-12-01'", -1)
    want = {(days[i % len(days)], str(i // len(days))) for i in range(2345)
            if i // len(days) == 6 and days[i % len(days)] >= "2026-12-01"}
    assert {tuple(p.values) for p in got} == want and len(got) == len(want) == 21
    for p in got:  # each partition row came back with its own location and parameters
        i = int(p.parameters["n"])
        assert (days[i % len(days)], str(i // len(days))) == tuple(p.values)
        assert p.sd.location.endswith(f"/p{i}") and p.parameters["pct"] == f"{i}%s"


def test_big_batches_make_directories_only_for_partitions_added(hms, logs):
    """Batches of many partitions make their directories alongside the transaction (on a
    thread); what a failed or partly skipped batch made is removed again."""
    hms.add_partition(partition(logs, [DAY1, "7"]))
    existing = join(logs.sd.location, f"ds={DAY1}/hr=7")
    put_file(existing, "part-0")
    batch = [partition(logs, [d, str(h)]) for d in (DAY1, DAY2) for h in range(60)]
    with pytest.raises(tt.AlreadyExistsException):
        hms.add_partitions(batch)
    assert _names(hms) == [f"ds={DAY1}/hr=7"]
    assert not exists(join(logs.sd.location, f"ds={DAY2}"))
    assert sorted(os.listdir(local_path(join(logs.sd.location, f"ds={DAY1}")))) == ["hr=7"]
    assert os.path.exists(os.path.join(local_path(existing), "part-0"))

    # ifNotExists: the existing member is skipped; afterwards every member the catalog holds
    # has its directory (the skipped one's, deleted by hand, exists again, empty)
    os.remove(os.path.join(local_path(existing), "part-0"))
    os.rmdir(local_path(existing))
    req = tt.AddPartitionsRequest(dbName="app", tblName="logs", parts=batch, ifNotExists=True, needResult=True)
    added = hms.add_partitions_req(req).partitions
    assert len(added) == len(batch) - 1
    assert all(exists(p.sd.location) for p in added)
    assert exists(existing) and os.listdir(local_path(existing)) == []


def test_add_partitions_req_if_not_exists_and_need_result(hms, logs):
    hms.add_partition(partition(logs, [DAY1, "1"], parameters={"v": "old"}))
    req = tt.AddPartitionsRequest(
        dbName="app", tblName="logs", ifNotExists=True, needResult=True,
        parts=[partition(logs, [DAY1, "1"], parameters={"v": "new"}), partition(logs, [DAY1, "2"])])
    res = hms.add_partitions_req(req)
    assert isinstance(res, tt.AddPartitionsResult)
    assert names_of(res.partitions) == [(DAY1, "2")]
    assert res.partitions[0].sd.location == join(logs.sd.location, f"ds={DAY1}/hr=2")
    assert hms.get_partition("app", "logs", [DAY1, "1"]).parameters["v"] == "old"

    req = tt.AddPartitionsRequest(dbName="app", tblName="logs", ifNotExists=False, needResult=False,
                                  parts=[partition(logs, [DAY1, "3"])])
    res = hms.add_partitions_req(req)
    assert not res.partitions
    assert _names(hms) == [f"ds={DAY1}/hr=1", f"ds={DAY1}/hr=2", f"ds={DAY1}/hr=3"]

    req = tt.AddPartitionsRequest(dbName="app", tblName="logs", ifNotExists=False, needResult=True,
                                  parts=[partition(logs, [DAY1, "3"]), partition(logs, [DAY1, "4"])])
    with pytest.raises(tt.AlreadyExistsException):
        hms.add_partitions_req(req)
    assert _names(hms) == [f"ds={DAY1}/hr=1", f"ds={DAY1}/hr=2", f"ds={DAY1}/hr=3"]


def test_append_partition(hms, logs):
    p = hms.append_partition("app", "logs", [DAY1, "5"])
    assert p.values == [DAY1, "5"]
    assert p.sd.location == join(logs.sd.location, f"ds={DAY1}/hr=5")
    p = hms.append_partition_by_name("app", "logs", f"ds={DAY2}/hr=6")
    assert p.values == [DAY2, "6"]
    assert _names(hms) == [f"ds={DAY1}/hr=5", f"ds={DAY2}/hr=6"]
    with pytest.raises(tt.AlreadyExistsException):
        hms.append_partition("app", "logs", [DAY1, "5"])


# --- get / list ---------------------------------------------------------------------------
def test_get_partition_variants(hms, filled):
    p = hms.get_partition("app", "logs", [DAY2, "9"])
    assert p.values == [DAY2, "9"]
    assert hms.get_partition_with_auth("app", "logs", [DAY2, "9"], "alice", ["staff"]).values == [DAY2, "9"]
    by_name = hms.get_partition_by_name("app", "logs", f"ds={DAY2}/hr=9")
    assert by_name.values == [DAY2, "9"]
    assert by_name.sd.location == p.sd.location


def test_get_missing_partition_is_no_such_object(hms, filled):
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_partition("app", "logs", [DAY1, "99"])
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_partition_with_auth("app", "logs", [DAY1, "99"], "alice", [])
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_partition_by_name("app", "logs", f"ds={DAY1}/hr=99")
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_partition("app", "ghost", [DAY1, "1"])


def test_get_partitions_is_ordered_by_name_and_limited(hms, filled):
    expected = [(DAY1, "1"), (DAY1, "10"), (DAY1, "9"), (DAY2, "1"), (DAY2, "10"), (DAY2, "9")]
    assert names_of(hms.get_partitions("app", "logs", -1)) == expected
    assert names_of(hms.get_partitions("app", "logs", 2)) == expected[:2]
    assert names_of(hms.get_partitions_with_auth("app", "logs", -1, "alice", ["g"])) == expected
    assert names_of(hms.get_partitions_with_auth("app", "logs", 4, "alice", ["g"])) == expected[:4]
    assert hms.get_partitions("app", "logs", 0) == []


def test_get_partition_names_ordering_and_max_parts(hms, filled):
    expected = [f"ds={DAY1}/hr=1", f"ds={DAY1}/hr=10", f"ds={DAY1}/hr=9",
                f"ds={DAY2}/hr=1", f"ds={DAY2}/hr=10", f"ds={DAY2}/hr=9"]
    assert _names(hms) == expected
    assert _names(hms, max_parts=3) == expected[:3]
    assert _names(hms, max_parts=100) == expected
    assert _names(hms, max_parts=0) == []


def test_partial_specs_with_wildcards(hms, filled):
    assert names_of(hms.get_partitions_ps("app", "logs", [DAY1], -1)) == [(DAY1, "1"), (DAY1, "10"), (DAY1, "9")]
    assert names_of(hms.get_partitions_ps("app", "logs", ["", "10"], -1)) == [(DAY1, "10"), (DAY2, "10")]
    assert names_of(hms.get_partitions_ps("app", "logs", [DAY2, "1"], -1)) == [(DAY2, "1")]
    assert names_of(hms.get_partitions_ps("app", "logs", ["", ""], -1)) == names_of(
        hms.get_partitions("app", "logs", -1))
    assert names_of(hms.get_partitions_ps("app", "logs", [DAY1], 2)) == [(DAY1, "1"), (DAY1, "10")]
    assert hms.get_partitions_ps("app", "logs", ["2099-01-01"], -1) == []
    assert names_of(hms.get_partitions_ps_with_auth("app", "logs", ["", "9"], -1, "alice", [])) == [
        (DAY1, "9"), (DAY2, "9")]
    assert hms.get_partition_names_ps("app", "logs", [DAY2, ""], -1) == [
        f"ds={DAY2}/hr=1", f"ds={DAY2}/hr=10", f"ds={DAY2}/hr=9"]
    assert hms.get_partition_names_ps("app", "logs", ["", "1"], 1) == [f"ds={DAY1}/hr=1"]


def test_partial_spec_longer_than_keys_is_meta_exception(hms, filled):
    with pytest.raises(tt.MetaException):
        hms.get_partitions_ps("app", "logs", [DAY1, "1", "x"], -1)
    with pytest.raises(tt.MetaException):
        hms.get_partition_names_ps("app", "logs", [DAY1, "1", "x"], -1)


def test_reads_mixing_memoised_and_new_partitions_answer_like_cold_reads(hms, filled):
    """A server keeps the partitions it decoded; later queries pick some from memory and read
    the rest (by id when few): the answers, order included, are those of a fresh read."""
    every = {tuple(p.values): p for p in hms.get_partitions("app", "logs", -1)}

    def check(flt, hours):
        got = hms.get_partitions_by_filter("app", "logs", flt, -1)
        want = sorted((v for v in every if int(v[1]) in hours), key=lambda v: f"ds={v[0]}/hr={v[1]}")
        assert [tuple(p.values) for p in got] == want, flt
        for p in got:
            assert p.sd.location == every[tuple(p.values)].sd.location
            assert p.parameters == every[tuple(p.values)].parameters

    check("hr = 9", {9})
    check("hr > 1", {9, 10})
    check("hr >= 1", {1, 9, 10})
    hms.alter_partition("app", "logs", _with_param(every[(DAY1, "9")], "x", "y"))
    check("hr = 10", {10})  # new version: whole rows again
    every = {tuple(p.values): p for p in hms.get_partitions_by_filter("app", "logs", "hr >= 0", -1)}
    assert every[(DAY1, "9")].parameters["x"] == "y"
    check("hr = 9", {9})


def _with_param(p, key, value):
    p.parameters[key] = value
    return p


def test_get_partitions_by_names(hms, filled):
    names = [f"ds={DAY2}/hr=9", f"ds={DAY1}/hr=10", f"ds={DAY1}/hr=77", "garbage"]
    assert sorted(names_of(hms.get_partitions_by_names("app", "logs", names))) == [(DAY1, "10"), (DAY2, "9")]
    res = hms.get_partitions_by_names_req(tt.GetPartitionsByNamesRequest(db_name="app", tbl_name="logs", names=names))
    assert isinstance(res, tt.GetPartitionsByNamesResult)
    assert sorted(names_of(res.partitions)) == [(DAY1, "10"), (DAY2, "9")]
    assert hms.get_partitions_by_names("app", "logs", []) == []


def test_unpartitioned_table_lists_no_partitions(hms, logs):
    hms.create_table(table("app", "flat"))
    assert hms.get_partitions("app", "flat", -1) == []
    assert hms.get_partition_names("app", "flat", -1) == []


# --- special characters -------------------------------------------------------------------
ESCAPES = [
    ("a/b", "a%2Fb"), ("x=y", "x%3Dy"), ("50%", "50%25"), ("c:d", "c%3Ad"), ("sp ace", "sp ace"),
    ("ünï☃", "ünï☃"), ("q'uote", "q%27uote"), ('dq"', "dq%22"), ("h#sh", "h%23sh"),
    ("br[ack]et", "br%5Back%5Det"), ("star*", "star%2A"), ("ques?", "ques%3F"),
    ("back\\slash", "back%5Cslash"), ("caret^", "caret%5E"), ("curly{}", "curly%7B}"),
    ("tab\t", "tab%09"), ("dash-dot.under_score", "dash-dot.under_score"),
]


def test_special_character_values_round_trip_with_hive_escaped_names(hms, logs):
    hms.add_partitions([partition(logs, [value, "1"]) for value, _ in ESCAPES])
    expected_names = sorted(f"ds={escaped}/hr=1" for _, escaped in ESCAPES)
    assert _names(hms) == expected_names
    for value, escaped in ESCAPES:
        name = f"ds={escaped}/hr=1"
        p = hms.get_partition("app", "logs", [value, "1"])
        assert p.values == [value, "1"]
        assert p.sd.location == join(logs.sd.location, name)
        assert os.path.isdir(os.path.join(local_path(logs.sd.location), f"ds={escaped}", "hr=1")), name
        assert hms.get_partition_by_name("app", "logs", name).values == [value, "1"]
        assert names_of(hms.get_partitions_by_names("app", "logs", [name])) == [(value, "1")]
        assert names_of(hms.get_partitions_ps("app", "logs", [value], -1)) == [(value, "1")]
        assert hms.partition_name_to_vals(name) == [value, "1"]
        assert hms.partition_name_to_spec(name) == {"ds": value, "hr": "1"}
    hms.drop_partition_by_name("app", "logs", "ds=a%2Fb/hr=1", True)
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_partition("app", "logs", ["a/b", "1"])
    assert not exists(join(logs.sd.location, "ds=a%2Fb/hr=1"))


# --- alter --------------------------------------------------------------------------------
def test_alter_partition(hms, filled, tmp_path):
    p = hms.get_partition("app", "logs", [DAY1, "1"])
    p.parameters.update({"numRows": "42", "comment": "ünï"})
    new_loc = "file:" + str(tmp_path / "moved" / "p")
    p.sd.location = new_loc
    hms.alter_partition("app", "logs", p)
    got = hms.get_partition("app", "logs", [DAY1, "1"])
    assert got.parameters["numRows"] == "42"
    assert got.parameters["comment"] == "ünï"
    assert got.sd.location == new_loc
    assert got.createTime == p.createTime
    # the other partitions are untouched
    assert "numRows" not in hms.get_partition("app", "logs", [DAY1, "9"]).parameters

    got.parameters["numRows"] = "43"
    hms.alter_partition_with_environment_context("app", "logs", got, tt.EnvironmentContext(properties={}))
    assert hms.get_partition("app", "logs", [DAY1, "1"]).parameters["numRows"] == "43"


def test_alter_partitions_batch(hms, filled):
    parts = hms.get_partitions_ps("app", "logs", [DAY2], -1)
    for i, p in enumerate(parts):
        p.parameters["batch"] = str(i)
    hms.alter_partitions("app", "logs", parts)
    assert [p.parameters["batch"] for p in hms.get_partitions_ps("app", "logs", [DAY2], -1)] == ["0", "1", "2"]
    for p in parts:
        p.parameters["batch"] = "ctx"
    hms.alter_partitions_with_environment_context("app", "logs", parts, tt.EnvironmentContext(properties={}))
    assert {p.parameters["batch"] for p in hms.get_partitions_ps("app", "logs", [DAY2], -1)} == {"ctx"}


def test_alter_partitions_with_a_missing_member_changes_nothing(hms, filled):
    good = hms.get_partition("app", "logs", [DAY1, "1"])
    good.parameters["touched"] = "yes"
    missing = partition(filled, [DAY1, "55"])
    with pytest.raises(tt.InvalidOperationException):
        hms.alter_partitions("app", "logs", [good, missing])
    assert "touched" not in hms.get_partition("app", "logs", [DAY1, "1"]).parameters
    with pytest.raises(tt.InvalidOperationException):
        hms.alter_partition("app", "logs", missing)
    assert _names(hms) == [f"ds={DAY1}/hr=1", f"ds={DAY1}/hr=10", f"ds={DAY1}/hr=9",
                           f"ds={DAY2}/hr=1", f"ds={DAY2}/hr=10", f"ds={DAY2}/hr=9"]


# --- rename -------------------------------------------------------------------------------
def test_rename_partition_moves_managed_data(hms, filled):
    old_loc = join(filled.sd.location, f"ds={DAY1}/hr=1")
    data = put_file(old_loc)
    p = hms.get_partition("app", "logs", [DAY1, "1"])
    p.values = [DAY1, "2"]
    hms.rename_partition("app", "logs", [DAY1, "1"], p)
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_partition("app", "logs", [DAY1, "1"])
    got = hms.get_partition("app", "logs", [DAY1, "2"])
    new_loc = join(filled.sd.location, f"ds={DAY1}/hr=2")
    assert got.sd.location == new_loc
    assert not os.path.exists(data)
    assert os.path.isfile(os.path.join(local_path(new_loc), "part-00000"))
    assert f"ds={DAY1}/hr=2" in _names(hms)
    assert f"ds={DAY1}/hr=1" not in _names(hms)
    # the new values are what filters and partial specs see
    assert names_of(hms.get_partitions_ps("app", "logs", ["", "2"], -1)) == [(DAY1, "2")]


def test_rename_partition_of_external_table_keeps_data(hms, logs, tmp_path):
    loc = "file:" + str(tmp_path / "ext")
    hms.create_table(table("app", "ext", partition_keys=[("ds", "string")], location=loc,
                           table_type="EXTERNAL_TABLE"))
    t = hms.get_table("app", "ext")
    hms.add_partition(partition(t, ["a"]))
    data = put_file(join(loc, "ds=a"))
    p = hms.get_partition("app", "ext", ["a"])
    p.values = ["b"]
    hms.rename_partition("app", "ext", ["a"], p)
    assert hms.get_partition_names("app", "ext", -1) == ["ds=b"]
    assert os.path.isfile(data)


def test_external_partitions_get_missing_directories_and_keep_existing_data(hms, logs, tmp_path):
    """As Hive's metastore does (the differential test pins it): a partition of an external
    table gets its directory made when it is missing; a directory that holds data is left as
    it is; a failed batch removes the directories it made."""
    loc = "file:" + str(tmp_path / "ext")
    hms.create_table(table("app", "ext", partition_keys=[("ds", "string")], location=loc,
                           table_type="EXTERNAL_TABLE"))
    t = hms.get_table("app", "ext")
    data = put_file("file:" + str(tmp_path / "lake" / "ds=b"))
    hms.add_partition(partition(t, ["a"]))
    batch = [partition(t, ["b"], location="file:" + str(tmp_path / "lake" / "ds=b"))] + [
        partition(t, [f"c{i}"], location="file:" + str(tmp_path / "lake" / f"ds=c{i}")) for i in range(100)]
    assert hms.add_partitions(batch) == 101
    assert exists(join(loc, "ds=a")) and os.path.isfile(data)
    assert all(exists(p.sd.location) for p in hms.get_partitions("app", "ext", -1))
    with pytest.raises(tt.AlreadyExistsException):  # ds=a exists: nothing of the batch stays
        hms.add_partitions([partition(t, [f"d{i}"], location="file:" + str(tmp_path / "lake" / f"ds=d{i}"))
                            for i in range(100)] + [partition(t, ["a"])])
    assert not any(name.startswith("ds=d") for name in os.listdir(tmp_path / "lake"))
    assert len(hms.get_partition_names("app", "ext", -1)) == 102


def test_rename_partition_errors(hms, filled):
    p = hms.get_partition("app", "logs", [DAY1, "1"])
    p.values = [DAY1, "9"]
    with pytest.raises(tt.InvalidOperationException):
        hms.rename_partition("app", "logs", [DAY1, "1"], p)  # target exists
    p.values = [DAY1, "3"]
    with pytest.raises(tt.InvalidOperationException):
        hms.rename_partition("app", "logs", [DAY1, "77"], p)  # source missing
    assert len(_names(hms)) == 6
    assert exists(join(filled.sd.location, f"ds={DAY1}/hr=1"))


# --- drop ---------------------------------------------------------------------------------
def test_drop_partition_deletes_managed_data(hms, filled):
    loc = join(filled.sd.location, f"ds={DAY1}/hr=1")
    data = put_file(loc)
    assert hms.drop_partition("app", "logs", [DAY1, "1"], True) is True
    assert not os.path.exists(data)
    assert not exists(loc)
    with pytest.raises(tt.NoSuchObjectException):
        hms.get_partition("app", "logs", [DAY1, "1"])

    loc = join(filled.sd.location, f"ds={DAY1}/hr=9")
    data = put_file(loc)
    assert hms.drop_partition_by_name("app", "logs", f"ds={DAY1}/hr=9", True) is True
    assert not os.path.exists(data)

    loc = join(filled.sd.location, f"ds={DAY2}/hr=9")
    data = put_file(loc)
    ctx = tt.EnvironmentContext(properties={})
    assert hms.drop_partition_with_environment_context("app", "logs", [DAY2, "9"], True, ctx) is True
    assert not os.path.exists(data)
    assert _names(hms) == [f"ds={DAY1}/hr=10", f"ds={DAY2}/hr=1", f"ds={DAY2}/hr=10"]


def test_drop_partition_without_delete_data_keeps_files(hms, filled):
    data = put_file(join(filled.sd.location, f"ds={DAY1}/hr=1"))
    assert hms.drop_partition("app", "logs", [DAY1, "1"], False) is True
    assert os.path.isfile(data)
    assert f"ds={DAY1}/hr=1" not in _names(hms)


def test_drop_partition_of_external_table_keeps_data(hms, logs, tmp_path):
    loc = "file:" + str(tmp_path / "ext")
    hms.create_table(table("app", "ext", partition_keys=[("ds", "string")], location=loc,
                           table_type="EXTERNAL_TABLE"))
    t = hms.get_table("app", "ext")
    hms.add_partitions([partition(t, ["a"]), partition(t, ["b"])])
    a = put_file(join(loc, "ds=a"))
    b = put_file(join(loc, "ds=b"))
    hms.drop_partition("app", "ext", ["a"], True)
    hms.drop_partition_by_name("app", "ext", "ds=b", True)
    assert hms.get_partition_names("app", "ext", -1) == []
    assert os.path.isfile(a) and os.path.isfile(b)


def test_drop_partition_of_purgeable_external_table_deletes_data(hms, logs, tmp_path):
    loc = "file:" + str(tmp_path / "ext")
    hms.create_table(table("app", "ext", partition_keys=[("ds", "string")], location=loc,
                           table_type="EXTERNAL_TABLE", parameters={"external.table.purge": "TRUE"}))
    t = hms.get_table("app", "ext")
    hms.add_partition(partition(t, ["a"]))
    a = put_file(join(loc, "ds=a"))
    hms.drop_partition("app", "ext", ["a"], True)
    assert not os.path.exists(a)


def test_drop_missing_partition_is_no_such_object(hms, filled):
    with pytest.raises(tt.NoSuchObjectException):
        hms.drop_partition("app", "logs", [DAY1, "77"], True)
    with pytest.raises(tt.NoSuchObjectException):
        hms.drop_partition_by_name("app", "logs", f"ds={DAY1}/hr=77", True)
    with pytest.raises(tt.NoSuchObjectException):
        hms.drop_partition("app", "ghost", [DAY1, "1"], True)
    assert len(_names(hms)) == 6


def test_dropped_partition_can_be_added_again(hms, filled):
    hms.drop_partition("app", "logs", [DAY1, "1"], True)
    hms.add_partition(partition(filled, [DAY1, "1"], parameters={"again": "1"}))
    assert hms.get_partition("app", "logs", [DAY1, "1"]).parameters["again"] == "1"
    assert exists(join(filled.sd.location, f"ds={DAY1}/hr=1"))
