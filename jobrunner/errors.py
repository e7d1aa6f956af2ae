"""The job runner's errors: one base class, one subclass per kind of failure.

The service, store and backends raise only these (the catalog database layer's own
`metastore.errors.CatalogError`s pass through with the same `code` vocabulary); the gRPC
adapter maps `code` to a status code in one place (jobrunner/servicer.py).
"""
from __future__ import annotations


class JobRunnerError(Exception):
    """Base of every error the job runner raises on purpose. `code` is stable for the wire."""

    code = "INTERNAL"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(JobRunnerError):
    """The named job, run, trigger or workflow does not exist."""

    code = "NOT_FOUND"


class AlreadyExists(JobRunnerError):
    """A job/trigger/workflow with that name exists already."""

    code = "ALREADY_EXISTS"


class InvalidArgument(JobRunnerError):
    """The request is malformed (bad name, negative timeout, unknown field, bad cron …)."""

    code = "INVALID_ARGUMENT"


class FailedPrecondition(JobRunnerError):
    """Well-formed but not allowed in the current state (delete a job with active runs,
    stop a finished run, rewind to a run that never committed a bookmark …)."""

    code = "FAILED_PRECONDITION"


class ConcurrentRunsExceeded(JobRunnerError):
    """The job is at max_concurrent_runs and its concurrency policy is REJECT."""

    code = "RESOURCE_EXHAUSTED"


class Conflict(JobRunnerError):
    """A concurrent change won: another run committed the job bookmark first."""

    code = "ABORTED"


class Unavailable(JobRunnerError):
    """Something the runner depends on is not reachable (the metastore, a script's store)."""

    code = "UNAVAILABLE"


class LaunchError(JobRunnerError):
    """A run could not be started (script missing, spark-submit not found …): state ERROR."""

    code = "FAILED_PRECONDITION"
