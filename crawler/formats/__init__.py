"""Format plugins: the registry and detection.

Built-in plugins are named here and imported on first use; third-party plugins register
under the `lakeglue.crawler.formats` entry-point group (`name = "module:attribute"`, the
attribute a FormatPlugin instance or class) and are loaded, also lazily, the first time
detection or a lookup needs them. A third-party plugin with a built-in's name replaces it.
"""
from __future__ import annotations

import importlib
import logging
from typing import Dict, List, Optional, Tuple

from .base import (
    FileEntry, FileSchema, FormatError, FormatPlugin, InferenceOptions, Source, Storage, TableInput,
)

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "lakeglue.crawler.formats"

BUILTINS: Dict[str, str] = {
    "parquet": "crawler.formats.parquet:ParquetFormat",
    "orc": "crawler.formats.orc:OrcFormat",
    "avro": "crawler.formats.avro:AvroFormat",
    "json": "crawler.formats.json:JsonFormat",
    "csv": "crawler.formats.csv:CsvFormat",
}


class UnknownFormat(LookupError):
    """No plugin of that name is registered."""


def _load(target: str) -> FormatPlugin:
    module, _, attr = target.partition(":")
    obj = getattr(importlib.import_module(module), attr)
    return obj() if isinstance(obj, type) else obj


class Registry:
    """Named plugins, loaded on first use."""

    def __init__(self, include_entry_points: bool = True):
        self._targets: Dict[str, object] = dict(BUILTINS)
        self._loaded: Dict[str, FormatPlugin] = {}
        self._sorted: Optional[List[FormatPlugin]] = None  # detection order, computed once
        if include_entry_points:
            self._targets.update(self._entry_points())

    @staticmethod
    def _entry_points() -> Dict[str, object]:
        from importlib.metadata import entry_points

        try:
            eps = entry_points(group=ENTRY_POINT_GROUP)
        except Exception as e:  # broken metadata must not stop a crawl
            log.warning("cannot read %s entry points: %s", ENTRY_POINT_GROUP, e)
            return {}
        return {ep.name: ep for ep in eps}

    def register(self, plugin: FormatPlugin) -> None:
        self._targets[plugin.name] = plugin
        self._loaded[plugin.name] = plugin
        self._sorted = None

    def names(self) -> List[str]:
        return sorted(self._targets)

    def get(self, name: str) -> FormatPlugin:
        """The plugin named `name`. Raises UnknownFormat."""
        if name in self._loaded:
            return self._loaded[name]
        target = self._targets.get(name)
        if target is None:
            raise UnknownFormat(f"no crawler format plugin named {name!r}")
        if isinstance(target, FormatPlugin):
            plugin = target
        elif isinstance(target, str):
            plugin = _load(target)
        else:  # an importlib.metadata.EntryPoint
            obj = target.load()
            plugin = obj() if isinstance(obj, type) else obj
        self._loaded[name] = plugin
        return plugin

    def plugins(self) -> List[FormatPlugin]:
        """Every plugin that loads, in detection order (computed once: detection runs per file)."""
        if self._sorted is not None:
            return list(self._sorted)
        out = []
        for name in self.names():
            try:
                out.append(self.get(name))
            except Exception as e:
                log.warning("crawler format plugin %s failed to load: %s", name, e)
        self._sorted = sorted(out, key=lambda p: (p.priority, p.name))
        return list(self._sorted)

    def detect(self, source: Source) -> Tuple[Optional[FormatPlugin], float]:
        """The most confident plugin for a file (None when none claims it)."""
        best: Optional[FormatPlugin] = None
        best_score = 0.0
        for plugin in self._sorted if self._sorted is not None else self.plugins():
            try:
                score = plugin.detect(source)
            except Exception as e:  # a plugin's detect must not stop the crawl
                log.debug("%s.detect failed on %s: %s", plugin.name, source.path, e)
                score = 0.0
            if score >= 1.0:
                return plugin, score
            if score > best_score:
                best, best_score = plugin, score
        return best, best_score


_default: Optional[Registry] = None


def default_registry() -> Registry:
    global _default
    if _default is None:
        _default = Registry()
    return _default


__all__ = [
    "ENTRY_POINT_GROUP", "BUILTINS", "Registry", "UnknownFormat", "default_registry",
    "FileEntry", "FileSchema", "FormatError", "FormatPlugin", "InferenceOptions", "Source", "Storage",
    "TableInput",
]
