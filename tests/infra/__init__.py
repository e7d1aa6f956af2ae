"""Test infrastructure helpers: throwaway PostgreSQL, moto S3, reference Hive Metastore.

Import the submodules directly, e.g. ``from tests.infra.postgres import PostgresServer``.
"""
