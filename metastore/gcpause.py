"""Pausing Python's cyclic garbage collector around work that builds many long-lived objects.

A crawl keeps an object or two per file alive until it ends, and a partition listing decodes
and encodes thousands of partitions that the server's memos keep: the collector's young
collections would trace those survivors again and again (a third of a 100,000-file crawl; a
quarter of a cold 10,000-partition listing). Reference counting still frees memory while the
collector is paused; cycles made meanwhile are collected once it runs again.
"""
from __future__ import annotations

import contextlib
import gc
import threading
from typing import Iterator

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the collector while any caller (any thread) is inside. On the way out of the
    last one, what survived goes straight to the oldest generation — as it would have after
    a few collections — so the first young collection does not trace all of it at once."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.freeze()
                gc.unfreeze()
                gc.enable()


__all__ = ["gc_paused"]
