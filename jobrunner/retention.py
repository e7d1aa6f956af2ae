"""Log retention: deleting the run directories (log, staged script, exit status) of old runs.

A finished run's directory is deleted when the run completed more than `days` ago, or when
it is not among the `runs_per_job` most recent runs of its job (0 switches either rule
off). Each runner prunes only the directories it can see — runs on its host under its
state directory — and marks them (`log_pruned_on`), so reading such a log says it was
deleted instead of returning nothing. Active runs are never touched. (Deleting a job
deletes its runs' directories at once: JobService.delete_job, `remove_run_dirs`.)
"""
from __future__ import annotations

import dataclasses
import logging
import os
import shutil
from typing import List, Optional, Tuple

from sqlalchemy import and_, func, or_, select

from .errors import InvalidArgument
from .model import TERMINAL_STATES
from .store import JobStore, to_us
from .tables import job_runs as R

log = logging.getLogger(__name__)

DAY = 86400.0
BATCH = 500


@dataclasses.dataclass(frozen=True)
class LogRetention:
    days: float = 30.0        # keep the logs of runs that completed in the last N days (0: no age limit)
    runs_per_job: int = 0     # and of at most the last N runs of each job (0: no count limit)
    interval: float = 3600.0  # seconds between two prunings

    def __post_init__(self):
        if self.days < 0 or self.runs_per_job < 0 or self.interval <= 0:
            raise InvalidArgument("log retention: days and runs per job must not be negative")

    @property
    def enabled(self) -> bool:
        return self.days > 0 or self.runs_per_job > 0

    def describe(self) -> str:
        rules = ([f"{self.days:g} days"] if self.days > 0 else []) + \
                ([f"the last {self.runs_per_job} runs per job"] if self.runs_per_job > 0 else [])
        return " and ".join(rules) or "forever"


def _expired(conn, retention: LogRetention, state_dir: str, host: str, now: float) -> List[Tuple[str, str]]:
    terminal = [s.value for s in TERMINAL_STATES]
    mine = and_(R.c.state.in_(terminal), R.c.log_pruned_on.is_(None), R.c.host == host,
                R.c.run_dir.startswith(os.path.join(state_dir, "runs", ""), autoescape=True))
    rules = []
    if retention.days > 0:
        rules.append(R.c.completed_on < to_us(now - retention.days * DAY))
    if retention.runs_per_job > 0:
        rank = func.row_number().over(partition_by=R.c.job_name,
                                      order_by=(R.c.queued_on.desc(), R.c.id.desc())).label("rank")
        ranked = select(R.c.id, rank).subquery()
        rules.append(R.c.id.in_(select(ranked.c.id).where(ranked.c.rank > retention.runs_per_job)))
    if not rules:
        return []
    rows = conn.execute(select(R.c.id, R.c.run_dir).where(mine, or_(*rules)).order_by(R.c.queued_on).limit(BATCH))
    return [(r.id, r.run_dir) for r in rows]


def remove_run_dirs(run_dirs, *, state_dir: str) -> None:
    """Delete run directories, only ever under `<state_dir>/runs`."""
    root = os.path.join(state_dir, "runs")
    for run_dir in run_dirs:
        if run_dir and _inside(run_dir, root) and os.path.realpath(run_dir) != os.path.realpath(root):
            shutil.rmtree(run_dir, ignore_errors=True)


def _inside(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([os.path.realpath(path), os.path.realpath(root)]) == os.path.realpath(root)
    except ValueError:
        return False


def prune_logs(store: JobStore, retention: LogRetention, *, state_dir: str, host: str, now: float) -> List[str]:
    """Delete what the retention says is expired; returns the ids of the runs whose directory
    went."""
    if not retention.enabled:
        return []
    pruned: List[str] = []
    while True:
        with store.tx.read() as conn:
            batch = _expired(conn, retention, state_dir, host, now)
        if not batch:
            break
        for run_id, run_dir in batch:
            remove_run_dirs([run_dir], state_dir=state_dir)
            with store.tx.write() as conn:
                store.update_run(conn, run_id, from_states=TERMINAL_STATES, log_pruned_on=now)
            pruned.append(run_id)
        if len(batch) < BATCH:
            break
    if pruned:
        log.info("log retention (%s): deleted the run directories of %d run(s)", retention.describe(), len(pruned))
    return pruned


def pruned_message(run_id: str, pruned_on: float, retention: Optional[LogRetention] = None) -> str:
    import time

    when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(pruned_on))
    rule = f" (keep {retention.describe()})" if retention else ""
    return f"The log of run {run_id} was deleted by the job runner's log retention{rule} on {when}"


__all__ = ["LogRetention", "prune_logs", "pruned_message", "remove_run_dirs"]
