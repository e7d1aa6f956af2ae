"""Named crawlers and their runs: the objects `crawler.store` keeps, their validation, and
the crawl options a named crawler stores (the `lakeglue crawl` options, with underscores).

Schedules are cron expressions in UTC: five fields (`*/15 * * * *`) or AWS's
`cron(15 12 * * ? *)` (day-of-week 1-7 = SUN-SAT).
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

RUNNING, SUCCEEDED, FAILED, CANCELLED = "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"
FINAL_STATES = (SUCCEEDED, FAILED, CANCELLED)
STARTED_BY = ("MANUAL", "SCHEDULE", "TRIGGER")

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,254}$")

#: option -> (type, default); the defaults are those of `lakeglue crawl`
OPTIONS: Dict[str, Tuple[type, Any]] = {
    "table_prefix": (str, ""), "exclude": (list, []), "table_level": (int, None), "table_threshold": (int, None),
    "combine_schemas": (bool, False), "similarity": (float, 0.7), "schema_change": (str, "update"),
    "delete_behavior": (str, "deprecate"), "recrawl": (str, "everything"), "partition_types": (dict, {}),
    "partition_schema": (str, "inherit"), "include_delta_log": (bool, False), "workers": (int, 4),
    "sample_files": (int, 1), "sample_rows": (int, 1000), "sample_bytes": (int, 4 * 1024 * 1024),
    "csv_header": (str, "auto"), "csv_delimiter": (str, None),
}
METRICS = ("tables_created", "tables_updated", "tables_deprecated", "tables_deleted", "partitions_added",
           "partitions_updated", "partitions_removed", "files_listed", "files_read", "files_cached",
           "files_assumed", "files_skipped")


class CrawlerConfigError(ValueError):
    """A named crawler's definition or options that cannot be used."""


def check_name(name: str) -> str:
    """Raises CrawlerConfigError for a name that is not 1-255 of `A-Z a-z 0-9 _ . -`."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise CrawlerConfigError(f"bad crawler name {name!r}: use up to 255 letters, digits, _ . - "
                                 "(not starting with . or -)")
    return name


def cron_expression(schedule: str) -> str:
    """Five-field cron from `0 3 * * *` or AWS's `cron(0 3 * * ? *)`. Raises CrawlerConfigError."""
    s = (schedule or "").strip()
    if s.lower().startswith("cron(") and s.endswith(")"):
        parts = s[5:-1].split()
        if len(parts) != 6:
            raise CrawlerConfigError(f"bad schedule {schedule!r}: cron() takes 6 fields")
        minute, hour, dom, month, dow, year = parts
        if year not in ("*", "?"):
            raise CrawlerConfigError(f"bad schedule {schedule!r}: only * is supported for the year")
        dom = "*" if dom == "?" else dom
        dow = "*" if dow == "?" else re.sub(r"\d+", lambda m: str((int(m.group()) - 1) % 7), dow)
        s = " ".join([minute, hour, dom, month, dow])
    from croniter import croniter

    if len(s.split()) != 5 or not croniter.is_valid(s):
        raise CrawlerConfigError(f"bad cron schedule {schedule!r} (five fields, e.g. '*/15 * * * *', "
                                 "or cron(m h dom mon dow year))")
    return s


def next_run_time(schedule: str, after: float) -> float:
    """The first time (epoch seconds, UTC schedule) strictly after `after`. Raises CrawlerConfigError."""
    from croniter import croniter

    start = _dt.datetime.fromtimestamp(after, _dt.timezone.utc)
    return croniter(cron_expression(schedule), start).get_next(_dt.datetime).timestamp()


def normalize_options(options: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """Validated options with defaults left out. `incremental: true` is accepted as
    `recrawl: incremental`. Raises CrawlerConfigError."""
    from .partitions import PartitionTypeError, parse_pins
    from .policies import DeleteBehavior, SchemaChangePolicy
    from .recrawl import POLICIES

    out: Dict[str, Any] = {}
    for key, value in dict(options or {}).items():
        if key == "incremental":
            if value:
                out.setdefault("recrawl", "incremental")
            continue
        if key not in OPTIONS:
            raise CrawlerConfigError(f"unknown crawler option {key!r} (known: {', '.join(sorted(OPTIONS))})")
        kind, default = OPTIONS[key]
        if value is None:
            continue
        if kind is list and isinstance(value, str):
            value = [value]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise CrawlerConfigError(f"crawler option {key} must be a {kind.__name__}, not {value!r}")
        if value != default:
            out[key] = value
    checks = (("schema_change", [p.value for p in SchemaChangePolicy]), ("delete_behavior",
              [d.value for d in DeleteBehavior]), ("recrawl", list(POLICIES)),
              ("partition_schema", ["inherit", "own"]), ("csv_header", ["auto", "yes", "no"]))
    for key, allowed in checks:
        if key in out and out[key] not in allowed:
            raise CrawlerConfigError(f"crawler option {key} must be one of {', '.join(allowed)}, not {out[key]!r}")
    try:
        parse_pins(f"{k}={v}" for k, v in out.get("partition_types", {}).items())
    except PartitionTypeError as e:
        raise CrawlerConfigError(str(e)) from e
    for key in ("workers", "sample_rows", "sample_bytes"):
        if key in out and out[key] < 1:
            raise CrawlerConfigError(f"crawler option {key} must be at least 1")
    if out.get("sample_files", 0) < 0:
        raise CrawlerConfigError("crawler option sample_files must not be negative (0 reads every file)")
    return out


@dataclass(frozen=True)
class CrawlerDef:
    """A named crawler. `run_id` is its run in progress (None when idle); `next_run_on` its
    next scheduled start."""

    name: str
    paths: Tuple[str, ...]
    database: str
    schedule: Optional[str] = None
    options: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    metastore_uri: Optional[str] = None
    created_on: Optional[float] = None
    last_modified_on: Optional[float] = None
    run_id: Optional[str] = None
    next_run_on: Optional[float] = None

    UPDATABLE = ("paths", "database", "schedule", "options", "description", "metastore_uri")

    def validated(self) -> "CrawlerDef":
        """A normalised copy. Raises CrawlerConfigError."""
        from dataclasses import replace

        check_name(self.name)
        paths = tuple(str(p) for p in self.paths if str(p).strip())
        if not paths:
            raise CrawlerConfigError(f"crawler {self.name}: at least one --path is required")
        if not self.database or not re.match(r"^[A-Za-z0-9_]{1,128}$", self.database):
            raise CrawlerConfigError(f"crawler {self.name}: bad database name {self.database!r}")
        schedule = (self.schedule or "").strip() or None
        if schedule:
            cron_expression(schedule)
        uri = (self.metastore_uri or "").strip() or None
        if uri and not uri.startswith("thrift://"):
            raise CrawlerConfigError(f"crawler {self.name}: --metastore must be thrift://HOST:PORT")
        return replace(self, paths=paths, database=self.database.lower(), schedule=schedule,
                       options=normalize_options(self.options), metastore_uri=uri,
                       description=self.description or "")

    def crawl_config(self, state_dir: Optional[str] = None):
        """The CrawlConfig of a run. Raises CrawlerConfigError."""
        from .formats import InferenceOptions
        from .partitions import PartitionTypeError, parse_pins
        from .runner import CrawlConfig

        o = dict(self.options)
        inference = InferenceOptions(**{k: o.pop(k) for k in ("sample_rows", "sample_bytes", "csv_header",
                                                               "csv_delimiter") if k in o})
        try:
            pins = parse_pins(f"{k}={v}" for k, v in (o.pop("partition_types", None) or {}).items())
        except PartitionTypeError as e:
            raise CrawlerConfigError(f"crawler {self.name}: {e}") from e
        try:
            return CrawlConfig(paths=list(self.paths), database=self.database, name=self.name, inference=inference,
                               partition_types=pins, state_dir=state_dir, **o)
        except (TypeError, ValueError) as e:
            raise CrawlerConfigError(f"crawler {self.name}: {e}") from e


@dataclass(frozen=True)
class CrawlerRun:
    """One run of a named crawler, with its metrics (see METRICS) and errors."""

    id: str
    crawler_name: str
    state: str
    started_by: str
    started_on: float
    finished_on: Optional[float] = None
    trigger_name: Optional[str] = None
    workflow_run_id: Optional[str] = None
    host: str = ""
    pid: int = 0
    metrics: Mapping[str, int] = field(default_factory=dict)
    errors: Sequence[str] = ()
    message: str = ""
    cancel_requested: bool = False
    notified_on: Optional[float] = None

    @property
    def seconds(self) -> Optional[float]:
        return None if self.finished_on is None else round(self.finished_on - self.started_on, 3)

    @property
    def finished(self) -> bool:
        return self.state in FINAL_STATES

    def to_dict(self) -> Dict[str, Any]:
        return {"id": self.id, "crawler": self.crawler_name, "state": self.state, "started_by": self.started_by,
                "trigger": self.trigger_name, "workflow_run_id": self.workflow_run_id,
                "started_on": _iso(self.started_on), "finished_on": _iso(self.finished_on),
                "seconds": self.seconds, **dict(self.metrics), "error_count": len(self.errors),
                "errors": list(self.errors), "message": self.message, "host": self.host, "pid": self.pid}


def _iso(t: Optional[float]) -> Optional[str]:
    if t is None:
        return None
    return _dt.datetime.fromtimestamp(t, _dt.timezone.utc).isoformat(timespec="seconds")


__all__ = ["CrawlerDef", "CrawlerRun", "CrawlerConfigError", "OPTIONS", "METRICS", "RUNNING", "SUCCEEDED",
           "FAILED", "CANCELLED", "FINAL_STATES", "check_name", "cron_expression", "next_run_time",
           "normalize_options"]
