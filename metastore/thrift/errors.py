"""lakeglue errors → the Hive Thrift exceptions each method declares, in one place.

A Thrift method can only return the exception types its IDL declares (anything else
becomes an INTERNAL_ERROR TApplicationException on the wire). So each catalog error has a
preference list, and the first type the called method declares wins; MetaException is
the last resort, as in Hive.
"""
from __future__ import annotations

import functools
import logging
from typing import Dict, Tuple, Type

from hive_metastore import ThriftHiveMetastore as svc
from hive_metastore import ttypes as tt
from thrift.Thrift import TApplicationException

from .. import errors
from . import idl_hive4

log = logging.getLogger(__name__)

_PREFERENCES: Dict[Type[errors.CatalogError], Tuple[type, ...]] = {
    # specific kinds first: the first base class that matches decides
    errors.NoSuchLock: (tt.NoSuchLockException,),
    errors.NoSuchTxn: (tt.NoSuchTxnException,),
    errors.TxnAborted: (tt.TxnAbortedException,),
    errors.TxnOpen: (tt.TxnOpenException,),
    # UnknownTableException: get_fields/get_schema, where Hive answers it for a missing
    # table or database (they declare no NoSuchObjectException); UnknownDBException:
    # get_table_objects_by_name_req on a missing database, as Hive answers it
    errors.NotFound: (tt.NoSuchObjectException, tt.UnknownTableException, tt.UnknownDBException,
                      tt.InvalidOperationException, tt.InvalidObjectException),
    errors.AlreadyExists: (tt.AlreadyExistsException, tt.InvalidOperationException, tt.InvalidObjectException),
    errors.InvalidObject: (tt.InvalidObjectException, tt.InvalidOperationException),
    errors.InvalidOperation: (tt.InvalidOperationException, tt.InvalidObjectException),
    errors.InvalidInput: (tt.InvalidInputException,),
    errors.Conflict: (),
    errors.SchemaOutdated: (),
    errors.StoreError: (),
}


@functools.lru_cache(maxsize=None)
def declared_exceptions(method: str) -> Tuple[type, ...]:
    """Exception classes the IDL declares for `method` (from its generated result struct,
    or for Hive 4.0.1 methods the bindings lack, from idl_hive4)."""
    result = getattr(svc, f"{method}_result", None) or idl_hive4.RESULTS.get(method)
    if result is None:
        return ()
    out = []
    for spec in result.thrift_spec or ():
        if spec and spec[2] != "success" and isinstance(spec[3], (list, tuple)):
            cls = spec[3][0]
            if isinstance(cls, type) and issubclass(cls, Exception):
                out.append(cls)
    return tuple(out)


def to_thrift(method: str, err: errors.CatalogError) -> Exception:
    declared = declared_exceptions(method)
    for base, prefs in _PREFERENCES.items():
        if isinstance(err, base):
            for cls in prefs:
                if cls in declared:
                    return cls(message=err.message)
            break
    if tt.MetaException in declared:
        return tt.MetaException(message=err.message)
    return TApplicationException(TApplicationException.INTERNAL_ERROR, err.message)


_THRIFT_EXCEPTIONS = tuple(
    cls for cls in vars(tt).values()
    if isinstance(cls, type) and issubclass(cls, Exception) and cls.__module__ == tt.__name__
)


# Argument names that carry a database name or pattern in the IDL's older calls (table names
# cannot contain "@" or "#", so decoding the shared names is safe). Hive 3+ clients send
# these as `@<catalog>#<db>`; see decode_db_name.
_DB_ARGS = frozenset({"db_name", "dbname", "dbName", "db", "name", "pattern", "db_patterns"})


def decode_db_name(value):
    """`@hive#sales` → `sales` (Hive 3+ prepends the catalog to database names in calls that
    have no catalog field). `@hive#` means no database and `@hive#!` the empty name.
    Catalogs other than `hive` do not exist here."""
    if not isinstance(value, str) or not value.startswith("@") or "#" not in value:
        return value
    catalog, _, db = value[1:].partition("#")
    if catalog.lower() != "hive":
        raise errors.NotFound(f"Catalog {catalog} does not exist")
    if db == "":
        return None
    return "" if db == "!" else db


def thrift_errors(fn):
    """Decorator for handler methods: decodes catalog-prefixed database names and turns
    catalog errors into the method's declared Thrift exceptions."""
    name = fn.__name__
    code = fn.__code__
    db_positions = [i for i, arg in enumerate(code.co_varnames[: code.co_argcount]) if arg in _DB_ARGS]

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            if db_positions:
                args = list(args)
                for i in db_positions:
                    if i < len(args):
                        args[i] = decode_db_name(args[i])
                for key in _DB_ARGS.intersection(kwargs):
                    kwargs[key] = decode_db_name(kwargs[key])
            return fn(*args, **kwargs)
        except errors.CatalogError as e:
            raise to_thrift(name, e) from e
        except (TApplicationException, *_THRIFT_EXCEPTIONS):
            raise
        except Exception as e:  # a bug or an unexpected store failure: log it, answer cleanly
            log.exception("unexpected error in %s", name)
            declared = declared_exceptions(name)
            msg = f"Internal error in {name}: {type(e).__name__}: {e}"
            if tt.MetaException in declared:
                raise tt.MetaException(message=msg) from e
            raise TApplicationException(TApplicationException.INTERNAL_ERROR, msg) from e

    wrapper.thrift_method = True
    return wrapper
