"""Data deletes: many partition trees at once leave nothing visible and lose nothing else."""
import os

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
