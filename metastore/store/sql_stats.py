"""Column statistics in SQL. Rows reference their table/partition with ON DELETE CASCADE,
so drops take statistics with them and renames keep them."""
from __future__ import annotations

import base64
import json
from typing import Dict, List, Optional, Sequence

from sqlalchemy import and_, delete, insert, select

from ..errors import NotFound
from ..model import make_partition_name
from ..model.stats import ColumnStatistics
from . import mapping as m
from .sql import SqlStore
from .tables import partition_column_stats as PCS, partitions as P, table_column_stats as TCS


def _dump(stats: ColumnStatistics) -> str:
    values = dict(stats.values)
    if values.get("bit_vectors") is not None:
        values["bit_vectors"] = base64.b64encode(values["bit_vectors"]).decode("ascii")
    return json.dumps({"kind": stats.kind, "values": values}, separators=(",", ":"))


def _load(column_name: str, column_type: str, text: str) -> ColumnStatistics:
    data = json.loads(text)
    values = data["values"]
    if values.get("bit_vectors") is not None:
        values["bit_vectors"] = base64.b64decode(values["bit_vectors"])
    return ColumnStatistics(column_name, column_type, data["kind"], values)


class SqlStatsStore:
    def __init__(self, catalog: SqlStore):
        self.catalog = catalog
        self.tx = catalog.tx

    def _partition_ids(self, conn, table_id: int, names: Sequence[str]) -> Dict[str, int]:
        out: Dict[str, int] = {}
        for i in range(0, len(names), 500):
            chunk = list(names[i : i + 500])
            out.update(conn.execute(select(P.c.name, P.c.id).where(P.c.table_id == table_id, P.c.name.in_(chunk))).all())
        return out

    # --- table level -----------------------------------------------------------------------
    def put_table_stats(self, db_name: str, table_name: str, engine: str, last_analyzed: int,
                        stats: Sequence[ColumnStatistics]) -> None:
        with self.tx.write() as conn:
            trow = self.catalog._table_row(conn, db_name, table_name)
            for s in stats:
                conn.execute(delete(TCS).where(TCS.c.table_id == trow.id, TCS.c.column_name == s.column_name,
                                               TCS.c.engine == engine))
                conn.execute(insert(TCS).values(table_id=trow.id, column_name=s.column_name, engine=engine,
                                                column_type=s.column_type, stats=_dump(s), last_analyzed=last_analyzed))

    def get_table_stats(self, db_name: str, table_name: str, columns: Optional[Sequence[str]], engine: str):
        """Returns (last_analyzed, [ColumnStatistics]) for the requested columns that have stats."""
        with self.tx.read() as conn:
            trow = self.catalog._table_row(conn, db_name, table_name)
            q = select(TCS).where(TCS.c.table_id == trow.id, TCS.c.engine == engine).order_by(TCS.c.column_name)
            if columns is not None:
                q = q.where(TCS.c.column_name.in_(list(columns)))
            rows = conn.execute(q).all()
        return (max((r.last_analyzed for r in rows), default=0),
                [_load(r.column_name, r.column_type, r.stats) for r in rows])

    def delete_table_stats(self, db_name: str, table_name: str, column: Optional[str], engine: Optional[str]) -> int:
        with self.tx.write() as conn:
            trow = self.catalog._table_row(conn, db_name, table_name)
            conds = [TCS.c.table_id == trow.id]
            if column is not None:
                conds.append(TCS.c.column_name == column)
            if engine is not None:
                conds.append(TCS.c.engine == engine)
            return conn.execute(delete(TCS).where(*conds)).rowcount

    # --- partition level -------------------------------------------------------------------
    def put_partition_stats(self, db_name: str, table_name: str, values: Sequence[str], engine: str,
                            last_analyzed: int, stats: Sequence[ColumnStatistics]) -> None:
        with self.tx.write() as conn:
            trow = self.catalog._table_row(conn, db_name, table_name)
            keys = [k.name for k in m.load_columns(trow.partition_keys)]
            name = make_partition_name(keys, values)
            pid = self._partition_ids(conn, trow.id, [name]).get(name)
            if pid is None:
                raise NotFound(f"Partition {db_name}.{table_name}/{name} does not exist")
            for s in stats:
                conn.execute(delete(PCS).where(PCS.c.partition_id == pid, PCS.c.column_name == s.column_name,
                                               PCS.c.engine == engine))
                conn.execute(insert(PCS).values(partition_id=pid, table_id=trow.id, column_name=s.column_name,
                                                engine=engine, column_type=s.column_type, stats=_dump(s),
                                                last_analyzed=last_analyzed))

    def get_partition_stats(self, db_name: str, table_name: str, names: Sequence[str],
                            columns: Optional[Sequence[str]], engine: str) -> Dict[str, List[ColumnStatistics]]:
        """{partition name: [ColumnStatistics]} for the named partitions that have stats."""
        with self.tx.read() as conn:
            trow = self.catalog._table_row(conn, db_name, table_name)
            ids = self._partition_ids(conn, trow.id, list(names))
            by_id = {v: k for k, v in ids.items()}
            out: Dict[str, List[ColumnStatistics]] = {}
            id_list = list(by_id)
            for i in range(0, len(id_list), 500):
                q = select(PCS).where(PCS.c.partition_id.in_(id_list[i : i + 500]), PCS.c.engine == engine)
                if columns is not None:
                    q = q.where(PCS.c.column_name.in_(list(columns)))
                for r in conn.execute(q.order_by(PCS.c.partition_id, PCS.c.column_name)):
                    out.setdefault(by_id[r.partition_id], []).append(_load(r.column_name, r.column_type, r.stats))
            return out

    def delete_partition_stats(self, db_name: str, table_name: str, name: str, column: Optional[str],
                               engine: Optional[str]) -> int:
        with self.tx.write() as conn:
            trow = self.catalog._table_row(conn, db_name, table_name)
            pid = self._partition_ids(conn, trow.id, [name]).get(name)
            if pid is None:
                raise NotFound(f"Partition {db_name}.{table_name}/{name} does not exist")
            conds = [PCS.c.partition_id == pid]
            if column is not None:
                conds.append(PCS.c.column_name == column)
            if engine is not None:
                conds.append(PCS.c.engine == engine)
            return conn.execute(delete(PCS).where(and_(*conds))).rowcount
