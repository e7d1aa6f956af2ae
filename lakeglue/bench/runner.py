"""One benchmark run over every target into one JSON-ready document.

All targets are started first and stay up (idle when not measured); then each step — the
warm-up, every op, the throughput load, the scale runs — is run on one target after the
other, so that a change in the machine's load during the run (other jobs on a shared host)
hits every target about alike instead of whichever target happened to run then. Only one
target is ever under load at a time. A failing op is recorded under `errors` and the run goes
on; a target that does not start is recorded under `targets.<name>.error`.
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import os
import platform
import socket
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List

from .ops import Op, plan
from .scale import run_scale
from .soak import run_soak
from .session import Session
from .targets import Launcher, TargetSpec
from .throughput import measure_throughput
from .timing import measure

#: N of the ops in the untimed warm-up passes (or the smallest --sizes, if smaller)
WARMUP_SIZE = 10

Log = Callable[[str], None]


@dataclass
class Settings:
    ops: List[Op]
    sizes: List[int]
    reps: int
    warmup: int
    throughput_connections: int = 0
    throughput_seconds: float = 10.0
    scale_partitions: List[int] = field(default_factory=list)
    scale_tables: List[int] = field(default_factory=list)
    scale_batch: int = 1000
    scale_reference: bool = False
    target_warmup_s: float = 0.0
    #: "lean": partition lists parsed but not built on the client (see bench.client); "full"
    decode: str = "lean"
    soak_seconds: float = 0.0
    soak_connections: int = 4

    def scale_for(self, spec: TargetSpec) -> bool:
        wants = bool(self.scale_partitions or self.scale_tables)
        return wants and (spec.kind != "reference" or self.scale_reference)

    def has_work(self, spec: TargetSpec) -> bool:
        return bool(self.ops) or self.throughput_connections > 0 or self.scale_for(spec) or self.soak_seconds > 0

    def to_json(self) -> dict:
        return {"ops": [o.name for o in self.ops], "sizes": self.sizes, "reps": self.reps,
                "warmup": self.warmup, "throughput_connections": self.throughput_connections,
                "throughput_seconds": self.throughput_seconds, "scale_partitions": self.scale_partitions,
                "scale_tables": self.scale_tables, "scale_batch": self.scale_batch,
                "scale_reference": self.scale_reference, "target_warmup_s": self.target_warmup_s,
                "decode": self.decode, "soak_seconds": self.soak_seconds,
                "soak_connections": self.soak_connections}


def _describe(e: BaseException) -> str:
    return f"{type(e).__name__}: {getattr(e, 'message', None) or e}"


def machine() -> dict:
    return {"hostname": socket.gethostname(), "cpus": os.cpu_count(), "platform": platform.platform(),
            "python": sys.version.split()[0], "loadavg_start": list(os.getloadavg())}


@dataclass
class _Target:
    """A started target and where its results go."""

    spec: TargetSpec
    session: Session
    log: Log
    out: dict = field(default_factory=lambda: {"results": {}, "errors": {}, "throughput": None, "scale": {},
                                               "soak": {}})
    info: dict = field(default_factory=dict)

    def attempt(self, label: str, fn: Callable[[], object]):
        """fn(); on failure record the error under `label`, reconnect, and return None."""
        try:
            return fn()
        except Exception as e:  # noqa: BLE001 - recorded, the run goes on
            self.out["errors"][label] = _describe(e)
            self.log(f"{label}: FAILED {_describe(e)}")
            self.session.reconnect()
            return None


def _warm_up(t: _Target, settings: Settings) -> None:
    """Untimed passes over every op at a small N for `target_warmup_s` seconds (at least one
    pass), so that a JVM's JIT and every server's caches are warm before anything is timed."""
    if settings.target_warmup_s <= 0 or not settings.ops:
        return
    n = min(min(settings.sizes), WARMUP_SIZE)
    t0 = time.monotonic()
    passes = 0
    while passes == 0 or time.monotonic() - t0 < settings.target_warmup_s:
        for op, size, _ in plan(settings.ops, [n]):
            try:
                measure(op.make(t.session, size), reps=1, warmup=0)
            except Exception:  # noqa: BLE001 - the timed pass reports failures
                t.session.reconnect()
        passes += 1
    t.log(f"warm-up: {passes} pass(es) over the ops at N={n} ({time.monotonic() - t0:,.1f} s)")


def _op(t: _Target, op: Op, n, label: str, settings: Settings) -> None:
    load = os.getloadavg()[0]
    t0 = time.monotonic()
    st = t.attempt(label, lambda: measure(op.make(t.session, n), settings.reps, settings.warmup))
    if st is None:
        return
    t.out["results"][label] = dict(st.to_json(), loadavg_1m=load)
    t.log(f"{label}: median {st.median_ms:,.3f} ms, p90 {st.p90_ms:,.3f} ms "
          f"({time.monotonic() - t0:,.1f} s, load {load:.1f})")


def _throughput(t: _Target, settings: Settings) -> None:
    load = os.getloadavg()[0]
    tp = t.attempt("throughput", lambda: measure_throughput(
        t.session.uri, t.session.db, t.session.shared_table(0),
        settings.throughput_connections, settings.throughput_seconds))
    if tp is not None:
        t.out["throughput"] = dict(tp.to_json(), loadavg_1m=load)
        t.log(f"throughput: {tp.calls_per_s:,.0f} get_table calls/s over {tp.connections} connections "
              f"(median {tp.median_ms:.3f} ms, load {load:.1f})")


def _scale(t: _Target, settings: Settings) -> None:
    rows = t.attempt("scale", lambda: run_scale(t.session, settings.scale_partitions, settings.scale_tables,
                                                settings.scale_batch, settings.reps, settings.warmup, t.log))
    if rows:
        t.out["scale"] = rows


def _soak(t: _Target, settings: Settings) -> None:
    pid = t.info.get("server_pid")
    if not pid:
        t.log("soak: skipped (the server was not started here, so its memory cannot be sampled)")
        return
    t.log(f"soak: {settings.soak_seconds:g} s of mixed load over {settings.soak_connections} connections")
    rows = t.attempt("soak", lambda: run_soak(t.session.uri, t.session.db, int(pid), settings.soak_seconds,
                                              settings.soak_connections, progress=t.log))
    if rows:
        t.out["soak"] = rows
        t.log("soak: RSS {:.1f} MB after warm-up, {:.1f} MB at the end ({:+.1f}%), max {:+.1f}%".format(
            rows["rss_after_warmup"]["value"], rows["rss_end"]["value"], rows["rss_drift_end"]["value"],
            rows["rss_drift_max"]["value"]))


def _start(stack: contextlib.ExitStack, launcher: Launcher, spec: TargetSpec, info: dict, log: Log,
           lean: bool) -> Session:
    """Start `spec` on `stack` and open its session (closed before the server stops).

    Raises RuntimeError, never a Thrift exception: pyiceberg's are frozen, and a frozen
    exception thrown through a contextlib.contextmanager (the launchers) becomes a TypeError."""
    try:
        running = stack.enter_context(launcher.start(spec))
        info.update(uri=running.uri, **running.info)
        log(f"up at {running.uri}")
        session = Session(running.uri, lean=lean)
        stack.callback(session.close)
        session.create_database()
        return session
    except Exception as e:  # noqa: BLE001
        raise RuntimeError(_describe(e)) from None


def run(specs: List[TargetSpec], settings: Settings, workdir: str, *, serve_args=(),
        reference_heap: str = "1g", command: str = "",
        log: Log = lambda m: print(m, file=sys.stderr, flush=True)) -> dict:
    """Run every target; the benchmark document (lakeglue.bench.report renders it)."""
    doc: dict = {"tool": "lakeglue bench", "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                 "command": command, "machine": machine(), "settings": settings.to_json(),
                 "targets": {}, "results": {}, "errors": {}, "throughput": {}, "scale": {}, "soak": {}}
    launcher = Launcher(workdir, serve_args=serve_args, reference_heap=reference_heap)
    targets: List[_Target] = []
    try:
        with contextlib.ExitStack() as stack:
            for spec in specs:
                if not settings.has_work(spec):
                    continue
                info: Dict[str, object] = {"kind": spec.kind, "backend": spec.backend}
                doc["targets"][spec.name] = info
                tlog = (lambda m, _n=spec.name: log(f"[{_n}] {m}"))
                tlog("starting")
                try:
                    session = _start(stack, launcher, spec, info, tlog, settings.decode == "lean")
                    targets.append(_Target(spec, session, tlog, info=info))
                except RuntimeError as e:  # the other targets still run
                    info["error"] = str(e)
                    tlog(f"FAILED: {e}")
            for t in targets:
                _warm_up(t, settings)
            for op, n, label in plan(settings.ops, settings.sizes):
                for t in targets:
                    _op(t, op, n, label, settings)
            if settings.throughput_connections > 0:
                for t in targets:
                    _throughput(t, settings)
            for t in targets:
                if settings.scale_for(t.spec):
                    _scale(t, settings)
            if settings.soak_seconds > 0:
                for t in targets:
                    _soak(t, settings)
    finally:
        launcher.close()
    for t in targets:
        name = t.spec.name
        doc["results"][name] = t.out["results"]
        if t.out["errors"]:
            doc["errors"][name] = t.out["errors"]
        if t.out["throughput"]:
            doc["throughput"][name] = t.out["throughput"]
        if t.out["scale"]:
            doc["scale"][name] = t.out["scale"]
        if t.out["soak"]:
            doc["soak"][name] = t.out["soak"]
    doc["machine"]["loadavg_end"] = list(os.getloadavg())
    return doc
