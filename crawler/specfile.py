"""Crawler definitions from a YAML or JSON file, for `lakeglue crawler import FILE` (the
config-file daemon of earlier versions is replaced by crawlers stored in the database;
its files import as they are).

    # crawlers.yaml
    metastore: thrift://127.0.0.1:9083      # optional: where these crawlers write (default: this catalog)
    crawlers:
      - name: sales
        paths: [s3://lake/sales/]
        database: lake
        schedule: "*/15 * * * *"
        recrawl: incremental                 # or incremental: true
        exclude: ["**/_tmp/**"]
        schema_change: add-only              # any `lakeglue crawl` option, with underscores
        partition_types: {ds: string}

Keys of older files that no longer apply (`db_url`, `warehouse`, `state_dir`) are ignored.
"""
from __future__ import annotations

import json
from typing import List

from .model import CrawlerConfigError, CrawlerDef

_IGNORED_TOP = {"db_url", "warehouse", "state_dir"}


def load_crawlers(path: str) -> List[CrawlerDef]:
    """Validated crawler definitions of a file (.yaml/.yml or .json). Raises CrawlerConfigError."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        raise CrawlerConfigError(f"cannot read {path}: {e}") from e
    yaml_file = path.endswith((".yaml", ".yml"))
    try:
        if yaml_file:
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as e:
        raise CrawlerConfigError(f"{path}: not valid {'YAML' if yaml_file else 'JSON'}: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("crawlers"), list):
        raise CrawlerConfigError(f"{path}: expected a mapping with a 'crawlers' list")
    unknown = set(data) - {"crawlers", "metastore"} - _IGNORED_TOP
    if unknown:
        raise CrawlerConfigError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    out: List[CrawlerDef] = []
    names = set()
    for i, c in enumerate(data["crawlers"]):
        if not isinstance(c, dict) or not c.get("name") or not c.get("paths") or not c.get("database"):
            raise CrawlerConfigError(f"{path}: crawler #{i + 1} needs name, paths and database")
        if c["name"] in names:
            raise CrawlerConfigError(f"{path}: crawler {c['name']!r} is defined twice")
        names.add(c["name"])
        paths = c["paths"] if isinstance(c["paths"], list) else [c["paths"]]
        options = {k: v for k, v in c.items()
                   if k not in ("name", "paths", "database", "schedule", "description", "metastore")}
        try:
            out.append(CrawlerDef(name=str(c["name"]), paths=tuple(str(p) for p in paths),
                                  database=str(c["database"]), schedule=c.get("schedule"), options=options,
                                  description=str(c.get("description") or ""),
                                  metastore_uri=c.get("metastore") or data.get("metastore")).validated())
        except CrawlerConfigError as e:
            raise CrawlerConfigError(f"{path}: crawler {c['name']}: {e}") from e
    return out


__all__ = ["load_crawlers"]
