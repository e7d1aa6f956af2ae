"""The servers a benchmark runs against, and starting them one at a time.

Built-in targets are started fresh by the benchmark: lakeglue as a `lakeglue metastore serve`
subprocess on a new SQLite file or a new database in a throwaway PostgreSQL cluster, and the
reference Hive Metastore 2.3.10 from pyspark's jars on embedded Derby or on PostgreSQL (same
cluster, its own database). `--uri [LABEL=]thrift://host:port` adds a running endpoint; a
label starting with `lakeglue` or `reference` puts it on that side of the ratios.
"""
from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence

from .client import parse_uri


@dataclass(frozen=True)
class TargetSpec:
    name: str
    kind: str  # "lakeglue" | "reference" | "endpoint"
    backend: str  # sqlite | postgres | derby | "" (unknown, for endpoints)
    uri: Optional[str] = None  # set for endpoints the benchmark does not start

    @property
    def started_here(self) -> bool:
        return self.uri is None


BUILTIN: Dict[str, TargetSpec] = {t.name: t for t in (
    TargetSpec("lakeglue-sqlite", "lakeglue", "sqlite"),
    TargetSpec("lakeglue-postgres", "lakeglue", "postgres"),
    TargetSpec("reference-derby", "reference", "derby"),
    TargetSpec("reference-postgres", "reference", "postgres"),
)}


def parse_targets(names: Sequence[str]) -> List[TargetSpec]:
    """Built-in targets by name; raises ValueError for an unknown one."""
    unknown = [n for n in names if n not in BUILTIN]
    if unknown:
        raise ValueError(f"unknown target(s) {', '.join(unknown)}; known: {', '.join(BUILTIN)}")
    return [BUILTIN[n] for n in names]


def parse_endpoint(text: str) -> TargetSpec:
    """`[LABEL=]thrift://host:port` → an endpoint target; raises ValueError if malformed."""
    label, sep, uri = text.partition("=")
    if not sep:
        label, uri = text, text
    parse_uri(uri)
    kind = next((k for k in ("lakeglue", "reference") if label.startswith(k)), "endpoint")
    return TargetSpec(label, kind, "", uri)


@dataclass
class Running:
    """A target that is up: where it listens and what we know about it."""

    uri: str
    info: Dict[str, object] = field(default_factory=dict)


class Launcher:
    """Starts targets under `workdir` (each a context manager); owns the shared PostgreSQL cluster
    (started on first use, stopped by `close()`)."""

    def __init__(self, workdir: str, serve_args: Sequence[str] = (), reference_heap: str = "1g"):
        self.workdir = workdir
        self.serve_args = list(serve_args)
        self.reference_heap = reference_heap
        self._pg = None

    def _postgres(self):
        if self._pg is None:
            from lakeglue.devservers.postgres import PostgresServer

            self._pg = PostgresServer().start()  # under /tmp: its unprivileged user must reach it
        return self._pg

    @contextlib.contextmanager
    def start(self, spec: TargetSpec) -> Iterator[Running]:
        """Start `spec` (fresh state), yield it running, stop it. Raises whatever the
        launcher raises when the server does not come up."""
        if not spec.started_here:
            yield Running(spec.uri, {"started_by_bench": False})
            return
        base = os.path.join(self.workdir, spec.name)
        os.makedirs(base, exist_ok=True)
        if spec.kind == "lakeglue":
            with self._lakeglue(spec, base) as running:
                yield running
        else:
            with self._reference(spec, base) as running:
                yield running

    @contextlib.contextmanager
    def _lakeglue(self, spec: TargetSpec, base: str) -> Iterator[Running]:
        from lakeglue.devservers.lakeglue_metastore import LakeglueMetastore

        if spec.backend == "sqlite":
            db_url = "sqlite:///" + os.path.join(base, "catalog.db")
        else:
            pg = self._postgres()
            name = f"lakeglue_bench_{int(time.time())}"
            db_url = pg.create_database(name)
        warehouse = os.path.join(base, "warehouse")
        os.makedirs(warehouse, exist_ok=True)
        ms = LakeglueMetastore(db_url, "file:" + warehouse, os.path.join(base, "metastore.log"),
                               extra_args=self.serve_args)
        with ms:
            yield Running(ms.uri, {"started_by_bench": True, "startup_s": ms.startup_seconds,
                                   "server_pid": ms.pid, "db_url": db_url, "log": ms.log_path,
                                   "serve_args": self.serve_args})

    @contextlib.contextmanager
    def _reference(self, spec: TargetSpec, base: str) -> Iterator[Running]:
        from lakeglue.devservers.reference_hms import ReferenceHiveMetastore

        # log at WARN: the reference would otherwise write an audit line per call to its log
        kwargs = dict(log_level="warn", heap=self.reference_heap, base_dir=base)
        if spec.backend == "postgres":
            kwargs.update(postgres=self._postgres(), postgres_database=f"hive_bench_{int(time.time())}")
        with ReferenceHiveMetastore(**kwargs) as hms:
            yield Running(hms.uri, {"started_by_bench": True, "startup_s": hms.startup_seconds,
                                    "hive_version": "2.3.10 (pyspark's jars)", "heap": self.reference_heap,
                                    "server_pid": hms.pid,
                                    "log_level": "warn", "log": hms.log_path})

    def close(self) -> None:
        if self._pg is not None:
            self._pg.stop()
            self._pg = None
