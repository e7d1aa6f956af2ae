"""The catalog's domain objects: immutable, protocol-free.

Nothing here knows about Thrift, gRPC or SQL. Adapters convert to and from these
objects at the edge; the service and the stores only ever see them.
"""
from __future__ import annotations

from dataclasses import field, replace
from typing import Mapping, Optional, Tuple

from .frozen import frozen
from .names import make_partition_name

DEFAULT_CATALOG = "hive"

MANAGED_TABLE = "MANAGED_TABLE"
EXTERNAL_TABLE = "EXTERNAL_TABLE"
VIRTUAL_VIEW = "VIRTUAL_VIEW"
MATERIALIZED_VIEW = "MATERIALIZED_VIEW"

USER = "USER"
ROLE = "ROLE"
GROUP = "GROUP"


@frozen
class Column:
    name: str
    type: str
    comment: Optional[str] = None


@frozen
class SerDeInfo:
    name: Optional[str] = None
    serialization_lib: Optional[str] = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    description: Optional[str] = None
    serializer_class: Optional[str] = None
    deserializer_class: Optional[str] = None
    serde_type: Optional[int] = None


@frozen
class Order:
    column: str
    order: int  # 1 ascending, 0 descending, as Hive encodes it


@frozen
class SkewedInfo:
    column_names: Tuple[str, ...] = ()
    column_values: Tuple[Tuple[str, ...], ...] = ()
    value_locations: Tuple[Tuple[Tuple[str, ...], str], ...] = ()


@frozen
class StorageDescriptor:
    columns: Tuple[Column, ...] = ()
    location: Optional[str] = None
    input_format: Optional[str] = None
    output_format: Optional[str] = None
    compressed: bool = False
    num_buckets: int = -1
    serde: SerDeInfo = field(default_factory=SerDeInfo)
    bucket_columns: Tuple[str, ...] = ()
    sort_columns: Tuple[Order, ...] = ()
    parameters: Mapping[str, str] = field(default_factory=dict)
    skewed: Optional[SkewedInfo] = None
    stored_as_sub_directories: bool = False

    def at(self, location: Optional[str]) -> "StorageDescriptor":
        """This storage descriptor at another location. Shares every other field (model
        objects are immutable), and is much cheaper than dataclasses.replace, which matters
        when thousands of partitions are listed or added at once. The copy remembers the
        descriptor it was made from (see `shape`)."""
        new = object.__new__(StorageDescriptor)
        new.__dict__.update(self.__dict__)
        new.__dict__["location"] = location
        new.__dict__[_SHAPE] = self.shape
        return new

    @property
    def shape(self) -> "StorageDescriptor":
        """A descriptor whose every field but the location is this one's (the same objects):
        the one this was made from with `at`, else this one. Consumers that derive something
        from everything but the location (an encoder) can key it by the shape's identity."""
        return self.__dict__.get(_SHAPE, self)


#: not a field: equality, hashing, repr and dataclasses.replace ignore it
_SHAPE = "_shape"


@frozen
class Database:
    name: str
    description: Optional[str] = None
    location: Optional[str] = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    owner_name: Optional[str] = None
    owner_type: Optional[str] = USER
    catalog: str = DEFAULT_CATALOG
    create_time: int = 0


@frozen
class Table:
    db_name: str
    name: str
    sd: StorageDescriptor = field(default_factory=StorageDescriptor)
    partition_keys: Tuple[Column, ...] = ()
    parameters: Mapping[str, str] = field(default_factory=dict)
    table_type: str = MANAGED_TABLE
    owner: Optional[str] = None
    owner_type: Optional[str] = USER
    create_time: int = 0
    last_access_time: int = 0
    retention: int = 0
    view_original_text: Optional[str] = None
    view_expanded_text: Optional[str] = None
    temporary: bool = False
    rewrite_enabled: bool = False
    catalog: str = DEFAULT_CATALOG
    # Bumped on every committed change; lets caches and compare-and-swap check freshness.
    version: int = 0

    @property
    def is_view(self) -> bool:
        return self.table_type in (VIRTUAL_VIEW, MATERIALIZED_VIEW)

    @property
    def is_external(self) -> bool:
        return self.table_type == EXTERNAL_TABLE or (
            self.parameters.get("EXTERNAL", "").upper() == "TRUE"
        )

    @property
    def partition_key_names(self) -> Tuple[str, ...]:
        return tuple(c.name for c in self.partition_keys)


@frozen
class Partition:
    db_name: str
    table_name: str
    values: Tuple[str, ...]
    sd: StorageDescriptor = field(default_factory=StorageDescriptor)
    parameters: Mapping[str, str] = field(default_factory=dict)
    create_time: int = 0
    last_access_time: int = 0
    catalog: str = DEFAULT_CATALOG

    def name_for(self, keys) -> str:
        """The Hive partition name (`k1=v1/k2=v2`) of these values under the given keys."""
        return make_partition_name([k.name if isinstance(k, Column) else k for k in keys], self.values)


@frozen
class ResourceUri:
    resource_type: int  # 1 JAR, 2 FILE, 3 ARCHIVE
    uri: str


@frozen
class Function:
    db_name: str
    name: str
    class_name: str
    owner_name: Optional[str] = None
    owner_type: Optional[str] = USER
    function_type: int = 1  # JAVA
    create_time: int = 0
    resource_uris: Tuple[ResourceUri, ...] = ()
    catalog: str = DEFAULT_CATALOG


@frozen
class TableMeta:
    db_name: str
    table_name: str
    table_type: str
    comment: Optional[str] = None
    catalog: str = DEFAULT_CATALOG


__all__ = [
    "Column", "SerDeInfo", "Order", "SkewedInfo", "StorageDescriptor", "Database", "Table",
    "Partition", "ResourceUri", "Function", "TableMeta", "replace",
    "DEFAULT_CATALOG", "MANAGED_TABLE", "EXTERNAL_TABLE", "VIRTUAL_VIEW", "MATERIALIZED_VIEW",
    "USER", "ROLE", "GROUP",
]
