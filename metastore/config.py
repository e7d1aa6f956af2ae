"""Defaults for where lakeglue keeps its state on the local machine."""
from __future__ import annotations

import os
from dataclasses import dataclass


def data_dir() -> str:
    """`$LAKEGLUE_HOME`, else `$XDG_DATA_HOME/lakeglue`, else `~/.local/share/lakeglue`."""
    if os.environ.get("LAKEGLUE_HOME"):
        return os.path.abspath(os.environ["LAKEGLUE_HOME"])
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "lakeglue")


def default_db_url() -> str:
    return "sqlite:///" + os.path.join(data_dir(), "catalog.db")


def default_warehouse() -> str:
    return "file:" + os.path.join(data_dir(), "warehouse")


@dataclass(frozen=True)
class MetastoreConfig:
    host: str = "127.0.0.1"
    port: int = 9083
    db_url: str = ""
    warehouse: str = ""
    framed: bool = False

    def resolved(self) -> "MetastoreConfig":
        return MetastoreConfig(
            host=self.host, port=self.port, db_url=self.db_url or default_db_url(),
            warehouse=self.warehouse or default_warehouse(), framed=self.framed,
        )
