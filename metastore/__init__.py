"""lakeglue's metastore: a Hive-Metastore-compatible catalog."""
try:
    from importlib.metadata import version as _version

    __version__ = _version("lakeglue")
except Exception:  # running from a source tree that was not installed
    __version__ = "0.0.0+src"
