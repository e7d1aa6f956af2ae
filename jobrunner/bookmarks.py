"""Job bookmarks on the runner's side: versioned per-job state of named sources.

What a source's state means is the runtime library's business (jobrunner.runtime.bookmarks:
file listings, table keys); here it is an opaque JSON object per source name. The rules:

- every change (commit, reset, rewind, set-to-now) bumps the job's bookmark `version`;
- a run commits against the version it read: the commit is checked when the script makes
  it and *staged*, then applied when the run SUCCEEDS, checked again (so of two concurrent
  runs that read the same version only the first to succeed advances the bookmark; the
  other ends FAILED with a conflict, and a run that fails never advances it);
- the history keeps every version, so "rewind to run R" restores what R committed;
- the run's effective bookmark mode (the job's, or its `--job-bookmark-option` argument) is
  enforced here, not only by the runtime: a run in mode DISABLE or PAUSE never advances the
  bookmark — its commits are accepted and ignored (nothing staged, version unchanged).
"""
from __future__ import annotations

import dataclasses
import logging
from typing import Any, Callable, Dict, Mapping, Optional

from sqlalchemy.engine import Connection

from .errors import Conflict, FailedPrecondition, InvalidArgument, NotFound
from .model import BookmarkMode, JobRun, RunState, effective_bookmark_mode, resolve_arguments
from .store import JobStore, from_us, loads

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class BookmarkEntry:
    source: str
    state: Mapping[str, Any]
    run_id: Optional[str]
    updated_on: Optional[float]


@dataclasses.dataclass(frozen=True)
class JobBookmark:
    job_name: str
    version: int
    run_id: Optional[str]
    entries: Mapping[str, BookmarkEntry]
    now_floor: Optional[float]
    mode: BookmarkMode


def _entries(raw: Mapping[str, Any]) -> Dict[str, BookmarkEntry]:
    return {name: BookmarkEntry(source=name, state=e.get("state") or {}, run_id=e.get("run_id"),
                                updated_on=e.get("updated_on"))
            for name, e in (raw or {}).items()}


def _raw(entries: Mapping[str, BookmarkEntry]) -> Dict[str, Any]:
    return {name: {"state": dict(e.state), "run_id": e.run_id, "updated_on": e.updated_on}
            for name, e in entries.items()}


class Bookmarks:
    def __init__(self, store: JobStore, clock: Callable[[], float]):
        self.store = store
        self.clock = clock

    # --- reading ---------------------------------------------------------------------------
    def _job(self, conn: Connection, job_name: str, lock: bool = False):
        job = self.store.get_job(conn, job_name, lock=lock)
        if job is None:
            raise NotFound(f"Job {job_name} not found")
        return job

    def _current(self, conn: Connection, job_name: str, lock: bool = False):
        row = self.store.get_bookmark_row(conn, job_name, lock=lock)
        if row is None:
            return None, 0, {}, None, None
        return row, row.version, loads(row.entries, {}), from_us(row.now_floor), row.run_id

    def get(self, job_name: str) -> JobBookmark:
        with self.store.tx.read() as conn:
            job = self._job(conn, job_name)
            _, version, raw, floor, run_id = self._current(conn, job_name)
        return JobBookmark(job_name=job_name, version=version, run_id=run_id, entries=_entries(raw),
                           now_floor=floor, mode=job.bookmark_mode)

    # --- commits ---------------------------------------------------------------------------
    def commit(self, job_name: str, run_id: Optional[str], base_version: int,
               states: Mapping[str, Mapping[str, Any]]) -> Dict[str, Any]:
        """Check `base_version` and stage the run's states (or apply them at once when no run
        is given). Returns {"staged": bool, "version": int}, plus "ignored": the mode when
        the run's effective bookmark mode is DISABLE or PAUSE (nothing staged or applied;
        "version" is the current one)."""
        for name in states:
            if not name or not str(name).strip():
                raise InvalidArgument("Bookmark source names must not be empty")
        now = self.clock()
        with self.store.tx.write() as conn:
            job = self._job(conn, job_name, lock=True)
            row, version, raw, floor, _ = self._current(conn, job_name, lock=True)
            if run_id:
                run = self.store.get_run(conn, run_id)
                if run is None:
                    raise NotFound(f"Job run {run_id} not found")
                if run.job_name != job_name:
                    raise InvalidArgument(f"Job run {run_id} belongs to job {run.job_name}, not {job_name}")
                if run.state not in (RunState.RUNNING, RunState.STARTING):
                    raise FailedPrecondition(
                        f"Job run {run_id} is {run.state.value}: only a running run can commit its bookmark")
                mode = self.run_mode(job, run)
                if mode is not BookmarkMode.ENABLE:
                    # DISABLE: commits are ignored; PAUSE: the run reads the bookmark but never
                    # advances it. Checked before the version: a DISABLE run never read one.
                    log.info("run %s of %s: bookmark mode %s, commit ignored", run_id, job_name, mode.value)
                    return {"staged": False, "version": version, "ignored": mode.value}
                if int(base_version) != version:
                    raise Conflict(self._conflict_message(job_name, base_version, version))
                self.store.stage_bookmark(conn, job_name, run_id, version, dict(states), now)
                return {"staged": True, "version": version}
            if int(base_version) != version:
                raise Conflict(self._conflict_message(job_name, base_version, version))
            new_raw = self._merge(raw, states, None, now)
            self.store.put_bookmark(conn, job_name, version=version + 1, entries=new_raw, run_id=None,
                                    now_floor=floor, at=now, action="commit", exists=row is not None)
            return {"staged": False, "version": version + 1}

    @staticmethod
    def run_mode(job, run: JobRun) -> BookmarkMode:
        """The run's effective bookmark mode: its resolved `--job-bookmark-option`, else the
        job's mode (resolved from the job now if the run has not recorded its arguments yet)."""
        resolved = run.resolved_arguments or resolve_arguments(job, run.arguments)
        return effective_bookmark_mode(job, resolved)

    def apply_staged(self, conn: Connection, run: JobRun, now: float) -> Optional[int]:
        """Inside the transaction that marks `run` SUCCEEDED: apply what it staged. Raises
        Conflict when another change won since the run read the bookmark."""
        staged = self.store.take_staged_bookmark(conn, run.id)
        if staged is None:
            return None
        row, version, raw, floor, _ = self._current(conn, run.job_name, lock=True)
        if staged.base_version != version:
            raise Conflict(self._conflict_message(run.job_name, staged.base_version, version))
        new_raw = self._merge(raw, loads(staged.entries, {}), run.id, now)
        self.store.put_bookmark(conn, run.job_name, version=version + 1, entries=new_raw, run_id=run.id,
                                now_floor=floor, at=now, action="commit", exists=row is not None)
        return version + 1

    def discard_staged(self, conn: Connection, run_id: str) -> None:
        self.store.take_staged_bookmark(conn, run_id)

    @staticmethod
    def _merge(raw: Mapping[str, Any], states: Mapping[str, Mapping[str, Any]], run_id: Optional[str],
               now: float) -> Dict[str, Any]:
        out = dict(raw)
        for name, state in states.items():
            out[name] = {"state": dict(state), "run_id": run_id, "updated_on": now}
        return out

    @staticmethod
    def _conflict_message(job_name: str, base: int, current: int) -> str:
        return (f"Job bookmark of {job_name} is at version {current}, but this run read version {base}: "
                "another run committed (or the bookmark was reset, rewound or set to now) meanwhile; "
                "the run's bookmark was not committed")

    # --- administration --------------------------------------------------------------------
    def reset(self, job_name: str) -> JobBookmark:
        return self._change(job_name, "reset", lambda raw, floor, conn: ({}, None, None))

    def rewind(self, job_name: str, run_id: str) -> JobBookmark:
        if not run_id:
            raise InvalidArgument("RewindJobBookmark needs the run id to rewind to")

        def to_run(raw, floor, conn):
            hist = self.store.bookmark_committed_by(conn, job_name, run_id)
            if hist is None:
                raise FailedPrecondition(f"Job run {run_id} of {job_name} never committed a bookmark; "
                                         "rewind to a run that did")
            return loads(hist.entries, {}), from_us(hist.now_floor), run_id

        return self._change(job_name, "rewind", to_run)

    def set_to_now(self, job_name: str) -> JobBookmark:
        now = self.clock()
        return self._change(job_name, "set_to_now", lambda raw, floor, conn: (raw, now, None))

    def _change(self, job_name: str, action: str, fn) -> JobBookmark:
        now = self.clock()
        with self.store.tx.write() as conn:
            self._job(conn, job_name, lock=True)
            row, version, raw, floor, _ = self._current(conn, job_name, lock=True)
            new_raw, new_floor, run_id = fn(raw, floor, conn)
            self.store.put_bookmark(conn, job_name, version=version + 1, entries=new_raw, run_id=run_id,
                                    now_floor=new_floor, at=now, action=action, exists=row is not None)
        return self.get(job_name)
