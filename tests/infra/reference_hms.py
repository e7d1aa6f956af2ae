"""The reference Apache Hive Metastore 2.3.10 for tests; the launcher lives in
lakeglue.devservers.reference_hms (`lakeglue bench` uses it too) and is re-exported here.

    from tests.infra.reference_hms import ReferenceHiveMetastore
"""
from lakeglue.devservers.reference_hms import (
    HMS_MAIN,
    JAVA17_OPENS,
    LOG4J2_PROPERTIES,
    POSTGRES_JDBC_JAR,
    HiveMetastoreError,
    ReferenceHiveMetastore,
    ensure_postgres_jdbc_jar,
    pyspark_jars_dir,
)

__all__ = [
    "HMS_MAIN",
    "JAVA17_OPENS",
    "LOG4J2_PROPERTIES",
    "POSTGRES_JDBC_JAR",
    "HiveMetastoreError",
    "ReferenceHiveMetastore",
    "ensure_postgres_jdbc_jar",
    "pyspark_jars_dir",
]
