"""A bounded memo for values that are pure functions of their key.

Used where decoding or encoding is the cost and the key already says everything about the
value (a database row's full content, an immutable model object), so an entry can never go
stale — it can only be evicted. Two generations approximate LRU at dict speed: when the young
generation is full the old one is dropped; a hit in the old one is promoted.
"""
from __future__ import annotations

from typing import Generic, Hashable, Optional, TypeVar

V = TypeVar("V")


class BoundedMemo(Generic[V]):
    """At most `capacity` entries. Safe to share between threads: every operation is a few
    dict operations, and a lost race only costs a recomputation."""

    __slots__ = ("capacity", "_young", "_old")

    def __init__(self, capacity: int):
        if capacity < 2:
            raise ValueError("capacity must be at least 2")
        self.capacity = capacity
        self._young: dict = {}
        self._old: dict = {}

    def get(self, key: Hashable) -> Optional[V]:
        value = self._young.get(key)
        if value is None:
            value = self._old.get(key)
            if value is not None:
                self.put(key, value)
        return value

    def put(self, key: Hashable, value: V) -> V:
        young = self._young
        if len(young) >= self.capacity // 2:
            self._old = young
            self._young = young = {}
        young[key] = value
        return value

    def clear(self) -> None:
        self._young = {}
        self._old = {}

    def __len__(self) -> int:
        return len(self._young) + len(self._old)
