"""A bounded memo for values that are pure functions of their key.

Used where decoding or encoding is the cost and the key already says everything about the
value (a database row's full content, an immutable model object), so an entry can never go
stale — it can only be evicted. Two generations approximate LRU at dict speed: when the young
generation is full the old one is dropped; a hit in the old one is promoted.
"""
from __future__ import annotations

from typing import Callable, Generic, Hashable, Optional, TypeVar

V = TypeVar("V")


class BoundedMemo(Generic[V]):
    """At most `capacity` entries — or, with `weigh`, entries weighing at most `capacity` in
    all (e.g. listings weighed by their length). Safe to share between threads: every
    operation is a few dict operations, and a lost race only costs a recomputation."""

    __slots__ = ("capacity", "_young", "_old", "_weigh", "_young_weight")

    def __init__(self, capacity: int, weigh: Optional[Callable[[V], int]] = None):
        if capacity < 2:
            raise ValueError("capacity must be at least 2")
        self.capacity = capacity
        self._young: dict = {}
        self._old: dict = {}
        self._weigh = weigh
        self._young_weight = 0

    def get(self, key: Hashable) -> Optional[V]:
        value = self._young.get(key)
        if value is None:
            value = self._old.get(key)
            if value is not None:
                self.put(key, value)
        return value

    def put(self, key: Hashable, value: V) -> V:
        weight = 1 if self._weigh is None else max(1, self._weigh(value))
        if weight > self.capacity // 2:
            return value  # too big to keep
        young = self._young
        if self._young_weight + weight > self.capacity // 2:
            self._old = young
            self._young = young = {}
            self._young_weight = 0
        young[key] = value
        self._young_weight += weight
        return value

    def clear(self) -> None:
        self._young = {}
        self._old = {}
        self._young_weight = 0

    def __len__(self) -> int:
        return len(self._young) + len(self._old)
