"""Bring a job's script and extra Python files to local disk for a run.

Local paths (and `file:` URIs) are used in place; any other fsspec URI (s3://, gs://,
http(s)://, memory:// …) is copied into the run's directory under its own base name.
"""
from __future__ import annotations

import os
import shutil
from typing import List, Sequence
from urllib.parse import urlparse

from .errors import LaunchError


def _local_path(location: str):
    if location.startswith("file://"):
        return urlparse(location).path
    if location.startswith("file:"):
        return location[len("file:"):]
    if "://" not in location:
        return os.path.abspath(os.path.expanduser(location))
    return None


def is_local(location: str) -> bool:
    return _local_path(location) is not None


def materialize(location: str, dest_dir: str) -> str:
    """A local file path holding `location`'s content; LaunchError if it cannot be read."""
    path = _local_path(location)
    if path is not None:
        if not os.path.isfile(path):
            raise LaunchError(f"Script or file not found: {location}")
        return path
    try:
        import fsspec

        os.makedirs(dest_dir, exist_ok=True)
        name = os.path.basename(urlparse(location).path.rstrip("/")) or "script.py"
        target = os.path.join(dest_dir, name)
        with fsspec.open(location, "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        return target
    except FileNotFoundError as e:
        raise LaunchError(f"Script or file not found: {location}") from e
    except ImportError as e:
        raise LaunchError(f"Cannot read {location}: {e} (install the fsspec implementation for it, "
                          "e.g. pip install 'lakeglue[s3]')") from e
    except Exception as e:
        raise LaunchError(f"Cannot read {location}: {type(e).__name__}: {e}") from e


def materialize_all(locations: Sequence[str], dest_dir: str) -> List[str]:
    return [materialize(loc, dest_dir) for loc in locations]
