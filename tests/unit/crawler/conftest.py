from __future__ import annotations

import fsspec
import pytest

from crawler.formats import FileEntry, InferenceOptions, Source, default_registry


@pytest.fixture
def infer():
    """infer(path, **options) -> (plugin name, FileSchema) for a local file."""
    registry = default_registry()

    def _infer(path, **options):
        path = str(path)
        import os

        entry = FileEntry(path=path, rel=os.path.basename(path), size=os.path.getsize(path),
                          mtime=os.path.getmtime(path))
        opts = InferenceOptions(**options)
        source = Source(fsspec.filesystem("file"), entry, opts)
        plugin, score = registry.detect(source)
        assert plugin is not None, f"no plugin claims {path}"
        return plugin.name, plugin.infer_schema(source, opts)

    return _infer


def cols(schema):
    return [(f.name, str(f.type)) for f in schema.fields]
