"""`lakeglue bench`: the side-by-side metastore benchmark.

    lakeglue bench                                    # all four targets, sizes 10,100,1000
    lakeglue bench --targets lakeglue-sqlite,reference-derby --sizes 1000 --json out.json
    lakeglue bench --uri lakeglue=thrift://10.0.0.5:9083 --uri reference=thrift://10.0.0.6:9083
    lakeglue bench --scale --scale-partitions 100000,1000000 --scale-tables 10000
"""
from __future__ import annotations

import argparse
import json
import shlex
import shutil
import signal
import sys
import tempfile
from typing import List

DEFAULT_TARGETS = "lakeglue-sqlite,lakeglue-postgres,reference-derby,reference-postgres"


def _ints(text: str) -> List[int]:
    try:
        vals = [int(x.replace("_", "")) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of integers: {text!r}") from None
    if any(v <= 0 for v in vals):
        raise argparse.ArgumentTypeError(f"sizes must be positive: {text!r}")
    return vals


def _names(text: str) -> List[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def add_commands(sub) -> None:
    """Register `lakeglue bench` on the top-level subparsers."""
    from .ops import OPS

    ops_help = "\n".join(f"  {o.name + ('.N' if o.sized else ''):26} {o.doc}" for o in OPS)
    p = sub.add_parser(
        "bench", help="benchmark metastores side by side (lakeglue vs the reference Hive Metastore)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run Hive's metastore benchmark operations over Thrift against lakeglue (SQLite, "
                    "PostgreSQL) and the reference Hive Metastore 2.3.10 (Derby, PostgreSQL), each "
                    "started fresh here, and print one side-by-side table of medians and ratios. "
                    "Progress goes to stderr, the table to stdout.",
        epilog=f"operations (--ops):\n{ops_help}\n\n"
               "--scale runs the scale section (lakeglue targets only unless --scale-reference) "
               "instead of the ops and throughput, unless --ops / --throughput-connections are given too.")
    p.add_argument("--targets", type=_names, default=None,
                   help=f"comma-separated built-in targets (default {DEFAULT_TARGETS}; none when --uri is given)")
    p.add_argument("--uri", action="append", default=[], metavar="[LABEL=]thrift://HOST:PORT",
                   help="a running metastore to include (repeatable); a LABEL starting with 'lakeglue' or "
                        "'reference' puts it on that side of the ratios")
    p.add_argument("--ops", type=_names, default=None, help="comma-separated op names, or 'all' (default all)")
    p.add_argument("--sizes", type=_ints, default=[10, 100, 1000], help="N for the sized ops (default 10,100,1000)")
    p.add_argument("--reps", type=int, default=10, help="timed repetitions per op (default 10)")
    p.add_argument("--warmup", type=int, default=3, help="untimed repetitions before them (default 3)")
    p.add_argument("--target-warmup", type=float, default=20.0, metavar="SECONDS",
                   help="before timing a target, run untimed passes over the ops at N=10 for this long, "
                        "so the reference's JIT is warm (default 20; 0 = none)")
    p.add_argument("--throughput-connections", type=int, default=None,
                   help="concurrent get_table connections, one process each (default 8; 0 = skip)")
    p.add_argument("--throughput-seconds", type=float, default=10.0, help="throughput duration (default 10)")
    p.add_argument("--scale", action="store_true", help="run the scale section")
    p.add_argument("--scale-partitions", type=_ints, default=[100_000],
                   help="partitions in the scale table(s) (default 100000; e.g. 100000,1000000)")
    p.add_argument("--scale-tables", type=_ints, default=[10_000], help="tables in the scale database (default 10000)")
    p.add_argument("--scale-batch", type=int, default=1000, help="partitions per add_partitions call (default 1000)")
    p.add_argument("--scale-reference", action="store_true", help="run the scale section on reference targets too")
    p.add_argument("--soak", type=float, default=0.0, metavar="SECONDS",
                   help="also run a mixed load this long while sampling each server's RSS (e.g. 600)")
    p.add_argument("--soak-connections", type=int, default=4, help="client processes of the soak load (default 4)")
    p.add_argument("--decode", choices=("lean", "full"), default="lean",
                   help="how the client decodes partition lists: 'lean' parses the whole reply "
                        "but does not build the list's Python objects, so the client's own cost "
                        "does not hide the servers' (default); 'full' builds them")
    p.add_argument("--json", dest="json_path", default=None, help="also write the full results here")
    p.add_argument("--workdir", default=None,
                   help="keep catalogs, warehouses and server logs here (default: a temp dir, removed)")
    p.add_argument("--lakeglue-serve-arg", action="append", default=[], metavar="ARG",
                   help="extra argument for `lakeglue metastore serve` (repeatable, e.g. --lakeglue-serve-arg=--framed)")
    p.add_argument("--reference-heap", default="1g", help="JVM heap of the reference metastore (default 1g)")
    p.set_defaults(func=main)


def main(args) -> int:
    from . import ops as ops_mod
    from .report import render
    from .runner import Settings, run
    from .targets import parse_endpoint, parse_targets

    try:
        targets = parse_targets(args.targets if args.targets is not None
                                else ([] if args.uri else _names(DEFAULT_TARGETS)))
        targets += [parse_endpoint(u) for u in args.uri]
        if args.ops is None and (args.scale or args.soak):
            ops = []
        else:
            ops = ops_mod.select(args.ops)
    except ValueError as e:
        print(f"lakeglue bench: {e}", file=sys.stderr)
        return 2
    if not targets:
        print("lakeglue bench: no targets", file=sys.stderr)
        return 2
    if args.reps < 1 or args.warmup < 0:
        print("lakeglue bench: --reps must be ≥ 1 and --warmup ≥ 0", file=sys.stderr)
        return 2
    connections = args.throughput_connections
    if connections is None:
        connections = 0 if (args.scale or args.soak) else 8
    settings = Settings(
        ops=ops, sizes=args.sizes, reps=args.reps, warmup=args.warmup,
        throughput_connections=connections, throughput_seconds=args.throughput_seconds,
        scale_partitions=args.scale_partitions if args.scale else [],
        scale_tables=args.scale_tables if args.scale else [],
        scale_batch=args.scale_batch, scale_reference=args.scale_reference,
        target_warmup_s=args.target_warmup, decode=args.decode,
        soak_seconds=args.soak, soak_connections=args.soak_connections)
    # SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so the servers started here are stopped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = args.workdir or tempfile.mkdtemp(prefix="lakeglue-bench-")
    command = "lakeglue " + " ".join(shlex.quote(a) for a in getattr(args, "argv", ["bench"]))
    try:
        doc = run(targets, settings, workdir, serve_args=args.lakeglue_serve_arg,
                  reference_heap=args.reference_heap, command=command)
        if args.json_path:
            with open(args.json_path, "w") as f:
                json.dump(doc, f, indent=1)
        sys.stdout.write(render(doc))
        sys.stdout.flush()
    finally:  # (after the results: removing a scale run's warehouses can take minutes)
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    failed = [t for t, info in doc["targets"].items() if "error" in info]
    return 1 if failed or doc["errors"] else 0
