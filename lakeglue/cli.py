"""`lakeglue` command line: serve, metastore serve, db upgrade, crawl, crawler, jobrunner, jobs, bench."""
from __future__ import annotations

import argparse
import logging
import sys
from typing import List, Optional

from metastore.config import MetastoreConfig, default_db_url, default_warehouse


def _add_metastore_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=9083, help="Thrift port (default 9083)")
    p.add_argument("--db-url", default=None,
                   help=f"SQLAlchemy URL of the catalog database (default {default_db_url()})")
    p.add_argument("--warehouse", default=None,
                   help=f"root URI for managed tables (default {default_warehouse()})")
    p.add_argument("--framed", action="store_true", help="use TFramedTransport instead of plain sockets")
    p.add_argument("--workers", type=int, default=None,
                   help="server processes sharing the port (default: one per core, at most 4)")


def _config(args) -> MetastoreConfig:
    return MetastoreConfig(host=args.host, port=args.port, db_url=args.db_url or "",
                           warehouse=args.warehouse or "", framed=args.framed)


def _serve_metastore(args, extra=None) -> int:
    """Serve the metastore; `extra(args, metastore_uri)` may start more services next to it
    and returns a function that stops them (or None)."""
    from metastore.app import build_server
    from metastore.errors import CatalogError
    from metastore.workers import WorkerPool, default_workers

    from .signals import CRAWLER_SHUTDOWN_LIMIT_SECONDS, stop_on_signals, wait_then_bound_shutdown

    from .malloc import limit_arenas

    limit_arenas()  # before any server thread exists (worker processes inherit it)
    workers = args.workers if args.workers is not None else default_workers()
    try:
        server = WorkerPool(_config(args), workers) if workers > 1 else build_server(_config(args))
    except CatalogError as e:
        print(f"lakeglue: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"lakeglue: cannot listen on {args.host}:{args.port}: {e}", file=sys.stderr)
        return 2
    stop = stop_on_signals()
    server.start()
    cfg = _config(args).resolved()
    print(f"lakeglue metastore serving {server.uri} with {workers} process(es) "
          f"(catalog {_safe(cfg.db_url)}, warehouse {cfg.warehouse})", flush=True)
    stop_extra = extra(args, server.uri) if extra else None
    # The embedded crawler daemon lets running crawls finish their current table.
    wait_then_bound_shutdown(stop, limit=CRAWLER_SHUTDOWN_LIMIT_SECONDS if stop_extra else 40.0)
    if stop_extra:
        stop_extra()
    server.stop()
    return 0


def _serve_all(args) -> int:
    """`lakeglue serve`: the metastore and, next to it, the job runner (port 50051) and the
    crawler daemon wired to the runner's triggers."""
    from crawler.embedded import start_with_jobrunner

    return _serve_metastore(args, extra=start_with_jobrunner)


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)


def _db_upgrade(args) -> int:
    from metastore import migrations
    from metastore.store.session import make_engine

    url = args.db_url or default_db_url()
    engine = make_engine(url)
    try:
        before = migrations.current_revision(engine)
        migrations.upgrade(engine)
        after = migrations.current_revision(engine)
    finally:
        engine.dispose()
    print(f"catalog schema of {_safe(url)}: {before or 'empty'} -> {after}")
    from jobrunner import migrations as jr_migrations  # the job runner's tables, same database

    engine = make_engine(url)
    try:
        before = jr_migrations.current_revision(engine)
        jr_migrations.upgrade(engine)
        after = jr_migrations.current_revision(engine)
    finally:
        engine.dispose()
    print(f"job runner schema of {_safe(url)}: {before or 'empty'} -> {after}")
    from crawler import migrations as cr_migrations  # the crawler's tables, same database

    engine = make_engine(url)
    try:
        before = cr_migrations.current_revision(engine)
        cr_migrations.upgrade(engine)
        after = cr_migrations.current_revision(engine)
    finally:
        engine.dispose()
    print(f"crawler schema of {_safe(url)}: {before or 'empty'} -> {after}")
    return 0


def _db_current(args) -> int:
    from metastore import migrations
    from metastore.store.session import make_engine

    engine = make_engine(args.db_url or default_db_url())
    try:
        current, head = migrations.current_revision(engine), migrations.head_revision()
    finally:
        engine.dispose()
    print(f"current: {current or 'empty'}  head: {head}")
    from jobrunner import migrations as jr_migrations

    engine = make_engine(args.db_url or default_db_url())
    try:
        jr_current, jr_head = jr_migrations.current_revision(engine), jr_migrations.head_revision()
    finally:
        engine.dispose()
    print(f"job runner current: {jr_current or 'empty'}  head: {jr_head}")
    from crawler import migrations as cr_migrations

    engine = make_engine(args.db_url or default_db_url())
    try:
        cr_current, cr_head = cr_migrations.current_revision(engine), cr_migrations.head_revision()
    finally:
        engine.dispose()
    print(f"crawler current: {cr_current or 'empty'}  head: {cr_head}")
    return 0 if current == head and jr_current == jr_head and cr_current == cr_head else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lakeglue", description="Self-hosted data catalog, crawler and job runner.")
    parser.add_argument("--log-level", default="INFO")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run every lakeglue service on embedded defaults")
    _add_metastore_args(serve)
    from jobrunner.cli import add_serve_args  # --jobrunner-port, --no-jobrunner

    add_serve_args(serve)
    from crawler.embedded import add_serve_args as add_crawler_serve_args  # --no-crawler

    add_crawler_serve_args(serve)
    serve.set_defaults(func=_serve_all)

    ms = sub.add_parser("metastore", help="the Hive-compatible metastore")
    ms_sub = ms.add_subparsers(dest="metastore_command", required=True)
    ms_serve = ms_sub.add_parser("serve", help="serve the Thrift metastore")
    _add_metastore_args(ms_serve)
    ms_serve.set_defaults(func=_serve_metastore)

    db = sub.add_parser("db", help="catalog database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="migrate the catalog database to this version's schema")
    up.add_argument("--db-url", default=None)
    up.set_defaults(func=_db_upgrade)
    cur = db_sub.add_parser("current", help="show the schema revision (exit 1 if outdated)")
    cur.add_argument("--db-url", default=None)
    cur.set_defaults(func=_db_current)

    from crawler.cli import add_commands as add_crawler_commands  # `crawl`, `crawler ...`

    add_crawler_commands(sub)

    from jobrunner.cli import add_commands as add_jobrunner_commands  # `jobrunner`, `jobs`, `triggers`, `workflows`

    add_jobrunner_commands(sub)

    from lakeglue.bench.cli import add_commands as add_bench_commands  # `bench`

    add_bench_commands(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # for reports that quote the command
    logging.basicConfig(level=getattr(logging, str(args.log_level).upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
