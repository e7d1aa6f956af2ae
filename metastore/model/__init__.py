"""Protocol-free domain model of the catalog."""
from .objects import *  # noqa: F401,F403
from .objects import __all__ as _objects_all
from .names import (  # noqa: F401
    DEFAULT_PARTITION_NAME, escape_path_name, unescape_path_name, make_partition_name,
    normalize_partition_name, parse_partition_name, partition_values_from_name,
)

__all__ = list(_objects_all) + [
    "DEFAULT_PARTITION_NAME", "escape_path_name", "unescape_path_name", "make_partition_name",
    "normalize_partition_name", "parse_partition_name", "partition_values_from_name",
]
