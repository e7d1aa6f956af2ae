"""lakeglue's catalog errors: one base class, one subclass per kind of failure.

Adapters translate these to their wire (Thrift exceptions, gRPC status codes) in one
place each; the service and stores raise only these.
"""
from __future__ import annotations


class CatalogError(Exception):
    """Base of every error the catalog raises on purpose. `code` is stable for the wire."""

    code = "INTERNAL"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(CatalogError):
    """The named database/table/partition/function does not exist."""

    code = "NOT_FOUND"


class AlreadyExists(CatalogError):
    """An object with that name exists already."""

    code = "ALREADY_EXISTS"


class InvalidObject(CatalogError):
    """The object given is malformed (bad name, bad type, missing required part)."""

    code = "INVALID_OBJECT"


class InvalidOperation(CatalogError):
    """The request is well-formed but not allowed in the current state (e.g. non-empty database)."""

    code = "INVALID_OPERATION"


class InvalidInput(CatalogError):
    """Bad request arguments that are not an object (e.g. a partition filter that does not parse)."""

    code = "INVALID_INPUT"


class Conflict(CatalogError):
    """A concurrent change won (compare-and-swap failed, lock held)."""

    code = "CONFLICT"


class SchemaOutdated(CatalogError):
    """The backing database schema is older than this code; run `lakeglue db upgrade`."""

    code = "SCHEMA_OUTDATED"


class StoreError(CatalogError):
    """The backing store failed in a way the caller cannot fix (connection lost, disk full)."""

    code = "STORE_ERROR"


class NoSuchLock(NotFound):
    """The lock id is unknown (released, expired, or never granted)."""

    code = "NO_SUCH_LOCK"


class NoSuchTxn(NotFound):
    """The transaction id is unknown or already committed."""

    code = "NO_SUCH_TXN"


class TxnAborted(InvalidOperation):
    """The transaction was aborted (explicitly or by heartbeat timeout)."""

    code = "TXN_ABORTED"


class TxnOpen(InvalidOperation):
    """The operation is not allowed while the lock's transaction is open."""

    code = "TXN_OPEN"
