"""Differential conformance: the same Thrift calls against Apache Hive Metastore 2.3.10 and lakeglue.

Each scenario is a function taking a `Probe` (one server's client plus its scratch roots)
and returning the list of (step, normalised outcome) it recorded; an outcome is either a
normalised value or ("raises", ExceptionTypeName). Both servers are started once for the
module; every scenario uses its own database names, so scenarios are independent and the
order they run in does not matter.

Normalising (Probe.norm): timestamps (createTime, lastAccessTime, transient_lastDdlTime)
are dropped; each server's own warehouse root becomes "<WH>" and its scratch directory for
explicit locations "<EXT>", whether written as a file: URI or as a bare path (Hive reports
its configured warehouse dir scheme-less from get_config_value; both name one directory).
Lists are compared in order wherever Hive orders them (by name); steps whose order Hive
leaves unspecified pass sort=True.

Where the servers legitimately differ, the difference is written down below, with its
reason, in one of three tables -- never skipped silently:

* REPRESENTATION_ALLOWANCES: a struct field that one server leaves unset and the other
  fills with a documented value (e.g. catalog names, which Hive 2.3 predates).
* REFERENCE_ONLY_PARAMETERS: table/partition parameters only Hive computes.
* STEP_ALLOWANCES: a step where lakeglue deliberately answers differently (a Hive 2.3 bug
  or limitation); both sides' outcomes are pinned exactly, so a change on either side
  still fails the test.

MESSAGE_CONTRACTS lists the exception-message substrings that Spark/Hive clients match on;
they are required from both servers (so the reference proves they are real), except the few
marked lakeglue_only. Exception types are always compared.

Run with: python -m pytest tests/integration/test_reference_differential.py -q
"""
from __future__ import annotations

import os
import pprint
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import pytest
from hive_metastore import ttypes as tt
from thrift.Thrift import TApplicationException, TMessageType

from tests.support.catalog import ThriftClient, running_metastore

COMPAT_ENGINE = "Differential vs Hive Metastore 2.3.10"

pytestmark = pytest.mark.reference

Outcome = Any
Steps = List[Tuple[str, Outcome]]

# --------------------------------------------------------------------------------------
# Normalisation rules (the single place where representation differences are allowed)
# --------------------------------------------------------------------------------------

#: Struct fields that are timestamps: never comparable between two servers.
TIMESTAMP_FIELDS = frozenset({"createTime", "lastAccessTime"})

#: Parameters that are timestamps (set by the server on every DDL).
TIMESTAMP_PARAMETERS = frozenset({"transient_lastDdlTime"})

#: Table/partition parameters only the reference server adds, dropped from its answers.
REFERENCE_ONLY_PARAMETERS = {
    "numFiles": "Hive 2.3 lists an unpartitioned table's directory on alter_table and stores quick "
                "stats (hive.stats.autogather); lakeglue never scans data, and clients recompute stats",
    "totalSize": "same as numFiles",
}


@dataclass(frozen=True)
class Rep:
    """`field` of thrift struct `struct` may be `reference` on Hive and `lakeglue` on lakeglue."""

    reference: Any
    lakeglue: Any
    reason: str


_NO_CATALOGS = "Hive 2.3 predates catalogs (HIVE-18685, Hive 3.0); Hive 3+ answers 'hive' as lakeglue does"

REPRESENTATION_ALLOWANCES: Dict[Tuple[str, str], Rep] = {
    ("Database", "catalogName"): Rep(None, "hive", _NO_CATALOGS),
    ("Table", "catName"): Rep(None, "hive", _NO_CATALOGS),
    ("Partition", "catName"): Rep(None, "hive", _NO_CATALOGS),
    ("Function", "catName"): Rep(None, "hive", _NO_CATALOGS),
    ("TableMeta", "catName"): Rep(None, "hive", _NO_CATALOGS),
}


@dataclass(frozen=True)
class StepAllowance:
    """At this step lakeglue deliberately differs: both outcomes are pinned exactly."""

    reference: Outcome
    lakeglue: Outcome
    reason: str


RAISES_META = ("raises", "MetaException")

# Partitions of the filter scenario, and what a filter should select (in Hive's
# PART_NAME order), for pinning lakeglue's answers where Hive 2.3 cannot answer.
FILTER_REGIONS = ["us", "eu", "ap-south"]
FILTER_HOURS = ["0", "5", "9", "10", "23"]
FILTER_DATES = ["2024-01-01", "2024-02-29"]
FILTER_PARTS = sorted(([r, h, d] for r in FILTER_REGIONS for h in FILTER_HOURS for d in FILTER_DATES),
                      key=lambda v: f"region={v[0]}/hr={v[1]}/dt={v[2]}")


def selected(pred: Callable[[str, int, str], bool]) -> List[List[str]]:
    return [v for v in FILTER_PARTS if pred(v[0], int(v[1]), v[2])]


def _hive23_filter_gap(what: str, pred) -> StepAllowance:
    return StepAllowance(
        RAISES_META, selected(pred),
        f"Hive 2.3's partition-filter grammar has no {what} (its parser answers 'Error parsing "
        f"partition filter'); lakeglue's parser accepts it (metastore/filter/parser.py) and "
        f"answers its SQL meaning")


_NUMERIC_STRING = ("Hive 2.3 pushes down only string keys compared with strings (direct SQL gives up "
                   "on int key vs string literal; JDO then refuses: 'Filtering is supported only on "
                   "partition keys of type string'); lakeglue compares an integer key with a numeric "
                   "string literal numerically")
_FUNCTION_CASE = ("Hive 2.3 stores a function name as sent but looks names up lower-cased, so a "
                  "mixed-case function becomes unreachable; lakeglue lower-cases names on create like "
                  "every other identifier (Spark always sends lower-case names)")

#: (scenario, step) -> allowance: lakeglue deliberately differs here; both sides are pinned.
STEP_ALLOWANCES: Dict[Tuple[str, str], StepAllowance] = {
    ("databases", "alter missing"): StepAllowance(
        None, ("raises", "NoSuchObjectException"),
        "Hive 2.3 answers success for altering a missing database (and creates nothing); "
        "NoSuchObjectException is what the IDL declares, Hive 3+ answers and lakeglue answers"),
    ("databases", "description and location after alter"): StepAllowance(
        ["first", "<WH>/dif_db_a.db"], ["changed", "<EXT>/dif_db_a_moved"],
        "Hive 2.3's alter_database changes only parameters and owner and silently ignores the "
        "rest; later Hive versions also apply a new location (ALTER DATABASE ... SET LOCATION) "
        "and description, as lakeglue does"),
    ("databases", "drop missing"): StepAllowance(
        RAISES_META, ("raises", "NoSuchObjectException"),
        "Hive 2.3 dereferences the missing Database (NullPointerException) and answers "
        "MetaException; the IDL's NoSuchObjectException is what clients catch for 'missing'"),
    ("databases", "drop default"): StepAllowance(
        RAISES_META, ("raises", "InvalidOperationException"),
        "both refuse with 'Can not drop default database'; Hive uses its catch-all MetaException, "
        "lakeglue the declared InvalidOperationException (pinned by tests/api/test_databases.py)"),
    ("databases", "get_databases alternatives with spaces"): StepAllowance(
        [], ["dif_db_a", "dif_db_loc"],
        "lakeglue trims blanks around '|' alternatives (names cannot contain blanks, so this only "
        "turns 'no match' into the evident match); Hive 2.3 keeps them in its regex"),
    ("tables", "create in missing db"): StepAllowance(
        ("raises", "InvalidObjectException"), ("raises", "NoSuchObjectException"),
        "Hive 2.3's create_table_core means to throw NoSuchObjectException('The database ... does "
        "not exist') but an earlier ObjectStore lookup surfaces as InvalidObjectException(<db>); "
        "Trino maps NoSuchObjectException from create_table to 'schema not found'"),
    ("partitions", "add_partition wrong arity"): StepAllowance(
        RAISES_META, ("raises", "InvalidObjectException"),
        "both refuse; Hive's Warehouse.makePartName throws its catch-all MetaException, lakeglue "
        "the more specific InvalidObjectException that add_partition declares"),
    ("partitions", "add_partition to unpartitioned"): StepAllowance(
        RAISES_META, ("raises", "InvalidObjectException"),
        "as for 'add_partition wrong arity' (Hive sees 0 keys vs 1 value)"),
    ("partitions", "get_partition_by_name upper-case keys"): StepAllowance(
        ("raises", "NoSuchObjectException"), ["a", "1"],
        "lakeglue matches the keys of a partition name case-insensitively, as Hive treats column "
        "names; Hive 2.3 compares them case-sensitively ('incomplete partition name - missing k')"),
    ("partitions", "get_partitions_by_names unescaped name"): StepAllowance(
        [], [["g%h", "7"]],
        "lakeglue parses and re-escapes requested names, so the unescaped spelling of a value "
        "with '%' still finds it; Hive 2.3 compares the raw string with the stored escaped name"),
    ("partitions", "get_partition_names max 0"): StepAllowance(
        ["k=a%2Fb/n=7", "k=a/n=1", "k=b/n=1", "k=b/n=2", "k=c%3Ad/n=7", "k=e%3Df/n=7", "k=e/n=1",
         "k=f/n=1", "k=g%25h/n=7", "k=h/n=1", "k=h2/n=1", "k=i j/n=7", "k=loc/n=1"], [],
        "Hive 2.3's JDO name query applies max_parts only when > 0, so 0 means 'all' there while "
        "get_partitions(..., 0) answers nothing (step 'get_partitions max 0'); lakeglue treats 0 as "
        "'none' for every call"),
    ("partitions", "get_partition_names missing table"): StepAllowance(
        ("raises", "TApplicationException[INTERNAL_ERROR]"), ("raises", "NoSuchObjectException"),
        "Hive 2.3 fails with an internal error (NullPointerException); lakeglue answers the declared "
        "NoSuchObjectException, as every other partition read does"),
    ("partition_filters", "filter \"hr > '9'\""): StepAllowance(
        RAISES_META, selected(lambda r, h, d: h > 9), _NUMERIC_STRING),
    ("partition_filters", "filter \"hr = '9'\""): StepAllowance(
        RAISES_META, selected(lambda r, h, d: h == 9), _NUMERIC_STRING),
    ("partition_filters", "filter \"region like 'ap-.*' and hr > 5\""): StepAllowance(
        RAISES_META, selected(lambda r, h, d: r.startswith("ap-") and h > 5),
        "Hive 2.3's direct SQL cannot push LIKE down, so the whole filter falls back to JDO, which "
        "refuses the integer comparison ('Filtering is supported only on partition keys of type "
        "string'); lakeglue evaluates both parts"),
    ("partition_filters", "filter \"not (region = 'us')\""): _hive23_filter_gap(
        "NOT", lambda r, h, d: r != "us"),
    ("partition_filters", "filter \"NOT region = 'us' and hr = 0\""): _hive23_filter_gap(
        "NOT", lambda r, h, d: r != "us" and h == 0),
    ("partition_filters", "filter \"region in ('us', 'eu')\""): _hive23_filter_gap(
        "IN", lambda r, h, d: r in ("us", "eu")),
    ("partition_filters", "filter \"region not in ('us')\""): _hive23_filter_gap(
        "NOT IN", lambda r, h, d: r != "us"),
    ("partition_filters", "filter 'hr in (0, 23)'"): _hive23_filter_gap(
        "IN", lambda r, h, d: h in (0, 23)),
    ("partition_filters", "filter 'hr not in (0, 23)'"): _hive23_filter_gap(
        "NOT IN", lambda r, h, d: h not in (0, 23)),
    ("partition_filters", "filter \"dt in ('2024-01-01')\""): _hive23_filter_gap(
        "IN", lambda r, h, d: d == "2024-01-01"),
    ("partition_filters", "filter \"dt = date '2024-02-29'\""): _hive23_filter_gap(
        "DATE literal", lambda r, h, d: d == "2024-02-29"),
    ("functions", "get mixed-case function by lower-case name"): StepAllowance(
        ("raises", "NoSuchObjectException"), "mixed_f", _FUNCTION_CASE),
    ("functions", "get_functions of mixed-case db"): StepAllowance(
        ["Mixed_F"], ["mixed_f"], _FUNCTION_CASE),
    ("functions", "alter missing"): StepAllowance(
        RAISES_META, ("raises", "InvalidOperationException"),
        "both refuse; Hive's ObjectStore throws its catch-all MetaException(\"function ... doesn't "
        "exist\"), lakeglue the InvalidOperationException that alter_function declares"),
    ("misc", "set_ugi"): StepAllowance(
        ["g1", "g2"], ["g1", "g2", "alice"],
        "Hive's HMSHandler.set_ugi answers groups + user, but its TUGIBasedProcessor (non-SASL "
        "servers) pops the user off again; clients ignore the value. lakeglue answers as "
        "HMSHandler does (pinned by tests/api/test_session_and_errors.py)"),
}


@dataclass(frozen=True)
class MessageContract:
    """The exception message at (scenario, step) must contain `needle`."""

    scenario: str
    step: str
    needle: str
    why: str
    lakeglue_only: bool = False  # when Hive 2.3 words it differently (or the step is allowed)


_SPARK_FUNCTION = "Spark's HiveShim.getFunctionOption treats only '<name> does not exist' as 'no such function'"
_TRINO_UNKNOWN = "Trino falls back to older calls only when the message starts 'Invalid method name'"
_TABLE_NOT_FOUND = "Hive's wording for a missing table (whether or not the database exists); clients match on it"

#: Exception-message substrings clients match on; required on both servers unless lakeglue_only.
MESSAGE_CONTRACTS: List[MessageContract] = [
    MessageContract("databases", "drop non-empty", "is not empty", "Hive's wording; clients match on it"),
    MessageContract("databases", "drop with function", "is not empty", "Hive's wording; clients match on it"),
    MessageContract("databases", "get missing", "dif_db_missing", "the missing database is named"),
    MessageContract("databases", "get missing", "There is no database named",
                    "Hive's ObjectStore wording (2.3 wraps it to the bare name on the wire)", True),
    MessageContract("databases", "drop missing", "There is no database named",
                    "as 'get missing' (Hive 2.3 answers an NPE here, see STEP_ALLOWANCES)", True),
    MessageContract("tables", "get dropped", "dif_tbl.t3 table not found", _TABLE_NOT_FOUND),
    MessageContract("tables", "get missing db", "dif_tbl_missing.t1 table not found", _TABLE_NOT_FOUND),
    MessageContract("tables", "get_fields missing table", "table not found", _TABLE_NOT_FOUND),
    MessageContract("tables", "get_schema missing db", "table not found", _TABLE_NOT_FOUND),
    MessageContract("functions", "get missing", "nope does not exist", _SPARK_FUNCTION),
    MessageContract("functions", "get in missing db", "f1 does not exist", _SPARK_FUNCTION),
    MessageContract("misc", "unknown method of newer IDL", "Invalid method name", _TRINO_UNKNOWN),
    MessageContract("misc", "unknown method name", "Invalid method name", _TRINO_UNKNOWN),
]


# --------------------------------------------------------------------------------------
# Probe: one scenario's view of one server
# --------------------------------------------------------------------------------------

_TAPP_CODES = {v: k for k, v in vars(TApplicationException).items()
               if k.isupper() and isinstance(v, int)}


def exception_name(e: BaseException) -> str:
    if isinstance(e, TApplicationException):
        return f"TApplicationException[{_TAPP_CODES.get(e.type, e.type)}]"
    return type(e).__name__


def exception_message(e: BaseException) -> str:
    return str(getattr(e, "message", None) or e)


class Probe:
    """A Thrift client of one server, plus its roots, recording normalised outcomes."""

    def __init__(self, side: str, client: ThriftClient, warehouse: str, external: str):
        self.side = side
        self.client = client
        self.wh = warehouse        # local directory of the warehouse root
        self.ext = external        # local directory for explicit (non-default) locations
        self.outcomes: Steps = []
        self.messages: Dict[str, str] = {}
        # longest first, so a root is never half-replaced
        self._roots = sorted([("file:" + warehouse, "<WH>"), (warehouse, "<WH>"),
                              ("file:" + external, "<EXT>"), (external, "<EXT>")],
                             key=lambda r: -len(r[0]))

    def ext_uri(self, *parts: str) -> str:
        return "file:" + "/".join([self.ext] + list(parts))

    def check_dir(self, step: str, relative: str) -> None:
        """Record whether `<WH>/relative` exists: data moves and deletes are behaviour too."""
        self.record(step, os.path.isdir(os.path.join(self.wh, relative)))

    def check_ext_dir(self, step: str, relative: str) -> None:
        """Record whether `<EXT>/relative` exists."""
        self.record(step, os.path.isdir(os.path.join(self.ext, relative)))

    # recording ------------------------------------------------------------------------
    def record(self, step: str, outcome: Outcome) -> None:
        assert step not in dict(self.outcomes), f"duplicate step name {step!r}"
        self.outcomes.append((step, outcome))

    def call(self, step: str, method: str, *args, sort: bool = False,
             view: Optional[Callable[[Any], Any]] = None) -> Any:
        """Call `method`, record its normalised outcome under `step`, return the raw result
        (None if it raised). `view` projects the result before normalising; `sort` sorts a
        list result whose order Hive leaves unspecified."""
        try:
            result = getattr(self.client, method)(*args)
        except Exception as e:  # every Thrift exception is an outcome to compare
            self.record(step, ("raises", exception_name(e)))
            self.messages[step] = exception_message(e)
            return None
        out = self.norm(view(result) if view else result)
        if sort:
            out = sorted(out, key=repr)
        self.record(step, out)
        return result

    def raw_call(self, step: str, method_name: str) -> None:
        """Call `method_name` with an empty argument struct, bypassing the generated client
        (so names the bindings do not know can be sent too)."""
        c = self.client.client
        try:
            c._oprot.writeMessageBegin(method_name, TMessageType.CALL, 0)
            c._oprot.writeStructBegin("args")
            c._oprot.writeFieldStop()
            c._oprot.writeStructEnd()
            c._oprot.writeMessageEnd()
            c._oprot.trans.flush()
            _, mtype, _ = c._iprot.readMessageBegin()
            if mtype == TMessageType.EXCEPTION:
                x = TApplicationException()
                x.read(c._iprot)
                c._iprot.readMessageEnd()
                raise x
            c._iprot.skip(12)  # a reply struct
            c._iprot.readMessageEnd()
            self.record(step, "answered")
        except Exception as e:
            self.record(step, ("raises", exception_name(e)))
            self.messages[step] = exception_message(e)

    # normalising ----------------------------------------------------------------------
    def norm(self, value: Any, struct: str = "", field: str = "") -> Any:
        if isinstance(value, str):
            for root, marker in self._roots:
                value = value.replace(root, marker)
            return value
        if isinstance(value, (list, tuple)):
            return [self.norm(v, struct, field) for v in value]
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                if field == "parameters" and struct in ("Table", "Partition"):
                    if k in TIMESTAMP_PARAMETERS:
                        continue
                    if self.side == "reference" and k in REFERENCE_ONLY_PARAMETERS:
                        continue
                out[self.norm(k) if isinstance(k, str) else repr(k)] = self.norm(v, struct, field)
            return out
        if hasattr(value, "thrift_spec"):
            name = type(value).__name__
            out = {}
            for spec in value.thrift_spec or ():
                if not spec:
                    continue
                fname = spec[2]
                if fname in TIMESTAMP_FIELDS:
                    continue
                v = getattr(value, fname, None)
                rep = REPRESENTATION_ALLOWANCES.get((name, fname))
                if rep is not None and v == getattr(rep, self.side):
                    out[fname] = f"<allowed {name}.{fname}>"
                    continue
                out[fname] = self.norm(v, name, fname)
            return out
        return value


# --------------------------------------------------------------------------------------
# Object builders (shaped like Spark's HiveClientImpl requests)
# --------------------------------------------------------------------------------------

TEXT_IN = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
LAZY_SERDE = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"


def cols(*pairs: str) -> List[tt.FieldSchema]:
    out = []
    for p in pairs:
        name, typ = p.split(":", 1)
        out.append(tt.FieldSchema(name=name, type=typ, comment=None))
    return out


def sd(columns: Sequence[tt.FieldSchema], location: Optional[str] = None) -> tt.StorageDescriptor:
    return tt.StorageDescriptor(
        cols=list(columns), location=location, inputFormat=TEXT_IN, outputFormat=TEXT_OUT,
        compressed=False, numBuckets=-1,
        serdeInfo=tt.SerDeInfo(name=None, serializationLib=LAZY_SERDE,
                               parameters={"serialization.format": "1"}),
        bucketCols=[], sortCols=[], parameters={},
        skewedInfo=tt.SkewedInfo(skewedColNames=[], skewedColValues=[], skewedColValueLocationMaps={}),
        storedAsSubDirectories=False,
    )


def database(name: str, location: Optional[str] = None, description: Optional[str] = None,
             params: Optional[dict] = None, owner: Optional[str] = None) -> tt.Database:
    return tt.Database(name=name, description=description, locationUri=location,
                       parameters=dict(params or {}), ownerName=owner,
                       ownerType=tt.PrincipalType.USER if owner else None)


def table(db: str, name: str, columns: Sequence[tt.FieldSchema], part_keys: Sequence[tt.FieldSchema] = (),
          location: Optional[str] = None, params: Optional[dict] = None,
          table_type: str = "MANAGED_TABLE") -> tt.Table:
    return tt.Table(tableName=name, dbName=db, owner="alice", createTime=0, lastAccessTime=0,
                    retention=0, sd=sd(columns, location), partitionKeys=list(part_keys),
                    parameters=dict(params or {}), tableType=table_type)


def partition(db: str, tbl: str, values: Sequence[str], columns: Sequence[tt.FieldSchema],
              location: Optional[str] = None, params: Optional[dict] = None) -> tt.Partition:
    return tt.Partition(values=list(values), dbName=db, tableName=tbl, createTime=0, lastAccessTime=0,
                        sd=sd(columns, location), parameters=dict(params or {}))


def function(db: str, name: str, class_name: str, jar: Optional[str] = None) -> tt.Function:
    return tt.Function(functionName=name, dbName=db, className=class_name, ownerName="alice",
                       ownerType=tt.PrincipalType.USER, createTime=0, functionType=tt.FunctionType.JAVA,
                       resourceUris=[tt.ResourceUri(resourceType=tt.ResourceType.JAR, uri=jar)] if jar else [])


def names_of(parts) -> List[List[str]]:
    return [list(p.values) for p in parts]


def with_prefix(prefix: str) -> Callable[[List[str]], List[str]]:
    return lambda names: [n for n in names if n.startswith(prefix)]


# --------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------

def databases(c: Probe) -> Steps:
    c.call("create a", "create_database",
           database("dif_db_a", description="first", params={"k": "v"}, owner="alice"))
    c.call("create mixed case", "create_database", database("DIF_DB_Mixed"))
    c.call("create with location", "create_database",
           database("dif_db_loc", location=c.ext_uri("dif_db_loc_dir")))
    c.call("get a", "get_database", "dif_db_a")
    c.call("get a upper case", "get_database", "DIF_DB_A")
    c.call("get mixed", "get_database", "dif_db_mixed")
    c.call("get with location", "get_database", "dif_db_loc")
    c.call("get_databases star", "get_databases", "dif_db_*")
    c.call("get_databases upper", "get_databases", "DIF_DB_*")
    c.call("get_databases alternatives", "get_databases", "dif_db_a|dif_db_loc")
    c.call("get_databases alternatives star", "get_databases", "dif_db_m*|*_loc")
    c.call("get_databases exact", "get_databases", "dif_db_mixed")
    c.call("get_databases no match", "get_databases", "dif_db_zz*")
    c.call("get_databases alternatives with spaces", "get_databases", "dif_db_a | dif_db_loc")
    c.call("get_databases regex dot", "get_databases", "dif_db.a")
    c.call("get_all_databases", "get_all_databases", view=with_prefix("dif_db_"))
    c.call("default exists", "get_all_databases", view=lambda ns: "default" in ns)

    db = c.client.get_database("dif_db_a")
    db.parameters = {"k": "v2", "added": "yes"}
    db.ownerName, db.ownerType = "bob", tt.PrincipalType.ROLE
    c.call("alter params and owner", "alter_database", "dif_db_a", db)
    c.call("get after alter", "get_database", "dif_db_a")
    db = c.client.get_database("dif_db_a")
    db.ownerName, db.ownerType = "carol", None
    c.call("alter owner without type", "alter_database", "dif_db_a", db)
    c.call("owner type kept", "get_database", "dif_db_a", view=lambda d: (d.ownerName, d.ownerType))
    db = c.client.get_database("dif_db_a")
    db.description, db.locationUri = "changed", c.ext_uri("dif_db_a_moved")
    c.call("alter description and location", "alter_database", "dif_db_a", db)
    c.call("description and location after alter", "get_database", "dif_db_a",
           view=lambda d: [d.description, d.locationUri])
    c.call("alter missing", "alter_database", "dif_db_missing", database("dif_db_missing"))

    c.call("create duplicate", "create_database", database("dif_db_a"))
    c.call("create duplicate other case", "create_database", database("DIF_DB_A"))
    c.call("create invalid name", "create_database", database("dif db bad!"))

    c.call("create table in a", "create_table", table("dif_db_a", "t", cols("x:int")))
    c.call("drop non-empty", "drop_database", "dif_db_a", True, False)
    c.call("create function in mixed", "create_function",
           function("dif_db_mixed", "f", "com.example.F"))
    c.call("drop with function", "drop_database", "dif_db_mixed", True, False)
    c.call("drop missing", "drop_database", "dif_db_missing", True, False)
    c.call("get missing", "get_database", "dif_db_missing")
    c.call("drop default", "drop_database", "default", False, False)
    c.call("drop cascade", "drop_database", "dif_db_a", True, True)
    c.call("get dropped", "get_database", "dif_db_a")
    c.call("drop empty", "drop_database", "dif_db_loc", True, False)
    c.call("drop cascade mixed", "drop_database", "DIF_DB_MIXED", True, True)
    c.call("get_databases after drops", "get_databases", "dif_db_*")
    return c.outcomes


def tables(c: Probe) -> Steps:
    db, other = "dif_tbl", "dif_tbl_other"
    c.call("create db", "create_database", database(db))
    c.call("create other db", "create_database", database(other))
    c.call("create t1", "create_table",
           table(db, "t1", cols("id:bigint", "name:string"), params={"comment": "first table"}))
    c.call("create t2 with location", "create_table",
           table(db, "t2", cols("id:bigint"), location=c.ext_uri("t2_dir")))
    c.call("create external t3", "create_table",
           table(db, "t3", cols("id:bigint"), location=c.ext_uri("t3_dir"),
                 params={"EXTERNAL": "TRUE"}, table_type="EXTERNAL_TABLE"))
    c.call("create partitioned t4", "create_table",
           table(db, "T4", cols("a:int", "b:string"), part_keys=cols("ds:string", "hr:int")))
    view = table(db, "v1", cols("id:bigint"), table_type="VIRTUAL_VIEW")
    view.viewOriginalText = view.viewExpandedText = "SELECT id FROM dif_tbl.t1"
    view.sd.inputFormat = view.sd.outputFormat = None
    view.sd.serdeInfo.serializationLib = None
    c.call("create view", "create_table", view)

    for name in ("t1", "t2", "t3", "t4", "v1"):
        c.call(f"get {name}", "get_table", db, name)
    c.call("get mixed case", "get_table", "DIF_TBL", "T1")
    c.call("get_tables star", "get_tables", db, "*")
    c.call("get_tables prefix", "get_tables", db, "t*")
    c.call("get_tables alternatives case", "get_tables", db, "T1|v*")
    c.call("get_tables no match", "get_tables", db, "zz*")
    c.call("get_tables missing db", "get_tables", "dif_tbl_missing", "*")
    c.call("get_all_tables", "get_all_tables", db)
    c.call("get_tables_by_type external", "get_tables_by_type", db, "*", "EXTERNAL_TABLE")
    c.call("get_tables_by_type view", "get_tables_by_type", db, "*", "VIRTUAL_VIEW")
    c.call("get_table_meta all", "get_table_meta", "dif_tbl*", "*", [], sort=True)
    c.call("get_table_meta typed", "get_table_meta", db, "t*", ["MANAGED_TABLE"], sort=True)
    c.call("get_table_objects_by_name", "get_table_objects_by_name", db, ["t1", "t2", "nope"],
           view=lambda ts: sorted(t.tableName for t in ts))
    c.call("get_fields", "get_fields", db, "t4")
    c.call("get_schema", "get_schema", db, "t4")
    c.call("get_fields missing table", "get_fields", db, "nope")
    c.call("get_schema missing db", "get_schema", "dif_tbl_missing", "t1")

    t1 = c.client.get_table(db, "t1")
    t1.parameters = dict(t1.parameters, owner_note="x", comment="changed")
    c.call("alter params", "alter_table", db, "t1", t1)
    c.call("get after alter", "get_table", db, "t1")

    t1 = c.client.get_table(db, "t1")
    t1.tableName = "t1_renamed"
    c.call("rename within db", "alter_table", db, "t1", t1)
    c.check_dir("old dir gone after rename", "dif_tbl.db/t1")
    c.check_dir("new dir after rename", "dif_tbl.db/t1_renamed")
    c.call("get renamed", "get_table", db, "t1_renamed")
    c.call("get old name", "get_table", db, "t1")
    t1 = c.client.get_table(db, "t1_renamed")
    t1.dbName, t1.tableName = other, "t1_moved"
    c.call("rename across dbs", "alter_table", db, "t1_renamed", t1)
    c.call("get moved", "get_table", other, "t1_moved")
    c.check_dir("dir moved across dbs", "dif_tbl_other.db/t1_moved")
    c.call("add partition to t4", "add_partition",
           partition(db, "t4", ["2024-01-01", "1"], cols("a:int", "b:string")))
    t4 = c.client.get_table(db, "t4")
    t4.tableName = "t4_renamed"
    c.call("rename partitioned table", "alter_table", db, "t4", t4)
    c.call("partition location after table rename", "get_partition", db, "t4_renamed",
           ["2024-01-01", "1"], view=lambda p: p.sd.location)
    c.check_dir("partition dir moved with table", "dif_tbl.db/t4_renamed/ds=2024-01-01/hr=1")
    t2 = c.client.get_table(db, "t2")
    t2.tableName = "t2_renamed"
    c.call("rename table with own location", "alter_table", db, "t2", t2)
    c.call("get renamed t2", "get_table", db, "t2_renamed")
    t2 = c.client.get_table(db, "t2_renamed")
    t2.tableName = "t3"
    c.call("rename onto existing", "alter_table", db, "t2_renamed", t2)
    t2.dbName, t2.tableName = "dif_tbl_missing", "t2"
    c.call("rename into missing db", "alter_table", db, "t2_renamed", t2)
    c.call("alter missing table", "alter_table", db, "nope", table(db, "nope", cols("x:int")))

    c.call("create duplicate", "create_table", table(db, "t3", cols("id:bigint")))
    c.call("create in missing db", "create_table", table("dif_tbl_missing", "t", cols("x:int")))
    c.call("drop t3", "drop_table", db, "t3", False)
    c.call("drop managed with data", "drop_table", other, "t1_moved", True)
    c.check_dir("managed dir deleted", "dif_tbl_other.db/t1_moved")
    c.call("get dropped", "get_table", db, "t3")
    c.call("drop missing", "drop_table", db, "t3", False)
    c.call("get missing db", "get_table", "dif_tbl_missing", "t1")
    c.call("get_tables after", "get_tables", db, "*")
    return c.outcomes


PART_COLS = cols("a:int", "b:string")
ODD_VALUES = ["a/b", "c:d", "e=f", "g%h", "i j"]


def partitions(c: Probe) -> Steps:
    db, t = "dif_part", "p"

    def part(k: str, n: str, location: Optional[str] = None, params=None):
        return partition(db, t, [k, n], PART_COLS, location, params)

    c.call("create db", "create_database", database(db))
    c.call("create table", "create_table", table(db, t, PART_COLS, part_keys=cols("k:string", "n:int")))
    c.call("create unpartitioned", "create_table", table(db, "flat", PART_COLS))
    c.call("add_partition", "add_partition", part("a", "1"))
    c.call("add_partition duplicate", "add_partition", part("a", "1"))
    c.call("add_partition wrong arity", "add_partition", partition(db, t, ["x"], PART_COLS))
    c.call("add_partition to unpartitioned", "add_partition", partition(db, "flat", ["x"], PART_COLS))
    c.call("add_partition missing table", "add_partition", partition(db, "nope", ["x", "1"], PART_COLS))
    c.call("add_partition own location", "add_partition", part("loc", "1", c.ext_uri("p_loc")))
    c.call("add_partitions", "add_partitions", [part("b", "1"), part("b", "2")])
    c.call("add_partitions with existing", "add_partitions", [part("c", "1"), part("a", "1")])
    c.call("add_partitions repeated in list", "add_partitions", [part("d", "1"), part("d", "1")])
    c.call("names after failed adds", "get_partition_names", db, t, -1)
    c.call("add_partitions_req ifNotExists needResult", "add_partitions_req",
           tt.AddPartitionsRequest(dbName=db, tblName=t, parts=[part("a", "1"), part("e", "1")],
                                   ifNotExists=True, needResult=True))
    c.call("add_partitions_req no result", "add_partitions_req",
           tt.AddPartitionsRequest(dbName=db, tblName=t, parts=[part("f", "1")],
                                   ifNotExists=False, needResult=False))
    c.call("add_partitions_req existing", "add_partitions_req",
           tt.AddPartitionsRequest(dbName=db, tblName=t, parts=[part("f", "1")],
                                   ifNotExists=False, needResult=True))
    c.call("add_partitions_req repeated ifNotExists", "add_partitions_req",
           tt.AddPartitionsRequest(dbName=db, tblName=t, parts=[part("g", "1"), part("g", "1")],
                                   ifNotExists=True, needResult=True))
    c.call("add odd values", "add_partitions", [part(v, "7") for v in ODD_VALUES])
    c.call("append_partition", "append_partition", db, t, ["h", "1"])
    c.call("append_partition_by_name", "append_partition_by_name", db, t, "k=h2/n=1")
    c.call("append_partition existing", "append_partition", db, t, ["h", "1"])
    c.check_dir("appended partition dir", "dif_part.db/p/k=h/n=1")

    c.call("get_partition", "get_partition", db, t, ["a", "1"])
    for i, v in enumerate(ODD_VALUES):
        c.call(f"get_partition odd {i}", "get_partition", db, t, [v, "7"])
    for name in ["k=a%2Fb/n=7", "k=c%3Ad/n=7", "k=e%3Df/n=7", "k=g%25h/n=7", "k=i j/n=7",
                 "n=1/k=a", "k=a", "k=zz/n=1", "garbage"]:
        c.call(f"get_partition_by_name {name}", "get_partition_by_name", db, t, name)
    c.call("get_partition_by_name upper-case keys", "get_partition_by_name", db, t, "K=a/N=1",
           view=lambda p: p.values)
    c.call("get_partition missing", "get_partition", db, t, ["zz", "1"])
    c.call("get_partition wrong arity", "get_partition", db, t, ["a"])
    c.call("get_partition missing table", "get_partition", db, "nope", ["a", "1"])

    c.call("get_partition_names", "get_partition_names", db, t, -1)
    c.call("get_partition_names max 3", "get_partition_names", db, t, 3)
    c.call("get_partition_names max 0", "get_partition_names", db, t, 0)
    c.call("get_partitions max 0", "get_partitions", db, t, 0)
    c.call("get_partition_names unpartitioned", "get_partition_names", db, "flat", -1)
    c.call("get_partition_names missing table", "get_partition_names", db, "nope", -1)
    # Hive answers the *_ps calls in creation order (unspecified): sort them, and compare only
    # the count where max_parts picks a subset
    c.call("names_ps first key", "get_partition_names_ps", db, t, ["b"], -1, sort=True)
    c.call("names_ps wildcard first", "get_partition_names_ps", db, t, ["", "1"], -1, sort=True)
    c.call("names_ps both wildcards", "get_partition_names_ps", db, t, ["", ""], -1, sort=True)
    c.call("names_ps full", "get_partition_names_ps", db, t, ["b", "2"], -1, sort=True)
    c.call("names_ps odd value", "get_partition_names_ps", db, t, ["a/b", ""], -1, sort=True)
    c.call("names_ps max 2", "get_partition_names_ps", db, t, ["", "1"], 2, view=len)
    c.call("names_ps too many values", "get_partition_names_ps", db, t, ["a", "1", "x"], -1)
    c.call("get_partitions_ps first key", "get_partitions_ps", db, t, ["b"], -1, sort=True)
    c.call("get_partitions_ps wildcard", "get_partitions_ps", db, t, ["", "7"], -1, view=names_of, sort=True)
    c.call("get_partitions_ps max 1", "get_partitions_ps", db, t, ["", "1"], 1, view=len)
    c.call("get_partitions all", "get_partitions", db, t, -1, view=names_of)
    c.call("get_partitions max 2", "get_partitions", db, t, 2, view=names_of)
    c.call("get_partitions_by_names", "get_partitions_by_names", db, t,
           ["k=b/n=2", "k=zz/n=1", "k=a%2Fb/n=7", "k=a/n=1"])
    c.call("get_partitions_by_names empty", "get_partitions_by_names", db, t, [])
    c.call("get_partitions_by_names unescaped name", "get_partitions_by_names", db, t, ["k=g%h/n=7"],
           view=names_of)

    p = c.client.get_partition(db, t, ["b", "1"])
    p.parameters = dict(p.parameters, note="altered")
    p.sd.cols = cols("a:int", "b:string", "c:double")
    c.call("alter_partition", "alter_partition", db, t, p)
    c.call("get altered", "get_partition", db, t, ["b", "1"])
    c.call("alter missing partition", "alter_partition", db, t, part("zz", "9"))

    p = c.client.get_partition(db, t, ["b", "2"])
    p.values = ["b2", "2"]
    c.call("rename_partition", "rename_partition", db, t, ["b", "2"], p)
    c.call("get renamed", "get_partition", db, t, ["b2", "2"])
    c.call("get old after rename", "get_partition", db, t, ["b", "2"])
    p = c.client.get_partition(db, t, ["b2", "2"])
    p.values = ["a", "1"]
    c.call("rename onto existing", "rename_partition", db, t, ["b2", "2"], p)
    p.values = ["zz2", "1"]
    c.call("rename missing", "rename_partition", db, t, ["zz", "1"], p)

    c.call("drop_partition", "drop_partition", db, t, ["a", "1"], False)
    c.check_dir("dir kept without deleteData", "dif_part.db/p/k=a/n=1")
    c.call("drop_partition with data", "drop_partition", db, t, ["h", "1"], True)
    c.check_dir("dir deleted with deleteData", "dif_part.db/p/k=h/n=1")
    c.call("drop_partition again", "drop_partition", db, t, ["a", "1"], False)
    c.call("drop_partition_by_name odd", "drop_partition_by_name", db, t, "k=c%3Ad/n=7", False)
    c.call("drop_partition_by_name missing", "drop_partition_by_name", db, t, "k=zz/n=1", False)
    c.call("drop_partition_by_name bad name", "drop_partition_by_name", db, t, "garbage", False)
    c.call("names at end", "get_partition_names", db, t, -1)
    return c.outcomes


FILTERS = [
    "",
    "region = 'us'",
    "region <> 'us'",
    "region != 'eu'",
    "'us' = region",
    "region = \"eu\"",
    "hr = 9",
    "hr > 9",
    "hr >= 10",
    "hr < 9",
    "hr <= 5",
    "9 < hr",
    "hr <> 9",
    "hr > '9'",
    "hr = '9'",
    "region > 'eu'",
    "region = 'us' and hr > 5",
    "region = 'us' AND hr > 5 AND dt = '2024-01-01'",
    "region = 'us' or hr = 0",
    "not (region = 'us')",
    "NOT region = 'us' and hr = 0",
    "(region = 'us' or region = 'eu') and hr < 10",
    "region = 'us' or (region = 'eu' and (hr = 23 or hr = 0))",
    "region in ('us', 'eu')",
    "region not in ('us')",
    "hr in (0, 23)",
    "hr not in (0, 23)",
    "hr between 5 and 10",
    "hr not between 5 and 10",
    "region between 'eu' and 'us'",
    "region like 'u%'",
    "region like 'ap%'",
    "region like '%s%'",
    "region like 'us'",
    "region like 'a.*'",
    "region like 'u.*'",
    "region like '.*s.*'",
    "region like 'e.'",
    "region like 'U.*'",
    "region like 'ap-.*' and hr > 5",
    "dt = '2024-01-01'",
    "dt > '2024-01-15'",
    "dt >= '2024-01-01' and dt < '2024-02-01'",
    "dt = date '2024-02-29'",
    "dt in ('2024-01-01')",
    # as Spark's HiveShim.convertFilters writes them (double quotes; LIKE as a '.*' regex for
    # StartsWith/EndsWith/Contains; IN / NOT IN as or/and chains)
    'region like "u.*"',
    'region like ".*s.*"',
    'region like ".*th"',
    '(region = "us" or region = "eu")',
    '(region != "us" and region != "ap-south")',
    '((hr >= 5 and hr <= 10) and region = "eu")',
    '(region = "us" and hr = 9)',
    'dt = "2024-02-29"',
    '9 <= hr',
    # bad filters and filters on non-partition columns
    "region = ",
    "region = us",
    "hr >",
    "region",
    "(region = 'us'",
    "region = 'us' and",
    "region === 'us'",
    "value = 'x'",
    "a = 1",
    "region = 'us' or bogus = 1",
]


def _filter_table(c: Probe, db: str, t: str) -> None:
    c.call("create db", "create_database", database(db))
    c.call("create table", "create_table",
           table(db, t, PART_COLS, part_keys=cols("region:string", "hr:int", "dt:date")))
    parts = [partition(db, t, [r, h, d], PART_COLS)
             for r in FILTER_REGIONS for h in FILTER_HOURS for d in FILTER_DATES]
    c.call("add 30 partitions", "add_partitions", parts)


def partition_filters(c: Probe) -> Steps:
    db, t = "dif_pf", "events"
    _filter_table(c, db, t)
    for f in FILTERS:
        c.call(f"filter {f!r}", "get_partitions_by_filter", db, t, f, -1, view=names_of)
    c.call("filter with max_parts", "get_partitions_by_filter", db, t, "region = 'us'", 3, view=names_of)
    c.call("count filter", "get_num_partitions_by_filter", db, t, "region = 'eu' and hr >= 9")
    c.call("count bad filter", "get_num_partitions_by_filter", db, t, "region = ")
    c.call("filter missing table", "get_partitions_by_filter", db, "nope", "region = 'us'", -1)
    return c.outcomes


def functions(c: Probe) -> Steps:
    db = "dif_fn"
    c.call("create db", "create_database", database(db))
    c.call("create f1", "create_function", function(db, "f1", "com.example.F1", "file:/tmp/udf.jar"))
    c.call("create f2", "create_function", function(db, "f2", "com.example.F2"))
    c.call("create g", "create_function", function(db, "g", "com.example.G"))
    c.call("get f1", "get_function", db, "f1")
    c.call("get f2 upper-case names", "get_function", "DIF_FN", "F2")
    c.call("get_functions star", "get_functions", db, "*")
    c.call("get_functions prefix", "get_functions", db, "f*")
    c.call("get_functions alternatives case", "get_functions", db, "F1|g")
    c.call("get_functions missing db", "get_functions", "dif_fn_missing", "*")
    c.call("get_all_functions", "get_all_functions",
           view=lambda r: sorted((f.dbName, f.functionName, f.className) for f in r.functions or []
                                 if f.dbName == db))
    f1 = c.client.get_function(db, "f1")
    f1.className = "com.example.F1v2"
    c.call("alter f1", "alter_function", db, "f1", f1)
    c.call("get altered", "get_function", db, "f1")
    c.call("alter missing", "alter_function", db, "nope", function(db, "nope", "com.example.X"))
    c.call("create duplicate", "create_function", function(db, "f1", "com.example.Other"))
    c.call("create in missing db", "create_function", function("dif_fn_missing", "f", "com.example.F"))
    c.call("create without class", "create_function", function(db, "h", None))
    c.call("get missing", "get_function", db, "nope")
    c.call("get in missing db", "get_function", "dif_fn_missing", "f1")
    c.call("drop f2", "drop_function", db, "f2")
    c.call("drop missing", "drop_function", db, "f2")
    c.call("get_functions after drop", "get_functions", db, "*")
    # mixed-case names, in a database of their own (Hive 2.3 keeps the case, see STEP_ALLOWANCES)
    c.call("create mixed-case db", "create_database", database("dif_fn_case"))
    c.call("create mixed-case function", "create_function", function("dif_fn_case", "Mixed_F", "com.example.M"))
    c.call("get mixed-case function by lower-case name", "get_function", "dif_fn_case", "mixed_f",
           view=lambda f: f.functionName)
    c.call("get_functions of mixed-case db", "get_functions", "dif_fn_case", "*")
    return c.outcomes


def _unimplemented_hive4_method() -> str:
    """A Hive 4 IDL method neither server implements (Hive 2.3 predates them all)."""
    from metastore.thrift.handler import Handler

    offered = {n for n in dir(Handler) if not n.startswith("_") and callable(getattr(Handler, n))}
    for name in ("get_all_stored_procedures", "find_package", "get_all_packages",
                 "get_all_write_event_info", "get_replication_metrics", "get_open_txns_req"):
        if name not in offered:
            return name
    raise AssertionError("lakeglue implements every candidate; extend the list")


UNIMPLEMENTED_HIVE4_METHOD = _unimplemented_hive4_method()


def misc(c: Probe) -> Steps:
    for key, default in [("hive.exec.default.partition.name", "x"),
                         ("hive.metastore.batch.retrieve.max", "x"),
                         ("hive.metastore.warehouse.dir", "x"),
                         ("hive.lakeglue.no.such.key", "fallback")]:
        c.call(f"get_config_value {key}", "get_config_value", key, default)
    c.call("get_config_value non-hive key", "get_config_value", "fs.defaultFS.lakeglue", "x")
    c.call("set_ugi", "set_ugi", "alice", ["g1", "g2"])
    c.raw_call("unknown method of newer IDL", UNIMPLEMENTED_HIVE4_METHOD)
    c.raw_call("unknown method name", "lakeglue_no_such_method")
    c.call("still usable after unknown method", "get_all_databases", view=lambda ns: "default" in ns)
    return c.outcomes


def external_partition_directories(c: Probe) -> Steps:
    """Which directories adding partitions to an external table makes."""
    db, t = "dif_ext_dirs", "x"
    c.call("create db", "create_database", database(db))
    c.call("create external table", "create_table",
           table(db, t, PART_COLS, part_keys=cols("k:string", "n:int"), location=c.ext_uri("x_dir"),
                 params={"EXTERNAL": "TRUE"}, table_type="EXTERNAL_TABLE"))
    c.check_ext_dir("table directory", "x_dir")
    c.call("add default location", "add_partition", partition(db, t, ["a", "1"], PART_COLS))
    c.check_ext_dir("default partition directory", "x_dir/k=a/n=1")
    c.call("add own location", "add_partition", partition(db, t, ["b", "1"], PART_COLS, c.ext_uri("elsewhere/b1")))
    c.check_ext_dir("own partition directory", "elsewhere/b1")
    c.call("add_partitions own locations", "add_partitions",
           [partition(db, t, ["c", str(i)], PART_COLS, c.ext_uri("elsewhere", f"c{i}")) for i in range(3)])
    c.check_ext_dir("batch partition directory", "elsewhere/c2")
    c.call("drop db", "drop_database", db, True, True)
    return c.outcomes


SCENARIOS = [databases, tables, partitions, partition_filters, functions, misc, external_partition_directories]


# --------------------------------------------------------------------------------------
# Servers and the test
# --------------------------------------------------------------------------------------

@dataclass
class Server:
    side: str
    port: int
    warehouse: str
    external: str

    def probe(self) -> Probe:
        return Probe(self.side, ThriftClient("127.0.0.1", self.port), self.warehouse, self.external)


#: hive-site.xml overrides for the reference server. pyspark ships no BoneCP jar, and Hive
#: 2.3's AcidEventListener opens a TxnHandler pool (BoneCP by default) on every drop_*; the
#: NoClassDefFoundError kills the Thrift connection. DBCP (commons-dbcp is in pyspark's
#: jars) avoids that without changing any metastore behaviour under test.
REFERENCE_CONF = {"datanucleus.connectionPoolingType": "DBCP"}


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    from tests.infra.reference_hms import ReferenceHiveMetastore

    root = tmp_path_factory.mktemp("differential")
    lg_wh, lg_ext = root / "warehouse", root / "external"
    lg_wh.mkdir()
    lg_ext.mkdir()
    with ReferenceHiveMetastore(extra_conf=REFERENCE_CONF, log_level="warn") as hms:
        hms_ext = os.path.join(hms.base_dir, "external")
        os.makedirs(hms_ext, exist_ok=True)
        db_url = "sqlite:///" + str(root / "catalog.db")
        with running_metastore(db_url, "file:" + str(lg_wh)) as lg:
            yield {
                "reference": Server("reference", hms.port, hms.warehouse, hms_ext),
                "lakeglue": Server("lakeglue", lg.port, str(lg_wh), str(lg_ext)),
            }
    shutil.rmtree(root, ignore_errors=True)


def run(server: Server, scenario) -> Probe:
    probe = server.probe()
    try:
        scenario(probe)
    finally:
        probe.client.close()
    return probe


def _diff(ref: Any, lg: Any, path: str, out: List[str]) -> None:
    if ref == lg:
        return
    if isinstance(ref, dict) and isinstance(lg, dict):
        for k in list(ref) + [k for k in lg if k not in ref]:
            if k not in ref or k not in lg:
                out.append(f"  {path}.{k}: reference={ref.get(k, '<absent>')!r} lakeglue={lg.get(k, '<absent>')!r}")
            else:
                _diff(ref[k], lg[k], f"{path}.{k}", out)
        return
    if isinstance(ref, list) and isinstance(lg, list) and len(ref) == len(lg):
        for i, (a, b) in enumerate(zip(ref, lg)):
            _diff(a, b, f"{path}[{i}]", out)
        return
    out.append(f"  {path}:\n    reference: {pprint.pformat(ref, width=100)}\n"
               f"    lakeglue:  {pprint.pformat(lg, width=100)}")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_reference_and_lakeglue_agree(servers, scenario):
    with ThreadPoolExecutor(2) as pool:  # the servers share nothing: drive both at once
        ref_run = pool.submit(run, servers["reference"], scenario)
        lg_run = pool.submit(run, servers["lakeglue"], scenario)
        ref, lg = ref_run.result(), lg_run.result()
    name = scenario.__name__
    assert [s for s, _ in ref.outcomes] == [s for s, _ in lg.outcomes], "scenarios must be deterministic"

    problems: List[str] = []
    for (step, r), (_, l) in zip(ref.outcomes, lg.outcomes):
        allowance = STEP_ALLOWANCES.get((name, step))
        if allowance is not None:
            if (r, l) != (allowance.reference, allowance.lakeglue):
                problems.append(f"[{step}] documented allowance no longer holds ({allowance.reason})")
                _diff(allowance.reference, r, "documented-vs-reference", problems)
                _diff(allowance.lakeglue, l, "documented-vs-lakeglue", problems)
            continue
        if r != l:
            problems.append(f"[{step}]")
            _diff(r, l, "outcome", problems)
    for contract in MESSAGE_CONTRACTS:
        if contract.scenario != name:
            continue
        for probe in ((lg,) if contract.lakeglue_only else (ref, lg)):
            msg = probe.messages.get(contract.step)
            if msg is None or contract.needle not in msg:
                problems.append(f"[{contract.step}] {probe.side} message {msg!r} lacks "
                                f"{contract.needle!r} ({contract.why})")
    unknown = ({s for (scen, s) in STEP_ALLOWANCES if scen == name}
               | {c.step for c in MESSAGE_CONTRACTS if c.scenario == name}) - {s for s, _ in ref.outcomes}
    assert not unknown, f"allowances/contracts name steps that do not exist: {sorted(unknown)}"
    assert not problems, f"{name}: reference HMS 2.3 and lakeglue differ:\n" + "\n".join(problems)
