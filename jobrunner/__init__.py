"""lakeglue's job runner: a gRPC service that runs Spark (and plain Python) jobs against the
catalog, with retries, timeouts, logs, bookmarks, triggers and workflows (see README.md).

Scripts import `jobrunner.runtime`; everything else is the service.
"""
