"""The operations of Hive's own metastore benchmark (HMSBenchmarks), as timed cases.

Each case does its setup (tables, partitions, request objects) outside the timed region and
times only the Thrift call(s) named in its docstring. Sized operations take N, the number of
tables or partitions involved, and are reported as `name.N` (e.g. `getPartitions.1000`).
Read-only cases on the same N share one table (`Session.shared_table`); cases that modify a
table get their own.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence

from hive_metastore import ttypes as tt

from . import objects
from .session import Session, expect, quietly
from .timing import Case


class GetTable(Case):
    """get_table on a partitioned table."""

    def __init__(self, s: Session, n=None):
        self.s = s

    def prepare(self):
        self.table = self.s.shared_table(0)

    def run(self, i):
        self.s.conn.get_table(self.s.db, self.table)


class ListDatabases(Case):
    """get_all_databases."""

    def __init__(self, s: Session, n=None):
        self.s = s

    def run(self, i):
        self.s.conn.get_all_databases()


class ListTables(Case):
    """get_all_tables of a database holding N tables."""

    def __init__(self, s: Session, n: int):
        self.s, self.n = s, n
        self.db = f"{s.db}_tables_{n}"

    def prepare(self):
        self.s.create_database(self.db)
        for k in range(self.n):
            self.s.create_table(f"t_{k}", partitioned=False, db=self.db)

    def run(self, i):
        expect("tables", len(self.s.conn.get_all_tables(self.db)), self.n)

    def cleanup(self):
        quietly(self.s.drop_database, self.db)


class CreateTable(Case):
    """create_table of a partitioned Parquet table (dropped after each repetition)."""

    def __init__(self, s: Session, n=None):
        self.s = s

    def setup(self, i):
        self.table = objects.table(self.s.db, f"create_{i}")

    def run(self, i):
        self.s.conn.create_table(self.table)

    def teardown(self, i):
        self.s.drop_table(self.table.tableName)


class DropTable(Case):
    """drop_table (deleteData) of a partitioned table without partitions."""

    def __init__(self, s: Session, n=None):
        self.s = s

    def setup(self, i):
        self.name = self.s.create_table(f"drop_{i}")

    def run(self, i):
        self.s.conn.drop_table(self.s.db, self.name, True)


class AddPartition(Case):
    """add_partition of one partition (dropped after each repetition)."""

    def __init__(self, s: Session, n=None):
        self.s = s

    def prepare(self):
        self.table = self.s.create_table("add_partition")

    def setup(self, i):
        self.part = objects.partitions(self.s.db, self.table, i, 1)[0]

    def run(self, i):
        self.s.conn.add_partition(self.part)

    def teardown(self, i):
        self.s.conn.drop_partition(self.s.db, self.table, self.part.values, True)

    def cleanup(self):
        quietly(self.s.drop_table, self.table)


class AddPartitions(Case):
    """add_partitions of N partitions in one call, to a fresh table each repetition."""

    def __init__(self, s: Session, n: int):
        self.s, self.n = s, n
        self.table = f"add_partitions_{n}"

    def setup(self, i):
        self.s.create_table(self.table)
        self.parts = objects.partitions(self.s.db, self.table, 0, self.n)

    def run(self, i):
        self.s.conn.add_partitions(self.parts)

    def teardown(self, i):
        self.s.drop_table(self.table)


class _SharedRead(Case):
    """Base of the read-only cases on the shared N-partition table."""

    def __init__(self, s: Session, n: int):
        self.s, self.n = s, n

    def prepare(self):
        self.table = self.s.shared_table(self.n)


class GetPartitions(_SharedRead):
    """get_partitions (all) of an N-partition table."""

    def run(self, i):
        expect("partitions", len(self.s.conn.get_partitions(self.s.db, self.table, -1)), self.n)


class GetPartitionNames(_SharedRead):
    """get_partition_names (all) of an N-partition table."""

    def run(self, i):
        expect("names", len(self.s.conn.get_partition_names(self.s.db, self.table, -1)), self.n)


class GetPartitionsByNames(_SharedRead):
    """get_partitions_by_names naming all N partitions."""

    def prepare(self):
        super().prepare()
        self.names = list(objects.part_names(0, self.n))

    def run(self, i):
        got = self.s.conn.get_partitions_by_names(self.s.db, self.table, self.names)
        expect("partitions", len(got), self.n)


class GetPartitionsByFilter(_SharedRead):
    """get_partitions_by_filter selecting ~1% (at least one) of an N-partition table."""

    def prepare(self):
        super().prepare()
        self.filter, self.expected = objects.share_filter(self.n)

    def run(self, i):
        got = self.s.conn.get_partitions_by_filter(self.s.db, self.table, self.filter, -1)
        expect("partitions", len(got), self.expected)


class AlterPartitions(Case):
    """alter_partitions of all N partitions (a changed parameter), as fetched before."""

    def __init__(self, s: Session, n: int):
        self.s, self.n = s, n
        self.table = f"alter_partitions_{n}"

    def prepare(self):
        self.s.drop_table(self.table)
        self.s.create_table(self.table, self.n)
        self.parts = self.s.conn.full.get_partitions(self.s.db, self.table, -1)

    def setup(self, i):
        for p in self.parts:
            p.parameters = dict(p.parameters or {}, bench_rep=str(i))

    def run(self, i):
        self.s.conn.alter_partitions(self.s.db, self.table, self.parts)

    def cleanup(self):
        quietly(self.s.drop_table, self.table)


class DropPartitions(Case):
    """drop_partitions_req (by name, deleteData) of all N partitions of a table."""

    def __init__(self, s: Session, n: int):
        self.s, self.n = s, n
        self.table = f"drop_partitions_{n}"

    def prepare(self):
        self.s.drop_table(self.table)
        self.s.create_table(self.table)

    def setup(self, i):
        self.s.add_partitions(self.table, 0, self.n)
        self.request = tt.DropPartitionsRequest(
            dbName=self.s.db, tblName=self.table, deleteData=True, ifExists=False, needResult=True,
            parts=tt.RequestPartsSpec(names=list(objects.part_names(0, self.n))))

    def run(self, i):
        expect("dropped", len(self.s.conn.drop_partitions_req(self.request).partitions), self.n)

    def cleanup(self):
        quietly(self.s.drop_table, self.table)


class DropTableWithPartitions(Case):
    """drop_table (deleteData) of a table with N partitions."""

    def __init__(self, s: Session, n: int):
        self.s, self.n = s, n
        self.table = f"drop_with_partitions_{n}"

    def setup(self, i):
        self.s.drop_table(self.table)
        self.s.create_table(self.table, self.n)

    def run(self, i):
        self.s.conn.drop_table(self.s.db, self.table, True)


class RenameTable(Case):
    """alter_table renaming a managed table with N partitions (data and partition
    locations move with it); the name alternates between two so repetitions are alike."""

    def __init__(self, s: Session, n: int):
        self.s, self.n = s, n
        self.names = (f"rename_{n}_a", f"rename_{n}_b")

    def prepare(self):
        for name in self.names:
            self.s.drop_table(name)
        self.s.create_table(self.names[0], self.n)

    def setup(self, i):
        self.src, dst = self.names[i % 2], self.names[(i + 1) % 2]
        self.new = self.s.conn.get_table(self.s.db, self.src)
        self.new.tableName = dst

    def run(self, i):
        self.s.conn.alter_table(self.s.db, self.src, self.new)

    def cleanup(self):
        for name in self.names:
            quietly(self.s.drop_table, name)


@dataclass(frozen=True)
class Op:
    """A benchmark operation: `make(session, n)` builds its case; sized ops run per size."""

    name: str
    sized: bool
    make: Callable[[Session, Optional[int]], Case]

    @property
    def doc(self) -> str:
        return (self.make.__doc__ or "").strip()

    def label(self, n: Optional[int]) -> str:
        return f"{self.name}.{n}" if self.sized else self.name


OPS: List[Op] = [
    Op("getTable", False, GetTable),
    Op("listDatabases", False, ListDatabases),
    Op("listTables", True, ListTables),
    Op("createTable", False, CreateTable),
    Op("dropTable", False, DropTable),
    Op("addPartition", False, AddPartition),
    Op("addPartitions", True, AddPartitions),
    Op("getPartitions", True, GetPartitions),
    Op("getPartitionNames", True, GetPartitionNames),
    Op("getPartitionsByNames", True, GetPartitionsByNames),
    Op("getPartitionsByFilter", True, GetPartitionsByFilter),
    Op("alterPartitions", True, AlterPartitions),
    Op("dropPartitions", True, DropPartitions),
    Op("dropTableWithPartitions", True, DropTableWithPartitions),
    Op("renameTable", True, RenameTable),
]
BY_NAME: Dict[str, Op] = {op.name.lower(): op for op in OPS}


def select(names: Optional[Sequence[str]]) -> List[Op]:
    """The ops named (case-insensitive; None or "all" = every op), in benchmark order.

    Raises ValueError naming an unknown op."""
    if not names or any(n.lower() == "all" for n in names):
        return list(OPS)
    unknown = [n for n in names if n.lower() not in BY_NAME]
    if unknown:
        raise ValueError(f"unknown op(s) {', '.join(unknown)}; known: {', '.join(o.name for o in OPS)}")
    wanted = {n.lower() for n in names}
    return [op for op in OPS if op.name.lower() in wanted]


def plan(ops: Sequence[Op], sizes: Sequence[int]) -> List[tuple]:
    """(op, n, label) for every op and, for sized ops, every size."""
    out = []
    for op in ops:
        for n in (sizes if op.sized else [None]):
            out.append((op, n, op.label(n)))
    return out
