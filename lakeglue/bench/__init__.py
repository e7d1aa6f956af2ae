"""`lakeglue bench`: lakeglue and the reference Hive Metastore, side by side, over Thrift.

client      a ThriftHiveMetastore connection to any thrift://host:port (accelerated codec)
objects     the tables and partitions every target gets
timing      Case (prepare/setup/run/teardown/cleanup), warm-up, repetitions, median and p90
session     a connection plus the benchmark database and shared read-only tables
ops         the operations of Hive's HMSBenchmarks as timed cases
throughput  N client processes calling get_table for T seconds
scale       100k–1M-partition tables and 10k-table databases
targets     lakeglue (SQLite, PostgreSQL) and the reference (Derby, PostgreSQL), started fresh
runner      one run over every target into a JSON-ready document
report      the side-by-side table
cli         the command line
"""
