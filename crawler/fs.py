"""Filesystems for crawl paths: local paths, `file://` and `s3://` URIs through fsspec.

S3 settings come from the usual AWS environment: `AWS_ACCESS_KEY_ID`,
`AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`/`AWS_DEFAULT_REGION`,
`AWS_PROFILE`, and `AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL` for S3-compatible stores.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Dict, Tuple
from urllib.parse import urlparse

import fsspec


class PathError(ValueError):
    """A crawl path that cannot be used (unsupported scheme, missing)."""


@dataclass(frozen=True)
class Root:
    """A crawl path resolved to a filesystem: `fs`, the path fsspec uses (`path`), the URI
    prefix table locations are written with (`uri_prefix` + relative path)."""

    fs: Any
    path: str
    scheme: str  # "file" or "s3"

    def uri(self, fs_path: str) -> str:
        """The catalog location URI for a path of this filesystem."""
        if self.scheme == "file":
            return "file:" + fs_path
        return f"{self.scheme}://{fs_path}"

    @property
    def uri_prefix(self) -> str:
        """What `uri` puts before a path."""
        return "file:" if self.scheme == "file" else f"{self.scheme}://"

    @property
    def uri_root(self) -> str:
        return self.uri(self.path)


def s3_options() -> Dict[str, Any]:
    """s3fs keyword arguments from the AWS environment."""
    opts: Dict[str, Any] = {}
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    client_kwargs: Dict[str, Any] = {}
    if endpoint:
        client_kwargs["endpoint_url"] = endpoint
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if region:
        client_kwargs["region_name"] = region
    if client_kwargs:
        opts["client_kwargs"] = client_kwargs
    if os.environ.get("AWS_ACCESS_KEY_ID") and os.environ.get("AWS_SECRET_ACCESS_KEY"):
        opts["key"] = os.environ["AWS_ACCESS_KEY_ID"]
        opts["secret"] = os.environ["AWS_SECRET_ACCESS_KEY"]
        if os.environ.get("AWS_SESSION_TOKEN"):
            opts["token"] = os.environ["AWS_SESSION_TOKEN"]
    elif os.environ.get("AWS_PROFILE"):
        opts["profile"] = os.environ["AWS_PROFILE"]
    opts["skip_instance_cache"] = True
    return opts


def resolve(path: str) -> Root:
    """Resolve a crawl path (`/data/lake`, `file:///data/lake`, `s3://bucket/prefix`).

    Raises PathError for a scheme other than file/s3/s3a, or when s3fs is not installed.
    """
    parsed = urlparse(path)
    scheme = parsed.scheme.lower()
    if scheme in ("", "file"):
        local = parsed.path if scheme == "file" else path
        local = os.path.abspath(os.path.expanduser(local))
        return Root(fsspec.filesystem("file"), local.rstrip("/") or "/", "file")
    if scheme in ("s3", "s3a", "s3n"):
        try:
            fs = fsspec.filesystem("s3", **s3_options())
        except ImportError as e:  # pragma: no cover - s3fs is a dependency
            raise PathError(f"s3 paths need s3fs installed: {e}") from e
        bucket_path = (parsed.netloc + parsed.path).rstrip("/")
        if not parsed.netloc:
            raise PathError(f"{path}: an S3 path needs a bucket")
        return Root(fs, bucket_path, scheme)
    raise PathError(f"{path}: unsupported scheme {scheme!r} (use a local path, file:// or s3://)")


def split_uri(uri: str) -> Tuple[str, str]:
    """(scheme, path) of a location URI; plain paths are file paths."""
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file"):
        return "file", parsed.path if parsed.scheme else uri
    return parsed.scheme, parsed.netloc + parsed.path


__all__ = ["Root", "PathError", "resolve", "s3_options", "split_uri"]
