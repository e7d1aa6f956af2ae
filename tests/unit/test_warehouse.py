"""Data deletes (many partition trees at once leave nothing visible and lose nothing else), and
reading location URIs."""
import os

import pytest

from metastore import warehouse


def _tree(root, rel):
    path = root / rel
    path.mkdir(parents=True)
    (path / "part-0.parquet").write_bytes(b"x" * 10)
    return "file:" + str(path)


def test_delete_many_removes_the_trees_and_keeps_siblings(tmp_path):
    table = tmp_path / "t"
    gone = [_tree(table, f"d={i}") for i in range(5)] + [_tree(table, "d=x/h=1")]
    kept = _tree(table, "d=keep")
    missing = "file:" + str(table / "d=never")
    assert warehouse.delete_many(gone + [missing, None, ""]) == 6
    warehouse.drain_deletes()
    visible = sorted(p for p in os.listdir(table) if not p.startswith("."))
    assert visible == ["d=keep", "d=x"]
    assert os.listdir(table / "d=x") == [] or all(n.startswith(".") for n in os.listdir(table / "d=x"))
    assert (table / "d=keep" / "part-0.parquet").read_bytes() == b"x" * 10
    assert kept.endswith("d=keep")
    # the background purge leaves no trash behind
    leftovers = [n for n in os.listdir(table) if n.startswith(".lakeglue-trash-")]
    assert leftovers == []


def test_delete_many_of_nothing():
    assert warehouse.delete_many([]) == 0


# --- directories of partitions being added ------------------------------------------------------
def _locs(root, names):
    return ["file:" + str(root / n) for n in names]


def test_partition_dirs_keep_the_added_and_remove_what_they_made_for_the_others(tmp_path):
    for many in (False, True):  # inline and on a thread
        table = tmp_path / ("many" if many else "few") / "t"
        table.mkdir(parents=True)
        (table / "d=old").mkdir()
        (table / "d=old" / "part-0").write_bytes(b"data")
        names = [f"d={i}/h=1" for i in range(100 if many else 3)] + ["d=old"]
        with warehouse.PartitionDirs(_locs(table, names)) as dirs:
            assert dirs._thread is not None if many else dirs._thread is None
            dirs.keep(_locs(table, names[0:2]))
        assert sorted(os.listdir(table)) == ["d=0", "d=1", "d=old"]  # parents of dropped leaves gone too
        assert os.listdir(table / "d=0") == ["h=1"]
        assert (table / "d=old" / "part-0").read_bytes() == b"data"


def test_partition_dirs_undo_everything_they_made_when_the_transaction_fails(tmp_path):
    table = tmp_path / "t"
    table.mkdir()
    (table / "d=x").mkdir()
    names = [f"d={i}" for i in range(80)] + ["d=x"]
    try:
        with warehouse.PartitionDirs(_locs(table, names)) as dirs:
            dirs._thread.join()  # the directories are made (80: on a thread)
            (table / "d=5" / "late-file").write_bytes(b"written meanwhile")
            raise RuntimeError("the transaction failed")
    except RuntimeError:
        pass
    # what existed before stays; a made directory that got data meanwhile is not deleted
    assert sorted(os.listdir(table)) == ["d=5", "d=x"]
    assert (table / "d=5" / "late-file").read_bytes() == b"written meanwhile"


def test_partition_dirs_of_existing_data_are_checked_inline(tmp_path):
    """A batch whose first directory exists registers existing data (a crawl): no thread;
    the missing ones are made all the same, and only those are removed if unused."""
    table = tmp_path / "t"
    names = [f"d={i}" for i in range(100)]
    for n in names[:90]:
        (table / n).mkdir(parents=True)
    with warehouse.PartitionDirs(_locs(table, names)) as dirs:
        assert dirs._thread is None
        assert sorted(os.listdir(table)) == sorted(names)
        dirs.keep(_locs(table, names[:95]))
    assert sorted(os.listdir(table)) == sorted(names[:95])


def test_partition_dirs_leave_what_the_catalog_now_uses(tmp_path):
    """A concurrent add of the same partition by another server won: its directory stays."""
    table = tmp_path / "t"
    table.mkdir()
    asked = []

    def in_catalog(paths):
        asked.append(sorted(paths))
        return {str(table / "d=1")}

    try:
        with warehouse.PartitionDirs(_locs(table, ["d=1", "d=2"]), in_catalog=in_catalog):
            raise RuntimeError("AlreadyExists")
    except RuntimeError:
        pass
    assert asked == [[str(table / "d=1"), str(table / "d=2")]]
    assert os.listdir(table) == ["d=1"]


def test_partition_dirs_on_a_failing_catalog_check_remove_nothing(tmp_path):
    table = tmp_path / "t"
    table.mkdir()

    def broken(paths):
        raise OSError("database gone")

    try:
        with warehouse.PartitionDirs(_locs(table, ["d=1"]), in_catalog=broken):
            raise RuntimeError("failed")
    except RuntimeError:
        pass
    assert os.listdir(table) == ["d=1"]


@pytest.mark.parametrize("location", [
    "file:/a/b", "file:///a/b", "file://host/a", "/a/b", "a/b", "s3://b/k", "s3a://b/k=1", "file:/a#b",
    "file:/a?b", "file:/a%20b", "FILE:/a", "file:", "hdfs://nn/x", "c:/x", "file:/d=ünï ☃"])
def test_local_path_and_is_local_read_locations_as_urlparse_does(location):
    """The shortcuts for file: URIs (taken thousands of times per batch add) agree with
    urlparse on every form."""
    from urllib.parse import urlparse

    from metastore.warehouse import is_local, local_path

    parsed = urlparse(location)
    local = parsed.scheme in ("", "file")
    assert is_local(location) == local
    assert local_path(location) == ((parsed.path or location) if local else location)
