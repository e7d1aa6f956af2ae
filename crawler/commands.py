"""`lakeglue crawler …`: named crawlers stored in the catalog database.

    lakeglue crawler create NAME --path URI [--path URI…] --database DB [--schedule CRON]
                            [--metastore thrift://H:P] [--description TEXT] [crawl options]
    lakeglue crawler update NAME [any create option]       (only the options given change)
    lakeglue crawler list | show NAME | runs NAME [--limit N] [--json]
    lakeglue crawler start NAME     run it now in this process (the run is recorded; its end
                                    reaches the job runner's triggers, in `lakeglue serve` or a
                                    standalone runner on the same database)
    lakeglue crawler stop NAME      ask its run to stop, wherever it runs
    lakeglue crawler delete NAME
    lakeglue crawler import FILE [--replace]   definitions from YAML/JSON (crawler.specfile)
    lakeglue crawler daemon         run scheduled crawlers (also part of `lakeglue serve`)

Every command takes --db-url (default: the embedded catalog database). Exit codes: 0 done;
1 the run failed or was cancelled; 2 bad arguments, unknown crawler, or the crawler is
already running.
"""
from __future__ import annotations

import argparse
import faulthandler
import datetime as _dt
import json
import sys
import time
from typing import Optional

from .cli import Progress, add_crawl_options, options_from_args


def _open(args):
    from metastore.config import default_db_url

    from .store import CrawlerStore

    url = args.db_url or default_db_url()
    return CrawlerStore.open(url), url


def _fail(message: str, code: int = 2) -> int:
    print(f"lakeglue crawler: {message}", file=sys.stderr)
    return code


def _errors(fn):
    """Known failures as messages and exit code 2."""
    def wrapper(args) -> int:
        from metastore.errors import CatalogError

        from .migrations import SchemaOutdated
        from .model import CrawlerConfigError
        from .store import CrawlerExists, CrawlerRunning

        try:
            return fn(args)
        except (CrawlerConfigError, CrawlerExists, CrawlerRunning, LookupError, SchemaOutdated, CatalogError,
                ValueError) as e:
            return _fail(str(e).strip("'\""))
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _when(t: Optional[float]) -> str:
    if t is None:
        return "-"
    return _dt.datetime.fromtimestamp(t, _dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


# --- definitions ------------------------------------------------------------------------------
@_errors
def _create(args) -> int:
    from .model import CrawlerDef

    store, _ = _open(args)
    try:
        c = store.create(CrawlerDef(name=args.name, paths=tuple(args.path), database=args.database,
                                    schedule=args.schedule, options=options_from_args(args),
                                    description=args.description or "", metastore_uri=args.metastore), time.time())
    finally:
        store.close()
    print(f"crawler {c.name} created" + (f"; next run {_when(c.next_run_on)}" if c.schedule else " (runs on demand)"))
    return 0


@_errors
def _update(args) -> int:
    changes = {}
    if args.path:
        changes["paths"] = tuple(args.path)
    for key, attr in (("database", "database"), ("schedule", "schedule"), ("description", "description"),
                      ("metastore_uri", "metastore")):
        value = getattr(args, attr)
        if value is not None:
            changes[key] = value if key == "description" else (value or None)  # '' clears
    if args.no_schedule:
        changes["schedule"] = None
    options = options_from_args(args)
    for name in args.reset or ():
        options[name.replace("-", "_")] = None
    if options:
        changes["options"] = options
    if not changes:
        return _fail("nothing to update: give the options to change")
    store, _ = _open(args)
    try:
        c = store.update(args.name, changes, time.time())
    finally:
        store.close()
    print(f"crawler {c.name} updated" + (f"; next run {_when(c.next_run_on)}" if c.schedule else ""))
    return 0


@_errors
def _delete(args) -> int:
    store, _ = _open(args)
    try:
        store.delete(args.name, time.time())
    finally:
        store.close()
    print(f"crawler {args.name} deleted (its tables stay in the catalog)")
    return 0


@_errors
def _import(args) -> int:
    from .model import CrawlerDef
    from .specfile import load_crawlers
    from .store import CrawlerNotFound

    crawlers = load_crawlers(args.file)
    store, _ = _open(args)
    try:
        for c in crawlers:
            try:
                store.get(c.name)
            except CrawlerNotFound:
                store.create(c, time.time())
                print(f"crawler {c.name} created")
                continue
            if not args.replace:
                print(f"crawler {c.name} exists: left as it is (--replace updates it)")
                continue
            fields = {k: getattr(c, k) for k in CrawlerDef.UPDATABLE if k != "options"}
            cur = store.get(c.name)
            fields["options"] = {**{k: None for k in cur.options}, **dict(c.options)}
            store.update(c.name, fields, time.time())
            print(f"crawler {c.name} updated")
    finally:
        store.close()
    return 0


# --- reading ----------------------------------------------------------------------------------
@_errors
def _list(args) -> int:
    store, _ = _open(args)
    try:
        crawlers, last = store.list(), store.last_runs()
    finally:
        store.close()
    if args.json:
        print(json.dumps([{"name": c.name, "database": c.database, "paths": list(c.paths), "schedule": c.schedule,
                           "state": "RUNNING" if c.run_id else "READY", "next_run": _when(c.next_run_on),
                           "last_run": last[c.name].to_dict() if c.name in last else None} for c in crawlers],
                         indent=2))
        return 0
    if not crawlers:
        print("no crawlers (lakeglue crawler create NAME --path URI --database DB)")
        return 0
    print("NAME\tSTATE\tDATABASE\tSCHEDULE\tLAST RUN\tNEXT RUN\tPATHS")
    for c in crawlers:
        run = last.get(c.name)
        last_text = f"{run.state} {_when(run.started_on)}" if run else "never"
        print(f"{c.name}\t{'RUNNING' if c.run_id else 'READY'}\t{c.database}\t{c.schedule or '(on demand)'}\t"
              f"{last_text}\t{_when(c.next_run_on) if c.schedule else '-'}\t{', '.join(c.paths)}")
    return 0


def _print_run(run) -> None:
    m = run.metrics
    print(f"  {run.id}  {run.state:9}  {_when(run.started_on)}  "
          f"{'' if run.seconds is None else f'{run.seconds:.2f}s'}  by {run.started_by.lower()}"
          + (f" ({run.trigger_name})" if run.trigger_name else ""))
    if run.finished:
        print(f"      tables: {m.get('tables_created', 0)} created, {m.get('tables_updated', 0)} updated, "
              f"{m.get('tables_deprecated', 0)} deprecated, {m.get('tables_deleted', 0)} deleted; "
              f"partitions: {m.get('partitions_added', 0)} added; files: {m.get('files_listed', 0)} listed, "
              f"{m.get('files_read', 0)} read; {len(run.errors)} error(s)")
    for e in list(run.errors)[:5]:
        print(f"      error: {e}")
    if run.state != "SUCCEEDED" and run.message:
        print(f"      {run.message.splitlines()[0]}")


@_errors
def _show(args) -> int:
    store, _ = _open(args)
    try:
        c = store.get(args.name)
        runs = store.runs(args.name, limit=args.limit)
    finally:
        store.close()
    if args.json:
        print(json.dumps({"name": c.name, "description": c.description, "paths": list(c.paths),
                          "database": c.database, "schedule": c.schedule, "options": dict(c.options),
                          "metastore": c.metastore_uri, "state": "RUNNING" if c.run_id else "READY",
                          "next_run": _when(c.next_run_on), "created": _when(c.created_on),
                          "runs": [r.to_dict() for r in runs]}, indent=2))
        return 0
    print(f"crawler {c.name}" + (f": {c.description}" if c.description else ""))
    print(f"  paths: {', '.join(c.paths)}")
    print(f"  database: {c.database}" + (f" (in {c.metastore_uri})" if c.metastore_uri else ""))
    print(f"  schedule: {c.schedule or '(on demand)'}" + (f", next run {_when(c.next_run_on)}" if c.schedule else ""))
    print(f"  options: {json.dumps(dict(c.options), sort_keys=True) if c.options else '(defaults)'}")
    print(f"  state: {'RUNNING (run ' + c.run_id + ')' if c.run_id else 'READY'}")
    print(f"  runs ({len(runs)} most recent):" if runs else "  runs: none yet")
    for run in runs:
        _print_run(run)
    return 0


@_errors
def _runs(args) -> int:
    store, _ = _open(args)
    try:
        store.get(args.name)
        runs = store.runs(args.name, limit=args.limit)
    finally:
        store.close()
    if args.json:
        print(json.dumps([r.to_dict() for r in runs], indent=2))
        return 0
    for run in runs:
        _print_run(run)
    return 0


# --- running ----------------------------------------------------------------------------------
@_errors
def _start(args) -> int:
    from .service import CrawlerService

    store, url = _open(args)
    service = CrawlerService(store, url, warehouse=args.warehouse or "")
    progress = Progress(enabled=not args.no_progress)
    try:
        run = service.run(args.name, progress=progress)
    finally:
        progress.finish()
        service.close()
        store.close()
    if run.message:
        print(run.message)
    print(f"run {run.id}: {run.state} in {run.seconds:.2f}s")
    return 0 if run.state == "SUCCEEDED" else 1


@_errors
def _stop(args) -> int:
    store, _ = _open(args)
    try:
        run = store.request_stop(args.name)
    finally:
        store.close()
    print(f"crawler {args.name}: run {run.id} asked to stop (it stops before its next batch of files or table)")
    return 0


@_errors
def _daemon(args) -> int:
    from lakeglue.signals import CRAWLER_SHUTDOWN_LIMIT_SECONDS, stop_on_signals

    from .service import CrawlerService

    store, url = _open(args)
    service = CrawlerService(store, url, warehouse=args.warehouse or "", max_concurrent=args.max_concurrent,
                             poll_seconds=args.poll)
    stop = stop_on_signals()
    scheduled = [c for c in store.list() if c.schedule]
    print(f"lakeglue crawler daemon: {len(scheduled)} scheduled crawler(s) in {_safe(url)}", flush=True)
    for c in scheduled:
        print(f"  {c.name}: {c.schedule}, next run {_when(c.next_run_on)}", flush=True)
    try:
        service.serve(stop)
    finally:
        faulthandler.dump_traceback_later(CRAWLER_SHUTDOWN_LIMIT_SECONDS, exit=True)
        service.close()
        store.close()
    return 0


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --- the parser -------------------------------------------------------------------------------
def _db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db-url", default=None, help="the catalog database (default: the embedded one)")


def add_crawler_commands(sub) -> None:
    create = sub.add_parser("create", help="define a named crawler")
    create.add_argument("name")
    create.add_argument("--path", action="append", required=True, metavar="URI",
                        help="a path to crawl (local, file:// or s3://); repeat for several")
    create.add_argument("--database", "-d", required=True, help="database to catalog the tables in")
    create.add_argument("--schedule", default=None, help="cron in UTC: '*/15 * * * *' or 'cron(0 3 * * ? *)'")
    create.add_argument("--metastore", default=None, metavar="thrift://HOST:PORT",
                        help="write to this Hive Metastore (default: this lakeglue catalog)")
    create.add_argument("--description", default=None)
    _db(create)
    add_crawl_options(create, named=True)
    create.set_defaults(func=_create)

    upd = sub.add_parser("update", help="change a crawler (only the options given)")
    upd.add_argument("name")
    upd.add_argument("--path", action="append", default=None, metavar="URI", help="replaces the paths")
    upd.add_argument("--database", "-d", default=None)
    upd.add_argument("--schedule", default=None)
    upd.add_argument("--no-schedule", action="store_true", help="run on demand only")
    upd.add_argument("--metastore", default=None, help="thrift://HOST:PORT, or '' for this catalog")
    upd.add_argument("--description", default=None)
    upd.add_argument("--reset", action="append", metavar="OPTION", help="reset an option to its default "
                     "(e.g. --reset exclude)")
    _db(upd)
    add_crawl_options(upd, named=True)
    upd.set_defaults(func=_update)

    for name, fn, help_ in (("list", _list, "crawlers, their state and last run"),
                            ("show", _show, "a crawler's definition and recent runs"),
                            ("runs", _runs, "a crawler's run history with metrics")):
        p = sub.add_parser(name, help=help_)
        if name != "list":
            p.add_argument("name")
            p.add_argument("--limit", type=int, default=10, help="runs shown (default 10)")
        p.add_argument("--json", action="store_true")
        _db(p)
        p.set_defaults(func=fn)

    start = sub.add_parser("start", help="run a crawler now (in this process)")
    start.add_argument("name")
    start.add_argument("--warehouse", default=None)
    start.add_argument("--no-progress", action="store_true")
    _db(start)
    start.set_defaults(func=_start)

    stop = sub.add_parser("stop", help="ask a crawler's run to stop")
    stop.add_argument("name")
    _db(stop)
    stop.set_defaults(func=_stop)

    delete = sub.add_parser("delete", help="delete a crawler and its run history (not its tables)")
    delete.add_argument("name")
    _db(delete)
    delete.set_defaults(func=_delete)

    imp = sub.add_parser("import", help="create crawlers from a YAML/JSON file")
    imp.add_argument("file")
    imp.add_argument("--replace", action="store_true", help="update crawlers that already exist")
    _db(imp)
    imp.set_defaults(func=_import)

    daemon = sub.add_parser("daemon", help="run scheduled crawlers (lakeglue serve runs this too)")
    daemon.add_argument("--warehouse", default=None)
    daemon.add_argument("--max-concurrent", type=int, default=2, help="crawls at a time (default 2)")
    daemon.add_argument("--poll", type=float, default=5.0, help="seconds between schedule checks (default 5)")
    _db(daemon)
    daemon.set_defaults(func=_daemon)


__all__ = ["add_crawler_commands"]
