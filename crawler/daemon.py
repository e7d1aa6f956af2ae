"""Named crawlers from a YAML or JSON file, run on cron schedules (croniter).

    # crawlers.yaml
    metastore: thrift://127.0.0.1:9083      # or  db_url: sqlite:////var/lib/lakeglue/catalog.db
    state_dir: /var/lib/lakeglue/crawler     # manifests, run history (runs.jsonl), locks
    crawlers:
      - name: sales
        paths: [s3://lake/sales/]
        database: lake
        schedule: "*/15 * * * *"
        incremental: true
        exclude: ["**/_tmp/**"]
        schema_change: add-only               # any `lakeglue crawl` option, with underscores
        partition_types: {ds: string}

`lakeglue crawler serve` runs each crawler when its schedule comes due, one run at a time,
and never two runs of one crawler at once (a lock file per crawler also keeps a manual
`lakeglue crawler run` from overlapping a scheduled one). Every run appends a line to
`runs.jsonl`: tables created/updated/deprecated/deleted, partitions added, files
listed/read, duration, errors.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import fcntl
import json
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional

log = logging.getLogger(__name__)

_OPTION_KEYS = {
    "table_prefix", "exclude", "table_level", "table_threshold", "combine_schemas", "similarity",
    "schema_change", "delete_behavior", "incremental", "partition_types", "partition_schema",
    "include_delta_log", "workers", "sample_rows", "sample_bytes", "csv_header", "csv_delimiter",
}


class ConfigError(ValueError):
    """A crawler config file that cannot be used."""


class CrawlerBusy(RuntimeError):
    """Another run of the crawler holds its lock."""


@dataclass
class CrawlerSpec:
    name: str
    paths: List[str]
    database: str
    schedule: Optional[str] = None
    options: Dict[str, Any] = field(default_factory=dict)

    def crawl_config(self, state_dir: Optional[str]):
        """The CrawlConfig of a run. Raises ConfigError."""
        from .formats import InferenceOptions
        from .partitions import PartitionTypeError, parse_pins
        from .runner import CrawlConfig

        o = dict(self.options)
        inference = InferenceOptions(**{k: o.pop(k) for k in ("sample_rows", "sample_bytes", "csv_header",
                                                               "csv_delimiter") if k in o})
        try:
            pins = parse_pins(f"{k}={v}" for k, v in (o.pop("partition_types", None) or {}).items())
        except PartitionTypeError as e:
            raise ConfigError(f"crawler {self.name}: {e}") from e
        return CrawlConfig(paths=self.paths, database=self.database, name=self.name, inference=inference,
                           partition_types=pins, state_dir=state_dir, **o)


@dataclass
class DaemonConfig:
    crawlers: List[CrawlerSpec]
    metastore: Optional[str] = None
    db_url: Optional[str] = None
    warehouse: str = ""
    state_dir: Optional[str] = None

    def spec(self, name: str) -> CrawlerSpec:
        for s in self.crawlers:
            if s.name == name:
                return s
        raise ConfigError(f"no crawler named {name!r} (configured: {', '.join(s.name for s in self.crawlers)})")


def load_config(path: str) -> DaemonConfig:
    """Read a crawler config file (.yaml/.yml or .json). Raises ConfigError."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e}") from e
    try:
        if path.endswith((".yaml", ".yml")):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as e:
        raise ConfigError(f"{path}: not valid {'YAML' if path.endswith(('.yaml', '.yml')) else 'JSON'}: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("crawlers"), list):
        raise ConfigError(f"{path}: expected a mapping with a 'crawlers' list")
    specs = []
    names = set()
    for i, c in enumerate(data["crawlers"]):
        if not isinstance(c, dict) or not c.get("name") or not c.get("paths") or not c.get("database"):
            raise ConfigError(f"{path}: crawler #{i + 1} needs name, paths and database")
        if c["name"] in names:
            raise ConfigError(f"{path}: crawler {c['name']!r} is defined twice")
        names.add(c["name"])
        unknown = set(c) - _OPTION_KEYS - {"name", "paths", "database", "schedule"}
        if unknown:
            raise ConfigError(f"{path}: crawler {c['name']}: unknown option(s) {', '.join(sorted(unknown))}")
        schedule = c.get("schedule")
        if schedule:
            from croniter import croniter

            if not croniter.is_valid(schedule):
                raise ConfigError(f"{path}: crawler {c['name']}: bad cron schedule {schedule!r}")
        paths = c["paths"] if isinstance(c["paths"], list) else [c["paths"]]
        specs.append(CrawlerSpec(name=c["name"], paths=[str(p) for p in paths], database=str(c["database"]),
                                 schedule=schedule, options={k: v for k, v in c.items() if k in _OPTION_KEYS}))
    return DaemonConfig(crawlers=specs, metastore=data.get("metastore"), db_url=data.get("db_url"),
                        warehouse=data.get("warehouse", ""), state_dir=data.get("state_dir"))


# --- running ------------------------------------------------------------------------------------
def _state_dir(config: DaemonConfig) -> str:
    from .manifest import default_state_dir

    return config.state_dir or default_state_dir()


@contextlib.contextmanager
def crawler_lock(state_dir: str, name: str) -> Iterator[None]:
    """Hold the crawler's lock file. Raises CrawlerBusy when another run holds it."""
    os.makedirs(state_dir, exist_ok=True)
    path = os.path.join(state_dir, "".join(c if c.isalnum() or c in "-_" else "_" for c in name) + ".lock")
    with open(path, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise CrawlerBusy(f"crawler {name} is already running") from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def run_crawler(config: DaemonConfig, name: str, open_target: Optional[Callable[[], Any]] = None) -> dict:
    """Run one configured crawler now; returns (and appends to runs.jsonl) its run record.
    Raises ConfigError, CrawlerBusy."""
    from .runner import Crawler
    from .targets import open_target as default_open

    spec = config.spec(name)
    state_dir = _state_dir(config)
    record: Dict[str, Any] = {"crawler": name, "started": _dt.datetime.now(_dt.timezone.utc).isoformat(),
                              "status": "running"}
    started = time.monotonic()
    with crawler_lock(state_dir, name):
        try:
            target = open_target() if open_target else default_open(config.metastore, config.db_url,
                                                                     config.warehouse)
            try:
                report = Crawler(spec.crawl_config(state_dir), target).run()
            finally:
                target.close()
            record.update(status="succeeded", tables_created=report.tables_created,
                          tables_updated=report.tables_updated, tables_deprecated=report.tables_deprecated,
                          tables_deleted=report.tables_deleted, partitions_added=report.plan.partitions_added,
                          files_listed=report.files_listed, files_read=report.files_read,
                          errors=[f"{p}: {e}" for p, e in report.errors])
        except ConfigError:
            raise
        except Exception as e:  # a failed run is recorded; the daemon goes on
            log.exception("crawler %s failed", name)
            record.update(status="failed", errors=[f"{type(e).__name__}: {e}"])
        record["seconds"] = round(time.monotonic() - started, 3)
    os.makedirs(state_dir, exist_ok=True)
    with open(os.path.join(state_dir, "runs.jsonl"), "a") as f:
        f.write(json.dumps(record) + "\n")
    return record


def run_history(config: DaemonConfig, name: Optional[str] = None) -> List[dict]:
    path = os.path.join(_state_dir(config), "runs.jsonl")
    try:
        with open(path) as f:
            runs = [json.loads(line) for line in f if line.strip()]
    except OSError:
        return []
    return [r for r in runs if name is None or r.get("crawler") == name]


class Scheduler:
    """Runs scheduled crawlers when due. `clock` returns epoch seconds (injectable)."""

    def __init__(self, config: DaemonConfig, runner: Optional[Callable[[str], dict]] = None,
                 clock: Callable[[], float] = time.time):
        from croniter import croniter

        self.config = config
        self.runner = runner or (lambda name: run_crawler(config, name))
        self.clock = clock
        now = clock()
        self._iters = {s.name: croniter(s.schedule, now) for s in config.crawlers if s.schedule}
        self.next_due: Dict[str, float] = {n: it.get_next(float) for n, it in self._iters.items()}

    def run_due(self) -> List[dict]:
        """Run every crawler whose time has come (each once, one after another)."""
        records = []
        for name in sorted(self.next_due, key=self.next_due.get):
            if self.next_due[name] <= self.clock():
                try:
                    records.append(self.runner(name))
                except CrawlerBusy as e:
                    log.warning("%s; skipping this run", e)
                now = self.clock()
                it = self._iters[name]
                nxt = it.get_next(float)
                while nxt <= now:  # runs missed while busy are skipped, not queued
                    nxt = it.get_next(float)
                self.next_due[name] = nxt
        return records

    def serve(self, stop: threading.Event, max_runs: Optional[int] = None) -> int:
        """Loop until `stop` is set (or `max_runs` runs happened); returns the runs made."""
        runs = 0
        while not stop.is_set():
            runs += len(self.run_due())
            if max_runs is not None and runs >= max_runs:
                break
            if not self.next_due:
                stop.wait(60)
                continue
            stop.wait(max(0.05, min(self.next_due.values()) - self.clock()))
        return runs


# --- commands -----------------------------------------------------------------------------------
def _serve(args) -> int:
    import signal

    try:
        config = load_config(args.config)
    except ConfigError as e:
        print(f"lakeglue crawler: {e}", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    scheduler = Scheduler(config)
    for name, due in sorted(scheduler.next_due.items()):
        print(f"crawler {name}: next run {_dt.datetime.fromtimestamp(due).isoformat(timespec='seconds')}",
              flush=True)
    scheduler.serve(stop, max_runs=args.max_runs)
    return 0


def _run(args) -> int:
    try:
        record = run_crawler(load_config(args.config), args.name)
    except (ConfigError, CrawlerBusy) as e:
        print(f"lakeglue crawler: {e}", file=sys.stderr)
        return 2
    print(json.dumps(record, indent=2))
    return 0 if record["status"] == "succeeded" else 1


def _list(args) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as e:
        print(f"lakeglue crawler: {e}", file=sys.stderr)
        return 2
    for s in config.crawlers:
        runs = run_history(config, s.name)
        last = runs[-1] if runs else None
        status = f"last run {last['started']} {last['status']}" if last else "never run"
        print(f"{s.name}\t{s.database}\t{s.schedule or '(manual)'}\t{', '.join(s.paths)}\t{status}")
    return 0


def add_daemon_commands(sub) -> None:
    serve = sub.add_parser("serve", help="run configured crawlers on their schedules")
    serve.add_argument("--config", required=True, help="crawlers file (.yaml or .json)")
    serve.add_argument("--max-runs", type=int, default=None, help=argparse.SUPPRESS)
    serve.set_defaults(func=_serve)
    run = sub.add_parser("run", help="run one configured crawler now")
    run.add_argument("name")
    run.add_argument("--config", required=True)
    run.set_defaults(func=_run)
    lst = sub.add_parser("list", help="configured crawlers and their last run")
    lst.add_argument("--config", required=True)
    lst.set_defaults(func=_list)


__all__ = ["CrawlerSpec", "DaemonConfig", "load_config", "run_crawler", "run_history", "Scheduler",
           "ConfigError", "CrawlerBusy", "crawler_lock", "add_daemon_commands"]
