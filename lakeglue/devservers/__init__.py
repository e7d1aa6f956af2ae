"""Servers started on demand for development tools and tests: a throwaway PostgreSQL cluster
(`postgres`), the reference Hive Metastore 2.3.10 from pyspark's jars (`reference_hms`), a
`lakeglue metastore serve` subprocess (`lakeglue_metastore`) and loopback port helpers (`ports`).

`lakeglue bench` starts its targets with these; tests/infra re-exports them for the test suite.
"""
